"""What a rule returns: the alert conditions that hold, and when the rules look."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from salesmesh.core.i18n import Message


@dataclass(frozen=True)
class RuleContext:
    """When the rules look: the local day and the moment (the day's end for a past day)."""

    as_of: date
    now: datetime


@dataclass(frozen=True)
class Condition:
    """One alert condition that holds: what, how bad, about whom, and its message."""

    kind: str
    subject_key: str
    severity: str
    message: Message
    unit_id: int
    person_id: int | None = None
    account_id: int | None = None
    milestone_id: int | None = None
    solution_request_id: int | None = None

    @property
    def fingerprint(self) -> str:
        """Stable across evaluations while the same condition holds for the same subject."""
        return f"{self.kind}:{self.subject_key}"
