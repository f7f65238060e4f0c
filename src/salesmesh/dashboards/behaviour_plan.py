"""What the behaviour dashboard reads from a line's approved plan, without re-running it.

An approved ``PlanVersion`` stores its document (``assumptions``) and the planner's result
(``result["data"]["plan"]``, core.behaviour's ``BehaviourPlan`` as JSON). The dashboard
needs only a few facts from them: each named account's stage when the plan was made, the
SDR the plan gives each account to, and each member's planned touches (SDR), visits (BD)
and the team's solutions (presales) per plan week. Reading the stored result keeps the
page to one query for the plan, and the figures are the ones the plan page shows.

The stored JSON is data someone approved, not code: anything missing or malformed is
skipped rather than trusted, so an old or hand-edited version degrades to "no plan
figures" instead of an error page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from salesmesh.core.behaviour import Stage
from salesmesh.planning.models import PlanVersion


@dataclass(frozen=True)
class PlanWeekSpan:
    """One plan week (an ISO week, or short weeks folded into the next), first to last day."""

    index: int
    start: date
    end: date


@dataclass(frozen=True)
class BehaviourPlanFacts:
    """The plan's per-account and per-member facts the dashboard shows beside actuals."""

    weeks: tuple[PlanWeekSpan, ...] = ()
    # Named account (by its plan id = the account's external ID) → stage when planned.
    stages: Mapping[str, Stage] = field(default_factory=dict)
    # Named account → the username of the SDR the plan has touching it.
    touch_member: Mapping[str, str] = field(default_factory=dict)
    # (username, plan week index) → planned touches (SDR) / visits (BD) that week.
    sdr_load: Mapping[tuple[str, int], int] = field(default_factory=dict)
    bd_load: Mapping[tuple[str, int], int] = field(default_factory=dict)
    # The presales team's planned solutions per plan week (the plan gives no per-person split).
    solutions_by_week: tuple[int, ...] = ()

    def weeks_started(self, *, start: date, as_of: date) -> list[PlanWeekSpan]:
        """Plan weeks that overlap ``start`` … ``as_of``: started by ``as_of``, not over before.

        A week that has started counts in full: its list is that week's job, and a manager
        reads "12 of 20 this week" rather than a prorated fraction.
        """
        return [week for week in self.weeks if week.start <= as_of and week.end >= start]

    def planned(
        self, load: Mapping[tuple[str, int], int], *, member: str, start: date, as_of: date
    ) -> int | None:
        """A member's planned total over the weeks started in the window; None if not planned."""
        weeks = self.weeks_started(start=start, as_of=as_of)
        if not any(key[0] == member for key in load):
            return None
        return sum(load.get((member, week.index), 0) for week in weeks)

    def planned_solutions(self, *, start: date, as_of: date) -> int | None:
        """The presales team's planned solutions over the weeks started in the window."""
        if not self.solutions_by_week:
            return None
        by_week = self.solutions_by_week
        return sum(
            by_week[week.index]
            for week in self.weeks_started(start=start, as_of=as_of)
            if 0 <= week.index < len(by_week)
        )


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _as_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _dicts(value: Any) -> Iterable[dict[str, Any]]:
    return (item for item in value if isinstance(item, dict)) if isinstance(value, list) else ()


def _weeks(plan: Mapping[str, Any]) -> tuple[PlanWeekSpan, ...]:
    spans = []
    for week in _dicts(plan.get("weeks")):
        periods = list(_dicts(week.get("periods")))
        index = _as_int(week.get("index"))
        first = _as_date(periods[0].get("start")) if periods else None
        last = _as_date(periods[-1].get("end")) if periods else None
        if index is not None and first is not None and last is not None:
            spans.append(PlanWeekSpan(index=index, start=first, end=last))
    return tuple(spans)


def _loads(rows: Any) -> dict[tuple[str, int], int]:
    loads: dict[tuple[str, int], int] = {}
    for row in _dicts(rows):
        member, week, load = (
            row.get("member_id"),
            _as_int(row.get("week")),
            _as_int(row.get("load")),
        )
        if isinstance(member, str) and week is not None and load is not None:
            loads[(member, week)] = loads.get((member, week), 0) + load
    return loads


def _stages(assumptions: Mapping[str, Any]) -> dict[str, Stage]:
    body = assumptions.get("behaviour")
    accounts = body.get("accounts") if isinstance(body, dict) else None
    stages = {}
    for account in _dicts(accounts):
        key, stage = account.get("id"), account.get("stage")
        if key is not None and isinstance(stage, str) and stage in Stage._value2member_map_:
            stages[str(key)] = Stage(stage)
    return stages


def plan_facts(version: PlanVersion | None) -> BehaviourPlanFacts:
    """The facts of an approved behaviour plan version (empty without one)."""
    if version is None:
        return BehaviourPlanFacts()
    result = version.result if isinstance(version.result, dict) else {}
    data = result.get("data")
    plan = data.get("plan") if isinstance(data, dict) else None
    assumptions = version.assumptions if isinstance(version.assumptions, dict) else {}
    if not isinstance(plan, dict):
        return BehaviourPlanFacts(stages=_stages(assumptions))
    presales = plan.get("presales")
    by_week = presales.get("by_week") if isinstance(presales, dict) else None
    touch_member = {
        str(touch["account_id"]): touch["member_id"]
        for touch in _dicts(plan.get("touches"))
        if touch.get("account_id") is not None and isinstance(touch.get("member_id"), str)
    }
    return BehaviourPlanFacts(
        weeks=_weeks(plan),
        stages=_stages(assumptions),
        touch_member=touch_member,
        sdr_load=_loads(plan.get("sdr_weeks")),
        bd_load=_loads(plan.get("bd_weeks")),
        # A malformed week counts as none planned, so the indices stay aligned with the weeks.
        solutions_by_week=tuple(_as_int(v) or 0 for v in by_week)
        if isinstance(by_week, list)
        else (),
    )
