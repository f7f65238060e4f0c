"""The figures of the SMB line's approved probability plan the demo generator follows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from salesmesh.demo.process_base import plan_decimal
from salesmesh.pipeline.models import LeadSource
from salesmesh.planning.models import PlanVersion

# The plan knows three sources; referrals are the demo's small fourth one and
# convert best, as referred prospects do.
REFERRAL_SHARE = 0.05
REFERRAL_MULTIPLIER = 1.6
SOURCE_NAMES = {
    "市场覆盖": LeadSource.MARKET_COVERAGE,
    "品牌": LeadSource.BRAND,
    "私域": LeadSource.PRIVATE_DOMAIN,
    "转介绍": LeadSource.REFERRAL,
}


@dataclass(frozen=True)
class RepPlan:
    """One rep's planned behaviour and capability, from the plan's result."""

    calls_per_day: float
    visits_per_day: float
    multiplier: float
    customers: int


@dataclass(frozen=True)
class SmbPlan:
    """The ratios of the approved probability plan the generator follows."""

    leads_per_day: float
    sources: tuple[tuple[str, float, float], ...]  # source, share, lead-to-qualified rate
    to_opportunity: float
    to_won: float
    lead_to_close_days: int  # the whole lag from a lead to its deal's close
    lead_to_qualified_days: int
    qualified_to_deal_days: int
    deal_days: int
    products: tuple[tuple[str, Decimal, float], ...]  # name, price, selection probability
    reach_rate: float
    visits_per_deal: float
    reps: dict[str, RepPlan]


def smb_plan(version: PlanVersion) -> SmbPlan:
    """Read the figures the generator needs from the stored plan and its result."""
    body = version.assumptions["probability"]
    data = version.result["data"]
    stages = body["funnel"]["stages"]
    lags = [int(stage.get("lag_days", 0)) for stage in stages]
    to_opportunity = math.prod(float(stage["conversion"]) for stage in stages[1:-1])
    sources = [
        (
            SOURCE_NAMES.get(source["name"], LeadSource.OTHER),
            float(source["share"]) * (1 - REFERRAL_SHARE),
            float(source["conversion"]),
        )
        for source in data["plan"]["sources"]
    ]
    first_rate = float(stages[0]["conversion"])
    sources.append((LeadSource.REFERRAL, REFERRAL_SHARE, first_rate * REFERRAL_MULTIPLIER))
    reps = {
        rep["rep_id"]: RepPlan(
            calls_per_day=float(rep["average_calls_per_working_day"]),
            visits_per_day=float(rep["average_visits_per_working_day"]),
            multiplier=float(rep["multiplier"]),
            customers=int(rep["customers"]),
        )
        for rep in data["plan"]["reps"]
    }
    return SmbPlan(
        leads_per_day=int(data["plan"]["leads"]) / int(data["document"]["working_days"]),
        sources=tuple(sources),
        to_opportunity=to_opportunity,
        to_won=float(stages[-1]["conversion"]),
        lead_to_close_days=max(1, lags[0]),
        lead_to_qualified_days=max(1, lags[0] - lags[1]),
        qualified_to_deal_days=max(1, lags[1] - lags[-1]),
        deal_days=max(1, lags[-1]),
        products=tuple(
            (product["name"], plan_decimal(product["price"]), float(product["probability"]))
            for product in body["products"]
        ),
        reach_rate=float(body["yields"]["reach_rate"]),
        visits_per_deal=float(body["yields"].get("visits_per_opportunity", 0.5)),
        reps=reps,
    )
