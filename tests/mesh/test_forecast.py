"""The forecast wired to the database: hand-computed histories, scopes, slippage, back-test.

The crafted history (``history``) is four deals that each sat in negotiation from a Monday
for a day or three, so a Monday review saw each exactly once, at age 0:

    D1  Mon  5 Jan → won  6 Jan     500
    D3  Mon  2 Feb → won  3 Feb     700
    L1  Mon  9 Feb → lost 11 Feb    900
    D2  Mon  2 Mar → won  5 Mar   2,000   (in March: closed revenue of the March plan)

so on Monday 16 March the calibrated win rate of a deal in negotiation aged 0-29 days is

    overall = (3 + 1) / (4 + 2)                = 2/3
    stage   = (3 + 10 · 2/3) / (4 + 10)        = 29/42
    bin     = (3 + 10 · 29/42) / (4 + 10)      = 104/147

and past wins came 1, 1 and 3 days after a review (every won deal's timing sample), so a
deal that will be won is won within any horizon of 3 days or more.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from salesmesh.core.calendar import FiscalCalendar, Grain
from salesmesh.core.forecast import ForecastMethod
from salesmesh.mesh.forecast import backtest_for, forecast_for
from salesmesh.mesh.forecast_inputs import OPEN_STAGES, data_stamp
from salesmesh.mesh.forecast_model import WON, FanMethod
from salesmesh.org.models import OrgUnit, Paradigm, Role, User
from salesmesh.pipeline.models import Opportunity, Stage
from salesmesh.pipeline.services import opportunity_create, opportunity_update
from salesmesh.planning.models import PlanStatus, PlanVersion
from salesmesh.projects.models import Milestone, OwningRole, RevenueKind
from salesmesh.projects.services import (
    milestone_create,
    milestone_update,
    project_create,
    project_member_assign,
)
from tests.accounts.factories import make_account, make_line, make_team, make_user, shanghai

pytestmark = pytest.mark.django_db

D = date
AS_OF = D(2026, 3, 16)  # a Monday
P_NEGOTIATION = Fraction(104, 147)
PRIOR = Fraction(2, 3)


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Every test computes afresh (the cache is a file cache shared within a run)."""
    cache.clear()
    yield
    cache.clear()


def plan(
    line: OrgUnit,
    label: str,
    target: int,
    *,
    paradigm: str = Paradigm.PROBABILITY,
    allocation: dict[str, str] | None = None,
) -> PlanVersion:
    """An approved version whose stored report gives the period, target and allocation."""
    period = FiscalCalendar(1).parse(label)
    data: dict[str, object] = {
        "document": {
            "period": {"label": label, "start": str(period.start), "end": str(period.end)},
            "target": str(target),
            "country": "CN",
        }
    }
    if allocation is not None:
        data["allocation"] = {"amounts": allocation}
    return PlanVersion.objects.create(
        unit=line,
        period_label=label,
        number=1,
        paradigm=paradigm,
        assumptions={"period": label},
        result={"data": data},
        status=PlanStatus.APPROVED,
    )


def deal(
    line: OrgUnit,
    owner: User,
    amount: str,
    moves: list[tuple[str, date]],
    expected_close: date | None = None,
) -> Opportunity:
    """A deal that entered each stage of ``moves`` at 10:00 Shanghai time on its day."""
    (first, opened), *rest = moves
    opportunity = opportunity_create(
        line=line,
        account=make_account(line, owner),
        name=f"deal {amount}",
        owner=owner,
        stage=first,
        amount=Decimal(amount),
        expected_close=expected_close,
        at=shanghai(opened.year, opened.month, opened.day, 10),
    )
    for stage, day in rest:
        opportunity = opportunity_update(
            opportunity=opportunity, stage=stage, at=shanghai(day.year, day.month, day.day, 10)
        )
    return opportunity


