"""The probability dashboard: behaviour board, capability, funnel and bottlenecks, scope.

The board's and the capability panel's figures are checked on crafted rollups, exams,
leads and deals whose every number is counted by hand below; the pages on the demo
company (its approved SMB plan, FY2026-Q2) and on small crafted lines with 2 and 8 reps.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from salesmesh.activities.models import ActivityDailyRollup, ActivityType
from salesmesh.core.calendar import WorkCalendar
from salesmesh.core.mesh import Health, HealthThresholds
from salesmesh.dashboards.probability_data import (
    BoardPlan,
    DailyPlan,
    behaviour_board,
    board_plan,
    capability_panel,
    conversion_window,
    funnel_view,
)
from salesmesh.mesh.choice import plan_period
from salesmesh.mesh.plans import load_plan
from salesmesh.mesh.services import mesh_report
from salesmesh.org.models import ExamKind, ExamResult, Membership, OrgUnit, Paradigm, Role, User
from salesmesh.pipeline.models import LeadSource, LeadStatus, Stage
from salesmesh.pipeline.services import lead_create, opportunity_create, opportunity_stage_change
from salesmesh.planfile.report import report_to_dict
from salesmesh.planning.documents import run_document, starting_assumptions
from salesmesh.planning.models import PlanStatus, PlanVersion
from salesmesh.planning.services import plan_version_approve, plan_version_save
from tests.accounts.factories import make_account, make_line, make_team, make_user, shanghai

pytestmark = pytest.mark.django_db

CN = WorkCalendar("CN")
# Wednesday 11 March 2026: no holiday in China that week, so Mon-Wed are 3 working days.
WEDNESDAY = date(2026, 3, 11)
URL = "dashboards:probability"
PARTIALS = (
    "dashboards:probability_funnel",
    "dashboards:probability_board",
    "dashboards:probability_bottlenecks",
    "dashboards:probability_capability",
)


def rollup(person: User, day: date, kind: str, attempts: int, reached: int = 0) -> None:
    ActivityDailyRollup.objects.create(
        person=person, day=day, type=kind, attempts=attempts, reached=reached
    )


# -- the behaviour board on crafted rollups ----------------------------------------------------


@pytest.fixture
def board_world() -> dict[str, object]:
    """Four reps, their daily plans and a week of rollups, counted by hand in the tests."""
    line = make_line("prob", Paradigm.PROBABILITY)
    team = make_team(line, "pt")
    ann = make_user("ann", unit=team)
    ann.name_zh, ann.name_en = "安", "Ann"
    ann.save()
    bo = make_user("bo", unit=team)
    cy = make_user("cy", unit=team)
    dee = make_user("dee", unit=team)
    mon, tue, wed = date(2026, 3, 9), date(2026, 3, 10), WEDNESDAY
    # Ann: calls 40 + 30 + 20 = 90 (reached 16 + 10 + 8 = 34), visits 1 + 2 = 3.
    rollup(ann, mon, ActivityType.CALL, 40, 16)
    rollup(ann, tue, ActivityType.CALL, 30, 10)
    rollup(ann, wed, ActivityType.CALL, 20, 8)
    rollup(ann, mon, ActivityType.VISIT, 1, 1)
    rollup(ann, wed, ActivityType.VISIT, 2, 2)
    # Not this week, after the day, or not a call or a visit: none of these count.
    rollup(ann, date(2026, 3, 8), ActivityType.CALL, 50, 20)
    rollup(ann, date(2026, 3, 12), ActivityType.CALL, 99, 9)
    rollup(ann, wed, ActivityType.EMAIL, 7, 7)
    rollup(ann, wed, ActivityType.MEETING, 3, 3)
    # Bo: calls 35 + 35 + 30 = 100 (reached 40), visits 1 + 1 + 1 = 3.
    for day, calls in ((mon, 35), (tue, 35), (wed, 30)):
        rollup(bo, day, ActivityType.CALL, calls, 40 if day == wed else 0)
        rollup(bo, day, ActivityType.VISIT, 1, 1)
    # Cy has no plan: 10 calls today.
    rollup(cy, wed, ActivityType.CALL, 10, 5)
    # Dee did nothing this week.
    plan = BoardPlan(
        people={
            ann.pk: DailyPlan(calls=Decimal(40), visits=Decimal(2)),
            bo.pk: DailyPlan(calls=Decimal(30), visits=Decimal(1)),
            dee.pk: DailyPlan(calls=Decimal("20.5"), visits=Decimal(1)),
        },
        calendar=CN,
        thresholds=HealthThresholds(),
    )
    return {"line": line, "ann": ann, "bo": bo, "cy": cy, "dee": dee, "plan": plan}


def test_board_numbers_hand_computed(board_world):
    w = board_world
    ids = [w[name].pk for name in ("ann", "bo", "cy", "dee")]
    with CaptureQueriesContext(connection) as queries:
        board = behaviour_board(line=w["line"], people_ids=ids, as_of=WEDNESDAY, plan=w["plan"])
    assert len(queries) == 2
    assert board.week_start == date(2026, 3, 9)
    assert board.working_day
    assert board.week_working_days == 3
    # Worst first: Dee (0%), Ann (50%, red), Bo (green), then Cy without a plan.
    assert [row.person_id for row in board.rows] == [
        w["dee"].pk,
        w["ann"].pk,
        w["bo"].pk,
        w["cy"].pk,
    ]
    dee, ann, bo, cy = board.rows

    # Ann: today 20 calls of 40 planned, 2 visits of 2; week 90 of 3 × 40 = 120, 3 of 6.
    assert (ann.calls_today.actual, ann.calls_today.expected) == (20, Decimal(40))
    assert ann.calls_today.pacing == Decimal("0.5000")
    assert ann.calls_today.health is Health.RED
    assert (ann.visits_today.actual, ann.visits_today.expected) == (2, Decimal(2))
    assert ann.visits_today.health is Health.GREEN
    assert (ann.calls_week.actual, ann.calls_week.expected) == (90, Decimal(120))
    # 0.75 is not below the red line (0.75) but is below amber (0.90).
    assert ann.calls_week.pacing == Decimal("0.7500")
    assert ann.calls_week.health is Health.AMBER
    assert (ann.visits_week.actual, ann.visits_week.expected) == (3, Decimal(6))
    assert ann.visits_week.health is Health.RED
    assert ann.pacing == Decimal("0.5000")
    assert ann.health is Health.RED
    assert ann.reached_week == 34
    assert ann.reach_rate_week == Decimal("0.3778")  # 34 / 90
    assert ann.name == "安"  # the default language is Chinese

    # Bo: 100 calls of 90, 3 visits of 3: green, the worse pacing 1.0.
    assert (bo.calls_week.actual, bo.calls_week.expected, bo.calls_week.pacing) == (
        100,
        Decimal(90),
        Decimal("1.1111"),
    )
    assert (bo.visits_week.actual, bo.visits_week.pacing) == (3, Decimal("1.0000"))
    assert (bo.pacing, bo.health) == (Decimal("1.0000"), Health.GREEN)

    # Dee: nothing against 3 × 20.5 = 61.5 calls and 3 visits.
    assert (dee.calls_week.actual, dee.calls_week.expected) == (0, Decimal("61.5"))
    assert (dee.pacing, dee.health) == (Decimal(0), Health.RED)
    assert dee.reach_rate_week is None

    # Cy: actuals, no plan, no colour.
    assert not cy.has_plan
    assert (cy.calls_today.actual, cy.calls_week.actual, cy.reached_week) == (10, 10, 5)
    assert (cy.calls_week.expected, cy.pacing, cy.health) == (None, None, None)

    # Totals: every actual; the plan of the three planned people (40 + 30 + 20.5 a day).
    total = board.totals
    assert (total.calls_week.actual, total.calls_week.expected) == (200, Decimal("271.5"))
    assert (total.visits_week.actual, total.visits_week.expected) == (6, Decimal(12))
    assert total.calls_today.actual == 20 + 30 + 10
    assert total.pacing == Decimal("0.5000")  # visits 6 / 12
    assert board.counts_by_health == {"red": 2, "amber": 0, "green": 1, "none": 1}


def test_board_on_a_day_off_plans_nothing_for_today(board_world):
    w = board_world
    saturday = date(2026, 3, 14)
    rollup(w["bo"], saturday, ActivityType.CALL, 12, 3)
    board = behaviour_board(line=w["line"], people_ids=[w["bo"].pk], as_of=saturday, plan=w["plan"])
    assert not board.working_day
    assert board.week_working_days == 5
    (bo,) = board.rows
    assert (bo.calls_today.actual, bo.calls_today.expected) == (12, Decimal(0))
    assert (bo.calls_today.pacing, bo.calls_today.health) == (None, Health.GREEN)
    # Week: 100 + 12 calls of 5 × 30 = 150; 3 visits of 5.
    assert (bo.calls_week.actual, bo.calls_week.expected) == (112, Decimal(150))
    assert bo.visits_week.pacing == Decimal("0.6000")
    assert bo.health is Health.RED


def test_board_with_nobody_costs_no_query(board_world):
    with CaptureQueriesContext(connection) as queries:
        board = behaviour_board(
            line=board_world["line"], people_ids=[], as_of=WEDNESDAY, plan=board_world["plan"]
        )
    assert len(queries) == 0
    assert board.rows == ()
    assert board.totals is None


def test_board_query_count_is_fixed_for_2_and_8_people():
    line = make_line("probq", Paradigm.PROBABILITY)
    counts = []
    for n in (2, 8):
        team = make_team(line, f"q{n}")
        people = [make_user(f"q{n}-{i}", unit=team) for i in range(n)]
        for person in people:
            for day in (date(2026, 3, 9), WEDNESDAY):
                rollup(person, day, ActivityType.CALL, 30, 10)
                rollup(person, day, ActivityType.VISIT, 1, 1)
        plan = BoardPlan(
            people={p.pk: DailyPlan(calls=Decimal(30), visits=Decimal(1)) for p in people},
            calendar=CN,
        )
        with CaptureQueriesContext(connection) as queries:
            board = behaviour_board(
                line=line, people_ids=[p.pk for p in people], as_of=WEDNESDAY, plan=plan
            )
        assert len(board.rows) == n
        assert all(row.calls_week.actual == 60 for row in board.rows)
        counts.append(len(queries))
    assert counts == [2, 2]


# -- the capability panel ------------------------------------------------------------------------


def test_capability_hand_computed():
    line = make_line("probc", Paradigm.PROBABILITY)
    team = make_team(line, "ct")
    ann = make_user("cap-ann", unit=team)
    ann.hire_date = date(2024, 1, 15)
    ann.save()
    bo = make_user("cap-bo", unit=team)
    ExamResult.objects.create(
        user=ann, kind=ExamKind.PRODUCT, taken_on=date(2025, 6, 1), score=70, passed=False
    )
    ExamResult.objects.create(
        user=ann, kind=ExamKind.PRODUCT, taken_on=date(2026, 1, 10), score=88, passed=True
    )
    # After the day: not counted.
    ExamResult.objects.create(
        user=ann, kind=ExamKind.PRODUCT, taken_on=date(2026, 4, 1), score=50, passed=False
    )
    ExamResult.objects.create(
        user=ann, kind=ExamKind.SCENARIO, taken_on=date(2025, 12, 1), score=82, passed=True
    )
    since, until = conversion_window(WEDNESDAY)
    assert (since, until) == (date(2025, 3, 12), WEDNESDAY)
    # Ann: 4 leads in the window; one the day before it starts and one after it: not counted.
    for created in (since, date(2025, 9, 1), date(2026, 1, 5), WEDNESDAY):
        lead_create(line=line, source=LeadSource.BRAND, created_on=created, owner=ann)
    for created in (date(2025, 3, 11), date(2026, 3, 12)):
        lead_create(line=line, source=LeadSource.BRAND, created_on=created, owner=ann)

    def deal(owner: User, *moves: tuple[str, tuple[int, ...]]) -> None:
        (first, at), *rest = moves
        opportunity = opportunity_create(
            line=line,
            account=make_account(line, owner),
            name="deal",
            owner=owner,
            stage=first,
            amount=Decimal(1000),
            at=shanghai(*at),
        )
        for stage, when in rest:
            opportunity = opportunity_stage_change(
                opportunity=opportunity, stage=stage, at=shanghai(*when)
            )

    # Ann: won once in the window; won, reopened and won again (one deal); won the evening
    # before the window opens (Shanghai time): 2 deals won.
    deal(ann, (Stage.PROPOSAL, (2025, 12, 1, 10)), (Stage.WON, (2026, 2, 1, 10)))
    deal(
        ann,
        (Stage.PROPOSAL, (2025, 5, 1, 10)),
        (Stage.WON, (2025, 6, 1, 10)),
        (Stage.NEGOTIATION, (2025, 6, 2, 10)),
        (Stage.WON, (2025, 7, 1, 10)),
    )
    deal(ann, (Stage.PROPOSAL, (2025, 3, 1, 10)), (Stage.WON, (2025, 3, 11, 23, 30)))
    # Bo: a deal won, no leads: no conversion.
    deal(bo, (Stage.PROPOSAL, (2026, 1, 1, 10)), (Stage.WON, (2026, 3, 1, 10)))

    with CaptureQueriesContext(connection) as queries:
        capability = capability_panel(people_ids=[ann.pk, bo.pk], as_of=WEDNESDAY)
    assert len(queries) == 4
    rows = {row.person_id: row for row in capability.rows}
    a, b = rows[ann.pk], rows[bo.pk]
    assert a.tenure_months == 25  # 15 Jan 2024 → 11 Mar 2026
    assert (a.product.latest_score, a.product.latest_passed) == (Decimal(88), True)
    assert (a.product.sittings, a.product.passed, a.product.pass_rate) == (2, 1, Decimal("0.5"))
    assert (a.scenario.latest_score, a.scenario.sittings) == (Decimal(82), 1)
    assert (a.leads, a.won, a.conversion) == (4, 2, Decimal("0.5"))
    assert (b.tenure_months, b.product, b.scenario) == (None, None, None)
    assert (b.leads, b.won, b.conversion) == (0, 1, None)


def test_conversion_window_of_a_leap_day():
    assert conversion_window(date(2028, 2, 29)) == (date(2027, 3, 1), date(2028, 2, 29))


# -- the pages ----------------------------------------------------------------------------------

# A Wednesday inside the crafted lines' plans (the worked example's FY2026-Q2).
IN_PLAN = date(2026, 5, 13)


@pytest.fixture
def demo_day(demo_company) -> date:
    """A working Wednesday two weeks or more into the demo's approved SMB plan."""
    version = PlanVersion.objects.get(unit__code="smb", status=PlanStatus.APPROVED)
    period = plan_period(version)
    day = period.start + timedelta(days=14)
    while day.weekday() != 2 or not CN.is_working_day(day):
        day += timedelta(days=1)
    assert period.start <= day <= period.end
    return day


