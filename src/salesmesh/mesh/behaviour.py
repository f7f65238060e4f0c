"""The behaviour paradigm's mesh of a business line or a unit inside it, from the database.

Fetch, then compute (DESIGN.md §3):

- **plan**: the approved version's document, planned again (``plans.load_plan``). The
  line's plan is the planner's; a team's or a person's is their part of it
  (``core.mesh_behaviour.behaviour_plan_indicators``): an SDR answers for the accounts on
  their touch list, a BD for the accounts they own, a presales engineer for their share of
  the solutions; a team for its people's accounts and behaviours together.
- **actual**: over the period's first day … ``as_of`` (held inside the period by
  ``plans.clamp_as_of``). The line's figures are ``behaviour_actuals``'s; a team's and a
  person's are summed from ``behaviour_account_facts`` (one row per named account) and
  ``behaviour_people_facts`` (one row per person) under the same definitions. An SDR's
  accounts are their plan touch list, found in the records by the plan's account id (the
  account's external ID); a BD's are the named accounts they own today. A fixed number of
  queries whatever the number of accounts, people or activities: one for the line's
  people, six for the line's actuals, five for the accounts, two for the people.
- **compute**: ``core.mesh_behaviour`` builds the trees (the line's or team's whole tree,
  each person's team part), splits the revenue gap over the named-account funnel (a BD's
  over their book) and says the bottleneck in words; the catch-up keeps the plan of a line
  on plan and re-plans one behind with every account at the stage it has reached: signed
  (a deal won by ``as_of``), VQL (a deal qualified), engaged (owned by a BD of the line),
  touched (a touch recorded), else untouched — never behind the plan's own stage.

People are matched to the plan's team members by username, else employee number
(``plans.match_people``). Someone in the line the plan does not name gets a tree with a
plan of zero, so their work is seen; a member of the plan no longer in the line counts in
the line's plan only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypedDict

from salesmesh.activities.behaviour_indicators import (
    AccountFacts,
    BehaviourActuals,
    PersonFacts,
    behaviour_account_facts,
    behaviour_actuals,
    behaviour_people_facts,
)
from salesmesh.core.behaviour import BehaviourPlan, BehaviourPlanInput, Stage
from salesmesh.core.behaviour import Role as TeamRole
from salesmesh.core.calendar import Period, WorkCalendar
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.mesh import HealthThresholds, MeshError
from salesmesh.core.mesh_behaviour import (
    AccountNow,
    BehaviourActualIndicators,
    BehaviourCatchUp,
    behaviour_attribution,
    behaviour_catch_up,
    behaviour_mesh,
    behaviour_plan_indicators,
    diagnose_behaviour,
    role_mesh,
)
from salesmesh.core.money import to_money
from salesmesh.mesh.plans import clamp_as_of, load_plan, match_people
from salesmesh.mesh.report import CatchUpRow, CatchUpView, MeshReport, PeopleWanted, PersonMesh
from salesmesh.org.models import Membership, OrgUnit, Role, User
from salesmesh.planning.models import PlanVersion

__all__ = ["TEAM_ROLES", "Member", "build", "line_members"]

# The org's roles of the three behaviour teams, in the order a person with two is read.
TEAM_ROLES: Mapping[str, TeamRole] = {
    Role.SDR: TeamRole.SDR,
    Role.BD: TeamRole.BD,
    Role.PRESALES: TeamRole.PRESALES,
}


@dataclass(frozen=True)
class Member:
    """A person of the line's behaviour teams: their role, units and plan id (if any)."""

    user: User
    role: TeamRole
    unit_paths: frozenset[str]
    plan_id: str | None

    def in_unit(self, unit: OrgUnit) -> bool:
        """True when one of the person's units lies in ``unit``'s subtree."""
        return any(path.startswith(unit.path) for path in self.unit_paths)


