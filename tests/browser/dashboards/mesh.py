"""The mesh tree in a real browser: the tree, the catch-up plan, a person's tree on demand.

The SMB line's manager sees the line's tree, the catch-up beside it and every rep, and opens
one rep's tree (an htmx partial); a rep sees only their own tree, no people list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.dashboards import WALKS, Walk

HEADINGS = {"en": "Mesh tree", "zh-hans": "网状树"}


def visit(page: Any, base_url: str, artifacts: Path, language: str, username: str) -> None:
    page.goto(f"{base_url}/dashboards/mesh/?line=smb")
    assert page.inner_text("h1") == HEADINGS[language]
    if username == "manager":
        assert page.locator("#mesh-tree .mesh-node").count() >= 10
        assert page.locator("#catch-up tbody tr").count() >= 3
        people = page.locator("#mesh-people tbody tr")
        assert people.count() >= 10
        people.first.locator("button").click()
        page.wait_for_selector("#mesh-person-detail .mesh-tree .mesh-node")
    else:
        assert page.locator("#mesh-people").count() == 0
        assert page.locator(".mesh-person .mesh-tree .mesh-node").count() >= 5
    page.screenshot(path=str(artifacts / f"dash-mesh-{username}-{language}.png"), full_page=True)


WALKS.append(Walk(name="mesh", visit=visit, logins=("manager", "rep")))
