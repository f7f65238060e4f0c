"""A head of sales opens the approved plans and the paradigm advisor in a real browser."""

from __future__ import annotations

import pytest

from salesmesh.demo.seed import seed_demo_company
from tests.browser.test_login_home import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_head_reviews_each_line_plan(page, live_server, artifacts, language):
    seed_demo_company()
    sign_in(page, live_server.url, "head")
    if language == "en":
        page.select_option("#language-select", "en")
        page.wait_for_selector("h1:text-is('Overview')")

    for code in ("smb", "ka", "gov"):
        page.goto(f"{live_server.url}/planning/lines/{code}/plans/")
        page.click("#plan-versions a")
        page.wait_for_selector("#plan-report .report-tree")
        assert page.locator(".status-approved").count() >= 1
        assert page.locator("#plan-report details.report-table").count() >= 3
        page.screenshot(path=str(artifacts / f"plan-{code}-{language}.png"), full_page=True)

    assert page.console_errors == []


def test_line_manager_evaluates_the_paradigm(page, live_server, artifacts):
    seed_demo_company()
    sign_in(page, live_server.url, "manager")

    page.click("a[href='/planning/lines/smb/advisor/']")
    page.fill("#id_addressable_customers", "120000")
    page.fill("#id_demand_customers", "9000")
    page.select_option("#id_market_maturity", "4")
    page.select_option("#id_solution_standardisation", "5")
    page.click("button[name=evaluate]")
    page.wait_for_selector("#advisor-chart[data-rendered=true] .main-svg")

    assert "概率范式" in page.locator("#advisor-result h2").inner_text()
    page.screenshot(path=str(artifacts / "advisor-zh-hans.png"), full_page=True)
    assert page.console_errors == []