def smb_reps() -> list[User]:
    smb = OrgUnit.objects.get(code="smb")
    ids = Membership.objects.filter(unit__path__startswith=smb.path, role=Role.REP).values(
        "user_id"
    )
    return list(User.objects.filter(pk__in=ids).order_by("username"))


def get(client, name: str = URL, *, day: date = IN_PLAN, english: bool = False, **params: str):  # type: ignore[no-untyped-def]
    headers = {"Accept-Language": "en"} if english else {}
    return client.get(reverse(name), {"as_of": day.isoformat(), **params}, headers=headers)


def test_manager_sees_every_rep_on_the_board_and_capability(client, login_as, demo_day):
    login_as("manager")
    reps = smb_reps()
    assert len(reps) > 8
    me = User.objects.get(username="rep")
    rollup(me, demo_day, ActivityType.CALL, 55, 20)
    rollup(me, demo_day, ActivityType.VISIT, 5, 5)
    response = get(client, day=demo_day)
    assert response.status_code == 200
    board = response.context["board"]
    assert {row.person_id for row in board.rows} == {rep.pk for rep in reps}
    assert all(row.has_plan for row in board.rows)
    # Only Na Li called and visited: she is the one rep not at 0 % and so comes last.
    assert board.rows[-1].person_id == me.pk
    assert board.rows[-1].calls_today.actual == 55
    html = response.content.decode()
    for rep in reps:
        assert rep.display_name in html
    capability = response.context["capability"]
    assert {row.person_id for row in capability.rows} == {rep.pk for rep in reps}
    assert 'data-plotly="prob-exams-data"' in html
    assert 'data-plotly="prob-tenure-data"' in html
    # The funnel and the bottlenecks load as partials.
    assert reverse("dashboards:probability_funnel") in html
    assert reverse("dashboards:probability_bottlenecks") in html
    assert response.context["choice"].current


