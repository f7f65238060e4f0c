"""Each change path writes the audit history (services, bulk imports, admin); stale saves fail."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from salesmesh.accounts.models import Account
from salesmesh.audit.locking import StaleObject
from salesmesh.audit.models import AuditEntry
from salesmesh.exchange.models import ImportRun
from salesmesh.org.models import Membership, OrgUnit, Role, User
from salesmesh.org.services import membership_create, membership_update
from salesmesh.pipeline.models import Opportunity
from salesmesh.pipeline.services import opportunity_update
from salesmesh.planning.models import PlanStatus, PlanVersion
from salesmesh.planning.services import plan_version_approve, plan_version_save
from salesmesh.projects.models import Milestone
from salesmesh.projects.services import milestone_update
from tests.exchange.test_import_basics import ACCOUNTS_CSV, run, write

pytestmark = pytest.mark.django_db


def _rows(obj) -> list[tuple]:  # type: ignore[no-untyped-def]
    kind = ContentType.objects.get_for_model(obj)
    return list(
        AuditEntry.objects.filter(object_type=kind, object_id=obj.pk)
        .order_by("pk")
        .values_list("field", "old", "new", "by", "source")
    )


def test_an_opportunity_update_records_old_and_new_of_each_watched_field(
    opportunity, rep, rep2, boss
) -> None:  # type: ignore[no-untyped-def]
    opportunity_update(
        opportunity=opportunity,
        by=boss,
        stage="proposal",
        amount=Decimal("250.5"),
        owner=rep2,
        expected_close=date(2025, 6, 30),
        name="不审计的名称",
    )
    assert sorted(_rows(opportunity)) == sorted(
        [
            ("stage", "lead", "proposal", boss.pk, "web"),
            ("amount", "100.00", "250.50", boss.pk, "web"),
            (
                "owner",
                {"id": rep.pk, "label": str(rep)},
                {"id": rep2.pk, "label": str(rep2)},
                boss.pk,
                "web",
            ),
            ("expected_close", None, "2025-06-30", boss.pk, "web"),
        ]
    )


def test_a_stale_opportunity_save_is_refused_and_changes_nothing(opportunity, rep, boss) -> None:  # type: ignore[no-untyped-def]
    opportunity_update(opportunity=opportunity, by=rep, expected_version=1, amount=Decimal(150))
    with pytest.raises(StaleObject):
        opportunity_update(
            opportunity=opportunity, by=boss, expected_version=1, amount=Decimal(999)
        )
    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert (stored.amount, stored.version) == (Decimal("150.00"), 2)
    assert [row[:3] for row in _rows(opportunity)] == [("amount", "100.00", "150.00")]


def test_a_stale_milestone_save_is_refused(milestone, boss) -> None:  # type: ignore[no-untyped-def]
    milestone_update(milestone=milestone, by=boss, expected_version=1, actual_date=date(2025, 3, 2))
    with pytest.raises(StaleObject):
        milestone_update(milestone=milestone, expected_version=1, planned_date=date(2026, 1, 1))
    stored = Milestone.objects.get(pk=milestone.pk)
    assert (stored.planned_date, stored.version) == (date(2025, 3, 1), 2)
    assert _rows(milestone) == [("actual_date", None, "2025-03-02", boss.pk, "web")]


def _plan(line: OrgUnit, by: User, target: str) -> PlanVersion:
    return plan_version_save(
        line=line,
        period_label="FY2026",
        paradigm="behaviour",
        assumptions={"target": target},
        result={},
        by=by,
    )


def test_plan_versions_record_targets_and_each_status_move(east, rep, boss) -> None:  # type: ignore[no-untyped-def]
    head = User.objects.create_user(username="head", password="x")
    first = _plan(east, boss, "100")
    plan_version_approve(version=first, by=head, expected_version=1)
    second = _plan(east, boss, "120")
    with pytest.raises(StaleObject):
        plan_version_approve(version=second, by=head, expected_version=7)
    assert PlanVersion.objects.get(pk=second.pk).status == PlanStatus.DRAFT
    plan_version_approve(version=second, by=head, expected_version=1)

    assert _rows(first) == [
        ("status", None, "draft", boss.pk, "web"),
        ("target", None, "100", boss.pk, "web"),
        ("status", "draft", "approved", head.pk, "web"),
        ("status", "approved", "superseded", head.pk, "web"),
    ]
    assert _rows(second) == [
        ("status", None, "draft", boss.pk, "web"),
        ("target", "100", "120", boss.pk, "web"),
        ("status", "draft", "approved", head.pk, "web"),
    ]
    assert PlanVersion.objects.get(pk=first.pk).version == 3  # approved, then superseded


def test_role_and_team_changes_are_recorded_on_the_person(east, team, rep, boss) -> None:  # type: ignore[no-untyped-def]
    membership = membership_create(user=rep, unit=east, role=Role.SDR, by=boss)
    membership_update(membership=membership, role=Role.BD, by=boss)
    rows = _rows(rep)
    assert [(old and old["role"], new and new["role"]) for _f, old, new, _b, _s in rows] == [
        (None, "sdr"),
        ("sdr", "bd"),
    ]
    assert {row[3] for row in rows} == {boss.pk}


def test_admin_changes_are_recorded_with_source_admin(client, east, team, rep) -> None:  # type: ignore[no-untyped-def]
    admin = User.objects.create_superuser(username="root", password="x")
    client.force_login(admin)
    membership = Membership.objects.get(user=rep, unit=team)
    response = client.post(
        reverse("admin:org_membership_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    ((field, old, new, by, source),) = _rows(rep)
    assert (field, old["unit"], old["role"], new, by, source) == (
        "membership",
        "east-a",
        "rep",
        None,
        admin.pk,
        "admin",
    )


def test_imports_record_in_bulk_with_the_run_id(demo_company, tmp_path) -> None:  # type: ignore[no-untyped-def]
    admin = User.objects.get(username="admin")
    run("accounts", write(tmp_path, "a.csv", ACCOUNTS_CSV), admin)
    deals = (
        "line,external_id,account,name,stage,amount,currency,expected_close,owner\n"
        "ka,O-1,KA-1,扩容,lead,1000,CNY,2026-06-30,bd\n"
        "ka,O-2,KA-2,续约,lead,2000,CNY,2026-06-30,bd\n"
    )
    seeded = AuditEntry.objects.count()  # the demo's plans have their history
    run("opportunities", write(tmp_path, "o.csv", deals), admin)
    assert AuditEntry.objects.count() == seeded  # creations are not changes

    import_run = ImportRun.objects.create(kind="accounts", filename="b.csv", created_by=admin)
    handed = ACCOUNTS_CSV.replace("B,35万,物流,华南,KA-1,bd", "B,35万,物流,华南,KA-1,sdr")
    assert run("accounts", write(tmp_path, "b.csv", handed), admin, run=import_run).ok
    moved = deals.replace("lead,1000", "proposal,1500").replace("lead,2000", "lead,2500")
    deal_run = ImportRun.objects.create(kind="opportunities", filename="p.csv", created_by=admin)
    assert run("opportunities", write(tmp_path, "p.csv", moved), admin, run=deal_run).ok

    ka2 = Account.objects.get(external_id="KA-2")
    ((field, old, new, by, source),) = _rows(ka2)
    assert (field, old["label"], new["id"], by, source) == (
        "owner",
        str(User.objects.get(username="bd")),
        User.objects.get(username="sdr").pk,
        admin.pk,
        "import",
    )
    account_rows = AuditEntry.objects.filter(
        object_type=ContentType.objects.get_for_model(Account), object_id=ka2.pk
    )
    assert list(account_rows.values_list("batch", flat=True)) == [import_run.pk]
    deal_rows = AuditEntry.objects.filter(batch=deal_run.pk)
    assert sorted(deal_rows.values_list("field", "old", "new")) == [
        ("amount", "1000.00", "1500.00"),
        ("amount", "2000.00", "2500.00"),
        ("stage", "lead", "proposal"),
    ]


def test_a_dry_run_import_records_nothing(demo_company, tmp_path) -> None:  # type: ignore[no-untyped-def]
    admin = User.objects.get(username="admin")
    run("accounts", write(tmp_path, "a.csv", ACCOUNTS_CSV), admin)
    seeded = AuditEntry.objects.count()
    handed = ACCOUNTS_CSV.replace("B,35万,物流,华南,KA-1,bd", "B,35万,物流,华南,KA-1,sdr")
    outcome = run("accounts", write(tmp_path, "b.csv", handed), admin, commit=False)
    assert outcome.ok
    assert outcome.updated == 1
    assert AuditEntry.objects.count() == seeded
