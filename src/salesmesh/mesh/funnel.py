"""What the database counts for each funnel stage and lead source a probability plan names.

A plan names its stages and sources freely (线索 / 有效线索 / 商机, or Lead / Qualified /
Proposal …); the records know lead sources (``LeadSource``), lead records and deal stages
(``Stage``). The mapping, in this order:

1. **The first stage is the leads**, whatever its name: in the planner the first stage's
   entrants are the leads the sources feed and the calls produce, so it is measured as the
   lead records created (``LEADS_CREATED``), and leads = Σ leads by source holds.
2. A later stage whose name is a known one is measured by that: a qualified lead (有效线索,
   "qualified lead", MQL/SQL) by lead records qualified; an opportunity (商机, 销售机会,
   "opportunity", "deal") by deals opened; a deal stage's code or name (qualified/有效,
   proposal/方案报价, negotiation/商务谈判) by the deals that entered it.
3. Any other stage takes the next measure, in funnel order, after the previous stage's
   (leads qualified → deals opened → proposal → negotiation), with a warning that says so;
   a funnel longer than that cannot be measured (``MeshError``).

Names are compared after Unicode NFKC normalisation, case folding and treating spaces,
hyphens and underscores alike. Plan sources map to ``LeadSource`` codes the same way (their
codes, English and Chinese names and a few synonyms); a plan source that matches none counts
no leads, with a warning.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from salesmesh.activities.indicators import DEALS_OPENED, LEADS_CREATED, LEADS_QUALIFIED
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.mesh import MeshError
from salesmesh.pipeline.models import LeadSource, Stage

__all__ = ["FunnelMap", "funnel_map", "normalise", "source_label"]

_STAGE_ALIASES: dict[str, tuple[str, ...]] = {
    LEADS_QUALIFIED: (
        LEADS_QUALIFIED,
        "有效线索",
        "合格线索",
        "已验证线索",
        "qualified lead",
        "qualified leads",
        "valid lead",
        "valid leads",
        "mql",
        "sql",
    ),
    DEALS_OPENED: (
        DEALS_OPENED,
        "商机",
        "销售机会",
        "机会",
        "opportunity",
        "opportunities",
        "deal",
        "deals",
    ),
    Stage.QUALIFIED: (Stage.QUALIFIED, "有效", "qualified opportunity"),
    Stage.PROPOSAL: (Stage.PROPOSAL, "方案报价", "方案", "报价", "提案", "quote", "quotation"),
    Stage.NEGOTIATION: (Stage.NEGOTIATION, "商务谈判", "谈判"),
}
# Where each measure sits in the funnel; an unknown stage takes the next one after the
# previous stage's (Stage.QUALIFIED sits beside deals opened and is never guessed).
_RANK: dict[str, int] = {
    LEADS_CREATED: 0,
    LEADS_QUALIFIED: 1,
    DEALS_OPENED: 2,
    Stage.QUALIFIED: 2,
    Stage.PROPOSAL: 3,
    Stage.NEGOTIATION: 4,
}
_GUESSES = (LEADS_QUALIFIED, DEALS_OPENED, Stage.PROPOSAL, Stage.NEGOTIATION)
_MEASURE_LABELS: dict[str, str] = {
    LEADS_CREATED: gettext_noop("lead records created"),
    LEADS_QUALIFIED: gettext_noop("lead records qualified"),
    DEALS_OPENED: gettext_noop("deals opened"),
    Stage.QUALIFIED: gettext_noop("deals that entered Qualified"),
    Stage.PROPOSAL: gettext_noop("deals that entered Proposal"),
    Stage.NEGOTIATION: gettext_noop("deals that entered Negotiation"),
}

_SOURCE_ALIASES: dict[str, tuple[str, ...]] = {
    LeadSource.MARKET_COVERAGE: (
        LeadSource.MARKET_COVERAGE,
        "market coverage",
        "market",
        "市场覆盖",
        "市场",
    ),
    LeadSource.BRAND: (LeadSource.BRAND, "brand", "brand reach", "inbound", "品牌"),
    LeadSource.PRIVATE_DOMAIN: (
        LeadSource.PRIVATE_DOMAIN,
        "private domain",
        "community",
        "私域",
        "私域流量",
        "社群",
    ),
    LeadSource.REFERRAL: (LeadSource.REFERRAL, "referral", "referrals", "转介绍", "推荐"),
    LeadSource.OTHER: (LeadSource.OTHER, "other", "其他", "其它"),
}
# The sources' names as the pipeline shows them (the same msgids as LeadSource's labels).
_SOURCE_LABELS: dict[str, str] = {
    LeadSource.MARKET_COVERAGE: gettext_noop("Market coverage"),
    LeadSource.BRAND: gettext_noop("Brand"),
    LeadSource.PRIVATE_DOMAIN: gettext_noop("Private domain"),
    LeadSource.REFERRAL: gettext_noop("Referral"),
    LeadSource.OTHER: gettext_noop("Other"),
}
_SEPARATORS = re.compile(r"[\s_\-]+")


def normalise(name: str) -> str:
    """A name as compared: NFKC, case-folded, spaces/hyphens/underscores as one space."""
    return _SEPARATORS.sub(" ", unicodedata.normalize("NFKC", name).casefold()).strip()


def _lookup(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {normalise(alias): code for code, names in aliases.items() for alias in names}


_STAGES_BY_NAME = _lookup(_STAGE_ALIASES)
_SOURCES_BY_NAME = _lookup(_SOURCE_ALIASES)


def source_label(code: str) -> Message:
    """A lead source's name as a translatable message (the code itself if unknown)."""
    label = _SOURCE_LABELS.get(code)
    return Message(label) if label is not None else Message("%(code)s", {"code": code})