def test_rep_sees_only_their_own_numbers_on_every_card(client, login_as, demo_day):
    me = login_as("rep")
    others = [rep for rep in smb_reps() if rep.pk != me.pk]
    for other in others:
        rollup(other, demo_day, ActivityType.CALL, 4321, 1234)
    with translation.override("en"):
        response = get(client, day=demo_day)
    assert response.status_code == 200
    assert [row.person_id for row in response.context["board"].rows] == [me.pk]
    assert [row.person_id for row in response.context["capability"].rows] == [me.pk]
    pages = [response.content.decode()]
    for name in PARTIALS:
        part = get(client, name, day=demo_day)
        assert part.status_code == 200
        pages.append(part.content.decode())
    bottlenecks = get(client, "dashboards:probability_bottlenecks", day=demo_day)
    assert bottlenecks.context["mesh"].own.person_id == me.pk
    assert bottlenecks.context["worst"] == []
    funnel = get(client, "dashboards:probability_funnel", day=demo_day)
    assert funnel.context["mesh"].own.person_id == me.pk
    for html in pages:
        assert "4321" not in html
        assert "4,321" not in html
        for other in others:
            assert other.name_zh not in html
            assert other.name_en not in html
            assert other.username not in html
    assert me.name_zh in pages[0]


def test_out_of_scope_line_is_404(client, login_as, demo_day):
    login_as("rep")
    for name in (URL, *PARTIALS):
        assert get(client, name, day=demo_day, line="ka").status_code == 404
        assert get(client, name, day=demo_day, line="no-such-line").status_code == 404
    login_as("sdr")
    for name in (URL, *PARTIALS):
        assert get(client, name, day=demo_day, line="smb").status_code == 404
    # Without a probability line the page says so.
    response = get(client, day=demo_day)
    assert response.status_code == 200
    assert response.context["scope"] is None


