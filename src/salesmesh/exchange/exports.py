"""Exports of every kind of process data to CSV and XLSX.

One column spec per kind says which columns, in which order, under which
(translated) header and how each value is read from a row. Rows come from a
queryset with the related rows joined in (``select_related``) and are streamed
in chunks, so an export takes the same number of queries at any size and its
memory stays flat.

Every text cell is neutralised (``planfile.xlsx.neutralise``): text starting
with ``= + - @``, a tab or a carriage return gets a leading apostrophe so a
spreadsheet never runs it as a formula (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import IO, Any

from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from salesmesh.accounts.models import Account, Contact
from salesmesh.accounts.selectors import accounts_visible_to
from salesmesh.activities.models import Activity, SolutionRequest
from salesmesh.activities.selectors import activities_visible_to, solution_requests_visible_to
from salesmesh.org.models import User
from salesmesh.pipeline.models import Lead, Opportunity, OpportunityStageChange
from salesmesh.pipeline.selectors import leads_visible_to, opportunities_visible_to
from salesmesh.planfile.xlsx import (
    DATE_FORMAT,
    MAX_WIDTH,
    MIN_WIDTH,
    MONEY_FORMAT,
    WIDTH_PADDING,
    display_width,
    neutralise,
)
from salesmesh.projects.models import Milestone, Project, ScenarioSolution
from salesmesh.projects.selectors import projects_visible_to, scenario_solutions_visible_to

CHUNK_SIZE = 2000
BOM = "\ufeff"
FORMATS = ("csv", "xlsx")

DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# Columns whose values have a known display width, whatever their header.
KIND_WIDTHS = {"date": 12, "datetime": 20, "money": 16}

TEXT, INT, MONEY, NUMBER, DATE, DATETIME, BOOL = (
    "text",
    "int",
    "money",
    "number",
    "date",
    "datetime",
    "bool",
)


def _related(path: str) -> Callable[[Any], object]:
    """Follow ``a.b.c`` and give None as soon as a link is empty."""
    names = path.split(".")

    def get(row: Any) -> object:
        value = row
        for name in names:
            value = getattr(value, name)
            if value is None:
                return None
        return value

    return get


@dataclass(frozen=True)
class Column:
    """One exported column: a stable key, a translated header, and how to read the value."""

    key: str
    header: Promise | str
    accessor: Callable[[Any], object] | None = None
    kind: str = TEXT

    def value(self, row: Any) -> object:
        getter = self.accessor or attrgetter(self.key)
        return getter(row)


@dataclass(frozen=True)
class ExportKind:
    """A kind of record that can be exported, with its columns and its scoping."""

    name: str
    label: Promise
    model: type[Model]
    columns: tuple[Column, ...]
    visible: Callable[[User], QuerySet[Any]]
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = field(default=())
    order_by: tuple[str, ...] = ()

    def prepare(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The queryset in file order, with every related row the columns read loaded up front."""
        if self.order_by:
            queryset = queryset.order_by(*self.order_by)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset

    def all_rows(self) -> QuerySet[Any]:
        return self.model._default_manager.all()

    def visible_to(self, *, user: User) -> QuerySet[Any]:
        """Only what ``user`` may see: always through the kind's ``*_visible_to`` selector."""
        return self.visible(user)

    def headers(self) -> list[str]:
        return [str(column.header) for column in self.columns]


def _id(key: str = "pk") -> Column:
    return Column("id", _("ID"), attrgetter(key), INT)


def _username(path: str) -> Callable[[Any], object]:
    return _related(f"{path}.username")


def record_key(record: Any) -> str | None:
    """How a file names a record: its external ID, or its name when it has none.

    Files never carry database ids for references: an export imported into
    another database must find the same records (issue #4's round trip).
    """
    if record is None:
        return None
    return str(record.external_id or record.name)


def _ref(path: str) -> Callable[[Any], object]:
    get = _related(path)
    return lambda row: record_key(get(row))


