"""A manager of two teams in a line (not of the line) switches between them in a browser.

The walk makes the SMB east team's manager the manager of record of the south team as
well. They get an overview row and a fan chart per team, and the mesh and probability
pages show one team at a time: the unit picker lists both, the east team first; picking
the south team reloads the page on it — its tree, its people, its board — and the
partials loaded afterwards (a person's tree, the funnel) stay on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import translation

from salesmesh.demo.seed import DEMO_PASSWORD
from salesmesh.org.models import Membership, OrgUnit, Role, User
from tests.browser.dashboards import WALKS, Walk

LOGIN = "cao.zihan"  # the demo's SMB east team manager


def prepare() -> None:
    """Make the east team's manager the south team's manager of record too, and let them
    sign in (the demo gives logins to its showcase people only)."""
    manager = User.objects.get(username=LOGIN)
    manager.set_password(DEMO_PASSWORD)
    manager.save()
    OrgUnit.objects.filter(code="smb-south").update(manager=manager)


def _rep_ids(code: str) -> set[str]:
    return {
        str(pk)
        for pk in Membership.objects.filter(unit__code=code, role=Role.REP).values_list(
            "user_id", flat=True
        )
    }


def visit(page: Any, base_url: str, artifacts: Path, language: str, username: str) -> None:
    east, south = OrgUnit.objects.get(code="smb-east"), OrgUnit.objects.get(code="smb-south")
    with translation.override(language):  # the names as the page shows them
        east_name, south_name = east.display_name, south.display_name

    page.goto(f"{base_url}/dashboards/")
    rows = page.locator("#overview-lines tbody tr")
    assert rows.count() == 2
    assert "unit=smb-east" in (rows.nth(0).locator("a").get_attribute("href") or "")
    assert "unit=smb-south" in (rows.nth(1).locator("a").get_attribute("href") or "")
    for fan in ("#fan-smb-smb-east-chart", "#fan-smb-smb-south-chart"):
        page.wait_for_selector(f"{fan}[data-rendered=true] .main-svg", timeout=90_000)

    page.goto(f"{base_url}/dashboards/mesh/?line=smb")
    picker = page.locator("#unit-picker")
    assert picker.locator("option").all_inner_texts() == [east_name, south_name]
    assert picker.input_value() == "smb-east"
    assert page.inner_text(".mesh-main h2") == east_name
    # Picking the other team submits the form: the page reloads on it.
    with page.expect_navigation():
        picker.select_option("smb-south")
    assert "unit=smb-south" in page.url
    assert page.locator("#unit-picker").input_value() == "smb-south"
    assert page.inner_text(".mesh-main h2") == south_name
    people = page.locator("#mesh-people tbody tr")
    assert people.count() == len(_rep_ids("smb-south"))
    people.first.locator("button").click()
    page.wait_for_selector("#mesh-person-detail .mesh-tree .mesh-node")
    page.screenshot(path=str(artifacts / f"dash-units-mesh-{language}.png"), full_page=True)

    page.goto(f"{base_url}/dashboards/probability/?line=smb&unit=smb-south")
    board = page.locator(".prob-row")
    assert {board.nth(i).get_attribute("data-person") for i in range(board.count())} == (
        _rep_ids("smb-south")
    )
    page.wait_for_selector("#prob-funnel .chart[data-rendered=true] .main-svg", timeout=90_000)
    page.screenshot(path=str(artifacts / f"dash-units-probability-{language}.png"), full_page=True)

    # A unit the manager does not run is not found, like any record out of scope. The
    # browser logs that 404 to the console: it is the one entry this visit may add.
    logged = len(page.console_errors)
    response = page.goto(f"{base_url}/dashboards/mesh/?line=smb&unit=smb-north")
    assert response is not None
    assert response.status == 404
    assert all("404" in entry for entry in page.console_errors[logged:])
    del page.console_errors[logged:]


WALKS.append(Walk(name="units", visit=visit, logins=(LOGIN,), prepare=prepare))
