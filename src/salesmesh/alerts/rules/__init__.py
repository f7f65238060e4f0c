"""The alert rules: each returns the conditions that hold now, in a fixed number of queries.

A rule knows nothing of stored alerts. It reads the records (or the mesh) as of a day and
says which conditions are true; ``alerts.services.evaluate_alerts`` compares that set with
the open alerts to fire, refresh and clear them. One module per rule:

- ``pacing``: a key mesh indicator of a current plan amber or red;
- ``untouched``: a named account nobody touched for ``SALESMESH_UNTOUCHED_DAYS`` days;
- ``milestones``: an open milestone with a late resource, an unhandled key stakeholder or a
  late predecessor;
- ``presales``: a solution request unanswered after ``SALESMESH_PRESALES_RESPONSE_HOURS``
  hours or not completed within ``SALESMESH_PRESALES_COMPLETION_DAYS`` days.
"""

from __future__ import annotations

from collections.abc import Callable

from salesmesh.alerts.conditions import Condition, RuleContext
from salesmesh.alerts.rules import milestones, pacing, presales, untouched

Rule = Callable[[RuleContext], list[Condition]]

# Every rule by the kind of alert it raises, in the order they run.
RULES: tuple[tuple[str, Rule], ...] = (
    ("pacing", pacing.conditions),
    ("untouched_account", untouched.conditions),
    ("milestone_at_risk", milestones.conditions),
    ("presales_sla", presales.conditions),
)
