"""Import pages: upload, preview, mapping and presets, commit, background runs and access."""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from salesmesh.accounts.models import Account
from salesmesh.exchange import tasks
from salesmesh.exchange.models import ImportChange, ImportPreset, ImportRun, ImportStatus
from salesmesh.exchange.tasks import progress_writer

pytestmark = pytest.mark.django_db

UPLOAD = reverse("exchange:import_upload")
RUNS = reverse("exchange:import_runs")

ACCOUNTS_CSV = """line,external_id,name,tier,owner
smb,W-1,杭州小微一号,A,rep
smb,W-2,杭州小微二号,B,rep
"""
# A spreadsheet from another system: "Kunde" names no field, so the name column is missing.
FOREIGN_CSV = """业务线,外部编号,Kunde,层级,负责人
smb,W-1,杭州小微一号,A,rep
smb,W-2,杭州小微二号,B,rep
"""


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.SALESMESH_IMPORT_DIR = tmp_path / "imports"


@pytest.fixture
def english(client):
    # Assertions read English text; the default language is Chinese.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def csv_file(text: str, name: str = "accounts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def upload(client, text: str, *, kind: str = "accounts", preset=None, name="accounts.csv"):
    data = {"kind": kind, "file": csv_file(text, name)}
    if preset is not None:
        data["preset"] = preset.pk
    return client.post(UPLOAD, data)


def only_run() -> ImportRun:
    return ImportRun.objects.get()


def run_url(run: ImportRun, name: str = "exchange:import_run") -> str:
    return reverse(name, args=[run.pk])


def mapping_post(run: ImportRun, choices: dict[str, str], **extra: str) -> dict[str, str]:
    """The mapping form as a browser sends it: one select per header, by position."""
    data = {f"col_{index}": choices.get(header, "") for index, header in enumerate(run.headers)}
    data.update(extra)
    return data


def test_manager_previews_then_imports_a_small_csv(client, login_as, english):
    login_as("manager")

    response = upload(client, ACCOUNTS_CSV)

    run = only_run()
    assert response.status_code == 302
    assert response["Location"] == run_url(run)
    assert run.status == ImportStatus.VALID
    assert (run.rows, run.created, run.updated, run.unchanged) == (2, 2, 0, 0)
    assert Path(run.stored_path).is_file()
    assert not Account.objects.filter(external_id__in=["W-1", "W-2"]).exists()
    page = client.get(run_url(run)).content.decode()
    assert "will create 2, update 0 and leave 0 unchanged" in page
    assert 'id="import-commit"' in page

    response = client.post(run_url(run, "exchange:import_commit"))

    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    assert set(Account.objects.filter(line__code="smb").values_list("external_id", flat=True)) >= {
        "W-1",
        "W-2",
    }
    assert not Path(run.stored_path).exists()
    page = client.get(run_url(run)).content.decode()
    assert '<dd id="import-created">2</dd>' in page
    assert '<dd id="import-updated">0</dd>' in page
    assert 'id="import-commit"' not in page
    assert reverse("records:list", args=["accounts"]) in page
    assert 'id="import-changes"' not in page  # only creations: nothing existing changed


def test_a_second_commit_of_the_same_run_is_refused(client, login_as):
    login_as("manager")
    upload(client, ACCOUNTS_CSV)
    run = only_run()
    client.post(run_url(run, "exchange:import_commit"))

    client.post(run_url(run, "exchange:import_commit"))

    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    assert Account.objects.filter(external_id="W-1").count() == 1


def test_reimport_lists_the_changed_records_with_links(client, login_as, english):
    login_as("manager")
    upload(client, ACCOUNTS_CSV)
    client.post(run_url(only_run(), "exchange:import_commit"))

    upload(client, ACCOUNTS_CSV.replace("杭州小微一号,A", "杭州小微壹号,A"))
    second = ImportRun.objects.order_by("-created_at").first()
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    client.post(run_url(second, "exchange:import_commit"))

    change = ImportChange.objects.get(run=second)
    page = client.get(run_url(second)).content.decode()
    assert reverse("records:account", args=[change.record_id]) in page
    assert "杭州小微一号" in page
    assert "杭州小微壹号" in page


def test_the_changed_records_are_listed_fifty_to_a_page(client, login_as):
    login_as("manager")
    rows = "".join(f"smb,P-{n:02},客户{n:02},A,rep\n" for n in range(51))
    upload(client, "line,external_id,name,tier,owner\n" + rows)
    client.post(run_url(only_run(), "exchange:import_commit"))
    upload(client, "line,external_id,name,tier,owner\n" + rows.replace(",A,", ",B,"))
    second = ImportRun.objects.order_by("-created_at").first()
    client.post(run_url(second, "exchange:import_commit"))
    assert ImportChange.objects.filter(run=second).count() == 51

    first_page = client.get(run_url(second)).content.decode()
    last_page = client.get(run_url(second) + "?page=2").content.decode()

    assert first_page.count("<td rowspan=") == 50
    assert "P-49" in first_page
    assert "P-50" not in first_page
    assert last_page.count("<td rowspan=") == 1
    assert "P-50" in last_page


