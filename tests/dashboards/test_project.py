"""The project dashboard: Gantt lateness, resource readiness, scope, queries, languages, search.

Crafted projects on the demo company's government line (its approved plan is the baseline):
every expected figure below is worked out by hand in the comments.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from salesmesh.accounts.services import account_create
from salesmesh.dashboards.project_data import (
    Readiness,
    milestone_schedule,
    plan_baselines,
    resource_readiness,
)
from salesmesh.org.models import OrgUnit, Role, User
from salesmesh.planning.models import PlanStatus, PlanVersion
from salesmesh.projects.models import Milestone, Project
from salesmesh.projects.services import (
    milestone_create,
    project_create,
    resource_create,
    scenario_solution_create,
    stage_review_create,
    stakeholder_create,
)

URL = "/dashboards/project/"
AS_OF = date(2026, 5, 1)
# A project of the demo's approved plan: its milestones' plan dates are the baseline.
PLAN_PROJECT = "滨江市政务数据共享平台（一期）"


# -- the rules, without a database -----------------------------------------------------------


def test_a_done_milestone_is_late_when_it_finished_after_its_baseline():
    late = milestone_schedule(
        baseline=date(2026, 3, 13), planned=date(2026, 3, 13), actual=date(2026, 3, 20), as_of=AS_OF
    )
    early = milestone_schedule(
        baseline=date(2026, 4, 1), planned=date(2026, 4, 1), actual=date(2026, 3, 30), as_of=AS_OF
    )
    assert (late.done, late.late, late.end, late.slip_days) == (True, True, date(2026, 3, 20), 7)
    assert (early.done, early.late, early.slip_days) == (True, False, -2)


def test_an_open_milestone_is_late_when_overdue_or_moved_past_its_baseline():
    # Re-planned from 27 April to 10 May, not due yet on 1 May: late by 13 days, ends 10 May.
    moved = milestone_schedule(
        baseline=date(2026, 4, 27), planned=date(2026, 5, 10), actual=None, as_of=AS_OF
    )
    # Planned 20 April, still open on 1 May: overdue, expected no earlier than 1 May (+11).
    overdue = milestone_schedule(
        baseline=date(2026, 4, 20), planned=date(2026, 4, 20), actual=None, as_of=AS_OF
    )
    on_track = milestone_schedule(
        baseline=date(2026, 6, 1), planned=date(2026, 6, 1), actual=None, as_of=AS_OF
    )
    # Done on 3 May is not done yet when seen on 1 May.
    future_actual = milestone_schedule(
        baseline=date(2026, 6, 1), planned=date(2026, 6, 1), actual=date(2026, 5, 3), as_of=AS_OF
    )
    assert (moved.done, moved.late, moved.end, moved.slip_days) == (
        False,
        True,
        date(2026, 5, 10),
        13,
    )
    assert (overdue.late, overdue.end, overdue.slip_days) == (True, AS_OF, 11)
    assert (on_track.late, on_track.end, on_track.slip_days) == (False, date(2026, 6, 1), 0)
    assert (future_actual.done, future_actual.late) == (False, False)


@pytest.mark.parametrize(
    ("ready", "lead", "expected"),
    [
        # Milestone planned 10 May; seen on 1 May.
        (date(2026, 4, 28), 10, Readiness.READY),  # needed 30 Apr, ready 28 Apr
        (date(2026, 4, 30), 10, Readiness.READY),  # ready on the very day it is needed
        (date(2026, 4, 25), 20, Readiness.LATE),  # needed 20 Apr, ready 25 Apr
        (None, 15, Readiness.MISSING),  # needed 25 Apr, nothing yet
        (date(2026, 5, 3), 15, Readiness.MISSING),  # ready 3 May is after 1 May
        (None, 5, Readiness.PENDING),  # needed 5 May: not due yet
        (None, 9, Readiness.MISSING),  # needed 1 May, the day itself: due (as the mesh counts)
    ],
)
def test_resource_readiness_against_the_milestone_date_minus_lead_time(ready, lead, expected):
    assert (
        resource_readiness(
            ready_date=ready, milestone_date=date(2026, 5, 10), lead_time_days=lead, as_of=AS_OF
        )
        is expected
    )


def test_plan_baselines_take_the_computed_schedule_over_the_written_dates():
    version = PlanVersion(
        assumptions={
            "project": {
                "projects": [
                    {
                        "id": "p1",
                        "name": "Alpha",
                        "milestones": [
                            {"id": "m1", "name": "Sign", "planned_date": "2026-03-01"},
                            {"id": "m2", "name": "Go", "duration_working_days": 20},
                        ],
                    }
                ]
            }
        },
        result={
            "data": {
                "plan": {
                    "projects": [
                        {
                            "id": "p1",
                            "name": "Alpha",
                            "milestones": [
                                {"id": "m1", "name": "Sign", "planned_date": "2026-03-02"},
                                {"id": "m2", "name": "Go", "planned_date": "2026-03-30"},
                            ],
                        }
                    ]
                }
            }
        },
    )
    baselines = plan_baselines(version)
    assert baselines["Alpha"] == baselines["p1"]
    assert baselines["Alpha"] == {
        "m1": date(2026, 3, 2),
        "Sign": date(2026, 3, 2),
        "m2": date(2026, 3, 30),
        "Go": date(2026, 3, 30),
    }
    assert plan_baselines(None) == {}
    assert plan_baselines(PlanVersion(assumptions={}, result={})) == {}


# -- crafted projects --------------------------------------------------------------------------


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def gov_line() -> OrgUnit:
    return OrgUnit.objects.get(code="gov")


def make_project(name: str, owner: User, *, number: int) -> Project:
    line = gov_line()
    account = account_create(
        line=line,
        name=f"客户{number}",
        owner=owner,
        by=owner,
        at=_at(date(2025, 10, 1)),
        external_id=f"T-{number}",
    )
    return project_create(line=line, account=account, name=name, contract_value=Decimal("1000000"))


def crafted_plan_project(owner: User) -> Project:
    """The plan project with re-planned, late, early and extra milestones (see test_gantt)."""
    project = make_project(PLAN_PROJECT, owner, number=1)
    sign = milestone_create(
        project=project,
        name="合同签订",  # baseline 2026-03-13 in the plan
        planned_date=date(2026, 3, 13),
        actual_date=date(2026, 3, 20),
        owning_role="business",
    )
    extra = milestone_create(
        project=project,
        name="额外调研",  # not in the plan: its planned date is the baseline
        planned_date=date(2026, 4, 1),
        actual_date=date(2026, 3, 30),
        owning_role="solution",
    )
    design = milestone_create(
        project=project,
        name="需求调研与方案确认",  # the plan computes 2026-04-27 from a duration
        planned_date=date(2026, 5, 10),
        owning_role="solution",
        depends_on=[sign, extra],
    )
    live = milestone_create(
        project=project,
        name="平台部署上线",  # baseline 2026-08-28
        planned_date=date(2026, 8, 28),
        owning_role="pmo",
        depends_on=[design],
    )
    for kind, lead, ready in (
        ("product", 10, date(2026, 4, 28)),  # needed 30 Apr: ready
        ("services", 10, date(2026, 4, 30)),  # needed 30 Apr: ready
        ("integration", 20, date(2026, 4, 25)),  # needed 20 Apr: ready late
        ("integration", 15, None),  # needed 25 Apr: missing
        ("secondary_development", 15, date(2026, 5, 3)),  # ready after 1 May: missing
        ("services", 5, None),  # needed 5 May: not due yet
    ):
        resource_create(
            milestone=design,
            kind=kind,
            description=f"{kind}-{lead}",
            lead_time_days=lead,
            ready_date=ready,
        )
    resource_create(
        milestone=live, kind="product", description="licence", lead_time_days=30, ready_date=None
    )  # needed 29 Jul: not due yet
    stakeholder_create(
        project=project,
        milestone=sign,
        name="王建国",
        title="局长",
        influence=5,
        attitude="supporter",
        planned_actions="高层汇报",
        handled_on=date(2026, 3, 1),
    )
    stakeholder_create(
        project=project,
        milestone=design,
        name="赵立新",
        title="科长",
        influence=4,
        attitude="opponent",
        planned_actions="预算口径说明会",
    )
    stakeholder_create(project=project, name="李红", influence=2, attitude="neutral")
    stage_review_create(
        project=project,
        held_on=date(2026, 3, 27),
        what_happened="合同签订晚一周",
        gaps="预算审批慢",
        actions="提前预约财政局",
    )
    stage_review_create(
        project=project, held_on=date(2026, 5, 20), what_happened="after the day we look at"
    )
    return project


def simple_project(name: str, owner: User, *, number: int, milestones: int = 3) -> Project:
    project = make_project(name, owner, number=number)
    previous: list[Milestone] = []
    for index in range(milestones):
        milestone = milestone_create(
            project=project,
            name=f"M{index}",
            planned_date=date(2026, 2, 1) + timedelta(days=30 * index),
            actual_date=date(2026, 2, 3) + timedelta(days=30 * index) if index == 0 else None,
            owning_role="pmo",
            depends_on=previous[-1:],
        )
        resource_create(milestone=milestone, kind="product", lead_time_days=5)
        stakeholder_create(
            project=project, milestone=milestone, name=f"S{number}-{index}", attitude="neutral"
        )
        previous.append(milestone)
    stage_review_create(project=project, held_on=date(2026, 2, 10), what_happened=f"R{number}")
    return project


def business_person() -> User:
    return User.objects.get(username="business")


def other_business_person() -> User:
    return (
        User.objects.filter(memberships__role=Role.BUSINESS, memberships__unit__code="gov-business")
        .exclude(username="business")
        .order_by("pk")
        .first()
    )


def page(client, language: str | None = None, **params):  # type: ignore[no-untyped-def]
    query = {"as_of": AS_OF.isoformat(), **params}
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    return client.get(URL, query, **headers)


@pytest.fixture
def crafted(demo_company):  # type: ignore[no-untyped-def]
    mine = crafted_plan_project(business_person())
    theirs = simple_project("别人的项目", other_business_person(), number=2)
    return mine, theirs


# -- Gantt, stakeholders, readiness, reviews on the page -----------------------------------------


@pytest.mark.django_db
def test_gantt_marks_late_milestones_against_the_plan_baseline(client, login_as, crafted):
    mine, _theirs = crafted
    login_as("head")
    response = page(client, language="en", project=mine.pk)
    assert response.status_code == 200
    data = response.context["data"]
    assert data.plan is not None
    assert data.plan.status == PlanStatus.APPROVED
    (board,) = data.boards
    rows = {row.milestone.name: row for row in board.gantt}
    # Sorted by planned date: 13 Mar, 1 Apr, 10 May, 28 Aug.
    assert [row.milestone.name for row in board.gantt] == [
        "合同签订",
        "额外调研",
        "需求调研与方案确认",
        "平台部署上线",
    ]
    sign, extra, design, live = (rows[n] for n in rows)
    assert (sign.baseline, sign.baseline_from_plan, sign.schedule.late) == (
        date(2026, 3, 13),
        True,
        True,
    )
    assert sign.schedule.slip_days == 7
    assert sign.status == "done_late"
    assert (extra.baseline, extra.baseline_from_plan, extra.schedule.late) == (
        date(2026, 4, 1),
        False,
        False,
    )
    assert extra.schedule.slip_days == -2
    assert extra.status == "done"
    # The plan computed 27 April for the design sign-off; it is now planned for 10 May.
    assert (design.baseline, design.schedule.late, design.schedule.slip_days) == (
        date(2026, 4, 27),
        True,
        13,
    )
    assert design.status == "replanned"
    assert design.depends_on == ("合同签订", "额外调研")
    # Its spans start where its last prerequisite ends: baseline 1 Apr, actual 1 Apr (early).
    assert (design.baseline_start, design.actual_start) == (date(2026, 4, 1), date(2026, 3, 30))
    assert (live.baseline, live.schedule.late, live.status) == (date(2026, 8, 28), False, "open")
    assert live.actual_start == date(2026, 5, 10)
    assert board.late_count == 2
    assert data.late_milestones == 2
    assert data.done_milestones == 2

    # The late milestones are red in the chart, the rest not.
    gantt = response.context["gantts"][0].chart
    bars = {
        (t["name"], t["marker"]["color"]): [round(y) for y in t["y"]]
        for t in gantt["data"]
        if t["type"] == "bar"
    }
    # Rows 0-3 top to bottom; each has a baseline bar and one actual bar in its status colour.
    assert bars == {
        ("Baseline", "#b8bfcc"): [0, 1, 2, 3],
        ("Late", "#d64545"): [0, 2],
        ("Done on time", "#1f9d74"): [1],
        ("Open, on track", "#2f6fde"): [3],
    }
    html = response.content.decode()
    assert f'id="gantt-{mine.pk}"' in html
    assert 'data-plotly="gantt-' in html


@pytest.mark.django_db
def test_resource_readiness_stakeholders_and_reviews(client, login_as, crafted):
    mine, _theirs = crafted
    login_as("head")
    response = page(client, project=mine.pk)
    data = response.context["data"]
    statuses = sorted((row.resource.description, row.status.value) for row in data.resources)
    assert statuses == [
        ("integration-15", "missing"),
        ("integration-20", "late"),
        ("licence", "pending"),
        ("product-10", "ready"),
        ("secondary_development-15", "missing"),
        ("services-10", "ready"),
        ("services-5", "pending"),
    ]
    assert response.context["readiness"] == {"ready": 2, "late": 1, "missing": 2, "pending": 2}
    # On time: 2 ready of the 5 ready or already needed (the 2 pending are not due yet).
    assert (data.ready_count, data.settled_count) == (2, 5)
    counts = data.readiness_by_kind
    assert counts["integration"] == {
        Readiness.READY: 0,
        Readiness.LATE: 1,
        Readiness.MISSING: 1,
        Readiness.PENDING: 0,
    }
    assert counts["product"][Readiness.READY] == 1
    assert counts["product"][Readiness.PENDING] == 1
    # The not-ready table: earliest needed first (20 Apr, 25 Apr, 25 Apr, 5 May, 29 Jul).
    assert [row.resource.description for row in data.not_ready] == [
        "integration-20",
        "integration-15",
        "secondary_development-15",
        "services-5",
        "licence",
    ]
    chart = response.context["readiness_chart"]
    assert len(chart["data"]) == len(Readiness)  # one stacked trace per status
    assert sum(sum(trace["y"]) for trace in chart["data"]) == 7

    groups = data.stakeholder_groups
    assert [(g.milestone.name if g.milestone else None) for g in groups] == [
        "合同签订",
        "需求调研与方案确认",
        None,
    ]
    handled = {row.stakeholder.name: row.handled for row in data.stakeholder_rows}
    assert handled == {"王建国": True, "赵立新": False, "李红": False}
    # Actions done: 王建国's of the two with planned actions (李红 has none written down).
    assert (data.handled_count, data.actions_count) == (1, 2)
    stakeholder_chart = response.context["stakeholder_chart"]
    names = [name for trace in stakeholder_chart["data"] for name in trace["text"]]
    assert sorted(names) == ["李红", "王建国", "赵立新"]

    # Only the review held by 1 May is in the log.
    assert [review.what_happened for review, _project in data.reviews] == ["合同签订晚一周"]
    html = response.content.decode()
    assert "预算审批慢" in html
    assert "after the day we look at" not in html


# -- scope ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_head_sees_every_project_of_the_line(client, login_as, crafted):
    mine, theirs = crafted
    login_as("head")
    response = page(client)
    assert [b.project.pk for b in response.context["data"].boards] == sorted(
        [mine.pk, theirs.pk], key=lambda pk: Project.objects.get(pk=pk).name
    )
    html = response.content.decode()
    assert mine.name in html
    assert theirs.name in html


@pytest.mark.django_db
def test_the_line_manager_sees_every_project_of_the_line(client, crafted):
    mine, theirs = crafted
    client.force_login(gov_line().manager)
    response = page(client)
    assert {b.project.pk for b in response.context["data"].boards} == {mine.pk, theirs.pk}


@pytest.mark.django_db
def test_a_business_person_sees_only_their_own_projects(client, login_as, crafted):
    mine, theirs = crafted
    login_as("business")
    response = page(client)
    assert [b.project.pk for b in response.context["data"].boards] == [mine.pk]
    # Without the random CSRF token and CSP nonces, which may hold "R2" by chance.
    html = re.sub(
        r'(X-CSRFToken": "|csrfmiddlewaretoken" value="|nonce=")[^"]*',
        r"\1",
        response.content.decode(),
    )
    assert mine.name in html
    assert theirs.name not in html
    assert "S2-0" not in html
    assert "R2" not in html
    # Someone else's project by id is a 404, not a 403.
    assert page(client, project=theirs.pk).status_code == 404
    assert page(client, project="x").status_code == 404
    assert page(client, project=mine.pk).status_code == 200


@pytest.mark.django_db
def test_a_pmo_without_projects_sees_none_and_other_lines_are_404(client, login_as, crafted):
    mine, theirs = crafted
    login_as("pmo")
    response = page(client)
    assert response.status_code == 200
    assert response.context["data"].boards == ()
    html = response.content.decode()
    assert 'id="project-empty"' in html
    assert mine.name not in html
    assert theirs.name not in html
    assert page(client, project=mine.pk).status_code == 404
    assert page(client, line="smb").status_code == 404


@pytest.mark.django_db
def test_a_rep_of_another_line_has_no_project_line(client, login_as, crafted):
    login_as("rep")
    response = page(client)
    assert response.status_code == 200
    assert response.context["scope"] is None
    assert page(client, line="gov").status_code == 404


# -- queries -------------------------------------------------------------------------------------


def _count_queries(client) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = page(client, q="医院")
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_query_count_is_the_same_for_two_and_eight_projects(client, login_as, demo_company):
    owner = business_person()
    for number in range(2):
        simple_project(f"P{number}", owner, number=number, milestones=2)
    scenario_solution_create(
        industry="医疗", problem="医院HIS对接", project=Project.objects.first()
    )
    login_as("head")
    small = _count_queries(client)
    for number in range(2, 8):
        simple_project(f"P{number}", owner, number=number, milestones=5)
        scenario_solution_create(
            industry="医疗", problem=f"医院场景{number}", project=Project.objects.last()
        )
    large = _count_queries(client)
    assert len(client.get(URL, {"as_of": AS_OF.isoformat()}).context["data"].boards) == 8
    assert small == large


# -- languages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_english_page(client, login_as, crafted):
    login_as("head")
    response = page(client, language="en")
    html = response.content.decode()
    assert '<html lang="en">' in html
    for text in (
        "Project dashboard",
        "Milestones: baseline against actual",
        "Stakeholder map",
        "Resource readiness",
        "Review log",
        "Knowledge base",
        "Not ready on time",
    ):
        assert text in html, text
    mine = crafted[0]
    gantt = next(g.chart for g in response.context["gantts"] if g.board.project.pk == mine.pk)
    legend = [t["name"] for t in gantt["data"] if t.get("showlegend", True)]
    assert legend == ["Baseline", "Late", "Done on time", "Open, on track"]


@pytest.mark.django_db
def test_chinese_is_the_default(client, login_as, crafted):
    login_as("head")
    response = page(client)
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    # Strings already in the catalog appear in Chinese (the new ones follow with the lead's pass).
    assert "<th>计划日期</th>" in html
    assert "<th>Planned date</th>" not in html
    # The charts are built in the request's language too.
    names = {trace["name"] for trace in response.context["stakeholder_chart"]["data"]}
    assert {"支持者", "反对者"} <= names


# -- knowledge base ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_knowledge_search_partial(client, login_as, crafted):
    mine, theirs = crafted
    scenario_solution_create(
        industry="政务", problem="委办局数据共享", lessons="先打通目录", project=mine
    )
    scenario_solution_create(industry="物流", problem="调度优化", project=theirs)
    scenario_solution_create(industry="教育", problem="校园运维 <script>")
    login_as("business")
    url = reverse("dashboards:project_knowledge")
    assert url == "/dashboards/project/knowledge/"

    response = client.get(url, {"q": "数据 目录"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # a partial
    assert "委办局数据共享" in html
    assert "调度优化" not in html
    # Their own project is linked.
    assert reverse("records:project", args=[mine.pk]) in html

    # Everyone may search the whole knowledge base, but another's project stays unnamed.
    html = client.get(url, {"q": "调度"}).content.decode()
    assert "调度优化" in html
    assert theirs.name not in html
    assert reverse("records:project", args=[theirs.pk]) not in html

    html = client.get(url, {"q": "script"}).content.decode()
    assert "&lt;script&gt;" in html
    assert "<script>" not in html

    with translation.override("en"):
        html = client.get(url, {"q": "nothing-like-this"}, HTTP_ACCEPT_LANGUAGE="en").content
    assert "Nothing in the knowledge base matches" in html.decode()

    # The page itself embeds the same partial and the htmx search box.
    html = page(client, q="数据").content.decode()
    assert 'hx-get="/dashboards/project/knowledge/"' in html
    assert "委办局数据共享" in html
