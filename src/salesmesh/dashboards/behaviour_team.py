"""The behaviour line's team and the small rules every part of its dashboard shares.

Who is on the team (the SDR, BD and presales roles anywhere in the line's subtree), which
SDR an account belongs to, and the rate and week arithmetic, so the scorecards, the
heatmap and the referral graph cannot disagree about them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from salesmesh.dashboards.behaviour_plan import BehaviourPlanFacts
from salesmesh.org.models import Membership, OrgUnit, Role

__all__ = ["TEAM_ROLES", "TeamMember", "line_team", "monday", "ratio", "sdr_of", "team_members"]

_RATE_PLACES = Decimal("0.000001")
TEAM_ROLES = (Role.SDR, Role.BD, Role.PRESALES)


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """``numerator ÷ denominator`` to six places, half up (as the mesh keeps rates); None
    over zero."""
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(_RATE_PLACES, ROUND_HALF_UP)


def monday(day: date) -> date:
    """The Monday of the week holding ``day``."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class TeamMember:
    """A person with an SDR, BD or presales role in the line (one entry per person)."""

    pk: int
    username: str
    name: str
    roles: frozenset[str]


def line_team(*, line: OrgUnit) -> dict[int, TeamMember]:
    """Everyone with a behaviour-team role anywhere in the line's subtree (one query)."""
    roles: dict[int, set[str]] = defaultdict(set)
    users = {}
    memberships = (
        Membership.objects.filter(unit__path__startswith=line.path, role__in=TEAM_ROLES)
        .select_related("user")
        .order_by("user__username", "user_id")
    )
    for membership in memberships:
        roles[membership.user.pk].add(membership.role)
        users[membership.user.pk] = membership.user
    return {
        pk: TeamMember(
            pk=pk,
            username=user.username,
            name=user.display_name,
            roles=frozenset(roles[pk]),
        )
        for pk, user in users.items()
    }


def team_members(team: dict[int, TeamMember], people_ids: Collection[int], role: str) -> list[int]:
    """Ids of the people in scope with ``role``, ordered by name then username."""
    chosen = [m for m in team.values() if role in m.roles and m.pk in people_ids]
    return [m.pk for m in sorted(chosen, key=lambda m: (m.name, m.username, m.pk))]


def sdr_of(
    external_id: str | None,
    owner_id: int,
    *,
    facts: BehaviourPlanFacts,
    by_username: dict[str, int],
    team: dict[int, TeamMember],
) -> int | None:
    """The account's SDR: the plan's, else its owner when the owner is an SDR."""
    planned = facts.touch_member.get(external_id or "")
    if planned is not None:
        return by_username.get(planned)
    owner = team.get(owner_id)
    return owner_id if owner is not None and Role.SDR in owner.roles else None
