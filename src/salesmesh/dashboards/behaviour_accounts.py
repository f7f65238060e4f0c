"""A behaviour line's named accounts through the funnel: coverage heatmap, referral graph.

The definitions are in ``behaviour_data``'s module docstring: an account's
stage at a moment (never below the approved plan's), the heatmap's cells (named accounts
at a stage when the week began, and how many were touched that week), and the referral
links a scope may see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Exists, Min, OuterRef, Q, Subquery, Sum

from salesmesh.accounts.models import Account, AccountOwnership
from salesmesh.activities.behaviour_indicators import VQL_STAGES
from salesmesh.activities.indicators import local_bounds
from salesmesh.activities.models import AccountWeeklyTouch
from salesmesh.core.behaviour import Stage as FunnelStage
from salesmesh.dashboards.behaviour_plan import BehaviourPlanFacts
from salesmesh.dashboards.behaviour_team import TeamMember, monday, ratio, sdr_of
from salesmesh.org.models import Membership, OrgUnit, Role
from salesmesh.pipeline.models import OpportunityStageChange, Stage

__all__ = [
    "FUNNEL",
    "CoverageHeatmap",
    "FunnelAccount",
    "HeatmapCell",
    "ReferralGraph",
    "ReferralNode",
    "coverage_heatmap",
    "funnel_accounts",
    "referral_graph",
    "scoped_accounts",
]

# The funnel, earliest stage first: the heatmap's rows.
FUNNEL: tuple[FunnelStage, ...] = tuple(FunnelStage)


@dataclass(frozen=True)
class FunnelAccount:
    """A line account the heatmap or the referral graph shows, with its funnel milestones."""

    pk: int
    external_id: str | None
    name: str
    tier: str
    is_named: bool
    owner_id: int
    referred_by_id: int | None
    # Milestones up to ``as_of`` (None: not reached by then).
    first_touch_week: date | None
    vql_at: datetime | None
    won_at: datetime | None
    bd_since: datetime | None
    signed_amount: Decimal
    planned_stage: FunnelStage | None

    def stage_before(self, *, moment: datetime, week: date) -> FunnelStage:
        """The stage at ``moment``, counting touches in weeks starting before ``week``."""
        if self.won_at is not None and self.won_at < moment:
            stage = FunnelStage.SIGNED
        elif self.vql_at is not None and self.vql_at < moment:
            stage = FunnelStage.VQL
        elif self.bd_since is not None and self.bd_since < moment:
            stage = FunnelStage.ENGAGED
        elif self.first_touch_week is not None and self.first_touch_week < week:
            stage = FunnelStage.TOUCHED
        else:
            stage = FunnelStage.UNTOUCHED
        if self.planned_stage is not None and self.planned_stage.rank > stage.rank:
            return self.planned_stage
        return stage


def funnel_accounts(
    *, line: OrgUnit, as_of: date, facts: BehaviourPlanFacts
) -> list[FunnelAccount]:
    """The line's named accounts and every account in a referral link of the line (two queries)."""
    _, until = local_bounds(as_of, as_of)
    first_touch = (
        AccountWeeklyTouch.objects.filter(
            account_id=OuterRef("pk"), touches__gt=0, week_start__lte=as_of
        )
        .order_by("week_start")
        .values("week_start")[:1]
    )
    bds = Membership.objects.filter(unit__path__startswith=line.path, role=Role.BD).values(
        "user_id"
    )
    bd_since = (
        AccountOwnership.objects.filter(
            account_id=OuterRef("pk"), owner_id__in=bds, started_at__lt=until
        )
        .order_by("started_at")
        .values("started_at")[:1]
    )
    # Deal milestones in a grouped query of their own: as correlated subqueries per account,
    # SQLite walks the (to_stage, changed_at) index for every account.
    deals = {
        row["opportunity__account_id"]: row
        for row in OpportunityStageChange.objects.filter(
            to_stage__in=VQL_STAGES, changed_at__lt=until, opportunity__account__line=line
        )
        .values("opportunity__account_id")
        .annotate(
            # The first move into a value-qualified stage, as the line's VQL output counts.
            first_vql=Min("changed_at"),
            first_won=Min("changed_at", filter=Q(to_stage=Stage.WON)),
            amount=Sum("opportunity__amount", filter=Q(to_stage=Stage.WON)),
        )
        .order_by()
    }
    referred = Account.objects.filter(referred_by_id=OuterRef("pk"), line=line)
    rows = (
        Account.objects.filter(line=line)
        .filter(Q(is_named=True) | Q(referred_by__line=line) | Exists(referred))
        .annotate(
            first_touch_week=Subquery(first_touch),
            bd_since=Subquery(bd_since),
        )
        .order_by("name", "pk")
        .values_list(
            "pk",
            "external_id",
            "name",
            "tier",
            "is_named",
            "owner_id",
            "referred_by_id",
            "first_touch_week",
            "bd_since",
        )
    )
    return [
        FunnelAccount(
            pk=pk,
            external_id=external_id,
            name=name,
            tier=tier,
            is_named=is_named,
            owner_id=owner_id,
            referred_by_id=referred_by_id,
            first_touch_week=first_week,
            vql_at=deals[pk]["first_vql"] if pk in deals else None,
            won_at=deals[pk]["first_won"] if pk in deals else None,
            bd_since=since,
            signed_amount=(deals[pk]["amount"] if pk in deals else None) or Decimal(0),
            planned_stage=facts.stages.get(external_id or "") if is_named else None,
        )
        for (
            pk,
            external_id,
            name,
            tier,
            is_named,
            owner_id,
            referred_by_id,
            first_week,
            since,
        ) in rows
    ]


