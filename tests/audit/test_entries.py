"""The audit row itself: values stored as JSON, immutable through every ORM door and the admin."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from salesmesh.audit.models import AuditEntry, AuditImmutable, AuditSource
from salesmesh.audit.services import AuditBatch, audit_value, record_changes, record_changes_bulk
from salesmesh.org.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def person() -> User:
    return User.objects.create_user(username="ann", password="x", name_en="Ann")


def _entry(person: User) -> AuditEntry:
    (entry,) = record_changes(
        person, {"name_en": "Ann"}, {"name_en": "Anna"}, ["name_en"], by=person
    )
    return entry


def test_values_are_json_exact_amounts_utc_times_and_records_by_id_and_name(person: User) -> None:
    assert audit_value(Decimal("1200.50")) == "1200.50"
    assert audit_value(date(2026, 3, 1)) == "2026-03-01"
    assert audit_value(datetime(2026, 3, 1, 8, tzinfo=UTC)) == "2026-03-01T08:00:00+00:00"
    assert audit_value(person) == {"id": person.pk, "label": str(person)}
    assert audit_value(None) is None


def test_only_changed_fields_are_written_with_who_and_source(person: User) -> None:
    entries = record_changes(
        person,
        {"name_en": "Ann", "name_zh": "安"},
        {"name_en": "Anna", "name_zh": "安"},
        ["name_en", "name_zh"],
        by=person,
        source=AuditSource.ADMIN,
    )
    assert [(e.field, e.old, e.new, e.by_id, e.source) for e in entries] == [
        ("name_en", "Ann", "Anna", person.pk, "admin")
    ]
    stored = AuditEntry.objects.get()
    assert stored.object_type == ContentType.objects.get_for_model(User)
    assert stored.object_id == person.pk
    assert stored.at.utcoffset() is not None


def test_a_batch_collects_and_inserts_at_flush(person: User) -> None:
    batch = AuditBatch(batch=UUID(int=42))
    record_changes(person, {"name_en": "A"}, {"name_en": "B"}, ["name_en"], batch=batch)
    record_changes(person, {"name_en": "B"}, {"name_en": "C"}, ["name_en"], batch=batch)
    assert not AuditEntry.objects.exists()
    batch.flush()
    assert list(AuditEntry.objects.order_by("pk").values_list("new", "batch")) == [
        ("B", UUID(int=42)),
        ("C", UUID(int=42)),
    ]


def test_bulk_variant_is_one_insert(person: User, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    other = User.objects.create_user(username="bob", password="x")
    ContentType.objects.get_for_model(User)  # cached, as in any running process
    with django_assert_num_queries(1):
        record_changes_bulk(
            [
                (person, {"is_active": True}, {"is_active": False}),
                (other, {"is_active": True}, {"is_active": False}),
            ],
            ["is_active"],
        )
    assert AuditEntry.objects.count() == 2


def test_a_stored_row_cannot_be_saved_again(person: User) -> None:
    entry = _entry(person)
    entry.new = "forged"
    with pytest.raises(AuditImmutable):
        entry.save()
    assert AuditEntry.objects.get().new == "Anna"


def test_a_row_cannot_be_deleted(person: User) -> None:
    entry = _entry(person)
    with pytest.raises(AuditImmutable):
        entry.delete()
    assert AuditEntry.objects.count() == 1


def test_queryset_update_and_delete_are_refused(person: User) -> None:
    _entry(person)
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.filter(field="name_en").update(new="forged")
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().new == "Anna"


def test_the_database_refuses_an_update_behind_the_orm(person: User) -> None:
    entry = _entry(person)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET field = 'x' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get().field == "name_en"


def test_a_person_with_history_cannot_be_deleted(person: User) -> None:
    _entry(person)
    with pytest.raises(Exception, match="protected"):
        person.delete()


def test_the_admin_lists_but_never_adds_changes_or_deletes(client, person: User) -> None:  # type: ignore[no-untyped-def]
    entry = _entry(person)
    admin = User.objects.create_superuser(username="root", password="x")
    client.force_login(admin)
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    delete = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])
    client.post(change, {"field": "forged"})
    assert AuditEntry.objects.get().field == "name_en"
