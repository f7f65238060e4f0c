"""Reads of imports: which runs a user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from salesmesh.exchange.models import ImportRun
from salesmesh.org.models import User
from salesmesh.org.selectors import user_is_admin


def import_runs_visible_to(*, user: User) -> QuerySet[ImportRun]:
    """The runs the user may look at, newest first: their own, or everyone's for admins."""
    runs = ImportRun.objects.select_related("created_by").order_by("-created_at")
    if user_is_admin(user=user):
        return runs
    return runs.filter(created_by=user)
