"""The indexes the mesh's window queries read (pipeline migrations 0003 and 0004).

``activities.indicators.probability_actuals_by_rep`` counts the leads each rep created, and
those qualified, in a window and in the unit's line (each half one range of an owner index
holding every column it reads), and every stage move of a window joined to its deal's
owner. Without these, SQLite read every lead of every rep and PostgreSQL scanned the stage
history (docs/benchmarks.md).
"""

from __future__ import annotations

import pytest
from django.db import connection

from salesmesh.pipeline.models import Lead, OpportunityStageChange

pytestmark = pytest.mark.django_db


def _indexes(model: type) -> dict[tuple[str, ...], str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        tuple(info["columns"]): name
        for name, info in constraints.items()
        if info["index"] and not info["primary_key"]
    }


def test_leads_have_a_covering_owner_index_for_each_half_of_the_window() -> None:
    indexes = _indexes(Lead)
    created = ("owner_id", "line_id", "created_on", "source", "qualified_on")
    qualified = ("owner_id", "line_id", "qualified_on", "created_on", "source")
    assert indexes[created] == "lead_owner_day"
    assert indexes[qualified] == "lead_owner_qualified"


def test_stage_moves_are_indexed_by_time() -> None:
    assert _indexes(OpportunityStageChange)[("changed_at",)] == "stage_change_time"