@dataclass(frozen=True)
class FunnelMap:
    """The stage code measuring each plan stage, and the source code of each plan source."""

    # Aligned with the plan's stages: codes for ``activities.indicators``.
    stage_codes: tuple[str, ...]
    # Plan source name → LeadSource code, for the sources that match one.
    source_codes: dict[str, str]
    warnings: tuple[Message, ...]

    def plan_source_of(self, code: str) -> str | None:
        """The plan's name for a source code (None when the plan does not name it)."""
        return next((name for name, known in self.source_codes.items() if known == code), None)


def funnel_map(*, stages: Sequence[str], sources: Sequence[str]) -> FunnelMap:
    """Map a plan's stage and source names to what the records count (see the module)."""
    if not stages:
        raise MeshError("the plan needs at least one funnel stage")
    warnings: list[Message] = []
    codes = [LEADS_CREATED]
    for name in stages[1:]:
        known = _STAGES_BY_NAME.get(normalise(name))
        if known is not None and known not in codes:
            codes.append(known)
            continue
        after = _RANK[codes[-1]]
        guess = next((code for code in _GUESSES if _RANK[code] > after and code not in codes), None)
        if guess is None:
            raise MeshError(
                f"cannot tell what the records count for funnel stage {name!r}: name it as a "
                "qualified lead, an opportunity, a proposal or a negotiation"
            )
        codes.append(guess)
        warnings.append(
            Message(
                gettext_noop(
                    "Funnel stage %(stage)s is measured as %(measure)s: its name is not one "
                    "salesmesh recognises, so it takes the next stage of the funnel."
                ),
                {"stage": name, "measure": Message(_MEASURE_LABELS[guess])},
            )
        )
    source_codes: dict[str, str] = {}
    for name in sources:
        code = _SOURCES_BY_NAME.get(normalise(name))
        if code is not None and code not in source_codes.values():
            source_codes[name] = code
        else:
            warnings.append(
                Message(
                    gettext_noop(
                        "Lead source %(source)s of the plan matches none of the records' "
                        "sources (or another of the plan's sources matched it first); it "
                        "counts no leads."
                    ),
                    {"source": name},
                )
            )
    return FunnelMap(stage_codes=tuple(codes), source_codes=source_codes, warnings=tuple(warnings))
