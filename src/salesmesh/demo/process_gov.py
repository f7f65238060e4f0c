"""Government and enterprise demo process data (project paradigm).

The three projects of the approved plan keep the plan's milestones, planned
dates, revenue shares, dependencies, stakeholders and resources; ``until``
decides which milestones are done (some late), which are overdue and which
lie ahead. Two more projects frame the year: one that closed in it (its
lessons are a scenario solution) and one still being won.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from salesmesh.accounts.models import Account, BuyingRole
from salesmesh.accounts.services import account_create, contact_create
from salesmesh.activities.models import ActivityType
from salesmesh.audit.models import AuditSource
from salesmesh.demo.process_base import Demo, line_and_plan, people, plan_decimal
from salesmesh.demo.process_catalog import CUSTOMERS, ProjectSpec, extra_projects
from salesmesh.org.models import OrgUnit, Role, User
from salesmesh.projects.models import Milestone, OwningRole, Project
from salesmesh.projects.services import (
    milestone_create,
    project_create,
    project_member_assign,
    resource_create,
    scenario_solution_create,
    stage_review_create,
    stakeholder_create,
)

GOV_SEED = 20260203
# Milestones that slipped, by working days: the mesh should find them. The
# resource the late go-live waited for is the one that came in late.
LATE = {("jtwl", "k3"): 12, ("zwsj", "m2"): 9}
LATE_RESOURCE = ("jtwl", "k3", "integration")
DONE_BY = 5  # a milestone planned this many days before `until` has been closed out
# Of the stakeholder actions already due, about this share was handled (on or a few days
# before the due date); the rest is still pending, so the mesh shows a mix of both.
HANDLED_SHARE = 0.7


def plan_projects(assumptions: dict[str, Any], result: dict[str, Any]) -> list[ProjectSpec]:
    """The plan's projects with the planned dates and resources its result computed."""
    planned = {project["id"]: project for project in result["data"]["plan"]["projects"]}
    specs = []
    for project in assumptions["project"]["projects"]:
        computed = planned[project["id"]]
        depends = {m["id"]: m.get("depends_on", []) for m in project["milestones"]}
        milestones = [{**m, "depends_on": depends.get(m["id"], [])} for m in computed["milestones"]]
        specs.append(
            ProjectSpec(
                key=project["id"],
                name=project["name"],
                goal=project.get("goal", ""),
                contract_value=plan_decimal(computed["contract_value"]),
                customer=CUSTOMERS.get(project["id"], (project["name"], "政务", "华东")),
                milestones=milestones,
                stakeholders=project.get("stakeholders", []),
            )
        )
    return specs