def history(line: OrgUnit, owner: User) -> None:
    """The four closed deals of the module docstring."""
    neg, won, lost = Stage.NEGOTIATION, Stage.WON, Stage.LOST
    deal(line, owner, "500", [(neg, D(2026, 1, 5)), (won, D(2026, 1, 6))])
    deal(line, owner, "700", [(neg, D(2026, 2, 2)), (won, D(2026, 2, 3))])
    deal(line, owner, "900", [(neg, D(2026, 2, 9)), (lost, D(2026, 2, 11))])
    deal(line, owner, "2000", [(neg, D(2026, 3, 2)), (won, D(2026, 3, 5))])


@dataclass
class Line:
    line: OrgUnit
    team_a: OrgUnit
    team_b: OrgUnit
    ann: User
    bo: User
    version: PlanVersion


@pytest.fixture
def fc() -> Line:
    """Line ``fc``: Ann in team ``fa`` owns the history; the March plan aims at 2,500."""
    line = make_line("fc", Paradigm.PROBABILITY)
    team_a, team_b = make_team(line, "fa"), make_team(line, "fb")
    ann = make_user("ann", unit=team_a)
    bo = make_user("bo", unit=team_b)
    history(line, ann)
    version = plan(line, "2026-03", 2500, allocation={"fa": "2600.00", "bo": "800.00"})
    return Line(line, team_a, team_b, ann, bo, version)


def test_the_win_rate_is_calibrated_on_the_lines_history_as_hand_computed(fc):
    deal(fc.line, fc.ann, "1000", [(Stage.NEGOTIATION, AS_OF)], expected_close=D(2026, 3, 25))

    view = forecast_for(version=fc.version, as_of=AS_OF)

    assert view.win_rates is not None
    assert view.history_deals == 4
    assert view.win_rates.prior == pytest.approx(float(PRIOR), abs=1e-15)
    assert view.win_rates.probability(Stage.NEGOTIATION, 0) == pytest.approx(
        float(P_NEGOTIATION), abs=1e-15
    )
    # Total = 2,000 closed + 1,000 × Bernoulli(104/147): P(≥ 2,500) is the deal's chance.
    assert view.target == Decimal("2500.00")
    assert view.closed == Decimal("2000.00")
    assert view.attainment.probability_of_target == pytest.approx(float(P_NEGOTIATION))
    assert view.probability_of_target == view.attainment.probability_of_target
    assert view.attainment.mean == Decimal("2707.48")  # 2,000 + 1,000 × 104/147
    assert (view.attainment.p10, view.attainment.p50, view.attainment.p90) == (
        Decimal("2000.00"),
        Decimal("3000.00"),
        Decimal("3000.00"),
    )
    assert view.new_business is None  # no leads: no run-rate
    (row,) = view.pipeline.by_stage
    assert (row.stage, row.deals, row.amount) == (Stage.NEGOTIATION, 1, Decimal("1000"))
    assert row.weighted == Decimal("707.48")


def test_closed_revenue_counts_wins_in_the_period_by_the_day_and_later_deals_are_left_out(fc):
    neg = Stage.NEGOTIATION
    deal(fc.line, fc.ann, "1000", [(neg, AS_OF)], expected_close=D(2026, 3, 25))
    # Expected in April: not this period's.
    deal(fc.line, fc.ann, "3000", [(neg, D(2026, 3, 9))], expected_close=D(2026, 4, 10))
    # Won the day after: on the 16th it was an open deal, overdue, so due tomorrow.
    deal(
        fc.line,
        fc.bo,
        "400",
        [(neg, D(2026, 3, 9)), (Stage.WON, D(2026, 3, 17))],
        expected_close=D(2026, 3, 10),
    )

    view = forecast_for(version=fc.version, as_of=AS_OF)

    assert view.closed == Decimal("2000.00")  # D2; D1 and D3 were won before March
    assert view.pipeline.deals == 2
    assert view.pipeline.amount == Decimal("1400")
    assert view.pipeline.excluded == 1
    assert view.pipeline.excluded_amount == Decimal("3000")
    assert view.attainment.mean == Decimal("2990.48")  # 2,000 + 1,400 × 104/147
    # The next day the win has closed, and it is no longer in the pipeline.
    later = forecast_for(version=fc.version, as_of=D(2026, 3, 17))
    assert later.closed == Decimal("2400.00")
    assert later.pipeline.deals == 1


