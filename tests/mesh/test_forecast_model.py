"""The forecast's model without a database: reviews, timing, deal books, slippage, the fan."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmesh.core.calendar import WorkCalendar
from salesmesh.core.forecast import (
    DEFAULT_AGE_BINS,
    ClosedDealObservation,
    ForecastMethod,
    attainment_distribution,
    calibrate_win_rates,
)
from salesmesh.mesh.forecast_model import (
    CLOSED,
    FAN_EXACT_ITEMS,
    WON,
    Cutoff,
    DealBook,
    FanMethod,
    HorizonModel,
    MilestoneFact,
    WinTiming,
    median_cycle_days,
    milestone_outlooks,
    projected_close,
    replay_deals,
    review_history,
    win_probabilities,
)

MONDAY = 0
D = date


def test_a_weekly_review_sees_each_open_stay_once_a_week_and_times_the_win():
    # Qualified Mon 2 Mar → proposal Wed 18 Mar (16 days) → won Fri 27 Mar.
    won = (("qualified", D(2026, 3, 2)), ("proposal", D(2026, 3, 18)), ("won", D(2026, 3, 27)))
    # Proposal Tue 3 Mar → lost Mon 9 Mar: the Monday review of the 9th is after the loss.
    lost = (("proposal", D(2026, 3, 3)), ("lost", D(2026, 3, 9)))
    still_open = (("qualified", D(2026, 3, 2)),)

    history = review_history([won, lost, still_open], weekday=MONDAY)

    assert [(o.stage, o.age_days, o.won) for o in history.observations] == [
        ("proposal", 5, True),  # Monday 23 Mar
        ("qualified", 0, True),  # Monday 2 Mar
        ("qualified", 7, True),  # Monday 9 Mar
        ("qualified", 14, True),  # Monday 16 Mar
    ]
    # Days from each review of the won deal to its win, by stage and age bin.
    assert history.timing.by_bin == {("qualified", 0): (11, 18, 25), ("proposal", 0): (4,)}
    assert history.timing.by_stage == {"qualified": (11, 18, 25), "proposal": (4,)}
    assert history.timing.overall == (4, 11, 18, 25)


def test_a_stay_shorter_than_a_week_is_seen_when_a_review_falls_in_it():
    # Wednesday to Wednesday: the Monday between is a review at age 5.
    timeline = (("negotiation", D(2026, 3, 4)), ("lost", D(2026, 3, 11)))
    observations = review_history([timeline], weekday=MONDAY).observations
    assert [(o.stage, o.age_days, o.won) for o in observations] == [("negotiation", 5, False)]
    # Reviewed on Thursdays instead: the 5th (age 1) only.
    observations = review_history([timeline], weekday=3).observations
    assert [(o.stage, o.age_days) for o in observations] == [("negotiation", 1)]


def test_a_deal_won_then_reopened_learns_from_its_final_outcome_only():
    timeline = (
        ("negotiation", D(2026, 3, 2)),
        ("won", D(2026, 3, 3)),
        ("negotiation", D(2026, 3, 9)),
        ("lost", D(2026, 3, 10)),
    )
    observations = review_history([timeline], weekday=MONDAY).observations
    assert [(o.stage, o.age_days, o.won) for o in observations] == [
        ("negotiation", 0, False),
        ("negotiation", 0, False),
    ]


def test_timing_falls_back_from_the_bin_to_the_stage_to_the_line():
    timelines = [
        (
            ("proposal", D(2026, 1, 5) + timedelta(weeks=n)),
            ("won", D(2026, 1, 6) + timedelta(weeks=n)),
        )
        for n in range(20)
    ] + [(("negotiation", D(2026, 1, 5)), ("won", D(2026, 1, 9)))]
    timing = review_history(timelines, weekday=MONDAY).timing
    assert timing.curve("proposal", 3) == (1,) * 20  # its own bin has 20 samples
    assert timing.curve("proposal", 45) == (1,) * 20  # an empty bin: the stage's
    assert timing.curve("negotiation", 0) == (1,) * 20 + (4,)  # one sample: the line's
    assert timing.curve("lead", 0) == timing.overall


def test_the_median_cycle_counts_won_deals_only():
    timelines = [
        (("qualified", D(2026, 1, 1)), ("won", D(2026, 1, 11))),
        (("qualified", D(2026, 1, 1)), ("won", D(2026, 1, 31))),
        (("qualified", D(2026, 1, 1)), ("lost", D(2026, 6, 1))),
    ]
    assert median_cycle_days(timelines) == 10  # the lower median of 10 and 30
    assert median_cycle_days([]) is None


def test_vectorised_win_probabilities_equal_the_model():
    model = calibrate_win_rates(
        [ClosedDealObservation("a", age, age % 3 == 0) for age in range(0, 400, 7)]
        + [ClosedDealObservation("b", 5, False)]
    )
    stages = ["a", "b", "c", "a", "a"]
    ages = [0, 5, 10, 65, 400]
    assert win_probabilities(model, stages, ages).tolist() == [
        model.probability(s, a) for s, a in zip(stages, ages, strict=True)
    ]


def test_a_deal_closes_on_its_date_but_never_before_tomorrow():
    as_of = D(2026, 3, 16)
    assert projected_close(D(2026, 3, 20), as_of) == D(2026, 3, 20)
    assert projected_close(D(2026, 3, 1), as_of) == D(2026, 3, 17)
    assert projected_close(None, as_of) == D(2026, 3, 17)


def _book(*, closes: list[date | None], win: float = 0.5) -> DealBook:
    """Deals in negotiation on Monday 16 March; past wins came 2, 5, 9 and 30 days on."""
    timing = WinTiming(age_bins=DEFAULT_AGE_BINS, by_bin={}, by_stage={}, overall=(2, 5, 9, 30))
    model = calibrate_win_rates([ClosedDealObservation("negotiation", 0, True)])
    book = DealBook.build(
        as_of=D(2026, 3, 16),
        stages=["negotiation"] * len(closes),
        ages=[0] * len(closes),
        amounts=[Decimal(100 * (n + 1)) for n in range(len(closes))],
        expected_closes=closes,
        model=model,
        timing=timing,
    )
    return replace(book, win=np.full(len(closes), win))


def test_a_deals_chance_by_a_horizon_is_its_win_rate_times_the_timing_share():
    book = _book(closes=[D(2026, 3, 20), D(2026, 4, 10), None])
    start, end = D(2026, 3, 1), D(2026, 3, 31)
    # Past wins came 2, 5, 9 and 30 days after a Monday review; 15 days are left.
    assert book.chances(start, end).tolist() == [0.5 * 3 / 4, 0.0, 0.5 * 3 / 4]
    # By Friday 20 March (4 days): one of the four past wins came that soon.
    assert book.chances(start, D(2026, 3, 20)).tolist() == [0.5 / 4, 0.0, 0.5 / 4]
    assert book.mask(start, end).tolist() == [True, False, True]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=8))
def test_a_deals_chance_never_falls_as_the_horizon_moves_out(offsets: list[int]):
    book = _book(closes=[D(2026, 3, 17) + timedelta(days=o) for o in offsets])
    start = D(2026, 3, 1)
    previous = np.zeros(len(offsets))
    for day in range(0, 90, 3):
        chances = book.chances(start, D(2026, 3, 17) + timedelta(days=day))
        assert (chances >= previous).all()
        previous = chances


# -- milestones --------------------------------------------------------------------------------


def test_a_projects_drift_moves_its_open_milestone_past_the_period():
    facts = [
        MilestoneFact(1, 10, D(2026, 1, 10), D(2026, 1, 20), Decimal(200)),  # 10 days late
        MilestoneFact(2, 10, D(2026, 3, 25), None, Decimal(500), depends_on=(1,)),
        MilestoneFact(3, 10, D(2026, 3, 10), None, Decimal(300)),
    ]
    outlooks = {o.id: o for o in milestone_outlooks(facts, as_of=D(2026, 3, 1))}
    assert set(outlooks) == {2, 3}
    assert outlooks[2].projected == D(2026, 4, 4)
    assert outlooks[3].projected == D(2026, 3, 20)
    q1 = (D(2026, 1, 1), D(2026, 3, 31))
    assert outlooks[2].probability_between(*q1) == 0.0
    assert outlooks[2].probability_between(D(2026, 4, 1), D(2026, 6, 30)) == 1.0
    assert outlooks[3].probability_between(*q1) == 1.0


def test_a_late_prerequisite_pushes_its_dependants_by_the_planned_gap():
    facts = [
        MilestoneFact(1, 10, D(2026, 1, 10), None, Decimal(0)),  # overdue: tomorrow at best
        MilestoneFact(2, 10, D(2026, 1, 30), None, Decimal(500), depends_on=(1,)),
    ]
    outlooks = {o.id: o for o in milestone_outlooks(facts, as_of=D(2026, 2, 1))}
    assert outlooks[1].projected == D(2026, 2, 2)
    assert outlooks[2].projected == D(2026, 2, 22)  # 2 Feb + the planned 20 days


def test_the_lines_slippage_history_spreads_where_a_milestone_lands():
    facts = [
        # Project 10: one reached milestone, 10 days late (drift 10, residual 0).
        MilestoneFact(1, 10, D(2026, 1, 10), D(2026, 1, 20), Decimal(200)),
        MilestoneFact(2, 10, D(2026, 3, 20), None, Decimal(600), depends_on=(1,)),
        # Project 20: 2 and 6 days late (drift 4, residuals −2 and +2).
        MilestoneFact(3, 20, D(2026, 1, 5), D(2026, 1, 7), Decimal(0)),
        MilestoneFact(4, 20, D(2026, 2, 5), D(2026, 2, 11), Decimal(0)),
        # Project 30: nothing reached yet, so no drift: the raw lateness 10, 2, 6 spreads it.
        MilestoneFact(5, 30, D(2026, 3, 25), None, Decimal(900)),
    ]
    outlooks = {o.id: o for o in milestone_outlooks(facts, as_of=D(2026, 3, 1))}
    # Planned 20 March + drift 10 = 30 March; residuals −2, 0, +2: 28 and 30 March, 1 April.
    assert outlooks[2].projected == D(2026, 3, 30)
    assert outlooks[2].landings == (
        (D(2026, 3, 28), pytest.approx(1 / 3)),
        (D(2026, 3, 30), pytest.approx(1 / 3)),
        (D(2026, 4, 1), pytest.approx(1 / 3)),
    )
    assert outlooks[2].probability_between(D(2026, 1, 1), D(2026, 3, 31)) == pytest.approx(2 / 3)
    # 25 March + 2, 6, 10: 27 and 31 March, 4 April.
    assert outlooks[5].probability_between(D(2026, 1, 1), D(2026, 3, 31)) == pytest.approx(2 / 3)


def test_a_milestone_never_lands_before_tomorrow():
    facts = [
        MilestoneFact(1, 10, D(2026, 1, 10), D(2026, 1, 1), Decimal(0)),  # 9 days early
        MilestoneFact(2, 10, D(2026, 3, 3), None, Decimal(100)),
    ]
    (outlook,) = milestone_outlooks(facts, as_of=D(2026, 3, 1))
    assert outlook.projected == D(2026, 3, 2)
    assert outlook.landings == ((D(2026, 3, 2), 1.0),)


# -- the horizon model and the fan -----------------------------------------------------------


def _horizon(book: DealBook, *, per_day: float = 0.0) -> HorizonModel:
    return HorizonModel(
        period_start=D(2026, 3, 1),
        period_end=D(2026, 3, 31),
        as_of=book.as_of,
        closed=Decimal("1000.00"),
        deals=book,
        milestones=(),
        new_deals_per_day=per_day,
        new_deal_value=Decimal("50.00") if per_day else None,
        cycle_days=3,
        working_days=WorkCalendar("CN").working_days,
    )


def test_new_business_counts_the_working_days_a_new_lead_can_still_close():
    horizon = _horizon(_book(closes=[]), per_day=2.0)
    # From 17 March to 31 March less the 3-day cycle (28 March): 9 working days.
    term = horizon.new_business(D(2026, 3, 31))
    assert term is not None
    assert term.expected_deals == 18.0
    assert term.deal_value == Decimal("50.00")
    assert horizon.new_business(D(2026, 3, 19)) is None  # nothing can close by then


def test_the_fan_ends_on_the_forecast_and_shows_closed_weeks_as_they_were():
    horizon = _horizon(_book(closes=[D(2026, 3, 18), D(2026, 3, 27), None]))
    final = horizon.forecast(D(2026, 3, 31), Decimal(1100))
    weeks = [
        ("W10", D(2026, 3, 2), D(2026, 3, 8)),
        ("W12", D(2026, 3, 16), D(2026, 3, 22)),
        ("W14", D(2026, 3, 30), D(2026, 3, 31)),
    ]
    fan = horizon.fan(weeks, closed_by=lambda day: Decimal("700.00"), final=final)
    assert [p.method for p in fan] == [FanMethod.CLOSED, FanMethod.EXACT, FanMethod.EXACT]
    assert fan[0].actual
    assert (fan[0].p10, fan[0].p50, fan[0].p90) == (Decimal("700.00"),) * 3
    assert (fan[2].p10, fan[2].p50, fan[2].p90) == (final.p10, final.p50, final.p90)
    deals, _ = horizon.inputs(D(2026, 3, 22))
    by_week = attainment_distribution(
        closed=Decimal(1000), deals=deals, new_business=None, target=Decimal(0)
    )
    assert (fan[1].p10, fan[1].p50, fan[1].p90) == (by_week.p10, by_week.p50, by_week.p90)


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=50_000),
            st.floats(min_value=0.05, max_value=0.95),
            st.integers(min_value=1, max_value=14),
        ),
        min_size=FAN_EXACT_ITEMS + 1,
        max_size=25,
    )
)
def test_a_lattice_fan_point_is_within_half_a_cell_per_deal_of_the_exact_one(deals):
    as_of = D(2026, 3, 16)
    book = DealBook(
        as_of=as_of,
        amounts=tuple(Decimal(yuan) for yuan, _, _ in deals),
        win=np.array([p for _, p, _ in deals]),
        closes=np.array([(as_of + timedelta(days=d)).toordinal() for *_, d in deals]),
        groups=np.zeros(len(deals), dtype=np.int64),
        curves=(),
    )
    horizon = _horizon(book)
    week_end = D(2026, 3, 30)
    final = horizon.forecast(D(2026, 3, 31), Decimal(0))
    fan = horizon.fan(
        [("W14", D(2026, 3, 24), week_end)], closed_by=lambda _: Decimal(0), final=final
    )
    (point,) = fan
    assert point.method is FanMethod.LATTICE
    items, _ = horizon.inputs(week_end)
    exact = attainment_distribution(
        closed=horizon.closed, deals=items, new_business=None, target=Decimal(0)
    )
    reach = sum((deal.amount for deal in items), Decimal(0))
    # The cell is the reach over 2^15 cells, rounded up to the cent; rounding moves every
    # total, and so every quantile, by at most half a cell per deal. (The exact reference is
    # a dense enumeration here: whole-yuan amounts.)
    assert exact.method is ForecastMethod.ENUMERATION
    slack = Fraction(len(items), 2) * (Fraction(reach) / (1 << 15) + Fraction(1, 100))
    for got, want in ((point.p10, exact.p10), (point.p50, exact.p50), (point.p90, exact.p90)):
        assert abs(Fraction(got) - Fraction(want)) <= slack
    assert point.mean == exact.mean


def test_past_the_lattice_limit_a_fan_point_is_normal_and_never_falls(monkeypatch):
    monkeypatch.setattr("salesmesh.mesh.forecast_model.FAN_LATTICE_ITEMS", 2)
    book = _book(closes=[D(2026, 3, 18), D(2026, 3, 19), D(2026, 3, 30), D(2026, 3, 31)])
    horizon = _horizon(book)
    final = horizon.forecast(D(2026, 3, 31), Decimal(0))
    weeks = [(f"d{n}", D(2026, 3, n), D(2026, 3, n)) for n in range(17, 32)]
    fan = horizon.fan(weeks, closed_by=lambda _: Decimal(0), final=final)
    assert FanMethod.NORMAL in {p.method for p in fan}
    for before, after in pairwise(fan):
        if after.method is not FanMethod.EXACT:
            assert after.p10 >= before.p10
            assert after.p50 >= before.p50
            assert after.p90 >= before.p90
    assert all(p.p10 >= horizon.closed for p in fan)


def test_a_large_week_enumerates_its_whales_and_is_close_to_the_exact_distribution():
    rng = np.random.default_rng(3)
    as_of = D(2026, 3, 16)
    count = 400
    amounts = [Decimal(int(a)) for a in rng.integers(500, 1500, size=count)]
    amounts[:3] = [Decimal(150_000), Decimal(90_000), Decimal(60_000)]  # whales
    book = DealBook(
        as_of=as_of,
        amounts=tuple(amounts),
        win=rng.uniform(0.1, 0.9, size=count),
        closes=np.full(count, D(2026, 3, 20).toordinal()),
        groups=np.zeros(count, dtype=np.int64),
        curves=(),
    )
    horizon = _horizon(book)
    final = horizon.forecast(D(2026, 3, 31), Decimal(0))
    (point,) = horizon.fan(
        [("W12", D(2026, 3, 16), D(2026, 3, 22))], closed_by=lambda _: Decimal(0), final=final
    )
    assert point.method is FanMethod.NORMAL
    exact = horizon.forecast(D(2026, 3, 22), Decimal(0))
    assert abs(point.mean - exact.mean) <= Decimal("0.01")  # summed in floats
    for got, want in ((point.p10, exact.p10), (point.p50, exact.p50), (point.p90, exact.p90)):
        assert abs(got - want) <= exact.std / 20


# -- the back-test's replay ------------------------------------------------------------------


def _naive_replay(timelines, closes, cutoffs, history_days):  # type: ignore[no-untyped-def]
    """The replay written plainly: every deal re-read at every cutoff."""
    days = [[day for _, day in timeline] for timeline in timelines]
    predictions: list[float] = []
    outcomes: list[bool] = []
    for cutoff in cutoffs:
        window = cutoff.day - timedelta(days=history_days - 1)
        training = []
        for timeline, moves in zip(timelines, days, strict=True):
            known = timeline[: bisect_right(moves, cutoff.day)]
            if known and known[-1][0] in CLOSED and known[-1][1] >= window:
                training.append(known)
        reviews = review_history(training, weekday=cutoff.day.weekday())
        model = calibrate_win_rates(reviews.observations)
        open_deals = []
        for timeline, moves, expected in zip(timelines, days, closes, strict=True):
            index = bisect_right(moves, cutoff.day)
            if index and timeline[index - 1][0] not in CLOSED:
                stage, entered = timeline[index - 1]
                final = bisect_right(moves, cutoff.period_end)
                open_deals.append(
                    (stage, (cutoff.day - entered).days, expected, timeline[final - 1][0] == WON)
                )
        book = DealBook.build(
            as_of=cutoff.day,
            stages=[deal[0] for deal in open_deals],
            ages=[deal[1] for deal in open_deals],
            amounts=[Decimal(0)] * len(open_deals),
            expected_closes=[deal[2] for deal in open_deals],
            model=model,
            timing=reviews.timing,
        )
        predictions.extend(book.chances(cutoff.period_start, cutoff.period_end).tolist())
        outcomes.extend(deal[3] for deal in open_deals)
    return predictions, outcomes


_moves = st.lists(
    st.tuples(
        st.sampled_from(["qualified", "proposal", "negotiation", "won", "lost"]),
        st.integers(min_value=0, max_value=25),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(
    deals=st.lists(
        st.tuples(st.integers(min_value=0, max_value=200), _moves, st.none() | st.integers(0, 240)),
        min_size=1,
        max_size=25,
    ),
    cutoff_days=st.lists(st.integers(min_value=30, max_value=230), min_size=1, max_size=4),
    history_days=st.sampled_from([30, 90, 365]),
)
def test_the_replay_equals_reading_every_deal_at_every_cutoff(deals, cutoff_days, history_days):
    base = D(2026, 1, 1)
    timelines, closes = [], []
    for start, moves, close in deals:
        day, timeline = base + timedelta(days=start), []
        for stage, gap in moves:
            day += timedelta(days=gap)
            timeline.append((stage, day))
        timelines.append(tuple(timeline))
        closes.append(None if close is None else base + timedelta(days=close))
    cutoffs = [
        Cutoff(
            base + timedelta(days=n), base + timedelta(days=n - 20), base + timedelta(days=n + 15)
        )
        for n in cutoff_days
    ]
    assert replay_deals(timelines, closes, cutoffs, history_days=history_days) == _naive_replay(
        timelines, closes, cutoffs, history_days
    )
