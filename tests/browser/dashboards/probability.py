"""The probability dashboard in a real browser: four cards, their charts, the user's scope.

The funnel and the bottlenecks arrive as htmx partials after the page loads; the walk waits
for every chart (those two included) to be drawn. A manager of the SMB line sees every rep
on the board and several people named under the bottlenecks; a rep sees one row — their
own — and their own diagnosis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from salesmesh.org.models import Membership, OrgUnit, Role, User
from tests.browser.dashboards import WALKS, Walk

HEADINGS = {"en": "Probability dashboard"}
CHARTS = ("prob-funnel-chart", "prob-waterfall", "prob-exams", "prob-tenure")


def visit(page: Any, base_url: str, artifacts: Path, language: str, username: str) -> None:
    user = User.objects.get(username=username)
    smb = OrgUnit.objects.get(code="smb")
    reps = set(
        Membership.objects.filter(unit__path__startswith=smb.path, role=Role.REP).values_list(
            "user_id", flat=True
        )
    )
    page.goto(f"{base_url}/dashboards/probability/?line=smb")
    if language in HEADINGS:
        assert page.inner_text("h1") == HEADINGS[language]
    # The partials replace their placeholders, then app.js draws their charts.
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart}[data-rendered=true] .main-svg", timeout=90_000)
    rows = page.locator("#prob-board-table tbody tr.prob-row")
    shown = {int(pk) for pk in rows.evaluate_all("rows => rows.map(r => r.dataset.person)")}
    capability = page.locator("#prob-capability-table tbody tr")
    in_capability = {
        int(pk) for pk in capability.evaluate_all("rows => rows.map(r => r.dataset.person)")
    }
    worst = page.locator("#prob-worst > li")
    if username == "manager":
        assert shown == reps, (shown, reps)
        assert in_capability == reps
        assert worst.count() == 5
        assert page.locator("#prob-funnel-table tbody tr").count() >= 3
    else:
        assert shown == {user.pk}
        assert in_capability == {user.pk}
        assert worst.count() == 0
        body = page.inner_text("body")
        for other in User.objects.filter(pk__in=reps - {user.pk}):
            assert other.name_zh not in body, other.name_zh
            assert other.name_en not in body, other.name_en
    assert page.locator("#prob-diagnosis li").count() >= 1
    page.screenshot(
        path=str(artifacts / f"dash-probability-{username}-{language}.png"), full_page=True
    )


WALKS.append(Walk(name="probability", visit=visit, logins=("manager", "rep")))