def _depends_on(milestone: Milestone) -> str:
    return ",".join(str(other.pk) for other in milestone.depends_on.all())


def _contacts_visible(user: User) -> QuerySet[Contact]:
    return Contact.objects.filter(account__in=accounts_visible_to(user=user).values("pk"))


def _stage_changes_visible(user: User) -> QuerySet[OpportunityStageChange]:
    visible = opportunities_visible_to(user=user).values("pk")
    return OpportunityStageChange.objects.filter(opportunity__in=visible)


def _milestones_visible(user: User) -> QuerySet[Milestone]:
    return Milestone.objects.filter(project__in=projects_visible_to(user=user).values("pk"))


LINE = Column("line", _("business line"), _related("line.code"))
EXTERNAL_ID = Column("external_id", _("external ID"))
NAME = Column("name", _("name"))
ACCOUNT = Column("account", _("account"), _ref("account"))
OPPORTUNITY = Column("opportunity", _("opportunity"), _ref("opportunity"))
ACCOUNT_ID = Column("account_id", _("account"), attrgetter("account_id"), INT)
OPPORTUNITY_ID = Column("opportunity", _("opportunity"), attrgetter("opportunity_id"), INT)
OWNER = Column("owner", _("owner"), _username("owner"))
# Importable kinds are ordered by what the file carries (line, external ID,
# name), not by database ids, so the same data exports the same file anywhere.
BY_KEY = ("line__code", "external_id", "name", "pk")

