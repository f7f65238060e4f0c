"""The overview in a real browser: each line's attainment, the forecast fans, top alerts.

The head sees the three demo lines, each with a fan chart; a rep sees the SMB line only, as
their own share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.dashboards import WALKS, Walk


def visit(page: Any, base_url: str, artifacts: Path, language: str, username: str) -> None:
    page.goto(f"{base_url}/dashboards/")
    page.wait_for_selector("#attainment-chart[data-rendered=true] .main-svg", timeout=90_000)
    rows = page.locator("#overview-lines tbody tr")
    fans = page.locator("[id^=fan-][id$=-chart]")
    if username == "head":
        assert rows.count() == 3
        assert fans.count() == 3
    else:
        assert rows.count() == 1
        assert fans.count() == 1
        assert page.locator("#fan-smb-chart").count() == 1
    for index in range(fans.count()):
        fan_id = fans.nth(index).get_attribute("id")
        page.wait_for_selector(f"#{fan_id}[data-rendered=true] .main-svg", timeout=90_000)
    assert page.locator("#top-alerts").count() == 1
    page.screenshot(
        path=str(artifacts / f"dash-overview-{username}-{language}.png"), full_page=True
    )


WALKS.append(Walk(name="overview", visit=visit, logins=("head", "rep")))
