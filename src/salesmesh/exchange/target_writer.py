"""The import's writer for targets: each line and period's numbers become a new draft plan.

A targets file says, per business line and period, the line's target and
(optionally) the amounts fixed for some of its teams or people::

    line, period,     assignee,  amount
    smb,  FY2026-Q2,  ,          450万        # the line's own target
    smb,  FY2026-Q2,  smb-east,  200万        # locked for the East team
    smb,  FY2026-Q2,  rep,       30万         # locked for one rep

Targets live in plans (ADR 0008), so the import does what a manager does in
the editor: it takes the latest version of that line's plan for the period
(or the paradigm's starting plan), sets the target and the allocation's
locked amounts, runs the planner and saves the result as the next draft
version — which the line's approver then approves as usual. The versions
are the history; a file that changes nothing saves nothing.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from salesmesh.audit.models import AuditSource
from salesmesh.exchange.validation import ErrorSink, ParsedRow
from salesmesh.exchange.writers import Writer
from salesmesh.org.models import Membership, OrgUnit
from salesmesh.planfile.loader import PlanFileError
from salesmesh.planfile.report import report_to_dict
from salesmesh.planning.documents import (
    LOCKED_KEY,
    locked_amounts,
    plan_document_for,
    run_document,
    starting_assumptions,
)
from salesmesh.planning.models import PlanVersion
from salesmesh.planning.selectors import lines_managed_by
from salesmesh.planning.services import plan_version_save


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except ArithmeticError:
        return None


class TargetWriter(Writer):
    """Collects the rows per (line, period); writes one new draft version per changed plan."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.groups: dict[tuple[int, str], list[ParsedRow]] = defaultdict(list)

    def write(self, rows: list[ParsedRow], errors: ErrorSink) -> None:
        for row in rows:
            self.groups[(row.values["line"], row.values["period"])].append(row)

    def finish(self, errors: ErrorSink) -> None:
        managed = set(lines_managed_by(user=self.user).values_list("pk", flat=True))
        lines = OrgUnit.objects.in_bulk({line for line, _period in self.groups})
        for (line_id, period), rows in self.groups.items():
            line = lines[line_id]
            if line_id not in managed:
                for row in rows:
                    errors.add(
                        row.number,
                        self.headers["line"],
                        line.code,
                        _("Only the line's managers may set its targets."),
                    )
                continue
            self._plan(line, period, rows, errors)
        super().finish(errors)

    def _plan(self, line: OrgUnit, period: str, rows: list[ParsedRow], errors: ErrorSink) -> None:
        latest = (
            PlanVersion.objects.filter(unit=line, period_label=period).order_by("-number").first()
        )
        if latest is not None:
            document = copy.deepcopy(latest.assumptions)
        else:
            document = starting_assumptions(line=line)
            document["period"] = period
        allocation = document.get("allocation")
        locked: dict[str, Any] = {}
        if isinstance(allocation, dict):
            org = allocation.get("org")
            locked = dict(locked_amounts(org)) if isinstance(org, dict) else {}
        nodes = self._allocation_ids(line)
        changed = 0
        for row in rows:
            assignee = (row.values.get("assignee") or "").strip()
            amount = row.values["amount"]
            if not assignee or assignee == line.code:
                if _amount(document.get("target")) != amount:
                    document["target"] = str(amount)
                    changed += 1
                continue
            if assignee not in nodes:
                errors.add(
                    row.number,
                    self.headers.get("assignee", "assignee"),
                    assignee,
                    _(
                        "“%(value)s” is neither a unit nor a front-line person of the line "
                        "“%(line)s”; use a unit code or a username."
                    )
                    % {"value": assignee, "line": line.code},
                )
                continue
            if _amount(locked.get(assignee)) != amount:
                locked[assignee] = str(amount)
                changed += 1
        self.counts.updated += changed
        self.counts.unchanged += len(rows) - changed
        if not changed or errors.count:
            return
        if not isinstance(allocation, dict):
            allocation = document["allocation"] = {"method": "capacity"}
        allocation.pop("org", None)
        allocation[LOCKED_KEY] = locked
        full = plan_document_for(line=line, assumptions=document)
        try:
            report = run_document(full)
        except PlanFileError as error:
            problems = "; ".join(f"{path}: {message.render(_)}" for path, message in error.problems)
            errors.add(rows[0].number, self.headers["period"], period, problems)
            return
        version = plan_version_save(
            line=line,
            period_label=report.period_label,
            paradigm=report.paradigm,
            assumptions=full,
            result=report_to_dict(report),
            by=self.user,
            note=_("Targets imported from a file."),
            source=AuditSource.IMPORT,
        )
        self.record(
            version, {"targets": [f"v{latest.number}" if latest else "", f"v{version.number}"]}
        )
        # record() counted the plan as one update; the rows were counted above.
        self.counts.updated -= 1

    @staticmethod
    def _allocation_ids(line: OrgUnit) -> set[str]:
        """Unit codes of the line's subtree and usernames of the people in it."""
        units = OrgUnit.objects.filter(path__startswith=line.path)
        codes = set(units.values_list("code", flat=True))
        people = Membership.objects.filter(unit__path__startswith=line.path).values_list(
            "user__username", flat=True
        )
        return codes | set(people)
