"""A person signs in, sees the org tree and the chart, and switches language."""

from __future__ import annotations

import pytest

from salesmesh.demo.seed import DEMO_PASSWORD, seed_demo_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base_url}/")


def test_head_of_sales_signs_in_and_switches_language(page, live_server, artifacts):
    seed_demo_company()

    sign_in(page, live_server.url, "head")

    # Chinese is the default language.
    assert page.locator("h1").inner_text() == "总览"
    tree = page.locator("#org-tree")
    for text in ("云帆科技", "中小企业事业部", "重点客户事业部", "政企事业部"):
        assert tree.get_by_text(text, exact=True).count() >= 1, text
    for paradigm in ("概率范式", "行为范式", "项目范式"):
        assert tree.locator(".badge", has_text=paradigm).count() == 1, paradigm
    page.wait_for_selector("#org-chart[data-rendered=true] .main-svg")
    page.screenshot(path=str(artifacts / "home-zh-hans.png"), full_page=True)

    page.select_option("#language-select", "en")
    page.wait_for_load_state("load")
    page.wait_for_selector("h1:text-is('Overview')")
    for text in ("Yunfan Technology", "SMB Business", "Key Accounts", "Government & Enterprise"):
        assert tree.get_by_text(text, exact=True).count() >= 1, text
    assert tree.locator(".badge", has_text="Probability").count() == 1
    page.wait_for_selector("#org-chart[data-rendered=true] .main-svg")
    page.screenshot(path=str(artifacts / "home-en.png"), full_page=True)

    assert page.console_errors == []


def test_rep_sees_own_team_and_can_sign_out(page, live_server, artifacts):
    seed_demo_company()

    sign_in(page, live_server.url, "rep")

    tree = page.locator("#org-tree")
    assert tree.get_by_text("华东电销组", exact=True).count() == 1
    assert tree.get_by_text("华南电销组", exact=True).count() == 0
    page.click("text=概率范式 >> nth=0")
    page.wait_for_selector("table.table")
    assert page.get_by_text("李娜").count() >= 1
    page.screenshot(path=str(artifacts / "probability-rep-zh-hans.png"), full_page=True)

    page.click("button:has-text('退出登录')")
    page.wait_for_selector("#id_username")
    page.goto(f"{live_server.url}/data/")
    assert "/accounts/login/" in page.url
    assert page.console_errors == []
