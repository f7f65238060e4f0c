"""A small company for the record operations: a managed line, two reps, an outsider's line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from salesmesh.activities.services import activity_create, solution_request_create
from salesmesh.org.models import Membership, OrgUnit, Role, User
from salesmesh.pipeline.services import lead_create, opportunity_create
from salesmesh.projects.services import (
    milestone_create,
    project_create,
    resource_create,
    stage_review_create,
    stakeholder_create,
)
from tests.accounts.factories import make_account, make_company, make_line, make_user, shanghai


@dataclass
class RecordsWorld:
    line: OrgUnit
    other_line: OrgUnit
    users: dict[str, User]
    records: dict[str, dict[str, Any]] = field(default_factory=dict)


def make_records(line: OrgUnit, owner: User, prefix: str) -> dict[str, Any]:
    """One of each record kind owned by ``owner``."""
    account = make_account(line, owner, name=f"{prefix}客户", wallet_potential=Decimal("1234.5"))
    opportunity = opportunity_create(
        line=line,
        account=account,
        name=f"{prefix}商机",
        owner=owner,
        amount=Decimal("99.9"),
        expected_close=date(2025, 6, 30),
        at=shanghai(2025, 1, 2, 9, 30),
    )
    lead = lead_create(
        line=line, source="referral", created_on=date(2025, 1, 3), name=f"{prefix}线索", owner=owner
    )
    activity = activity_create(
        person=owner, type="call", occurred_at=shanghai(2025, 1, 5, 10), account=account
    )
    solution = solution_request_create(
        account=account, presales_owner=owner, requested_at=shanghai(2025, 1, 6, 9)
    )
    project = project_create(
        line=line, account=account, name=f"{prefix}项目", contract_value=Decimal(1000)
    )
    return {
        "account": account,
        "opportunity": opportunity,
        "lead": lead,
        "activity": activity,
        "solution_request": solution,
        "project": project,
    }


def build_records_world() -> RecordsWorld:
    line = make_line("rec")
    other_line = make_line("elsewhere")
    users = {
        "boss": make_user("boss", unit=line, role=Role.MANAGER),
        "alice": make_user("alice", unit=line),
        "bob": make_user("bob", unit=line),
        "other": make_user("other", unit=other_line, role=Role.MANAGER),
        "admin": make_user("admin"),
    }
    Membership.objects.create(user=users["admin"], unit=make_company(), role=Role.ADMIN)
    world = RecordsWorld(line=line, other_line=other_line, users=users)
    world.records["alice"] = make_records(line, users["alice"], "甲")
    world.records["bob"] = make_records(line, users["bob"], "乙")
    world.records["other"] = make_records(other_line, users["other"], "丙")
    project = world.records["alice"]["project"]
    first = milestone_create(
        project=project, name="立项", planned_date=date(2025, 3, 1), owning_role="pmo"
    )
    second = milestone_create(
        project=project,
        name="验收",
        planned_date=date(2025, 9, 1),
        owning_role="business",
        depends_on=[first],
    )
    stakeholder_create(project=project, name="王局", milestone=second)
    resource_create(milestone=first, kind="integration", lead_time_days=5)
    stage_review_create(project=project, held_on=date(2025, 3, 2), what_happened="启动会")
    return world
