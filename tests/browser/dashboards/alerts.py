"""The alert list in a real browser: the user's alerts, a filter, and acknowledging one (htmx).

The rules are evaluated here, in the test process on the live database, before the page is
opened, so the page shows the demo's alerts as of today whatever the lazy evaluation does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from salesmesh.alerts.models import Alert, AlertKind
from salesmesh.alerts.selectors import alerts_visible_to
from salesmesh.alerts.services import evaluate_alerts
from salesmesh.org.models import User
from tests.browser.dashboards import WALKS, Walk

HEADINGS = {"en": "Alerts"}


def visit(page: Any, base_url: str, artifacts: Path, language: str, username: str) -> None:
    evaluate_alerts()
    user = User.objects.get(username=username)
    visible = alerts_visible_to(user=user).filter(cleared_at__isnull=True)
    expected = visible.count()
    page.goto(f"{base_url}/alerts/")
    page.wait_for_selector("#alert-table")
    if language in HEADINGS:
        assert page.inner_text("h1") == HEADINGS[language]
    rows = page.locator("#alert-table tbody tr.alert-row")
    assert rows.count() == min(expected, 50), (username, expected)
    if username == "head":
        # The demo has every kind of alert: slipped named accounts, overdue solution
        # requests, the late integration resource, and pacing on the live SMB quarter.
        kinds = set(visible.values_list("kind", flat=True))
        assert {
            AlertKind.UNTOUCHED_ACCOUNT,
            AlertKind.PRESALES_SLA,
            AlertKind.MILESTONE_AT_RISK,
        } <= kinds, kinds
    else:
        # A member sees only alerts about themselves or their own accounts.
        assert not visible.exclude(person=user).exclude(account__owner=user).exists()
        cells = page.locator("#alert-table tbody tr.alert-row td:nth-child(5)")
        people = set(cells.all_inner_texts())
        assert people <= {user.name_zh, user.name_en, user.username, ""}, people
    # Acknowledge the first unacknowledged row: htmx swaps the row in place.
    button = page.locator("#alert-table tbody tr.alert-row .alert-ack button").first
    if button.count():
        row_id = button.locator("xpath=ancestor::tr").get_attribute("id")
        button.click()
        page.wait_for_selector(f"#{row_id} .alert-ack:not(:has(button))")
        alert = Alert.objects.get(pk=int(row_id.removeprefix("alert-")))
        assert alert.acknowledged_by_id == user.pk
    # Filter by severity: the form reloads the page with the filter applied.
    page.select_option("#id_severity", "critical")
    page.click(".alert-filters button[type=submit]")
    page.wait_for_url("**/alerts/?*severity=critical*")
    classes = page.locator("#alert-table tbody tr.alert-row").evaluate_all(
        "rows => rows.map(row => row.className)"
    )
    assert all("alert-critical" in name.split() for name in classes), classes
    page.goto(f"{base_url}/alerts/")
    page.screenshot(path=str(artifacts / f"dash-alerts-{username}-{language}.png"), full_page=True)


WALKS.append(Walk(name="alerts", visit=visit, logins=("head", "rep")))
