"""Demo process data: fixed for a given day, seeded once, every invariant kept, near the plans.

Seeding a year takes seconds (the SMB line alone is ~40,000 leads and
~230,000 activities), so the tests that only read share one seeding: the
``seeded_year`` fixture writes it once per class, each test reads inside its
own savepoint, and the whole year is rolled back after the class.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from graphlib import TopologicalSorter
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.utils.text import capfirst
from django.utils.translation import gettext

from salesmesh.accounts.models import Account, AccountOwnership
from salesmesh.activities.models import SOLUTION_STEPS, Activity, ActivityType, SolutionRequest
from salesmesh.activities.rollup_audit import rollups_verify
from salesmesh.core.calendar import WorkCalendar
from salesmesh.demo.process import ProcessReport, seed_demo_process_data
from salesmesh.demo.process_base import DEMO_ZONE, WINDOW_DAYS
from salesmesh.demo.seed import seed_demo_company
from salesmesh.org.models import Membership, Role
from salesmesh.pipeline.models import Lead, LeadSource, Opportunity, OpportunityStageChange, Stage
from salesmesh.planning.models import PlanStatus, PlanVersion
from salesmesh.projects.models import (
    Milestone,
    Project,
    Resource,
    ScenarioSolution,
    StageReview,
    Stakeholder,
)

pytestmark = pytest.mark.django_db

UNTIL = date(2026, 11, 27)

# Computed once from the generator, with the company seeded on UNTIL (the SMB
# plan is for the quarter of the seeding day); a change to it shows up here.
# Update both deliberately when the demo data is meant to change.
EXPECTED_COUNTS = {
    "Account": 4032,
    "AccountOwnership": 4045,
    "Contact": 242,
    "Lead": 39724,
    "Opportunity": 4570,
    "OpportunityStageChange": 14906,
    "Activity": 229020,
    "SolutionRequest": 45,
    "Project": 5,
    "Milestone": 19,
    "Stakeholder": 18,
    "Resource": 6,
    "StageReview": 13,
    "ScenarioSolution": 1,
}
EXPECTED_ACTIVITY_CHECKSUM = "cf9a6e92d4851d3abd6a945e96bbe0882dd0db68ea2926abd51eaa4e2a8d7da5"
EXPECTED_AMOUNTS = Decimal("70589000")  # every deal amount, all lines


def activity_checksum() -> str:
    """SHA-256 of (external id, moment, person, reached) of every 97th activity."""
    digest = hashlib.sha256()
    rows = Activity.objects.order_by("external_id").values_list(
        "external_id", "occurred_at", "person__username", "reached"
    )
    for index, (external_id, occurred_at, person, reached) in enumerate(rows.iterator()):
        if index % 97 == 0:
            digest.update(f"{external_id}|{occurred_at.isoformat()}|{person}|{reached}\n".encode())
    return digest.hexdigest()


def plan_of(code: str) -> PlanVersion:
    return PlanVersion.objects.get(unit__code=code, status=PlanStatus.APPROVED)


@pytest.fixture(scope="class")
def seeded_year(django_db_setup, django_db_blocker) -> Iterator[ProcessReport]:  # type: ignore[no-untyped-def]
    """The demo company and its year of process data to UNTIL, seeded once for a class."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo_company(today=UNTIL)
        yield seed_demo_process_data(until=UNTIL)
        transaction.set_rollback(True)


def smb_year_start() -> date:
    """The first day of the seeded year."""
    return UNTIL - timedelta(days=WINDOW_DAYS - 1)


def shanghai_midnight(day: date):  # type: ignore[no-untyped-def]
    return datetime.combine(day, time(0), tzinfo=DEMO_ZONE)


