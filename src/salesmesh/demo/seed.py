"""The demo company: deterministic, realistic, and safe to seed twice.

Every value comes from a fixed RNG seed and a fixed reference date, never
from "today" or the database's state, so two runs build the same company and
a second run finds nothing to change — except the SMB plan's period, the
quarter of the seeding day (``demo.plans``), so the demo always has a live
plan. Later issues extend it with accounts, pipeline, activities and projects.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from salesmesh.demo.names import GIVEN_NAMES, SURNAMES
from salesmesh.demo.plans import seed_demo_plans
from salesmesh.org.models import (
    ExamKind,
    ExamResult,
    Membership,
    OrgUnit,
    Paradigm,
    Role,
    UnitKind,
    User,
)
from salesmesh.org.services import unit_create

DEMO_SEED = 20260101
DEMO_PASSWORD = "salesmesh-demo"  # noqa: S105 - published demo credential, demo data only
# Hire dates and exam sittings are laid out relative to this fixed day, not to
# "today", so the seeded company is identical whenever it is seeded.
DEMO_REFERENCE_DATE = date(2026, 1, 1)
EXAM_PASS_MARK = 70


@dataclass(frozen=True)
class UnitSpec:
    """One org unit of the demo tree."""

    code: str
    name_zh: str
    name_en: str
    kind: str
    paradigm: str = ""
    children: tuple[UnitSpec, ...] = ()


@dataclass(frozen=True)
class StaffSpec:
    """How many people of a role a unit has, and which demo login is among them."""

    unit: str
    role: str
    count: int
    login: str | None = None


@dataclass(frozen=True)
class DemoLogin:
    """A demo login printed by `make demo`: username, role, person, unit."""

    username: str
    role: str
    name_zh: str
    name_en: str
    unit: str


@dataclass
class SeedReport:
    """What a seeding run did."""

    created: int = 0
    updated: int = 0
    skipped: bool = False
    logins: list[DemoLogin] = field(default_factory=list)


COMPANY = UnitSpec(
    "yunfan",
    "云帆科技",
    "Yunfan Technology",
    UnitKind.COMPANY,
    children=(
        UnitSpec(
            "smb",
            "中小企业事业部",
            "SMB Business",
            UnitKind.BUSINESS_LINE,
            Paradigm.PROBABILITY,
            children=(
                UnitSpec("smb-east", "华东电销组", "East China Telesales", UnitKind.TEAM),
                UnitSpec("smb-south", "华南电销组", "South China Telesales", UnitKind.TEAM),
                UnitSpec("smb-north", "华北电销组", "North China Telesales", UnitKind.TEAM),
            ),
        ),
        UnitSpec(
            "ka",
            "重点客户事业部",
            "Key Accounts",
            UnitKind.BUSINESS_LINE,
            Paradigm.BEHAVIOUR,
            children=(
                UnitSpec("ka-sdr", "客户开发组 (SDR)", "SDR Team", UnitKind.TEAM),
                UnitSpec("ka-bd", "商务拓展组 (BD)", "BD Team", UnitKind.TEAM),
                UnitSpec("ka-presales", "售前与交付组", "Presales & Post-sales", UnitKind.TEAM),
            ),
        ),
        UnitSpec(
            "gov",
            "政企事业部",
            "Government & Enterprise",
            UnitKind.BUSINESS_LINE,
            Paradigm.PROJECT,
            children=(
                UnitSpec("gov-pmo", "项目管理办公室", "PMO", UnitKind.TEAM),
                UnitSpec("gov-business", "客户关系组", "Business Team", UnitKind.TEAM),
                UnitSpec("gov-solution", "解决方案组", "Solution Team", UnitKind.TEAM),
            ),
        ),
    ),
)

# The people behind the demo logins, named so the README can refer to them.
NAMED_PEOPLE: dict[str, tuple[str, str]] = {
    "admin": ("系统管理员", "System Administrator"),
    "head": ("周建国", "Jianguo Zhou"),
    "manager": ("陈静", "Jing Chen"),
    "rep": ("李娜", "Na Li"),
    "sdr": ("张敏", "Min Zhang"),
    "bd": ("王磊", "Lei Wang"),
    "presales": ("刘洋", "Yang Liu"),
    "postsales": ("赵丽", "Li Zhao"),
    "pmo": ("孙涛", "Tao Sun"),
    "business": ("吴杰", "Jie Wu"),
    "solution": ("郑宇", "Yu Zheng"),
}

# (unit, role, count, login): managers first so each unit's manager is set.
STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("yunfan", Role.ADMIN, 1, "admin"),
    StaffSpec("yunfan", Role.MANAGER, 1, "head"),
    StaffSpec("smb", Role.MANAGER, 1, "manager"),
    StaffSpec("smb-east", Role.MANAGER, 1),
    StaffSpec("smb-east", Role.REP, 7, "rep"),
    StaffSpec("smb-south", Role.MANAGER, 1),
    StaffSpec("smb-south", Role.REP, 7),
    StaffSpec("smb-north", Role.MANAGER, 1),
    StaffSpec("smb-north", Role.REP, 6),
    StaffSpec("ka", Role.MANAGER, 1),
    StaffSpec("ka-sdr", Role.SDR, 4, "sdr"),
    StaffSpec("ka-bd", Role.BD, 4, "bd"),
    StaffSpec("ka-presales", Role.PRESALES, 3, "presales"),
    StaffSpec("ka-presales", Role.POSTSALES, 2, "postsales"),
    StaffSpec("gov", Role.MANAGER, 1),
    StaffSpec("gov-pmo", Role.PMO, 2, "pmo"),
    StaffSpec("gov-business", Role.BUSINESS, 3, "business"),
    StaffSpec("gov-solution", Role.SOLUTION, 3, "solution"),
)

# Daily capacity ranges (calls, visits) by role: telesales reps dial, BDs
# visit, SDRs touch accounts by phone and WeCom, project roles mostly meet.
CAPACITY_BY_ROLE: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    Role.REP: ((45, 80), (2, 5)),
    Role.SDR: ((70, 100), (0, 1)),
    Role.BD: ((15, 30), (3, 5)),
    Role.PRESALES: ((5, 15), (1, 3)),
    Role.POSTSALES: ((5, 15), (1, 3)),
    Role.PMO: ((5, 15), (1, 2)),
    Role.BUSINESS: ((10, 20), (2, 4)),
    Role.SOLUTION: ((5, 10), (1, 3)),
    Role.MANAGER: ((10, 20), (1, 3)),
    Role.ADMIN: ((0, 0), (0, 0)),
}
ROLES_WITH_EXAMS = frozenset({Role.REP, Role.SDR, Role.BD})


@dataclass
class PersonSpec:
    """Everything the seeder writes about one person."""

    username: str
    name_zh: str
    name_en: str
    employee_no: str
    hire_date: date
    max_calls_per_day: int
    max_visits_per_day: int
    unit: str
    role: str
    has_login: bool
    exams: list[tuple[str, date, Decimal, bool]]


def build_people(rng: random.Random) -> list[PersonSpec]:
    """Lay out every demo person from the RNG alone (no database access)."""
    taken_names = {zh for zh, _en in NAMED_PEOPLE.values()}
    taken_usernames = set(NAMED_PEOPLE)
    people: list[PersonSpec] = []
    for staff in STAFF:
        for index in range(staff.count):
            login = staff.login if index == 0 else None
            if login:
                name_zh, name_en = NAMED_PEOPLE[login]
                username = login
            else:
                name_zh, name_en = _unique_name(rng, taken_names)
                username = _unique_username(name_en, taken_usernames)
            people.append(_person(rng, staff, username, name_zh, name_en, len(people) + 1, login))
    return people


def _unique_name(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    while True:
        surname_zh, surname_en = rng.choice(SURNAMES)
        given_zh, given_en = rng.choice(GIVEN_NAMES)
        if surname_zh + given_zh not in taken:
            taken.add(surname_zh + given_zh)
            return surname_zh + given_zh, f"{given_en} {surname_en}"


def _unique_username(name_en: str, taken: set[str]) -> str:
    given, surname = name_en.lower().split(" ", 1)
    base = f"{surname}.{given}"
    candidate, suffix = base, 2
    while candidate in taken:
        candidate, suffix = f"{base}{suffix}", suffix + 1
    taken.add(candidate)
    return candidate


def _person(
    rng: random.Random,
    staff: StaffSpec,
    username: str,
    name_zh: str,
    name_en: str,
    number: int,
    login: str | None,
) -> PersonSpec:
    # Tenure from two months to eight years, skewed towards newer hires as in
    # most sales floors.
    tenure_days = int(60 + (8 * 365 - 60) * rng.random() ** 1.8)
    hire_date = DEMO_REFERENCE_DATE - timedelta(days=tenure_days)
    (calls_lo, calls_hi), (visits_lo, visits_hi) = CAPACITY_BY_ROLE[staff.role]
    exams: list[tuple[str, date, Decimal, bool]] = []
    if staff.role in ROLES_WITH_EXAMS:
        # Experience lifts the expected score a little; sittings fall in the
        # year before the reference date, one to three per exam.
        mean = 66 + min(tenure_days / 365, 6) * 3
        for kind in (ExamKind.PRODUCT, ExamKind.SCENARIO):
            for sitting in range(rng.randint(1, 3)):
                taken_on = DEMO_REFERENCE_DATE - timedelta(
                    days=30 + 120 * sitting + rng.randint(0, 40)
                )
                score = Decimal(max(30, min(100, round(rng.gauss(mean, 10)))))
                exams.append((kind, taken_on, score, score >= EXAM_PASS_MARK))
    return PersonSpec(
        username=username,
        name_zh=name_zh,
        name_en=name_en,
        employee_no=f"YF{number:04d}",
        hire_date=hire_date,
        max_calls_per_day=rng.randint(calls_lo, calls_hi) // 5 * 5,
        max_visits_per_day=rng.randint(visits_lo, visits_hi),
        unit=staff.unit,
        role=staff.role,
        has_login=login is not None,
        exams=exams,
    )


def _save_if_changed(obj: models.Model, values: dict[str, Any], report: SeedReport) -> None:
    """Write only the fields that differ, so a second run leaves rows untouched."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.updated += 1


