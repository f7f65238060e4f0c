"""The paradigm sections of a plan document and their conversion to the core inputs.

Keys are the names the core planners use, so a problem the core reports
(``funnel.stages[2].conversion``) names the key the author wrote, under the section
(``probability.funnel.stages[2].conversion``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field

from salesmesh.core import behaviour as bh
from salesmesh.core import probability as pr
from salesmesh.core import project as pj
from salesmesh.core.advisor import BusinessIndicators
from salesmesh.core.calendar import Grain, Period, WorkCalendar
from salesmesh.planfile.values import (
    Count,
    Day,
    Influence,
    MaybeCount,
    MaybeDay,
    MaybeNonNegative,
    MaybePositiveInt,
    MaybeText,
    Money,
    NonNegative,
    OptionalText,
    Positive,
    PositiveInt,
    PositiveMoney,
    Rate,
    Real,
    Share,
    SpecModel,
    Text,
    Whole,
    choice,
    nullable,
)

# -- probability ------------------------------------------------------------------------------


class ProductSpec(SpecModel):
    """A product of the mix: price and the probability a customer picks it."""

    name: Text
    price: Money
    probability: Share


class StageSpec(SpecModel):
    """A funnel stage: conversion to the next stage (the last: to won) and lag to close."""

    name: Text
    conversion: Rate
    lag_days: Count


class SourceSpec(SpecModel):
    """A lead source: its share of the leads and its first-stage conversion multiplier."""

    name: Text
    share: Share
    conversion_multiplier: Positive = Decimal(1)


class FunnelSpec(SpecModel):
    """Stages from the first (leads) to the close, and the sources feeding the first."""

    stages: Annotated[tuple[StageSpec, ...], Field(min_length=1)]
    sources: tuple[SourceSpec, ...] = ()


class YieldsSpec(SpecModel):
    """How calls and visits turn into funnel progress."""

    attempts_per_reached_lead: Positive
    reach_rate: Rate
    visits_per_opportunity: NonNegative
    visit_stage: Whole = -1


class RepSpec(SpecModel):
    """A rep: daily capacity and the judgement indicators of the capability model."""

    rep_id: Text
    name: OptionalText = ""
    max_calls_per_day: NonNegative
    max_visits_per_day: NonNegative
    product_pass_rate: Share
    scenario_pass_rate: Share
    tenure_months: Count


class RepHistorySpec(SpecModel):
    """A rep's measured conversion with the indicators it was measured at (for calibration)."""

    rep_id: Text
    conversion: Share
    product_pass_rate: Share
    scenario_pass_rate: Share
    tenure_months: Count
    leads: MaybeCount = None


class CapabilitySpec(SpecModel):
    """The capability model's weights; the defaults are the core's documented prior.

    With ``history`` (reps' past conversion and indicators) the weights are
    calibrated from it — the weights given here are then only the fallback.
    """

    product_weight: Real = pr.DEFAULT_PRODUCT_WEIGHT
    scenario_weight: Real = pr.DEFAULT_SCENARIO_WEIGHT
    tenure_weight: Real = pr.DEFAULT_TENURE_WEIGHT
    tenure_saturation_months: PositiveInt = pr.TENURE_SATURATION_MONTHS
    lower: Real = pr.MULTIPLIER_FLOOR
    upper: Real = pr.MULTIPLIER_CEILING
    history: tuple[RepHistorySpec, ...] = ()

    def history_rows(self) -> tuple[pr.RepHistory, ...]:
        """The history as the core's calibration input."""
        return tuple(
            pr.RepHistory(
                rep_id=h.rep_id,
                conversion=h.conversion,
                product_pass_rate=h.product_pass_rate,
                scenario_pass_rate=h.scenario_pass_rate,
                tenure_months=h.tenure_months,
                leads=h.leads,
            )
            for h in self.history
        )


