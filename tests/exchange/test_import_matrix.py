"""The bad-input matrix of issue #4: every importable kind, every way a file goes wrong.

Each case imports a file that is good except for one thing and asserts the
exact report — row number, column header, value, a reason that names the
problem — and that the database is exactly as it was (every process-data
table and both rollup tables, row by row). Messages are checked in English;
in Chinese a message may differ from the English one only where the
catalog translates it (the lead engineer adds the translations).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook

from salesmesh.accounts.models import Account, Contact
from salesmesh.accounts.services import account_create
from salesmesh.activities.models import Activity
from salesmesh.activities.rollup_audit import rollups_verify
from salesmesh.exchange.import_fields import import_spec
from salesmesh.exchange.importer import ImportOutcome, import_path
from salesmesh.exchange.parsing import (
    ValueParseError,
    parse_bool,
    parse_choice,
    parse_date,
    parse_datetime,
)
from salesmesh.org.models import Membership, OrgUnit, Role, User
from salesmesh.pipeline.models import Lead, Opportunity, OpportunityStageChange
from salesmesh.pipeline.services import opportunity_create, opportunity_update

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
KINDS = (
    "accounts",
    "contacts",
    "leads",
    "opportunities",
    "opportunity_stage_history",
    "activities",
)
# Apps whose tables hold process data, rollups or import history: a refused
# import must leave every row of every one of them as it was.
DATA_APPS = ("accounts", "pipeline", "activities", "projects", "exchange")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


# The world every case starts from ----------


@dataclass
class World:
    admin: User
    manager: User
    rep: User
    other_rep: User
    bd: User


@pytest.fixture
def world(demo_company: None) -> World:
    """Accounts and deals in two lines, some of them hidden from the rep."""
    ka = OrgUnit.objects.get(code="ka")
    smb = OrgUnit.objects.get(code="smb")
    bd = User.objects.get(username="bd")
    rep = User.objects.get(username="rep")
    other_rep = (
        Membership.objects.filter(unit__code="smb-south", role=Role.REP)
        .select_related("user")
        .order_by("user__username")
        .first()
    ).user  # type: ignore[union-attr]
    ka1 = account_create(line=ka, external_id="KA-1", name="华东制造", owner=bd)
    ka2 = account_create(line=ka, external_id="KA-2", name="华南物流", owner=bd)
    ka3 = account_create(line=ka, external_id="+KA3", name="@华北", owner=bd)
    smb1 = account_create(line=smb, external_id="SMB-1", name="小微一号", owner=rep)
    smb2 = account_create(line=smb, external_id="SMB-2", name="小微二号", owner=other_rep)
    opportunity_create(
        line=ka, account=ka1, name="扩容", owner=bd, external_id="O-1", stage="proposal"
    )
    o2 = opportunity_create(
        line=ka, account=ka2, name="续约", owner=bd, external_id="O-2", at=at(2026, 1, 10)
    )
    opportunity_update(opportunity=o2, stage="qualified", at=at(2026, 1, 20), by=bd)
    opportunity_create(line=ka, account=ka3, name="=三期", owner=bd, external_id="=O3")
    opportunity_create(line=smb, account=smb1, name="小单", owner=rep, external_id="SO-1")
    opportunity_create(line=smb, account=smb2, name="他人单", owner=other_rep, external_id="SO-2")
    return World(
        admin=User.objects.get(username="admin"),
        manager=User.objects.get(username="manager"),
        rep=rep,
        other_rep=other_rep,
        bd=bd,
    )


# Good files, one per kind: two rows an administrator may import into the KA line.

Row = dict[str, object]

GOOD: dict[str, tuple[Row, Row]] = {
    "accounts": (
        {
            "line": "ka",
            "external_id": "KA-10",
            "name": "西北能源",
            "is_named": "是",
            "tier": "A",
            "wallet_potential": "35万",
            "industry": "能源",
            "region": "西北",
            "referred_by": "KA-1",
            "owner": "bd",
        },
        {
            "line": "ka",
            "external_id": "KA-11",
            "name": "东北重工",
            "is_named": "否",
            "tier": "B",
            "wallet_potential": "1,200.50",
            "industry": "制造",
            "region": "东北",
            "referred_by": "KA-10",
            "owner": "bd",
        },
    ),
    "contacts": (
        {
            "line": "ka",
            "account": "KA-1",
            "name": "王经理",
            "title": "CTO",
            "buying_role": "decision_maker",
            "influence": "3",
            "attitude": "supporter",
        },
        {
            "line": "ka",
            "account": "华南物流",
            "name": "李总",
            "title": "总经理",
            "buying_role": "champion",
            "influence": "5",
            "attitude": "neutral",
        },
    ),
    "leads": (
        {
            "line": "ka",
            "external_id": "L-1",
            "name": "线索一",
            "source": "referral",
            "status": "new",
            "account": "KA-1",
            "owner": "bd",
            "created_on": "2026-03-05",
            "qualified_on": "",
        },
        {
            "line": "ka",
            "external_id": "L-2",
            "name": "线索二",
            "source": "brand",
            "status": "qualified",
            "account": "",
            "owner": "bd",
            "created_on": "2026年3月6日",
            "qualified_on": "2026/3/20",
        },
    ),
    "opportunities": (
        {
            "line": "ka",
            "external_id": "O-10",
            "account": "KA-1",
            "name": "新项目",
            "stage": "proposal",
            "amount": "¥1,000,000",
            "currency": "CNY",
            "expected_close": "2026-06-30",
            "forecast_category": "",
            "product_lines": "平台",
            "owner": "bd",
        },
        {
            "line": "ka",
            "external_id": "O-11",
            "account": "KA-2",
            "name": "二期",
            "stage": "qualified",
            "amount": "50万",
            "currency": "USD",
            "expected_close": "2026/7/1",
            "forecast_category": "best_case",
            "product_lines": "",
            "owner": "bd",
        },
    ),
    "opportunity_stage_history": (
        {
            "line": "ka",
            "opportunity": "O-2",
            "from_stage": "",
            "to_stage": "lead",
            "changed_at": "2026-01-05T09:00:00+08:00",
            "changed_by": "bd",
        },
        {
            "line": "ka",
            "opportunity": "O-2",
            "from_stage": "lead",
            "to_stage": "qualified",
            "changed_at": "2026-02-01 09:00",
            "changed_by": "bd",
        },
    ),
    "activities": (
        {
            "external_id": "A-1",
            "type": "call",
            "person": "bd",
            "account": "KA-1",
            "opportunity": "",
            "occurred_at": "2026-03-02T10:00:00+08:00",
            "reached": "true",
            "duration_minutes": "5",
        },
        {
            "external_id": "A-2",
            "type": "visit",
            "person": "bd",
            "account": "KA-1",
            "opportunity": "O-1",
            "occurred_at": "2026/3/3 09:00",
            "reached": "是",
            "duration_minutes": "60",
        },
    ),
}

# The same good files, written as a spreadsheet would hold them: real dates and numbers.
XLSX_CELLS: dict[str, dict[str, tuple[object, object]]] = {
    "accounts": {"wallet_potential": (350000, 1200.5), "is_named": (True, False)},
    "contacts": {"influence": (3, 5)},
    "leads": {
        "created_on": (date(2026, 3, 5), date(2026, 3, 6)),
        "qualified_on": (None, date(2026, 3, 20)),
    },
    "opportunities": {
        "amount": (1000000, 500000),
        "expected_close": (date(2026, 6, 30), date(2026, 7, 1)),
    },
    "opportunity_stage_history": {
        "changed_at": (datetime(2026, 1, 5, 9), datetime(2026, 2, 1, 9)),  # noqa: DTZ001 - a cell is naive
    },
    "activities": {
        "occurred_at": (datetime(2026, 3, 2, 10), datetime(2026, 3, 3, 9)),  # noqa: DTZ001
        "duration_minutes": (5, 60),
        "reached": (True, True),
    },
}


def stored(kind: str) -> list[tuple[Any, ...]]:
    """What the good file of ``kind`` leaves in the database, to compare CSV and XLSX."""
    if kind == "accounts":
        return list(
            Account.objects.filter(external_id__in=["KA-10", "KA-11"])
            .order_by("external_id")
            .values_list(
                "external_id",
                "name",
                "is_named",
                "tier",
                "wallet_potential",
                "industry",
                "region",
                "referred_by__external_id",
                "owner__username",
            )
        )
    if kind == "contacts":
        return list(
            Contact.objects.order_by("name").values_list(
                "account__external_id", "name", "title", "buying_role", "influence", "attitude"
            )
        )
    if kind == "leads":
        return list(
            Lead.objects.order_by("external_id").values_list(
                "external_id",
                "name",
                "source",
                "status",
                "account__external_id",
                "owner__username",
                "created_on",
                "qualified_on",
            )
        )
    if kind == "opportunities":
        return list(
            Opportunity.objects.filter(external_id__in=["O-10", "O-11"])
            .order_by("external_id")
            .values_list(
                "external_id",
                "account__external_id",
                "name",
                "stage",
                "amount",
                "currency",
                "expected_close",
                "forecast_category",
                "product_lines",
                "owner__username",
            )
        )
    if kind == "opportunity_stage_history":
        return list(
            OpportunityStageChange.objects.filter(opportunity__external_id="O-2")
            .order_by("changed_at")
            .values_list("from_stage", "to_stage", "changed_at", "changed_by__username")
        )
    return list(
        Activity.objects.order_by("external_id").values_list(
            "external_id",
            "type",
            "person__username",
            "account__external_id",
            "opportunity__external_id",
            "occurred_at",
            "reached",
            "duration_minutes",
        )
    )


EXPECTED: dict[str, list[tuple[Any, ...]]] = {
    "accounts": [
        ("KA-10", "西北能源", True, "A", Decimal("350000.00"), "能源", "西北", "KA-1", "bd"),
        ("KA-11", "东北重工", False, "B", Decimal("1200.50"), "制造", "东北", "KA-10", "bd"),
    ],
    "contacts": [
        ("KA-2", "李总", "总经理", "champion", 5, "neutral"),
        ("KA-1", "王经理", "CTO", "decision_maker", 3, "supporter"),
    ],
    "leads": [
        ("L-1", "线索一", "referral", "new", "KA-1", "bd", date(2026, 3, 5), None),
        ("L-2", "线索二", "brand", "qualified", None, "bd", date(2026, 3, 6), date(2026, 3, 20)),
    ],
    "opportunities": [
        (
            "O-10",
            "KA-1",
            "新项目",
            "proposal",
            Decimal("1000000.00"),
            "CNY",
            date(2026, 6, 30),
            "pipeline",
            "平台",
            "bd",
        ),
        (
            "O-11",
            "KA-2",
            "二期",
            "qualified",
            Decimal("500000.00"),
            "USD",
            date(2026, 7, 1),
            "best_case",
            "",
            "bd",
        ),
    ],
    "opportunity_stage_history": [
        ("", "lead", at(2026, 1, 5, 9), "bd"),
        ("lead", "qualified", at(2026, 2, 1, 9), "bd"),
    ],
    "activities": [
        ("A-1", "call", "bd", "KA-1", None, at(2026, 3, 2, 10), True, 5),
        ("A-2", "visit", "bd", "KA-1", "O-1", at(2026, 3, 3, 9), True, 60),
    ],
}


# Files ----------


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def table(kind: str, rows: list[Row] | None = None) -> list[list[object]]:
    """Header row + data rows of ``kind`` (the good rows unless given)."""
    data = list(GOOD[kind]) if rows is None else rows
    headers = list(GOOD[kind][0])
    return [headers, *[[row.get(key, "") for key in headers] for row in data]]


def changed(kind: str, index: int, **cells: object) -> list[list[object]]:
    """The good table of ``kind`` with some cells of data row ``index`` replaced."""
    rows = [dict(row) for row in GOOD[kind]]
    rows[index].update(cells)
    return table(kind, rows)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append([None if cell == "" else cell for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def save(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def run(
    kind: str,
    path: Path,
    user: User,
    *,
    mapping: dict[str, Any] | None = None,
    commit: bool = True,
    filename: str | None = None,
) -> ImportOutcome:
    return import_path(
        kind=kind,
        path=path,
        filename=filename or path.name,
        user=user,
        mapping_data=mapping,
        commit=commit,
    )


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every process-data, rollup and import-history table."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for label in DATA_APPS:
        for model in apps.get_app_config(label).get_models():
            if model.__name__ in {"ImportRun", "ImportPreset"}:
                continue
            names = [f.attname for f in model._meta.concrete_fields]
            tables[model._meta.db_table] = list(
                model._default_manager.order_by("pk").values_list(*names)
            )
    return tables


# Expectations ----------


@dataclass(frozen=True)
class Expect:
    """One reported problem: where, what, and words its English reason must hold."""

    row: int
    column: str
    value: str
    words: tuple[str, ...]
    # The catalog entries the message is made of: in Chinese it may differ from
    # the English message exactly when the catalog translates one of them.
    msgids: tuple[str, ...]


def parser_msgid(parse: Callable[..., object], value: object, **options: object) -> str:
    """The catalog entry of the parser's reason for refusing ``value``."""
    with pytest.raises(ValueParseError) as caught:
        parse(value, **options)
    return caught.value.message.template


