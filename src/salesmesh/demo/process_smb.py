"""SMB demo process data (probability paradigm): leads by source, deals, calls and visits.

Ratios come from the line's approved plan: the lead sources' shares and
conversions, the stage conversions and lags, the product mix behind the deal
value, each rep's calls and visits per working day and the reach rate.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from salesmesh.accounts.models import Account
from salesmesh.accounts.services import account_create
from salesmesh.activities.models import ActivityType
from salesmesh.demo.process_base import (
    Demo,
    clipped_gauss,
    line_and_plan,
    money,
    people,
    poisson,
    weighted,
)
from salesmesh.demo.process_catalog import BRANDS, TEAMS, TRADES
from salesmesh.demo.process_smb_plan import RepPlan, smb_plan
from salesmesh.org.models import OrgUnit, Role, User
from salesmesh.pipeline.models import LeadSource, LeadStatus, Opportunity, Stage
from salesmesh.pipeline.services import lead_create, opportunity_create, opportunity_stage_change

SMB_SEED = 20260201
# The approved plan needs about 9,000 leads and 1,100 deals a quarter. Through
# the services (validation, stage history) a lead costs ~3 ms and a deal with
# its account ~25 ms on SQLite, so the demo records one in FUNNEL_SAMPLE of
# them (~750 leads, ~90 deals a year): the ratios, lags and deal values are the
# plan's, the volume a sample. Revenue therefore reads at about 1/FUNNEL_SAMPLE
# of the plan's; the behaviour and conversion indicators read near it.
FUNNEL_SAMPLE = 50
# Calls and visits are logged at the plan's full rate per rep and working day
# (the behaviour the mesh compares with the plan), for the last
# CALL_WINDOW_WEEKS only: a year of calls is ~200,000 rows (~20 s to write);
# eight weeks are ~35,000 (~3 s). With them the whole seed takes ~10 s of CPU
# on SQLite, inside `make demo`'s budget of ~15 s.
CALL_WINDOW_WEEKS = 8
# One team reaches far fewer of the people it dials than the plan assumes: the
# bottleneck the mesh should find. Everyone else varies around the plan.
TEAM_REACH_FACTOR = {"smb-north": 0.7}
ABSENCE_RATE = 0.03  # a rep's day off sick or on training: no calls that day
# Where an open deal stalls when it is lost, from the first deal stage on.
LOST_AT = ((Stage.QUALIFIED, 0.4), (Stage.PROPOSAL, 0.35), (Stage.NEGOTIATION, 0.25))
STALLED_SHARE = 0.15  # deals that drag on well past the close date the rep expected
# When each move happens, as a fraction of the deal's length from opening to close.
MOVE_AT: dict[str, float] = {Stage.PROPOSAL: 0.3, Stage.NEGOTIATION: 0.65}


@dataclass
class Rep:
    """A rep as the generator sees them: team, plan, and how they do against it."""

    user: User
    team: str
    plan: RepPlan
    effort: float  # calls and visits against the plan: some ahead, some behind
    reach: float  # the share of dialled people actually reached
    accounts: list[tuple[date, int]]  # (since, account id) of the rep's customers


def lag(rng: random.Random, days: int) -> int:
    """A stage lag around the plan's, never shorter than a day."""
    return max(1, round(days * rng.uniform(0.5, 1.5)))


