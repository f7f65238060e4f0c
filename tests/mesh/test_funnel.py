"""How a plan's stage and source names map to what the records count (no database)."""

from __future__ import annotations

import pytest
from django.utils import translation

from salesmesh.activities.indicators import DEALS_OPENED, LEADS_CREATED, LEADS_QUALIFIED
from salesmesh.core.mesh import MeshError
from salesmesh.mesh.funnel import funnel_map, normalise
from salesmesh.pipeline.models import LeadSource, Stage


def english(messages) -> list[str]:  # type: ignore[no-untyped-def]
    with translation.override("en"):
        return [message.render(translation.gettext) for message in messages]


@pytest.mark.parametrize(
    ("stages", "codes"),
    [
        (["线索", "有效线索", "商机"], (LEADS_CREATED, LEADS_QUALIFIED, DEALS_OPENED)),
        (
            ["Lead", "Qualified", "Proposal", "Negotiation"],
            (LEADS_CREATED, Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION),
        ),
        (
            ["leads", "Qualified-Lead", "OPPORTUNITY"],
            (LEADS_CREATED, LEADS_QUALIFIED, DEALS_OPENED),
        ),
        (["任何名字", "方案报价"], (LEADS_CREATED, Stage.PROPOSAL)),
        (["only"], (LEADS_CREATED,)),
    ],
)
def test_known_names(stages: list[str], codes: tuple[str, ...]) -> None:
    mapped = funnel_map(stages=stages, sources=[])

    assert mapped.stage_codes == codes
    assert mapped.warnings == ()


def test_unknown_names_take_the_next_stage_with_a_warning() -> None:
    mapped = funnel_map(stages=["线索", "意向", "商机", "签约前"], sources=[])

    assert mapped.stage_codes == (LEADS_CREATED, LEADS_QUALIFIED, DEALS_OPENED, Stage.PROPOSAL)
    assert english(mapped.warnings) == [
        "Funnel stage 意向 is measured as lead records qualified: its name is not one "
        "salesmesh recognises, so it takes the next stage of the funnel.",
        "Funnel stage 签约前 is measured as deals that entered Proposal: its name is not one "
        "salesmesh recognises, so it takes the next stage of the funnel.",
    ]


def test_a_name_used_twice_is_measured_once() -> None:
    mapped = funnel_map(stages=["线索", "商机", "opportunity"], sources=[])

    assert mapped.stage_codes == (LEADS_CREATED, DEALS_OPENED, Stage.PROPOSAL)
    assert len(mapped.warnings) == 1


def test_a_funnel_longer_than_the_records_is_refused() -> None:
    with pytest.raises(MeshError, match="cannot tell"):
        funnel_map(stages=["a", "b", "c", "d", "e", "f"], sources=[])
    with pytest.raises(MeshError, match="at least one"):
        funnel_map(stages=[], sources=[])


def test_sources() -> None:
    mapped = funnel_map(
        stages=["线索"], sources=["市场覆盖", "Brand", "私域", "转介绍", "展会", "market coverage"]
    )

    assert mapped.source_codes == {
        "市场覆盖": LeadSource.MARKET_COVERAGE,
        "Brand": LeadSource.BRAND,
        "私域": LeadSource.PRIVATE_DOMAIN,
        "转介绍": LeadSource.REFERRAL,
    }
    assert mapped.plan_source_of(LeadSource.BRAND) == "Brand"
    assert mapped.plan_source_of(LeadSource.OTHER) is None
    assert [w.params["source"] for w in mapped.warnings] == ["展会", "market coverage"]


def test_names_are_compared_loosely() -> None:
    assert normalise(" Qualified_lead ") == normalise("qualified-LEAD") == "qualified lead"
    assert normalise("\uff2d\uff31\uff2c") == "mql"  # full-width letters
