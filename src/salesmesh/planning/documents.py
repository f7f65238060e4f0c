"""Plan documents of a business line: the stored assumptions plus the org's people.

A plan document is the plan-file format (docs/plan-file.md). The web edits the
assumptions; the people section — reps for the probability paradigm, the SDR /
BD / presales team for the behaviour paradigm — is always rebuilt from the
organisation in the database, so a plan follows hires, capacity changes and
exam results without anyone retyping them.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone

import salesmesh
from salesmesh.core.calendar import CalendarError, FiscalCalendar, tenure_months
from salesmesh.org.models import ExamKind, ExamResult, Membership, OrgUnit, Paradigm, Role
from salesmesh.planfile.loader import load_plan_data
from salesmesh.planfile.report import PlanReport
from salesmesh.planfile.runner import run_plan

EXAMPLES_DIR = Path(salesmesh.__file__).resolve().parents[2] / "examples"
EXAMPLE_FILES = {
    Paradigm.PROBABILITY: "probability-smb.yaml",
    Paradigm.BEHAVIOUR: "behaviour-key-accounts.yaml",
    Paradigm.PROJECT: "project-government.yaml",
}
# A pass rate with no exam sitting yet: the capability model's neutral reference.
NEUTRAL_PASS_RATE = Decimal("0.5")
# Tenure for someone whose hire date is unknown: the capability model's
# reference rep (18 months), so a missing date neither helps nor penalises.
NEUTRAL_TENURE_MONTHS = 18
# Weekly capacity of behaviour-team members from their daily limits (5-day week):
# an SDR touch (a reached conversation or a real WeCom exchange) takes about three
# dial attempts; a BD visit is a visit; a presales solution takes about two visit
# slots of workshops and write-up.
WORKING_DAYS_PER_WEEK = 5
CALLS_PER_SDR_TOUCH = 3
VISIT_SLOTS_PER_SOLUTION = 2
PEOPLE_SECTIONS = {
    Paradigm.PROBABILITY: ("probability", "reps"),
    Paradigm.BEHAVIOUR: ("behaviour", "team"),
}
BEHAVIOUR_ROLES = {Role.SDR: "sdr", Role.BD: "bd", Role.PRESALES: "presales"}
# Who carries a share of the target when it is allocated over people.
FRONT_LINE_ROLES = {
    Paradigm.PROBABILITY: [Role.REP],
    Paradigm.BEHAVIOUR: [Role.SDR, Role.BD],
    Paradigm.PROJECT: [Role.PMO, Role.BUSINESS, Role.SOLUTION],
}
# The editor shows an allocation's overrides as {unit code or username: amount}.
LOCKED_KEY = "locked"


def starting_assumptions(*, line: OrgUnit) -> dict[str, Any]:
    """A first draft for a line with no plan yet: the worked example of its paradigm."""
    path = EXAMPLES_DIR / EXAMPLE_FILES[Paradigm(line.paradigm)]
    if not path.is_file():
        # Installed without the examples: start from the header; the editor then
        # lists every section still to fill in.
        return plan_document_for(
            line=line,
            assumptions={
                "version": 1,
                "name": line.name_zh or line.name_en,
                "period": "",
                "target": 0,
            },
        )
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    # The stored name is data, not interface text: the Chinese name the company uses.
    document["name"] = line.name_zh or line.name_en
    if line.paradigm == Paradigm.BEHAVIOUR:
        _reassign_owners(document, line=line)
    if isinstance(document.get("allocation"), dict):
        # The example's units and people are not this line's: keep only the method.
        document["allocation"].pop("org", None)
    return plan_document_for(line=line, assumptions=document)


def assumptions_for_editing(document: dict[str, Any]) -> str:
    """The document as YAML for the editor, without the section the org provides."""
    editable = copy.deepcopy(document)
    section = PEOPLE_SECTIONS.get(editable.get("paradigm", ""))
    if section and isinstance(editable.get(section[0]), dict):
        editable[section[0]].pop(section[1], None)
    allocation = editable.get("allocation")
    if isinstance(allocation, dict) and isinstance(allocation.get("org"), dict):
        # The org tree comes from the database; only its overrides are edited.
        locked = dict(locked_amounts(allocation.pop("org")))
        if locked:
            allocation[LOCKED_KEY] = locked
    return yaml.safe_dump(jsonable(editable), allow_unicode=True, sort_keys=False, width=100)


def plan_document_for(*, line: OrgUnit, assumptions: dict[str, Any]) -> dict[str, Any]:
    """The full document: the assumptions, the line's paradigm, and its people from the org."""
    document = copy.deepcopy(assumptions)
    document["paradigm"] = line.paradigm
    section, key = PEOPLE_SECTIONS.get(line.paradigm, ("", ""))
    if section:
        body = document.get(section)
        if not isinstance(body, dict):
            body = document[section] = {}
        as_of = _period_start(document)
        if line.paradigm == Paradigm.PROBABILITY:
            body[key] = _reps(line=line, as_of=as_of)
        else:
            body[key] = _behaviour_team(line=line)
    allocation = document.get("allocation")
    if isinstance(allocation, dict):
        org = allocation.pop("org", None)
        locked = dict(locked_amounts(org)) if isinstance(org, dict) else {}
        overrides = allocation.pop(LOCKED_KEY, None)
        if isinstance(overrides, dict):
            locked.update({str(key): value for key, value in overrides.items()})
        elif overrides is not None:
            # Not a mapping: keep it where the loader will report it with its path.
            allocation[LOCKED_KEY] = overrides
        allocation["org"] = _org_tree(line=line, locked=locked)
    return jsonable(document)


