"""The company the schemathesis run calls the API as: every role, records in and out of scope.

It is the crafted company of the access tests (tests/access/world.py: admin, head, line and
team managers, reps, an SDR, business and PMO people) plus what the other operations need
to answer 200 rather than only 404:

- a presales person owning a solution request and a solution person assigned to the project;
- the project's parts (milestones, a stakeholder, a resource, a stage review);
- an approved July 2025 plan of the probability line (mesh, catch-up and forecast as of
  ``AS_OF``), an open alert for the rep and one for the SDR, an import run of the rep's.

``seeds`` maps a parameter name (path, query or body field) to real values of the world —
those of records every role sees and of records most roles do not — so generated calls hit
both 200 and 404 (or 422 for a reference out of scope).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from salesmesh.accounts.models import Account, Contact
from salesmesh.activities.models import Activity, SolutionRequest
from salesmesh.activities.services import solution_request_create
from salesmesh.alerts.models import Alert, AlertKind, Severity
from salesmesh.api.tokens import token_issue
from salesmesh.exchange.models import ImportRun
from salesmesh.org.models import Membership, OrgUnit, Role, User
from salesmesh.pipeline.models import Lead, Opportunity
from salesmesh.planning.models import PlanVersion
from salesmesh.projects.models import Milestone, Project, Resource, StageReview, Stakeholder
from salesmesh.projects.services import (
    milestone_create,
    project_member_assign,
    resource_create,
    stage_review_create,
    stakeholder_create,
)
from tests.access.world import build_world
from tests.accounts.factories import make_user, shanghai
from tests.mesh.conftest import approve, plan_document

# The day the mesh and forecast of the probability line have an approved plan for.
AS_OF = date(2025, 7, 14)

# The roles the API is called as (the solution person is a project member like the PMO:
# they are in the world for the PMO's out-of-scope checks and the seeds, not called as).
ROLES = ("admin", "line_mgr", "team_mgr", "rep", "sdr", "presales", "pmo")


@dataclass
class ApiWorld:
    users: dict[str, User]
    # role → "Bearer smt_…"
    tokens: dict[str, str]
    # parameter name → real values (ints, codes, UUID and date strings)
    seeds: dict[str, list[Any]] = field(default_factory=dict)


def _ids(model: type[Any]) -> list[Any]:
    return sorted(model.objects.values_list("pk", flat=True))


def build_api_world() -> ApiWorld:
    world = build_world()
    users = dict(world.users)
    ka = OrgUnit.objects.get(code="kt")
    gt = OrgUnit.objects.get(code="gt")
    smb = OrgUnit.objects.get(code="smb")
    users["presales"] = make_user("u_presales", unit=ka, role=Role.PRESALES)
    users["solution"] = make_user("u_solution", unit=gt, role=Role.SOLUTION)

    solution_request_create(
        account=world.records["accounts"]["sdr"],
        presales_owner=users["presales"],
        requested_at=shanghai(2025, 1, 7, 9),
    )
    project = world.records["projects"]["project"]
    assert isinstance(project, Project)
    project_member_assign(project=project, user=users["solution"], role=Role.SOLUTION)
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

    approve(smb, plan_document(["u_rep", "u_other_rep"]))
    now = timezone.now()
    for who, group in (("rep", "rep"), ("sdr", "sdr")):
        account = world.records["accounts"][group]
        assert isinstance(account, Account)
        Alert.objects.create(
            kind=AlertKind.UNTOUCHED_ACCOUNT,
            severity=Severity.WARNING,
            unit=account.line,
            person=users[who],
            subject_key=f"account:{account.pk}",
            account=account,
            fingerprint=f"untouched:{account.pk}",
            message_template="%(account)s: %(days)s",
            message_params={"account": account.name, "days": 30},
            fired_at=now,
            last_seen_at=now,
        )
    ImportRun.objects.create(kind="accounts", filename="客户.csv", created_by=users["rep"])

    tokens = {
        role: "Bearer " + token_issue(owner=users[role], name="schemathesis").secret
        for role in ROLES
    }
    lines = list(OrgUnit.objects.filter(depth=2).order_by("path").values_list("code", flat=True))
    seeds: dict[str, list[Any]] = {
        "unit_id": _ids(OrgUnit),
        "membership_id": _ids(Membership),
        "plan_id": _ids(PlanVersion),
        "account_id": _ids(Account),
        "contact_id": _ids(Contact),
        "lead_id": _ids(Lead),
        "opportunity_id": _ids(Opportunity),
        "activity_id": _ids(Activity),
        "request_id": _ids(SolutionRequest),
        "project_id": _ids(Project),
        "milestone_id": _ids(Milestone),
        "stakeholder_id": _ids(Stakeholder),
        "resource_id": _ids(Resource),
        "review_id": _ids(StageReview),
        "alert_id": _ids(Alert),
        "run_id": [str(pk) for pk in _ids(ImportRun)],
        # A line is a code in paths and filters and an id in bodies.
        "line": [*lines, *_ids(OrgUnit)],
        "unit": list(OrgUnit.objects.values_list("code", flat=True)),
        "as_of": [AS_OF.isoformat()],
        "period": ["2025-07"],
        "account": _ids(Account),
        "referred_by": _ids(Account),
        "opportunity": _ids(Opportunity),
        "project": _ids(Project),
        "milestone": _ids(Milestone),
        "owner": _ids(User),
        "person": _ids(User),
        "user": _ids(User),
        "presales_owner": _ids(User),
        "version": [1, 2],
    }
    return ApiWorld(users=users, tokens=tokens, seeds=seeds)
