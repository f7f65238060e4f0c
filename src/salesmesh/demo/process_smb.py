"""SMB demo process data (probability paradigm): leads by source, deals, calls and visits.

Ratios and volumes are the line's approved plan's: leads per working day, the
lead sources' shares and conversions, the stage conversions and lags, the
product mix behind the deal value, each rep's calls per working day, the
visits per deal and the reach rate. So the year's won revenue tracks the
plan's target pro rata, and the behaviour indicators read near the plan.

At the plan's volume a year is ~37,000 leads (plus ~3,600 from the weeks
before it, see ``_run``), ~4,700 deals with ~15,000 stage changes and
~230,000 activities: far too many for the per-row services (~3 ms a lead,
~25 ms a deal on SQLite). The generator builds the year in memory, checks it
by the rules the services enforce, and writes it in bulk (DESIGN.md §4):
``bulk_create`` for accounts, ownerships, leads, deals and stage changes, the
set-based ``ActivityUpserter`` for activities, which keeps the rollups exact.
"""

from __future__ import annotations

import gc
import heapq
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate, pairwise

from salesmesh.accounts.models import Account, AccountOwnership
from salesmesh.activities.models import MINUTES_PER_DAY, ActivityType
from salesmesh.activities.upsert import ActivityRow, ActivityUpserter
from salesmesh.demo.process_base import (
    SELLING_MINUTES,
    Demo,
    clipped_gauss,
    line_and_plan,
    money,
    people,
    poisson,
)
from salesmesh.demo.process_catalog import BRANDS, TEAMS, TRADES
from salesmesh.demo.process_smb_plan import RepPlan, SmbPlan, smb_plan
from salesmesh.org.models import OrgUnit, Role, User
from salesmesh.pipeline.models import (
    DEFAULT_CURRENCY,
    ForecastCategory,
    Lead,
    LeadSource,
    LeadStatus,
    Opportunity,
    OpportunityStageChange,
    Stage,
)
from salesmesh.pipeline.services import CATEGORY_ON_CLOSE

SMB_SEED = 20260201
# One team reaches far fewer of the people it dials than the plan assumes: the
# bottleneck the mesh should find. Everyone else varies around the plan.
TEAM_REACH_FACTOR = {"smb-north": 0.7}
ABSENCE_RATE = 0.03  # a rep's day off sick or on training: no calls that day
# Where an open deal stalls when it is lost, from the first deal stage on.
LOST_AT = ((Stage.QUALIFIED, 0.4), (Stage.PROPOSAL, 0.35), (Stage.NEGOTIATION, 0.25))
STALLED_SHARE = 0.15  # deals that drag on well past the close date the rep expected
# When each move happens, as a fraction of the deal's length from opening to close.
MOVE_AT: dict[str, float] = {Stage.PROPOSAL: 0.3, Stage.NEGOTIATION: 0.65}
# Activities go to the upserter this many at a time: its lookups and rollup
# deltas stay small, and never more than one chunk of rows waits in memory.
ACTIVITY_CHUNK = 10_000
# Their own external-id series, so the other lines' "ACT-0000001 …" ids do not
# move when the SMB line's volume changes.
ACTIVITY_PREFIX = "ACT-SMB-"
# (low, high) minutes of a logged deal touch, by type.
TOUCH_MINUTES: dict[str, tuple[int, int]] = {
    ActivityType.CALL: (5, 25),
    ActivityType.DEMO: (30, 60),
    ActivityType.VISIT: (40, 90),
}
# Length of the morning and the afternoon selling hours, in minutes.
MORNING = SELLING_MINUTES[0][1] - SELLING_MINUTES[0][0]
SELLING_LENGTH = MORNING + SELLING_MINUTES[1][1] - SELLING_MINUTES[1][0]
MINUTE = [timedelta(minutes=m) for m in range(24 * 60)]
LOG_FOUR = math.log(4)  # reached calls are about four minutes of talk