def test_errors_show_row_column_value_and_reason_and_no_import_button(client, login_as, english):
    login_as("manager")
    bad = ACCOUNTS_CSV + "smb,W-3,杭州小微三号,C,nobody\n"

    upload(client, bad)

    run = only_run()
    assert run.status == ImportStatus.INVALID
    page = client.get(run_url(run)).content.decode()
    table = page[page.index('id="import-errors"') :]
    row = re.search(
        r"<tr><td class=\"num\">4</td><td>owner</td><td><code>nobody</code></td>", table
    )
    assert row, table[:2000]
    assert run.errors[0]["message"] in table
    assert 'id="import-commit"' not in page
    # Nothing can be committed behind the page's back either.
    client.post(run_url(run, "exchange:import_commit"))
    run.refresh_from_db()
    assert run.status == ImportStatus.INVALID
    assert not Account.objects.filter(external_id="W-1").exists()


def test_more_errors_than_kept_say_how_many_more(client, login_as, english):
    login_as("manager")
    upload(client, ACCOUNTS_CSV.replace(",rep\n", ",nobody\n"))
    run = only_run()
    assert run.error_count == 2
    # The engine keeps the first errors only; pretend it kept one of many.
    ImportRun.objects.filter(pk=run.pk).update(errors=run.errors[:1], error_count=1001)

    page = client.get(run_url(run)).content.decode()

    assert "and 1000 more" in page


def test_changing_the_mapping_checks_again_with_it(client, login_as):
    login_as("manager")
    upload(client, FOREIGN_CSV)
    run = only_run()
    assert run.status == ImportStatus.INVALID  # no column feeds the required name
    page = client.get(run_url(run)).content.decode()
    assert 'name="col_2"' in page
    # The recognised Chinese headers are pre-selected.
    assert re.search(r'name="col_1".*?<option value="external_id" selected>', page, re.S)

    data = mapping_post(
        run, {"业务线": "line", "外部编号": "external_id", "Kunde": "name", "负责人": "owner"}
    )
    response = client.post(run_url(run, "exchange:import_mapping"), {**data, "recheck": ""})

    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportStatus.VALID, run.errors
    assert run.mapping["columns"]["Kunde"] == "name"
    assert run.mapping["columns"]["层级"] == ""  # set to "(ignore)" in the form
    assert run.created == 2


def test_a_mapping_feeding_one_field_twice_is_refused(client, login_as, english):
    login_as("manager")
    upload(client, FOREIGN_CSV)
    run = only_run()
    before = run.mapping

    data = mapping_post(run, {"业务线": "line", "外部编号": "name", "Kunde": "name"})
    response = client.post(run_url(run, "exchange:import_mapping"), {**data, "recheck": ""})

    assert response.status_code == 400
    assert "Each field can be fed by one column only" in response.content.decode()
    run.refresh_from_db()
    assert run.mapping == before
    assert run.status == ImportStatus.INVALID


def test_a_saved_preset_applies_to_the_next_upload(client, login_as):
    manager = login_as("manager")
    upload(client, FOREIGN_CSV)
    run = only_run()
    data = mapping_post(
        run,
        {
            "业务线": "line",
            "外部编号": "external_id",
            "Kunde": "name",
            "层级": "tier",
            "负责人": "owner",
        },
        date_order="DMY",
        preset_name="CRM 导出",
    )

    client.post(run_url(run, "exchange:import_mapping"), {**data, "save_preset": ""})

    preset = ImportPreset.objects.get(kind="accounts", name="CRM 导出")
    assert preset.created_by == manager
    assert preset.mapping["columns"]["Kunde"] == "name"
    assert preset.mapping["date_order"] == "DMY"
    run.refresh_from_db()
    assert run.status == ImportStatus.VALID  # saved and checked with the same mapping

    upload(client, FOREIGN_CSV, preset=preset, name="next.csv")

    second = ImportRun.objects.get(filename="next.csv")
    assert second.status == ImportStatus.VALID, second.errors
    assert second.mapping["columns"]["Kunde"] == "name"


def test_a_preset_of_another_kind_is_refused(client, login_as):
    login_as("manager")
    preset = ImportPreset.objects.create(kind="leads", name="x", mapping={})

    response = upload(client, ACCOUNTS_CSV, preset=preset)

    assert response.status_code == 400
    assert not ImportRun.objects.exists()


def test_someone_elses_preset_name_is_not_overwritten(client, login_as, english):
    from salesmesh.org.models import User

    other = User.objects.get(username="rep")
    ImportPreset.objects.create(kind="accounts", name="theirs", mapping={}, created_by=other)
    login_as("manager")
    upload(client, FOREIGN_CSV)
    run = only_run()
    data = mapping_post(run, {"Kunde": "name"}, preset_name="theirs")

    response = client.post(run_url(run, "exchange:import_mapping"), {**data, "save_preset": ""})

    assert response.status_code == 400
    assert ImportPreset.objects.get(name="theirs").mapping == {}


