"""A small crafted company for the access tests: one person per role, records in and out
of every scope, and by hand which role sees which records.

    公司 co ─ admin (admin role), head (manager of the company)
     ├─ smb (probability) ─ line_mgr
     │   ├─ ta ─ team_mgr, rep        records of group "rep"
     │   └─ tb ─ other_rep            records of group "other"
     ├─ ka (behaviour) ─ kt ─ sdr     records of group "sdr"
     └─ gov (project) ─ gt ─ biz, pmo, pmo_free
                                      account of group "gov" (biz's); its project
                                      (group "project") has pmo assigned, not pmo_free
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Model

from salesmesh.accounts.services import contact_create
from salesmesh.activities.services import activity_create, solution_request_create
from salesmesh.org.models import Paradigm, Role, User
from salesmesh.pipeline.services import lead_create, opportunity_create
from salesmesh.projects.services import project_create, project_member_assign
from tests.accounts.factories import (
    make_account,
    make_company,
    make_line,
    make_team,
    make_user,
    shanghai,
)

ROLES = (
    "admin", "head", "line_mgr", "team_mgr", "rep", "other_rep", "sdr", "pmo", "pmo_free",
)  # fmt: skip
ALL_GROUPS = frozenset({"rep", "other", "sdr", "gov", "project"})
# Which record groups each role may see, worked out by hand from docs/security.md.
VISIBLE: dict[str, frozenset[str]] = {
    "admin": ALL_GROUPS,
    "head": ALL_GROUPS,
    "line_mgr": frozenset({"rep", "other"}),
    "team_mgr": frozenset({"rep"}),
    "rep": frozenset({"rep"}),
    "other_rep": frozenset({"other"}),
    "sdr": frozenset({"sdr"}),
    "pmo": frozenset({"project"}),  # assigned to the project, owns no account
    "pmo_free": frozenset(),
}
# The business lines whose dashboards each role may open (member, manager or admin).
LINES: dict[str, frozenset[str]] = {
    "admin": frozenset({"smb", "ka", "gov"}),
    "head": frozenset({"smb", "ka", "gov"}),
    "line_mgr": frozenset({"smb"}),
    "team_mgr": frozenset({"smb"}),
    "rep": frozenset({"smb"}),
    "other_rep": frozenset({"smb"}),
    "sdr": frozenset({"ka"}),
    "pmo": frozenset({"gov"}),
    "pmo_free": frozenset({"gov"}),
}


@dataclass
class World:
    users: dict[str, User]
    # kind → group → the record of that kind in that group
    records: dict[str, dict[str, Model]]

    def ids(self, kind: str, groups: frozenset[str]) -> set[int]:
        return {obj.pk for group, obj in self.records[kind].items() if group in groups}

    def all_ids(self, kind: str) -> set[int]:
        return {obj.pk for obj in self.records[kind].values()}


def build_world() -> World:
    company = make_company()
    smb = make_line("smb", Paradigm.PROBABILITY)
    ka = make_line("ka", Paradigm.BEHAVIOUR)
    gov = make_line("gov", Paradigm.PROJECT)
    ta, tb = make_team(smb, "ta"), make_team(smb, "tb")
    kt, gt = make_team(ka, "kt"), make_team(gov, "gt")
    users = {
        "admin": make_user("u_admin", unit=company, role=Role.ADMIN),
        "head": make_user("u_head", unit=company, role=Role.MANAGER),
        "line_mgr": make_user("u_line_mgr", unit=smb, role=Role.MANAGER),
        "team_mgr": make_user("u_team_mgr", unit=ta, role=Role.MANAGER),
        "rep": make_user("u_rep", unit=ta),
        "other_rep": make_user("u_other_rep", unit=tb),
        "sdr": make_user("u_sdr", unit=kt, role=Role.SDR),
        "biz": make_user("u_biz", unit=gt, role=Role.BUSINESS),
        "pmo": make_user("u_pmo", unit=gt, role=Role.PMO),
        "pmo_free": make_user("u_pmo_free", unit=gt, role=Role.PMO),
    }
    accounts = {
        "rep": make_account(smb, users["rep"], name="甲客户", external_id="X-REP"),
        "other": make_account(smb, users["other_rep"], name="乙客户", external_id="X-OTHER"),
        "sdr": make_account(ka, users["sdr"], name="丙客户", external_id="X-SDR"),
        "gov": make_account(gov, users["biz"], name="丁客户", external_id="X-GOV"),
    }
    records: dict[str, dict[str, Any]] = {"accounts": accounts}
    records["contacts"] = {
        g: contact_create(account=accounts[g], name=f"{g}联系人") for g in ("rep", "other")
    }
    owners = {"rep": users["rep"], "other": users["other_rep"]}
    records["leads"] = {
        g: lead_create(
            line=smb, source="referral", created_on=date(2025, 1, 3), name=f"{g}线索", owner=o
        )
        for g, o in owners.items()
    }
    records["opportunities"] = {
        g: opportunity_create(
            line=smb,
            account=accounts[g],
            name=f"{g}商机",
            owner=o,
            amount=Decimal(100),
            expected_close=date(2025, 6, 30),
            at=shanghai(2025, 1, 2, 9),
        )
        for g, o in owners.items()
    }
    people = {**owners, "sdr": users["sdr"]}
    records["activities"] = {
        g: activity_create(
            person=p, type="call", occurred_at=shanghai(2025, 1, 5, 10), account=accounts[g]
        )
        for g, p in people.items()
    }
    records["solution_requests"] = {
        "sdr": solution_request_create(
            account=accounts["sdr"],
            presales_owner=users["sdr"],
            requested_at=shanghai(2025, 1, 6, 9),
        )
    }
    project = project_create(
        line=gov, account=accounts["gov"], name="戊项目", contract_value=Decimal(1000)
    )
    project_member_assign(project=project, user=users["pmo"], role=Role.PMO)
    records["projects"] = {"project": project}
    return World(users=users, records=records)