class SmbSeeder:
    """Writes one year of the SMB line's process data."""

    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.line, version = line_and_plan("smb")
        self.plan = smb_plan(version)
        self.rng = random.Random(SMB_SEED)
        self.reps = self._reps()
        self.names: set[str] = set()
        self.won_accounts: list[int] = []
        self.numbers = {"account": 0, "lead": 0, "deal": 0}

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
                        accounts=[],
                    )
                )
        return reps

    def run(self) -> None:
        """Leads and deals over the year, then the daily calls and visits of the last weeks."""
        demo = self.demo
        for day in demo.working_days(demo.start, demo.until):
            for _ in range(poisson(self.rng, self.plan.leads_per_day / FUNNEL_SAMPLE)):
                self._lead(day)
        window_start = max(demo.start, demo.until - timedelta(weeks=CALL_WINDOW_WEEKS, days=-1))
        for day in demo.working_days(window_start, demo.until):
            for rep in self.reps:
                self._rep_day(rep, day)

    # -- funnel --------------------------------------------------------------------

    def _lead(self, day: date) -> None:
        rng, plan, demo = self.rng, self.plan, self.demo
        self.numbers["lead"] += 1
        source, rate = weighted(rng, [((s, r), share) for s, share, r in plan.sources])
        rep = weighted(rng, [(rep, rep.plan.customers + 1) for rep in self.reps])
        existing = [pk for since, pk in rep.accounts if since < day]
        account_id = None
        if source == LeadSource.PRIVATE_DOMAIN and existing and rng.random() < 0.5:
            account_id = rng.choice(existing)  # a customer back for more: an upsell lead
        name, industry = self._company(rep.team) if account_id is None else ("", "")
        qualified_on = demo.working_day_on_or_after(
            day + timedelta(days=lag(rng, plan.lead_to_qualified_days))
        )
        qualifies = rng.random() < rate
        deal_on = demo.working_day_on_or_after(
            qualified_on + timedelta(days=lag(rng, plan.qualified_to_deal_days))
        )
        converts = qualifies and rng.random() < plan.to_opportunity
        status = self._lead_status(day, qualifies, qualified_on, converts, deal_on)
        qualified_on_or_none = qualified_on if qualifies and qualified_on <= demo.until else None
        account = None
        if status == LeadStatus.CONVERTED:
            account = (
                Account.objects.get(pk=account_id)
                if account_id is not None
                else self._account(rep, name, industry, source, day)
            )
        elif account_id is not None:
            account = Account.objects.get(pk=account_id)
        lead_create(
            line=self.line,
            source=source,
            created_on=day,
            name=name or (account.name if account else ""),
            external_id=f"SMB-L-{self.numbers['lead']:05d}",
            status=status,
            account=account,
            owner=rep.user,
            qualified_on=qualified_on_or_none,
        )
        if status == LeadStatus.CONVERTED and account is not None:
            self._deal(rep, account, deal_on)

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
            name = f"{rng.choice(cities)}{rng.choice(BRANDS)}{trade}有限公司"
            if name not in self.names:
                self.names.add(name)
                return name, industry

    def _account(self, rep: Rep, name: str, industry: str, source: str, day: date) -> Account:
        rng, demo = self.rng, self.demo
        self.numbers["account"] += 1
        referrer = None
        if source == LeadSource.REFERRAL and self.won_accounts:
            referrer = Account.objects.get(pk=rng.choice(self.won_accounts))
        account = account_create(
            line=self.line,
            name=name,
            owner=rep.user,
            by=rep.user,
            at=demo.selling_moment(rng, day),
            external_id=f"SMB-A-{self.numbers['account']:05d}",
            industry=industry,
            region=TEAMS[rep.team][0],
            wallet_potential=money(rng.uniform(1.5, 5) * 10_000),
            referred_by=referrer,
        )
        rep.accounts.append((day, account.pk))
        return account

    def _deal(self, rep: Rep, account: Account, opened_on: date) -> None:
        rng, plan, demo = self.rng, self.plan, self.demo
        self.numbers["deal"] += 1
        name, price = weighted(rng, [((n, p), prob) for n, p, prob in plan.products])
        # List price less the discount reps are allowed to give.
        amount = money(price * Decimal(str(rng.uniform(0.85, 1.0))))
        length = lag(rng, plan.deal_days)
        # The rep's expected close is the plan's lag; a stalled deal takes far longer.
        close_on = demo.working_day_on_or_after(opened_on + timedelta(days=length))
        if rng.random() < STALLED_SHARE:
            length *= 4
        won = rng.random() < min(0.95, plan.to_won * rep.plan.multiplier)
        path: list[str] = [Stage.PROPOSAL, Stage.NEGOTIATION]
        if won:
            path.append(Stage.WON)
        else:
            lost_at = weighted(rng, list(LOST_AT))
            path = [*path[: [Stage.QUALIFIED, *path].index(lost_at)], Stage.LOST]
        opened = demo.selling_moment(rng, opened_on)
        moves: list[tuple[str, datetime]] = []
        previous = opened
        for stage in path:
            fraction = MOVE_AT.get(stage, 1.0)
            day = demo.working_day_on_or_after(opened_on + timedelta(days=round(length * fraction)))
            moment = max(demo.selling_moment(rng, day), previous + timedelta(minutes=30))
            if moment > demo.end:
                break
            moves.append((stage, moment))
            previous = moment
        deal = opportunity_create(
            line=self.line,
            account=account,
            name=f"{account.name} · {name}",
            owner=rep.user,
            by=rep.user,
            at=opened,
            stage=Stage.QUALIFIED,
            amount=amount,
            expected_close=close_on,
            product_lines=name,
            external_id=f"SMB-O-{self.numbers['deal']:05d}",
        )
        self._deal_activity(rep, deal, ActivityType.CALL, opened)
        for stage, moment in moves:
            deal = opportunity_stage_change(opportunity=deal, stage=stage, by=rep.user, at=moment)
            kind = ActivityType.DEMO if stage == Stage.PROPOSAL else ActivityType.CALL
            self._deal_activity(rep, deal, kind, moment)
        if rng.random() < plan.visits_per_deal:
            visit_on = demo.working_day_on_or_after(opened_on + timedelta(days=length // 2))
            visit = demo.selling_moment(rng, visit_on)
            if visit <= demo.end:
                self._deal_activity(rep, deal, ActivityType.VISIT, visit)
        if deal.stage == Stage.WON:
            self.won_accounts.append(account.pk)

    def _deal_activity(self, rep: Rep, deal: Opportunity, kind: str, at: datetime) -> None:
        durations: dict[str, tuple[int, int]] = {
            ActivityType.CALL: (5, 25),
            ActivityType.DEMO: (30, 60),
        }
        minutes = durations.get(kind, (40, 90))
        self.demo.log.add(
            person_id=rep.user.pk,
            type=kind,
            occurred_at=at,
            reached=True,
            minutes=self.rng.randint(*minutes),
            account_id=deal.account_id,
            opportunity_id=deal.pk,
        )

    # -- daily behaviour -----------------------------------------------------------

    def _rep_day(self, rep: Rep, day: date) -> None:
        rng, demo = self.rng, self.demo
        if rng.random() < ABSENCE_RATE:
            return
        mean = rep.plan.calls_per_day * rep.effort
        calls = max(0, round(rng.gauss(mean, mean * 0.12)))
        if rep.user.max_calls_per_day:
            calls = min(calls, rep.user.max_calls_per_day)
        for moment in sorted(demo.selling_moment(rng, day) for _ in range(calls)):
            reached = rng.random() < rep.reach
            demo.log.add(
                person_id=rep.user.pk,
                type=ActivityType.CALL,
                occurred_at=moment,
                reached=reached,
                # Reached calls are a few minutes of talk; the rest ring out.
                minutes=min(60, max(1, round(rng.lognormvariate(math.log(4), 0.7))))
                if reached
                else rng.choice((0, 0, 1)),
            )
        existing = [pk for since, pk in rep.accounts if since < day]
        for _ in range(poisson(rng, rep.plan.visits_per_day * rep.effort)):
            demo.log.add(
                person_id=rep.user.pk,
                type=ActivityType.VISIT,
                occurred_at=demo.selling_moment(rng, day),
                reached=True,
                minutes=rng.randint(30, 90),
                account_id=rng.choice(existing) if existing else None,
            )


def seed_smb(*, demo: Demo) -> OrgUnit:
    """Seed the SMB line's year of leads, deals, calls and visits; return the line."""
    seeder = SmbSeeder(demo)
    seeder.run()
    return seeder.line