class GovSeeder:
    """Writes the project line's projects, their milestones and the work around them."""

    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.line, version = line_and_plan("gov")
        self.rng = random.Random(GOV_SEED)
        # Its own stream, so handling the actions leaves the rest of the data as it was.
        self.handled_rng = random.Random(GOV_SEED + 1)
        self.specs = plan_projects(version.assumptions, version.result) + extra_projects(demo.until)
        self.roles: dict[str, list[User]] = {
            OwningRole.PMO: people("gov-pmo", Role.PMO),
            OwningRole.BUSINESS: people("gov-business", Role.BUSINESS),
            OwningRole.SOLUTION: people("gov-solution", Role.SOLUTION),
        }

    def run(self) -> None:
        """Every project in turn."""
        for number, spec in enumerate(self.specs, start=1):
            self._project(number, spec)

    def _done_on(
        self, spec: ProjectSpec, milestone: dict[str, Any], prerequisites: list[date | None]
    ) -> date | None:
        """When a milestone was closed out, or None while it is open."""
        demo, rng = self.demo, self.rng
        planned = date.fromisoformat(milestone["planned_date"])
        if any(done is None for done in prerequisites) or planned > demo.until - timedelta(
            days=DONE_BY
        ):
            return None
        slip = LATE.get((spec.key, milestone["id"]))
        if slip is None:
            done = planned - timedelta(days=rng.randint(0, 4))
        else:
            done = planned
            for _ in range(slip):
                done = demo.working_day_on_or_after(done + timedelta(days=1))
        done = max([done, *(d + timedelta(days=1) for d in prerequisites if d is not None)])
        return demo.working_day_on_or_after(done) if done <= demo.until else None

    def _project(self, number: int, spec: ProjectSpec) -> None:
        demo = self.demo
        owner = self._in_turn(OwningRole.BUSINESS, number)
        first_planned = min(date.fromisoformat(m["planned_date"]) for m in spec.milestones)
        account = account_create(
            line=self.line,
            name=spec.customer[0],
            owner=owner,
            by=owner,
            at=demo.at(first_planned - timedelta(days=120), 9 * 60),
            external_id=f"GOV-A-{number:02d}",
            is_named=True,
            tier="A",
            wallet_potential=spec.contract_value * 2,
            industry=spec.customer[1],
            region=spec.customer[2],
        )
        project = project_create(
            line=self.line,
            account=account,
            name=spec.name,
            customer_goal=spec.goal,
            contract_value=spec.contract_value,
        )
        self._assign(number, project, owner, first_planned - timedelta(days=120))
        milestones: dict[str, Milestone] = {}
        done: dict[str, date | None] = {}
        for item in spec.milestones:
            prerequisites = item.get("depends_on", [])
            done[item["id"]] = self._done_on(spec, item, [done[p] for p in prerequisites])
            share = Decimal(str(item.get("revenue_share", 0)))
            milestones[item["id"]] = milestone_create(
                project=project,
                name=item["name"],
                planned_date=date.fromisoformat(item["planned_date"]),
                owning_role=item.get("owner") or OwningRole.PMO,
                actual_date=done[item["id"]],
                revenue_share=share,
                revenue_kind=item.get("revenue_kind", ""),
                depends_on=[milestones[p] for p in prerequisites],
            )
            closed = done[item["id"]]
            self._resources(spec, item, milestones[item["id"]], closed)
            self._milestone_work(account, item, closed)
            if closed is not None:
                self._review(project, item, closed)
        self._stakeholders(project, account, spec, milestones)
        if spec.scenario is not None:
            scenario_solution_create(project=project, **spec.scenario)

    def _assign(self, number: int, project: Project, owner: User, on: date) -> None:
        """Staff the project: its account's owner as business, a PMO and a solution person.

        Taken in turn (no randomness, so the rest of the data stays as it was): with the
        demo's five projects the ``pmo`` and ``solution`` logins, first of their teams,
        each work on two or more of them and see them on the records and dashboards.
        """
        staff = {
            Role.BUSINESS: owner,
            Role.PMO: self._in_turn(OwningRole.PMO, number),
            Role.SOLUTION: self._in_turn(OwningRole.SOLUTION, number),
        }
        for role, person in staff.items():
            project_member_assign(
                project=project, user=person, role=role, assigned_on=on, source=AuditSource.SYSTEM
            )

    def _in_turn(self, role: str, number: int) -> User:
        people_of_role = self.roles[role]
        return people_of_role[(number - 1) % len(people_of_role)]

    def _resources(
        self, spec: ProjectSpec, item: dict[str, Any], milestone: Milestone, done: date | None
    ) -> None:
        rng, demo = self.rng, self.demo
        for resource in item.get("resources", []):
            needed_by = date.fromisoformat(resource["ready_by"])
            lead_days = (date.fromisoformat(resource["milestone_date"]) - needed_by).days
            if (spec.key, item["id"], resource["kind"]) == LATE_RESOURCE:
                ready: date | None = needed_by + timedelta(days=21)
            elif needed_by <= demo.until or done is not None:
                ready = needed_by - timedelta(days=rng.randint(0, 5))
            else:
                ready = None
            resource_create(
                milestone=milestone,
                kind=resource["kind"],
                description=resource.get("description", ""),
                lead_time_days=lead_days,
                ready_date=ready if ready is None or ready <= demo.until else None,
            )

    def _milestone_work(self, account: Account, item: dict[str, Any], done: date | None) -> None:
        """The owning role's meetings in the weeks before a milestone; the stakeholder actions."""
        rng, demo = self.rng, self.demo
        target = done or date.fromisoformat(item["planned_date"])
        people_of_role = (
            self.roles.get(item.get("owner") or OwningRole.PMO) or self.roles[OwningRole.PMO]
        )
        for _ in range(rng.randint(2, 4)):
            day = demo.working_day_on_or_after(target - timedelta(days=rng.randint(3, 28)))
            if day < demo.start or day > demo.until:
                continue
            demo.log.add(
                person_id=rng.choice(people_of_role).pk,
                type=rng.choice((ActivityType.MEETING, ActivityType.VISIT)),
                occurred_at=demo.selling_moment(rng, day),
                reached=True,
                minutes=rng.randint(60, 180),
                account_id=account.pk,
            )
        for action in item.get("actions", []):
            day = date.fromisoformat(action["due_date"]) - timedelta(days=rng.randint(0, 3))
            day = demo.working_day_on_or_after(day)
            if demo.start <= day <= demo.until:
                demo.log.add(
                    person_id=rng.choice(self.roles[OwningRole.BUSINESS]).pk,
                    type=ActivityType.MEETING,
                    occurred_at=demo.selling_moment(rng, day),
                    reached=True,
                    minutes=rng.randint(45, 120),
                    account_id=account.pk,
                )

    def _review(self, project: Project, item: dict[str, Any], done: date) -> None:
        demo, rng = self.demo, self.rng
        held = demo.working_day_on_or_after(done + timedelta(days=rng.randint(3, 10)))
        if held > demo.until:
            return
        planned = date.fromisoformat(item["planned_date"])
        late = (done - planned).days
        stage_review_create(
            project=project,
            held_on=held,
            what_happened=f"「{item['name']}」于{done.isoformat()}完成，计划日期{planned.isoformat()}。",
            gaps=(
                f"比计划晚{late}天：前置资源未按提前期到位，客户侧评审排期后延。"
                if late > 0
                else "按计划完成；客户侧确认流程比预期多一轮。"
            ),
            actions=(
                "后续里程碑的资源提前两周锁定；每周与客户项目负责人对齐评审日程。"
                if late > 0
                else "沿用本阶段的评审准备清单；提前预约下一阶段关键干系人。"
            ),
        )

    def _stakeholders(
        self,
        project: Project,
        account: Account,
        spec: ProjectSpec,
        milestones: dict[str, Milestone],
    ) -> None:
        actions: dict[tuple[str, str], list[str]] = {}
        due: dict[tuple[str, str], date] = {}
        for item in spec.milestones:
            for action in item.get("actions", []):
                key = (action["stakeholder"], item["id"])
                actions.setdefault(key, []).append(f"{action['due_date']} {action['description']}")
                day = date.fromisoformat(action["due_date"])
                due[key] = min(due.get(key, day), day)
        for person in spec.stakeholders:
            contact_create(
                account=account,
                name=person["name"],
                title=person.get("title", ""),
                buying_role=BuyingRole.DECISION_MAKER
                if person["influence"] >= 5
                else BuyingRole.INFLUENCER,
                influence=person["influence"],
                attitude=person["attitude"],
            )
            # One row per milestone the person can carry or derail (the model's grain).
            for key in person.get("milestone_ids", []):
                stakeholder_create(
                    project=project,
                    milestone=milestones[key],
                    name=person["name"],
                    title=person.get("title", ""),
                    influence=person["influence"],
                    attitude=person["attitude"],
                    planned_actions="\n".join(actions.get((person["name"], key), [])),
                    handled_on=self._handled_on(due.get((person["name"], key))),
                )

    def _handled_on(self, due: date | None) -> date | None:
        """When the actions due on ``due`` were done: mostly on time, some still pending."""
        demo, rng = self.demo, self.handled_rng
        if due is None or due > demo.until or rng.random() >= HANDLED_SHARE:
            return None
        day = due - timedelta(days=rng.randint(0, 3))
        while not demo.calendar.is_working_day(day):
            day -= timedelta(days=1)
        return day


def seed_gov(*, demo: Demo) -> OrgUnit:
    """Seed the project line's five projects; return the line."""
    seeder = GovSeeder(demo)
    seeder.run()
    return seeder.line
