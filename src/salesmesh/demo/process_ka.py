"""Key-account demo process data (behaviour paradigm): the named list and three teams' work.

The named accounts, their tiers, owners and stages, the SDR who touches each
one, the BD visit list, every cadence, the stage conversions, the revenue per
signed account and the sales cycle come from the line's approved plan. As in
the plan (docs/plan-file.md), an SDR owns an account until it engages, then a
BD does; an account that engages during the year changes hands then.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from salesmesh.accounts.models import Account, Attitude
from salesmesh.accounts.services import account_create, account_owner_change, contact_create
from salesmesh.activities.services import solution_request_create
from salesmesh.demo.names import GIVEN_NAMES, SURNAMES
from salesmesh.demo.process_base import Demo, line_and_plan, money, people, plan_decimal, weighted
from salesmesh.demo.process_catalog import BUYERS, INDUSTRIES, PRODUCTS
from salesmesh.demo.process_ka_activity import KaActivities
from salesmesh.org.models import Role, User
from salesmesh.pipeline.models import Opportunity, Stage
from salesmesh.pipeline.services import opportunity_create, opportunity_stage_change

KA_SEED = 20260202
# Referral chains on the named list, {referred: referrer}; every referrer comes
# earlier in the plan's list, so it exists when the account it referred is
# created. A001 → A006 → B010 and B001 → C005 → C015 are three long.
REFERRALS = {
    "A006": "A001",
    "B010": "A006",
    "B005": "A002",
    "C005": "B001",
    "C015": "C005",
    "C020": "C001",
}
# Accounts whose first owner was not the plan's: an SDR who handed the account
# to its BD once it engaged, or a BD who passed it on when territories changed.
SDR_HANDOVERS = ("A004", "A006", "B009", "C010")
BD_HANDOVERS = ("B004", "C008")
# The handful of accounts the SDRs let slip: last touched 35-60 days ago, and
# two not since more than 90 days ago (so named coverage is short of 100%).
SLIPPED = {
    "B022": (35, 60),
    "C030": (35, 60),
    "C034": (35, 60),
    "C026": (95, 130),
    "C031": (95, 130),
}
CONTACTS_BY_TIER = {"A": (4, 6), "B": (3, 4), "C": (2, 3)}
DEFAULT_SALES_CYCLE_DAYS = 120  # when the plan's advisor section gives none
EXPANSION_SHARE = 0.5  # signed accounts that buy again within the year
EXPANSION_CYCLE_DAYS = 90
STALLED_SHARE = 0.25
FIRST_REVIEW_PASS = 0.7
OVERDUE_REQUESTS = ("B008", "C011", "A007")  # asked for a solution days ago, no answer yet


@dataclass
class Deal:
    """A deal of a named account: the opportunity, when it was open, and its moves."""

    opportunity: Opportunity
    opened: datetime
    closed: datetime  # the close, or the end of ``until`` while it is open
    moves: dict[str, datetime] = field(default_factory=dict)

    @property
    def stage(self) -> str:
        """The deal's current stage."""
        return str(self.opportunity.stage)


@dataclass
class Named:
    """One named account of the plan and what the generator decided for it."""

    spec: dict[str, Any]
    account: Account
    sdr: User
    deals: list[Deal] = field(default_factory=list)
    owners: list[tuple[date, User]] = field(default_factory=list)  # (since, owner), in order
    touches_from_week: int = 0
    touches_until: date | None = None