def test_a_deal_expected_after_the_period_is_not_forecast_for_it(fc):
    opportunity = deal(
        fc.line, fc.ann, "1000", [(Stage.NEGOTIATION, AS_OF)], expected_close=D(2026, 3, 25)
    )
    assert forecast_for(version=fc.version, as_of=AS_OF).pipeline.deals == 1

    # Only the close date changes: the data stamp sees it, the cache is not served.
    opportunity_update(opportunity=opportunity, expected_close=D(2026, 4, 2))
    view = forecast_for(version=fc.version, as_of=AS_OF)

    assert (view.pipeline.deals, view.pipeline.excluded) == (0, 1)
    assert view.attainment.probability_of_target == 0.0


def test_the_chance_of_the_target_rises_with_a_deals_amount_and_its_probability(fc):
    # The first quarter's target, 4,700, from 3,200 closed (D1, D3, D2): deals A (1,000) and
    # B (800) must both be won.
    a = deal(fc.line, fc.ann, "1000", [(Stage.NEGOTIATION, AS_OF)], expected_close=D(2026, 3, 25))
    b = deal(fc.line, fc.bo, "800", [(Stage.QUALIFIED, AS_OF)], expected_close=D(2026, 3, 25))
    version = plan(fc.line, "FY2026-Q1", 4700)
    as_of_q1 = AS_OF

    # Qualified has no history: B gets the overall rate 2/3.
    base = forecast_for(version=version, as_of=as_of_q1).attainment.probability_of_target
    assert base == pytest.approx(float(P_NEGOTIATION * PRIOR))

    opportunity_update(opportunity=a, amount=Decimal(1600))  # A alone now suffices
    bigger = forecast_for(version=version, as_of=as_of_q1).attainment.probability_of_target
    assert bigger == pytest.approx(float(P_NEGOTIATION))
    assert bigger > base

    opportunity_update(opportunity=a, amount=Decimal(1000))
    back = forecast_for(version=version, as_of=as_of_q1).attainment.probability_of_target
    assert back == pytest.approx(base)
    # B moves on to negotiation the same day: its chance rises from 2/3 to 104/147.
    opportunity_update(opportunity=b, stage=Stage.NEGOTIATION, at=shanghai(2026, 3, 16, 15))
    likelier = forecast_for(version=version, as_of=as_of_q1).attainment.probability_of_target
    assert likelier == pytest.approx(float(P_NEGOTIATION**2))
    assert likelier > base


def test_a_unit_or_a_person_forecasts_their_own_deals_against_their_allocation(fc):
    deal(fc.line, fc.ann, "1000", [(Stage.NEGOTIATION, AS_OF)], expected_close=D(2026, 3, 25))
    deal(fc.line, fc.bo, "800", [(Stage.NEGOTIATION, AS_OF)], expected_close=D(2026, 3, 25))

    team = forecast_for(version=fc.version, unit=fc.team_a, as_of=AS_OF)
    person = forecast_for(version=fc.version, person=fc.bo, as_of=AS_OF)
    other_team = forecast_for(version=fc.version, unit=fc.team_b, as_of=AS_OF)
    line = forecast_for(version=fc.version, unit=fc.line, as_of=AS_OF)

    assert (team.unit_id, team.person_id) == (fc.team_a.pk, None)
    assert (team.closed, team.pipeline.amount, team.target) == (
        Decimal("2000.00"),
        Decimal("1000"),
        Decimal("2600.00"),
    )
    assert team.attainment.probability_of_target == pytest.approx(float(P_NEGOTIATION))
    # Bo's rate is learnt from the line's history, though Bo closed nothing.
    assert (person.closed, person.pipeline.amount, person.target) == (
        Decimal("0.00"),
        Decimal("800"),
        Decimal("800.00"),
    )
    assert person.attainment.probability_of_target == pytest.approx(float(P_NEGOTIATION))
    # Team fb has no allocation: no target, no chance of reaching one, and a warning.
    assert other_team.target is None
    assert other_team.probability_of_target is None
    with translation.override("en"):
        assert "allocates no target" in str(other_team.warnings[0])
    # The line itself as a unit is the line.
    assert (line.unit_id, line.target, line.pipeline.amount) == (
        None,
        Decimal("2500.00"),
        Decimal("1800"),
    )


