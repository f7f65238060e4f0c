"""Under the real policy in a real Chromium: pages outside the app's own templates
(the Django admin, the API docs, the lockout page) raise no CSP violation."""

from __future__ import annotations

import pytest

from salesmesh.org.models import User
from tests.security.conftest import PASSWORD, WRONG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("load")


def test_admin_and_api_docs_run_under_the_policy(page, live_server) -> None:
    User.objects.create_superuser(username="root", password=PASSWORD)
    sign_in(page, live_server.url, "root", PASSWORD)
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed.append(r.url))

    for path in ["/admin/", "/admin/org/user/", "/admin/org/user/add/", "/api/docs"]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    page.wait_for_selector("#swagger-ui .opblock", timeout=15000)  # the docs rendered

    # The admin's pages name no icon, so Chromium asks for /favicon.ico: that 404 is
    # the only failed load, and no console error is anything else.
    assert {url.removeprefix(live_server.url) for url in failed} <= {"/favicon.ico"}
    assert [e for e in page.console_errors if "404" not in e] == []


def test_the_lockout_page_under_the_policy(page, live_server) -> None:
    User.objects.create_user(username="lin", password=PASSWORD)
    for _ in range(5):
        sign_in(page, live_server.url, "lin", WRONG)

    assert page.locator("p.error[role=alert]").count() == 1
    text = page.locator("p.error[role=alert]").inner_text()
    assert "15" in text
    # The locked-out answer is 429, which Chromium reports as a failed resource load;
    # nothing else may appear.
    assert [e for e in page.console_errors if "429" not in e] == []