def line_members(*, line: OrgUnit, inputs: BehaviourPlanInput) -> list[Member]:
    """The line's SDRs, BDs and presales engineers (one query), in the plan's order first.

    A person's role is their plan role when the plan names them, else their first team
    role in the order SDR, BD, presales.
    """
    memberships = list(
        Membership.objects.filter(
            unit__path__startswith=line.path, role__in=list(TEAM_ROLES), user__is_active=True
        )
        .select_related("user", "unit")
        .order_by("user__username", "unit__path")
    )
    users: dict[int, User] = {}
    roles: dict[int, list[TeamRole]] = {}
    paths: dict[int, set[str]] = {}
    for membership in memberships:
        users[membership.user_id] = membership.user
        roles.setdefault(membership.user_id, []).append(TEAM_ROLES[membership.role])
        paths.setdefault(membership.user_id, set()).add(membership.unit.path)
    matched = match_people((m.id for m in inputs.team), users.values())
    plan_of = {person.pk: plan_id for plan_id, person in matched.items()}
    plan_roles = {m.id: TeamRole(m.role) for m in inputs.team}
    order = list(TEAM_ROLES.values())
    members = []
    for pk, user in users.items():
        plan_id = plan_of.get(pk)
        role = plan_roles[plan_id] if plan_id is not None else min(roles[pk], key=order.index)
        members.append(Member(user, role, frozenset(paths[pk]), plan_id))
    rank = {m.id: index for index, m in enumerate(inputs.team)}
    members.sort(key=lambda m: (m.plan_id is None, rank.get(m.plan_id or "", 0), m.user.username))
    return members


# -- actual indicators -------------------------------------------------------------------------


def _from_line(actuals: BehaviourActuals, members: Sequence[Member]) -> BehaviourActualIndicators:
    """The line's actual indicators from ``behaviour_actuals``."""
    return BehaviourActualIndicators(
        signed_revenue=actuals.signed_revenue,
        named_accounts=actuals.named_accounts,
        touched=actuals.touched,
        reached=actuals.reached,
        vql=actuals.vql,
        signed=actuals.signed,
        wallet_potential=actuals.wallet_potential,
        referrals=actuals.referrals,
        sdr_touches=actuals.sdr_touches,
        bd_visits=actuals.bd_visits,
        requests=actuals.requests,
        responded=actuals.responded,
        reviewed=actuals.reviewed,
        first_pass=actuals.first_pass,
        completed=actuals.completed,
        **_headcount(members),
    )


def _headcount(members: Iterable[Member]) -> dict[str, int]:
    chosen = list(members)
    return {
        "sdrs": sum(1 for m in chosen if m.role is TeamRole.SDR),
        "bds": sum(1 for m in chosen if m.role is TeamRole.BD),
        "presales": sum(1 for m in chosen if m.role is TeamRole.PRESALES),
    }


def _summed(
    accounts: Iterable[AccountFacts],
    members: Sequence[Member],
    people: Mapping[int, PersonFacts],
) -> BehaviourActualIndicators:
    """A part's actual indicators: its accounts' figures and its people's behaviours."""
    rows = list(accounts)

    def behaviour(role: TeamRole, field: str) -> int:
        return sum(
            getattr(people[m.user.pk], field)
            for m in members
            if m.role is role and m.user.pk in people
        )

    return BehaviourActualIndicators(
        signed_revenue=to_money(sum((r.signed_revenue for r in rows), Decimal(0))),
        named_accounts=len(rows),
        touched=sum(r.touched for r in rows),
        reached=sum(r.reached for r in rows),
        vql=sum(r.vql for r in rows),
        signed=sum(r.signed for r in rows),
        wallet_potential=to_money(sum((r.wallet_potential for r in rows), Decimal(0))),
        referrals=sum(r.referrals for r in rows),
        sdr_touches=behaviour(TeamRole.SDR, "touches"),
        bd_visits=behaviour(TeamRole.BD, "visits"),
        requests=behaviour(TeamRole.PRESALES, "requests"),
        responded=behaviour(TeamRole.PRESALES, "responded"),
        reviewed=behaviour(TeamRole.PRESALES, "reviewed"),
        first_pass=behaviour(TeamRole.PRESALES, "first_pass"),
        completed=behaviour(TeamRole.PRESALES, "completed"),
        **_headcount(members),
    )


@dataclass(frozen=True)
class _Facts:
    """What the database says, indexed for the parts: accounts by id and plan id, people."""

    accounts: tuple[AccountFacts, ...]
    by_plan_id: Mapping[str, AccountFacts]
    people: Mapping[int, PersonFacts]


def _accounts_of(
    facts: _Facts,
    *,
    plan_ids: Collection[str] = (),
    owners: Collection[int] = (),
) -> list[AccountFacts]:
    """The named accounts a part answers for: by the plan's ids, or owned by its people."""
    chosen = {facts.by_plan_id[i].account_id for i in plan_ids if i in facts.by_plan_id}
    return [r for r in facts.accounts if r.account_id in chosen or r.owner_id in owners]