def test_a_unit_outside_the_line_or_a_unit_and_a_person_are_refused(fc):
    elsewhere = make_line("other")
    with pytest.raises(ValueError, match="not inside"):
        forecast_for(version=fc.version, unit=elsewhere, as_of=AS_OF)
    with pytest.raises(ValueError, match="not both"):
        forecast_for(version=fc.version, unit=fc.team_a, person=fc.ann, as_of=AS_OF)


def test_after_the_period_everything_has_closed_and_before_it_nothing_has(fc):
    deal(fc.line, fc.ann, "1000", [(Stage.NEGOTIATION, AS_OF)], expected_close=D(2026, 3, 25))

    after = forecast_for(version=fc.version, as_of=D(2026, 5, 1))
    assert after.closed == Decimal("2000.00")
    assert (after.attainment.p10, after.attainment.p90) == (Decimal("2000.00"),) * 2
    assert after.attainment.probability_of_target == 0.0
    assert all(point.actual for point in after.fan)

    before = forecast_for(version=fc.version, as_of=D(2026, 2, 20))
    assert before.closed == Decimal("0.00")
    assert not any(point.actual for point in before.fan)


def test_the_fan_runs_week_by_week_from_the_closed_past_to_the_forecast(fc):
    deal(fc.line, fc.ann, "1000", [(Stage.NEGOTIATION, AS_OF)], expected_close=D(2026, 3, 25))

    view = forecast_for(version=fc.version, as_of=AS_OF)

    weeks = FiscalCalendar(1).split(view.period, Grain.WEEK)
    assert [(p.label, p.start, p.end) for p in view.fan] == [
        (w.label, w.start, w.end) for w in weeks
    ]
    # Weeks 9 and 10 ended before the 16th: 0 and then D2's 2,000 closed.
    assert [(p.p50, p.method) for p in view.fan[:3]] == [
        (Decimal("0.00"), FanMethod.CLOSED),
        (Decimal("2000.00"), FanMethod.CLOSED),
        (Decimal("2000.00"), FanMethod.CLOSED),
    ]
    # Week 12 ends on the 22nd, before the deal's expected close on the 25th.
    assert view.fan[3].p90 == Decimal("2000.00")
    last = view.fan[-1]
    assert (last.p10, last.p50, last.p90, last.method) == (
        view.attainment.p10,
        view.attainment.p50,
        view.attainment.p90,
        FanMethod.EXACT,
    )


def test_a_cached_forecast_costs_one_query_and_is_the_same(fc):
    deal(fc.line, fc.ann, "1000", [(Stage.NEGOTIATION, AS_OF)], expected_close=D(2026, 3, 25))
    first = forecast_for(version=fc.version, as_of=AS_OF)
    with CaptureQueriesContext(connection) as queries:
        again = forecast_for(version=fc.version, as_of=AS_OF)
    assert len(queries) == 1  # the data stamp
    assert again == first


def test_the_data_stamp_moves_with_every_input_the_forecast_reads(fc):
    opportunity = deal(
        fc.line, fc.ann, "1000", [(Stage.NEGOTIATION, AS_OF)], expected_close=D(2026, 3, 25)
    )
    stamps = {data_stamp(line=fc.line)}
    opportunity_update(opportunity=opportunity, amount=Decimal(1001))
    stamps.add(data_stamp(line=fc.line))
    opportunity_update(opportunity=opportunity, owner=fc.bo)
    stamps.add(data_stamp(line=fc.line))
    opportunity_update(opportunity=opportunity, stage=Stage.PROPOSAL, at=shanghai(2026, 3, 16, 11))
    stamps.add(data_stamp(line=fc.line))
    make_user("cy", unit=fc.team_b)
    stamps.add(data_stamp(line=fc.line))
    assert len(stamps) == 5


def _open_deals(fc: Line, count: int) -> None:
    for index in range(count):
        owner = fc.ann if index % 2 else fc.bo
        stage = OPEN_STAGES[index % len(OPEN_STAGES)]
        deal(
            fc.line,
            owner,
            str(100 + index),
            [(stage, AS_OF - timedelta(days=index % 40))],
            expected_close=D(2026, 3, 20) + timedelta(days=index % 20),
        )


