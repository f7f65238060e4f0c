"""A small hand-built company for the alert tests, and what each rule should find in it.

As of Saturday 28 March 2026 (Shanghai; the rules look at the end of that day,
23:59:59.999999), with the defaults: untouched after 30 days, a response within 24 hours,
completion within 30 days, stakeholders looked at 14 days ahead, critical within 7 days.

Key-account line "ka" (behaviour), managed by ``boss``; team "ka-a" led by ``lead`` (a
manager membership) with ``rep``; team "ka-b" with ``other``; ``presales`` in the line.

Named accounts — ``Alpha`` (rep) touched Fri 20 Mar (week of 16 Mar: 12 days, fine);
``Bravo`` (rep) touched Mon 16 Feb (40 days: warning); ``Charlie`` (other) never touched
(critical); ``Delta`` (other) touched Mon 5 Jan (82 days ≥ 60: critical). ``Echo`` (rep) is
not named and never touched: no alert.

Solution requests, presales owner ``presales``:
- R1 on Alpha, requested Thu 26 Mar 10:00, no response: 61 h > 48 h → critical;
- R2 on Charlie, requested Fri 27 Mar 20:00, no response: 27 h > 24 h → warning;
- R3 on Alpha, requested Wed 25 Mar 09:00, responded 11:00 the same day: fine;
- R4 on Bravo, requested Sun 1 Feb 09:00, responded 12:00, not completed: 55 days > 30
  → warning.

Government line "gov" (project), ``pm`` owns the account of project "Bridge":
- M0 planned Fri 20 Mar, open: late (its own alert is not a rule; M2 depends on it);
- M1 planned Fri 3 Apr (6 days: critical), integration resource with 10 days' lead time
  (needed by Tue 24 Mar), not ready → at risk;
- M2 planned Sat 30 May (warning), depends on M0 → at risk;
- M3 planned Wed 8 Apr (11 days, in the 14-day horizon; warning), stakeholder Wang with
  planned actions not handled → at risk; stakeholder Li (handled) and Zhao (no actions) are
  fine;
- M4 done on Thu 26 Mar, with a resource never marked ready: not at risk (done);
- M5 planned Fri 1 May, stakeholder Sun with pending actions: outside the horizon, fine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from salesmesh.accounts.models import Account
from salesmesh.activities.models import ActivityType, SolutionRequest
from salesmesh.activities.services import activity_create, solution_request_create
from salesmesh.org.models import OrgUnit, Paradigm, Role, User
from salesmesh.projects.models import Milestone, OwningRole, Resource, ResourceKind, Stakeholder
from salesmesh.projects.services import (
    milestone_create,
    project_create,
    resource_create,
    stakeholder_create,
)
from tests.accounts.factories import make_account, make_line, make_team, make_user, shanghai

AS_OF = date(2026, 3, 28)


@dataclass
class World:
    ka: OrgUnit
    team_a: OrgUnit
    team_b: OrgUnit
    gov: OrgUnit
    users: dict[str, User]
    accounts: dict[str, Account]
    requests: dict[str, SolutionRequest]
    milestones: dict[str, Milestone]
    resources: dict[str, Resource]
    stakeholders: dict[str, Stakeholder]


def touch(person: User, account: Account, *at: int) -> None:
    activity_create(
        person=person,
        type=ActivityType.CALL,
        occurred_at=shanghai(*at),
        reached=True,
        account=account,
    )


def build_world() -> World:
    ka = make_line("ka", Paradigm.BEHAVIOUR)
    gov = make_line("gov", Paradigm.PROJECT)
    team_a = make_team(ka, "ka-a")
    team_b = make_team(ka, "ka-b")
    boss = make_user("boss", unit=ka, role=Role.MANAGER)
    ka.manager = boss
    ka.save(update_fields=["manager"])
    lead = make_user("lead", unit=team_a, role=Role.MANAGER)
    users = {
        "boss": boss,
        "lead": lead,
        "rep": make_user("rep", unit=team_a, role=Role.SDR),
        "other": make_user("other", unit=team_b, role=Role.SDR),
        "presales": make_user("presales", unit=ka, role=Role.PRESALES),
        "pm": make_user("pm", unit=gov, role=Role.PMO),
    }
    rep, other = users["rep"], users["other"]
    accounts = {
        "Alpha": make_account(ka, rep, "Alpha", is_named=True),
        "Bravo": make_account(ka, rep, "Bravo", is_named=True),
        "Charlie": make_account(ka, other, "Charlie", is_named=True),
        "Delta": make_account(ka, other, "Delta", is_named=True),
        "Echo": make_account(ka, rep, "Echo"),
        "City": make_account(gov, users["pm"], "City"),
    }
    touch(rep, accounts["Alpha"], 2026, 3, 20, 10)
    touch(rep, accounts["Bravo"], 2026, 2, 16, 10)
    touch(other, accounts["Delta"], 2026, 1, 5, 10)

    presales = users["presales"]
    requests = {
        "R1": solution_request_create(
            account=accounts["Alpha"],
            presales_owner=presales,
            requested_at=shanghai(2026, 3, 26, 10),
        ),
        "R2": solution_request_create(
            account=accounts["Charlie"],
            presales_owner=presales,
            requested_at=shanghai(2026, 3, 27, 20),
        ),
        "R3": solution_request_create(
            account=accounts["Alpha"],
            presales_owner=presales,
            requested_at=shanghai(2026, 3, 25, 9),
            responded_at=shanghai(2026, 3, 25, 11),
        ),
        "R4": solution_request_create(
            account=accounts["Bravo"],
            presales_owner=presales,
            requested_at=shanghai(2026, 2, 1, 9),
            responded_at=shanghai(2026, 2, 1, 12),
        ),
    }

    project = project_create(line=gov, account=accounts["City"], name="Bridge")

    def milestone(name: str, planned: date, **fields: object) -> Milestone:
        return milestone_create(
            project=project,
            name=name,
            planned_date=planned,
            owning_role=OwningRole.PMO,
            **fields,  # type: ignore[arg-type]
        )

    m0 = milestone("M0", date(2026, 3, 20))
    milestones = {
        "M0": m0,
        "M1": milestone("M1", date(2026, 4, 3)),
        "M2": milestone("M2", date(2026, 5, 30), depends_on=[m0]),
        "M3": milestone("M3", date(2026, 4, 8)),
        "M4": milestone("M4", date(2026, 3, 27), actual_date=date(2026, 3, 26)),
        "M5": milestone("M5", date(2026, 5, 1)),
    }
    resources = {
        "M1": resource_create(
            milestone=milestones["M1"], kind=ResourceKind.INTEGRATION, lead_time_days=10
        ),
        "M4": resource_create(
            milestone=milestones["M4"], kind=ResourceKind.PRODUCT, lead_time_days=30
        ),
    }

    def stakeholder(name: str, key: str, **fields: object) -> Stakeholder:
        return stakeholder_create(project=project, name=name, milestone=milestones[key], **fields)

    stakeholders = {
        "Wang": stakeholder("Wang", "M3", planned_actions="2026-04-01 lunch with the director"),
        "Li": stakeholder(
            "Li", "M3", planned_actions="2026-03-20 demo", handled_on=date(2026, 3, 20)
        ),
        "Zhao": stakeholder("Zhao", "M3"),
        "Sun": stakeholder("Sun", "M5", planned_actions="2026-04-25 site visit"),
    }
    return World(
        ka=ka,
        team_a=team_a,
        team_b=team_b,
        gov=gov,
        users=users,
        accounts=accounts,
        requests=requests,
        milestones=milestones,
        resources=resources,
        stakeholders=stakeholders,
    )