def _plan_accounts(
    inputs: BehaviourPlanInput, result: BehaviourPlan, members: Iterable[Member]
) -> tuple[set[str], set[str], set[str]]:
    """(plan accounts, of which on the members' touch lists, plan member ids) of a part."""
    ids = {m.plan_id for m in members if m.plan_id is not None}
    touched = {e.account_id for e in result.touches if e.member_id in ids}
    owned = {a.id for a in inputs.accounts if a.owner in ids}
    return touched | owned, touched, ids


# -- the catch-up ------------------------------------------------------------------------------


def _accounts_now(facts: _Facts, members: Sequence[Member]) -> dict[str, AccountNow]:
    """Where each planned account stands on ``as_of`` and who of the plan owns it."""
    plan_id_of = {m.user.pk: m.plan_id for m in members if m.plan_id is not None}
    bds = {m.user.pk for m in members if m.role is TeamRole.BD}
    now: dict[str, AccountNow] = {}
    for plan_id, row in facts.by_plan_id.items():
        if row.won:
            stage = Stage.SIGNED
        elif row.qualified:
            stage = Stage.VQL
        elif row.owner_id in bds:
            stage = Stage.ENGAGED
        elif row.ever_touched:
            stage = Stage.TOUCHED
        else:
            stage = Stage.UNTOUCHED
        now[plan_id] = AccountNow(
            stage=stage, owner=plan_id_of.get(row.owner_id), signed_in_period=row.signed
        )
    return now


def _per_week_label(member: Member) -> Message:
    name = member.user.display_name
    match member.role:
        case TeamRole.SDR:
            return Message(gettext_noop("%(name)s: touches per week"), {"name": name})
        case TeamRole.BD:
            return Message(gettext_noop("%(name)s: visits per week"), {"name": name})
        case TeamRole.PRESALES:
            return Message(gettext_noop("%(name)s: solutions per week"), {"name": name})


def _catch_up_view(
    catch: BehaviourCatchUp,
    members: Sequence[Member],
    *,
    whole_line: bool,
    remaining_target: Decimal,
) -> CatchUpView:
    """The catch-up's weekly targets beside the original plan's, team and person by person."""
    targets, baseline = catch.targets, catch.baseline
    rows: list[CatchUpRow] = []
    if whole_line:
        rows += [
            CatchUpRow(
                key="signings",
                label=Message(gettext_noop("New signings needed")),
                baseline=Decimal(baseline.signings),
                catch_up=Decimal(targets.signings),
                per="period",
            ),
            CatchUpRow(
                key="vqls",
                label=Message(gettext_noop("New VQLs needed")),
                baseline=Decimal(baseline.vqls),
                catch_up=Decimal(targets.vqls),
                per="period",
            ),
            CatchUpRow(
                key="sdr_touches",
                label=Message(gettext_noop("SDR touches per week")),
                baseline=baseline.sdr_touches,
                catch_up=targets.sdr_touches,
                per="week",
            ),
            CatchUpRow(
                key="bd_visits",
                label=Message(gettext_noop("BD visits per week")),
                baseline=baseline.bd_visits,
                catch_up=targets.bd_visits,
                per="week",
            ),
            CatchUpRow(
                key="solutions",
                label=Message(gettext_noop("Presales solutions per week")),
                baseline=baseline.solutions,
                catch_up=targets.solutions,
                per="week",
            ),
        ]
    for member in members:
        if member.plan_id is None:
            continue
        before = baseline.member(member.plan_id)
        after = targets.member(member.plan_id)
        rows.append(
            CatchUpRow(
                key=f"member/{member.user.username}",
                label=_per_week_label(member),
                baseline=before.per_week if before is not None else None,
                catch_up=after.per_week if after is not None else Decimal(0),
                per="week",
            )
        )
    if whole_line:
        messages, fixes = catch.messages, catch.fixes
    else:
        # The re-plan is the line's: a team sees its people's rows, not the line's totals.
        messages = (
            Message(
                gettext_noop("The line's catch-up plan, for this unit's people: %(state)s"),
                {
                    "state": Message(gettext_noop("on plan, the original targets stand."))
                    if catch.on_plan
                    else Message(gettext_noop("behind, the targets are re-planned."))
                },
            ),
        )
        fixes = ()
    return CatchUpView(
        remaining_target=remaining_target,
        remaining_working_days=catch.remaining_working_days,
        feasible=catch.feasible,
        rows=tuple(rows),
        messages=messages,
        fixes=fixes,
    )


