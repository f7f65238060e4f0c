"""The import's writer for activities: checked rows into the set-based upsert."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from salesmesh.activities.models import MINUTES_PER_DAY, Activity
from salesmesh.activities.selectors import activities_visible_to
from salesmesh.activities.upsert import COLUMNS, ActivityRow, ActivityUpserter
from salesmesh.exchange.models import ImportChange
from salesmesh.exchange.validation import ErrorSink, ParsedRow
from salesmesh.exchange.writers import Writer, as_text, refuse_hidden

FIELD_OF_COLUMN = {"person_id": "person", "account_id": "account", "opportunity_id": "opportunity"}


class ActivityWriter(Writer):
    """Upsert by external ID; a deal's activity is an activity with the deal's account."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # A column the file does not carry leaves that field of a stored row alone.
        keep = frozenset(
            column
            for column in COLUMNS[1:]
            if FIELD_OF_COLUMN.get(column, column) not in self.headers
        )
        self.upserter_keep = keep
        self.upserter = ActivityUpserter(keep=keep)

    def write(self, rows: list[ParsedRow], errors: ErrorSink) -> None:
        deal_account = self.resolver.opportunity_account
        hidden = self.hidden_ids({row.values["external_id"] for row in rows})
        batch: list[ActivityRow] = []
        for row in rows:
            values = row.values
            if values["external_id"] in hidden:
                error = refuse_hidden(values["external_id"])
                errors.add(
                    row.number,
                    self.headers.get("external_id", "external_id"),
                    values["external_id"],
                    "; ".join(error.messages),
                )
                continue
            account = values.get("account")
            deal = values.get("opportunity")
            if deal is not None:
                if account is None:
                    account = deal_account[deal]
                elif account != deal_account[deal]:
                    column = self.headers.get("opportunity", "opportunity")
                    errors.add(
                        row.number,
                        column,
                        values.get("opportunity"),
                        _("The opportunity belongs to another account."),
                    )
                    continue
            minutes = values.get("duration_minutes") or 0
            if minutes > MINUTES_PER_DAY:
                errors.add(
                    row.number,
                    self.headers.get("duration_minutes", "duration_minutes"),
                    minutes,
                    _("The duration must be between 0 and %(max)s minutes.")
                    % {"max": MINUTES_PER_DAY},
                )
                continue
            batch.append(
                (
                    values["external_id"],
                    values["type"],
                    values["person"],
                    account,
                    deal,
                    values["occurred_at"],
                    bool(values.get("reached") or False),
                    minutes,
                )
            )
        if errors.count:
            return  # nothing more is written once the import is known to fail
        self.upserter.add(batch)

    def hidden_ids(self, external_ids: set[str]) -> set[str]:
        """External IDs of stored activities the user may not see: never overwritten."""
        if self.resolver.sees_everything or not external_ids:
            return set()
        stored = Activity.objects.filter(external_id__in=external_ids)
        visible = activities_visible_to(user=self.user).values("pk")
        return set(stored.exclude(pk__in=visible).values_list("external_id", flat=True))

    def finish(self, errors: ErrorSink) -> None:
        result = self.upserter.finish()
        self.counts.created = result.created
        self.counts.updated = result.updated
        self.counts.unchanged = result.unchanged
        self.record_changes(result.changes)

    def record_changes(
        self, changes: list[tuple[int, str, dict[str, tuple[object, object]]]]
    ) -> None:
        """Keep each updated activity's changes (field: old → new) on the run."""
        if self.run is not None:
            self.changes = [
                ImportChange(
                    run=self.run,
                    record_id=pk,
                    external_id=external_id,
                    changes={
                        name.removesuffix("_id"): [as_text(old), as_text(new)]
                        for name, (old, new) in differences.items()
                    },
                )
                for pk, external_id, differences in changes
            ]
        self.save_changes()
