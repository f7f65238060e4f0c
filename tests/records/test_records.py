"""Record pages: lists (search, paging, constant queries) and details, always scoped."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesmesh.accounts.services import account_owner_change, contact_create
from salesmesh.activities.services import activity_create
from salesmesh.org.models import Role
from salesmesh.pipeline.services import lead_create, opportunity_create
from salesmesh.projects.services import (
    milestone_create,
    project_create,
    stage_review_create,
    stakeholder_create,
)
from tests.accounts.factories import make_account, make_line, make_user, shanghai

pytestmark = pytest.mark.django_db

KINDS = ["accounts", "leads", "opportunities", "activities", "projects"]
# The text of the fixture's record that each list shows.
SHOWN = {
    "accounts": "甲客户",
    "leads": "甲线索",
    "opportunities": "甲商机",
    "activities": "甲客户",
    "projects": "甲项目",
}


@pytest.fixture
def line():  # type: ignore[no-untyped-def]
    return make_line("rec")


@pytest.fixture
def manager(line):  # type: ignore[no-untyped-def]
    return make_user("boss", unit=line, role=Role.MANAGER)


@pytest.fixture
def outsider():  # type: ignore[no-untyped-def]
    return make_user("other", unit=make_line("elsewhere"), role=Role.MANAGER)


def make_records(line, owner, prefix: str):  # type: ignore[no-untyped-def]
    account = make_account(line, owner, name=f"{prefix}客户", wallet_potential=Decimal("1234.5"))
    opportunity = opportunity_create(
        line=line,
        account=account,
        name=f"{prefix}商机",
        owner=owner,
        amount=Decimal("99.9"),
        expected_close=date(2025, 6, 30),
        at=shanghai(2025, 1, 2, 9, 30),
    )
    lead = lead_create(
        line=line, source="referral", created_on=date(2025, 1, 3), name=f"{prefix}线索", owner=owner
    )
    activity_create(
        person=owner, type="call", occurred_at=shanghai(2025, 1, 5, 10), account=account
    )
    project = project_create(
        line=line, account=account, name=f"{prefix}项目", contract_value=Decimal(1000)
    )
    return {"account": account, "opportunity": opportunity, "lead": lead, "project": project}


@pytest.fixture
def owner(line):  # type: ignore[no-untyped-def]
    return make_user("alice", unit=line)


@pytest.fixture
def records(line, owner):  # type: ignore[no-untyped-def]
    return make_records(line, owner, "甲")


@pytest.mark.parametrize("kind", KINDS)
def test_list_shows_visible_records_with_export_links(client, manager, records, kind):
    client.force_login(manager)
    response = client.get(reverse("records:list", args=[kind]), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert SHOWN[kind] in html
    assert f"/data/export/{kind}.csv" in html
    assert f"/data/export/{kind}.xlsx" in html


@pytest.mark.parametrize("kind", KINDS)
def test_list_hides_records_of_lines_one_does_not_manage(client, outsider, records, kind):
    client.force_login(outsider)
    response = client.get(reverse("records:list", args=[kind]))
    assert response.status_code == 200
    assert SHOWN[kind] not in response.content.decode()


def test_unknown_kind_is_404(client, manager):
    client.force_login(manager)
    assert client.get(reverse("records:list", args=["nope"])).status_code == 404


def test_money_has_two_decimals(client, manager, records):
    client.force_login(manager)
    html = client.get(
        reverse("records:list", args=["accounts"]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "1234.50" in html or "1,234.50" in html


def test_search_filters(client, manager, line, owner, records):
    make_records(line, owner, "乙")
    client.force_login(manager)
    for kind, hit, miss in [
        ("accounts", "乙客户", "甲客户"),
        ("leads", "乙线索", "甲线索"),
        ("opportunities", "乙商机", "甲商机"),
        ("projects", "乙项目", "甲项目"),
    ]:
        html = client.get(reverse("records:list", args=[kind]), {"q": "乙"}).content.decode()
        assert hit in html, kind
        assert miss not in html, kind


def test_pagination(client, manager, line, owner):
    for i in range(55):
        make_account(line, owner, name=f"acc{i:03d}")
    client.force_login(manager)
    url = reverse("records:list", args=["accounts"])
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert "acc000" in first
    assert "acc054" not in first
    assert "acc054" in second
    assert "acc000" not in second


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("kind", KINDS)
def test_list_query_count_does_not_grow_with_rows(client, manager, line, owner, kind):
    for i in range(3):
        make_records(line, owner, f"a{i}")
    client.force_login(manager)
    url = reverse("records:list", args=[kind])
    count_queries(client, url)  # warm up the session and caches
    few = count_queries(client, url)
    for i in range(27):
        make_records(line, owner, f"b{i}")
    assert count_queries(client, url) == few


def test_account_detail(client, manager, line, owner, records):
    account = records["account"]
    newcomer = make_user("bob", unit=line)
    account_owner_change(account=account, owner=newcomer, by=manager)
    contact_create(account=account, name="张三", title="总监")
    client.force_login(manager)
    response = client.get(reverse("records:account", args=[account.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("甲客户", "张三", "甲商机", "alice", "bob"):
        assert text in html, text


def test_opportunity_detail(client, manager, records):
    client.force_login(manager)
    response = client.get(reverse("records:opportunity", args=[records["opportunity"].pk]))
    assert response.status_code == 200
    assert "甲商机" in response.content.decode()


def test_project_detail(client, manager, records):
    project = records["project"]
    first = milestone_create(
        project=project, name="立项", planned_date=date(2025, 3, 1), owning_role="pmo"
    )
    milestone_create(
        project=project,
        name="招标",
        planned_date=date(2025, 4, 1),
        owning_role="pmo",
        depends_on=[first],
    )
    stakeholder_create(project=project, name="王局长")
    stage_review_create(project=project, held_on=date(2025, 5, 1), what_happened="复盘内容")
    client.force_login(manager)
    response = client.get(reverse("records:project", args=[project.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("甲项目", "立项", "招标", "王局长", "复盘内容"):
        assert text in html, text


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("records:account", "account"),
        ("records:opportunity", "opportunity"),
        ("records:project", "project"),
    ],
)
def test_detail_out_of_scope_is_404(client, outsider, records, name, key):
    client.force_login(outsider)
    assert client.get(reverse(name, args=[records[key].pk])).status_code == 404


def test_data_page_links_to_record_lists(client, manager):
    client.force_login(manager)
    html = client.get(reverse("data")).content.decode()
    for kind in KINDS:
        assert reverse("records:list", args=[kind]) in html
