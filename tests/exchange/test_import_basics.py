"""Imports: the happy paths of each kind, idempotence, updates with history, dry runs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from salesmesh.accounts.models import Account, AccountOwnership
from salesmesh.activities.models import Activity, ActivityDailyRollup
from salesmesh.activities.rollup_audit import rollups_verify
from salesmesh.exchange.importer import import_path
from salesmesh.exchange.models import ImportChange, ImportRun
from salesmesh.org.models import User
from salesmesh.pipeline.models import Opportunity, OpportunityStageChange

pytestmark = pytest.mark.django_db


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(kind: str, path: Path, user: User, *, commit: bool = True, mapping=None, run=None):
    return import_path(
        kind=kind,
        path=path,
        filename=path.name,
        user=user,
        mapping_data=mapping,
        commit=commit,
        run=run,
    )


ACCOUNTS_CSV = """业务线,外部编号,客户名称,名单客户,层级,潜力,行业,区域,推荐人,负责人
ka,KA-1,华东制造,是,A,"¥1,200万",制造,华东,,bd
ka,KA-2,华南物流,否,B,35万,物流,华南,KA-1,bd
"""


def test_accounts_import_with_chinese_headers_then_again_changes_nothing(demo_company, tmp_path):
    admin = User.objects.get(username="admin")
    path = write(tmp_path, "accounts.csv", ACCOUNTS_CSV)

    dry = run("accounts", path, admin, commit=False)
    assert dry.ok, dry.errors.items
    assert (dry.created, dry.updated) == (2, 0)
    assert not Account.objects.filter(external_id__startswith="KA-").exists()

    done = run("accounts", path, admin)
    assert done.ok
    assert done.committed
    first = Account.objects.get(external_id="KA-1")
    second = Account.objects.get(external_id="KA-2")
    assert first.wallet_potential == Decimal("12000000.00")
    assert first.is_named
    assert not second.is_named
    assert second.referred_by == first
    assert AccountOwnership.objects.filter(account=first, ended_at__isnull=True).count() == 1

    again = run("accounts", path, admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Account.objects.filter(external_id__startswith="KA-").count() == 2


def test_a_changed_row_updates_and_is_recorded(demo_company, tmp_path):
    admin = User.objects.get(username="admin")
    run("accounts", write(tmp_path, "a.csv", ACCOUNTS_CSV), admin)
    changed = ACCOUNTS_CSV.replace("华东制造,是,A", "华东智造,是,B")
    import_run = ImportRun.objects.create(kind="accounts", filename="b.csv", created_by=admin)
    outcome = run("accounts", write(tmp_path, "b.csv", changed), admin, run=import_run)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 1, 1)
    change = ImportChange.objects.get(run=import_run)
    assert change.changes == {"name": ["华东制造", "华东智造"], "tier": ["A", "B"]}


def test_a_bad_row_reports_row_column_value_and_writes_nothing(demo_company, tmp_path):
    admin = User.objects.get(username="admin")
    bad = ACCOUNTS_CSV + "ka,KA-3,西北能源,是,A,-5万,能源,西北,,nobody\n"
    with translation.override("en"):
        outcome = run("accounts", write(tmp_path, "bad.csv", bad), admin)
    assert not outcome.ok
    problems = {(e.row, e.column): e for e in outcome.errors.items}
    assert problems[(4, "潜力")].value == "-5万"
    assert "negative" in problems[(4, "潜力")].message
    assert problems[(4, "负责人")].value == "nobody"
    assert not Account.objects.filter(external_id__startswith="KA-").exists()


def test_activities_import_keeps_rollups_exact_and_is_idempotent(demo_company, tmp_path):
    admin = User.objects.get(username="admin")
    run("accounts", write(tmp_path, "a.csv", ACCOUNTS_CSV), admin)
    text = (
        "external_id,type,person,account,occurred_at,reached,duration_minutes\n"
        "ACT-1,call,sdr,KA-1,2026-03-02T10:00:00+08:00,true,5\n"
        "ACT-2,电话,sdr,华南物流,2026/3/2 23:30,否,0\n"
        "ACT-3,visit,bd,KA-1,2026年3月3日 09:00,是,60\n"
    )
    path = write(tmp_path, "act.csv", text, encoding="gb18030")
    outcome = run("activities", path, admin)
    assert outcome.ok, outcome.errors.items
    assert outcome.created == 3
    assert Activity.objects.count() == 3
    assert rollups_verify() == []
    sdr = User.objects.get(username="sdr")
    day = ActivityDailyRollup.objects.get(person=sdr, day=date(2026, 3, 2), type="call")
    assert (day.attempts, day.reached) == (2, 1)

    again = run("activities", path, admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)

    moved = text.replace(
        "ACT-1,call,sdr,KA-1,2026-03-02T10:00:00+08:00,true",
        "ACT-1,call,sdr,KA-1,2026-03-04T10:00:00+08:00,false",
    )
    updated = run("activities", write(tmp_path, "act2.csv", moved), admin)
    assert (updated.created, updated.updated, updated.unchanged) == (0, 1, 2)
    assert rollups_verify() == []


def test_opportunities_and_their_stage_history(demo_company, tmp_path):
    admin = User.objects.get(username="admin")
    run("accounts", write(tmp_path, "a.csv", ACCOUNTS_CSV), admin)
    deals = (
        "line,external_id,account,name,stage,amount,currency,expected_close,owner\n"
        'ka,O-1,KA-1,扩容,won,"1,000,000.00",CNY,2026-06-30,bd\n'
    )
    assert run("opportunities", write(tmp_path, "o.csv", deals), admin).ok
    history = (
        "line,opportunity,from_stage,to_stage,changed_at,changed_by\n"
        "ka,O-1,,lead,2026-01-05T09:00:00+08:00,bd\n"
        "ka,O-1,lead,proposal,2026-02-01T09:00:00+08:00,bd\n"
        "ka,O-1,proposal,won,2026-03-01T09:00:00+08:00,bd\n"
    )
    outcome = run("opportunity_stage_history", write(tmp_path, "h.csv", history), admin)
    assert outcome.ok, outcome.errors.items
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 3, 0)
    deal = Opportunity.objects.get(external_id="O-1")
    trail = list(
        OpportunityStageChange.objects.filter(opportunity=deal).values_list(
            "from_stage", "to_stage"
        )
    )
    assert trail == [("", "lead"), ("lead", "proposal"), ("proposal", "won")]
    again = run("opportunity_stage_history", write(tmp_path, "h.csv", history), admin)
    assert again.ok
    assert again.updated == 0


def test_unknown_accounts_are_created_only_when_asked(demo_company, tmp_path):
    admin = User.objects.get(username="admin")
    deals = (
        "line,external_id,account,name,stage,amount,owner\n"
        "ka,O-7,新客户,首单,lead,1000,bd\n"
        "ka,O-8,新客户,二单,lead,2000,bd\n"
    )
    path = write(tmp_path, "o.csv", deals)
    refused = run("opportunities", path, admin)
    assert [(e.row, e.column) for e in refused.errors.items] == [(2, "account"), (3, "account")]
    assert not Account.objects.filter(name="新客户").exists()

    created = import_path(
        kind="opportunities",
        path=path,
        filename=path.name,
        user=admin,
        commit=True,
        create_missing=True,
    )
    assert created.ok, created.errors.items
    account = Account.objects.get(name="新客户")  # one account for both rows
    assert account.owner.username == "bd"
    assert account.line.code == "ka"
    assert set(
        Opportunity.objects.filter(account=account).values_list("external_id", flat=True)
    ) == {
        "O-7",
        "O-8",
    }


def test_a_missing_upload_is_a_clear_message_not_a_traceback(demo_company, tmp_path):
    admin = User.objects.get(username="admin")
    with translation.override("en"):
        outcome = run("accounts", tmp_path / "pruned.csv", admin)
    assert not outcome.ok
    assert [(e.row, e.message) for e in outcome.errors.items] == [
        (1, "The file is no longer here; upload it again.")
    ]