def _queries(fc: Line, **scope: object) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        forecast_for(version=fc.version, as_of=AS_OF, **scope)  # type: ignore[arg-type]
    return len(queries)


def test_the_query_count_does_not_grow_with_the_pipeline(fc):
    _open_deals(fc, 10)
    small = [_queries(fc), _queries(fc, unit=fc.team_a), _queries(fc, person=fc.bo)]
    _open_deals(fc, 90)
    large = [_queries(fc), _queries(fc, unit=fc.team_a), _queries(fc, person=fc.bo)]
    assert small == large
    assert max(large) <= 5


# -- project lines -------------------------------------------------------------------------


@pytest.fixture
def pj() -> tuple[OrgUnit, User]:
    line = make_line("pj", Paradigm.PROJECT)
    pm = make_user("pm", unit=make_team(line, "pj-biz"))
    return line, pm


def _project(line: OrgUnit, owner: User, *, first_actual: date) -> dict[str, Milestone]:
    """A 1,000,000 project: m1 (20%) planned 10 Jan, m2 (50%) after it on 25 Mar, m3 (30%)."""
    project = project_create(
        line=line,
        account=make_account(line, owner),
        name="智慧平台",
        contract_value=Decimal(1_000_000),
    )
    role = OwningRole.PMO
    m1 = milestone_create(
        project=project,
        name="合同",
        planned_date=D(2026, 1, 10),
        actual_date=first_actual,
        owning_role=role,
        revenue_share=Decimal("0.2"),
        revenue_kind=RevenueKind.CONTRACT,
    )
    m2 = milestone_create(
        project=project,
        name="上线",
        planned_date=D(2026, 3, 25),
        owning_role=role,
        revenue_share=Decimal("0.5"),
        revenue_kind=RevenueKind.PAYMENT,
        depends_on=[m1],
    )
    m3 = milestone_create(
        project=project,
        name="验收",
        planned_date=D(2026, 3, 10),
        owning_role=role,
        revenue_share=Decimal("0.3"),
        revenue_kind=RevenueKind.ACCEPTANCE,
    )
    return {"m1": m1, "m2": m2, "m3": m3}


def test_slippage_moves_a_milestones_revenue_into_the_next_period(pj):
    line, pm = pj
    _project(line, pm, first_actual=D(2026, 1, 20))  # ten days late
    q1 = plan(line, "FY2026-Q1", 1_000_000, paradigm=Paradigm.PROJECT)
    q2 = plan(line, "FY2026-Q2", 1_000_000, paradigm=Paradigm.PROJECT)
    as_of = D(2026, 3, 1)

    first = forecast_for(version=q1, as_of=as_of)
    second = forecast_for(version=q2, as_of=as_of)

    assert first.closed == Decimal("200000.00")  # m1, reached 20 January
    views = {m.name: m for m in first.pipeline.milestones}
    # m2: planned 25 March + the project's ten days = 4 April, in the second quarter.
    assert views["上线"].projected == D(2026, 4, 4)
    assert views["上线"].probability == 0.0
    assert views["验收"].projected == D(2026, 3, 20)
    assert views["验收"].probability == 1.0
    assert (first.attainment.p10, first.attainment.p90) == (Decimal("500000.00"),) * 2
    assert first.win_rates is None
    assert first.new_business is None
    # The second quarter gets m2's 500,000 (and nothing closed in it yet).
    assert second.closed == Decimal("0.00")
    assert (second.attainment.p10, second.attainment.p90) == (Decimal("500000.00"),) * 2


def test_without_slippage_the_milestone_stays_in_its_planned_period(pj):
    line, pm = pj
    _project(line, pm, first_actual=D(2026, 1, 10))  # on time
    q1 = plan(line, "FY2026-Q1", 1_000_000, paradigm=Paradigm.PROJECT)

    view = forecast_for(version=q1, as_of=D(2026, 3, 1))

    assert {m.name: m.probability for m in view.pipeline.milestones} == {"上线": 1.0, "验收": 1.0}
    assert view.attainment.p50 == Decimal("1000000.00")
    assert view.attainment.probability_of_target == 1.0