def locked_amounts(node: dict[str, Any]) -> list[tuple[str, Any]]:
    """(id, locked amount) of every overridden node of an allocation tree."""
    found = (
        [(str(node["id"]), node["locked"])]
        if node.get("id") is not None and node.get("locked") is not None
        else []
    )
    children = node.get("children")
    for child in children if isinstance(children, list) else []:
        if isinstance(child, dict):
            found.extend(locked_amounts(child))
    return found


def _org_tree(*, line: OrgUnit, locked: dict[str, Any]) -> dict[str, Any]:
    """The line's teams and front-line people as an allocation tree (fixed queries).

    Units are identified by their code, people by their username, so overrides
    typed in the editor (``locked: {smb-east: 200万}``) find their node.
    """
    units = list(OrgUnit.objects.filter(path__startswith=line.path).order_by("path"))
    roles = FRONT_LINE_ROLES.get(Paradigm(line.paradigm), [])
    by_unit: dict[int, list[Membership]] = defaultdict(list)
    for membership in _members(line, roles):
        by_unit[membership.unit_id].append(membership)
    capacity = (
        {member["id"]: member["weekly_capacity"] for member in _behaviour_team(line=line)}
        if line.paradigm == Paradigm.BEHAVIOUR
        else {}
    )
    nodes: dict[str, dict[str, Any]] = {}
    for unit in units:
        node: dict[str, Any] = {"id": unit.code, "name": unit.name_zh or unit.name_en}
        people = [_person_node(m, capacity.get(m.user.username), locked) for m in by_unit[unit.pk]]
        if people:
            node["children"] = people
        if unit.code in locked:
            node["locked"] = locked[unit.code]
        nodes[unit.path] = node
        parent = nodes.get(unit.path[: -OrgUnit.steplen])
        if parent is not None and unit.pk != line.pk:
            parent.setdefault("children", []).append(node)
    return nodes[line.path]


def _person_node(m: Membership, weekly: int | None, locked: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": m.user.username,
        "name": m.user.name_zh or m.user.username,
        # Probability lines weigh reps by daily calls; behaviour teams by weekly capacity.
        "capacity": weekly if weekly is not None else m.user.max_calls_per_day,
    }
    if m.user.hire_date:
        node["hire_date"] = m.user.hire_date
    if m.user.username in locked:
        node["locked"] = locked[m.user.username]
    return node


def run_document(document: dict[str, Any]) -> PlanReport:
    """Validate and plan a stored document, exactly as `salesmesh plan` would."""
    return run_plan(load_plan_data(document))


def jsonable(value: Any) -> Any:
    """Document values as JSON: Decimals as numbers (exact: shortest repr), dates as ISO."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _period_start(document: dict[str, Any]) -> date:
    """The plan period's first day, read the way the plan-file schema reads it."""
    period = document.get("period", "")
    if isinstance(period, int) and not isinstance(period, bool):
        period = f"FY{period}"  # ``period: 2026`` means the fiscal year, as in the schema
    try:
        fiscal = FiscalCalendar(int(document.get("fiscal_year_start_month", 1)))
        return fiscal.parse(str(period).strip().upper()).start
    except (CalendarError, ValueError, TypeError, OverflowError):  # int(.inf) overflows
        return timezone.localdate()