@dataclass
class Rep:
    """A rep as the generator sees them: team, plan, and how they do against it."""

    user: User
    team: str
    plan: RepPlan
    effort: float  # calls against the plan: some ahead, some behind
    reach: float  # the share of dialled people actually reached
    customers: list[Account] = field(default_factory=list)  # won, in the order they were won


@dataclass(slots=True)
class LeadDraft:
    """A lead before it is written: its account may not have an id yet."""

    source: str
    created_on: date
    name: str
    status: str
    account: Account | None
    owner_id: int
    qualified_on: date | None


@dataclass(slots=True)
class DealDraft:
    """A deal before it is written: its stage trail and the activities logged on it."""

    account: Account
    owner_id: int
    name: str
    product: str
    amount: Decimal
    close_on: date
    moves: list[tuple[str, datetime]]  # (stage, when), from the first stage on
    touches: list[tuple[str, datetime, int]]  # (activity type, when, minutes)


@dataclass
class Year:
    """The SMB year built in memory before any of it is written."""

    accounts: list[Account] = field(default_factory=list)
    opened_at: list[datetime] = field(default_factory=list)  # each account's first ownership
    referrals: list[tuple[Account, Account]] = field(default_factory=list)  # (account, referrer)
    leads: list[LeadDraft] = field(default_factory=list)
    deals: list[DealDraft] = field(default_factory=list)


def lag(rng: random.Random, days: int) -> int:
    """A stage lag around the plan's, never shorter than a day."""
    return max(1, round(days * rng.uniform(0.5, 1.5)))


