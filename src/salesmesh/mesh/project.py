"""The project paradigm's mesh of a business line or a unit inside it, from the database.

Fetch, then compute (DESIGN.md §3):

- **plan**: the approved version's document (``plans.load_plan``) gives the period, the work
  calendar and the line's revenue target. The schedule inside the period is the milestones'
  planned dates as the projects record them (the baseline the plan's projects were entered
  with; re-planning a milestone is an explicit edit of its planned date).
- **actual**: the line's project records (``projects.indicators.project_records``: five
  queries whatever the number of projects) plus one query for the people holding a project
  role (PMO, business, solution) in the unit — six in all, seven when ``version.unit`` is not
  loaded yet.
- ``as_of`` is held inside the period (``plans.clamp_as_of``).
- **compute**: ``core.mesh_project`` builds the tree (revenue recognised → milestones on
  time, slippage, resources ready, stakeholder actions done, reviews held → the actions and
  resources due), the diagnosis in words and the catch-up (which milestones must land by when,
  which actions and resources are now due, and which later milestones to pull in when the
  period's own fall short).

**Units and people.** A milestone is owned by a role, not by a person (DESIGN.md §1.3: PMO,
business and solution are "one person or three groups"), so the mesh is cut by role:

- the whole line: every milestone, against the plan's target;
- a team inside the line: the milestones owned by the roles its members hold, against the
  revenue those milestones are planned to bring in the period (the plan sets no team target
  for a project line);
- ``people=True``: a ``PersonMesh`` for each person holding a project role in the unit (or
  for those of them asked for by user id), over the milestones their role(s) own — the same
  tree for everyone sharing a role.

Why per person by role rather than per project: what a PMO runs the weekly review on is who
must act — the business role's stakeholder actions, the PMO's resources, the solution role's
deliverables — and that is what a person's own board, the alerts and the digest read from
``MeshReport.people``. Where each project stands is the project dashboard's Gantt, read from
the same records; a per-project tree would have no person to attach to (projects carry no
assignee besides the account's owner).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from decimal import Decimal

from salesmesh.core.calendar import Period
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.mesh import HealthThresholds, MeshError
from salesmesh.core.mesh_project import (
    ProjectCatchUp,
    ProjectRecords,
    diagnose_projects,
    project_actuals_of,
    project_catch_up,
    project_mesh,
    restrict_to_roles,
)
from salesmesh.core.money import to_money
from salesmesh.mesh.plans import clamp_as_of, load_plan
from salesmesh.mesh.report import CatchUpRow, CatchUpView, MeshReport, PeopleWanted, PersonMesh
from salesmesh.org.models import Membership, OrgUnit, Role, User
from salesmesh.planning.models import PlanVersion
from salesmesh.projects.indicators import project_records
from salesmesh.projects.models import OwningRole

__all__ = ["PROJECT_ROLES", "build", "catch_up_view"]

# The membership roles that own milestones (Milestone.owning_role uses the same codes).
PROJECT_ROLES: tuple[str, ...] = (Role.PMO, Role.BUSINESS, Role.SOLUTION)


def catch_up_view(catch: ProjectCatchUp) -> CatchUpView:
    """The catch-up as the report shows it: counts for the rest of the period beside the plan's.

    Every row is a total for the rest of the period (``per="period"``); which milestone must
    land by when, and which actions and resources are now due, are the messages.
    """

    def row(
        key: str, label: Message, baseline: int | Decimal, catch_up: int | Decimal
    ) -> CatchUpRow:
        return CatchUpRow(
            key=key,
            label=label,
            baseline=Decimal(baseline),
            catch_up=Decimal(catch_up),
            per="period",
        )

    targets, baseline = catch.targets, catch.baseline
    return CatchUpView(
        remaining_target=catch.remaining_target,
        remaining_working_days=catch.remaining_working_days,
        feasible=catch.feasible,
        rows=(
            row(
                "revenue",
                Message(gettext_noop("Revenue to recognise")),
                baseline.revenue,
                targets.revenue,
            ),
            row(
                "milestone_revenue",
                Message(gettext_noop("Revenue of the milestones to land")),
                baseline.milestone_revenue,
                targets.milestone_revenue,
            ),
            row(
                "milestones",
                Message(gettext_noop("Milestones to land")),
                len(baseline.milestones),
                len(targets.milestones),
            ),
            row(
                "stakeholder_actions",
                Message(gettext_noop("Stakeholder actions to handle")),
                len(baseline.actions),
                len(targets.actions),
            ),
            row(
                "resources",
                Message(gettext_noop("Resources to ready")),
                len(baseline.resources),
                len(targets.resources),
            ),
        ),
        messages=catch.messages,
        fixes=catch.fixes,
    )


def _people(unit: OrgUnit) -> tuple[list[User], dict[int, set[str]]]:
    """The unit's people with a project role, by username, and each one's roles (one query)."""
    roles: dict[int, set[str]] = defaultdict(set)
    people: dict[int, User] = {}
    for membership in (
        Membership.objects.filter(unit__path__startswith=unit.path, role__in=PROJECT_ROLES)
        .select_related("user")
        .order_by("user__username", "role")
    ):
        people.setdefault(membership.user_id, membership.user)
        roles[membership.user_id].add(membership.role)
    return list(people.values()), roles


def _line_warnings(
    records: ProjectRecords,
    *,
    period: Period,
    target: Decimal,
    as_of: date,
    roles_present: set[str],
) -> list[Message]:
    """What the line's plan or staffing leaves uncovered."""
    warnings: list[Message] = []
    actuals = project_actuals_of(records, start=period.start, end=period.end, as_of=as_of)
    if actuals.revenue_planned < target:
        warnings.append(
            Message(
                gettext_noop(
                    "The milestones planned in %(period)s bring %(revenue)s, %(gap)s short of "
                    "the target %(target)s."
                ),
                {
                    "period": period.label,
                    "revenue": actuals.revenue_planned,
                    "gap": target - actuals.revenue_planned,
                    "target": target,
                },
            )
        )
    owned = {m.owning_role for m in records.milestones if period.contains(m.planned_date)}
    for role in OwningRole:
        if role.value in owned and role.value not in roles_present:
            warnings.append(
                Message(
                    gettext_noop(
                        "Milestones of the period are owned by the %(role)s role, which nobody "
                        "in the line holds."
                    ),
                    {"role": role.label},
                )
            )
    return warnings