def test_a_milestone_reached_is_closed_revenue_and_the_forecast_follows_the_edit(pj):
    line, pm = pj
    milestones = _project(line, pm, first_actual=D(2026, 1, 20))
    q1 = plan(line, "FY2026-Q1", 1_000_000, paradigm=Paradigm.PROJECT)
    before = forecast_for(version=q1, as_of=D(2026, 3, 12))
    milestone_update(milestone=milestones["m3"], actual_date=D(2026, 3, 11))
    after = forecast_for(version=q1, as_of=D(2026, 3, 12))
    assert (before.closed, after.closed) == (Decimal("200000.00"), Decimal("500000.00"))
    # Someone else's project is not the person's.
    other = make_user("other", unit=OrgUnit.objects.get(code="pj-biz"))
    assert forecast_for(version=q1, person=other, as_of=D(2026, 3, 12)).closed == Decimal("0.00")


def test_project_forecasts_take_the_same_queries_however_many_milestones(pj):
    line, pm = pj
    q1 = plan(line, "FY2026-Q1", 1_000_000, paradigm=Paradigm.PROJECT)
    _project(line, pm, first_actual=D(2026, 1, 20))
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        forecast_for(version=q1, unit=OrgUnit.objects.get(code="pj-biz"), as_of=D(2026, 3, 1))
    for _ in range(5):
        _project(line, pm, first_actual=D(2026, 1, 12))
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        forecast_for(version=q1, unit=OrgUnit.objects.get(code="pj-biz"), as_of=D(2026, 3, 1))
    assert len(small) == len(large)


# -- back-test -----------------------------------------------------------------------------


def test_the_backtest_replays_a_cutoff_as_hand_computed(fc):
    """One cutoff, Monday 30 March, in March (over by the 6 April as-of).

    Open then, all in negotiation (rate 104/147 at any age under 30 days), with one day to
    March's end, which one of three past wins (1, 1, 3 days after a review) would not make
    — timing share 2/3:

        X  since 23 Mar, expected 31 Mar, won 31 Mar   predicted 104/147 × 2/3   won
        Y  since 30 Mar, expected 20 Apr, won  2 Apr   predicted 0 (April)       not in March
        Z  since 24 Mar, no close date,   lost 1 Apr   predicted 104/147 × 2/3   lost
    """
    neg = Stage.NEGOTIATION
    deal(fc.line, fc.ann, "100", [(neg, D(2026, 3, 23)), (WON, D(2026, 3, 31))], D(2026, 3, 31))
    deal(fc.line, fc.ann, "100", [(neg, D(2026, 3, 30)), (WON, D(2026, 4, 2))], D(2026, 4, 20))
    deal(fc.line, fc.bo, "100", [(neg, D(2026, 3, 24)), (Stage.LOST, D(2026, 4, 1))])

    calibration = backtest_for(
        line=fc.line, as_of=D(2026, 4, 6), grain=Grain.MONTH, lookback_days=7, step_days=7
    )

    q = P_NEGOTIATION * Fraction(2, 3)
    assert calibration is not None
    assert calibration.brier == pytest.approx(float(((1 - q) ** 2 + q**2) / 3), abs=1e-12)
    rows = {row.lower: row for row in calibration.reliability}
    assert (rows[0.0].count, rows[0.0].observed_rate) == (1, 0.0)
    assert rows[0.4].count == 2
    assert rows[0.4].mean_predicted == pytest.approx(float(q))
    assert rows[0.4].observed_rate == 0.5
    # The forecast on the cutoff gives X and Z exactly those chances.
    view = forecast_for(version=fc.version, as_of=D(2026, 3, 30))
    assert (view.pipeline.deals, view.pipeline.excluded) == (2, 1)
    assert float(view.pipeline.weighted) == pytest.approx(200 * float(q), abs=0.01)