def test_english_and_chinese_render(client, login_as, demo_day):
    login_as("manager")
    with translation.override("en"):
        html = get(client, day=demo_day, english=True).content.decode()
        funnel = get(client, "dashboards:probability_funnel", day=demo_day, english=True)
    assert 'lang="en"' in html
    for text in ("Probability dashboard", "Behaviour board", "Capability", "Na Li"):
        assert text in html
    assert "Revenue" in funnel.content.decode()
    translation.deactivate()
    html = get(client, day=demo_day).content.decode()
    assert 'lang="zh-hans"' in html
    assert "概率范式" in html
    assert "李娜" in html
    funnel = get(client, "dashboards:probability_funnel", day=demo_day).content.decode()
    assert "收入" in funnel


def test_partials_render_their_card_alone(client, login_as, demo_day):
    login_as("manager")
    for name, card in zip(
        PARTIALS, ("prob-funnel", "prob-board", "prob-bottlenecks", "prob-capability"), strict=True
    ):
        response = get(client, name, day=demo_day)
        assert response.status_code == 200
        html = response.content.decode()
        assert html.lstrip().startswith(f'<section class="card {card}')
        assert f'id="{card}"' in html
        assert "<html" not in html
    funnel = get(client, "dashboards:probability_funnel", day=demo_day)
    assert 'data-plotly="prob-funnel-chart-data"' in funnel.content.decode()
    bottlenecks = get(client, "dashboards:probability_bottlenecks", day=demo_day)
    assert 'data-plotly="prob-waterfall-data"' in bottlenecks.content.decode()
    assert len(bottlenecks.context["worst"]) == 5


