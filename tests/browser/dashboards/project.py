"""The project dashboard in a real browser: the Gantts, the stakeholder map, resource readiness,
the review log and the knowledge-base search, for the user's scope.

``head`` sees every project of the government line, each with its Gantt chart drawn. ``pmo``
owns no project account in the demo but is assigned to some of the line's projects: the page
shows exactly those and names none of the others; the knowledge base, open to everyone signed
in, still answers a search (an htmx partial) for both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from salesmesh.projects.models import Project, ScenarioSolution
from tests.browser.dashboards import WALKS, Walk

HEADINGS = {"en": "Project dashboard"}


def visit(page: Any, base_url: str, artifacts: Path, language: str, username: str) -> None:
    projects = list(Project.objects.filter(line__code="gov").order_by("name"))
    page.goto(f"{base_url}/dashboards/project/?line=gov")
    if language in HEADINGS:
        assert page.inner_text("h1") == HEADINGS[language]
    if username == "head":
        for project in projects:
            page.wait_for_selector(
                f"#gantt-{project.pk}[data-rendered=true] .main-svg", timeout=90_000
            )
        for chart in ("stakeholder-chart", "readiness-chart"):
            page.wait_for_selector(f"#{chart}[data-rendered=true] .main-svg", timeout=90_000)
        assert page.locator(".project-board").count() == len(projects)
        # The demo's go-live of the logistics platform slipped: at least one late milestone.
        assert page.locator(".gantt-table tr.late").count() >= 1
        assert page.locator("#review-log tbody tr").count() >= 1
        assert page.locator("#project-kpis .kpi").count() == 6
    else:
        assigned = [p for p in projects if p.members.filter(username=username).exists()]
        assert len(assigned) >= 2
        for project in assigned:
            page.wait_for_selector(
                f"#gantt-{project.pk}[data-rendered=true] .main-svg", timeout=90_000
            )
        assert page.locator(".project-board").count() == len(assigned)
        body = page.inner_text("body")
        for project in projects:
            if project not in assigned:
                assert project.name not in body, project.name
    # The knowledge base answers as you type (an htmx swap of its results).
    entry = ScenarioSolution.objects.order_by("pk").first()
    assert entry is not None
    word = entry.industry
    page.fill("#knowledge-q", word)
    page.wait_for_function(
        "word => document.querySelector('#knowledge-results').innerText.includes(word)"
        " && document.querySelector('#knowledge-q').value === word",
        arg=word,
        timeout=10_000,
    )
    page.fill("#knowledge-q", "zz-nothing-matches-zz")
    page.wait_for_selector("#knowledge-results .knowledge-hit", state="detached", timeout=10_000)
    page.fill("#knowledge-q", word)
    page.wait_for_selector("#knowledge-results .knowledge-hit", timeout=10_000)
    page.screenshot(path=str(artifacts / f"dash-project-{username}-{language}.png"), full_page=True)


WALKS.append(Walk(name="project", visit=visit, logins=("head", "pmo")))