def date_msgid(kind: str, value: str) -> str:
    if kind in ("leads", "opportunities"):
        return parser_msgid(parse_date, value)
    return parser_msgid(parse_datetime, value, tz=SHANGHAI)


def translated(msgid: str) -> bool:
    with translation.override("zh-hans"):
        return gettext(msgid) != msgid


def refused(
    kind: str,
    path: Path,
    user: User,
    expected: list[Expect],
    *,
    mapping: dict[str, Any] | None = None,
    filename: str | None = None,
) -> None:
    """Import (committing) in English and in Chinese: exactly ``expected``, nothing written."""
    before = snapshot()
    with translation.override("en"):
        english = run(kind, path, user, mapping=mapping, filename=filename)
    assert snapshot() == before
    with translation.override("zh-hans"):
        chinese = run(kind, path, user, mapping=mapping, filename=filename)
    assert snapshot() == before
    for outcome in (english, chinese):
        assert not outcome.ok
        assert not outcome.committed
        assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 0)
        assert outcome.errors.count == len(expected), outcome.errors.items
        got = [(e.row, e.column, e.value) for e in outcome.errors.items]
        assert got == [(x.row, x.column, x.value) for x in expected]
    for error, zh_error, expect in zip(
        english.errors.items, chinese.errors.items, expected, strict=True
    ):
        for word in expect.words:
            assert word.casefold() in error.message.casefold(), (word, error.message)
        if any(translated(msgid) for msgid in expect.msgids):
            assert zh_error.message != error.message
        else:
            assert zh_error.message == error.message