# Transactional: the worker, run in-process here, closes the connection between
# tasks (close_old_connections), which would end a test wrapped in a transaction.
@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_checked_and_imported_by_the_worker(
    client, login_as, settings, django_capture_on_commit_callbacks
):
    settings.SALESMESH_IMPORT_INLINE_BYTES = 0
    login_as("manager")

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, ACCOUNTS_CSV)

    run = only_run()
    assert response["Location"] == run_url(run)
    assert run.status == ImportStatus.QUEUED
    assert DBTaskResult.objects.count() == 1
    progress = client.get(run_url(run, "exchange:import_progress"), HTTP_HX_REQUEST="true")
    assert progress.status_code == 200
    assert "<progress" in progress.content.decode()
    assert 'hx-trigger="every 1s"' in progress.content.decode()
    assert "<progress" in client.get(run_url(run)).content.decode()

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    run.refresh_from_db()
    assert run.status == ImportStatus.VALID, run.errors
    finished = client.get(run_url(run, "exchange:import_progress"), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in finished.content.decode()
    assert finished["HX-Refresh"] == "true"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(run_url(run, "exchange:import_commit"))
    assert not Account.objects.filter(external_id="W-1").exists()  # waits for the worker
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    assert Account.objects.filter(external_id__in=["W-1", "W-2"]).count() == 2


def test_the_progress_partial_shows_what_the_worker_published(client, login_as):
    manager = login_as("manager")
    run = ImportRun.objects.create(
        kind="accounts", filename="big.csv", created_by=manager, status=ImportStatus.VALIDATING
    )

    progress_writer(run.pk)(0.42, 12_000)  # as the worker's callback does, from another process

    body = client.get(run_url(run, "exchange:import_progress")).content.decode()
    assert 'value="42"' in body
    assert "12000" in body
    assert 'hx-trigger="every 1s"' in body


def test_an_unexpected_failure_marks_the_run_failed_and_logs_it(
    client, login_as, monkeypatch, caplog, english
):
    def explode(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tasks, "run_import", explode)
    login_as("manager")

    with caplog.at_level(logging.ERROR, logger="salesmesh.exchange.tasks"):
        upload(client, ACCOUNTS_CSV)

    run = only_run()
    assert run.status == ImportStatus.FAILED
    assert "disk on fire" in caplog.text
    page = client.get(run_url(run)).content.decode()
    assert "Something went wrong on our side" in page
    assert "disk on fire" not in page


def test_another_users_run_is_404_and_admins_only_look(client, login_as):
    login_as("manager")
    upload(client, ACCOUNTS_CSV)
    run = only_run()

    login_as("rep")
    for name in ("exchange:import_run", "exchange:import_progress"):
        assert client.get(run_url(run, name)).status_code == 404
    for name in ("exchange:import_mapping", "exchange:import_commit"):
        assert client.post(run_url(run, name)).status_code == 404
    assert run.filename not in client.get(RUNS).content.decode()

    login_as("admin")
    page = client.get(run_url(run))
    assert page.status_code == 200
    assert 'id="import-commit"' not in page.content.decode()
    assert client.post(run_url(run, "exchange:import_commit")).status_code == 404
    assert run.filename in client.get(RUNS).content.decode()
    run.refresh_from_db()
    assert run.status == ImportStatus.VALID


def test_a_missing_run_is_404(client, login_as):
    login_as("manager")
    assert client.get(reverse("exchange:import_run", args=[uuid.uuid4()])).status_code == 404


@pytest.mark.parametrize(
    "url",
    [UPLOAD, RUNS, reverse("exchange:import_run", args=[uuid.UUID(int=1)])],
)
def test_signed_out_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_oversized_upload_is_refused_and_leaves_nothing(client, login_as, settings, english):
    settings.SALESMESH_IMPORT_MAX_BYTES = 10
    login_as("manager")

    response = upload(client, ACCOUNTS_CSV)

    assert response.status_code == 400
    assert "the limit is 0.0 MB" in response.content.decode()
    assert not ImportRun.objects.exists()
    directory = Path(settings.SALESMESH_IMPORT_DIR)
    assert not directory.exists() or not any(directory.iterdir())


def test_only_csv_and_xlsx_are_accepted(client, login_as):
    login_as("manager")
    response = upload(client, ACCOUNTS_CSV, name="accounts.exe")
    assert response.status_code == 400
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_render_in_both_languages(client, login_as, language):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    login_as("manager")
    upload(client, FOREIGN_CSV)
    run = only_run()
    for url in (UPLOAD, RUNS, run_url(run), reverse("data")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in response.content.decode()
    assert reverse("exchange:import_upload") in client.get(reverse("data")).content.decode()


def test_the_list_is_newest_first_in_constant_queries(
    client, login_as, django_assert_max_num_queries
):
    manager = login_as("manager")
    for number in range(5):
        ImportRun.objects.create(kind="accounts", filename=f"f{number}.csv", created_by=manager)

    with django_assert_max_num_queries(8):
        page = client.get(RUNS).content.decode()

    positions = [page.index(f"f{number}.csv") for number in range(5)]
    assert positions == sorted(positions, reverse=True)