# -- the builder -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _When:
    """The period, the day and the calendar every tree of one report is computed for."""

    period: Period
    as_of: date
    calendar: WorkCalendar
    thresholds: HealthThresholds

    def factors(self) -> _FactorArgs:
        return {"period": self.period, "as_of": self.as_of, "calendar": self.calendar}

    def mesh(self) -> _MeshArgs:
        return {**self.factors(), "thresholds": self.thresholds}


class _FactorArgs(TypedDict):
    period: Period
    as_of: date
    calendar: WorkCalendar


class _MeshArgs(_FactorArgs):
    thresholds: HealthThresholds


def _nothing(members: Sequence[Member]) -> BehaviourActualIndicators:
    """Actuals before the period starts."""
    return _summed((), members, {})


def _warnings(
    inputs: BehaviourPlanInput, members: Sequence[Member], facts: _Facts | None
) -> list[Message]:
    warnings: list[Message] = []
    unplanned = sum(1 for m in members if m.plan_id is None)
    if unplanned:
        warnings.append(
            Message(
                gettext_noop(
                    "%(count)s people of the SDR, BD and presales teams are not in the plan: "
                    "their work counts, against a plan of zero."
                ),
                {"count": unplanned},
            )
        )
    gone = len(inputs.team) - sum(1 for m in members if m.plan_id is not None)
    if gone:
        warnings.append(
            Message(
                gettext_noop(
                    "%(count)s members of the plan's team are no longer in the line; their "
                    "share stays in the line's plan."
                ),
                {"count": gone},
            )
        )
    if facts is not None:
        missing = sum(1 for a in inputs.accounts if a.id not in facts.by_plan_id)
        if missing:
            warnings.append(
                Message(
                    gettext_noop(
                        "%(count)s named accounts of the plan are not in the records (by "
                        "external ID); nothing can be measured on them."
                    ),
                    {"count": missing},
                )
            )
        planned = {a.id for a in inputs.accounts}
        extra = sum(1 for r in facts.accounts if r.external_id not in planned)
        if extra:
            warnings.append(
                Message(
                    gettext_noop(
                        "%(count)s named accounts in the records are not in the plan; they "
                        "count in the line's actuals."
                    ),
                    {"count": extra},
                )
            )
    return warnings


