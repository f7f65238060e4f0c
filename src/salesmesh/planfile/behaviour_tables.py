"""The behaviour report's tables: tiers, accounts, team, weekly lists, capacity."""

from __future__ import annotations

from collections.abc import Sequence

from salesmesh.core.behaviour import (
    BehaviourPlan,
    MemberWeek,
    PlanWeek,
)
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.planfile.report import CellValue, ReportTable
from salesmesh.planfile.report_common import (
    decimal,
    ratio,
    yes_no,
)
from salesmesh.planfile.schema import BehaviourPlanDocument

__all__ = ["tables"]


def tables(document: BehaviourPlanDocument, result: BehaviourPlan) -> tuple[ReportTable, ...]:
    """tiers, accounts, team, sdr_weeks, bd_visits, capacity, presales_weeks."""
    return (
        _tiers_table(result),
        _accounts_table(document, result),
        _team_table(document, result),
        _member_weeks(
            "sdr_weeks",
            Message(gettext_noop("SDR touch lists by week")),
            result.sdr_weeks,
            result.weeks,
        ),
        _member_weeks(
            "bd_visits",
            Message(gettext_noop("BD visit plan by week")),
            result.bd_weeks,
            result.weeks,
        ),
        _capacity_table(result),
        ReportTable(
            key="presales_weeks",
            title=Message(gettext_noop("Presales solutions by week")),
            columns=(
                Message(gettext_noop("Week")),
                Message(gettext_noop("Working days")),
                Message(gettext_noop("Solutions")),
            ),
            rows=tuple(
                (week.label, week.working_days, count)
                for week, count in zip(result.weeks, result.presales.by_week, strict=True)
            ),
            kinds=("text", "int", "int"),
        ),
    )


def _tiers_table(result: BehaviourPlan) -> ReportTable:
    """The revenue and funnel decomposition of each tier."""
    rows = tuple(
        (
            t.tier,
            t.accounts,
            t.already_signed,
            t.at_vql,
            t.at_engaged,
            t.at_touched,
            t.at_untouched,
            t.revenue_per_signed,
            t.target_revenue,
            t.signed_needed,
            t.vql_needed,
            t.engaged_needed,
            t.touched_needed,
            t.max_signings,
            t.planned_revenue,
            None if t.penetration is None else ratio(t.penetration),
            t.touch_cadence.every_weeks,
            t.visit_cadence.every_weeks,
            yes_no(t.feasible),
        )
        for t in result.tiers
    )
    return ReportTable(
        key="tiers",
        title=Message(gettext_noop("Tiers")),
        columns=(
            Message(gettext_noop("Tier")),
            Message(gettext_noop("Accounts")),
            Message(gettext_noop("Already signed")),
            Message(gettext_noop("At VQL")),
            Message(gettext_noop("At engaged")),
            Message(gettext_noop("At touched")),
            Message(gettext_noop("Untouched")),
            Message(gettext_noop("Revenue per signed account")),
            Message(gettext_noop("Tier target")),
            Message(gettext_noop("New signings")),
            Message(gettext_noop("VQL needed")),
            Message(gettext_noop("Engaged needed")),
            Message(gettext_noop("Touched needed")),
            Message(gettext_noop("Most signings the list yields")),
            Message(gettext_noop("Planned revenue")),
            Message(gettext_noop("Penetration")),
            Message(gettext_noop("Touch every (weeks)")),
            Message(gettext_noop("Visit every (weeks)")),
            Message(gettext_noop("Reachable")),
        ),
        rows=rows,
        kinds=(
            "text",
            *("int",) * 6,
            "money",
            "money",
            *("int",) * 5,
            "money",
            "ratio",
            "int",
            "int",
            "text",
        ),
    )


def _weeks_text(weeks: Sequence[int], plan_weeks: Sequence[PlanWeek]) -> str:
    """Plan-week labels, comma separated."""
    return ", ".join(plan_weeks[w].label for w in weeks)


