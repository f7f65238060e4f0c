"""What a mesh computation hands to the dashboards, the alerts and the API.

Every paradigm's builder (``probability.py``, ``behaviour.py``, ``project.py``) returns a
``MeshReport``: the same shape whatever the paradigm, so one tree view, one alert rule and
one API schema serve all three.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from salesmesh.core.attribution import Attribution
from salesmesh.core.calendar import Period
from salesmesh.core.i18n import Message
from salesmesh.core.mesh import MeshNode


@dataclass(frozen=True)
class PeopleWanted:
    """Whose own trees a mesh builds: everyone, nobody, or the people with given user ids.

    ``mesh_report(people=...)`` takes ``True`` (everyone the builder would give a tree),
    ``False`` (nobody) or a collection of user ids (only those of them who get a tree; an
    id of someone without one is ignored). A person's tree does not depend on who else's
    is built, so asking for one gives the same ``PersonMesh`` as the full build.
    """

    # None: everyone.
    ids: frozenset[int] | None

    @classmethod
    def of(cls, people: bool | Collection[int]) -> PeopleWanted:
        if isinstance(people, bool):
            return cls(ids=None if people else frozenset())
        return cls(ids=frozenset(people))

    def __contains__(self, person_id: object) -> bool:
        return self.ids is None or person_id in self.ids

    def __bool__(self) -> bool:
        """True when anyone's tree is wanted."""
        return self.ids is None or bool(self.ids)


@dataclass(frozen=True)
class CatchUpRow:
    """One behaviour target of the catch-up plan beside the original plan's."""

    key: str
    label: Message
    # Per working day (or per week for weekly behaviours: ``per`` says which).
    baseline: Decimal | None
    catch_up: Decimal
    per: str = "day"


@dataclass(frozen=True)
class CatchUpView:
    """The remaining target re-decomposed over the remaining working days."""

    remaining_target: Decimal
    remaining_working_days: int
    feasible: bool
    rows: tuple[CatchUpRow, ...]
    messages: tuple[Message, ...]
    fixes: tuple[Message, ...] = ()


@dataclass(frozen=True)
class PersonMesh:
    """One person's own tree, gap attribution and bottleneck diagnosis."""

    person_id: int
    name: str
    root: MeshNode
    attribution: Attribution | None = None
    diagnosis: tuple[Message, ...] = ()


@dataclass(frozen=True)
class MeshReport:
    """The mesh of one business line (or a unit inside it) for one plan period, as of a day."""

    version_id: int
    unit_id: int
    unit_name: str
    paradigm: str
    period: Period
    as_of: date
    root: MeshNode
    attribution: Attribution | None = None
    diagnosis: tuple[Message, ...] = ()
    people: tuple[PersonMesh, ...] = ()
    catch_up: CatchUpView | None = None
    warnings: tuple[Message, ...] = field(default_factory=tuple)