def test_a_line_without_an_approved_plan_says_so(client, login_as, demo_day):
    login_as("manager")
    PlanVersion.objects.filter(unit__code="smb").update(status=PlanStatus.DRAFT)
    with translation.override("en"):
        response = get(client, day=demo_day, english=True)
        funnel = get(client, "dashboards:probability_funnel", day=demo_day, english=True)
    assert response.status_code == 200
    assert response.context["board"] is None
    assert "has no approved plan yet" in response.content.decode()
    assert funnel.status_code == 200
    assert "this line has none yet" in funnel.content.decode()


def line_with_reps(code: str, n: int) -> tuple[OrgUnit, User]:
    """A probability line with one team of ``n`` reps, their data and an approved plan."""
    line = make_line(code, Paradigm.PROBABILITY)
    team = make_team(line, f"{code}-t")
    boss = make_user(f"{code}-boss", unit=line, role=Role.MANAGER)
    approver = make_user(f"{code}-head")
    approver.is_superuser = True
    approver.save()
    for i in range(n):
        rep = make_user(f"{code}-rep{i}", unit=team)
        rep.hire_date = date(2024, 1 + i % 12, 1)
        rep.save()
        ExamResult.objects.create(
            user=rep, kind=ExamKind.PRODUCT, taken_on=date(2026, 1, 5), score=80, passed=True
        )
        rollup(rep, IN_PLAN, ActivityType.CALL, 30 + i, 10)
        rollup(rep, IN_PLAN, ActivityType.VISIT, 1, 1)
        lead_create(line=line, source=LeadSource.BRAND, created_on=date(2026, 4, 1), owner=rep)
    document = starting_assumptions(line=line)
    document["target"] = 30000 * n
    report = run_document(document)
    version = plan_version_save(
        line=line,
        period_label=report.period_label,
        paradigm=report.paradigm,
        assumptions=document,
        result=report_to_dict(report),
        by=boss,
    )
    plan_version_approve(version=version, by=approver)
    return line, boss