KINDS: dict[str, ExportKind] = {
    kind.name: kind
    for kind in (
        ExportKind(
            name="accounts",
            label=_("accounts"),
            model=Account,
            visible=lambda user: accounts_visible_to(user=user),
            select_related=("line", "owner", "referred_by"),
            order_by=BY_KEY,
            columns=(
                LINE,
                EXTERNAL_ID,
                NAME,
                Column("is_named", _("named account"), kind=BOOL),
                Column("tier", _("tier")),
                Column("wallet_potential", _("wallet potential"), kind=MONEY),
                Column("industry", _("industry")),
                Column("region", _("region")),
                Column("referred_by", _("referred by"), _ref("referred_by")),
                OWNER,
            ),
        ),
        ExportKind(
            name="contacts",
            label=_("contacts"),
            model=Contact,
            visible=_contacts_visible,
            select_related=("account__line",),
            order_by=("account__line__code", "account__external_id", "account__name", "name", "pk"),
            columns=(
                Column("line", _("business line"), _related("account.line.code")),
                ACCOUNT,
                NAME,
                Column("title", _("title")),
                Column("buying_role", _("buying role")),
                Column("influence", _("influence"), kind=INT),
                Column("attitude", _("attitude")),
            ),
        ),
        ExportKind(
            name="leads",
            label=_("leads"),
            model=Lead,
            visible=lambda user: leads_visible_to(user=user),
            select_related=("line", "owner", "account"),
            order_by=BY_KEY,
            columns=(
                LINE,
                EXTERNAL_ID,
                NAME,
                Column("source", _("source")),
                Column("status", _("status")),
                ACCOUNT,
                OWNER,
                Column("created_on", _("created on"), kind=DATE),
                Column("qualified_on", _("qualified on"), kind=DATE),
            ),
        ),
        ExportKind(
            name="opportunities",
            label=_("opportunities"),
            model=Opportunity,
            visible=lambda user: opportunities_visible_to(user=user),
            select_related=("line", "owner", "account"),
            order_by=BY_KEY,
            columns=(
                LINE,
                EXTERNAL_ID,
                ACCOUNT,
                NAME,
                Column("stage", _("stage")),
                Column("amount", _("amount"), kind=MONEY),
                Column("currency", _("currency")),
                Column("expected_close", _("expected close"), kind=DATE),
                Column("forecast_category", _("forecast category")),
                Column("product_lines", _("product lines")),
                OWNER,
            ),
        ),
        ExportKind(
            name="opportunity_stage_history",
            label=_("stage changes"),
            model=OpportunityStageChange,
            visible=_stage_changes_visible,
            select_related=("changed_by", "opportunity__line"),
            order_by=(
                "opportunity__line__code",
                "opportunity__external_id",
                "opportunity__name",
                "changed_at",
                "pk",
            ),
            columns=(
                Column("line", _("business line"), _related("opportunity.line.code")),
                OPPORTUNITY,
                Column("from_stage", _("from stage")),
                Column("to_stage", _("to stage")),
                Column("changed_at", _("changed at"), kind=DATETIME),
                Column("changed_by", _("changed by"), _username("changed_by")),
            ),
        ),
        ExportKind(
            name="activities",
            label=_("activities"),
            model=Activity,
            visible=lambda user: activities_visible_to(user=user),
            select_related=("person", "account", "opportunity"),
            order_by=("external_id", "occurred_at", "pk"),
            columns=(
                EXTERNAL_ID,
                Column("type", _("type")),
                Column("person", _("person"), _username("person")),
                ACCOUNT,
                OPPORTUNITY,
                Column("occurred_at", _("occurred at"), kind=DATETIME),
                Column("reached", _("reached"), kind=BOOL),
                Column("duration_minutes", _("duration (minutes)"), kind=INT),
            ),
        ),
        ExportKind(
            name="solution_requests",
            label=_("solution requests"),
            model=SolutionRequest,
            visible=lambda user: solution_requests_visible_to(user=user),
            select_related=("presales_owner",),
            columns=(
                _id(),
                ACCOUNT_ID,
                OPPORTUNITY_ID,
                Column("presales_owner", _("presales owner"), _username("presales_owner")),
                Column("requested_at", _("requested at"), kind=DATETIME),
                Column("responded_at", _("responded at"), kind=DATETIME),
                Column("submitted_at", _("submitted at"), kind=DATETIME),
                Column("reviewed_at", _("reviewed at"), kind=DATETIME),
                Column("passed_first_review", _("passed first review"), kind=BOOL),
                Column("completed_at", _("completed at"), kind=DATETIME),
            ),
        ),
        ExportKind(
            name="projects",
            label=_("projects"),
            model=Project,
            visible=lambda user: projects_visible_to(user=user),
            select_related=("line",),
            columns=(
                _id(),
                LINE,
                ACCOUNT_ID,
                NAME,
                Column("customer_goal", _("customer goal")),
                Column("contract_value", _("contract value"), kind=MONEY),
            ),
        ),
        ExportKind(
            name="milestones",
            label=_("milestones"),
            model=Milestone,
            visible=_milestones_visible,
            prefetch_related=("depends_on",),
            columns=(
                _id(),
                Column("project", _("project"), attrgetter("project_id"), INT),
                NAME,
                Column("planned_date", _("planned date"), kind=DATE),
                Column("actual_date", _("actual date"), kind=DATE),
                Column("revenue_share", _("revenue share"), kind=NUMBER),
                Column("revenue_kind", _("revenue kind")),
                Column("owning_role", _("owning role")),
                Column("depends_on", _("depends on"), _depends_on),
            ),
        ),
        ExportKind(
            name="scenario_solutions",
            label=_("scenario solutions"),
            model=ScenarioSolution,
            visible=lambda user: scenario_solutions_visible_to(user=user),
            columns=(
                Column("industry", _("industry")),
                Column("problem", _("problem")),
                Column("components", _("components")),
                Column("lessons", _("lessons")),
            ),
        ),
    )
}


def export_kind(name: str) -> ExportKind:
    """The kind called ``name``; KeyError for an unknown one."""
    return KINDS[name]


def _local(value: datetime) -> datetime:
    """An aware datetime on the project's wall clock (TIME_ZONE)."""
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _rows(kind: ExportKind, queryset: QuerySet[Any]) -> Iterator[Any]:
    return kind.prepare(queryset).iterator(chunk_size=CHUNK_SIZE)


