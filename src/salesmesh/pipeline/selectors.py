"""Reads of leads and opportunities, scoped like accounts (own, own people's, managed lines)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from salesmesh.accounts.selectors import owners_managed_by
from salesmesh.org.models import User
from salesmesh.org.selectors import units_managed_by
from salesmesh.pipeline.models import Lead, Opportunity, OpportunityStageChange


def _visible(user: User) -> Q:
    managed = units_managed_by(user=user).values("pk")
    return Q(owner=user) | Q(owner_id__in=owners_managed_by(user=user)) | Q(line__in=managed)


def leads_visible_to(*, user: User) -> QuerySet[Lead]:
    """Leads the user may see: their own, their people's, and whole managed lines."""
    if not user.is_authenticated or not user.is_active:
        return Lead.objects.none()
    return Lead.objects.filter(_visible(user))


def opportunities_visible_to(*, user: User) -> QuerySet[Opportunity]:
    """Opportunities the user may see: their own, their people's, and whole managed lines."""
    if not user.is_authenticated or not user.is_active:
        return Opportunity.objects.none()
    return Opportunity.objects.filter(_visible(user))


def opportunity_stage_history(*, opportunity: Opportunity) -> QuerySet[OpportunityStageChange]:
    """The opportunity's stage moves in the order they happened, creation first."""
    return (
        OpportunityStageChange.objects.filter(opportunity=opportunity)
        .select_related("changed_by")
        .order_by("changed_at", "pk")
    )
