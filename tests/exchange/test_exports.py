"""Exports of process data: CSV and XLSX read back, scoping, query counts, the CLI."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from salesmesh.accounts.services import contact_create
from salesmesh.activities.services import activity_create, solution_request_create
from salesmesh.exchange.exports import KINDS, export_bytes, write_csv
from salesmesh.pipeline.services import lead_create, opportunity_create
from salesmesh.projects.services import milestone_create, project_create, scenario_solution_create
from tests.accounts.factories import make_account, make_line, make_user, shanghai

pytestmark = pytest.mark.django_db


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(data)).active


@pytest.fixture
def line():  # type: ignore[no-untyped-def]
    return make_line("exp")


@pytest.fixture
def data(line):  # type: ignore[no-untyped-def]
    """One record of every kind, with awkward text in it."""
    owner = make_user("alice")
    account = make_account(
        line, owner, name='=HYPERLINK("http://x")', wallet_potential=Decimal("1234567.5")
    )
    make_account(line, owner, name="客户乙", industry="+制造")
    contact_create(account=account, name="@张三", title="\t总监")
    opportunity = opportunity_create(
        line=line,
        account=account,
        name="@deal",
        owner=owner,
        amount=Decimal("99.9"),
        expected_close=date(2025, 6, 30),
        at=shanghai(2025, 1, 2, 9, 30),
    )
    lead_create(
        line=line, source="referral", created_on=date(2025, 1, 3), name="-lead", owner=owner
    )
    activity_create(
        person=owner, type="call", occurred_at=shanghai(2025, 1, 5, 23, 30), account=account
    )
    solution_request_create(
        account=account, presales_owner=owner, requested_at=shanghai(2025, 1, 6, 8)
    )
    project = project_create(line=line, account=account, name="项目", contract_value=Decimal(1000))
    milestone_create(project=project, name="=1+1", planned_date=date(2025, 3, 1), owning_role="pmo")
    scenario_solution_create(industry="政务", problem="@数据孤岛", project=project)
    return {"owner": owner, "account": account, "opportunity": opportunity}


def test_csv_reads_back_with_headers_one_row_per_record_and_neutralised_text(data):
    with translation.override("en"):
        rows = read_csv(export_bytes("accounts", KINDS["accounts"].all_rows(), "csv"))
    header, *records = rows
    # No database ids: records are named by line, external ID and name.
    assert header[:3] == ["business line", "external ID", "name"]
    assert len(records) == 2
    by_name = {row[2]: row for row in records}
    formula = by_name['\'=HYPERLINK("http://x")']
    assert formula[header.index("wallet potential")] == "1234567.50"
    assert formula[header.index("owner")] == "alice"
    assert by_name["客户乙"][header.index("industry")] == "'+制造"


def test_csv_headers_follow_the_active_language(data):
    with translation.override("zh-hans"):
        header = read_csv(export_bytes("accounts", KINDS["accounts"].all_rows(), "csv"))[0]
    with translation.override("zh-hans"):
        expected = str(KINDS["accounts"].columns[0].header)
    assert header[0] == expected != "business line"


def test_csv_dates_are_iso_and_datetimes_on_the_project_clock(data):
    with translation.override("en"):
        header, row = read_csv(export_bytes("activities", KINDS["activities"].all_rows(), "csv"))
        assert row[header.index("occurred at")] == "2025-01-05T23:30:00+08:00"
        header, row = read_csv(
            export_bytes("opportunities", KINDS["opportunities"].all_rows(), "csv")
        )
    assert row[header.index("expected close")] == "2025-06-30"
    assert row[header.index("amount")] == "99.90"
    assert row[header.index("name")] == "'@deal"
    # The account is named by its external ID (or its name), never by a database id.
    assert row[header.index("account")] == "'" + data["account"].name  # neutralised too


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_exports_to_both_formats(data, kind):
    rows = read_csv(export_bytes(kind, KINDS[kind].all_rows(), "csv"))
    assert len(rows) >= 2
    assert len(rows[0]) == len(KINDS[kind].columns)
    sheet = read_xlsx(export_bytes(kind, KINDS[kind].all_rows(), "xlsx"))
    assert sheet.max_row == len(rows)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_xlsx_has_numbers_dates_bold_headers_and_no_formulas(data):
    with translation.override("en"):
        sheet = read_xlsx(export_bytes("opportunities", KINDS["opportunities"].all_rows(), "xlsx"))
    header = [cell.value for cell in sheet[1]]
    assert all(cell.font.bold for cell in sheet[1])
    row = sheet[2]
    amount = row[header.index("amount")]
    assert amount.data_type == "n"
    assert amount.value == pytest.approx(99.9)
    assert amount.number_format == "#,##0.00"
    close = row[header.index("expected close")]
    assert close.is_date
    assert close.value.date() == date(2025, 6, 30)
    name = row[header.index("name")]
    assert name.value == "'@deal"
    assert name.data_type == "s"

    with translation.override("en"):
        sheet = read_xlsx(export_bytes("activities", KINDS["activities"].all_rows(), "xlsx"))
    header = [cell.value for cell in sheet[1]]
    occurred = sheet[2][header.index("occurred at")]
    assert occurred.is_date
    assert occurred.value == datetime(2025, 1, 5, 23, 30)  # noqa: DTZ001 - Shanghai wall clock

    sheet = read_xlsx(export_bytes("milestones", KINDS["milestones"].all_rows(), "xlsx"))
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'=1+1" in values
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_write_csv_writes_to_a_text_stream(data):
    stream = io.StringIO(newline="")
    write_csv("leads", KINDS["leads"].all_rows(), stream)
    text = stream.getvalue()
    assert text.startswith("\ufeff")
    assert "'-lead" in text


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_query_count_does_not_grow_with_rows(line, kind):
    owner = make_user()
    counts = []
    for size in (5, 50):
        while len(KINDS["accounts"].all_rows()) < size:
            account = make_account(line, owner)
            opportunity_create(line=line, account=account, name="o", owner=owner)
            lead_create(line=line, source="brand", created_on=date(2025, 1, 1), owner=owner)
            activity_create(
                person=owner, type="visit", occurred_at=shanghai(2025, 2, 1), account=account
            )
            solution_request_create(
                account=account, presales_owner=owner, requested_at=shanghai(2025, 2, 1)
            )
            project = project_create(line=line, account=account, name="p")
            first = milestone_create(
                project=project, name="m1", planned_date=date(2025, 3, 1), owning_role="pmo"
            )
            milestone_create(
                project=project,
                name="m2",
                planned_date=date(2025, 4, 1),
                owning_role="pmo",
                depends_on=[first],
            )
            contact_create(account=account, name="c")
        for fmt in ("csv", "xlsx"):
            with CaptureQueriesContext(connection) as queries:
                export_bytes(kind, KINDS[kind].all_rows(), fmt)
            counts.append(len(queries))
    assert counts[0] == counts[2]
    assert counts[1] == counts[3]


def test_a_line_manager_downloads_only_that_lines_accounts(client):
    east, west = make_line("east"), make_line("west")
    head = make_user("east-head")
    east.manager = head
    east.save()
    mine = make_account(east, make_user(), name="东客户")
    make_account(west, make_user(), name="西客户")

    client.force_login(head)
    response = client.get("/data/export/accounts.csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="accounts-')
    assert disposition.endswith('.csv"')
    rows = read_csv(b"".join(response.streaming_content))
    assert [row[2] for row in rows[1:]] == [mine.name]

    response = client.get("/data/export/accounts.xlsx")
    assert response.status_code == 200
    sheet = read_xlsx(b"".join(response.streaming_content))
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["东客户"]


def test_a_rep_with_nothing_gets_only_the_header(client, data):
    rep = make_user("nobody")
    client.force_login(rep)
    # The knowledge base is shared with everyone by design (projects.selectors).
    for kind in set(KINDS) - {"scenario_solutions"}:
        rows = read_csv(b"".join(client.get(f"/data/export/{kind}.csv").streaming_content))
        assert len(rows) == 1, kind


def test_unknown_kind_or_format_is_404_and_signed_out_is_redirected(client, data):
    assert client.get("/data/export/accounts.csv").status_code == 302
    client.force_login(data["owner"])
    assert client.get("/data/export/secrets.csv").status_code == 404
    assert client.get("/data/export/accounts.pdf").status_code == 404
    assert client.get("/data/").status_code == 200  # the people page still lives there


def test_the_cli_writes_an_xlsx_file_openpyxl_reads(data, tmp_path):
    out = tmp_path / "acc.xlsx"
    call_command("export", "accounts", "--format", "xlsx", "--out", str(out))
    sheet = load_workbook(out).active
    assert sheet.max_row == 3
    assert list(tmp_path.iterdir()) == [out]  # no temp file left behind


def test_the_cli_prints_csv_to_stdout(data):
    stdout = io.StringIO()
    call_command("export", "leads", stdout=stdout)
    rows = list(csv.reader(io.StringIO(stdout.getvalue().lstrip("\ufeff"))))
    assert len(rows) == 2
    assert rows[1][2] == "'-lead"


def test_contacts_neutralise_tabs_and_at_signs(data):
    with translation.override("en"):
        header, row = read_csv(export_bytes("contacts", KINDS["contacts"].all_rows(), "csv"))
    assert row[header.index("name")] == "'@张三"
    assert row[header.index("title")] == "'\t总监"