class ProbabilitySection(SpecModel):
    """The probability paradigm: product mix, funnel, yields, reps."""

    products: Annotated[tuple[ProductSpec, ...], Field(min_length=1)]
    funnel: FunnelSpec
    yields: YieldsSpec
    reps: Annotated[tuple[RepSpec, ...], Field(min_length=1)]
    capability: CapabilitySpec = Field(default_factory=CapabilitySpec)

    def to_capability(self) -> pr.CapabilityModel:
        """The capability model as written (the prior when history calibrates it)."""
        return pr.CapabilityModel(
            product_weight=self.capability.product_weight,
            scenario_weight=self.capability.scenario_weight,
            tenure_weight=self.capability.tenure_weight,
            tenure_saturation_months=self.capability.tenure_saturation_months,
            lower=self.capability.lower,
            upper=self.capability.upper,
        )

    def to_inputs(
        self, target: Decimal, period: Period, work: WorkCalendar
    ) -> pr.ProbabilityInputs:
        """The core planner's inputs."""
        funnel = self.funnel
        return pr.ProbabilityInputs(
            target=target,
            period=period,
            work_calendar=work,
            products=tuple(pr.Product(p.name, p.price, p.probability) for p in self.products),
            funnel=pr.Funnel(
                stages=tuple(
                    pr.FunnelStage(s.name, s.conversion, s.lag_days) for s in funnel.stages
                ),
                sources=tuple(
                    pr.LeadSource(s.name, s.share, s.conversion_multiplier) for s in funnel.sources
                ),
            ),
            yields=pr.BehaviourYields(
                attempts_per_reached_lead=self.yields.attempts_per_reached_lead,
                reach_rate=self.yields.reach_rate,
                visits_per_opportunity=self.yields.visits_per_opportunity,
                visit_stage=self.yields.visit_stage,
            ),
            reps=tuple(
                pr.Rep(
                    rep_id=r.rep_id,
                    max_calls_per_day=r.max_calls_per_day,
                    max_visits_per_day=r.max_visits_per_day,
                    product_pass_rate=r.product_pass_rate,
                    scenario_pass_rate=r.scenario_pass_rate,
                    tenure_months=r.tenure_months,
                )
                for r in self.reps
            ),
            capability=self.to_capability(),
        )


# -- behaviour --------------------------------------------------------------------------------


class CadenceSpec(SpecModel):
    """``times`` contacts in every ``every_weeks``-th week."""

    every_weeks: PositiveInt = 1
    times: PositiveInt = 1

    def to_core(self) -> bh.Cadence:
        """The core cadence."""
        return bh.Cadence(every_weeks=self.every_weeks, times=self.times)


class ConversionsSpec(SpecModel):
    """Stage-to-stage conversion of named accounts."""

    touched_to_engaged: Rate
    engaged_to_vql: Rate
    vql_to_signed: Rate

    def to_core(self) -> bh.Conversions:
        """The core conversions."""
        return bh.Conversions(self.touched_to_engaged, self.engaged_to_vql, self.vql_to_signed)


class TierSpec(SpecModel):
    """Assumptions of one account tier."""

    tier: Text
    revenue_per_signed: PositiveMoney
    touch_cadence: CadenceSpec | None = None
    visit_cadence: CadenceSpec | None = None
    conversions: ConversionsSpec | None = None
    target_weight: MaybeNonNegative = None


class AccountSpec(SpecModel):
    """A named account and its one owner."""

    id: Text
    name: Text
    tier: Text
    wallet_potential: Money = Decimal(0)
    stage: Annotated[str, BeforeValidator(choice(*(s.value for s in bh.Stage)))] = "untouched"
    owner: Text
    team: MaybeText = None
    region: MaybeText = None
    touch_cadence: CadenceSpec | None = None


class MemberSpec(SpecModel):
    """A team member and their weekly capacity (touches, visits or solutions)."""

    id: Text
    name: OptionalText = ""
    role: Annotated[str, BeforeValidator(choice(*(r.value for r in bh.Role)))]
    weekly_capacity: PositiveInt


class BehaviourSection(SpecModel):
    """The behaviour paradigm: tiers, conversions, the named accounts and the team."""

    conversions: ConversionsSpec
    tiers: Annotated[tuple[TierSpec, ...], Field(min_length=1)]
    team: Annotated[tuple[MemberSpec, ...], Field(min_length=1)]
    accounts: Annotated[tuple[AccountSpec, ...], Field(min_length=1)]
    solutions_per_vql: NonNegative = bh.DEFAULT_SOLUTIONS_PER_VQL

    def to_input(self, target: Decimal, period: Period) -> bh.BehaviourPlanInput:
        """The core planner's input."""

        def cadence(spec: CadenceSpec | None) -> bh.Cadence | None:
            return None if spec is None else spec.to_core()

        return bh.BehaviourPlanInput(
            target=target,
            period=period,
            accounts=tuple(
                bh.NamedAccount(
                    id=a.id,
                    name=a.name,
                    tier=a.tier,
                    wallet_potential=a.wallet_potential,
                    stage=bh.Stage(a.stage),
                    owner=a.owner,
                    team=a.team,
                    region=a.region,
                    touch_cadence=cadence(a.touch_cadence),
                )
                for a in self.accounts
            ),
            tiers=tuple(
                bh.TierPlan(
                    tier=t.tier,
                    revenue_per_signed=t.revenue_per_signed,
                    touch_cadence=cadence(t.touch_cadence),
                    visit_cadence=cadence(t.visit_cadence),
                    conversions=None if t.conversions is None else t.conversions.to_core(),
                    target_weight=t.target_weight,
                )
                for t in self.tiers
            ),
            conversions=self.conversions.to_core(),
            team=tuple(
                bh.TeamMember(
                    id=m.id, role=bh.Role(m.role), weekly_capacity=m.weekly_capacity, name=m.name
                )
                for m in self.team
            ),
            solutions_per_vql=self.solutions_per_vql,
        )