class TestTheSeededYear:
    """Read-only checks of one seeding (UNTIL); they share it through ``seeded_year``."""

    def test_the_seed_is_fixed_for_a_day_and_runs_once(self, seeded_year):
        report = seeded_year

        counts = {model.__name__: count for model, count in report.counts.items()}
        assert not report.skipped
        assert counts == EXPECTED_COUNTS
        assert activity_checksum() == EXPECTED_ACTIVITY_CHECKSUM
        assert Opportunity.objects.aggregate(total=Sum("amount"))["total"] == EXPECTED_AMOUNTS

        again = seed_demo_process_data(until=UNTIL + timedelta(days=1))

        assert again.skipped
        assert again.counts == {}
        assert Activity.objects.count() == EXPECTED_COUNTS["Activity"]
        assert Account.objects.count() == EXPECTED_COUNTS["Account"]

    def test_every_invariant_holds(self, seeded_year):
        # The rollups equal a recount of the raw activities.
        assert rollups_verify() == []

        # Every account has exactly one open ownership, held by its owner, and its
        # ownerships follow each other without gaps or overlaps.
        ownerships = defaultdict(list)
        for row in AccountOwnership.objects.order_by("started_at", "pk"):
            ownerships[row.account_id].append(row)
        for account in Account.objects.all():
            rows = ownerships[account.pk]
            assert [r.ended_at for r in rows].count(None) == 1, account.external_id
            assert rows[-1].ended_at is None
            assert rows[-1].owner_id == account.owner_id
            for before, after in pairwise(rows):
                assert before.ended_at == after.started_at
        assert AccountOwnership.objects.exclude(ended_at=None).count() >= 4

        # Stage histories start from no stage, chain each move to the last, are
        # dated in order, and end at the deal's current stage.
        history = defaultdict(list)
        for change in OpportunityStageChange.objects.order_by("changed_at", "pk"):
            history[change.opportunity_id].append(change)
        for deal in Opportunity.objects.all():
            moves = history[deal.pk]
            assert moves[0].from_stage == ""
            assert all(a.to_stage == b.from_stage for a, b in pairwise(moves))
            assert all(a.changed_at <= b.changed_at for a, b in pairwise(moves))
            assert moves[-1].to_stage == deal.stage, deal.external_id
            assert moves[-1].changed_at.date() <= UNTIL

        # Solution-request steps are in order and a verdict has its review.
        for request in SolutionRequest.objects.all():
            steps = [getattr(request, step) for step in SOLUTION_STEPS]
            known = [step for step in steps if step is not None]
            assert known == sorted(known)
            assert steps[: len(known)] == known  # no step without the ones before it
            assert (request.passed_first_review is None) == (request.reviewed_at is None)

        # Stable external ids on every account, lead, deal and activity.
        for model in (Account, Lead, Opportunity, Activity):
            assert not model.objects.filter(external_id=None).exists(), model.__name__
        assert (
            Activity.objects.filter(external_id__startswith="ACT-").count()
            == Activity.objects.count()
        )

        # Nothing happens after `until`, and activities fall on working days, in office hours.
        calendar = WorkCalendar("CN")
        latest = Activity.objects.aggregate(last=Max("occurred_at"))["last"]
        assert latest.astimezone(DEMO_ZONE).date() <= UNTIL
        days = (
            Activity.objects.annotate(day=TruncDate("occurred_at", tzinfo=DEMO_ZONE))
            .values_list("day", flat=True)
            .distinct()
        )
        assert all(calendar.is_working_day(day) for day in days)

        # Projects: milestone dependencies stay within the project and form no cycle.
        graph = defaultdict(set)
        for milestone in Milestone.objects.prefetch_related("depends_on"):
            for prerequisite in milestone.depends_on.all():
                assert prerequisite.project_id == milestone.project_id
                graph[milestone.pk].add(prerequisite.pk)
        tuple(TopologicalSorter(graph).static_order())  # raises CycleError on a cycle
        for stakeholder in Stakeholder.objects.select_related("milestone"):
            assert stakeholder.milestone.project_id == stakeholder.project_id
        for milestone in Milestone.objects.exclude(actual_date=None).prefetch_related("depends_on"):
            for prerequisite in milestone.depends_on.all():
                assert prerequisite.actual_date is not None
                assert prerequisite.actual_date <= milestone.actual_date

    def test_the_smb_line_runs_at_its_plan_scale(self, seeded_year):
        plan = plan_of("smb")
        document = plan.result["data"]["document"]
        smb = plan.result["data"]["plan"]
        calendar = WorkCalendar(document["country"])
        start, year_start = smb_year_start(), shanghai_midnight(smb_year_start())
        year_days = calendar.working_days(start, UNTIL)

        # Won revenue: the plan's target is for its own period (a quarter of
        # document["working_days"]); pro rata per working day, the year's won
        # deals bring within ±20% of it, and so do the deals won inside the
        # plan's period, scaled by how much of that period has elapsed.
        target = Decimal(document["target"])
        won = OpportunityStageChange.objects.filter(
            opportunity__line__code="smb", to_stage=Stage.WON
        )

        def revenue(since: date, until: date) -> Decimal:
            deals = won.filter(
                changed_at__gte=shanghai_midnight(since),
                changed_at__lt=shanghai_midnight(until + timedelta(days=1)),
            ).values("opportunity")
            total = Opportunity.objects.filter(pk__in=deals).aggregate(total=Sum("amount"))
            return total["total"] or Decimal(0)

        year_target = target * year_days / document["working_days"]
        assert abs(revenue(start, UNTIL) / year_target - 1) <= Decimal("0.2"), year_target
        period = document["period"]
        period_start = date.fromisoformat(period["start"])
        period_end = date.fromisoformat(period["end"])
        elapsed = Decimal(calendar.working_days(period_start, min(UNTIL, period_end))) / Decimal(
            calendar.working_days(period_start, period_end)
        )
        assert elapsed > 0  # the plan's period lies in the seeded year
        in_period = revenue(period_start, min(UNTIL, period_end))
        assert abs(in_period / (target * elapsed) - 1) <= Decimal("0.2"), in_period

        # Leads at the plan's daily volume over the whole year, every source among them.
        leads_per_day = smb["leads"] / document["working_days"]
        leads = Lead.objects.filter(line__code="smb")
        in_year = leads.filter(created_on__gte=start).count()
        assert abs(in_year / (leads_per_day * year_days) - 1) <= 0.1, in_year
        assert set(leads.values_list("source", flat=True)) >= {
            LeadSource.MARKET_COVERAGE,
            LeadSource.BRAND,
            LeadSource.PRIVATE_DOMAIN,
            LeadSource.REFERRAL,
        }

        # Calls per rep per working day over the whole year within ±25% of the plan's figure.
        planned_calls = sum(r["average_calls_per_working_day"] for r in smb["reps"]) / len(
            smb["reps"]
        )
        reps = Membership.objects.filter(unit__code__startswith="smb-", role=Role.REP)
        calls = Activity.objects.filter(person__in=reps.values("user"), type=ActivityType.CALL)
        logged = calls.filter(occurred_at__gte=year_start).count()
        actual_calls = logged / (reps.count() * year_days)
        assert abs(actual_calls / planned_calls - 1) <= 0.25, (actual_calls, planned_calls)
        first_call = calls.filter(opportunity=None).aggregate(first=Min("occurred_at"))["first"]
        assert first_call.astimezone(DEMO_ZONE).date() - start < timedelta(days=7)

        # One team is clearly under the plan's reach rate; the others are near it.
        reach_rate = plan.assumptions["probability"]["yields"]["reach_rate"]
        by_team = {}
        for team in ("smb-east", "smb-south", "smb-north"):
            team_calls = calls.filter(
                person__memberships__unit__code=team, opportunity=None
            ).aggregate(n=Count("pk"), reached=Count("pk", filter=Q(reached=True)))
            by_team[team] = team_calls["reached"] / team_calls["n"]
        assert by_team["smb-north"] < 0.8 * reach_rate
        assert all(abs(by_team[t] / reach_rate - 1) < 0.15 for t in ("smb-east", "smb-south"))

        # Won deals are worth about the plan's deal value.
        won_deals = Opportunity.objects.filter(line__code="smb", stage=Stage.WON)
        average = won_deals.aggregate(total=Sum("amount"))["total"] / won_deals.count()
        assert abs(average / Decimal(smb["deal_value"]) - 1) <= Decimal("0.25")

        # The open pipeline: some deals past the close their rep expected, some
        # ahead of it, worth a few weeks of the target (the plan's cycle is weeks).
        open_deals = Opportunity.objects.filter(line__code="smb").exclude(
            stage__in=[Stage.WON, Stage.LOST]
        )
        assert open_deals.filter(expected_close__gt=UNTIL).exists()
        assert open_deals.filter(expected_close__lte=UNTIL).exists()
        assert set(open_deals.values_list("stage", flat=True)) == {
            Stage.QUALIFIED,
            Stage.PROPOSAL,
            Stage.NEGOTIATION,
        }
        pipeline = open_deals.aggregate(total=Sum("amount"))["total"]
        month_target = year_target / 12
        assert month_target / 2 <= pipeline <= 3 * month_target, (pipeline, month_target)

    def test_actuals_land_near_the_plans(self, seeded_year):
        # KA: the plan's named list, each account with the plan's owner, except
        # those an SDR owned and handed to a BD when they engaged during the year;
        # at least 80% touched in the last 90 days, a handful left alone for 30 days.
        ka = plan_of("ka").assumptions["behaviour"]["accounts"]
        named = Account.objects.filter(line__code="ka", is_named=True).select_related("owner")
        assert {(a.external_id, a.tier) for a in named} == {(s["id"], s["tier"]) for s in ka}
        sdrs = set(
            Membership.objects.filter(role=Role.SDR).values_list("user__username", flat=True)
        )
        bds = set(Membership.objects.filter(role=Role.BD).values_list("user__username", flat=True))
        plan_owner = {spec["id"]: spec["owner"] for spec in ka}
        engaged = [a for a in named if a.owner.username != plan_owner[a.external_id]]
        for account in engaged:
            assert plan_owner[account.external_id] in sdrs
            assert account.owner.username in bds
        assert 1 <= len(engaged) <= len(ka) // 4
        recent = named.annotate(last=Max("activities__occurred_at"))
        since = UNTIL - timedelta(days=90)
        covered = [a for a in recent if a.last and a.last.astimezone(DEMO_ZONE).date() > since]
        assert len(covered) / len(ka) >= 0.8
        month_ago = UNTIL - timedelta(days=30)
        neglected = [
            a for a in recent if not a.last or a.last.astimezone(DEMO_ZONE).date() < month_ago
        ]
        assert 3 <= len(neglected) <= 8
        assert max(len(chain) for chain in referral_chains(named)) >= 3
        requests = SolutionRequest.objects.filter(account__in=named)
        assert requests.filter(passed_first_review=False).exists()
        assert requests.filter(passed_first_review=True).exists()
        assert requests.filter(responded_at=None).count() >= 2

        # Government: revenue shares sum to 1 per project; milestones done on time,
        # done late, overdue or ahead; one late resource; reviews and a scenario solution.
        assert Project.objects.count() in range(4, 7)
        for project in Project.objects.annotate(shares=Sum("milestones__revenue_share")):
            assert project.shares == 1, project.name
        gov_plan = plan_of("gov").assumptions["project"]["projects"]
        values = dict(Project.objects.values_list("name", "contract_value"))
        for spec in gov_plan:
            assert values[spec["name"]] > 0
        done = Milestone.objects.exclude(actual_date=None)
        assert any(m.actual_date > m.planned_date for m in done)
        assert any(m.actual_date <= m.planned_date for m in done)
        assert Milestone.objects.filter(actual_date=None, planned_date__gt=UNTIL).exists()
        late_resources = [
            r
            for r in Resource.objects.select_related("milestone")
            if r.ready_date
            and r.ready_date > r.milestone.planned_date - timedelta(days=r.lead_time_days)
        ]
        assert len(late_resources) == 1
        assert StageReview.objects.count() >= done.count() - 2
        solution = ScenarioSolution.objects.get()
        assert not solution.project.milestones.filter(actual_date=None).exists()


def referral_chains(accounts) -> list[list[int]]:  # type: ignore[no-untyped-def]
    referrer = dict(accounts.exclude(referred_by=None).values_list("pk", "referred_by"))
    chains = []
    for start in referrer:
        chain = [start]
        while chain[-1] in referrer:
            chain.append(referrer[chain[-1]])
        chains.append(chain)
    return chains


def test_seed_demo_command_seeds_the_process_data_once(demo_company):
    out = StringIO()

    call_command("seed_demo", stdout=out)

    printed = out.getvalue()
    plural = capfirst(Activity._meta.verbose_name_plural)
    assert f"{plural}: {Activity.objects.count()}" in printed
    assert Activity.objects.count() > 10_000
    counts = Counter(Account.objects.values_list("line__code", flat=True))
    assert set(counts) == {"smb", "ka", "gov"}

    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert Account.objects.count() == sum(counts.values())
    left_alone = "The database already has accounts; process data left as it is."
    assert gettext(left_alone) in out.getvalue()


def test_seed_demo_command_can_leave_the_process_data_out(db):
    call_command("seed_demo", "--no-process-data", stdout=StringIO())

    assert PlanVersion.objects.count() == 3
    assert not Account.objects.exists()
    assert not Activity.objects.exists()
