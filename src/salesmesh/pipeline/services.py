"""Writes of leads and opportunities; every stage an opportunity takes is recorded.

``opportunity_create`` records the first stage (a change from no stage) and
``opportunity_update`` records every later move, so funnel conversions and
stage ages can be computed from ``OpportunityStageChange`` alone.

Every change of stage, amount, owner or expected close is also written to
the audit history (who, when, old → new), and every update is optimistically
locked: a caller that read version N passes ``expected_version=N`` and gets
:class:`~salesmesh.audit.locking.StaleObject` if someone saved in between.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from salesmesh.accounts.models import Account
from salesmesh.accounts.validators import external_id_or_none, moment
from salesmesh.audit.locking import claim_version
from salesmesh.audit.models import AuditSource
from salesmesh.audit.services import AuditBatch, record_changes, snapshot
from salesmesh.org.models import OrgUnit, User
from salesmesh.pipeline.models import (
    CLOSED_STAGES,
    DEFAULT_CURRENCY,
    ForecastCategory,
    Lead,
    LeadStatus,
    Opportunity,
    OpportunityStageChange,
    Stage,
)

LEAD_UPDATABLE = frozenset(
    {"line", "external_id", "name", "source", "status", "account", "owner", "qualified_on"}
)
OPPORTUNITY_UPDATABLE = frozenset(
    {
        "external_id",
        "account",
        "name",
        "stage",
        "amount",
        "currency",
        "expected_close",
        "forecast_category",
        "product_lines",
        "owner",
    }
)
# The fields whose changes the audit history keeps.
OPPORTUNITY_AUDITED = ("stage", "amount", "owner", "expected_close")
# A deal that closes leaves the forecast as closed (won) or omitted (lost)
# unless the caller says otherwise; one that reopens goes back to pipeline.
CATEGORY_ON_CLOSE = {Stage.WON: ForecastCategory.CLOSED, Stage.LOST: ForecastCategory.OMITTED}


def _same_line(account: Account | None, line_id: int) -> None:
    if account is not None and account.line_id != line_id:
        raise ValidationError(
            {"account": _("The account belongs to another business line.")}, code="other_line"
        )


@transaction.atomic
def lead_create(
    *,
    line: OrgUnit,
    source: str,
    created_on: date,
    name: str = "",
    external_id: str | None = None,
    status: str = LeadStatus.NEW,
    account: Account | None = None,
    owner: User | None = None,
    qualified_on: date | None = None,
) -> Lead:
    """Record a lead, validated by the model's rules."""
    _same_line(account, line.pk)
    lead = Lead(
        line=line,
        source=source,
        created_on=created_on,
        name=name,
        external_id=external_id_or_none(external_id),
        status=status,
        account=account,
        owner=owner,
        qualified_on=qualified_on,
    )
    lead.full_clean()
    lead.save()
    return lead


@transaction.atomic
def lead_update(*, lead: Lead, **fields: Any) -> Lead:
    """Change a lead's fields (its status, its qualification date …)."""
    unknown = set(fields) - LEAD_UPDATABLE
    if unknown:
        raise TypeError(f"lead_update cannot change {sorted(unknown)}")
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if "external_id" in fields:
        fields["external_id"] = external_id_or_none(fields["external_id"])
    for name, value in fields.items():
        setattr(locked, name, value)
    _same_line(locked.account, locked.line_id)
    locked.full_clean()
    if fields:
        locked.save(update_fields=list(fields))
    return locked


