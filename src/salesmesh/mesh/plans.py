"""The plan side of the mesh: a stored plan version back as the planner's inputs and result.

A ``PlanVersion`` keeps its plan document (the plan-file format, docs/plan-file.md) in
``assumptions``. :func:`load_plan` validates it with the plan-file loader and runs the
paradigm's core planner again — the same inputs the version was saved from give the same
result, and the mesh needs the live objects (``ProbabilityInputs`` for a catch-up re-plan,
per-rep matrices), not the JSON summary in ``result``. All three paradigms load the same
way, so every mesh builder starts from a :class:`LoadedPlan`.

Planning costs milliseconds to a few tens of them, so loaded plans are cached per process,
keyed by the version's id *and* a digest of its document: an approved version is immutable,
but the key must not trust that (a draft changes, and a test database reuses ids).

People: a plan names its reps (probability) and team members (behaviour) by the ids the
org gave them when the document was built (``planning.documents``: the username); a plan
file written by hand may use employee numbers instead. :func:`match_people` maps either
to the ``User``.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Protocol, cast

from salesmesh.core.behaviour import BehaviourPlan, BehaviourPlanInput
from salesmesh.core.calendar import Period, WorkCalendar
from salesmesh.core.probability import ProbabilityInputs, ProbabilityPlan, plan_probability
from salesmesh.core.project import PortfolioPlan, Project
from salesmesh.org.models import OrgUnit, User, bilingual
from salesmesh.planfile import behaviour_report, probability_report, project_report
from salesmesh.planfile.loader import load_plan_data
from salesmesh.planfile.schema import (
    BehaviourPlanDocument,
    PlanDocument,
    ProbabilityPlanDocument,
    ProjectPlanDocument,
)
from salesmesh.planning.models import PlanVersion

__all__ = [
    "CACHE_SIZE",
    "MEMO_SIZE",
    "LoadedPlan",
    "Person",
    "PlanInputs",
    "PlanResult",
    "clamp_as_of",
    "clear_cache",
    "load_plan",
    "match_people",
    "unit_people",
    "unit_persons",
]

PlanInputs = ProbabilityInputs | BehaviourPlanInput | tuple[Project, ...]
PlanResult = ProbabilityPlan | BehaviourPlan | PortfolioPlan

# Plans kept per process: every business line's current and previous plan several times
# over; a probability plan of a few hundred reps is well under a megabyte.
CACHE_SIZE = 64
# Memoised results per loaded plan (LoadedPlan.memo): a few days × units × revenues.
MEMO_SIZE = 256
_ONE_DAY = timedelta(days=1)


# eq=False: ProbabilityPlan holds numpy matrices, which have no single truth value for ==.
@dataclass(frozen=True, eq=False)
class LoadedPlan:
    """A plan version's document, the planner's inputs and result, its calendar and period.

    Shared between callers through the cache: treat every part as read-only.
    """

    version_id: int
    document: PlanDocument
    # ProbabilityInputs, BehaviourPlanInput, or the projects of a project plan.
    inputs: PlanInputs
    result: PlanResult
    work_calendar: WorkCalendar
    period: Period
    # What callers derive from this plan alone plus a few arguments (``memo``).
    _memo: OrderedDict[Hashable, Any] = field(
        default_factory=OrderedDict, init=False, repr=False, compare=False
    )

    def memo[T](self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per ``key`` for this plan, kept while the plan is cached.

        For results that depend only on the plan and what ``key`` holds (the catch-up
        re-plan: the unit's reps, the day and the revenue closed). The result is shared
        between callers: it must be immutable. The last :data:`MEMO_SIZE` keys are kept.
        """
        with _cache_lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return cast("T", self._memo[key])
        value = compute()
        with _cache_lock:
            self._memo[key] = value
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return value

    def probability(self) -> tuple[ProbabilityInputs, ProbabilityPlan]:
        """The probability planner's inputs and plan; TypeError for another paradigm."""
        if isinstance(self.inputs, ProbabilityInputs) and isinstance(self.result, ProbabilityPlan):
            return self.inputs, self.result
        raise TypeError(f"plan version {self.version_id} is not a probability plan")

    def behaviour(self) -> tuple[BehaviourPlanInput, BehaviourPlan]:
        """The behaviour planner's input and plan; TypeError for another paradigm."""
        if isinstance(self.inputs, BehaviourPlanInput) and isinstance(self.result, BehaviourPlan):
            return self.inputs, self.result
        raise TypeError(f"plan version {self.version_id} is not a behaviour plan")

    def project(self) -> tuple[tuple[Project, ...], PortfolioPlan]:
        """The projects and the portfolio plan; TypeError for another paradigm."""
        if isinstance(self.inputs, tuple) and isinstance(self.result, PortfolioPlan):
            return self.inputs, self.result
        raise TypeError(f"plan version {self.version_id} is not a project plan")


_cache: OrderedDict[tuple[int, str], LoadedPlan] = OrderedDict()
_cache_lock = threading.Lock()


