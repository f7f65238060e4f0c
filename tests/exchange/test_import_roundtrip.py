"""Round trip (issue #4): export → import into an empty database → export gives identical files.

A varied data set is built through the services — referral chains, Chinese
names, contacts, leads, deals with multi-step stage histories, activities
with and without deals, text a spreadsheet would run as a formula — and
every importable kind is exported, in Chinese and in English headers, to
CSV and to XLSX. All process data is then deleted (the org stays), the
files are imported in dependency order, and the second export must equal
the first: byte for byte (CSV), cell for cell (XLSX). Importing the same
files again changes nothing.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from openpyxl import load_workbook

from salesmesh.accounts.models import Account, AccountOwnership, Contact
from salesmesh.accounts.services import account_create, account_update, contact_create
from salesmesh.activities.models import AccountWeeklyTouch, Activity, ActivityDailyRollup
from salesmesh.activities.rollup_audit import rollups_verify
from salesmesh.activities.services import activities_bulk_delete, activity_create
from salesmesh.exchange.exports import KINDS, export_bytes
from salesmesh.exchange.importer import import_path
from salesmesh.org.models import OrgUnit, User
from salesmesh.pipeline.models import Lead, Opportunity, OpportunityStageChange
from salesmesh.pipeline.services import lead_create, opportunity_create, opportunity_update

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The order a person imports in: what a row refers to is already there.
ORDER = (
    "accounts",
    "contacts",
    "leads",
    "opportunities",
    "opportunity_stage_history",
    "activities",
)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def build_dataset() -> None:
    """Process data of every importable kind, made through the services."""
    ka, smb, gov = (OrgUnit.objects.get(code=code) for code in ("ka", "smb", "gov"))
    users = {name: User.objects.get(username=name) for name in ("bd", "sdr", "rep", "business")}
    bd, sdr, rep, business = users["bd"], users["sdr"], users["rep"], users["business"]

    # Accounts: a referral chain in each of two lines, Chinese names, formula-like text.
    east = account_create(
        line=ka,
        external_id="KA-001",
        name="华东制造集团",
        owner=bd,
        is_named=True,
        tier="A",
        wallet_potential=Decimal("12000000.00"),
        industry="制造",
        region="华东",
    )
    south = account_create(
        line=ka,
        external_id="KA-002",
        name="=x 华南物流",
        owner=bd,
        tier="-1",
        wallet_potential=Decimal("350000.50"),
        industry="+y",
        region="@z",
        referred_by=east,
    )
    north = account_create(
        line=ka,
        external_id="KA-003",
        name="北方能源（集团）",
        owner=sdr,
        referred_by=south,
        # The largest amount the field holds: a spreadsheet's float must not round it.
        wallet_potential=Decimal("999999999999.99"),
    )
    # A referrer further down the file than the account it referred.
    early = account_create(line=ka, external_id="KA-000", name="早期客户", owner=bd)
    account_update(account=early, referred_by=north)
    small = account_create(line=smb, external_id="SMB-01", name="小微一号", owner=rep)
    account_create(
        line=smb, external_id="SMB-02", name="小微二号", owner=rep, referred_by=small, region="华南"
    )
    city = account_create(line=gov, external_id="GOV-01", name="某市政务局", owner=business)

    # Contacts.
    contact_create(account=east, name="王建国", title="CTO", buying_role="decision_maker")
    contact_create(account=east, name="李娜", title="+采购", buying_role="champion", influence=5)
    contact_create(account=south, name="=张三", attitude="opponent", influence=1)
    contact_create(account=city, name="刘局长", title="局长", buying_role="economic_buyer")
    contact_create(account=city, name='O\'Brien, "Pat"', title="VP, 销售\n二线")

    # Leads, with and without an account or an owner.
    lead_create(
        line=ka,
        external_id="L-001",
        name="展会线索",
        source="brand",
        created_on=date(2026, 1, 5),
        account=east,
        owner=sdr,
        status="qualified",
        qualified_on=date(2026, 1, 20),
    )
    lead_create(
        line=ka,
        external_id="L-002",
        name="@z 转介绍",
        source="referral",
        created_on=date(2026, 2, 1),
    )
    lead_create(
        line=smb,
        external_id="SL-001",
        source="private_domain",
        created_on=date(2026, 2, 14),
        owner=rep,
        status="disqualified",
    )

    # Opportunities with multi-step stage histories (each move dated, by someone).
    expand = opportunity_create(
        line=ka,
        external_id="O-001",
        account=east,
        name="扩容项目",
        owner=bd,
        amount=Decimal("1000000.00"),
        expected_close=date(2026, 6, 30),
        product_lines="平台,云服务",
        at=at(2026, 1, 6, 9),
        by=sdr,
    )
    for stage, when in (("qualified", at(2026, 1, 20, 10)), ("proposal", at(2026, 2, 3, 15, 30))):
        opportunity_update(opportunity=expand, stage=stage, at=when, by=bd)
    renew = opportunity_create(
        line=ka,
        external_id="O-002",
        account=south,
        name="续约",
        owner=bd,
        amount=Decimal("88000.25"),
        currency="USD",
        product_lines="=SUM(A1)",
        at=at(2026, 1, 2, 8),
    )
    for stage, when in (
        ("qualified", at(2026, 1, 10, 9)),
        ("negotiation", at(2026, 2, 1, 9)),
        ("won", at(2026, 2, 27, 17, 45, 12)),
    ):
        opportunity_update(opportunity=renew, stage=stage, at=when, by=bd)
    lost = opportunity_create(
        line=smb,
        external_id="SO-001",
        account=small,
        name="小单",
        owner=rep,
        forecast_category="best_case",
        at=at(2026, 3, 1, 11),
        by=rep,
    )
    opportunity_update(opportunity=lost, stage="lost", at=at(2026, 3, 9, 16), by=rep)
    opportunity_create(
        line=gov,
        external_id="GO-001",
        account=city,
        name="智慧政务",
        owner=business,
        stage="proposal",
        amount=Decimal("5600000.00"),
        at=at(2026, 1, 15, 10),
        by=business,
    )

    # Activities with and without deals, reached or not, across a week boundary.
    activity_create(
        external_id="A-001",
        person=sdr,
        type="call",
        occurred_at=at(2026, 3, 1, 23, 59, 59),
        account=east,
        reached=True,
        duration_minutes=7,
    )
    activity_create(
        external_id="A-002",
        person=bd,
        type="visit",
        occurred_at=at(2026, 3, 2, 0, 0),
        opportunity=expand,
        reached=True,
        duration_minutes=90,
    )
    activity_create(
        external_id="A-003", person=rep, type="wecom", occurred_at=at(2026, 3, 3, 12), account=small
    )
    activity_create(
        external_id="=A-004", person=rep, type="call", occurred_at=at(2026, 3, 4, 9, 30)
    )
    activity_create(
        external_id="A-005",
        person=business,
        type="meeting",
        occurred_at=at(2026, 2, 28, 14),
        account=city,
        reached=True,
        duration_minutes=120,
    )


def delete_process_data() -> None:
    """The empty database: every record of the process gone, the org and the people kept."""
    activities_bulk_delete(queryset=Activity.objects.all())
    OpportunityStageChange.objects.all().delete()
    Opportunity.objects.all().delete()
    Lead.objects.all().delete()
    Contact.objects.all().delete()
    Account.objects.update(referred_by=None)
    AccountOwnership.objects.all().delete()
    Account.objects.all().delete()
    for model in (Account, Contact, Lead, Opportunity, OpportunityStageChange, Activity):
        assert not model.objects.exists()
    assert not ActivityDailyRollup.objects.exists()
    assert not AccountWeeklyTouch.objects.exists()


def export_all(fmt: str, language: str) -> dict[str, bytes]:
    with translation.override(language):
        return {kind: export_bytes(kind, KINDS[kind].all_rows(), fmt) for kind in ORDER}


def cells(content: bytes) -> list[tuple[object, ...]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def import_all(
    files: dict[str, bytes], fmt: str, tmp_path: Path, language: str
) -> dict[str, tuple[int, int, int]]:
    admin = User.objects.get(username="admin")
    counts = {}
    for kind in ORDER:
        path = tmp_path / f"{kind}.{fmt}"
        path.write_bytes(files[kind])
        with translation.override(language):
            outcome = import_path(
                kind=kind, path=path, filename=path.name, user=admin, mapping_data=None, commit=True
            )
        assert outcome.ok, (kind, outcome.errors.items)
        # Every column of the export was recognised: nothing was left unmapped.
        assert outcome.mapping is not None
        assert all(outcome.mapping.columns.values()), (kind, outcome.mapping.columns)
        counts[kind] = (outcome.created, outcome.updated, outcome.unchanged)
    return counts


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_import_into_an_empty_database_export_gives_the_same_files(
    fmt, language, demo_company, tmp_path
):
    build_dataset()
    before = export_all(fmt, language)
    rows = {
        kind: Model.objects.count()
        for kind, Model in (
            ("accounts", Account),
            ("contacts", Contact),
            ("leads", Lead),
            ("opportunities", Opportunity),
            ("opportunity_stage_history", OpportunityStageChange),
            ("activities", Activity),
        )
    }
    # The files hold every record, formula-like text neutralised.
    for kind, count in rows.items():
        if fmt == "csv":
            assert before[kind].decode("utf-8").count("\r\n") == count + 1, kind
        else:
            assert len(cells(before[kind])) == count + 1, kind
    if fmt == "csv":
        assert "'=x 华南物流" in before["accounts"].decode("utf-8")
        assert "'=A-004" in before["activities"].decode("utf-8")
    delete_process_data()

    first = import_all(before, fmt, tmp_path, language)
    assert rollups_verify() == []
    after = export_all(fmt, language)
    for kind in ORDER:
        if fmt == "csv":
            assert after[kind] == before[kind], kind
        else:
            assert cells(after[kind]) == cells(before[kind]), kind
    # Every record came back as new (stage changes replace each deal's first one).
    for kind in ("accounts", "contacts", "leads", "opportunities", "activities"):
        assert first[kind] == (rows[kind], 0, 0), kind

    again = import_all(before, fmt, tmp_path, language)
    for kind in ORDER:
        created, updated, _unchanged = again[kind]
        assert (created, updated) == (0, 0), (kind, again[kind])
    assert again["activities"][2] == rows["activities"]
    assert rollups_verify() == []
    final = export_all(fmt, language)
    for kind in ORDER:
        if fmt == "csv":
            assert final[kind] == before[kind], kind
        else:
            assert cells(final[kind]) == cells(before[kind]), kind