@transaction.atomic
def opportunity_create(
    *,
    line: OrgUnit,
    account: Account,
    name: str,
    owner: User,
    by: User | None = None,
    at: datetime | None = None,
    stage: str = Stage.LEAD,
    amount: Decimal = Decimal(0),
    currency: str = DEFAULT_CURRENCY,
    expected_close: date | None = None,
    forecast_category: str | None = None,
    product_lines: str = "",
    external_id: str | None = None,
) -> Opportunity:
    """Open an opportunity and record its first stage at ``at`` (default: now)."""
    when = moment(at)
    _same_line(account, line.pk)
    opportunity = Opportunity(
        line=line,
        account=account,
        name=name,
        owner=owner,
        stage=stage,
        amount=amount,
        currency=currency.strip().upper(),
        expected_close=expected_close,
        forecast_category=forecast_category
        or CATEGORY_ON_CLOSE.get(stage, ForecastCategory.PIPELINE),
        product_lines=product_lines,
        external_id=external_id_or_none(external_id),
    )
    opportunity.full_clean()
    opportunity.save()
    OpportunityStageChange.objects.create(
        opportunity=opportunity, from_stage="", to_stage=stage, changed_at=when, changed_by=by
    )
    return opportunity


@transaction.atomic
def opportunity_update(
    *,
    opportunity: Opportunity,
    by: User | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
    source: str = AuditSource.WEB,
    audit_batch: AuditBatch | None = None,
    **fields: Any,
) -> Opportunity:
    """Change an opportunity; a new stage is recorded in its history at ``at``.

    The version is claimed first (refused if it is no longer
    ``expected_version``), which also locks the row, so two stage moves of
    one deal queue and each history row starts where the previous one ended.
    The audited fields' changes are recorded (into ``audit_batch`` if given).
    """
    unknown = set(fields) - OPPORTUNITY_UPDATABLE
    if unknown:
        raise TypeError(f"opportunity_update cannot change {sorted(unknown)}")
    when = moment(at)
    claim_version(Opportunity, opportunity.pk, expected_version)
    locked = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("owner")
        .get(pk=opportunity.pk)
    )
    opportunity.version = locked.version
    before = snapshot(locked, OPPORTUNITY_AUDITED)
    previous = locked.stage
    stage = fields.get("stage", previous)
    if stage != previous and "forecast_category" not in fields:
        if stage in CLOSED_STAGES:
            fields["forecast_category"] = CATEGORY_ON_CLOSE[stage]
        elif previous in CLOSED_STAGES:
            fields["forecast_category"] = ForecastCategory.PIPELINE
    if "external_id" in fields:
        fields["external_id"] = external_id_or_none(fields["external_id"])
    if "currency" in fields:
        fields["currency"] = fields["currency"].strip().upper()
    for name, value in fields.items():
        setattr(locked, name, value)
    _same_line(locked.account, locked.line_id)
    locked.full_clean()
    if fields:
        locked.save(update_fields=list(fields))
    if stage != previous:
        _record_stage(locked, previous, stage, when, by)
    after = snapshot(locked, OPPORTUNITY_AUDITED)
    record_changes(
        locked, before, after, OPPORTUNITY_AUDITED, by=by, source=source, batch=audit_batch
    )
    return locked


def opportunity_stage_change(
    *,
    opportunity: Opportunity,
    stage: str,
    by: User | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
    source: str = AuditSource.WEB,
) -> Opportunity:
    """Move an opportunity to ``stage`` (recorded in its history); same stage is refused."""
    if stage == opportunity.stage:
        raise ValidationError(
            {"stage": _("The opportunity is already at this stage.")}, code="same_stage"
        )
    return opportunity_update(
        opportunity=opportunity,
        stage=stage,
        by=by,
        at=at,
        expected_version=expected_version,
        source=source,
    )


def _record_stage(
    opportunity: Opportunity, previous: str, stage: str, when: datetime, by: User | None
) -> None:
    last = (
        OpportunityStageChange.objects.filter(opportunity=opportunity)
        .order_by("-changed_at")
        .values_list("changed_at", flat=True)
        .first()
    )
    if last is not None and when < last:
        message = _("A stage change cannot be dated before the previous one (%(last)s).")
        raise ValidationError(
            {"stage": message % {"last": last.isoformat()}}, code="stage_change_out_of_order"
        )
    OpportunityStageChange.objects.create(
        opportunity=opportunity, from_stage=previous, to_stage=stage, changed_at=when, changed_by=by
    )
