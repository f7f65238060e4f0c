"""The pacing rule: amber and red key indicators of a current plan, the line's and each person's."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from salesmesh.alerts.models import Alert, AlertKind, Severity
from salesmesh.alerts.rules import pacing
from salesmesh.alerts.services import evaluate_alerts, rule_context
from salesmesh.core.calendar import FiscalCalendar, Grain, Period
from salesmesh.core.i18n import Message
from salesmesh.core.mesh import Accrual, Direction, Health, MeshNode, Unit
from salesmesh.mesh.choice import approved_plan_for
from salesmesh.mesh.report import MeshReport, PersonMesh
from salesmesh.mesh.services import mesh_report
from salesmesh.org.models import OrgUnit, User


def node(key: str, health: Health, *children: MeshNode, **fields: object) -> MeshNode:
    values: dict[str, object] = {
        "plan": Decimal(100),
        "actual": Decimal(60),
        "expected_to_date": Decimal(80),
        "gap": Decimal(-20),
        "pacing": Decimal("0.75"),
        "unit": Unit.COUNT,
    } | fields
    return MeshNode(
        key=key,
        label=Message(key.title()),
        formula=Message(""),
        health=health,
        children=children,
        **values,  # type: ignore[arg-type]
    )


def report(root: MeshNode, people: tuple[PersonMesh, ...] = ()) -> MeshReport:
    quarter = Period(Grain.QUARTER, date(2026, 1, 1), date(2026, 3, 31))
    return MeshReport(
        version_id=7,
        unit_id=3,
        unit_name="SMB",
        paradigm="probability",
        period=quarter,
        as_of=date(2026, 2, 15),
        root=root,
        people=people,
    )


def test_key_indicators_amber_and_red_only():
    root = node(
        "revenue",
        Health.RED,
        node("customers", Health.AMBER, node("leads", Health.RED)),  # leads: too deep
        node("deal_value", Health.GREEN),
        node("conversion", Health.GREEN, measured=False, pacing=None),
        unit=Unit.MONEY,
        plan=Decimal("4500000.00"),
        actual=Decimal("1234567.5"),
        expected_to_date=Decimal("1500000.00"),
        pacing=Decimal("0.8230"),
    )
    person = PersonMesh(
        person_id=42,
        name="李娜",
        root=node("revenue", Health.GREEN, node("calls", Health.AMBER, unit=Unit.PER_DAY)),
    )
    found = pacing.report_conditions(report(root, (person,)), period_label="2026-Q1")
    assert [(c.subject_key, c.severity, c.unit_id, c.person_id) for c in found] == [
        ("plan:3:2026-Q1:node:revenue", Severity.CRITICAL, 3, None),
        ("plan:3:2026-Q1:node:customers", Severity.WARNING, 3, None),
        ("plan:3:2026-Q1:person:42:node:calls", Severity.WARNING, 3, 42),
    ]
    assert all(c.kind == AlertKind.PACING for c in found)
    assert found[0].message.render() == (
        "Revenue is off pace: 1,234,567.50 against 1,500,000.00 expected to date "
        "(82.3% of plan pace, 2026-Q1)."
    )
    assert found[2].message.render() == (
        "Calls is off pace: 60 against 80 expected to date (75.0% of plan pace, 2026-Q1)."
    )


def test_rates_in_percent_and_a_lower_is_better_indicator_without_pacing():
    root = node(
        "slippage",
        Health.RED,
        node(
            "reach",
            Health.AMBER,
            unit=Unit.RATE,
            actual=Decimal("0.25"),
            expected_to_date=Decimal("0.4"),
            pacing=Decimal("0.625"),
        ),
        direction=Direction.LOWER_IS_BETTER,
        accrual=Accrual.LEVEL,
        actual=Decimal(3),
        expected_to_date=Decimal(0),
        pacing=None,
    )
    found = pacing.report_conditions(report(root), period_label="2026-Q1")
    assert [c.message.render() for c in found] == [
        "Slippage is off pace: 3 against 0 expected to date (— of plan pace, 2026-Q1).",
        "Reach is off pace: 25.0% against 40.0% expected to date (62.5% of plan pace, 2026-Q1).",
    ]


@pytest.fixture
def smb(demo_company) -> tuple[OrgUnit, date]:
    """The demo's SMB line and a day a month into its live quarter (no process data)."""
    line = OrgUnit.objects.get(code="smb")
    quarter = FiscalCalendar(line.fiscal_year_start_month).period_containing(
        timezone.localdate(), Grain.QUARTER
    )
    return line, quarter.start + timedelta(days=30)


@pytest.mark.django_db
def test_a_line_with_nothing_done_is_red_at_the_root_and_for_each_rep(smb):
    line, as_of = smb
    choice = approved_plan_for(line=line, as_of=as_of)
    assert choice is not None
    assert choice.current
    mesh = mesh_report(version=choice.version, as_of=as_of, people=True)
    found = pacing.report_conditions(mesh, period_label=choice.version.period_label)
    by_key = {c.subject_key: c for c in found}
    base = f"plan:{line.pk}:{choice.version.period_label}"
    # Nothing sold a month in: the revenue is red (0 against what a month should bring).
    assert mesh.root.health is Health.RED
    assert by_key[f"{base}:node:{mesh.root.key}"].severity == Severity.CRITICAL
    expected = {
        f"{base}:node:{n.key}" for n in (mesh.root, *mesh.root.children) if n.health != "green"
    }
    for person in mesh.people:
        expected |= {
            f"{base}:person:{person.person_id}:node:{n.key}"
            for n in (person.root, *person.root.children)
            if n.health != "green"
        }
    assert set(by_key) == expected
    assert len(mesh.people) > 1
    people = {c.person_id for c in found if c.person_id}
    assert people == {p.person_id for p in mesh.people}
    assert set(User.objects.filter(pk__in=people).values_list("pk", flat=True)) == people
    with translation.override("en"):
        assert "off pace: 0.00 against" in by_key[f"{base}:node:{mesh.root.key}"].message.render()


@pytest.mark.django_db
def test_pacing_alerts_fire_and_clear_with_the_plan_period(smb, monkeypatch):
    line, as_of = smb
    # Only the SMB line is looked at here: the other lines' plans are other periods.
    monkeypatch.setattr(
        pacing, "business_lines", lambda: OrgUnit.objects.filter(pk=line.pk), raising=True
    )
    found = pacing.conditions(rule_context(as_of))
    assert found
    assert {c.kind for c in found} == {AlertKind.PACING}
    evaluate_alerts(as_of=as_of)
    fired = Alert.objects.filter(kind=AlertKind.PACING, cleared_at__isnull=True).count()
    assert fired == len(found)
    # After the quarter no plan is current: every pacing alert clears.
    quarter_end = (
        FiscalCalendar(line.fiscal_year_start_month).period_containing(as_of, Grain.QUARTER).end
    )
    report = evaluate_alerts(as_of=quarter_end + timedelta(days=1))
    assert report.cleared >= fired
    assert not Alert.objects.filter(kind=AlertKind.PACING, cleared_at__isnull=True).exists()