# CSV ----------------------------------------------------------------------


def csv_text(value: object, kind: str) -> str:
    """One CSV cell: ISO dates, 2-decimal money, lower-case booleans, neutralised text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _local(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}" if kind == MONEY else format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    return neutralise(str(value))


class _Line:
    """A write-only buffer handing back what one ``csv.writer.writerow`` wrote."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text = text


def iter_csv(kind_name: str, queryset: QuerySet[Any]) -> Iterator[str]:
    """The CSV as chunks of text: a BOM, the header row, then one line per record.

    The headers are translated now, in the caller's language, not when the
    chunks are consumed (a streaming response reads them later).
    """
    kind = export_kind(kind_name)
    headers = [neutralise(header) for header in kind.headers()]
    return _csv_lines(kind, queryset, headers)


def _csv_lines(kind: ExportKind, queryset: QuerySet[Any], headers: list[str]) -> Iterator[str]:
    line = _Line()
    writer = csv.writer(line)
    writer.writerow(headers)
    yield BOM + line.text
    columns = kind.columns
    for row in _rows(kind, queryset):
        writer.writerow([csv_text(column.value(row), column.kind) for column in columns])
        yield line.text


def write_csv(kind_name: str, queryset: QuerySet[Any], stream: IO[str]) -> None:
    """Write the CSV (UTF-8 text with a BOM) to a text stream opened with ``newline=""``."""
    for chunk in iter_csv(kind_name, queryset):
        stream.write(chunk)


# XLSX ---------------------------------------------------------------------

HEADER_FONT = Font(bold=True)
NUMBER_FORMATS = {
    MONEY: MONEY_FORMAT,
    INT: "0",
    DATE: DATE_FORMAT,
    DATETIME: DATETIME_FORMAT,
}


def xlsx_value(value: object, kind: str) -> object:
    """One XLSX value: numbers and dates as themselves, text neutralised."""
    if value is None or isinstance(value, bool | int | float | Decimal | date):
        if isinstance(value, datetime):
            # Spreadsheets have no time zones: the project's wall clock, naive.
            return timezone.make_naive(value) if timezone.is_aware(value) else value
        return value
    return neutralise(str(value))


def _width(column: Column) -> float:
    header = display_width(str(column.header))
    return min(max(header, KIND_WIDTHS.get(column.kind, MIN_WIDTH)) + WIDTH_PADDING, MAX_WIDTH)


def write_xlsx(kind_name: str, queryset: QuerySet[Any], path_or_stream: Any) -> None:
    """Write a one-sheet workbook (streamed, write-only) to a path or a binary stream."""
    kind = export_kind(kind_name)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=kind.name[:31])
    for index, column in enumerate(kind.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(column)
    sheet.freeze_panes = "A2"
    header_cells = []
    for header in kind.headers():
        cell = WriteOnlyCell(sheet, value=neutralise(header))
        cell.font = HEADER_FONT
        header_cells.append(cell)
    sheet.append(header_cells)
    columns = kind.columns
    formats = [NUMBER_FORMATS.get(column.kind) for column in columns]
    for row in _rows(kind, queryset):
        cells = []
        for column, number_format in zip(columns, formats, strict=True):
            value = xlsx_value(column.value(row), column.kind)
            if number_format is None or value is None or isinstance(value, str):
                cells.append(value)
                continue
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = number_format
            cells.append(cell)
        sheet.append(cells)
    workbook.save(path_or_stream)


def export_bytes(kind_name: str, queryset: QuerySet[Any], fmt: str) -> bytes:
    """The whole export in memory (tests and small exports)."""
    if fmt == "csv":
        text = io.StringIO(newline="")
        write_csv(kind_name, queryset, text)
        return text.getvalue().encode("utf-8")
    buffer = io.BytesIO()
    write_xlsx(kind_name, queryset, buffer)
    return buffer.getvalue()
