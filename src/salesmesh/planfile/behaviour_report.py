"""The behaviour paradigm's report: target → signed by tier → VQL → engaged → touched → cadence."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from salesmesh.core.behaviour import (
    BehaviourPlan,
    BehaviourPlanError,
    CapacityCheck,
    Role,
    TierFunnel,
    plan_behaviour,
)
from salesmesh.core.calendar import WorkCalendar
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.planfile.behaviour_tables import tables
from salesmesh.planfile.errors import PlanFileError, Problem, prefixed
from salesmesh.planfile.report import ReportNode
from salesmesh.planfile.report_common import (
    INFEASIBLE,
    OK,
    Section,
    as_data,
    decimal,
    num,
    text,
)
from salesmesh.planfile.schema import BehaviourPlanDocument

__all__ = ["feasible", "pgettext", "plan", "report"]

TOP_LEVEL = frozenset({"target", "period"})
_SECTION = "behaviour"


@dataclass(frozen=True)
class _MessageInContext(Message):
    """A message without parameters, translated under a gettext context (msgctxt)."""

    context: str = ""

    def render(self, translate: Callable[[str], str] = lambda text: text) -> str:
        """The message in the language ``translate`` maps to, looked up under its context."""
        # A catalog keys an entry with a context as "context\x04msgid", and gettext
        # hands back a key it does not hold unchanged: then the English template stands.
        text = translate(f"{self.context}\x04{self.template}")
        return self.template if "\x04" in text else text


def pgettext(context: str, message: str) -> Message:
    """``message`` under ``context``; named so that makemessages extracts both.

    A count's unit takes the context "unit": Chinese counts with a classifier
    ("120 家客户") where the same noun labelling a list or an import has none ("客户").
    """
    return _MessageInContext(message, context=context)


def _with_section(problems: Sequence[Problem]) -> list[Problem]:
    """Core problems under ``behaviour``; "duplicate of tiers[0]" names the document path too."""
    result: list[Problem] = []
    for path, message in prefixed(problems, _SECTION, TOP_LEVEL):
        other = message.params.get("other")
        if isinstance(other, str):
            message = Message(message.template, {**message.params, "other": f"{_SECTION}.{other}"})
        result.append((path, message))
    return result


def plan(document: BehaviourPlanDocument, work: WorkCalendar) -> BehaviourPlan:
    """Run the behaviour planner on the document; its problems carry document paths."""
    plan_input = document.behaviour.to_input(document.target, document.plan_period)
    try:
        return plan_behaviour(plan_input, work)
    except BehaviourPlanError as exc:
        raise PlanFileError(_with_section(exc.problems)) from exc


def feasible(result: BehaviourPlan) -> bool:
    """Every tier reachable from its list, the whole target carried, every team in capacity."""
    return (
        all(tier.feasible for tier in result.tiers)
        and result.uncovered_revenue == 0
        and result.sdr_capacity.covered
        and result.bd_capacity.covered
        and result.presales.capacity.covered
        and not result.overloads
    )


def report(document: BehaviourPlanDocument, result: BehaviourPlan) -> Section:
    """Tree, tables, warnings, fixes and data of a behaviour plan."""
    return Section(
        tree=_tree(document, result),
        tables=tables(document, result),
        warnings=result.warnings,
        fixes=_fixes(document, result),
        feasible=feasible(result),
        data=as_data(result),
    )


# -- fixes ------------------------------------------------------------------------------------


def _fixes(document: BehaviourPlanDocument, result: BehaviourPlan) -> tuple[Message, ...]:
    """Each fix with its numbers: people to add, a slower cadence, accounts to add."""
    fixes: list[Message] = []
    for tier in result.tiers:
        if tier.feasible:
            continue
        short = tier.signed_needed - tier.max_signings
        missing = max(0, tier.new_touched_needed - tier.at_untouched)
        fixes.append(
            Message(
                gettext_noop(
                    "Tier %(tier)s: add at least %(missing)s accounts to the named list, raise "
                    "its conversion, or move %(short)s signings (%(revenue)s) to other tiers."
                ),
                {
                    "tier": tier.tier,
                    "missing": missing,
                    "short": short,
                    "revenue": num(tier.revenue_per_signed * short),
                },
            )
        )
    checks = (
        (
            result.sdr_capacity,
            gettext_noop(
                "Add %(count)s SDR(s) with the team's average capacity (%(capacity)s touches a "
                "week)."
            ),
        ),
        (
            result.bd_capacity,
            gettext_noop(
                "Add %(count)s BD(s) with the team's average capacity (%(capacity)s visits a "
                "week) and hand them accounts."
            ),
        ),
        (
            result.presales.capacity,
            gettext_noop(
                "Add %(count)s presales engineer(s) with the team's average capacity "
                "(%(capacity)s solutions a week)."
            ),
        ),
    )
    for check, template in checks:
        if check.covered or not check.add_members:
            continue
        fixes.append(
            Message(
                template,
                {
                    "count": check.add_members,
                    "capacity": decimal(Decimal(check.capacity_per_week) / check.members),
                },
            )
        )
        if check.slow_tier is not None and check.slow_to is not None:
            fixes.append(
                Message(
                    gettext_noop(
                        "Or touch %(accounts)s accounts of tier %(tier)s every %(weeks)s weeks "
                        "instead."
                    ),
                    {
                        "accounts": check.slow_accounts,
                        "tier": check.slow_tier,
                        "weeks": check.slow_to.every_weeks,
                    },
                )
            )
    fixes.extend(_overload_fixes(document, result))
    return tuple(fixes)


def _overload_fixes(document: BehaviourPlanDocument, result: BehaviourPlan) -> list[Message]:
    """For a member over capacity in some weeks: the weekly capacity that would cover them."""
    capacity = {member.id: member.weekly_capacity for member in document.behaviour.team}
    fixes: list[Message] = []
    for overload in result.overloads:
        weekly = capacity[overload.member_id]
        # The peak week's capacity is weekly * working days / 5; scale the load the same way.
        needed = math.ceil(Fraction(overload.peak_load * weekly) / overload.peak_capacity)
        fixes.append(
            Message(
                gettext_noop(
                    "%(member)s: move %(excess)s contacts out of %(week)s to a neighbouring week, "
                    "or raise the weekly capacity from %(capacity)s to %(needed)s."
                ),
                {
                    "member": overload.member_id,
                    "excess": overload.peak_load - math.floor(overload.peak_capacity),
                    "week": result.weeks[overload.peak_week].label,
                    "capacity": weekly,
                    "needed": needed,
                },
            )
        )
    return fixes


# -- the tree ---------------------------------------------------------------------------------


def _tier_node(tier: TierFunnel, money: Message) -> ReportNode:
    """signed → VQL → engaged → touched for one tier."""
    to_engaged = tier.conversions.touched_to_engaged
    to_vql = tier.conversions.engaged_to_vql
    to_signed = tier.conversions.vql_to_signed
    touched = ReportNode(
        label=Message(gettext_noop("Touched")),
        value=tier.touched_needed,
        unit=pgettext("unit", "accounts"),
        formula=Message(
            gettext_noop(
                "= ⌈%(engaged)s new engaged ÷ %(rate)s⌉; %(new)s of them newly touched out of "
                "%(untouched)s untouched"
            ),
            {
                "engaged": tier.new_engaged_needed,
                "rate": to_engaged,
                "new": tier.new_touched_needed,
                "untouched": tier.at_untouched,
            },
        ),
        status=OK if tier.feasible else INFEASIBLE,
    )
    engaged = ReportNode(
        label=Message(gettext_noop("Engaged")),
        value=tier.engaged_needed,
        unit=pgettext("unit", "accounts"),
        formula=Message(
            gettext_noop("= ⌈%(vql)s new VQLs ÷ %(rate)s⌉ (%(at)s already engaged)"),
            {"vql": tier.new_vql_needed, "rate": to_vql, "at": tier.at_engaged},
        ),
        children=(touched,),
    )
    vql = ReportNode(
        label=Message(gettext_noop("VQL")),
        value=tier.vql_needed,
        unit=pgettext("unit", "accounts"),
        formula=Message(
            gettext_noop("= ⌈%(signed)s signings ÷ %(rate)s⌉ (%(at)s already at VQL)"),
            {"signed": tier.signed_needed, "rate": to_signed, "at": tier.at_vql},
        ),
        children=(engaged,),
    )
    return ReportNode(
        label=Message(gettext_noop("Tier %(tier)s: new signings"), {"tier": tier.tier}),
        value=tier.signed_needed,
        unit=pgettext("unit", "accounts"),
        formula=Message(
            gettext_noop(
                "= ⌈tier target %(target)s ÷ %(revenue)s per signed account⌉; the list yields "
                "at most %(max)s"
            ),
            {
                "target": num(tier.target_revenue),
                "revenue": num(tier.revenue_per_signed),
                "max": tier.max_signings,
            },
        ),
        status=OK if tier.feasible else INFEASIBLE,
        children=(vql,),
    )


def _capacity_node(
    label: Message, unit: Message, check: CapacityCheck, over: int, days: int
) -> ReportNode:
    """A team's need per five-day week against its capacity."""
    return ReportNode(
        label=label,
        value=decimal(check.needed_per_week),
        unit=unit,
        formula=Message(
            gettext_noop(
                "= %(total)s in the period ÷ %(days)s working days × 5; capacity "
                "%(capacity)s a week from %(members)s people; %(over)s overloaded"
            ),
            {
                "total": num(check.total_needed),
                "days": days,
                "capacity": check.capacity_per_week,
                "members": check.members,
                "over": over,
            },
        ),
        status=OK if check.covered and not over else INFEASIBLE,
    )


