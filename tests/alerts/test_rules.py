"""Each rule fires on the hand-built world (tests/alerts/world.py) and clears once fixed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from salesmesh.activities.models import SolutionRequest
from salesmesh.activities.services import solution_request_create, solution_request_update
from salesmesh.alerts.models import Alert, AlertKind, Severity
from salesmesh.alerts.rules import milestones, presales, untouched
from salesmesh.alerts.services import alert_acknowledge, evaluate_alerts, rule_context
from salesmesh.projects.models import OwningRole, ResourceKind
from salesmesh.projects.services import (
    milestone_create,
    milestone_update,
    resource_create,
    resource_update,
    stakeholder_update,
)
from tests.accounts.factories import make_account, make_user, shanghai
from tests.alerts.world import AS_OF, World, build_world, touch

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def open_alerts() -> dict[str, Alert]:
    return {a.subject_key: a for a in Alert.objects.filter(cleared_at__isnull=True)}


def subject(world: World, key: str) -> str:
    """The subject key of a world object named like the module doc names it."""
    if key in world.accounts:
        return f"account:{world.accounts[key].pk}"
    if key in world.requests:
        return f"solution_request:{world.requests[key].pk}"
    return f"milestone:{world.milestones[key].pk}"


EXPECTED = {
    "Bravo": (AlertKind.UNTOUCHED_ACCOUNT, Severity.WARNING),
    "Charlie": (AlertKind.UNTOUCHED_ACCOUNT, Severity.CRITICAL),
    "Delta": (AlertKind.UNTOUCHED_ACCOUNT, Severity.CRITICAL),
    "R1": (AlertKind.PRESALES_SLA, Severity.CRITICAL),
    "R2": (AlertKind.PRESALES_SLA, Severity.WARNING),
    "R4": (AlertKind.PRESALES_SLA, Severity.WARNING),
    "M1": (AlertKind.MILESTONE_AT_RISK, Severity.CRITICAL),
    "M2": (AlertKind.MILESTONE_AT_RISK, Severity.WARNING),
    "M3": (AlertKind.MILESTONE_AT_RISK, Severity.WARNING),
}


def test_every_rule_fires_on_the_world(world):
    report = evaluate_alerts(as_of=AS_OF)
    assert (report.fired, report.cleared, report.still_open) == (9, 0, 0)
    alerts = open_alerts()
    assert {key: (a.kind, a.severity) for key, a in alerts.items()} == {
        subject(world, key): expected for key, expected in EXPECTED.items()
    }
    for alert in alerts.values():
        assert alert.fingerprint == f"{alert.kind}:{alert.subject_key}"
        assert alert.fired_at == alert.last_seen_at == rule_context(AS_OF).now


def test_who_and_what_each_alert_concerns(world):
    evaluate_alerts(as_of=AS_OF)
    alerts = open_alerts()
    users, accounts = world.users, world.accounts
    bravo = alerts[subject(world, "Bravo")]
    assert (bravo.unit, bravo.person, bravo.account) == (world.ka, users["rep"], accounts["Bravo"])
    r1 = alerts[subject(world, "R1")]
    assert (r1.unit, r1.person, r1.account, r1.solution_request) == (
        world.ka,
        users["presales"],
        accounts["Alpha"],
        world.requests["R1"],
    )
    m1 = alerts[subject(world, "M1")]
    assert (m1.unit, m1.person, m1.account, m1.milestone) == (
        world.gov,
        users["pm"],
        accounts["City"],
        world.milestones["M1"],
    )


def test_messages_in_english(world):
    evaluate_alerts(as_of=AS_OF)
    alerts = open_alerts()
    with translation.override("en"):
        text = {key: alerts[subject(world, key)].text for key in EXPECTED}
    assert text["Bravo"] == (
        "Named account Bravo has not been touched for 40 days "
        "(last touched in the week of 2026-02-16)."
    )
    assert text["Charlie"] == "Named account Charlie has never been touched."
    assert text["Delta"] == (
        "Named account Delta has not been touched for 82 days "
        "(last touched in the week of 2026-01-05)."
    )
    # R1: Thu 26 Mar 10:00 → Sat 28 Mar 23:59:59: 61 whole hours.
    assert text["R1"] == (
        "Solution request for Alpha of 2026-03-26: no response after 61 hours (due within 24)."
    )
    assert text["R2"] == (
        "Solution request for Charlie of 2026-03-27: no response after 27 hours (due within 24)."
    )
    assert text["R4"] == (
        "Solution request for Bravo of 2026-02-01: not completed after 55 days (due within 30)."
    )
    assert text["M1"] == (
        "Milestone M1 of Bridge (planned 2026-04-03) is at risk: "
        "resource “Integration” not ready (needed by 2026-03-24)."
    )
    assert text["M2"] == (
        "Milestone M2 of Bridge (planned 2026-05-30) is at risk: "
        "predecessor M0 late (planned 2026-03-20)."
    )
    assert text["M3"] == (
        "Milestone M3 of Bridge (planned 2026-04-08) is at risk: stakeholder Wang not handled."
    )


def test_nested_labels_follow_the_language(world):
    evaluate_alerts(as_of=AS_OF)
    m1 = open_alerts()[subject(world, "M1")]
    with translation.override("zh-hans"):
        # "Integration" is a resource kind already in the catalog: it renders in Chinese.
        assert "“集成”" in m1.text
    with translation.override("en"):
        assert "“Integration”" in m1.text


def test_evaluating_twice_changes_nothing(world):
    evaluate_alerts(as_of=AS_OF)
    before = {a.pk: (a.fingerprint, a.severity, a.message_params) for a in Alert.objects.all()}
    report = evaluate_alerts(as_of=AS_OF)
    assert (report.fired, report.cleared, report.still_open) == (0, 0, 9)
    after = {a.pk: (a.fingerprint, a.severity, a.message_params) for a in Alert.objects.all()}
    assert after == before
    assert Alert.objects.count() == 9


def test_untouched_account_clears_when_touched(world):
    evaluate_alerts(as_of=AS_OF)
    touch(world.users["rep"], world.accounts["Bravo"], 2026, 3, 26, 15)
    report = evaluate_alerts(as_of=AS_OF)
    assert (report.fired, report.cleared, report.still_open) == (0, 1, 8)
    cleared = Alert.objects.get(subject_key=subject(world, "Bravo"))
    assert cleared.cleared_at == rule_context(AS_OF).now
    assert subject(world, "Bravo") not in open_alerts()


def test_untouched_threshold_is_the_setting(world, settings):
    settings.SALESMESH_UNTOUCHED_DAYS = 50
    found = {c.subject_key: c.severity for c in untouched.conditions(rule_context(AS_OF))}
    # Bravo (40 days) is no longer untouched; Delta's 82 days are under 2 × 50: a warning.
    assert found == {
        subject(world, "Charlie"): Severity.CRITICAL,
        subject(world, "Delta"): Severity.WARNING,
    }


def test_the_untouched_rule_reads_the_rollup_in_one_query(world):
    context = rule_context(AS_OF)
    with CaptureQueriesContext(connection) as few:
        untouched.conditions(context)
    for index in range(20):
        make_account(world.ka, world.users["rep"], f"Extra {index}", is_named=True)
    with CaptureQueriesContext(connection) as many:
        assert len(untouched.conditions(context)) == 3 + 20
    assert len(few) == len(many) == 1
    assert "activities_activity" not in many.captured_queries[0]["sql"]


def test_sla_alert_clears_when_the_request_is_answered(world):
    evaluate_alerts(as_of=AS_OF)
    solution_request_update(
        solution_request=world.requests["R1"], responded_at=shanghai(2026, 3, 28, 9)
    )
    solution_request_update(
        solution_request=world.requests["R4"], completed_at=shanghai(2026, 3, 20, 9)
    )
    report = evaluate_alerts(as_of=AS_OF)
    assert report.cleared == 2
    assert subject(world, "R1") not in open_alerts()
    assert subject(world, "R4") not in open_alerts()
    assert subject(world, "R2") in open_alerts()


def test_a_response_after_the_day_still_counts_as_missing_that_day(world):
    solution_request_update(
        solution_request=world.requests["R1"], responded_at=shanghai(2026, 3, 30, 9)
    )
    found = {c.subject_key for c in presales.conditions(rule_context(AS_OF))}
    assert subject(world, "R1") in found
    later = {c.subject_key for c in presales.conditions(rule_context(date(2026, 3, 30)))}
    assert subject(world, "R1") not in later


def test_sla_response_hours_is_the_setting(world, settings):
    settings.SALESMESH_PRESALES_RESPONSE_HOURS = 30
    found = {c.subject_key: c.severity for c in presales.conditions(rule_context(AS_OF))}
    # R1 waited 61 h (> 2 × 30): critical; R2's 27 h are within the SLA.
    assert found == {
        subject(world, "R1"): Severity.CRITICAL,
        subject(world, "R4"): Severity.WARNING,
    }
    settings.SALESMESH_PRESALES_RESPONSE_HOURS = 31  # 61 h < 2 × 31: only a warning
    found = {c.subject_key: c.severity for c in presales.conditions(rule_context(AS_OF))}
    assert found == {subject(world, "R1"): Severity.WARNING, subject(world, "R4"): Severity.WARNING}


def test_one_request_breaching_both_dues_lists_both(world):
    late = solution_request_create_for(world, shanghai(2026, 2, 10, 9))
    with translation.override("en"):
        condition = next(
            c for c in presales.conditions(rule_context(AS_OF)) if c.solution_request_id == late.pk
        )
        assert condition.severity == Severity.CRITICAL  # 1,118 h ≥ 48 h
        assert condition.message.render() == (
            "Solution request for Echo of 2026-02-10: no response after 1118 hours (due within "
            "24); not completed after 46 days (due within 30)."
        )


def solution_request_create_for(world: World, requested: datetime) -> SolutionRequest:
    return solution_request_create(
        account=world.accounts["Echo"],
        presales_owner=world.users["presales"],
        requested_at=requested,
    )


def test_milestone_alerts_clear_reason_by_reason(world):
    evaluate_alerts(as_of=AS_OF)
    resource_update(resource=world.resources["M1"], ready_date=date(2026, 3, 27))
    milestone_update(milestone=world.milestones["M0"], actual_date=date(2026, 3, 27))
    stakeholder_update(stakeholder=world.stakeholders["Wang"], handled_on=date(2026, 3, 26))
    report = evaluate_alerts(as_of=AS_OF)
    assert report.cleared == 3
    assert not Alert.objects.filter(kind=AlertKind.MILESTONE_AT_RISK, cleared_at__isnull=True)


def test_a_done_milestone_is_not_at_risk(world):
    milestone_update(milestone=world.milestones["M1"], actual_date=date(2026, 3, 28))
    found = {c.subject_key for c in milestones.conditions(rule_context(AS_OF))}
    assert subject(world, "M1") not in found
    # Done after the day looked at: still at risk on that day.
    milestone_update(milestone=world.milestones["M1"], actual_date=date(2026, 3, 30))
    found = {c.subject_key for c in milestones.conditions(rule_context(AS_OF))}
    assert subject(world, "M1") in found


def test_milestone_reasons_add_up(world):
    stakeholder_update(stakeholder=world.stakeholders["Zhao"], planned_actions="call")
    resource_update(resource=world.resources["M1"], lead_time_days=0)  # needed on 3 Apr
    # M3 gets a late resource too: three reasons in one alert, the resource first.
    resource_create(milestone=world.milestones["M3"], kind=ResourceKind.SERVICES, lead_time_days=20)
    found = {c.subject_key: c for c in milestones.conditions(rule_context(AS_OF))}
    assert subject(world, "M1") not in found
    with translation.override("en"):
        assert found[subject(world, "M3")].message.render() == (
            "Milestone M3 of Bridge (planned 2026-04-08) is at risk: resource “Special services” "
            "not ready (needed by 2026-03-19); stakeholder Wang not handled; stakeholder Zhao "
            "not handled."
        )


def test_rule_query_counts_do_not_grow_with_the_data(world):
    context = rule_context(AS_OF)
    rules = (untouched.conditions, presales.conditions, milestones.conditions)
    with CaptureQueriesContext(connection) as small:
        sizes = [len(rule(context)) for rule in rules]
    assert sizes == [3, 3, 3]
    more_world(world)
    with CaptureQueriesContext(connection) as large:
        sizes = [len(rule(context)) for rule in rules]
    assert sizes == [3 + 10, 3 + 10, 3 + 10]
    assert len(small) == len(large) == 1 + 1 + 4


def more_world(world: World) -> None:
    """Ten more untouched named accounts, unanswered requests and milestones at risk."""
    project = world.milestones["M1"].project
    owner = make_user()
    for index in range(10):
        account = make_account(world.ka, owner, f"More {index}", is_named=True)
        solution_request_create(
            account=account,
            presales_owner=world.users["presales"],
            requested_at=shanghai(2026, 3, 20, 9),
        )
        milestone = milestone_create(
            project=project,
            name=f"More {index}",
            planned_date=AS_OF + timedelta(days=20 + index),
            owning_role=OwningRole.PMO,
        )
        resource_create(milestone=milestone, kind=ResourceKind.PRODUCT, lead_time_days=40)


def test_acknowledging_does_not_clear(world):
    evaluate_alerts(as_of=AS_OF)
    alert = open_alerts()[subject(world, "Charlie")]
    alert_acknowledge(alert=alert, user=world.users["boss"])
    alert_acknowledge(alert=alert, user=world.users["lead"])  # the first one stands
    evaluate_alerts(as_of=AS_OF)
    alert.refresh_from_db()
    assert alert.cleared_at is None
    assert alert.acknowledged_by == world.users["boss"]
    assert alert.acknowledged_at is not None


def test_a_condition_back_after_clearing_is_a_new_alert(world):
    evaluate_alerts(as_of=AS_OF)
    first = open_alerts()[subject(world, "R2")]
    solution_request_update(
        solution_request=world.requests["R2"], responded_at=shanghai(2026, 3, 28, 9)
    )
    evaluate_alerts(as_of=AS_OF)
    solution_request_update(solution_request=world.requests["R2"], responded_at=None)
    report = evaluate_alerts(as_of=AS_OF)
    assert report.fired == 1
    episodes = Alert.objects.filter(subject_key=subject(world, "R2")).order_by("pk")
    assert episodes[0].pk == first.pk
    assert [a.cleared_at is None for a in episodes] == [False, True]


def test_a_refresh_follows_the_data(world):
    evaluate_alerts(as_of=AS_OF)
    r2 = open_alerts()[subject(world, "R2")]
    report = evaluate_alerts(as_of=date(2026, 3, 30))  # 75 h by then: critical
    assert report.still_open >= 1
    r2.refresh_from_db()
    assert r2.severity == Severity.CRITICAL
    assert r2.message_params["reasons"]["$message"][1]["m0"]["$message"][1]["hours"] == 75
    assert r2.last_seen_at > r2.fired_at
