"""The demo company: its shape, determinism and idempotence."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command

from salesmesh.demo.seed import (
    DEMO_PASSWORD,
    DEMO_SEED,
    build_people,
    seed_demo_company,
)
from salesmesh.org.models import ExamResult, Membership, OrgUnit, Paradigm, Role, User
from salesmesh.org.services import unit_create
from salesmesh.planning.models import PlanStatus, PlanVersion

pytestmark = pytest.mark.django_db

ORG_MODELS = (
    "org.User",
    "org.OrgUnit",
    "org.Membership",
    "org.ExamResult",
    "planning.PlanVersion",
)


def snapshot() -> str:
    """Every org row, serialised in primary-key order."""
    rows = []
    for label in ORG_MODELS:
        model = apps.get_model(label)
        rows.extend(model.objects.order_by("pk"))
    return serializers.serialize("json", rows)


def test_seeding_twice_changes_nothing():
    first = seed_demo_company()
    before = snapshot()

    second = seed_demo_company()

    assert first.created > 200
    assert (second.created, second.updated) == (0, 0)
    assert snapshot() == before


def test_seed_repairs_a_deleted_piece_without_touching_the_rest():
    seed_demo_company()
    rep = User.objects.get(username="rep")
    rep.exam_results.all().delete()
    exams_kept = ExamResult.objects.count()

    report = seed_demo_company()

    assert report.created == len(
        next(p for p in build_people(random.Random(DEMO_SEED)) if p.username == "rep").exams
    )
    assert ExamResult.objects.count() > exams_kept


def test_only_if_empty_leaves_a_used_database_alone():
    unit_create(parent=None, code="mine", name_zh="我的公司", kind="company")

    report = seed_demo_company(only_if_empty=True)

    assert report.skipped
    assert list(OrgUnit.objects.values_list("code", flat=True)) == ["mine"]


def test_layout_is_deterministic():
    assert build_people(random.Random(DEMO_SEED)) == build_people(random.Random(DEMO_SEED))


def test_three_business_lines_one_per_paradigm(demo_company):
    lines = dict(OrgUnit.objects.filter(kind="business_line").values_list("code", "paradigm"))
    assert lines == {
        "smb": Paradigm.PROBABILITY,
        "ka": Paradigm.BEHAVIOUR,
        "gov": Paradigm.PROJECT,
    }


def test_smb_has_about_twenty_reps_with_varied_tenure_and_exams(demo_company):
    reps = User.objects.filter(memberships__role=Role.REP).distinct()
    assert 18 <= reps.count() <= 22
    assert len({rep.hire_date.year for rep in reps}) >= 4
    assert all(rep.exam_results.exists() for rep in reps)
    outcomes = Counter(ExamResult.objects.filter(user__in=reps).values_list("passed", flat=True))
    assert outcomes[True] > 0
    assert outcomes[False] > 0


def test_every_role_has_exactly_one_demo_login(demo_company, client):
    logins = User.objects.exclude(password__startswith="!")
    roles = Counter(Membership.objects.filter(user__in=logins).values_list("role", flat=True))
    assert set(roles) == set(Role.values)
    assert roles[Role.MANAGER] == 2  # the head of sales and the SMB line manager
    for user in logins:
        assert client.login(username=user.username, password=DEMO_PASSWORD), user.username


def test_people_have_chinese_and_english_names(demo_company):
    people = User.objects.exclude(username="admin")
    assert all(p.name_zh and p.name_en for p in people)
    assert len({p.name_zh for p in people}) == people.count()


def test_every_team_and_line_has_a_manager(demo_company):
    assert not OrgUnit.objects.filter(kind__in=["company", "business_line"], manager=None).exists()
    smb_teams = OrgUnit.objects.filter(code__startswith="smb-")
    assert all(team.manager_id for team in smb_teams)


def test_command_prints_the_logins(capsys):
    # The logins are printed either way; a year of process data would only slow the test.
    call_command("seed_demo", "--no-process-data")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    for username in (
        "admin",
        "head",
        "manager",
        "rep",
        "sdr",
        "bd",
        "presales",
        "postsales",
        "pmo",
        "business",
        "solution",
    ):
        assert f"  {username} " in out

    call_command("seed_demo", "--if-empty")
    assert "left as it is" in capsys.readouterr().out


def test_each_business_line_has_an_approved_plan(demo_company):
    for line in OrgUnit.objects.filter(kind="business_line"):
        approved = PlanVersion.objects.get(unit=line, status=PlanStatus.APPROVED)
        assert approved.paradigm == line.paradigm
        assert approved.approved_by.username == "head"
        assert approved.result["feasible"] is True, line.code
        assert approved.result["tree"]["children"]
