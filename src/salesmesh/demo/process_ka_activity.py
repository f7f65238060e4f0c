"""The key-account teams' year of activities: SDR touches, BD visits and customer events.

Cadences come from the approved plan (each tier's touch and visit cadence,
the SDR of each account, the BD visit list); each SDR keeps them more or
less diligently, and a handful of accounts slip.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from salesmesh.activities.models import ActivityType
from salesmesh.demo.process_base import weighted

if TYPE_CHECKING:
    from salesmesh.demo.process_ka import KaSeeder, Named

# An SDR touch is a WeCom exchange or a short run of calls until someone answers
# (the planning module counts about three dials per touch).
WECOM_SHARE = 0.35
WECOM_REPLY = 0.75
CALL_REACH = 0.4
MAX_ATTEMPTS = 3
EVENT_WEEKS = (6, 19, 32, 45)  # a customer salon each quarter
SIGNED_REVIEW_WEEKS = 13  # signed accounts not on the visit plan: a quarterly review


class KaActivities:
    """Logs the touches, visits and events of one seeding run's named accounts."""

    def __init__(self, seeder: KaSeeder) -> None:
        self.seeder = seeder
        self.demo = seeder.demo
        self.rng = seeder.rng
        self.named = seeder.named
        self.tiers = seeder.tiers
        self.bds = seeder.bds

    def run(self) -> None:
        """Touches, then visits, then events (a fixed order: the RNG draws depend on it)."""
        self._touches()
        self._visits()
        self._events()

    def _week_days(self, week: int) -> list[date]:
        monday = self.demo.start + timedelta(weeks=week)
        return self.demo.working_days(monday, monday + timedelta(days=6))

    def _deal_at(self, named: Named, moment: datetime) -> int | None:
        """The account's deal open at ``moment``, if any: activities then are about it."""
        for deal in named.deals:
            if deal.opened <= moment <= deal.closed:
                return int(deal.opportunity.pk)
        return None

    def _touches(self) -> None:
        rng, demo = self.rng, self.demo
        for week in range(52):
            days = self._week_days(week)
            if not days:
                continue
            for named in self.named:
                cadence = self.tiers[named.spec["tier"]]["touch_cadence"]
                every, times = int(cadence["every_weeks"]), int(cadence["times"])
                offset = int(self.seeder.touch_plan.get(named.spec["id"], {}).get("first_week", 0))
                if week < named.touches_from_week or (week - offset) % every:
                    continue
                for _ in range(times):
                    day = rng.choice(days)
                    if day > demo.until or (named.touches_until and day > named.touches_until):
                        continue
                    if rng.random() < self.seeder.skip[named.sdr.pk]:
                        continue
                    self._touch(named, day)

    def _touch(self, named: Named, day: date) -> None:
        rng, log = self.rng, self.demo.log
        moment = self.demo.selling_moment(rng, day)
        common = {"person_id": named.sdr.pk, "account_id": named.account.pk}
        if rng.random() < WECOM_SHARE:
            reached = rng.random() < WECOM_REPLY
            log.add(
                type=ActivityType.WECOM,
                occurred_at=moment,
                reached=reached,
                minutes=rng.randint(3, 10),
                opportunity_id=self._deal_at(named, moment),
                **common,
            )
            return
        for attempt in range(MAX_ATTEMPTS):
            reached = rng.random() < CALL_REACH
            log.add(
                type=ActivityType.CALL,
                occurred_at=moment + timedelta(minutes=47 * attempt),
                reached=reached,
                minutes=rng.randint(5, 20) if reached else rng.choice((0, 1)),
                opportunity_id=self._deal_at(named, moment),
                **common,
            )
            if reached:
                return

    def _visits(self) -> None:
        """BD visits at the plan's cadence; signed accounts get a quarterly account review."""
        rng, demo = self.rng, self.demo
        for week in range(52):
            days = self._week_days(week)
            if not days:
                continue
            for named in self.named:
                planned = self.seeder.visit_plan.get(named.spec["id"])
                if planned is not None:
                    every = int(planned["cadence"]["every_weeks"])
                    offset = int(planned.get("first_week", 0))
                elif named.owners[0][1] not in self.bds and named.owners[-1][1] in self.bds:
                    # Engaged during the year: visited at the tier's cadence since.
                    every = int(self.tiers[named.spec["tier"]]["visit_cadence"]["every_weeks"])
                    offset = 0
                elif named.spec["stage"] == "signed":
                    every, offset = SIGNED_REVIEW_WEEKS, 3
                else:
                    continue
                if (week - offset) % every:
                    continue
                day = rng.choice(days)
                owner = self.seeder.owner_on(named, day)
                if day > demo.until or owner not in self.bds:
                    continue  # not yet engaged: the SDR still looks after it
                moment = demo.selling_moment(rng, day)
                demo.log.add(
                    person_id=owner.pk,
                    type=weighted(rng, [(ActivityType.VISIT, 0.7), (ActivityType.MEETING, 0.3)]),
                    occurred_at=moment,
                    reached=True,
                    minutes=rng.randint(60, 150),
                    account_id=named.account.pk,
                    opportunity_id=self._deal_at(named, moment),
                )

    def _events(self) -> None:
        rng, demo = self.rng, self.demo
        recent = demo.until - timedelta(days=90)
        for week in EVENT_WEEKS:
            days = self._week_days(week)
            if not days or days[-1] > demo.until:
                continue
            day = days[-1]
            # The accounts the SDRs let slip missed the recent salons too.
            guests = [n for n in self.named if not (n.touches_until and day >= recent)]
            for named in rng.sample(guests, k=min(len(guests), rng.randint(8, 14))):
                demo.log.add(
                    person_id=named.sdr.pk,
                    type=ActivityType.EVENT,
                    occurred_at=demo.at(day, 14 * 60),
                    reached=True,
                    minutes=rng.randint(120, 180),
                    account_id=named.account.pk,
                )
