"""Small builders of the org and process records the app tests need."""

from __future__ import annotations

from datetime import datetime
from itertools import count
from zoneinfo import ZoneInfo

from salesmesh.accounts.models import Account
from salesmesh.accounts.services import account_create
from salesmesh.org.models import Membership, OrgUnit, Paradigm, Role, UnitKind, User
from salesmesh.org.services import unit_create

SHANGHAI = ZoneInfo("Asia/Shanghai")
_serial = count(1)


def shanghai(*parts: int) -> datetime:
    """An aware datetime on the Shanghai wall clock."""
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def make_company() -> OrgUnit:
    company = OrgUnit.objects.filter(depth=1).first()
    return company or unit_create(parent=None, code="co", name_zh="公司", kind=UnitKind.COMPANY)


def make_line(code: str = "line", paradigm: str = Paradigm.BEHAVIOUR) -> OrgUnit:
    existing = OrgUnit.objects.filter(code=code).first()
    if existing:
        return existing
    return unit_create(
        parent=make_company(),
        code=code,
        name_zh=f"业务线{code}",
        kind=UnitKind.BUSINESS_LINE,
        paradigm=paradigm,
    )


def make_team(line: OrgUnit, code: str) -> OrgUnit:
    return unit_create(parent=line, code=code, name_zh=f"组{code}", kind=UnitKind.TEAM)


def make_user(
    username: str | None = None, *, unit: OrgUnit | None = None, role: str = Role.REP
) -> User:
    user = User.objects.create(username=username or f"user{next(_serial)}")
    if unit is not None:
        Membership.objects.create(user=user, unit=unit, role=role)
    return user


def make_account(line: OrgUnit, owner: User, name: str | None = None, **fields: object) -> Account:
    return account_create(line=line, owner=owner, name=name or f"客户{next(_serial)}", **fields)  # type: ignore[arg-type]