def test_page_query_count_is_the_same_for_2_and_8_reps(client, db):
    counts = {}
    for n in (2, 8):
        line, boss = line_with_reps(f"pq{n}", n)
        client.force_login(boss)
        for name in (URL, *PARTIALS):
            with CaptureQueriesContext(connection) as queries:
                response = get(client, name, line=line.code)
            assert response.status_code == 200
            if name == URL:
                assert len(response.context["board"].rows) == n
                assert all(row.has_plan for row in response.context["board"].rows)
            counts[(name, n)] = len(queries)
    for name in (URL, *PARTIALS):
        assert counts[(name, 2)] == counts[(name, 8)], (name, counts)


def test_board_plan_spreads_each_reps_plan_over_the_periods_working_days(db):
    line, _boss = line_with_reps("bp", 3)
    version = PlanVersion.objects.get(unit=line, status=PlanStatus.APPROVED)
    reps = list(User.objects.filter(username__startswith="bp-rep").order_by("username"))
    stranger = make_user("bp-stranger")
    plan = board_plan(version=version, people=[*reps[:2], stranger])
    result = version.result["data"]
    days = result["document"]["working_days"]
    assert days == CN.working_days(date(2026, 4, 1), date(2026, 6, 30))
    planned = {rep["rep_id"]: rep for rep in result["plan"]["reps"]}
    # Only the people given who are in the plan; each rep's totals ÷ working days, rounded
    # up to the hundredth.
    assert set(plan.people) == {reps[0].pk, reps[1].pk}
    for rep in reps[:2]:
        calls, visits = planned[rep.username]["calls"], planned[rep.username]["visits"]
        daily = plan.people[rep.pk]
        assert daily.calls * days >= calls > (daily.calls - Decimal("0.01")) * days
        assert daily.visits * days >= visits > (daily.visits - Decimal("0.01")) * days
    assert plan.calendar.country == "CN"