def accepted(
    kind: str, path: Path, user: User, *, mapping: dict[str, Any] | None = None
) -> ImportOutcome:
    outcome = run(kind, path, user, mapping=mapping)
    assert outcome.ok, outcome.errors.items
    assert outcome.committed
    assert rollups_verify() == []
    return outcome


def header(kind: str, key: str) -> str:
    """The English label of a field (what the missing-columns message names)."""
    with translation.override("en"):
        return str(import_spec(kind).field(key).label)


MISSING = "Required columns are missing: %(columns)s. Add them or map a column to them."
FORMULA = "The cell holds a formula; formulas are not imported, paste values."
NO_ACCOUNT = "No account you may see has the external ID or name “%(value)s”."
NO_DEAL = "No opportunity you may see has the external ID or name “%(value)s”."
NO_PERSON = "No person you may see is called “%(value)s” (use the username)."


# The happy paths: CSV and XLSX of every kind -------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_the_good_csv_imports(kind, world, tmp_path):
    path = save(tmp_path, f"{kind}.csv", csv_bytes(table(kind)))
    outcome = accepted(kind, path, world.admin)
    assert outcome.rows == 2
    assert stored(kind) == EXPECTED[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_the_good_xlsx_with_real_dates_and_numbers_imports(kind, world, tmp_path):
    rows = [dict(row) for row in GOOD[kind]]
    for key, values in XLSX_CELLS[kind].items():
        for row, value in zip(rows, values, strict=True):
            row[key] = "" if value is None else value
    path = save(tmp_path, f"{kind}.xlsx", xlsx_bytes(table(kind, rows)))
    outcome = accepted(kind, path, world.admin)
    assert outcome.rows == 2
    assert stored(kind) == EXPECTED[kind]


# Headers ----------

REQUIRED = {
    "accounts": "name",
    "contacts": "name",
    "leads": "source",
    "opportunities": "stage",
    "opportunity_stage_history": "to_stage",
    "activities": "person",
}


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_column_is_ignored(kind, world, tmp_path):
    rows = table(kind)
    rows[0].append("备注 / remarks")
    for row in rows[1:]:
        row.append("anything at all")
    accepted(kind, save(tmp_path, "extra.csv", csv_bytes(rows)), world.admin)
    assert stored(kind) == EXPECTED[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_a_wrong_header_reports_the_missing_required_column_at_row_1(kind, world, tmp_path):
    rows = table(kind)
    key = REQUIRED[kind]
    rows[0][rows[0].index(key)] = "bogus column"
    label = header(kind, key)
    refused(
        kind,
        save(tmp_path, "wrong.csv", csv_bytes(rows)),
        world.admin,
        [Expect(1, "", "", ("required columns are missing", label), (MISSING, label))],
    )


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_without_its_header_row_names_every_missing_column(kind, world, tmp_path):
    rows = table(kind)[1:]  # the first data row is taken for headers
    labels = [header(kind, f.key) for f in import_spec(kind).fields if f.required]
    refused(
        kind,
        save(tmp_path, "no-header.csv", csv_bytes(rows)),
        world.admin,
        [Expect(1, "", "", ("required columns are missing", *labels), (MISSING, *labels))],
    )


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_first_row_is_not_a_header(kind, world, tmp_path):
    content = b"\r\n" + csv_bytes(table(kind))
    msgid = "The first row must hold the column headers; it is empty."
    refused(
        kind,
        save(tmp_path, "blank.csv", content),
        world.admin,
        [Expect(1, "", "", ("first row", "headers"), (msgid,))],
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_an_empty_file_is_refused(kind, suffix, world, tmp_path):
    content = b"" if suffix == "csv" else xlsx_bytes([])
    refused(
        kind,
        save(tmp_path, f"empty.{suffix}", content),
        world.admin,
        [Expect(1, "", "", ("empty",), ("The file is empty.",))],
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_header_only_file_is_refused(kind, suffix, world, tmp_path):
    rows = table(kind)[:1]
    content = csv_bytes(rows) if suffix == "csv" else xlsx_bytes(rows)
    msgid = "The file has a header row but no data rows."
    refused(
        kind,
        save(tmp_path, f"header.{suffix}", content),
        world.admin,
        [Expect(1, "", "", ("no data rows",), (msgid,))],
    )


# Dates ----------

DATES = {
    "leads": "created_on",
    "opportunities": "expected_close",
    "opportunity_stage_history": "changed_at",
    "activities": "occurred_at",
}
DATE_KINDS = list(DATES)


@pytest.mark.parametrize("kind", DATE_KINDS)
def test_a_bad_date_is_reported_in_its_cell(kind, world, tmp_path):
    key = DATES[kind]
    rows = changed(kind, 1, **{key: "2026-02-30"})
    refused(
        kind,
        save(tmp_path, "date.csv", csv_bytes(rows)),
        world.admin,
        [
            Expect(
                3,
                key,
                "2026-02-30",
                ("2026-02-30", "not a date", "30"),
                (date_msgid(kind, "2026-02-30"),),
            )
        ],
    )


@pytest.mark.parametrize("kind", DATE_KINDS)
def test_words_that_are_no_date_are_reported(kind, world, tmp_path):
    key = DATES[kind]
    rows = changed(kind, 0, **{key: "next tuesday"})
    refused(
        kind,
        save(tmp_path, "date.csv", csv_bytes(rows)),
        world.admin,
        [
            Expect(
                2,
                key,
                "next tuesday",
                ("next tuesday", "not a date"),
                (date_msgid(kind, "next tuesday"),),
            )
        ],
    )


@pytest.mark.parametrize("kind", DATE_KINDS)
def test_an_ambiguous_date_names_both_readings(kind, world, tmp_path):
    key = DATES[kind]
    rows = changed(kind, 0, **{key: "03/04/2026"})
    refused(
        kind,
        save(tmp_path, "ambiguous.csv", csv_bytes(rows)),
        world.admin,
        [
            Expect(
                2,
                key,
                "03/04/2026",
                ("ambiguous", "2026-04-03", "2026-03-04", "date order"),
                (date_msgid(kind, "03/04/2026"),),
            )
        ],
    )


@pytest.mark.parametrize("kind", DATE_KINDS)
def test_an_ambiguous_date_is_read_in_the_mapping_s_date_order(kind, world, tmp_path):
    key = DATES[kind]
    rows = changed(kind, 0, **{key: "03/01/2026"})
    path = save(tmp_path, "dmy.csv", csv_bytes(rows))
    accepted(kind, path, world.admin, mapping={"date_order": "DMY"})
    first = {
        "leads": lambda: Lead.objects.get(external_id="L-1").created_on,
        "opportunities": lambda: Opportunity.objects.get(external_id="O-10").expected_close,
        "opportunity_stage_history": lambda: (
            OpportunityStageChange.objects.get(
                opportunity__external_id="O-2", to_stage="lead"
            ).changed_at
        ),
        "activities": lambda: Activity.objects.get(external_id="A-1").occurred_at,
    }[kind]()
    expected: object = date(2026, 1, 3)
    if isinstance(first, datetime):
        expected = at(2026, 1, 3)
    assert first == expected


# Amounts and numbers ----------

NEGATIVE = {
    "accounts": ("wallet_potential", "-5万", "The amount cannot be negative."),
    "contacts": ("influence", "-1", "The number cannot be negative."),
    "opportunities": ("amount", "-1,000", "The amount cannot be negative."),
    "activities": ("duration_minutes", "-5", "The number cannot be negative."),
}


@pytest.mark.parametrize("kind", list(NEGATIVE))
def test_a_negative_amount_or_count_is_refused(kind, world, tmp_path):
    key, value, msgid = NEGATIVE[kind]
    rows = changed(kind, 1, **{key: value})
    refused(
        kind,
        save(tmp_path, "negative.csv", csv_bytes(rows)),
        world.admin,
        [Expect(3, key, value, ("negative",), (msgid,))],
    )


# Choices ----------

# field, a word no choice knows, a code, and a word for that code only a mapping knows
CHOICES = {
    "contacts": ("buying_role", "大老板", "champion", "金主"),
    "leads": ("source", "地推", "other", "扫楼"),
    "opportunities": ("stage", "谈判中吧", "won", "已签约"),
    "opportunity_stage_history": ("to_stage", "赢了", "qualified", "已确认"),
    "activities": ("type", "飞鸽传书", "visit", "上门"),
}


MAPPED_VALUE: dict[str, Callable[[], object]] = {
    "contacts": lambda: Contact.objects.get(name="李总").buying_role,
    "leads": lambda: Lead.objects.get(external_id="L-2").source,
    "opportunities": lambda: Opportunity.objects.get(external_id="O-11").stage,
    "opportunity_stage_history": lambda: (
        OpportunityStageChange.objects.filter(opportunity__external_id="O-2")
        .latest("changed_at")
        .to_stage
    ),
    "activities": lambda: Activity.objects.get(external_id="A-2").type,
}


@pytest.mark.parametrize("kind", list(CHOICES))
def test_an_unknown_stage_or_choice_lists_the_allowed_codes(kind, world, tmp_path):
    key, unknown, code, _word = CHOICES[kind]
    rows = changed(kind, 1, **{key: unknown})
    refused(
        kind,
        save(tmp_path, "choice.csv", csv_bytes(rows)),
        world.admin,
        [
            Expect(
                3,
                key,
                unknown,
                (unknown, "not one of", code),
                (parser_msgid(parse_choice, unknown, choices={code: code}),),
            )
        ],
    )


def test_an_unknown_yes_no_value_of_an_account_is_refused(world, tmp_path):
    rows = changed("accounts", 0, is_named="也许")
    refused(
        "accounts",
        save(tmp_path, "bool.csv", csv_bytes(rows)),
        world.admin,
        [Expect(2, "is_named", "也许", ("也许", "yes"), (parser_msgid(parse_bool, "也许"),))],
    )


@pytest.mark.parametrize("kind", list(CHOICES))
def test_a_word_of_the_mapping_s_values_is_accepted(kind, world, tmp_path):
    key, _unknown, code, word = CHOICES[kind]
    rows = changed(kind, 1, **{key: word})
    path = save(tmp_path, "values.csv", csv_bytes(rows))
    without = run(kind, path, world.admin, commit=False)
    assert [(e.row, e.column, e.value) for e in without.errors.items] == [(3, key, word)]
    if kind == "opportunity_stage_history":
        # The trail must end where the deal is; the mapped word is its last stage.
        assert code == GOOD[kind][1][key]
    accepted(kind, path, world.admin, mapping={"values": {key: {word: code}}})
    assert MAPPED_VALUE[kind]() == code


def test_a_mapped_word_for_a_code_that_does_not_exist_is_a_mapping_error(world, tmp_path):
    path = save(tmp_path, "o.csv", csv_bytes(table("opportunities")))
    msgid = "The mapping sends “%(word)s” to “%(code)s”, which is not one of: %(allowed)s"
    refused(
        "opportunities",
        path,
        world.admin,
        [Expect(1, "", "", ("已签约", "winning", "not one of"), (msgid,))],
        mapping={"values": {"stage": {"已签约": "winning"}}},
    )


# Keys ----------


@pytest.mark.parametrize("kind", KINDS)
def test_a_record_twice_in_the_file_names_the_first_row(kind, world, tmp_path):
    rows = table(kind)
    rows.append(list(rows[1]))  # data row 1 (file row 2) again, as file row 4
    key = import_spec(kind).key[-1]
    value = str(GOOD[kind][0][key])
    msgid = "The same record is already in row %(row)s of this file."
    refused(
        kind,
        save(tmp_path, "twice.csv", csv_bytes(rows)),
        world.admin,
        [Expect(4, key, value, ("row 2",), (msgid,))],
    )


# References ----------

PEOPLE = {
    "accounts": "owner",
    "leads": "owner",
    "opportunities": "owner",
    "opportunity_stage_history": "changed_by",
    "activities": "person",
}


@pytest.mark.parametrize("kind", list(PEOPLE))
def test_an_unknown_person_is_reported(kind, world, tmp_path):
    key = PEOPLE[kind]
    rows = changed(kind, 1, **{key: "nobody"})
    refused(
        kind,
        save(tmp_path, "person.csv", csv_bytes(rows)),
        world.admin,
        [Expect(3, key, "nobody", ("nobody", "no person"), (NO_PERSON,))],
    )


# Where each kind names an account (or, for stage changes, an opportunity).
ACCOUNT_REFS = {
    "accounts": ("referred_by", NO_ACCOUNT),
    "contacts": ("account", NO_ACCOUNT),
    "leads": ("account", NO_ACCOUNT),
    "opportunities": ("account", NO_ACCOUNT),
    "opportunity_stage_history": ("opportunity", NO_DEAL),
    "activities": ("account", NO_ACCOUNT),
}


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_account_or_deal_is_reported(kind, world, tmp_path):
    key, msgid = ACCOUNT_REFS[kind]
    rows = changed(kind, 1, **{key: "XX-404"})
    refused(
        kind,
        save(tmp_path, "unknown.csv", csv_bytes(rows)),
        world.admin,
        [Expect(3, key, "XX-404", ("XX-404", "you may see"), (msgid,))],
    )


# A rep's good rows in the SMB line: their own account, their own deal.
REP_ROW: dict[str, Row] = {
    "accounts": {"line": "smb", "owner": "rep", "referred_by": "SMB-1"},
    "contacts": {"line": "smb", "account": "SMB-1"},
    "leads": {"line": "smb", "account": "SMB-1", "owner": "rep"},
    "opportunities": {"line": "smb", "account": "SMB-1", "owner": "rep"},
    "opportunity_stage_history": {"line": "smb", "opportunity": "SO-1", "changed_by": "rep"},
    "activities": {"person": "rep", "account": "SMB-1", "opportunity": "SO-1"},
}


def rep_table(kind: str, **cells: object) -> list[list[object]]:
    row = {**GOOD[kind][0], **REP_ROW[kind], **cells}
    if kind == "opportunity_stage_history":
        row.update(from_stage="", to_stage="lead")
    return table(kind, [row])


@pytest.mark.parametrize("kind", KINDS)
def test_the_rep_s_own_rows_import(kind, world, tmp_path):
    outcome = accepted(kind, save(tmp_path, "rep.csv", csv_bytes(rep_table(kind))), world.rep)
    assert outcome.rows == 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("hidden", ["SMB-2", "小微二号", "KA-1"])
def test_an_account_the_rep_may_not_see_reads_as_unknown(kind, hidden, world, tmp_path):
    key, msgid = ACCOUNT_REFS[kind]
    if kind == "opportunity_stage_history":
        hidden = {"SMB-2": "SO-2", "小微二号": "他人单", "KA-1": "O-1"}[hidden]
    secret = save(tmp_path, "secret.csv", csv_bytes(rep_table(kind, **{key: hidden})))
    typo = save(tmp_path, "typo.csv", csv_bytes(rep_table(kind, **{key: "NO-SUCH"})))
    expect = Expect(2, key, hidden, (hidden, "you may see"), (msgid,))
    refused(kind, secret, world.rep, [expect])
    with translation.override("en"):
        hidden_message = run(kind, secret, world.rep).errors.items[0].message
        typo_message = run(kind, typo, world.rep).errors.items[0].message
    # Exactly what a typo gets: nothing tells the rep the account exists.
    assert hidden_message.replace(hidden, "NO-SUCH") == typo_message


@pytest.mark.parametrize("kind", ["contacts", "leads", "opportunities", "activities"])
def test_another_line_s_account_reads_as_unknown_to_the_smb_manager(kind, world, tmp_path):
    cells: Row = {"account": "KA-1"}
    if kind == "activities":
        cells.update(opportunity="", person="rep")
    path = save(tmp_path, "ka.csv", csv_bytes(rep_table(kind, **cells)))
    refused(kind, path, world.manager, [Expect(2, "account", "KA-1", ("KA-1",), (NO_ACCOUNT,))])


def test_a_line_the_user_may_not_import_into_is_refused(world, tmp_path):
    rows = table("accounts", [{**GOOD["accounts"][0], "referred_by": "", "owner": "rep"}])
    msgid = "You may not import into the business line “%(value)s”."
    refused(
        "accounts",
        save(tmp_path, "ka.csv", csv_bytes(rows)),
        world.rep,
        [Expect(2, "line", "ka", ("ka", "may not import"), (msgid,))],
    )


UPSERT_KINDS = {
    "accounts": ("external_id", "SMB-2"),
    "leads": ("external_id", "SL-2"),
    "opportunities": ("external_id", "SO-2"),
    "activities": ("external_id", "SA-2"),
}


@pytest.mark.parametrize("kind", list(UPSERT_KINDS))
def test_a_key_of_a_record_the_rep_may_not_see_does_not_overwrite_it(kind, world, tmp_path):
    """Upserting by external ID must not reach into a colleague's records."""
    from salesmesh.activities.services import activity_create
    from salesmesh.pipeline.services import lead_create

    smb = OrgUnit.objects.get(code="smb")
    smb2 = Account.objects.get(external_id="SMB-2")
    if kind == "leads":
        lead_create(
            line=smb,
            source="brand",
            created_on=date(2026, 1, 2),
            external_id="SL-2",
            owner=world.other_rep,
            account=smb2,
        )
    if kind == "activities":
        activity_create(
            person=world.other_rep,
            type="call",
            occurred_at=at(2026, 1, 2, 10),
            account=smb2,
            external_id="SA-2",
        )
    key, value = UPSERT_KINDS[kind]
    cells: Row = {key: value}
    if kind == "accounts":
        cells["referred_by"] = ""
    path = save(tmp_path, "steal.csv", csv_bytes(rep_table(kind, **cells)))
    before = snapshot()
    with translation.override("en"):
        outcome = run(kind, path, world.rep)
    assert snapshot() == before
    assert not outcome.ok
    [error] = outcome.errors.items
    assert (error.row, error.column, error.value) == (2, key, value)
    assert value in error.message


# Encodings ----------

# Text no ASCII can hold, and one character GBK lacks (GB18030 has every code point).
CHINESE = {
    "accounts": ("name", "鑫源·精工（集团）"),
    "contacts": ("title", "采购部 副总监"),
    "leads": ("name", "客户转介绍：某某"),
    "opportunities": ("product_lines", "平台，云服务"),
}


def zh_table(kind: str, extra: str = "") -> list[list[object]]:
    """The good table under its Chinese export headers, with Chinese words in the cells."""
    rows = table(kind)
    with translation.override("zh-hans"):
        rows[0] = [str(import_spec(kind).field(key).label) for key in rows[0]]
    if kind in CHINESE:
        key, text = CHINESE[kind]
        column = list(GOOD[kind][0]).index(key)
        rows[1][column] = text + extra
    if kind == "opportunities":
        # GBK has no ¥ (U+00A5); Chinese keyboards type the full-width ￥.
        rows[1][list(GOOD[kind][0]).index("amount")] = "￥1,000,000"
    return rows


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030"])
def test_bom_gbk_and_gb18030_files_import_chinese_text_exactly(kind, encoding, world, tmp_path):
    extra = "𠮷" if encoding != "gbk" else ""  # beyond GBK: only UTF-8 and GB18030 hold it
    rows = zh_table(kind, extra)
    content = csv_bytes(rows, encoding)
    if encoding == "utf-8-sig":
        assert content.startswith(b"\xef\xbb\xbf")
    accepted(kind, save(tmp_path, f"{encoding}.csv", content), world.admin)
    expected = [list(row) for row in EXPECTED[kind]]
    if kind in CHINESE:
        _key, text = CHINESE[kind]
        fields = {
            "accounts": 1,
            "contacts": 2,
            "leads": 1,
            "opportunities": 8,
        }
        position = fields[kind]
        target = 0 if kind != "contacts" else 1  # contacts are listed by name
        expected[target][position] = text + extra
    assert [list(row) for row in stored(kind)] == expected


def test_gbk_text_after_a_long_ascii_start_still_imports(world, tmp_path):
    """The encoding is not decided from an ASCII-only first block."""
    rows = table("activities")
    filler = [
        [f"F-{n:05d}", "call", "bd", "KA-1", "", "2026-03-02 10:00", "true", "1"]
        for n in range(3000)
    ]
    rows[1:1] = filler
    rows.append(["Z-1", "电话", "bd", "华东制造", "", "2026-03-02 11:00", "是", "2"])
    content = csv_bytes(rows, "gbk")
    assert content[:65536].isascii()
    outcome = accepted("activities", save(tmp_path, "late.csv", content), world.admin)
    assert outcome.created == 3003


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_refused_with_a_clear_message(encoding, world, tmp_path):
    content = csv_bytes(zh_table("accounts"), encoding)
    msgid = "The file is UTF-16; save it as CSV UTF-8 or as XLSX."
    refused(
        "accounts",
        save(tmp_path, "utf16.csv", content),
        world.admin,
        [Expect(1, "", "", ("UTF-16", "UTF-8"), (msgid,))],
    )


# Formulas and neutralised text ----------

FORMULA_CELL = {
    "accounts": "name",
    "contacts": "title",
    "leads": "name",
    "opportunities": "name",
    "opportunity_stage_history": "opportunity",
    "activities": "account",
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_formula_cell_is_refused(kind, suffix, world, tmp_path):
    key = FORMULA_CELL[kind]
    rows = changed(kind, 1, **{key: "=SUM(A1)"})
    if suffix == "csv":
        content = csv_bytes(rows)
    else:
        content = xlsx_bytes(rows)
        # openpyxl stores text starting with = as a real formula cell.
        from openpyxl import load_workbook

        cell = load_workbook(io.BytesIO(content)).active.cell(3, rows[0].index(key) + 1)
        assert cell.data_type == "f"
    refused(
        kind,
        save(tmp_path, f"formula.{suffix}", content),
        world.admin,
        [Expect(3, key, "=SUM(A1)", ("formula",), (FORMULA,))],
    )


NEUTRALISED = {
    "accounts": ("name", "'=x", lambda: Account.objects.get(external_id="KA-10").name, "=x"),
    "contacts": ("title", "'+y", lambda: Contact.objects.get(name="王经理").title, "+y"),
    "leads": ("name", "'@z", lambda: Lead.objects.get(external_id="L-1").name, "@z"),
    "opportunities": (
        "product_lines",
        "'-w",
        lambda: Opportunity.objects.get(external_id="O-10").product_lines,
        "-w",
    ),
    "opportunity_stage_history": (
        "opportunity",
        "'=O3",
        lambda: OpportunityStageChange.objects.get(opportunity__external_id="=O3").changed_at,
        at(2026, 1, 5, 9),
    ),
    "activities": (
        "account",
        "'+KA3",
        lambda: Activity.objects.get(external_id="A-1").account.external_id,
        "+KA3",
    ),
}


@pytest.mark.parametrize("kind", KINDS)
def test_text_the_exporter_neutralised_imports_as_itself(kind, world, tmp_path):
    key, cell, read, expected = NEUTRALISED[kind]
    if kind == "opportunity_stage_history":
        rows = table(kind, [{**GOOD[kind][0], "opportunity": cell}])
    else:
        rows = changed(kind, 0, **{key: cell})
    accepted(kind, save(tmp_path, "neutral.csv", csv_bytes(rows)), world.admin)
    assert read() == expected


# Limits and file types ----------


@pytest.mark.parametrize("kind", KINDS)
def test_an_oversized_file_is_refused(kind, world, tmp_path, settings):
    settings.SALESMESH_IMPORT_MAX_BYTES = 100
    content = csv_bytes(table(kind))
    assert len(content) > 100
    msgid = "The file is %(size)s MB; the limit is %(limit)s MB."
    refused(
        kind,
        save(tmp_path, "big.csv", content),
        world.admin,
        [Expect(1, "", "", ("limit", "MB"), (msgid,))],
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_too_many_rows_are_refused(kind, suffix, world, tmp_path, settings):
    settings.SALESMESH_IMPORT_MAX_ROWS = 1
    rows = table(kind)
    content = csv_bytes(rows) if suffix == "csv" else xlsx_bytes(rows)
    msgid = "The file has more than %(limit)s rows; split it or raise the limit."
    refused(
        kind,
        save(tmp_path, f"rows.{suffix}", content),
        world.admin,
        [Expect(1, "", "", ("more than 1 rows", "limit"), (msgid,))],
    )


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("name", "content", "words", "msgid"),
    [
        (
            "old.xls",
            OLE_MAGIC + bytes(504),
            (".xls", ".xlsx"),
            "Old Excel files (.xls) cannot be read; save the sheet as .xlsx or CSV.",
        ),
        (
            "renamed.csv",
            OLE_MAGIC + bytes(range(256)) * 4,
            ("not a CSV or XLSX",),
            "This is not a CSV or XLSX file.",
        ),
        (
            "photo.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
            ("not a CSV or XLSX",),
            "This is not a CSV or XLSX file.",
        ),
        (
            "broken.xlsx",
            b"PK\x03\x04" + bytes(200),
            ("XLSX",),
            "The file is not a readable XLSX workbook.",
        ),
    ],
)
def test_a_non_table_file_is_refused(kind, name, content, words, msgid, world, tmp_path):
    refused(
        kind,
        save(tmp_path, name, content),
        world.admin,
        [Expect(1, "", "", words, (msgid,))],
    )


# Everything at once ----------


def test_every_bad_cell_of_a_file_is_reported_at_once(world, tmp_path):
    rows = table("opportunities")
    rows[1][rows[0].index("amount")] = "-3"
    rows[2][rows[0].index("stage")] = "谈判中吧"
    rows[2][rows[0].index("expected_close")] = "03/04/2026"
    path = save(tmp_path, "many.csv", csv_bytes(rows))
    with translation.override("en"):
        outcome = run("opportunities", path, world.admin, commit=False)
    assert sorted((e.row, e.column) for e in outcome.errors.items) == [
        (2, "amount"),
        (3, "expected_close"),
        (3, "stage"),
    ]