def _tree(document: BehaviourPlanDocument, result: BehaviourPlan) -> ReportNode:
    """target → already signed, each tier's chain, and the totals down to the behaviours."""
    money = text(document.currency)
    overloaded = {role: sum(1 for o in result.overloads if o.role is role) for role in Role}
    days = sum(week.working_days for week in result.weeks)
    behaviours = (
        _capacity_node(
            Message(gettext_noop("SDR touches per week")),
            Message(gettext_noop("touches/week")),
            result.sdr_capacity,
            overloaded[Role.SDR],
            days,
        ),
        ReportNode(
            label=Message(gettext_noop("Named accounts covered")),
            value=decimal(result.coverage_rate * 100),
            unit=text("%"),
            formula=Message(
                gettext_noop("= accounts touched at least once ÷ %(accounts)s named accounts"),
                {"accounts": len(result.touches)},
            ),
            status=OK if result.coverage_rate == 1 else INFEASIBLE,
        ),
        _capacity_node(
            Message(gettext_noop("BD visits per week")),
            Message(gettext_noop("visits/week")),
            result.bd_capacity,
            overloaded[Role.BD],
            days,
        ),
        _capacity_node(
            Message(gettext_noop("Presales solutions per week")),
            Message(gettext_noop("solutions/week")),
            result.presales.capacity,
            0,
            days,
        ),
    )
    touched = ReportNode(
        label=Message(gettext_noop("Touched (all tiers)")),
        value=result.touched_needed,
        unit=pgettext("unit", "accounts"),
        formula=Message(gettext_noop("= Σ over tiers")),
        children=behaviours,
    )
    engaged = ReportNode(
        label=Message(gettext_noop("Engaged (all tiers)")),
        value=result.engaged_needed,
        unit=pgettext("unit", "accounts"),
        formula=Message(gettext_noop("= Σ over tiers")),
        children=(touched,),
    )
    vql = ReportNode(
        label=Message(gettext_noop("VQL (all tiers)")),
        value=result.vql_needed,
        unit=pgettext("unit", "accounts"),
        formula=Message(gettext_noop("= Σ over tiers")),
        children=(engaged,),
    )
    signed = ReportNode(
        label=Message(gettext_noop("New signings (all tiers)")),
        value=result.signed_needed,
        unit=pgettext("unit", "accounts"),
        formula=Message(gettext_noop("= Σ over tiers")),
        children=(vql,),
    )
    already = ReportNode(
        label=Message(gettext_noop("Already signed")),
        value=result.already_signed_revenue,
        unit=money,
        formula=Message(
            gettext_noop("= signed accounts × revenue per signed account; %(remaining)s remains"),
            {"remaining": num(result.remaining_target)},
        ),
    )
    return ReportNode(
        label=Message(gettext_noop("Target %(period)s"), {"period": document.period_label}),
        value=result.target,  # the target to the cent
        unit=money,
        formula=Message(gettext_noop("= already signed + Σ tier signings × revenue per signing")),
        status=OK if feasible(result) else INFEASIBLE,
        children=(already, *(_tier_node(t, money) for t in result.tiers), signed),
    )
