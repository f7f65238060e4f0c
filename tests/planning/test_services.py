"""Paradigm decisions keep their history; plan versions number, approve and lock."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from salesmesh.org.models import OrgUnit, Paradigm, User
from salesmesh.planning.models import ParadigmChange, PlanStatus, PlanVersion
from salesmesh.planning.services import paradigm_apply, plan_version_approve, plan_version_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def smb(demo_company) -> OrgUnit:
    return OrgUnit.objects.get(code="smb")


@pytest.fixture
def head(demo_company) -> User:
    return User.objects.get(username="head")


def test_applying_a_paradigm_changes_the_line_and_keeps_history(smb, head):
    paradigm_apply(
        line=smb, paradigm=Paradigm.BEHAVIOUR, by=head, indicators={"demand": 300}, scores={}
    )
    paradigm_apply(
        line=smb, paradigm=Paradigm.PROBABILITY, by=head, indicators={"demand": 9000}, scores={}
    )

    smb.refresh_from_db()
    assert smb.paradigm == Paradigm.PROBABILITY
    history = list(ParadigmChange.objects.filter(unit=smb).order_by("pk"))
    assert [(c.previous, c.paradigm) for c in history] == [
        (Paradigm.PROBABILITY, Paradigm.BEHAVIOUR),
        (Paradigm.BEHAVIOUR, Paradigm.PROBABILITY),
    ]
    assert history[1].indicators == {"demand": 9000}
    assert history[1].changed_by == head


def test_only_business_lines_take_a_paradigm(head, demo_company):
    team = OrgUnit.objects.get(code="smb-east")
    with pytest.raises(ValidationError):
        paradigm_apply(line=team, paradigm=Paradigm.PROJECT, by=head, indicators={}, scores={})
    assert not ParadigmChange.objects.exists()


def save(line: OrgUnit, by: User, target: int) -> PlanVersion:
    return plan_version_save(
        line=line,
        period_label="FY2026",
        paradigm=Paradigm.PROBABILITY,
        assumptions={"target": target},
        result={},
        by=by,
    )


def test_versions_are_numbered_per_line_and_period(smb, head):
    assert [save(smb, head, t).number for t in (100, 110, 120)] == [1, 2, 3]
    other = plan_version_save(
        line=smb, period_label="FY2027", paradigm="probability", assumptions={}, result={}, by=head
    )
    assert other.number == 1


def test_approving_locks_and_supersedes_the_previous_approval(smb, head):
    first, second = save(smb, head, 100), save(smb, head, 110)
    admin = User.objects.get(username="admin")

    plan_version_approve(version=first, by=admin)
    plan_version_approve(version=second, by=admin)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (PlanStatus.SUPERSEDED, PlanStatus.APPROVED)
    assert second.approved_by == admin
    with pytest.raises(ValidationError):
        plan_version_approve(version=second, by=admin)


def test_database_refuses_two_approved_versions(smb, head):
    first, second = save(smb, head, 100), save(smb, head, 110)
    plan_version_approve(version=first, by=User.objects.get(username="admin"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanVersion.objects.filter(pk=second.pk).update(status=PlanStatus.APPROVED)


def test_nobody_approves_their_own_draft(smb, head):
    draft = save(smb, head, 100)
    with pytest.raises(ValidationError):
        plan_version_approve(version=draft, by=head)
    draft.refresh_from_db()
    assert draft.status == PlanStatus.DRAFT