# -- the funnel and the bottlenecks on crafted records ------------------------------------------


@pytest.fixture
def funnel_world(db) -> dict[str, object]:
    """Two reps of a crafted line with an FY2026-Q2 plan, and records counted by hand.

    Besides the lead each rep gets from ``line_with_reps`` (1 April):
    rep0 — 2 leads on 10 April, one qualified on 20 April; a deal opened 15 April and won
    10 May (5,000); a deal opened 2 May, still open.
    rep1 — a deal opened in March (before the period) and won 25 April (12,000).
    Line: leads 4, qualified 1, deals opened 2, customers 2, revenue 17,000.
    """
    line, boss = line_with_reps("fn", 2)
    rep0, rep1 = User.objects.filter(username__startswith="fn-rep").order_by("username")
    lead_create(line=line, source=LeadSource.BRAND, created_on=date(2026, 4, 10), owner=rep0)
    lead_create(
        line=line,
        source=LeadSource.BRAND,
        created_on=date(2026, 4, 10),
        owner=rep0,
        status=LeadStatus.QUALIFIED,
        qualified_on=date(2026, 4, 20),
    )

    def deal(owner: User, amount: int, *moves: tuple[str, tuple[int, ...]]) -> None:
        (first, at), *rest = moves
        opportunity = opportunity_create(
            line=line,
            account=make_account(line, owner),
            name="deal",
            owner=owner,
            stage=first,
            amount=Decimal(amount),
            at=shanghai(*at),
        )
        for stage, when in rest:
            opportunity = opportunity_stage_change(
                opportunity=opportunity, stage=stage, at=shanghai(*when)
            )

    deal(rep0, 5000, (Stage.LEAD, (2026, 4, 15, 10)), (Stage.WON, (2026, 5, 10, 10)))
    deal(rep0, 8000, (Stage.PROPOSAL, (2026, 5, 2, 10)))
    deal(rep1, 12000, (Stage.LEAD, (2026, 3, 20, 10)), (Stage.WON, (2026, 4, 25, 10)))
    version = PlanVersion.objects.get(unit=line, status=PlanStatus.APPROVED)
    return {"line": line, "boss": boss, "rep0": rep0, "rep1": rep1, "version": version}