def _digest(assumptions: Mapping[str, Any]) -> str:
    """A digest of the stored document: a changed document gets another digest.

    ``marshal`` serialises the document as the JSON field loaded it (dicts, lists, strings,
    numbers) about six times faster than ``json.dumps`` — a line of 1,000 reps: ≈ 1 ms
    against 6 ms, paid on every mesh build. It keeps the keys' order, so the same content
    in another order is another digest: a second cache entry, planned to the same result.
    Anything ``marshal`` cannot write (a ``Decimal`` a caller put in) goes through JSON.
    """
    try:
        data = b"m" + marshal.dumps(assumptions)
    except ValueError:
        text = json.dumps(assumptions, sort_keys=True, ensure_ascii=False, default=str)
        data = b"j" + text.encode()
    return hashlib.sha256(data).hexdigest()


def _plan(document: PlanDocument) -> tuple[PlanInputs, PlanResult]:
    """The paradigm planner's inputs and result, built as ``salesmesh plan`` builds them."""
    work = document.work_calendar()
    period = document.plan_period
    if isinstance(document, ProbabilityPlanDocument):
        inputs = document.probability.to_inputs(document.target, period, work)
        # Calibrated from the reps' history when the document gives it, as the report does.
        calibration = probability_report.calibration(document)
        if calibration is not None:
            inputs = replace(inputs, capability=calibration.model)
        return inputs, plan_probability(inputs)
    if isinstance(document, BehaviourPlanDocument):
        return (
            document.behaviour.to_input(document.target, period),
            behaviour_report.plan(document, work),
        )
    if isinstance(document, ProjectPlanDocument):
        return document.project.to_core(), project_report.plan(document, work)
    raise TypeError(f"not a plan of a known paradigm: {type(document).__name__}")


def load_plan(version: PlanVersion) -> LoadedPlan:
    """The version's document, validated and planned (cached per process).

    Raises ``planfile.errors.PlanFileError`` if the stored document no longer validates
    (a version saved by an older release, say), with every problem and its path.
    """
    key = (version.pk, _digest(version.assumptions))
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    document = load_plan_data(version.assumptions)
    inputs, result = _plan(document)
    loaded = LoadedPlan(
        version_id=version.pk,
        document=document,
        inputs=inputs,
        result=result,
        work_calendar=document.work_calendar(),
        period=document.plan_period,
    )
    with _cache_lock:
        _cache[key] = loaded
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return loaded


def clear_cache() -> None:
    """Forget every loaded plan (tests; a deployment never needs to)."""
    with _cache_lock:
        _cache.clear()


def clamp_as_of(*, period: Period, as_of: date) -> date:
    """The day a mesh is computed as of: ``as_of`` held inside the plan period.

    After the period its last day; before it the day before it starts, so nothing of the
    period has elapsed and nothing is expected yet.
    """
    if as_of > period.end:
        return period.end
    if as_of < period.start:
        return period.start - _ONE_DAY
    return as_of


def unit_people(*, unit: OrgUnit, roles: Iterable[str]) -> list[User]:
    """The people with one of ``roles`` anywhere in the unit's subtree, by username (one query)."""
    return list(
        User.objects.filter(
            memberships__unit__path__startswith=unit.path, memberships__role__in=list(roles)
        )
        .distinct()
        .order_by("username")
    )


@dataclass(frozen=True, slots=True)
class Person:
    """A person as matching a plan and naming a tree read them: no ``User`` instance.

    A thousand ``User`` objects cost ≈ 10 ms to build (the model's ``__init__`` and its
    signals for each); a line's mesh needs only these five values of each rep.
    """

    pk: int
    username: str
    employee_no: str | None
    name_zh: str
    name_en: str

    @property
    def display_name(self) -> str:
        """As ``User.display_name``: the name in the active language, else the username."""
        return bilingual(self.name_zh, self.name_en) or self.username


def unit_persons(*, unit: OrgUnit, roles: Iterable[str]) -> list[Person]:
    """:func:`unit_people` as :class:`Person` records, by username (one query)."""
    return [
        Person(*row)
        for row in User.objects.filter(
            memberships__unit__path__startswith=unit.path, memberships__role__in=list(roles)
        )
        .distinct()
        .order_by("username")
        .values_list("pk", "username", "employee_no", "name_zh", "name_en")
    ]


class _Matchable(Protocol):
    """What :func:`match_people` reads of a person (a ``User`` or a :class:`Person`)."""

    @property
    def pk(self) -> Any: ...

    @property
    def username(self) -> str: ...

    @property
    def employee_no(self) -> str | None: ...


def match_people[P: _Matchable](plan_ids: Iterable[str], people: Iterable[P]) -> dict[str, P]:
    """The plan's person ids mapped to ``people``: by username, else by employee number.

    Ids that match nobody among ``people`` are left out (someone who left the unit). A
    username wins over another person's employee number, and a person matched once is not
    matched again by a later id.
    """
    by_username = {person.username: person for person in people}
    by_number = {
        person.employee_no: person for person in by_username.values() if person.employee_no
    }
    matched: dict[str, P] = {}
    taken: set[int] = set()
    for plan_id in plan_ids:
        person = by_username.get(plan_id) or by_number.get(plan_id)
        if person is not None and person.pk not in taken:
            matched[plan_id] = person
            taken.add(person.pk)
    return matched