class SmbSeeder:
    """Builds and writes one year of the SMB line's process data."""

    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.line, version = line_and_plan("smb")
        self.plan: SmbPlan = smb_plan(version)
        self.rng = random.Random(SMB_SEED)
        self.reps = self._reps()
        self.year = Year()
        self.names: set[str] = set()
        self.won_accounts: list[Account] = []  # every customer won so far, in order
        # Wins still ahead of the lead being generated: (won on, sequence, rep, account).
        self._wins_ahead: list[tuple[date, int, int, Account]] = []
        self._next_day: dict[date, date] = {}
        self._activity_number = 0
        plan = self.plan
        self._sources = [(source, rate) for source, _share, rate in plan.sources]
        self._source_weights = list(accumulate(share for _s, share, _r in plan.sources))
        self._rep_weights = list(accumulate(rep.plan.customers + 1 for rep in self.reps))
        self._products = [(name, price) for name, price, _p in plan.products]
        self._product_weights = list(accumulate(p for _n, _pr, p in plan.products))
        self._lost_at = [stage for stage, _w in LOST_AT]
        self._lost_weights = list(accumulate(w for _s, w in LOST_AT))

    def _reps(self) -> list[Rep]:
        rng, plan = self.rng, self.plan
        fallback = RepPlan(
            calls_per_day=sum(r.calls_per_day for r in plan.reps.values()) / len(plan.reps),
            visits_per_day=sum(r.visits_per_day for r in plan.reps.values()) / len(plan.reps),
            multiplier=1.0,
            customers=1,
        )
        reps = []
        for team in TEAMS:
            for user in people(team, Role.REP):
                reps.append(
                    Rep(
                        user=user,
                        team=team,
                        plan=plan.reps.get(user.username, fallback),
                        effort=clipped_gauss(rng, 1.0, 0.12, 0.7, 1.3),
                        reach=plan.reach_rate
                        * clipped_gauss(rng, 1.0, 0.1, 0.75, 1.25)
                        * TEAM_REACH_FACTOR.get(team, 1.0),
                    )
                )
        return reps

    def run(self) -> None:
        """Build the year's funnel, check it, write it; then stream the activities."""
        # The year is ~100,000 live objects; the cycle collector would walk
        # them all again and again (a third of the run) to find no cycles.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._run()
        finally:
            if collecting:
                gc.enable()

    def _run(self) -> None:
        demo = self.demo
        # The funnel starts a lead-to-close lag before the year, as the plan
        # itself schedules leads ahead of its period: deals close from the
        # year's first week on, so the year's revenue is a full year's.
        warm_up = timedelta(days=self.plan.lead_to_close_days)
        for day in demo.working_days(demo.start - warm_up, demo.until):
            self._release_wins(day)
            for _ in range(poisson(self.rng, self.plan.leads_per_day)):
                self._lead(day)
        deals = write_year(self.year, line=self.line, end=demo.end)
        upserter = ActivityUpserter()
        for chunk in chunked(self._activities(deals), ACTIVITY_CHUNK):
            check_activities(chunk)
            upserter.add(chunk)
        upserter.finish()

    def _working_day_on_or_after(self, day: date) -> date:
        found = self._next_day.get(day)
        if found is None:
            found = self._next_day[day] = self.demo.working_day_on_or_after(day)
        return found

    def _release_wins(self, day: date) -> None:
        """Customers won before ``day`` may refer others and come back for more."""
        while self._wins_ahead and self._wins_ahead[0][0] < day:
            _won_on, _seq, rep_index, account = heapq.heappop(self._wins_ahead)
            self.won_accounts.append(account)
            self.reps[rep_index].customers.append(account)

    # -- funnel --------------------------------------------------------------------

    def _lead(self, day: date) -> None:
        rng, plan, demo = self.rng, self.plan, self.demo
        source, rate = rng.choices(self._sources, cum_weights=self._source_weights)[0]
        rep_index = rng.choices(range(len(self.reps)), cum_weights=self._rep_weights)[0]
        rep = self.reps[rep_index]
        account = None
        if source == LeadSource.PRIVATE_DOMAIN and rep.customers and rng.random() < 0.5:
            account = rng.choice(rep.customers)  # a customer back for more: an upsell lead
        name, industry = self._company(rep.team) if account is None else (account.name, "")
        qualified_on = self._working_day_on_or_after(
            day + timedelta(days=lag(rng, plan.lead_to_qualified_days))
        )
        qualifies = rng.random() < rate
        deal_on = self._working_day_on_or_after(
            qualified_on + timedelta(days=lag(rng, plan.qualified_to_deal_days))
        )
        converts = qualifies and rng.random() < plan.to_opportunity
        status = self._lead_status(day, qualifies, qualified_on, converts, deal_on)
        opened = demo.selling_moment(rng, deal_on) if status == LeadStatus.CONVERTED else None
        if opened is not None and account is None:
            account = self._account(rep, name, industry, source, opened)
        self.year.leads.append(
            LeadDraft(
                source=source,
                created_on=day,
                name=name,
                status=status,
                account=account,
                owner_id=rep.user.pk,
                qualified_on=qualified_on if qualifies and qualified_on <= demo.until else None,
            )
        )
        if opened is not None and account is not None:
            self._deal(rep_index, account, deal_on, opened)

    def _lead_status(
        self, day: date, qualifies: bool, qualified_on: date, converts: bool, deal_on: date
    ) -> str:
        """Where a lead stands on ``until``, given what will become of it."""
        until = self.demo.until
        # A lead nobody qualified (or converted) within twice the usual time is dropped.
        stale = day + timedelta(days=2 * self.plan.lead_to_qualified_days) < until
        if qualifies and qualified_on <= until:
            if converts and deal_on <= until:
                return LeadStatus.CONVERTED
            overdue = qualified_on + timedelta(days=2 * self.plan.qualified_to_deal_days) < until
            return LeadStatus.DISQUALIFIED if overdue and not converts else LeadStatus.QUALIFIED
        if qualifies or not stale:
            return LeadStatus.NEW if (until - day).days < 3 else LeadStatus.WORKING
        return LeadStatus.DISQUALIFIED

    def _company(self, team: str) -> tuple[str, str]:
        """A new small company of the team's region: its name and industry."""
        rng = self.rng
        cities = TEAMS[team][1]
        while True:
            trade, industry = rng.choice(TRADES)
            # Two characters from two brands (恒达 + 鑫源 → 恒源): a year of
            # leads needs more names than the brand list alone gives.
            brand = rng.choice(BRANDS)[0] + rng.choice(BRANDS)[1]
            name = f"{rng.choice(cities)}{brand}{trade}有限公司"
            if name not in self.names:
                self.names.add(name)
                return name, industry

    def _account(self, rep: Rep, name: str, industry: str, source: str, at: datetime) -> Account:
        """The account a converted lead becomes, owned by its rep from the deal's opening."""
        rng, year = self.rng, self.year
        referrer = None
        if source == LeadSource.REFERRAL and self.won_accounts:
            referrer = rng.choice(self.won_accounts)
        account = Account(
            line_id=self.line.pk,
            external_id=f"SMB-A-{len(year.accounts) + 1:05d}",
            name=name,
            industry=industry,
            region=TEAMS[rep.team][0],
            wallet_potential=money(rng.uniform(1.5, 5) * 10_000),
            owner_id=rep.user.pk,
        )
        year.accounts.append(account)
        year.opened_at.append(at)
        if referrer is not None:
            year.referrals.append((account, referrer))
        return account

    def _deal(self, rep_index: int, account: Account, opened_on: date, opened: datetime) -> None:
        rng, plan, demo, year = self.rng, self.plan, self.demo, self.year
        rep = self.reps[rep_index]
        name, price = rng.choices(self._products, cum_weights=self._product_weights)[0]
        # List price less the discount reps are allowed to give.
        amount = money(price * Decimal(str(rng.uniform(0.85, 1.0))))
        length = lag(rng, plan.deal_days)
        # The rep's expected close is the plan's lag; a stalled deal takes far longer.
        close_on = self._working_day_on_or_after(opened_on + timedelta(days=length))
        if rng.random() < STALLED_SHARE:
            length *= 4
        won = rng.random() < min(0.95, plan.to_won * rep.plan.multiplier)
        path: list[str] = [Stage.PROPOSAL, Stage.NEGOTIATION]
        if won:
            path.append(Stage.WON)
        else:
            lost_at = rng.choices(self._lost_at, cum_weights=self._lost_weights)[0]
            path = [*path[: [Stage.QUALIFIED, *path].index(lost_at)], Stage.LOST]
        moves: list[tuple[str, datetime]] = [(Stage.QUALIFIED, opened)]
        for stage in path:
            fraction = MOVE_AT.get(stage, 1.0)
            day = self._working_day_on_or_after(
                opened_on + timedelta(days=round(length * fraction))
            )
            moment = max(demo.selling_moment(rng, day), moves[-1][1] + timedelta(minutes=30))
            if moment > demo.end:
                break
            moves.append((stage, moment))
        deal = DealDraft(
            account=account,
            owner_id=rep.user.pk,
            name=f"{account.name} · {name}",
            product=name,
            amount=amount,
            close_on=close_on,
            moves=moves,
            touches=[],
        )
        year.deals.append(deal)
        for stage, moment in moves:
            kind = ActivityType.DEMO if stage == Stage.PROPOSAL else ActivityType.CALL
            deal.touches.append((kind, moment, rng.randint(*TOUCH_MINUTES[kind])))
        # The plan's visits are its visits per deal: at the plan's deal volume
        # they are its visits per rep and working day too, so reps make no others.
        if rng.random() < plan.visits_per_deal:
            visit_on = self._working_day_on_or_after(opened_on + timedelta(days=length // 2))
            visit = demo.selling_moment(rng, visit_on)
            if visit <= demo.end:
                kind = ActivityType.VISIT
                deal.touches.append((kind, visit, rng.randint(*TOUCH_MINUTES[kind])))
        if moves[-1][0] == Stage.WON:
            won_on = moves[-1][1].date()
            heapq.heappush(self._wins_ahead, (won_on, len(year.deals), rep_index, account))

    # -- activities ----------------------------------------------------------------

    def _external_id(self) -> str:
        self._activity_number += 1
        return f"{ACTIVITY_PREFIX}{self._activity_number:07d}"

    def _activities(self, deals: list[Opportunity]) -> Iterator[ActivityRow]:
        """The deals' touches, then every rep's calls of every working day of the year."""
        for draft, deal in zip(self.year.deals, deals, strict=True):
            for kind, at, minutes in draft.touches:
                yield (
                    self._external_id(),
                    str(kind),
                    deal.owner_id,
                    deal.account_id,
                    deal.pk,
                    at,
                    True,
                    minutes,
                )
        demo = self.demo
        for day in demo.working_days(demo.start, demo.until):
            midnight = demo.at(day, 0)
            for rep in self.reps:
                yield from self._rep_day(rep, midnight)

    def _rep_day(self, rep: Rep, midnight: datetime) -> Iterator[ActivityRow]:
        """A rep's prospecting calls of one day: the plan's rate, the rep's effort and reach."""
        rng = self.rng
        if rng.random() < ABSENCE_RATE:
            return
        mean = rep.plan.calls_per_day * rep.effort
        calls = max(0, round(rng.gauss(mean, mean * 0.12)))
        if rep.user.max_calls_per_day:
            calls = min(calls, rep.user.max_calls_per_day)
        (morning_start, _), (afternoon_start, _) = SELLING_MINUTES
        person, call = rep.user.pk, str(ActivityType.CALL)
        for offset in sorted(rng.randrange(SELLING_LENGTH) for _ in range(calls)):
            minute = (
                morning_start + offset if offset < MORNING else afternoon_start + offset - MORNING
            )
            reached = rng.random() < rep.reach
            # Reached calls are a few minutes of talk; the rest ring out.
            minutes = (
                min(60, max(1, round(rng.lognormvariate(LOG_FOUR, 0.7))))
                if reached
                else rng.choice((0, 0, 1))
            )
            yield (
                self._external_id(),
                call,
                person,
                None,
                None,
                midnight + MINUTE[minute],
                reached,
                minutes,
            )


def chunked(rows: Iterator[ActivityRow], size: int) -> Iterator[list[ActivityRow]]:
    """``rows`` in lists of ``size`` (the last one shorter)."""
    chunk: list[ActivityRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_year(year: Year, *, line: OrgUnit, end: datetime) -> list[Opportunity]:
    """Check and write the year's accounts, ownerships, leads, deals and stage histories.

    Each kind is built once the rows it points at have their ids and checked
    by the rules the services enforce before it is written; a breach is a
    bug in the generator and rolls the whole seeding back.
    """
    check_accounts(year, line=line, end=end)
    Account.objects.bulk_create(year.accounts)
    for account, referrer in year.referrals:
        account.referred_by_id = referrer.pk
    # A referrer was won before the account it refers was opened: no chain loops.
    Account.objects.bulk_update([account for account, _ in year.referrals], ["referred_by"])
    AccountOwnership.objects.bulk_create(
        AccountOwnership(
            account_id=account.pk,
            owner_id=account.owner_id,
            started_at=at,
            changed_by_id=account.owner_id,
        )
        for account, at in zip(year.accounts, year.opened_at, strict=True)
    )
    leads = [
        Lead(
            line_id=line.pk,
            external_id=f"SMB-L-{number:05d}",
            source=draft.source,
            status=draft.status,
            name=draft.name,
            account_id=draft.account.pk if draft.account is not None else None,
            owner_id=draft.owner_id,
            created_on=draft.created_on,
            qualified_on=draft.qualified_on,
        )
        for number, draft in enumerate(year.leads, start=1)
    ]
    check_leads(leads)
    Lead.objects.bulk_create(leads)
    deals = [
        Opportunity(
            line_id=line.pk,
            external_id=f"SMB-O-{number:05d}",
            account_id=draft.account.pk,
            name=draft.name,
            owner_id=draft.owner_id,
            stage=draft.moves[-1][0],
            amount=draft.amount,
            currency=DEFAULT_CURRENCY,
            expected_close=draft.close_on,
            # What the pipeline services leave: a won deal closed, a lost one
            # omitted, an open one in the pipeline.
            forecast_category=CATEGORY_ON_CLOSE.get(draft.moves[-1][0], ForecastCategory.PIPELINE),
            product_lines=draft.product,
        )
        for number, draft in enumerate(year.deals, start=1)
    ]
    check_deals(deals)
    Opportunity.objects.bulk_create(deals)
    changes = [
        OpportunityStageChange(
            opportunity_id=deal.pk,
            from_stage=from_stage,
            to_stage=to_stage,
            changed_at=at,
            changed_by_id=deal.owner_id,
        )
        for draft, deal in zip(year.deals, deals, strict=True)
        for (from_stage, _), (to_stage, at) in pairwise([("", None), *draft.moves])
    ]
    check_stage_changes(deals, changes, end=end)
    OpportunityStageChange.objects.bulk_create(changes)
    return deals


class SmbDataError(ValueError):
    """The generator built a row the services would refuse."""


def check_accounts(year: Year, *, line: OrgUnit, end: datetime) -> None:
    """One line, an owner each, an ownership that starts by ``end``, unique external ids."""
    if any(a.line_id != line.pk or not a.owner_id or not a.name for a in year.accounts):
        raise SmbDataError("an SMB account of another line, or without an owner or a name")
    if any(moment.tzinfo is None or moment > end for moment in year.opened_at):
        raise SmbDataError("an SMB account owned from a naive moment or after the end")
    if len({a.external_id for a in year.accounts}) != len(year.accounts):
        raise SmbDataError("a repeated SMB account external id")


def check_leads(leads: list[Lead]) -> None:
    """Known sources and statuses, qualified after created, a converted lead has its account."""
    if {lead.source for lead in leads} - set(LeadSource.values):
        raise SmbDataError("an unknown SMB lead source")
    if {lead.status for lead in leads} - set(LeadStatus.values):
        raise SmbDataError("an unknown SMB lead status")
    for lead in leads:
        if (lead.qualified_on is not None and lead.qualified_on < lead.created_on) or (
            lead.status == LeadStatus.CONVERTED and lead.account_id is None
        ):
            raise SmbDataError(f"SMB lead {lead.external_id} breaks a rule")


def check_deals(deals: list[Opportunity]) -> None:
    """Known stages, an account, an amount of at least zero in whole cents."""
    if {deal.stage for deal in deals} - set(Stage.values):
        raise SmbDataError("an unknown SMB deal stage")
    for deal in deals:
        if deal.account_id is None or deal.amount < 0 or deal.amount != round(deal.amount, 2):
            raise SmbDataError(f"SMB deal {deal.external_id} breaks a rule")


def check_stage_changes(
    deals: list[Opportunity], changes: list[OpportunityStageChange], *, end: datetime
) -> None:
    """Each trail starts from no stage, chains, keeps time, ends at the deal's stage by ``end``."""
    trails: dict[int, list[OpportunityStageChange]] = {}
    for change in changes:
        trails.setdefault(change.opportunity_id, []).append(change)
    for deal in deals:
        trail = trails.get(deal.pk, [])
        if (
            not trail
            or trail[0].from_stage != ""
            or any(
                a.to_stage != b.from_stage or a.changed_at > b.changed_at
                for a, b in pairwise(trail)
            )
            or any(c.from_stage == c.to_stage or c.changed_at > end for c in trail)
            or trail[-1].to_stage != deal.stage
            or deal.forecast_category
            != CATEGORY_ON_CLOSE.get(deal.stage, ForecastCategory.PIPELINE)
        ):
            raise SmbDataError(f"the stage history of SMB deal {deal.external_id}")


def check_activities(rows: list[ActivityRow]) -> None:
    """Hold activity rows to ``activities_bulk_create``'s rules."""
    types = set(ActivityType.values)
    for external_id, kind, person, account, deal, at, _reached, minutes in rows:
        if (
            kind not in types
            or not person
            or at.tzinfo is None
            or not 0 <= minutes <= MINUTES_PER_DAY
            or (deal is not None and account is None)
            or not external_id.startswith(ACTIVITY_PREFIX)
        ):
            raise SmbDataError(f"SMB demo activity {external_id} breaks a rule")


def seed_smb(*, demo: Demo) -> OrgUnit:
    """Seed the SMB line's year of leads, deals, calls and visits; return the line."""
    seeder = SmbSeeder(demo)
    seeder.run()
    return seeder.line