class KaSeeder:
    """Writes one year of the key-account line's process data."""

    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.line, version = line_and_plan("ka")
        self.rng = random.Random(KA_SEED)
        body = version.assumptions["behaviour"]
        advisor = version.assumptions.get("advisor") or {}
        self.cycle = int(advisor.get("sales_cycle_days") or DEFAULT_SALES_CYCLE_DAYS)
        plan = version.result["data"]["plan"]
        self.accounts: list[dict[str, Any]] = body["accounts"]
        self.tiers = {tier["tier"]: tier for tier in plan["tiers"]}
        self.touch_plan = {touch["account_id"]: touch for touch in plan["touches"]}
        self.visit_plan = {visit["account_id"]: visit for visit in plan["visits"]}
        team = people("ka-sdr", Role.SDR) + people("ka-bd", Role.BD)
        self.users = {user.username: user for user in team}
        self.bds = people("ka-bd", Role.BD)
        self.presales = people("ka-presales", Role.PRESALES)
        self.manager = people("ka", Role.MANAGER)[0]
        self.sdrs = people("ka-sdr", Role.SDR)
        # How diligently each SDR keeps the cadence: most miss a touch now and then.
        self.skip = {u.pk: min(0.3, max(0.0, self.rng.gauss(0.08, 0.06))) for u in self.sdrs}
        self.named: list[Named] = []
        self.deals = 0
        self.engaged = 0

    def run(self) -> None:
        """Accounts and contacts, deals and solutions, then a year of touches and visits."""
        for spec in self.accounts:
            self._account(spec)
        for named in self.named:
            self._deal(named)
        self._solution_requests()
        KaActivities(self).run()

    # -- accounts ------------------------------------------------------------------

    def _account(self, spec: dict[str, Any]) -> None:
        rng, demo = self.rng, self.demo
        owner = self.users[spec["owner"]]
        sdr = self.users.get(self.touch_plan.get(spec["id"], {}).get("member_id", ""), self.sdrs[0])
        first_owner = owner
        if spec["id"] in SDR_HANDOVERS:
            first_owner = sdr
        elif spec["id"] in BD_HANDOVERS:
            first_owner = self.bds[(self.bds.index(owner) + 1) % len(self.bds)]
        referrer = next(
            (n.account for n in self.named if n.spec["id"] == REFERRALS.get(spec["id"])), None
        )
        account = account_create(
            line=self.line,
            name=spec["name"],
            owner=first_owner,
            by=self.manager,
            at=demo.at(demo.start, 9 * 60),
            # The plan's id: the plan and the records name the same account.
            external_id=spec["id"],
            is_named=True,
            tier=spec["tier"],
            wallet_potential=plan_decimal(spec.get("wallet_potential", 0)),
            industry=next((label for word, label in INDUSTRIES if word in spec["name"]), "制造业"),
            region=spec.get("region", ""),
            referred_by=referrer,
        )
        named = Named(spec=spec, account=account, sdr=sdr, owners=[(demo.start, first_owner)])
        if first_owner != owner:
            self._hand_over(named, owner, demo.start + timedelta(days=rng.randint(20, 80)))
        if spec["stage"] == "untouched":
            # Untouched when the plan was made: onto an SDR's cadence some weeks in.
            named.touches_from_week = rng.randint(2, 20)
        if spec["id"] in SLIPPED:
            low, high = SLIPPED[spec["id"]]
            named.touches_until = demo.until - timedelta(days=rng.randint(low, high))
        self._contacts(named)
        self.named.append(named)

    def _contacts(self, named: Named) -> None:
        rng = self.rng
        low, high = CONTACTS_BY_TIER.get(named.spec["tier"], (2, 3))
        stage = named.spec["stage"]
        for title, role, (least, most) in BUYERS[: rng.randint(low, high)]:
            surname, _ = rng.choice(SURNAMES)
            given, _ = rng.choice(GIVEN_NAMES)
            if stage == "signed":
                attitude = weighted(rng, [(Attitude.SUPPORTER, 0.7), (Attitude.NEUTRAL, 0.3)])
            elif stage == "untouched":
                attitude = Attitude.NEUTRAL
            else:
                attitude = weighted(
                    rng,
                    [
                        (Attitude.SUPPORTER, 0.4),
                        (Attitude.NEUTRAL, 0.45),
                        (Attitude.OPPONENT, 0.15),
                    ],
                )
            contact_create(
                account=named.account,
                name=surname + given,
                title=title,
                buying_role=role,
                influence=rng.randint(least, most),
                attitude=attitude,
            )

    # -- deals ---------------------------------------------------------------------

    def _deal(self, named: Named) -> None:
        rng, demo = self.rng, self.demo
        stage = named.spec["stage"]
        conversions = self.tiers[named.spec["tier"]]["conversions"]
        to_signed = float(conversions["vql_to_signed"])
        if stage == "signed":
            # Signed early in the year: the plan counts them as already signed.
            opened_on, cycle, wins = demo.start + timedelta(days=rng.randint(0, 20)), 100, True
        elif stage == "vql":
            opened_on = demo.start + timedelta(days=rng.randint(10, 120))
            cycle, wins = self.cycle, rng.random() < to_signed
        elif stage == "engaged" and rng.random() < float(conversions["engaged_to_vql"]):
            opened_on = demo.start + timedelta(days=rng.randint(60, 240))
            cycle, wins = self.cycle, rng.random() < to_signed
        elif stage == "touched" and rng.random() < float(conversions["touched_to_engaged"]) * float(
            conversions["engaged_to_vql"]
        ):
            # It engages, and the SDR hands it to a BD (the BDs take them in turn).
            self.engaged += 1
            bd = self.bds[self.engaged % len(self.bds)]
            self._hand_over(named, bd, demo.start + timedelta(days=rng.randint(60, 200)))
            opened_on = demo.start + timedelta(days=rng.randint(90, 260))
            cycle, wins = self.cycle, rng.random() < to_signed
        else:
            return
        revenue = plan_decimal(self.tiers[named.spec["tier"]]["revenue_per_signed"])
        amount = money(revenue * Decimal(str(rng.uniform(0.8, 1.25))), step=10_000)
        deal = self._open_deal(named, opened_on, cycle, wins, amount)
        if deal is not None and deal.stage == Stage.WON and rng.random() < EXPANSION_SHARE:
            # Penetration: the signed account buys for another team or site.
            won_on = deal.moves[Stage.WON].date()
            expansion = money(amount * Decimal(str(rng.uniform(0.3, 0.6))), step=10_000)
            opened_on = won_on + timedelta(days=rng.randint(45, 150))
            self._open_deal(named, opened_on, EXPANSION_CYCLE_DAYS, rng.random() < 0.6, expansion)

    def _open_deal(
        self, named: Named, opened_on: date, cycle: int, wins: bool, amount: Decimal
    ) -> Deal | None:
        """Open a deal and move it along as far as ``until``; None if it opens after it."""
        rng, demo = self.rng, self.demo
        # A deal is opened by the account's BD, a week or more after they took it over.
        opened_on = max(opened_on, named.owners[-1][0] + timedelta(days=7))
        opened_on = demo.working_day_on_or_after(opened_on)
        if opened_on > demo.until:
            return None
        length = round(cycle * rng.uniform(0.7, 1.3))
        # The BD expects the usual cycle; procurement stalls some deals well past it.
        close_on = demo.working_day_on_or_after(opened_on + timedelta(days=length))
        if rng.random() < STALLED_SHARE:
            length = round(length * 1.6)
        self.deals += 1
        product = rng.choice(PRODUCTS)
        owner = named.account.owner
        opened = demo.selling_moment(rng, opened_on)
        opportunity = opportunity_create(
            line=self.line,
            account=named.account,
            name=f"{named.account.name} · {product}",
            owner=owner,
            by=owner,
            at=opened,
            stage=Stage.QUALIFIED,
            amount=amount,
            expected_close=close_on,
            product_lines=product,
            external_id=f"KA-O-{self.deals:04d}",
        )
        path = [(Stage.PROPOSAL, 0.3), (Stage.NEGOTIATION, 0.65)]
        path.append((Stage.WON, 1.0) if wins else (Stage.LOST, 1.0))
        if not wins and rng.random() < 0.5:
            path = [path[0], (Stage.LOST, 0.8)]  # turned down at the proposal
        deal = Deal(opportunity, opened, demo.end)
        previous = opened
        for stage, fraction in path:
            day = demo.working_day_on_or_after(opened_on + timedelta(days=round(length * fraction)))
            moment = max(demo.selling_moment(rng, day), previous + timedelta(hours=1))
            if moment > demo.end:
                break
            deal.opportunity = opportunity_stage_change(
                opportunity=deal.opportunity, stage=stage, by=owner, at=moment
            )
            deal.moves[stage] = moment
            previous = moment
            if stage in (Stage.WON, Stage.LOST):
                deal.closed = moment
        named.deals.append(deal)
        return deal

    def _hand_over(self, named: Named, owner: User, day: date) -> None:
        """Give the account to ``owner`` on ``day`` (a working day on or after it)."""
        since = self.demo.working_day_on_or_after(day)
        account_owner_change(
            account=named.account, owner=owner, by=self.manager, at=self.demo.at(since, 10 * 60)
        )
        named.owners.append((since, owner))

    def owner_on(self, named: Named, day: date) -> User:
        """Who owned the account on ``day``."""
        return [owner for since, owner in named.owners if since <= day][-1]

    def _solution_requests(self) -> None:
        """One solution per VQL (the plan's ratio), by presales in turn; a few unanswered."""
        rng, demo = self.rng, self.demo
        turn = 0
        for named in self.named:
            for deal in named.deals:
                if self._solution_request(named, deal, self.presales[turn % len(self.presales)]):
                    turn += 1
        for plan_id in OVERDUE_REQUESTS:
            named = next(n for n in self.named if n.spec["id"] == plan_id)
            days_ago = rng.randint(4, 9)
            solution_request_create(
                account=named.account,
                presales_owner=self.presales[turn % len(self.presales)],
                requested_at=demo.selling_moment(rng, demo.until - timedelta(days=days_ago)),
            )
            turn += 1

    def _solution_request(self, named: Named, deal: Deal, presales: User) -> bool:
        """The deal's solution, asked for ahead of the proposal; False if asked after ``until``."""
        rng, demo = self.rng, self.demo
        proposal = deal.moves.get(Stage.PROPOSAL, deal.opened + timedelta(days=20))
        requested = max(
            proposal - timedelta(days=rng.uniform(8, 15)), deal.opened + timedelta(hours=2)
        )
        if requested > demo.end:
            return False
        steps = [requested]
        for low, high in ((0.2, 3.0), (4.0, 12.0), (2.0, 7.0)):
            steps.append(steps[-1] + timedelta(days=rng.uniform(low, high)))
        passed = rng.random() < FIRST_REVIEW_PASS
        # A solution that failed its first review is reworked before it completes.
        steps.append(
            steps[-1] + timedelta(days=rng.uniform(1, 4) if passed else rng.uniform(8, 20))
        )
        # Steps still ahead on ``until`` are not recorded yet.
        known = [moment if moment <= demo.end else None for moment in steps]
        solution_request_create(
            account=named.account,
            opportunity=deal.opportunity,
            presales_owner=presales,
            requested_at=requested,
            responded_at=known[1],
            submitted_at=known[2],
            reviewed_at=known[3],
            passed_first_review=passed if known[3] is not None else None,
            completed_at=known[4],
        )
        return True


def seed_ka(*, demo: Demo) -> None:
    """Seed the key-account line's named list, deals, solutions, touches and visits."""
    KaSeeder(demo).run()