def build(
    *,
    version: PlanVersion,
    unit: OrgUnit,
    as_of: date,
    thresholds: HealthThresholds,
    people: bool | Collection[int],
) -> MeshReport:
    """The project mesh of ``version``'s line, or of ``unit`` inside it, as of ``as_of``.

    Six queries (seven when ``version.unit`` is not loaded yet) whatever the number of
    projects, milestones or people; ``people`` says whose per-person trees to build
    (``PeopleWanted``: all, none or those user ids). Raises ``MeshError`` for a unit outside
    the line, or one inside it where nobody holds a project role.
    """
    wanted = PeopleWanted.of(people)
    loaded = load_plan(version)
    period, calendar = loaded.period, loaded.work_calendar
    line = version.unit
    whole_line = unit.pk == version.unit_id
    if not whole_line and not unit.path.startswith(line.path):
        raise MeshError(f"unit {unit.code!r} is not inside the plan's business line")
    day = clamp_as_of(period=period, as_of=as_of)
    records = project_records(line=line, start=period.start, end=period.end, as_of=day)
    members, roles = _people(unit)
    roles_present = set().union(*roles.values()) if roles else set()

    warnings: list[Message] = []
    target: Decimal | None
    if whole_line:
        node_records = records
        target = to_money(loaded.document.target)
        warnings = _line_warnings(
            records, period=period, target=target, as_of=day, roles_present=roles_present
        )
    else:
        if not roles_present:
            raise MeshError(f"nobody in unit {unit.code!r} holds a project role")
        node_records = restrict_to_roles(records, roles=roles_present)
        target = None

    root = project_mesh(
        records=node_records,
        period=period,
        as_of=day,
        calendar=calendar,
        target=target,
        thresholds=thresholds,
    )
    person_meshes: list[PersonMesh] = []
    for person in members:
        if person.pk in wanted:
            mine = restrict_to_roles(records, roles=roles[person.pk])
            person_meshes.append(
                PersonMesh(
                    person_id=person.pk,
                    name=person.display_name,
                    root=project_mesh(
                        records=mine,
                        period=period,
                        as_of=day,
                        calendar=calendar,
                        thresholds=thresholds,
                    ),
                    diagnosis=diagnose_projects(
                        mine, start=period.start, end=period.end, as_of=day
                    ),
                )
            )
    catch = project_catch_up(
        records=node_records, period=period, as_of=day, calendar=calendar, target=target
    )
    return MeshReport(
        version_id=version.pk,
        unit_id=unit.pk,
        unit_name=unit.display_name,
        paradigm=version.paradigm,
        period=period,
        as_of=day,
        root=root,
        diagnosis=diagnose_projects(node_records, start=period.start, end=period.end, as_of=day),
        people=tuple(person_meshes),
        catch_up=catch_up_view(catch),
        warnings=tuple(warnings),
    )