def scoped_accounts(
    accounts: Iterable[FunnelAccount],
    *,
    whole_line: bool,
    people_ids: Collection[int],
    team: dict[int, TeamMember],
    facts: BehaviourPlanFacts,
) -> set[int]:
    """Ids of the accounts in scope: all of them for the whole line, else the people's own."""
    accounts = list(accounts)
    if whole_line:
        return {a.pk for a in accounts}
    by_username = {m.username: m.pk for m in team.values()}
    return {
        a.pk
        for a in accounts
        if a.owner_id in people_ids
        or sdr_of(a.external_id, a.owner_id, facts=facts, by_username=by_username, team=team)
        in people_ids
    }


# -- coverage heatmap ------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatmapCell:
    """Named accounts at a stage when a week began, and how many were touched that week."""

    touched: int
    accounts: int

    @property
    def share(self) -> Decimal | None:
        return ratio(self.touched, self.accounts)


@dataclass(frozen=True)
class CoverageHeatmap:
    """Rows: ``stages`` (funnel order); columns: ``weeks`` (Mondays); ``cells[row][column]``."""

    weeks: tuple[date, ...]
    stages: tuple[FunnelStage, ...]
    cells: tuple[tuple[HeatmapCell, ...], ...]

    @property
    def accounts(self) -> int:
        """Named accounts in the heatmap (each is at exactly one stage every week)."""
        return sum(row[0].accounts for row in self.cells) if self.weeks else 0


def coverage_heatmap(
    *,
    accounts: Iterable[FunnelAccount],
    start: date,
    as_of: date,
    line: OrgUnit | None = None,
) -> CoverageHeatmap:
    """The heatmap of the given accounts' named ones over the weeks of ``start`` … ``as_of``.

    Pass ``line`` when ``accounts`` are all of its named accounts: the touches are then
    selected by line rather than by a list of every account id.
    """
    named = [a for a in accounts if a.is_named]
    weeks: list[date] = []
    week = monday(start)
    while week <= as_of:
        weeks.append(week)
        week += timedelta(days=7)
    touched: set[tuple[int, date]] = set()
    if named and weeks:
        rows = AccountWeeklyTouch.objects.filter(
            week_start__range=(weeks[0], weeks[-1]), touches__gt=0
        )
        if line is not None:
            rows = rows.filter(account__line=line, account__is_named=True)
        else:
            rows = rows.filter(account_id__in=[a.pk for a in named])
        touched = set(rows.values_list("account_id", "week_start"))
    counts: dict[tuple[FunnelStage, date], list[int]] = defaultdict(lambda: [0, 0])
    for week in weeks:
        moment = local_bounds(week, week)[0]
        for account in named:
            cell = counts[(account.stage_before(moment=moment, week=week), week)]
            cell[1] += 1
            if (account.pk, week) in touched:
                cell[0] += 1
    cells = tuple(
        tuple(
            HeatmapCell(touched=counts[(stage, week)][0], accounts=counts[(stage, week)][1])
            if (stage, week) in counts
            else HeatmapCell(touched=0, accounts=0)
            for week in weeks
        )
        for stage in FUNNEL
    )
    return CoverageHeatmap(weeks=tuple(weeks), stages=FUNNEL, cells=cells)


# -- referral graph -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralNode:
    """An account in a referral link; one outside the user's scope shows its name only."""

    account_id: int
    name: str
    referred_by_id: int | None
    in_scope: bool
    stage: FunnelStage | None
    signed_amount: Decimal | None


@dataclass(frozen=True)
class ReferralGraph:
    """Accounts referring accounts: nodes, and (referrer, referred) edges between them."""

    nodes: tuple[ReferralNode, ...]
    edges: tuple[tuple[int, int], ...]


def referral_graph(
    *, accounts: Iterable[FunnelAccount], scoped: Collection[int], as_of: date
) -> ReferralGraph:
    """Referral links inside the line that touch an account in scope, as of ``as_of``.

    The account on the far side of a link from one in scope is shown by name only (its
    referrer or referral is part of the account in scope's own record); its stage and
    signed amount belong to whoever owns it.
    """
    by_pk = {a.pk: a for a in accounts}
    edges = tuple(
        (a.referred_by_id, a.pk)
        for a in by_pk.values()
        if a.referred_by_id in by_pk and (a.pk in scoped or a.referred_by_id in scoped)
    )
    ends = {pk for edge in edges for pk in edge}
    moment = local_bounds(as_of, as_of)[1]
    after = monday(as_of) + timedelta(days=7)
    nodes = tuple(
        ReferralNode(
            account_id=a.pk,
            name=a.name,
            referred_by_id=a.referred_by_id if a.referred_by_id in ends else None,
            in_scope=a.pk in scoped,
            stage=a.stage_before(moment=moment, week=after) if a.pk in scoped else None,
            signed_amount=a.signed_amount if a.pk in scoped else None,
        )
        for a in by_pk.values()
        if a.pk in ends
    )
    return ReferralGraph(nodes=nodes, edges=edges)