def _members(line: OrgUnit, roles: list[str]) -> list[Membership]:
    """One membership per active person, the first by role order then unit.

    A person with two roles in the line (SDR and BD, or a rep in two teams)
    appears once: a plan's people must be distinct, and they still have one
    day's capacity however many hats they wear.
    """
    memberships = (
        Membership.objects.filter(
            unit__path__startswith=line.path, role__in=roles, user__is_active=True
        )
        .select_related("user")
        .order_by("unit__path", "user__username")
    )
    rank = {role: index for index, role in enumerate(roles)}
    chosen: dict[int, Membership] = {}
    for membership in sorted(memberships, key=lambda m: rank[m.role]):
        chosen.setdefault(membership.user_id, membership)
    return [m for m in memberships if chosen.get(m.user_id) is m]


def _pass_rates(user_ids: list[int], as_of: date) -> dict[tuple[int, str], Decimal]:
    """Share of passed sittings per person and exam, counting sittings up to ``as_of``."""
    sittings: dict[tuple[int, str], list[bool]] = defaultdict(list)
    for user_id, kind, passed in ExamResult.objects.filter(
        user_id__in=user_ids, taken_on__lte=as_of
    ).values_list("user_id", "kind", "passed"):
        sittings[(user_id, kind)].append(passed)
    return {
        key: (Decimal(sum(results)) / len(results)).quantize(Decimal("0.01"))
        for key, results in sittings.items()
    }


def _reps(*, line: OrgUnit, as_of: date) -> list[dict[str, Any]]:
    members = _members(line, [Role.REP])
    rates = _pass_rates([m.user_id for m in members], as_of)
    return [
        {
            "rep_id": m.user.username,
            "name": m.user.name_zh or m.user.username,
            "max_calls_per_day": m.user.max_calls_per_day,
            "max_visits_per_day": m.user.max_visits_per_day,
            "product_pass_rate": rates.get((m.user_id, ExamKind.PRODUCT), NEUTRAL_PASS_RATE),
            "scenario_pass_rate": rates.get((m.user_id, ExamKind.SCENARIO), NEUTRAL_PASS_RATE),
            "tenure_months": (
                tenure_months(m.user.hire_date, as_of)
                if m.user.hire_date
                else NEUTRAL_TENURE_MONTHS
            ),
        }
        for m in members
    ]


def _behaviour_team(*, line: OrgUnit) -> list[dict[str, Any]]:
    """SDRs, BDs and presales with weekly capacity; people who can do none are left out."""
    team = []
    for m in _members(line, list(BEHAVIOUR_ROLES)):
        if m.role == Role.SDR:
            capacity = WORKING_DAYS_PER_WEEK * m.user.max_calls_per_day // CALLS_PER_SDR_TOUCH
        elif m.role == Role.BD:
            capacity = WORKING_DAYS_PER_WEEK * m.user.max_visits_per_day
        else:
            capacity = WORKING_DAYS_PER_WEEK * m.user.max_visits_per_day // VISIT_SLOTS_PER_SOLUTION
        if capacity <= 0:
            continue
        team.append(
            {
                "id": m.user.username,
                "name": m.user.name_zh or m.user.username,
                "role": BEHAVIOUR_ROLES[Role(m.role)],
                "weekly_capacity": capacity,
            }
        )
    return team


def _reassign_owners(document: dict[str, Any], *, line: OrgUnit) -> None:
    """Give the example's accounts to the line's real people, role for role, in turn."""
    body = document.get("behaviour", {})
    example_roles = {member["id"]: member["role"] for member in body.get("team", [])}
    people: dict[str, list[str]] = defaultdict(list)
    for member in _behaviour_team(line=line):
        people[member["role"]].append(member["id"])
    turns: dict[str, int] = defaultdict(int)
    for account in body.get("accounts", []):
        role = example_roles.get(account.get("owner"), "bd")
        if not people.get(role):
            role = "bd"  # no one of the example's role here: BDs own named accounts
        candidates = people.get(role) or []
        if candidates:
            account["owner"] = candidates[turns[role] % len(candidates)]
            turns[role] += 1
