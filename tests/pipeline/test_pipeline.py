"""Opportunities keep a full stage history; leads and opportunities validate their rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from salesmesh.org.models import Role
from salesmesh.pipeline.models import (
    ForecastCategory,
    LeadSource,
    Opportunity,
    OpportunityStageChange,
    Stage,
)
from salesmesh.pipeline.selectors import (
    leads_visible_to,
    opportunities_visible_to,
    opportunity_stage_history,
)
from salesmesh.pipeline.services import (
    lead_create,
    lead_update,
    opportunity_create,
    opportunity_stage_change,
    opportunity_update,
)
from tests.accounts.factories import make_account, make_line, make_team, make_user, shanghai

pytestmark = pytest.mark.django_db


@pytest.fixture
def line():
    return make_line()


@pytest.fixture
def owner():
    return make_user("seller")


@pytest.fixture
def deal(line, owner):
    return opportunity_create(
        line=line,
        account=make_account(line, owner),
        name="ERP rollout",
        owner=owner,
        by=owner,
        amount=Decimal("120000.00"),
        at=shanghai(2026, 1, 5, 10),
    )


def test_creating_an_opportunity_records_its_first_stage(deal, owner):
    [change] = opportunity_stage_history(opportunity=deal)

    assert (change.from_stage, change.to_stage) == ("", Stage.LEAD)
    assert change.changed_at == datetime(2026, 1, 5, 2, tzinfo=UTC)
    assert change.changed_by == owner


def test_every_stage_change_is_recorded_in_order_with_aware_times(deal, owner):
    path = [Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION, Stage.WON]
    for day, stage in enumerate(path, start=6):
        opportunity_stage_change(opportunity=deal, stage=stage, by=owner, at=shanghai(2026, 1, day))

    history = list(opportunity_stage_history(opportunity=deal))
    assert [(h.from_stage, h.to_stage) for h in history] == list(
        zip(["", Stage.LEAD, *path[:-1]], [Stage.LEAD, *path], strict=True)
    )
    assert all(h.changed_at.tzinfo is not None for h in history)
    assert [h.changed_at for h in history] == sorted(h.changed_at for h in history)
    deal.refresh_from_db()
    assert deal.stage == Stage.WON


def test_an_update_without_a_new_stage_records_nothing(deal):
    opportunity_update(opportunity=deal, amount=Decimal("99.50"), stage=Stage.LEAD)

    assert OpportunityStageChange.objects.filter(opportunity=deal).count() == 1


def test_moving_to_the_current_stage_is_refused(deal):
    with pytest.raises(ValidationError):
        opportunity_stage_change(opportunity=deal, stage=Stage.LEAD)


def test_a_stage_change_cannot_be_dated_before_the_previous_one(deal):
    with pytest.raises(ValidationError):
        opportunity_stage_change(opportunity=deal, stage=Stage.QUALIFIED, at=shanghai(2026, 1, 4))

    deal.refresh_from_db()
    assert deal.stage == Stage.LEAD


def test_naive_stage_times_are_refused(deal):
    with pytest.raises(ValidationError):
        opportunity_stage_change(
            opportunity=deal,
            stage=Stage.QUALIFIED,
            at=datetime(2026, 2, 1),  # noqa: DTZ001 - on purpose
        )


def test_closing_sets_the_forecast_category_and_reopening_resets_it(deal):
    opportunity_stage_change(opportunity=deal, stage=Stage.WON, at=shanghai(2026, 1, 6))
    deal.refresh_from_db()
    assert deal.forecast_category == ForecastCategory.CLOSED

    opportunity_stage_change(opportunity=deal, stage=Stage.NEGOTIATION, at=shanghai(2026, 1, 7))
    deal.refresh_from_db()
    assert deal.forecast_category == ForecastCategory.PIPELINE

    opportunity_update(
        opportunity=deal,
        stage=Stage.LOST,
        forecast_category=ForecastCategory.OMITTED,
        at=shanghai(2026, 1, 8),
    )
    deal.refresh_from_db()
    assert (deal.stage, deal.forecast_category) == (Stage.LOST, ForecastCategory.OMITTED)


def test_the_database_refuses_a_change_that_changes_nothing(deal):
    with pytest.raises(IntegrityError), transaction.atomic():
        OpportunityStageChange.objects.create(
            opportunity=deal, from_stage="won", to_stage="won", changed_at=shanghai(2026, 2, 1)
        )


def test_an_opportunity_is_with_an_account_of_its_line(line, owner):
    foreign = make_account(make_line("other"), owner)

    with pytest.raises(ValidationError):
        opportunity_create(line=line, account=foreign, name="x", owner=owner)
    assert not Opportunity.objects.exists()


def test_currency_is_a_three_letter_code_and_amounts_are_not_negative(line, owner):
    account = make_account(line, owner)
    deal = opportunity_create(line=line, account=account, name="x", owner=owner, currency=" usd ")
    assert deal.currency == "USD"

    for bad in ({"currency": "US"}, {"currency": "U$D"}, {"amount": Decimal("-1")}):
        with pytest.raises(ValidationError):
            opportunity_create(line=line, account=account, name="y", owner=owner, **bad)
    with pytest.raises(IntegrityError), transaction.atomic():
        Opportunity.objects.filter(pk=deal.pk).update(currency="EU")


def test_a_stage_change_costs_a_fixed_number_of_queries(deal, django_assert_max_num_queries):
    # Lock and load, validate (foreign keys, each check constraint in a savepoint),
    # update, read the last change, insert the change: 19 on SQLite and PostgreSQL;
    # plus claiming the version and inserting the audit row (slice C of #6): 21.
    with django_assert_max_num_queries(21):
        opportunity_stage_change(opportunity=deal, stage=Stage.QUALIFIED, at=shanghai(2026, 2, 1))


def test_a_lead_cannot_be_qualified_before_it_was_created(line, owner):
    lead = lead_create(
        line=line, source=LeadSource.BRAND, created_on=date(2026, 3, 1), owner=owner, name="展会"
    )

    with pytest.raises(ValidationError):
        lead_update(lead=lead, qualified_on=date(2026, 2, 28))
    lead_update(lead=lead, status="qualified", qualified_on=date(2026, 3, 2))
    lead.refresh_from_db()
    assert lead.qualified_on == date(2026, 3, 2)


def test_a_lead_source_must_be_known(line):
    with pytest.raises(ValidationError):
        lead_create(line=line, source="billboard", created_on=date(2026, 3, 1))


def test_pipeline_is_scoped_like_accounts(line):
    team = make_team(line, "east")
    rep, other, lead_of_team = (
        make_user(unit=team),
        make_user(),
        make_user(unit=team, role=Role.MANAGER),
    )
    account = make_account(line, rep)
    mine = opportunity_create(line=line, account=account, name="mine", owner=rep)
    opportunity_create(line=line, account=account, name="not mine", owner=other)
    lead_create(line=line, source=LeadSource.REFERRAL, created_on=date(2026, 1, 1), owner=rep)

    assert list(opportunities_visible_to(user=rep)) == [mine]
    assert list(opportunities_visible_to(user=lead_of_team)) == [mine]
    assert leads_visible_to(user=rep).count() == 1
    assert leads_visible_to(user=other).count() == 0
