"""Write checked rows: create what is new, update what changed, leave the rest alone.

Accounts, contacts, leads, opportunities and stage histories go through their
services row by row, so every invariant and history they keep (ownership
history, the stage trail) holds for imports too; a service's refusal becomes
a row error. Activities, which come by the million, have their own set-based
writer (``activity_writer``).

Every update is recorded as an :class:`ImportChange` (field: old → new). The
audited changes (account owners, opportunities' stage, amount, owner and close
date) also go to the audit history, collected over the run and inserted in
bulk when the writer finishes, stamped with the run's id.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from salesmesh.accounts.models import Account, Contact
from salesmesh.accounts.selectors import accounts_visible_to
from salesmesh.accounts.services import (
    account_create,
    account_update,
    contact_create,
    contact_update,
)
from salesmesh.audit.models import AuditSource
from salesmesh.audit.services import AuditBatch
from salesmesh.exchange.import_fields import ImportSpec
from salesmesh.exchange.models import ImportChange, ImportRun
from salesmesh.exchange.resolve import NewAccount, ReferenceError_, Resolver
from salesmesh.exchange.validation import ErrorSink, ParsedRow
from salesmesh.org.models import OrgUnit, User
from salesmesh.pipeline.models import Lead, Opportunity, OpportunityStageChange
from salesmesh.pipeline.selectors import leads_visible_to, opportunities_visible_to
from salesmesh.pipeline.services import (
    lead_create,
    lead_update,
    opportunity_create,
    opportunity_update,
)


@dataclass
class Counts:
    """What a write did (or, in a dry run, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def as_text(value: object) -> str:
    """A value as the change history shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, models.Model):
        return str(getattr(value, "username", None) or getattr(value, "code", None) or value.pk)
    return str(value)


def _field_name(error: ValidationError, fallback: str) -> str:
    if hasattr(error, "error_dict"):
        return next(iter(error.error_dict), fallback)
    return fallback


class Writer:
    """Base of the per-row writers: counts, change records and error mapping."""

    def __init__(
        self,
        *,
        spec: ImportSpec,
        resolver: Resolver,
        user: User,
        run: ImportRun | None,
        headers: dict[str, str],
    ) -> None:
        self.spec = spec
        self.resolver = resolver
        self.user = user
        self.run = run
        self.headers = headers  # field key → the file's header, for error messages
        self.counts = Counts()
        self.changes: list[ImportChange] = []
        self.new_accounts: dict[NewAccount, Account] = {}
        self.audit = AuditBatch(batch=run.pk if run is not None else None)

    def write(self, rows: list[ParsedRow], errors: ErrorSink) -> None:
        for row in rows:
            try:
                self.write_row(row)
            except ValidationError as error:
                key = _field_name(error, self.spec.key[-1])
                errors.add(
                    row.number,
                    self.headers.get(key, key),
                    row.values.get(key, ""),
                    "; ".join(error.messages),
                )

    def create_missing_accounts(self, rows: list[ParsedRow]) -> None:
        """Create the accounts the rows name but that do not exist (when the user asked).

        Each new account belongs to the row's owner, else to the importing user,
        and is created once however many rows name it.
        """
        for row in rows:
            wanted = row.values.get("account")
            if not isinstance(wanted, NewAccount):
                continue
            account = self.new_accounts.get(wanted)
            if account is None:
                owner_id = row.values.get("owner") or self.user.pk
                account = account_create(
                    line=OrgUnit.objects.get(pk=wanted.line_id),
                    name=wanted.name,
                    owner=User.objects.get(pk=owner_id),
                    by=self.user,
                )
                self.new_accounts[wanted] = account
                self.resolver.accounts.add(account.pk, wanted.line_id, None, account.name)
            row.values["account"] = account.pk

    def write_row(self, row: ParsedRow) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def hidden_ids(self, found: QuerySet[Any], visible: QuerySet[Any]) -> set[int]:
        """Ids among ``found`` the user may not see: a file's key must not reach them."""
        if self.resolver.sees_everything:
            return set()
        return set(found.exclude(pk__in=visible.values("pk")).values_list("pk", flat=True))

    def finish(self, errors: ErrorSink) -> None:
        """Work that needs every row first; then the change records are saved."""
        self.save_changes()

    def save_changes(self) -> None:
        """Store the change records and audit rows of this run (a dry run keeps none)."""
        if self.run is not None and self.changes:
            ImportChange.objects.bulk_create(self.changes, batch_size=2000)
        self.audit.flush()  # in the import's transaction: a dry run rolls it back

    def record(self, record: models.Model, changes: dict[str, list[str]]) -> None:
        self.counts.updated += 1
        if self.run is not None:
            self.changes.append(
                ImportChange(
                    run=self.run,
                    record_id=record.pk,
                    external_id=getattr(record, "external_id", None) or str(record),
                    changes=changes,
                )
            )

    def diff(self, record: models.Model, wanted: dict[str, Any]) -> dict[str, Any]:
        """The fields of ``wanted`` whose values differ from the record's."""
        changed = {}
        for name, value in wanted.items():
            current = getattr(record, f"{name}_id" if _is_fk(record, name) else name)
            new = value.pk if isinstance(value, models.Model) else value
            if current != new:
                changed[name] = value
        return changed

    def change_log(self, record: models.Model, changed: dict[str, Any]) -> dict[str, list[str]]:
        return {
            name: [as_text(getattr(record, name)), as_text(value)]
            for name, value in changed.items()
        }


def refuse_hidden(external_id: str) -> ValidationError:
    """The error for a key that names a record the user may not see (nothing more is said)."""
    return ValidationError(
        {
            "external_id": _("The external ID “%(value)s” belongs to a record you may not change.")
            % {"value": external_id}
        },
        code="hidden",
    )


def _is_fk(record: models.Model, name: str) -> bool:
    return isinstance(record._meta.get_field(name), models.ForeignKey)


def _present(values: dict[str, Any], *names: str) -> dict[str, Any]:
    """The fields the file carries (a column not in the file leaves the field alone)."""
    return {name: values[name] for name in names if name in values}


def _or_default(values: dict[str, Any], name: str, default: Any) -> None:
    """An empty cell in a field that cannot be empty means the field's default."""
    if name in values and values[name] in (None, ""):
        values[name] = default


# Accounts ---------------------------------------------------------------------


class AccountWriter(Writer):
    """Upsert by (line, external ID); owner changes keep the ownership history."""

    FIELDS = ("name", "is_named", "tier", "wallet_potential", "industry", "region", "owner")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.existing: dict[tuple[int, str], Account] = {}
        self.referrals: list[tuple[ParsedRow, Account, str]] = []
        self.lines: dict[int, OrgUnit] = {}
        self.users: dict[int, User] = {}
        self.created_ids: set[int] = set()
        self.logs: dict[int, dict[str, list[str]]] = {}

    def write(self, rows: list[ParsedRow], errors: ErrorSink) -> None:
        keys = {(row.values["line"], row.values["external_id"]) for row in rows}
        line_ids = {line for line, _ext in keys}
        found = Account.objects.filter(
            line_id__in=line_ids, external_id__in={ext for _line, ext in keys}
        )
        self.existing = {(a.line_id, a.external_id or ""): a for a in found}
        self.hidden = self.hidden_ids(found, accounts_visible_to(user=self.user))
        self.lines.update(OrgUnit.objects.in_bulk(line_ids - set(self.lines)))
        owner_ids = {row.values.get("owner") for row in rows} - {None} - set(self.users)
        self.users.update(User.objects.in_bulk(owner_ids))
        super().write(rows, errors)

    def write_row(self, row: ParsedRow) -> None:
        values = dict(row.values)
        _or_default(values, "is_named", False)
        line_id, external_id = values["line"], values["external_id"]
        wanted = _present(values, *self.FIELDS)
        if "owner" in wanted:
            wanted["owner"] = self.users[wanted["owner"]]
        account = self.existing.get((line_id, external_id))
        if account is not None and account.pk in self.hidden:
            raise refuse_hidden(external_id)
        if account is None:
            account = account_create(
                line=self.lines[line_id], external_id=external_id, by=self.user, **wanted
            )
            self.created_ids.add(account.pk)
            self.resolver.accounts.add(account.pk, line_id, external_id, account.name)
        else:
            changed = self.diff(account, wanted)
            if changed:
                self.logs[account.pk] = self.change_log(account, changed)
                account = account_update(
                    account=account,
                    by=self.user,
                    source=AuditSource.IMPORT,
                    audit_batch=self.audit,
                    **changed,
                )
        if "referred_by" in values:
            self.referrals.append((row, account, values["referred_by"] or ""))
        else:
            self._settle(account)

    def _settle(self, account: Account) -> None:
        if account.pk in self.created_ids:
            self.counts.created += 1
        elif account.pk in self.logs:
            self.record(account, self.logs[account.pk])
        else:
            self.counts.unchanged += 1

    def finish(self, errors: ErrorSink) -> None:
        # Referrers may be accounts further down the same file: linked once all exist.
        wanted: list[tuple[ParsedRow, Account, str, int | None]] = []
        for row, account, word in self.referrals:
            try:
                referrer_id = self.resolver.account(word, account.line_id) if word else None
            except ReferenceError_ as error:
                errors.add(row.number, self.headers["referred_by"], word, str(error))
                continue
            wanted.append((row, account, word, referrer_id))
        # Old and new referrers in one query, not one per account.
        referrer_ids = {r for _row, a, _w, r in wanted} | {
            a.referred_by_id for _r, a, _w, _n in wanted
        }
        referrers = Account.objects.in_bulk(referrer_ids - {None})
        for row, account, word, referrer_id in wanted:
            if account.referred_by_id != referrer_id:
                previous = referrers.get(account.referred_by_id or 0)
                old = as_text(previous.external_id if previous is not None else "")
                try:
                    account = account_update(
                        account=account,
                        by=self.user,
                        source=AuditSource.IMPORT,
                        audit_batch=self.audit,
                        referred_by=referrers.get(referrer_id or 0),
                    )
                except ValidationError as error:
                    errors.add(
                        row.number, self.headers["referred_by"], word, "; ".join(error.messages)
                    )
                    continue
                if account.pk not in self.created_ids:
                    self.logs.setdefault(account.pk, {})["referred_by"] = [old, word]
            self._settle(account)
        super().finish(errors)


# Contacts ---------------------------------------------------------------------


class ContactWriter(Writer):
    """Upsert by (account, name): a contact has no ID of its own in most systems."""

    FIELDS = ("title", "buying_role", "influence", "attitude")

    def write(self, rows: list[ParsedRow], errors: ErrorSink) -> None:
        self.create_missing_accounts(rows)
        accounts = {row.values["account"] for row in rows}
        self.accounts = Account.objects.in_bulk(accounts)
        self.existing: dict[tuple[int, str], Contact] = {}
        for contact in Contact.objects.filter(account_id__in=accounts).order_by("pk"):
            self.existing.setdefault((contact.account_id, contact.name), contact)
        super().write(rows, errors)

    def write_row(self, row: ParsedRow) -> None:
        values = dict(row.values)
        _or_default(values, "buying_role", Contact._meta.get_field("buying_role").default)
        _or_default(values, "attitude", Contact._meta.get_field("attitude").default)
        _or_default(values, "influence", Contact._meta.get_field("influence").default)
        wanted = _present(values, *self.FIELDS)
        contact = self.existing.get((values["account"], values["name"]))
        if contact is None:
            contact = contact_create(
                account=self.accounts[values["account"]], name=values["name"], **wanted
            )
            self.existing[(contact.account_id, contact.name)] = contact
            self.counts.created += 1
            return
        changed = self.diff(contact, wanted)
        if not changed:
            self.counts.unchanged += 1
            return
        log = self.change_log(contact, changed)
        self.record(contact_update(contact=contact, **changed), log)


# Leads ------------------------------------------------------------------------


class LeadWriter(Writer):
    """Upsert by (line, external ID)."""

    FIELDS = ("name", "source", "status", "account", "owner", "created_on", "qualified_on")

    def write(self, rows: list[ParsedRow], errors: ErrorSink) -> None:
        self.create_missing_accounts(rows)
        keys = {(row.values["line"], row.values["external_id"]) for row in rows}
        found = Lead.objects.filter(
            line_id__in={line for line, _e in keys}, external_id__in={e for _l, e in keys}
        )
        self.existing = {(lead.line_id, lead.external_id or ""): lead for lead in found}
        self.hidden = self.hidden_ids(found, leads_visible_to(user=self.user))
        self.lines = OrgUnit.objects.in_bulk({line for line, _e in keys})
        self.accounts = Account.objects.in_bulk(
            {row.values.get("account") for row in rows} - {None}
        )
        self.users = User.objects.in_bulk({row.values.get("owner") for row in rows} - {None})
        super().write(rows, errors)

    def write_row(self, row: ParsedRow) -> None:
        values = dict(row.values)
        _or_default(values, "status", Lead._meta.get_field("status").default)
        wanted = _present(values, *self.FIELDS)
        if "account" in wanted:
            wanted["account"] = self.accounts.get(wanted["account"])
        if "owner" in wanted:
            wanted["owner"] = self.users.get(wanted["owner"])
        lead = self.existing.get((values["line"], values["external_id"]))
        if lead is not None and lead.pk in self.hidden:
            raise refuse_hidden(values["external_id"])
        if lead is None:
            lead_create(
                line=self.lines[values["line"]], external_id=values["external_id"], **wanted
            )
            self.counts.created += 1
            return
        changed = self.diff(lead, wanted)
        if not changed:
            self.counts.unchanged += 1
            return
        if "created_on" in changed:
            raise ValidationError(
                {"created_on": _("A lead's creation date cannot change.")}, code="fixed"
            )
        log = self.change_log(lead, changed)
        self.record(lead_update(lead=lead, **changed), log)


# Opportunities ----------------------------------------------------------------


class OpportunityWriter(Writer):
    """Upsert by (line, external ID); a new stage is recorded in the stage history."""

    FIELDS = (
        "account",
        "name",
        "stage",
        "amount",
        "currency",
        "expected_close",
        "forecast_category",
        "product_lines",
        "owner",
    )

    def write(self, rows: list[ParsedRow], errors: ErrorSink) -> None:
        self.create_missing_accounts(rows)
        keys = {(row.values["line"], row.values["external_id"]) for row in rows}
        found = Opportunity.objects.filter(
            line_id__in={line for line, _e in keys}, external_id__in={e for _l, e in keys}
        )
        self.existing = {(o.line_id, o.external_id or ""): o for o in found}
        self.hidden = self.hidden_ids(found, opportunities_visible_to(user=self.user))
        self.lines = OrgUnit.objects.in_bulk({line for line, _e in keys})
        self.accounts = Account.objects.in_bulk({row.values["account"] for row in rows})
        self.users = User.objects.in_bulk({row.values["owner"] for row in rows})
        super().write(rows, errors)

    def write_row(self, row: ParsedRow) -> None:
        values = dict(row.values)
        _or_default(values, "amount", Decimal(0))
        _or_default(values, "currency", Opportunity._meta.get_field("currency").default)
        if values.get("forecast_category") == "":
            del values["forecast_category"]  # the service derives it from the stage
        wanted = _present(values, *self.FIELDS)
        wanted["account"] = self.accounts[wanted["account"]]
        wanted["owner"] = self.users[wanted["owner"]]
        opportunity = self.existing.get((values["line"], values["external_id"]))
        if opportunity is not None and opportunity.pk in self.hidden:
            raise refuse_hidden(values["external_id"])
        if opportunity is None:
            opportunity = opportunity_create(
                line=self.lines[values["line"]],
                external_id=values["external_id"],
                by=self.user,
                **wanted,
            )
            self.counts.created += 1
            self.resolver.opportunities.add(
                opportunity.pk, opportunity.line_id, opportunity.external_id, opportunity.name
            )
            return
        changed = self.diff(opportunity, wanted)
        if not changed:
            self.counts.unchanged += 1
            return
        log = self.change_log(opportunity, changed)
        updated = opportunity_update(
            opportunity=opportunity,
            by=self.user,
            source=AuditSource.IMPORT,
            audit_batch=self.audit,
            **changed,
        )
        self.record(updated, log)


# Stage history -----------------------------------------------------------------


@dataclass
class _History:
    rows: list[ParsedRow] = field(default_factory=list)


class StageHistoryWriter(Writer):
    """Replace each named opportunity's stage history with the file's, when it differs.

    The file's rows of one opportunity must form one trail: the first from no
    stage, each next one from where the last ended, the last at the
    opportunity's current stage, in time order.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.histories: dict[int, _History] = defaultdict(_History)

    def write(self, rows: list[ParsedRow], errors: ErrorSink) -> None:
        for row in rows:
            self.histories[row.values["opportunity"]].rows.append(row)

    def finish(self, errors: ErrorSink) -> None:
        opportunities = Opportunity.objects.in_bulk(list(self.histories))
        current: dict[int, list[tuple[str, str, datetime, int | None]]] = defaultdict(list)
        for change in OpportunityStageChange.objects.filter(
            opportunity_id__in=list(self.histories)
        ).order_by("changed_at", "pk"):
            current[change.opportunity_id].append(
                (change.from_stage, change.to_stage, change.changed_at, change.changed_by_id)
            )
        new_rows: list[OpportunityStageChange] = []
        replaced: list[int] = []
        for opportunity_id, history in self.histories.items():
            opportunity = opportunities[opportunity_id]
            trail = sorted(history.rows, key=lambda row: (row.values["changed_at"], row.number))
            wanted = [
                (
                    row.values.get("from_stage") or "",
                    row.values["to_stage"],
                    row.values["changed_at"],
                    row.values.get("changed_by"),
                )
                for row in trail
            ]
            problem = self._trail_problem(wanted, opportunity)
            if problem is not None:
                position, message = problem
                row = trail[position]
                errors.add(
                    row.number,
                    self.headers.get("to_stage", "to_stage"),
                    row.values["to_stage"],
                    message,
                )
                continue
            if _same_trail(current.get(opportunity_id, []), wanted, "changed_by" in self.headers):
                self.counts.unchanged += len(trail)
                continue
            replaced.append(opportunity_id)
            self.record(
                opportunity,
                {
                    "stage_history": [
                        " → ".join(to for _f, to, _a, _b in current.get(opportunity_id, [])),
                        " → ".join(to for _f, to, _a, _b in wanted),
                    ]
                },
            )
            self.counts.updated += len(trail) - 1
            new_rows.extend(
                OpportunityStageChange(
                    opportunity_id=opportunity_id,
                    from_stage=from_stage,
                    to_stage=to_stage,
                    changed_at=changed_at,
                    changed_by_id=changed_by,
                )
                for from_stage, to_stage, changed_at, changed_by in wanted
            )
        if replaced:
            OpportunityStageChange.objects.filter(opportunity_id__in=replaced).delete()
            OpportunityStageChange.objects.bulk_create(new_rows, batch_size=2000)
        super().finish(errors)

    @staticmethod
    def _trail_problem(
        wanted: list[tuple[str, str, datetime, int | None]], opportunity: Opportunity
    ) -> tuple[int, str] | None:
        previous = ""
        for position, (from_stage, to_stage, _at, _by) in enumerate(wanted):
            if from_stage != previous:
                return position, _(
                    "The stage history does not join up: this move starts from “%(from)s” "
                    "but the one before ended at “%(previous)s”."
                ) % {"from": from_stage or "—", "previous": previous or "—"}
            if from_stage == to_stage:
                return position, _("A stage change must change the stage.")
            previous = to_stage
        if previous != opportunity.stage:
            return len(wanted) - 1, _(
                "The stage history ends at “%(last)s” but the opportunity is at “%(stage)s”; "
                "import the opportunities first."
            ) % {"last": previous, "stage": opportunity.stage}
        return None


def _same_trail(
    current: list[tuple[str, str, datetime, int | None]],
    wanted: list[tuple[str, str, datetime, int | None]],
    with_people: bool,
) -> bool:
    if len(current) != len(wanted):
        return False
    for (f1, t1, a1, b1), (f2, t2, a2, b2) in zip(current, wanted, strict=True):
        if (f1, t1, a1) != (f2, t2, a2) or (with_people and b1 != b2):
            return False
    return True
