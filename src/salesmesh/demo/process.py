"""Demo process data: a year of accounts, leads, deals, activities and projects.

``seed_demo_process_data`` writes what the demo company's three business
lines did in the 52 weeks ending ``until``, each line in its own paradigm and
after its approved plan (DESIGN.md §1). The key-account and government lines
go through the services; the SMB line, at the plan's full volume (tens of
thousands of leads, a quarter of a million activities), is checked by the
services' rules and written in bulk (``bulk_create``, the set-based activity
upsert), which is what keeps ``make demo`` quick:

* SMB (probability): leads from each source, deals with their stage history,
  and every rep's calls and visits per working day;
* key accounts (behaviour): the named list with owners, referral chains and
  buyers, the SDRs' touches at the plan's cadence, BD visits, deals and
  presales solution requests;
* government (project): projects with milestones, dependencies, revenue
  shares, stakeholders, resources, stage reviews and a scenario solution.

It runs once: a database that already has accounts is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import models, transaction

from salesmesh.accounts.models import Account, AccountOwnership, Contact
from salesmesh.activities.models import Activity, SolutionRequest
from salesmesh.core.calendar import WorkCalendar
from salesmesh.demo.process_base import Demo, line_and_plan
from salesmesh.demo.process_gov import seed_gov
from salesmesh.demo.process_ka import seed_ka
from salesmesh.demo.process_smb import seed_smb
from salesmesh.pipeline.models import Lead, Opportunity, OpportunityStageChange
from salesmesh.projects.models import (
    Milestone,
    Project,
    Resource,
    ScenarioSolution,
    StageReview,
    Stakeholder,
)

# What a seeding run reports, in the order the command prints it.
PROCESS_MODELS: tuple[type[models.Model], ...] = (
    Account,
    AccountOwnership,
    Contact,
    Lead,
    Opportunity,
    OpportunityStageChange,
    Activity,
    SolutionRequest,
    Project,
    Milestone,
    Stakeholder,
    Resource,
    StageReview,
    ScenarioSolution,
)


@dataclass
class ProcessReport:
    """How many rows of each process-data model a run created; ``skipped`` if it did nothing."""

    counts: dict[type[models.Model], int] = field(default_factory=dict)
    skipped: bool = False


@transaction.atomic
def seed_demo_process_data(*, until: date) -> ProcessReport:
    """Seed a year of the demo lines' process data ending ``until``; once only."""
    if Account.objects.exists():
        return ProcessReport(skipped=True)
    before = {model: model._default_manager.count() for model in PROCESS_MODELS}
    _line, plan = line_and_plan("smb")
    demo = Demo(until=until, calendar=WorkCalendar(plan.assumptions.get("country") or "CN"))
    seed_smb(demo=demo)
    seed_ka(demo=demo)
    seed_gov(demo=demo)
    demo.log.flush()
    return ProcessReport(
        counts={model: model._default_manager.count() - before[model] for model in PROCESS_MODELS}
    )
