"""Every dashboard opened on the demo data, in both languages, as a manager and as a member.

The demo company and its year of process data are seeded once (the expensive part); each
walk then signs in per user and language in a fresh browser context whose Accept-Language
picks the language, so nothing carries over between users.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

import tests.browser.dashboards.registry  # noqa: F401 - registers every walk
from salesmesh.demo.process import seed_demo_process_data
from salesmesh.demo.seed import DEMO_PASSWORD, seed_demo_company
from tests.browser.dashboards import WALKS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}


def signed_in_page(browser, base_url: str, username: str, language: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale=LOCALES[language])
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base_url}/")
    return context, page


def test_every_dashboard_in_both_languages_as_manager_and_member(browser, live_server, artifacts):
    seed_demo_company()
    seed_demo_process_data(until=timezone.localdate())
    assert WALKS, "no dashboard walk is registered"
    for walk in WALKS:
        if walk.prepare is not None:
            walk.prepare()
    for walk in WALKS:
        for username in walk.logins:
            for language in LOCALES:
                context, page = signed_in_page(browser, live_server.url, username, language)
                try:
                    walk.visit(page, live_server.url, artifacts, language, username)
                    assert page.console_errors == [], (walk.name, username, language)
                finally:
                    context.close()
