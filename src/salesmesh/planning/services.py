"""Writes of planning records: paradigm decisions and plan versions (atomic).

Targets live in plan versions (ADR 0008), so their audit history is the
versions': each new version records its target against the previous
version's, and each status move (draft → approved → superseded) is recorded
with who made it. A version's ``version`` counter locks approval
optimistically: approving a version someone changed since it was shown is
refused with :class:`~salesmesh.audit.locking.StaleObject`; so is saving a
draft when a colleague has saved one of the same period since the author
started (``based_on``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from salesmesh.audit.locking import StaleObject, claim_version
from salesmesh.audit.models import AuditSource
from salesmesh.audit.services import record_changes
from salesmesh.org.models import OrgUnit, Paradigm, UnitKind, User
from salesmesh.planning.models import ParadigmChange, PlanStatus, PlanVersion


@transaction.atomic
def paradigm_apply(
    *,
    line: OrgUnit,
    paradigm: str,
    by: User,
    indicators: dict[str, Any],
    scores: dict[str, Any],
    note: str = "",
) -> ParadigmChange:
    """Set a business line's core paradigm and record the decision in its history."""
    if line.kind != UnitKind.BUSINESS_LINE:
        raise ValidationError(_("Only a business line has a paradigm."))
    if paradigm not in Paradigm.values:
        raise ValidationError(_("Unknown paradigm: %(value)s") % {"value": paradigm})
    locked = OrgUnit.objects.select_for_update().get(pk=line.pk)
    change = ParadigmChange.objects.create(
        unit=locked,
        previous=locked.paradigm,
        paradigm=paradigm,
        indicators=indicators,
        scores=scores,
        changed_by=by,
        note=note,
    )
    if locked.paradigm != paradigm:
        locked.paradigm = paradigm
        locked.save(update_fields=["paradigm"])
    line.paradigm = paradigm
    return change


@transaction.atomic
def plan_version_save(
    *,
    line: OrgUnit,
    period_label: str,
    paradigm: str,
    assumptions: dict[str, Any],
    result: dict[str, Any],
    by: User,
    note: str = "",
    source: str = AuditSource.WEB,
    based_on: int | None = None,
) -> PlanVersion:
    """Save a plan as the next draft version of the line's plan for the period.

    ``based_on`` is the id of the line's newest plan version when the author started
    (0: there was none): if a version of the same period has been saved since, the save
    is refused with :class:`StaleObject` naming it, so nobody adds a draft without having
    seen a colleague's. ``None`` (an import, a script) saves without that check.

    The audit history records the new draft's status and its target against
    the previous version's target.
    """
    # Lock the line so two people saving at once get distinct version numbers.
    OrgUnit.objects.select_for_update().get(pk=line.pk)
    if based_on is not None:
        newer = (
            PlanVersion.objects.filter(unit=line, period_label=period_label, pk__gt=based_on)
            .order_by("-number")
            .first()
        )
        if newer is not None:
            raise StaleObject(
                newer,
                _(
                    "Version %(number)s of the %(period)s plan was saved by someone else "
                    "since you started; look at it first, then save again to add yours "
                    "after it."
                )
                % {"number": newer.number, "period": period_label},
            )
    latest = PlanVersion.objects.filter(unit=line, period_label=period_label).aggregate(
        Max("number")
    )["number__max"]
    previous_target = (
        PlanVersion.objects.filter(unit=line, period_label=period_label, number=latest)
        .values_list("assumptions__target", flat=True)
        .first()
        if latest
        else None
    )
    version = PlanVersion.objects.create(
        unit=line,
        period_label=period_label,
        number=(latest or 0) + 1,
        paradigm=paradigm,
        assumptions=assumptions,
        result=result,
        status=PlanStatus.DRAFT,
        created_by=by,
        note=note,
    )
    record_changes(
        version,
        {"status": None, "target": _text(previous_target)},
        {"status": version.status, "target": _text(assumptions.get("target"))},
        ["status", "target"],
        by=by,
        source=source,
    )
    return version


def _text(value: Any) -> str | None:
    """A target as text, whatever the document's number type (None if unset)."""
    return None if value is None else str(value)


@transaction.atomic
def plan_version_approve(
    *,
    version: PlanVersion,
    by: User,
    expected_version: int | None = None,
    source: str = AuditSource.WEB,
) -> PlanVersion:
    """Approve a draft: it becomes locked and the previously approved one superseded.

    Nobody signs off their own plan. The line is locked first so that two
    approvals of the same line at once queue instead of colliding on the
    one-approved-version constraint; then the version is claimed (refused if
    it is no longer ``expected_version``). Both status moves are audited.
    """
    OrgUnit.objects.select_for_update().get(pk=version.unit_id)
    claim_version(PlanVersion, version.pk, expected_version)
    locked = PlanVersion.objects.select_for_update().get(pk=version.pk)
    if locked.created_by_id is not None and locked.created_by_id == by.pk:
        raise ValidationError(
            _("You drafted version %(number)s; someone else must approve it.")
            % {"number": locked.number}
        )
    if locked.status != PlanStatus.DRAFT:
        raise ValidationError(
            _("Version %(number)s is %(status)s; only a draft can be approved.")
            % {"number": locked.number, "status": locked.get_status_display()}
        )
    superseded = PlanVersion.objects.filter(
        unit_id=locked.unit_id, period_label=locked.period_label, status=PlanStatus.APPROVED
    )
    for old in superseded:  # at most one: the database allows one approved version
        claim_version(PlanVersion, old.pk)
        PlanVersion.objects.filter(pk=old.pk).update(status=PlanStatus.SUPERSEDED)
        record_changes(
            old,
            {"status": PlanStatus.APPROVED},
            {"status": PlanStatus.SUPERSEDED},
            ["status"],
            by=by,
            source=source,
        )
    record_changes(
        locked,
        {"status": locked.status},
        {"status": PlanStatus.APPROVED},
        ["status"],
        by=by,
        source=source,
    )
    locked.status = PlanStatus.APPROVED
    locked.approved_by = by
    locked.approved_at = timezone.now()
    locked.save(update_fields=["status", "approved_by", "approved_at"])
    return locked