def _expected(plan: int) -> Decimal:
    """plan × working days 1 April … 13 May ÷ working days of Q2, to the hundredth."""
    share = Fraction(
        CN.working_days(date(2026, 4, 1), IN_PLAN),
        CN.working_days(date(2026, 4, 1), date(2026, 6, 30)),
    )
    exact = Fraction(plan) * share
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def test_funnel_counts_hand_computed(funnel_world):
    w = funnel_world
    line, version = w["line"], w["version"]
    _inputs, result = load_plan(version).probability()
    report = mesh_report(version=version, as_of=IN_PLAN, unit=line, people=True)
    with CaptureQueriesContext(connection) as queries:
        funnel = funnel_view(root=report.root, version=version, unit=line, as_of=IN_PLAN)
    assert len(queries) == 5  # the unit's reps, then the actuals
    names = [stage.name for stage in result.stages]
    assert [step.name for step in funnel.steps][:-1] == names == ["线索", "有效线索", "商机"]
    assert [step.actual for step in funnel.steps] == [4, 1, 2, 2]
    plans = [*(stage.count for stage in result.stages), result.customers]
    assert [step.plan for step in funnel.steps] == plans
    assert [step.expected for step in funnel.steps] == [_expected(p) for p in plans]
    # The counts meet the mesh's own where it keeps them.
    leads, customers = report.root.find("leads"), report.root.find("customers")
    assert (funnel.steps[0].actual, funnel.steps[0].expected) == (
        leads.actual,
        leads.expected_to_date,
    )
    assert (funnel.steps[-1].actual, funnel.steps[-1].expected) == (
        customers.actual,
        customers.expected_to_date,
    )
    # Conversions are the mesh's: 1 of 4 leads qualified, 2 deals from 1 qualified lead …
    assert funnel.steps[0].conversion.actual == Decimal("0.25")
    assert funnel.steps[1].conversion.actual == Decimal(2)
    assert funnel.steps[2].conversion.actual == Decimal(1)
    assert funnel.steps[-1].conversion is None
    assert funnel.revenue.actual == Decimal("17000.00")
    assert funnel.elapsed_working_days == CN.working_days(date(2026, 4, 1), IN_PLAN)

    # One rep's own funnel: their share of the plan, their records only.
    rep0 = w["rep0"]
    own = next(p for p in report.people if p.person_id == rep0.pk)
    mine = funnel_view(root=own.root, version=version, unit=line, as_of=IN_PLAN, person=rep0)
    planned = next(rep for rep in result.reps if rep.rep_id == rep0.username)
    assert [step.actual for step in mine.steps] == [3, 1, 2, 1]
    assert [step.plan for step in mine.steps] == [*planned.stage_counts, planned.customers]
    assert mine.revenue.actual == Decimal("5000.00")

    # The team: its reps' plans summed (here both reps).
    team = OrgUnit.objects.get(code="fn-t")
    team_report = mesh_report(version=version, as_of=IN_PLAN, unit=team, people=False)
    ours = funnel_view(root=team_report.root, version=version, unit=team, as_of=IN_PLAN)
    assert [step.actual for step in ours.steps] == [4, 1, 2, 2]
    assert [step.plan for step in ours.steps] == [
        *(sum(rep.stage_counts[k] for rep in result.reps) for k in range(len(names))),
        sum(rep.customers for rep in result.reps),
    ]


def test_funnel_before_the_period_expects_and_counts_nothing(funnel_world):
    w = funnel_world
    day = date(2026, 3, 25)
    report = mesh_report(version=w["version"], as_of=day, unit=w["line"], people=False)
    funnel = funnel_view(root=report.root, version=w["version"], unit=w["line"], as_of=day)
    assert [step.actual for step in funnel.steps] == [0, 0, 0, 0]
    assert all(step.expected == 0 and step.pacing is None for step in funnel.steps)


def test_bottlenecks_split_the_gap_and_name_the_worst_first(client, funnel_world):
    w = funnel_world
    client.force_login(w["boss"])
    with translation.override("en"):
        response = get(client, "dashboards:probability_bottlenecks", line="fn", english=True)
    assert response.status_code == 200
    attribution = response.context["attribution"]
    assert sum(share.share for share in attribution.shares) == attribution.gap
    # The waterfall: one bar per factor, then the total gap.
    (trace,) = response.context["waterfall_chart"]["data"]
    assert trace["measure"] == ["relative"] * len(attribution.shares) + ["total"]
    assert trace["y"][-1] == float(attribution.gap)
    assert trace["x"][0] == "Calls"
    assert "Conversion from 线索" in trace["x"]
    worst = response.context["worst"]
    gaps = [person.attribution.gap for person in worst]
    assert gaps == sorted(gaps)
    # rep1 closed nothing from a lead of this period: the whole of her plan to date is gap.
    assert [person.person_id for person in worst] == [w["rep1"].pk, w["rep0"].pk]
    html = response.content.decode()
    # 61 calls against 364.46 planned to date: the line's bottleneck.
    assert "Bottleneck: Calls" in html

    # A rep: their own attribution and diagnosis, nobody else's.
    client.force_login(w["rep1"])
    with translation.override("en"):
        mine = get(client, "dashboards:probability_bottlenecks", line="fn", english=True)
    assert mine.context["mesh"].own.person_id == w["rep1"].pk
    assert mine.context["worst"] == []
    assert "Your diagnosis" in mine.content.decode()
    assert w["rep0"].username not in mine.content.decode()