def _accounts_table(document: BehaviourPlanDocument, result: BehaviourPlan) -> ReportTable:
    """Every named account with its SDR, its touch weeks, and its BD visits (none dropped)."""
    visits = {entry.account_id: entry for entry in result.visits}
    rows: list[tuple[CellValue, ...]] = []
    for account, touch in zip(document.behaviour.accounts, result.touches, strict=True):
        visit = visits.get(account.id)
        rows.append(
            (
                account.id,
                account.name,
                account.tier,
                account.stage,
                account.owner,
                account.wallet_potential,
                touch.member_id,
                touch.cadence.every_weeks,
                touch.cadence.times,
                _weeks_text(touch.weeks, result.weeks),
                touch.contacts,
                None if visit is None else visit.member_id,
                "" if visit is None else _weeks_text(visit.weeks, result.weeks),
                0 if visit is None else visit.contacts,
            )
        )
    return ReportTable(
        key="accounts",
        title=Message(gettext_noop("Named accounts")),
        columns=(
            Message(gettext_noop("Account")),
            Message(gettext_noop("Name")),
            Message(gettext_noop("Tier")),
            Message(gettext_noop("Stage")),
            Message(gettext_noop("Owner")),
            Message(gettext_noop("Wallet potential")),
            Message(gettext_noop("SDR")),
            Message(gettext_noop("Touch every (weeks)")),
            Message(gettext_noop("Touches each time")),
            Message(gettext_noop("Touch weeks")),
            Message(gettext_noop("Touches")),
            Message(gettext_noop("BD")),
            Message(gettext_noop("Visit weeks")),
            Message(gettext_noop("Visits")),
        ),
        rows=tuple(rows),
        kinds=("text",) * 5 + ("money", "text", "int", "int", "text", "int", "text", "text", "int"),
    )


def _team_table(document: BehaviourPlanDocument, result: BehaviourPlan) -> ReportTable:
    """Each member's accounts and load over the period against capacity."""
    load: dict[str, int] = {}
    accounts: dict[str, int] = {}
    for entry in (*result.touches, *result.visits):
        load[entry.member_id] = load.get(entry.member_id, 0) + entry.contacts
        accounts[entry.member_id] = accounts.get(entry.member_id, 0) + 1
    presales = dict.fromkeys((m.id for m in document.behaviour.team if m.role == "presales"), 0)
    over = {o.member_id: o.weeks_over for o in result.overloads}
    return ReportTable(
        key="team",
        title=Message(gettext_noop("Team")),
        columns=(
            Message(gettext_noop("Member")),
            Message(gettext_noop("Name")),
            Message(gettext_noop("Role")),
            Message(gettext_noop("Weekly capacity")),
            Message(gettext_noop("Accounts")),
            Message(gettext_noop("Touches or visits in the period")),
            Message(gettext_noop("Weeks over capacity")),
        ),
        rows=tuple(
            (
                m.id,
                m.name,
                m.role,
                m.weekly_capacity,
                accounts.get(m.id, 0) if m.id not in presales else None,
                load.get(m.id, 0) if m.id not in presales else None,
                over.get(m.id, 0),
            )
            for m in document.behaviour.team
        ),
        kinds=("text", "text", "text", "int", "int", "int", "int"),
    )


def _member_weeks(
    key: str, title: Message, rows: Sequence[MemberWeek], weeks: Sequence[PlanWeek]
) -> ReportTable:
    """One row per member and week: the accounts, the load and the prorated capacity."""
    return ReportTable(
        key=key,
        title=title,
        columns=(
            Message(gettext_noop("Member")),
            Message(gettext_noop("Week")),
            Message(gettext_noop("Start")),
            Message(gettext_noop("Working days")),
            Message(gettext_noop("Contacts")),
            Message(gettext_noop("Capacity")),
            Message(gettext_noop("Over capacity")),
            Message(gettext_noop("Accounts")),
        ),
        rows=tuple(
            (
                row.member_id,
                weeks[row.week].label,
                weeks[row.week].start,
                weeks[row.week].working_days,
                row.load,
                decimal(row.capacity),
                yes_no(row.overloaded),
                ", ".join(row.account_ids),
            )
            for row in rows
        ),
        kinds=("text", "text", "date", "int", "int", "number", "text", "text"),
    )


def _capacity_table(result: BehaviourPlan) -> ReportTable:
    """Each team's need per week against its capacity, and the fixes in numbers."""
    checks = (result.sdr_capacity, result.bd_capacity, result.presales.capacity)
    return ReportTable(
        key="capacity",
        title=Message(gettext_noop("Capacity by team")),
        columns=(
            Message(gettext_noop("Role")),
            Message(gettext_noop("Members")),
            Message(gettext_noop("Capacity per week")),
            Message(gettext_noop("Needed per week")),
            Message(gettext_noop("Needed in the period")),
            Message(gettext_noop("Covered")),
            Message(gettext_noop("People to add")),
            Message(gettext_noop("Tier to slow down")),
            Message(gettext_noop("Accounts to slow down")),
            Message(gettext_noop("Slower cadence (weeks)")),
        ),
        rows=tuple(
            (
                c.role.value,
                c.members,
                c.capacity_per_week,
                decimal(c.needed_per_week),
                c.total_needed,
                yes_no(c.covered),
                c.add_members,
                c.slow_tier,
                c.slow_accounts or None,
                None if c.slow_to is None else c.slow_to.every_weeks,
            )
            for c in checks
        ),
        kinds=("text", "int", "int", "number", "int", "text", "int", "text", "int", "int"),
    )
