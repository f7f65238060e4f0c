"""The behaviour dashboard in a real browser: heatmap, scorecards, visit calendar, referrals.

``head`` sees the key-account line whole: its totals, every SDR, BD and presales row, every
BD's visits (and the calendar's span switched by htmx), and the referral graph. ``sdr`` sees
their own row only, their own accounts in the heatmap and no calendar (they are no BD).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from salesmesh.org.models import Membership, OrgUnit, Role, User
from tests.browser.dashboards import WALKS, Walk

HEADINGS = {"en": "Behaviour dashboard"}
CHART = "[data-rendered=true] .main-svg"


def _rows(page: Any, table: str) -> list[str]:
    """The first cell (the person) of each body row of a scorecard table."""
    return page.locator(f"#{table} tbody tr td:first-child").all_inner_texts()


def _team(role: str) -> int:
    line = OrgUnit.objects.get(code="ka")
    return (
        Membership.objects.filter(unit__path__startswith=line.path, role=role)
        .values("user_id")
        .distinct()
        .count()
    )


def visit(page: Any, base_url: str, artifacts: Path, language: str, username: str) -> None:
    user = User.objects.get(username=username)
    page.goto(f"{base_url}/dashboards/behaviour/")
    page.wait_for_selector(f"#behaviour-heatmap{CHART}")
    page.wait_for_selector(f"#behaviour-referral-graph{CHART}")
    if language in HEADINGS:
        assert page.inner_text("h1") == HEADINGS[language]
    if username == "head":
        assert page.locator("#behaviour-kpis .kpi").count() >= 9
        assert len(_rows(page, "scorecard-sdr")) == _team(Role.SDR)
        assert len(_rows(page, "scorecard-bd")) == _team(Role.BD)
        assert len(_rows(page, "scorecard-presales")) == _team(Role.PRESALES)
        page.wait_for_selector(f"#behaviour-calendar-chart{CHART}")
        # A shorter span: htmx swaps the calendar in, and app.js draws it again.
        page.select_option("#behaviour-calendar select[name=weeks]", "4")
        page.wait_for_function(
            "() => document.querySelector('#behaviour-calendar select').value === '4'"
            " && document.querySelector('#behaviour-calendar-chart[data-rendered=true] .main-svg')"
        )
        assert page.locator("#behaviour-untouched tbody tr").count() >= 1
    else:
        # Their own row only; neither the line's totals nor anyone else's work.
        names = {user.name_zh, user.name_en, user.username}
        assert set(_rows(page, "scorecard-sdr")) <= names
        assert len(_rows(page, "scorecard-sdr")) == 1
        for absent in ("#behaviour-kpis", "#scorecard-bd", "#scorecard-presales"):
            assert page.locator(absent).count() == 0, absent
        assert page.locator("#behaviour-calendar").count() == 0
    page.screenshot(
        path=str(artifacts / f"dash-behaviour-{username}-{language}.png"), full_page=True
    )


WALKS.append(Walk(name="behaviour", visit=visit, logins=("head", "sdr")))
