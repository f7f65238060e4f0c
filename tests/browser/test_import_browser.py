"""A line manager imports a CSV of accounts through the pages, in Chinese, in a real browser."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from salesmesh.accounts.models import Account
from salesmesh.demo.seed import seed_demo_company
from salesmesh.exchange.models import ImportRun, ImportStatus
from tests.browser.test_login_home import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNTS_CSV = """业务线,外部编号,客户名称,层级,负责人
smb,WEB-1,宁波小微一号,A,rep
smb,WEB-2,宁波小微二号,B,rep
smb,WEB-3,宁波小微三号,C,rep
"""


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.SALESMESH_IMPORT_DIR = tmp_path / "imports"


def test_manager_uploads_previews_and_imports_in_chinese(page, live_server, artifacts):
    seed_demo_company()
    sign_in(page, live_server.url, "manager")

    page.goto(f"{live_server.url}/data/")
    page.click("#data-import a[href='/data/import/']")
    page.select_option("#id_kind", "accounts")
    page.set_input_files(
        "#id_file",
        files=[
            {"name": "客户.csv", "mimeType": "text/csv", "buffer": ACCOUNTS_CSV.encode("utf-8")}
        ],
    )
    page.click("#import-upload")

    page.wait_for_selector("#import-summary #import-commit")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("#import-mapping-form .mapping-table select").count() == 5
    assert not Account.objects.filter(external_id__startswith="WEB-").exists()
    page.screenshot(path=str(artifacts / "import-preview-zh-hans.png"), full_page=True)

    page.click("#import-commit")

    page.wait_for_selector("#import-result")
    assert page.locator("#import-created").inner_text() == "3"
    assert ImportRun.objects.get().status == ImportStatus.DONE
    assert Account.objects.filter(external_id__startswith="WEB-").count() == 3
    page.screenshot(path=str(artifacts / "import-done-zh-hans.png"), full_page=True)
    assert page.console_errors == []


def test_a_large_file_shows_progress_until_the_worker_finishes(
    page, live_server, artifacts, settings
):
    settings.SALESMESH_IMPORT_INLINE_BYTES = 0  # every upload goes to the background worker
    seed_demo_company()
    sign_in(page, live_server.url, "manager")

    page.goto(f"{live_server.url}/data/import/")
    page.select_option("#id_kind", "accounts")
    page.set_input_files(
        "#id_file",
        files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": ACCOUNTS_CSV.encode()}],
    )
    page.click("#import-upload")
    page.wait_for_selector("#import-progress[hx-trigger] progress")

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    # The polling partial notices the finished run and the page reloads itself.
    page.wait_for_selector("#import-summary #import-commit", timeout=10_000)
    assert ImportRun.objects.get().status == ImportStatus.VALID
    assert page.console_errors == []
