"""An approved plan for each demo business line, drafted by its manager, approved by the head."""

from __future__ import annotations

from salesmesh.org.models import OrgUnit, UnitKind, User
from salesmesh.planfile.report import report_to_dict
from salesmesh.planning.documents import run_document, starting_assumptions
from salesmesh.planning.models import PlanVersion
from salesmesh.planning.services import plan_version_approve, plan_version_save

# The worked SMB example aims at 650万 with its own 20 reps and is infeasible on
# purpose (to show the fixes); the demo's reps carry less capacity, so the demo's
# approved plan aims at what they can deliver.
DEMO_TARGETS = {"smb": "450万"}
DEMO_NOTE = "演示公司的已批准计划 / approved demo plan"


def seed_demo_plans(*, approver: User) -> int:
    """Create and approve one plan per business line that has none; return how many."""
    created = 0
    lines = OrgUnit.objects.filter(kind=UnitKind.BUSINESS_LINE).select_related("manager")
    for line in lines.order_by("path"):
        if PlanVersion.objects.filter(unit=line).exists():
            continue
        document = starting_assumptions(line=line)
        if line.code in DEMO_TARGETS:
            document["target"] = DEMO_TARGETS[line.code]
        report = run_document(document)
        # Nobody approves their own draft: without a line manager, an admin drafts.
        drafter = (
            line.manager or User.objects.filter(is_superuser=True).exclude(pk=approver.pk).first()
        )
        version = plan_version_save(
            line=line,
            period_label=report.period_label,
            paradigm=report.paradigm,
            assumptions=document,
            result=report_to_dict(report),
            by=drafter,
            note=DEMO_NOTE,
        )
        plan_version_approve(version=version, by=approver)
        created += 1
    return created