def _seed_units(spec: UnitSpec, parent: OrgUnit | None, report: SeedReport) -> dict[str, OrgUnit]:
    values = {
        "name_zh": spec.name_zh,
        "name_en": spec.name_en,
        "kind": spec.kind,
        "paradigm": spec.paradigm,
    }
    unit = OrgUnit.objects.filter(code=spec.code).first()
    if unit is None:
        country = {"calendar_country": "CN"} if parent is None else {}
        unit = unit_create(parent=parent, code=spec.code, **country, **values)
        report.created += 1
    else:
        _save_if_changed(unit, values, report)
    units = {spec.code: unit}
    for child in spec.children:
        units.update(_seed_units(child, unit, report))
    return units


def _seed_person(person: PersonSpec, units: dict[str, OrgUnit], report: SeedReport) -> User:
    values: dict[str, Any] = {
        "name_zh": person.name_zh,
        "name_en": person.name_en,
        "employee_no": person.employee_no,
        "hire_date": person.hire_date,
        "max_calls_per_day": person.max_calls_per_day,
        "max_visits_per_day": person.max_visits_per_day,
        "first_name": person.name_en.split(" ")[0],
        "last_name": person.name_en.split(" ", 1)[-1],
        "email": f"{person.username}@yunfan.example",
        "is_staff": person.role == Role.ADMIN,
        "is_superuser": person.role == Role.ADMIN,
    }
    user = User.objects.filter(username=person.username).first()
    if user is None:
        user = User(username=person.username, **values)
        # Passwords are set once, at creation: a hash has a random salt, so
        # resetting it would change the row on every run.
        if person.has_login:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.save()
        report.created += 1
    else:
        _save_if_changed(user, values, report)
    unit = units[person.unit]
    _, created = Membership.objects.get_or_create(user=user, unit=unit, role=person.role)
    report.created += int(created)
    if person.role == Role.MANAGER and unit.manager_id != user.pk:
        _save_if_changed(unit, {"manager": user}, report)
    for kind, taken_on, score, passed in person.exams:
        exam = ExamResult.objects.filter(user=user, kind=kind, taken_on=taken_on).first()
        if exam is None:
            ExamResult.objects.create(
                user=user, kind=kind, taken_on=taken_on, score=score, passed=passed
            )
            report.created += 1
        else:
            _save_if_changed(exam, {"score": score, "passed": passed}, report)
    return user


def demo_logins(people: Iterable[PersonSpec]) -> list[DemoLogin]:
    """The login per role, in the order of STAFF."""
    return [
        DemoLogin(p.username, p.role, p.name_zh, p.name_en, p.unit) for p in people if p.has_login
    ]


@transaction.atomic
def seed_demo_company(*, only_if_empty: bool = False, today: date | None = None) -> SeedReport:
    """Create or repair the demo company; with ``only_if_empty`` leave a used database alone.

    ``today`` (default: the local date) is the seeding day the SMB plan's live quarter
    follows (``demo.plans``); everything else is fixed.
    """
    people = build_people(random.Random(DEMO_SEED))
    report = SeedReport(logins=demo_logins(people))
    if only_if_empty and OrgUnit.objects.exists():
        report.skipped = True
        return report
    units = _seed_units(COMPANY, None, report)
    for person in people:
        _seed_person(person, units, report)
    report.created += seed_demo_plans(approver=User.objects.get(username="head"), today=today)
    return report