def build(
    *,
    version: PlanVersion,
    unit: OrgUnit,
    as_of: date,
    thresholds: HealthThresholds,
    people: bool | Collection[int],
) -> MeshReport:
    """The behaviour mesh of ``version``'s line, or of ``unit`` inside it, as of ``as_of``.

    Fourteen queries for the line with its people (see the module doc), twelve without them,
    eight for a unit inside the line (people or not); none of the counts grows with the data, and
    before the period starts only the people are read. ``people`` says whose own trees to
    build (``PeopleWanted``: all, none or those user ids among the unit's team members); for
    the whole line only their behaviours are read. Raises ``MeshError`` for a unit outside
    the line.
    """
    wanted = PeopleWanted.of(people)
    loaded = load_plan(version)
    inputs, result = loaded.behaviour()
    period, calendar = loaded.period, loaded.work_calendar
    line = version.unit
    whole_line = unit.pk == line.pk
    if not whole_line and not unit.path.startswith(line.path):
        raise MeshError(f"unit {unit.code!r} is not inside the plan's business line")
    day = clamp_as_of(period=period, as_of=as_of)
    started = day >= period.start

    members = line_members(line=line, inputs=inputs)
    mine = members if whole_line else [m for m in members if m.in_unit(unit)]
    chosen = [m for m in mine if m.user.pk in wanted]
    # A team's node sums its people's behaviours; the line's node reads its own, so only
    # the people whose trees are built need theirs.
    facts_of = chosen if whole_line else mine

    facts: _Facts | None = None
    if started:
        account_rows = behaviour_account_facts(line=line, start=period.start, end=day, as_of=day)
        facts = _Facts(
            accounts=account_rows,
            by_plan_id={r.external_id: r for r in account_rows if r.external_id is not None},
            people=(
                behaviour_people_facts(
                    line=line, people=[m.user.pk for m in facts_of], start=period.start, end=day
                )
                if facts_of
                else {}
            ),
        )

    if whole_line:
        node_plan = behaviour_plan_indicators(inputs=inputs, plan=result)
        node_actual = (
            _from_line(
                behaviour_actuals(line=line, start=period.start, end=day, as_of=day), members
            )
            if started
            else _nothing(members)
        )
    else:
        accounts, touch_list, ids = _plan_accounts(inputs, result, mine)
        node_plan = behaviour_plan_indicators(
            inputs=inputs, plan=result, accounts=accounts, members=ids
        )
        node_actual = (
            _summed(
                _accounts_of(
                    facts,
                    plan_ids=touch_list,
                    owners={m.user.pk for m in mine},
                ),
                mine,
                facts.people,
            )
            if facts is not None
            else _nothing(mine)
        )

    when = _When(period=period, as_of=day, calendar=calendar, thresholds=thresholds)
    root = behaviour_mesh(plan=node_plan, actual=node_actual, **when.mesh())
    person_meshes = [_person(m, inputs, result, facts, when) for m in chosen]

    # The catch-up re-plans the line: its signed revenue (for a team, summed from the
    # accounts, as behaviour_actuals sums it) and every account's stage.
    line_revenue = (
        node_actual.signed_revenue
        if whole_line or facts is None
        else to_money(sum((r.signed_revenue for r in facts.accounts), Decimal(0)))
    )
    catch = behaviour_catch_up(
        inputs=inputs,
        original=result,
        as_of=day,
        calendar=calendar,
        signed_revenue=line_revenue,
        accounts_now=_accounts_now(facts, members) if facts is not None else None,
    )
    return MeshReport(
        version_id=version.pk,
        unit_id=unit.pk,
        unit_name=unit.display_name,
        paradigm=version.paradigm,
        period=period,
        as_of=day,
        root=root,
        attribution=behaviour_attribution(plan=node_plan, actual=node_actual, **when.factors()),
        diagnosis=diagnose_behaviour(plan=node_plan, actual=node_actual, **when.factors()),
        people=tuple(person_meshes),
        catch_up=_catch_up_view(
            catch,
            mine,
            whole_line=whole_line,
            remaining_target=max(node_plan.target - node_actual.signed_revenue, Decimal("0.00")),
        ),
        warnings=tuple(_warnings(inputs, members, facts) if whole_line else ()),
    )


def _person(
    member: Member,
    inputs: BehaviourPlanInput,
    result: BehaviourPlan,
    facts: _Facts | None,
    when: _When,
) -> PersonMesh:
    """One person's tree: an SDR's touch list, a BD's book, a presales engineer's requests."""
    ids = {member.plan_id} if member.plan_id is not None else set()
    touch_list = {e.account_id for e in result.touches if e.member_id in ids}
    owned = {a.id for a in inputs.accounts if a.owner in ids}
    if member.role is TeamRole.SDR:
        plan_accounts: set[str] = touch_list
        rows = _accounts_of(facts, plan_ids=touch_list) if facts is not None else []
    elif member.role is TeamRole.BD:
        plan_accounts = owned
        rows = _accounts_of(facts, owners={member.user.pk}) if facts is not None else []
    else:
        plan_accounts, rows = set(), []
    plan = behaviour_plan_indicators(
        inputs=inputs, plan=result, accounts=plan_accounts, members=ids
    )
    actual = _summed(rows, [member], facts.people if facts is not None else {})
    root = role_mesh(role=member.role, plan=plan, actual=actual, **when.mesh())
    attribution = None
    diagnosis: tuple[Message, ...] = ()
    if member.role is TeamRole.BD:
        # A BD's book is money: its gap splits over book size, signing rate, deal size.
        attribution = behaviour_attribution(
            plan=plan, actual=actual, role=member.role, **when.factors()
        )
    if member.role is not TeamRole.PRESALES:
        # An SDR's chain ends at VQLs: the amounts in the sentences are VQLs, not money.
        diagnosis = diagnose_behaviour(plan=plan, actual=actual, role=member.role, **when.factors())
    return PersonMesh(
        person_id=member.user.pk,
        name=member.user.display_name,
        root=root,
        attribution=attribution,
        diagnosis=diagnosis,
    )