# -- project ----------------------------------------------------------------------------------


class ResourceSpec(SpecModel):
    """A resource a milestone needs, and how many working days ahead it must be ready."""

    kind: Annotated[str, BeforeValidator(choice(*(k.value for k in pj.ResourceKind)))]
    description: Text
    lead_time_working_days: Count


class MilestoneSpec(SpecModel):
    """A milestone: its date (or duration), dependencies, revenue share and owner."""

    id: Text
    name: Text
    revenue_share: Share
    revenue_kind: Annotated[str, BeforeValidator(choice(*(k.value for k in pj.RevenueKind)))]
    planned_date: MaybeDay = None
    duration_working_days: MaybeCount = None
    depends_on: tuple[Text, ...] = ()
    owner: Annotated[
        str | None, BeforeValidator(nullable(choice(*(r.value for r in pj.OwningRole))))
    ] = None
    resources: tuple[ResourceSpec, ...] = ()


class ActionSpec(SpecModel):
    """An action towards a stakeholder, due some working days before a milestone."""

    description: Text
    working_days_before: Count
    milestone_id: MaybeText = None


class StakeholderSpec(SpecModel):
    """A customer-side person linked to milestones."""

    name: Text
    title: OptionalText = ""
    influence: Influence
    attitude: Annotated[str, BeforeValidator(choice(*(a.value for a in pj.Attitude)))]
    milestone_ids: Annotated[tuple[Text, ...], Field(min_length=1)]
    actions: tuple[ActionSpec, ...] = ()


class ProjectSpec(SpecModel):
    """A project: goal, contract value, milestones and stakeholders."""

    id: Text
    name: Text
    goal: OptionalText = ""
    contract_value: Money
    start_date: MaybeDay = None
    contract_end: MaybeDay = None
    milestones: Annotated[tuple[MilestoneSpec, ...], Field(min_length=1)]
    stakeholders: tuple[StakeholderSpec, ...] = ()

    def to_core(self) -> pj.Project:
        """The core project."""
        return pj.Project(
            id=self.id,
            name=self.name,
            goal=self.goal,
            contract_value=self.contract_value,
            milestones=tuple(
                pj.Milestone(
                    id=m.id,
                    name=m.name,
                    revenue_share=m.revenue_share,
                    revenue_kind=pj.RevenueKind(m.revenue_kind),
                    planned_date=m.planned_date,
                    duration_working_days=m.duration_working_days,
                    depends_on=m.depends_on,
                    owner=None if m.owner is None else pj.OwningRole(m.owner),
                    resources=tuple(
                        pj.MilestoneResource(
                            pj.ResourceKind(r.kind), r.description, r.lead_time_working_days
                        )
                        for r in m.resources
                    ),
                )
                for m in self.milestones
            ),
            stakeholders=tuple(
                pj.Stakeholder(
                    name=s.name,
                    title=s.title,
                    influence=s.influence,
                    attitude=pj.Attitude(s.attitude),
                    milestone_ids=s.milestone_ids,
                    actions=tuple(
                        pj.StakeholderAction(a.description, a.working_days_before, a.milestone_id)
                        for a in s.actions
                    ),
                )
                for s in self.stakeholders
            ),
            start_date=self.start_date,
            contract_end=self.contract_end,
        )


class ProjectSection(SpecModel):
    """The project paradigm: as-of date, revenue grain and the projects."""

    as_of: Day
    grain: Annotated[str, BeforeValidator(choice("month", "quarter"))] = "month"
    high_influence: Influence = pj.DEFAULT_HIGH_INFLUENCE
    projects: Annotated[tuple[ProjectSpec, ...], Field(min_length=1)]

    @property
    def grain_value(self) -> Grain:
        """The grain as the calendar's enum."""
        return Grain(self.grain)

    def to_core(self) -> tuple[pj.Project, ...]:
        """The core projects."""
        return tuple(p.to_core() for p in self.projects)


# -- advisor (optional) -----------------------------------------------------------------------


class AdvisorSpec(SpecModel):
    """The business indicators of the line, to check the paradigm with the advisor."""

    addressable_customers: PositiveInt
    demand_customers: Count
    market_maturity: Real
    solution_standardisation: Real
    sales_cycle_days: MaybePositiveInt = None

    def to_core(self) -> BusinessIndicators:
        """The advisor's input."""
        return BusinessIndicators(
            addressable_customers=self.addressable_customers,
            demand_customers=self.demand_customers,
            market_maturity=self.market_maturity,
            solution_standardisation=self.solution_standardisation,
            sales_cycle_days=self.sales_cycle_days,
        )
