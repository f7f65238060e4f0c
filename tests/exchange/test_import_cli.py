"""`salesmesh import`: its output, exit status, mapping file and dry run, as a person sees them."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from salesmesh.accounts.models import Account
from salesmesh.activities.models import Activity

pytestmark = pytest.mark.django_db

ACCOUNTS = "line,external_id,name,owner\nka,X-1,甲公司,bd\nka,X-2,乙公司,bd\n"


def call(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("import", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_prints_what_it_did_and_a_second_run_changes_nothing(demo_company, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(ACCOUNTS, encoding="utf-8")
    assert "2 created, 0 updated, 0 unchanged" in call("accounts", str(path))
    assert "0 created, 0 updated, 2 unchanged" in call("accounts", str(path))
    assert Account.objects.filter(external_id__startswith="X-").count() == 2


def test_dry_run_writes_nothing(demo_company, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(ACCOUNTS, encoding="utf-8")
    assert "Dry run" in call("accounts", str(path), "--dry-run")
    assert not Account.objects.filter(external_id__startswith="X-").exists()


def test_bad_rows_are_listed_with_row_column_and_value_and_exit_1(demo_company, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(ACCOUNTS + "ka,X-3,丙公司,nobody\n", encoding="utf-8")
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command("import", "accounts", str(path), stdout=io.StringIO(), stderr=err)
    assert raised.value.returncode == 1
    assert "nothing was written" in str(raised.value)
    assert "row 4, column owner, “nobody”" in err.getvalue()
    assert not Account.objects.filter(external_id__startswith="X-").exists()


def test_mapping_file_names_columns_words_and_date_order(demo_company, tmp_path):
    call("accounts", str(_write(tmp_path / "a.csv", ACCOUNTS)))
    mapping = _write(
        tmp_path / "mapping.yaml",
        "columns:\n  编号: external_id\n  方式: type\n  员工: person\n  公司: account\n"
        "  日子: occurred_at\n  备注: ''\n"
        "values:\n  type:\n    打电话: call\n"
        "date_order: DMY\n",
    )
    data = _write(
        tmp_path / "act.csv",
        "编号,方式,员工,公司,日子,备注\nA-1,打电话,sdr,X-1,03/04/2026 10:00,随便\n",
    )
    assert "1 created" in call("activities", str(data), "--mapping", str(mapping))
    activity = Activity.objects.get(external_id="A-1")
    assert activity.type == "call"
    assert (activity.occurred_at.month, activity.occurred_at.day) == (4, 3)  # DMY


def test_unknown_user_and_missing_file_are_clear_errors(demo_company, tmp_path):
    path = _write(tmp_path / "a.csv", ACCOUNTS)
    with translation.override("en"), pytest.raises(CommandError, match="No active user"):
        call_command("import", "accounts", str(path), "--as", "ghost")
    with translation.override("en"), pytest.raises(CommandError, match="No such file"):
        call_command("import", "accounts", str(tmp_path / "missing.csv"))


def _write(path, text):  # type: ignore[no-untyped-def]
    path.write_text(text, encoding="utf-8")
    return path