def test_a_backtest_with_nothing_to_replay_is_none(fc):
    assert backtest_for(line=fc.line, as_of=D(2026, 1, 2)) is None
    assert backtest_for(line=make_line("empty"), as_of=D(2026, 6, 1)) is None


def test_a_project_backtest_scores_the_milestones_landing_chances(pj):
    line, pm = pj
    _project(line, pm, first_actual=D(2026, 1, 20))
    milestone_update(milestone=Milestone.objects.get(name="验收"), actual_date=D(2026, 3, 18))
    # One cutoff, 1 March, in the first quarter: m2 (projected 4 April) and m3 (20 March).
    calibration = backtest_for(line=line, as_of=D(2026, 4, 1), lookback_days=31, step_days=31)
    assert calibration is not None
    # m2: predicted 0, not reached: right. m3: predicted 1, reached 18 March: right.
    assert calibration.brier == 0.0
    assert sum(row.count for row in calibration.reliability) == 2


# -- the demo company ----------------------------------------------------------------------


DEMO_UNTIL = D(2026, 11, 27)


@pytest.fixture(scope="class")
def demo_year(django_db_setup, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The demo company and its year of process data, seeded once for the class."""
    from django.db import transaction

    from salesmesh.demo.process import seed_demo_process_data
    from salesmesh.demo.seed import seed_demo_company

    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo_company()
        seed_demo_process_data(until=DEMO_UNTIL)
        yield
        transaction.set_rollback(True)


class TestTheDemoCompany:
    """Every demo line's forecast and back-test on a seeded year (read-only)."""

    @pytest.mark.parametrize("code", ["smb", "ka", "gov"])
    def test_each_line_forecasts_and_backtests(self, demo_year, code):
        version = PlanVersion.objects.select_related("unit").get(
            unit__code=code, status=PlanStatus.APPROVED
        )
        period = FiscalCalendar(1).parse(version.period_label)
        as_of = min(max(DEMO_UNTIL - timedelta(days=40), period.start), period.end)

        view = forecast_for(version=version, as_of=as_of)

        result = view.attainment
        assert view.target is not None
        assert view.target > 0
        assert view.closed <= result.p10 <= result.p50 <= result.p90
        assert 0.0 <= result.probability_of_target <= 1.0
        assert result.method in set(ForecastMethod)
        assert len(view.fan) == len(FiscalCalendar(1).split(view.period, Grain.WEEK))
        assert view.fan[-1].p50 == result.p50
        assert view.history_deals > 0 or code == "gov"
        if code == "gov":
            assert view.pipeline.milestones
        else:
            assert view.pipeline.by_stage
        # A team and a person of the line forecast too.
        team = (
            OrgUnit.objects.filter(path__startswith=version.unit.path)
            .exclude(pk=version.unit.pk)
            .first()
        )
        person = User.objects.filter(memberships__unit=team).first()
        assert team is not None
        assert person is not None
        assert forecast_for(version=version, unit=team, as_of=as_of).closed <= view.closed
        assert forecast_for(version=version, person=person, as_of=as_of).closed <= view.closed

        calibration = backtest_for(line=version.unit, as_of=DEMO_UNTIL)
        assert calibration is not None
        assert 0.0 <= calibration.brier <= 1.0
        assert len(calibration.reliability) == 10


def test_a_person_assigned_to_a_project_forecasts_it_too(pj):
    line, pm = pj
    milestones = _project(line, pm, first_actual=D(2026, 1, 20))
    q1 = plan(line, "FY2026-Q1", 1_000_000, paradigm=Paradigm.PROJECT)
    solution = make_user("sol", unit=make_team(line, "pj-solution"))
    assert forecast_for(version=q1, person=solution, as_of=D(2026, 3, 1)).closed == Decimal("0.00")

    project_member_assign(project=milestones["m1"].project, user=solution, role=Role.SOLUTION)
    view = forecast_for(version=q1, person=solution, as_of=D(2026, 3, 1))

    assert view.closed == Decimal("200000.00")
    assert view.attainment.p50 == Decimal("500000.00")
    team = OrgUnit.objects.get(code="pj-solution")
    assert forecast_for(version=q1, unit=team, as_of=D(2026, 3, 1)).closed == Decimal("200000.00")
