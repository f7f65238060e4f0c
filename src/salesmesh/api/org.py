"""Org units and people (memberships), read through the org app's one scoping rule."""

# No `from __future__ import annotations`: ninja reads Query[...] at runtime.

from datetime import date

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from salesmesh.api.common import PAGING, READ_ERRORS, Id, Paging, Text, caller, visible_or_404
from salesmesh.org.models import Membership, OrgUnit, Role, UnitKind
from salesmesh.org.selectors import memberships_visible_to, units_visible_to

router = Router()


class UnitOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    kind: UnitKind
    paradigm: str
    # Materialised tree path: a unit's parent has the path without its last 4 characters.
    path: str
    depth: int
    manager_id: int | None


class UnitFilters(Schema):
    kind: UnitKind | None = None
    paradigm: Text | None = None


class MembershipOut(Schema):
    """A person's role in one unit (a person with two roles has two rows)."""

    id: int
    user_id: int
    username: str
    name_zh: str
    name_en: str
    unit_id: int
    unit: str
    role: Role
    hire_date: date | None

    @staticmethod
    def resolve_username(membership: Membership) -> str:
        return membership.user.username

    @staticmethod
    def resolve_name_zh(membership: Membership) -> str:
        return membership.user.name_zh

    @staticmethod
    def resolve_name_en(membership: Membership) -> str:
        return membership.user.name_en

    @staticmethod
    def resolve_unit(membership: Membership) -> str:
        return membership.unit.code

    @staticmethod
    def resolve_hire_date(membership: Membership) -> date | None:
        return membership.user.hire_date


class PeopleFilters(Schema):
    unit: Text | None = None
    role: Role | None = None
    user: Id | None = None


def _units(request: HttpRequest) -> QuerySet[OrgUnit]:
    return units_visible_to(user=caller(request))


def _people(request: HttpRequest) -> QuerySet[Membership]:
    return memberships_visible_to(user=caller(request)).select_related("user", "unit")


@router.get("/units", response=list[UnitOut], summary="Org units", tags=["org"])
@paginate(Paging, **PAGING)
def list_units(request: HttpRequest, filters: Query[UnitFilters]):  # type: ignore[no-untyped-def]
    """Units the caller may see on the org tree, in tree order."""
    units = _units(request)
    if filters.kind is not None:
        units = units.filter(kind=filters.kind)
    if filters.paradigm:
        units = units.filter(paradigm=filters.paradigm)
    return units.order_by("path", "pk")


@router.get(
    "/units/{unit_id}", response={200: UnitOut, **READ_ERRORS}, summary="An org unit", tags=["org"]
)
def get_unit(request: HttpRequest, unit_id: Id) -> OrgUnit:
    return visible_or_404(_units(request), unit_id)


@router.get("/people", response=list[MembershipOut], summary="People", tags=["org"])
@paginate(Paging, **PAGING)
def list_people(request: HttpRequest, filters: Query[PeopleFilters]):  # type: ignore[no-untyped-def]
    """Everyone in the subtrees the caller manages (else only the caller), by unit and name."""
    people = _people(request)
    if filters.unit:
        people = people.filter(unit__code=filters.unit)
    if filters.role is not None:
        people = people.filter(role=filters.role)
    if filters.user is not None:
        people = people.filter(user_id=filters.user)
    return people.order_by("unit__path", "role", "user__username", "pk")


@router.get(
    "/people/{membership_id}",
    response={200: MembershipOut, **READ_ERRORS},
    summary="A person's role in a unit",
    tags=["org"],
)
def get_person(request: HttpRequest, membership_id: Id) -> Membership:
    return visible_or_404(_people(request), membership_id)
