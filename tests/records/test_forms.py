"""Record forms: create and edit through the services, scoped choices, errors on fields.

Edit posts start from what the page's form would submit (read back from the
rendered HTML, disabled fields left out as a browser does), so the round trip
of dates, times and amounts is tested as users meet it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.text import capfirst

from salesmesh.accounts.models import Account, AccountOwnership, Contact
from salesmesh.accounts.services import contact_create
from salesmesh.activities.models import Activity, ActivityDailyRollup, SolutionRequest
from salesmesh.activities.services import activity_create, solution_request_create
from salesmesh.org.models import Role
from salesmesh.pipeline.models import Lead, Opportunity, OpportunityStageChange
from salesmesh.pipeline.services import lead_create, opportunity_create
from salesmesh.projects.models import Milestone, Project, Resource, StageReview, Stakeholder
from salesmesh.projects.services import (
    milestone_create,
    project_create,
    resource_create,
    stage_review_create,
    stakeholder_create,
)
from tests.accounts.factories import make_account, make_line, make_team, make_user, shanghai

pytestmark = pytest.mark.django_db


# What a browser submits -----------------------------------------------------------------


class _FormReader(HTMLParser):
    """The values a browser would submit from the page's record form (``form-stack``)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.values: dict[str, list[str]] = {}
        self.select: dict[str, Any] | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = "form-stack" in (a.get("class") or "")
            return
        if not self.inside or "disabled" in a:
            return
        name = a.get("name") or ""
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.setdefault(name, []).append(a.get("value") or "on")
            elif kind not in ("submit", "button"):
                self.values.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select":
            self.select = {"name": name, "multiple": "multiple" in a, "chosen": [], "first": None}
        elif tag == "option" and self.select is not None:
            value = a.get("value") or ""
            if self.select["first"] is None:
                self.select["first"] = value
            if "selected" in a:
                self.select["chosen"].append(value)
        elif tag == "textarea":
            self.textarea = name
            self.values[name] = [""]

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.values[self.textarea][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = self.select["chosen"]
            if not chosen and not self.select["multiple"]:
                chosen = [self.select["first"]]
            self.values[self.select["name"]] = chosen
            self.select = None
        elif tag == "textarea" and self.textarea:
            # The HTML parser keeps the newline a browser drops after <textarea>.
            self.values[self.textarea][0] = self.values[self.textarea][0].removeprefix("\n")
            self.textarea = None


def submitted(client, url: str, **changes: Any) -> dict[str, Any]:
    """The form at ``url`` as a browser would post it, with ``changes`` typed in."""
    response = client.get(url)
    assert response.status_code == 200
    reader = _FormReader()
    reader.feed(response.content.decode())
    data: dict[str, Any] = dict(reader.values)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)  # an unticked checkbox
        else:
            data[name] = value
    return data


def post_form(client, url: str, **changes: Any):  # type: ignore[no-untyped-def]
    return client.post(url, submitted(client, url, **changes))


# The org: two lines; a manager, two reps and presales in one, a manager of the other ------


@pytest.fixture
def east():  # type: ignore[no-untyped-def]
    return make_line("east")


@pytest.fixture
def west():  # type: ignore[no-untyped-def]
    return make_line("west")


@pytest.fixture
def team(east):  # type: ignore[no-untyped-def]
    return make_team(east, "east-a")


@pytest.fixture
def boss(east):  # type: ignore[no-untyped-def]
    return make_user("boss", unit=east, role=Role.MANAGER)


@pytest.fixture
def rep(team):  # type: ignore[no-untyped-def]
    return make_user("rep", unit=team)


@pytest.fixture
def rep2(team):  # type: ignore[no-untyped-def]
    return make_user("rep2", unit=team)


@pytest.fixture
def presales(team):  # type: ignore[no-untyped-def]
    return make_user("presales", unit=team, role=Role.PRESALES)


@pytest.fixture
def outsider(west):  # type: ignore[no-untyped-def]
    return make_user("outsider", unit=west, role=Role.MANAGER)


@pytest.fixture
def account(east, rep):  # type: ignore[no-untyped-def]
    return make_account(east, rep, name="甲客户")


@pytest.fixture
def opportunity(east, account, rep):  # type: ignore[no-untyped-def]
    return opportunity_create(
        line=east,
        account=account,
        name="甲商机",
        owner=rep,
        amount=Decimal(100),
        at=shanghai(2025, 1, 2, 9),
    )


@pytest.fixture
def project(east, account):  # type: ignore[no-untyped-def]
    return project_create(line=east, account=account, name="甲项目", contract_value=Decimal(1000))


@pytest.fixture
def milestone(project):  # type: ignore[no-untyped-def]
    return milestone_create(
        project=project, name="立项", planned_date=date(2025, 3, 1), owning_role="pmo"
    )


def url(name: str, *args: Any) -> str:
    return reverse(f"records:{name}", args=args)


def errors_of(response, field: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """The form's errors on ``field`` (None: above the form) as the page shows them."""
    form = response.context["form"]
    return list(form.non_field_errors() if field is None else form.errors.get(field, []))


def count_queries(client, address: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(address).status_code == 200
    return len(ctx.captured_queries)


# Accounts ---------------------------------------------------------------------------------


def test_rep_creates_an_account_owned_by_themselves_whatever_the_post_says(client, east, rep, rep2):
    client.force_login(rep)
    response = post_form(
        client,
        url("account_new"),
        line=str(east.pk),
        name="新客户",
        owner=str(rep2.pk),  # forged: the field is disabled for a rep
        wallet_potential="1.2万",
    )
    account = Account.objects.get(name="新客户")
    assert response.status_code == 302
    assert response.url == url("account", account.pk)
    assert account.owner == rep
    assert account.wallet_potential == Decimal(12000)
    ownership = AccountOwnership.objects.get(account=account)
    assert (ownership.owner, ownership.changed_by, ownership.ended_at) == (rep, rep, None)


def test_rep_form_offers_only_their_lines_themselves_and_their_accounts(
    client, east, west, rep, rep2, account
):
    make_account(east, rep2, name="同事客户")
    make_account(west, make_user(unit=west), name="别线客户")
    client.force_login(rep)
    html = client.get(url("account_new")).content.decode()
    assert east.display_name in html
    assert west.display_name not in html
    assert "甲客户" in html  # their own account, as a referrer
    assert "同事客户" not in html
    assert "别线客户" not in html
    assert ">rep2<" not in html


def test_manager_creates_an_account_for_one_of_their_people(client, east, boss, rep2):
    client.force_login(boss)
    response = post_form(
        client, url("account_new"), line=str(east.pk), name="分配客户", owner=str(rep2.pk)
    )
    assert response.status_code == 302
    account = Account.objects.get(name="分配客户")
    assert account.owner == rep2
    assert AccountOwnership.objects.get(account=account).changed_by == boss


def test_a_line_or_person_out_of_scope_is_an_invalid_choice(client, west, boss, outsider):
    client.force_login(boss)
    before = Account.objects.count()
    response = post_form(
        client, url("account_new"), line=str(west.pk), name="越界", owner=str(outsider.pk)
    )
    assert response.status_code == 200
    assert errors_of(response, "line")
    assert errors_of(response, "owner")
    assert Account.objects.count() == before


def test_invalid_account_post_shows_field_errors_and_writes_nothing(client, east, rep):
    client.force_login(rep)
    before = (Account.objects.count(), AccountOwnership.objects.count())
    response = post_form(
        client, url("account_new"), line=str(east.pk), name="", wallet_potential="很多"
    )
    assert response.status_code == 200
    assert errors_of(response, "name")
    assert errors_of(response, "wallet_potential")
    assert 'class="field has-error"' in response.content.decode()
    assert (Account.objects.count(), AccountOwnership.objects.count()) == before


def test_manager_changes_the_owner_and_the_history_records_it(client, boss, rep, rep2, account):
    client.force_login(boss)
    response = post_form(client, url("account_edit", account.pk), owner=str(rep2.pk), tier="A")
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.owner, account.tier) == (rep2, "A")
    history = list(account.ownerships.order_by("started_at", "pk"))
    assert [(h.owner, h.ended_at is None) for h in history] == [(rep, False), (rep2, True)]
    assert history[1].changed_by == boss
    page = client.get(url("account", account.pk)).content.decode()
    assert "rep2" in page  # the ownership history on the account page


def test_forged_owner_change_by_a_rep_is_ignored(client, rep, rep2, account):
    client.force_login(rep)
    response = post_form(client, url("account_edit", account.pk), owner=str(rep2.pk), region="华东")
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.owner == rep
    assert account.region == "华东"
    assert account.ownerships.count() == 1


def test_referral_loop_is_shown_on_the_referred_by_field(client, east, rep, account):
    referred = make_account(east, rep, name="被推荐", referred_by=account)
    client.force_login(rep)
    response = post_form(client, url("account_edit", account.pk), referred_by=str(referred.pk))
    assert response.status_code == 200
    assert errors_of(response, "referred_by")
    account.refresh_from_db()
    assert account.referred_by is None


def test_editing_a_colleagues_account_is_404(client, east, rep, rep2, outsider, account):
    theirs = make_account(east, rep2, name="同事客户")
    client.force_login(rep)
    assert client.get(url("account_edit", theirs.pk)).status_code == 404
    assert client.post(url("account_edit", theirs.pk), {"name": "x"}).status_code == 404
    client.force_login(outsider)
    assert client.get(url("account_edit", account.pk)).status_code == 404
    assert client.post(url("account_contact_new", account.pk), {"name": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "同事客户"
    assert not Contact.objects.exists()


# Contacts ---------------------------------------------------------------------------------


def test_contact_added_and_edited_on_the_account_page(client, rep, account):
    client.force_login(rep)
    page = client.get(url("account", account.pk)).content.decode()
    assert url("account_contact_new", account.pk) in page  # the form is on the account page
    response = client.post(
        url("account_contact_new", account.pk),
        {"name": "张三", "title": "总监", "buying_role": "champion", "influence": "4",
         "attitude": "supporter"},
    )  # fmt: skip
    assert response.status_code == 302
    contact = Contact.objects.get(name="张三")
    assert (contact.account, contact.influence, contact.buying_role) == (account, 4, "champion")
    response = post_form(client, url("contact_edit", contact.pk), title="副总裁")
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.title == "副总裁"


def test_invalid_contact_shows_the_field_error(client, rep, account):
    client.force_login(rep)
    response = post_form(client, url("account_contact_new", account.pk), name="李四", influence="9")
    assert response.status_code == 200
    assert errors_of(response, "influence")
    assert not Contact.objects.exists()


def test_contact_list_and_its_new_contact_form_are_scoped(client, east, rep, rep2, account):
    theirs = make_account(east, rep2, name="同事客户")
    other = contact_create(account=theirs, name="同事联系人")
    contact_create(account=account, name="我的联系人")
    client.force_login(rep)
    listing = client.get(url("list", "contacts")).content.decode()
    assert "我的联系人" in listing
    assert "同事联系人" not in listing
    assert url("contact_new") in listing
    response = post_form(client, url("contact_new"), account=str(theirs.pk), name="越界")
    assert response.status_code == 200
    assert errors_of(response, "account")
    assert client.get(url("contact_edit", other.pk)).status_code == 404
    response = post_form(client, url("contact_new"), account=str(account.pk), name="新联系人")
    assert response.status_code == 302
    assert Contact.objects.get(name="新联系人").account == account


# Leads ------------------------------------------------------------------------------------


def test_lead_created_and_qualified(client, east, rep, rep2, account):
    client.force_login(rep)
    response = post_form(
        client,
        url("lead_new"),
        line=str(east.pk),
        name="展会线索",
        source="brand",
        created_on="2025-02-01",
        account=str(account.pk),
        owner=str(rep2.pk),  # forged
    )
    assert response.status_code == 302
    lead = Lead.objects.get(name="展会线索")
    assert (lead.owner, lead.account, lead.created_on) == (rep, account, date(2025, 2, 1))
    response = post_form(
        client, url("lead_edit", lead.pk), status="qualified", qualified_on="2025-02-10"
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.qualified_on) == ("qualified", date(2025, 2, 10))


def test_lead_errors_from_form_and_service_land_on_their_fields(client, east, west, boss):
    elsewhere = make_account(west, boss, name="别线客户")  # visible to boss: boss owns it
    client.force_login(boss)
    response = post_form(client, url("lead_new"), line=str(east.pk), source="")
    assert response.status_code == 200
    assert errors_of(response, "source")
    response = post_form(
        client, url("lead_new"), line=str(east.pk), source="brand", account=str(elsewhere.pk)
    )
    assert response.status_code == 200
    assert errors_of(response, "account")  # raised by the service: another line
    assert not Lead.objects.exists()


def test_editing_a_colleagues_lead_is_404(client, east, rep, rep2):
    lead = lead_create(line=east, source="brand", created_on=date(2025, 1, 1), owner=rep2)
    client.force_login(rep)
    assert client.get(url("lead_edit", lead.pk)).status_code == 404
    assert client.post(url("lead_edit", lead.pk), {"status": "converted"}).status_code == 404
    lead.refresh_from_db()
    assert lead.status == "new"


# Opportunities ----------------------------------------------------------------------------


def test_opportunity_created_with_its_first_stage_in_the_history(client, east, rep, account):
    client.force_login(rep)
    response = post_form(
        client,
        url("opportunity_new") + f"?account={account.pk}",
        line=str(east.pk),
        name="新商机",
        amount="12,000",
        stage="won",
        expected_close="2025-06-30",
    )
    assert response.status_code == 302
    deal = Opportunity.objects.get(name="新商机")
    assert (deal.account, deal.owner, deal.amount) == (account, rep, Decimal(12000))
    assert deal.forecast_category == "closed"  # left at its default: derived from the stage
    history = list(OpportunityStageChange.objects.filter(opportunity=deal))
    assert [(h.from_stage, h.to_stage, h.changed_by) for h in history] == [("", "won", rep)]


def test_stage_change_through_the_form_is_in_the_stage_history(client, rep, opportunity):
    client.force_login(rep)
    response = post_form(client, url("opportunity_edit", opportunity.pk), stage="proposal")
    assert response.status_code == 302
    assert response.url == url("opportunity", opportunity.pk)
    moves = list(
        OpportunityStageChange.objects.filter(opportunity=opportunity).order_by("changed_at")
    )
    assert [(m.from_stage, m.to_stage) for m in moves] == [("", "lead"), ("lead", "proposal")]
    assert moves[-1].changed_by == rep
    opportunity.refresh_from_db()
    assert opportunity.stage == "proposal"
    assert opportunity.amount == Decimal(100)  # unchanged fields survive the round trip


def test_saving_an_unchanged_opportunity_records_no_stage_change(client, rep, opportunity):
    client.force_login(rep)
    assert post_form(client, url("opportunity_edit", opportunity.pk)).status_code == 302
    assert OpportunityStageChange.objects.filter(opportunity=opportunity).count() == 1


def test_forged_opportunity_owner_change_by_a_rep_is_ignored(client, rep, rep2, opportunity):
    client.force_login(rep)
    response = post_form(
        client, url("opportunity_edit", opportunity.pk), owner=str(rep2.pk), name="改名"
    )
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.owner, opportunity.name) == (rep, "改名")


def test_manager_reassigns_an_opportunity(client, boss, rep2, opportunity):
    client.force_login(boss)
    assert (
        post_form(client, url("opportunity_edit", opportunity.pk), owner=str(rep2.pk)).status_code
        == 302
    )
    opportunity.refresh_from_db()
    assert opportunity.owner == rep2


def test_invalid_opportunity_shows_field_errors_and_writes_nothing(client, rep, opportunity):
    client.force_login(rep)
    response = post_form(
        client, url("opportunity_edit", opportunity.pk), amount="lots", currency="yuan", stage="won"
    )
    assert response.status_code == 200
    assert errors_of(response, "amount")
    assert errors_of(response, "currency")
    opportunity.refresh_from_db()
    assert opportunity.stage == "lead"
    assert OpportunityStageChange.objects.filter(opportunity=opportunity).count() == 1


def test_rep_editing_another_reps_opportunity_is_404(client, east, rep, rep2):
    theirs = opportunity_create(
        line=east, account=make_account(east, rep2), name="别人的商机", owner=rep2
    )
    client.force_login(rep)
    assert client.get(url("opportunity_edit", theirs.pk)).status_code == 404
    assert client.post(url("opportunity_edit", theirs.pk), {"stage": "won"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.stage == "lead"


# Activities -------------------------------------------------------------------------------


def rollups() -> dict[tuple[int, date, str], tuple[int, int]]:
    return {
        (r.person_id, r.day, r.type): (r.attempts, r.reached)
        for r in ActivityDailyRollup.objects.all()
    }


def test_activity_logged_on_the_opportunity_page_counts_in_the_rollups(
    client, rep, rep2, opportunity
):
    client.force_login(rep)
    page = client.get(url("opportunity", opportunity.pk)).content.decode()
    assert url("activity_new") in page
    before = rollups()
    response = post_form(
        client,
        url("activity_new") + f"?opportunity={opportunity.pk}",
        type="visit",
        occurred_at="2025-01-06T00:30",  # Shanghai wall clock: still 5 January in UTC
        reached="on",
        person=str(rep2.pk),  # forged
    )
    assert response.status_code == 302
    assert response.url == url("opportunity", opportunity.pk)
    activity = Activity.objects.get()
    assert activity.person == rep
    assert activity.occurred_at == datetime(2025, 1, 5, 16, 30, tzinfo=UTC)
    assert activity.account == opportunity.account  # filled from the deal by the service
    assert before == {}
    assert rollups() == {(rep.pk, date(2025, 1, 6), "visit"): (1, 1)}


def test_activity_edit_moves_its_count_between_rollup_rows(client, rep, account):
    activity = activity_create(
        person=rep, type="call", occurred_at=shanghai(2025, 1, 5, 10), account=account
    )
    client.force_login(rep)
    edit = url("activity_edit", activity.pk)
    assert 'value="2025-01-05T10:00"' in client.get(edit).content.decode()  # local wall clock
    response = post_form(client, edit, type="meeting", occurred_at="2025-01-07T09:00")
    assert response.status_code == 302
    assert rollups() == {(rep.pk, date(2025, 1, 7), "meeting"): (1, 0)}


def test_invalid_activity_writes_nothing(client, east, rep, account, opportunity):
    elsewhere = make_account(east, rep, name="另一客户")
    client.force_login(rep)
    response = post_form(client, url("activity_new"), type="call", duration_minutes="5000")
    assert response.status_code == 200
    assert errors_of(response, "duration_minutes")
    response = post_form(
        client,
        url("activity_new"),
        type="call",
        account=str(elsewhere.pk),
        opportunity=str(opportunity.pk),
    )
    assert response.status_code == 200
    assert errors_of(response, "opportunity")  # the service: the deal is another account's
    assert not Activity.objects.exists()
    assert rollups() == {}


def test_activity_delete_asks_first_and_takes_it_out_of_the_rollups(client, rep, account):
    activity = activity_create(
        person=rep, type="call", occurred_at=shanghai(2025, 1, 5, 10), account=account
    )
    client.force_login(rep)
    delete = url("activity_delete", activity.pk)
    assert delete in client.get(url("activity_edit", activity.pk)).content.decode()
    confirm = client.get(delete)
    assert confirm.status_code == 200
    assert Activity.objects.filter(pk=activity.pk).exists()  # a GET only asks
    response = client.post(delete)
    assert response.status_code == 302
    assert not Activity.objects.filter(pk=activity.pk).exists()
    assert rollups() == {}


def test_activity_of_a_colleague_cannot_be_edited_or_deleted(client, rep, rep2, account):
    theirs = activity_create(person=rep2, type="call", occurred_at=shanghai(2025, 1, 5, 10))
    client.force_login(rep)
    assert client.get(url("activity_edit", theirs.pk)).status_code == 404
    assert client.post(url("activity_delete", theirs.pk)).status_code == 404
    assert Activity.objects.filter(pk=theirs.pk).exists()
    assert rollups() == {(rep2.pk, date(2025, 1, 5), "call"): (1, 0)}


# Solution requests ------------------------------------------------------------------------


def test_solution_request_created_listed_shown_and_advanced(
    client, boss, presales, account, opportunity
):
    client.force_login(boss)
    response = post_form(
        client,
        url("solution_request_new") + f"?opportunity={opportunity.pk}",
        account=str(account.pk),
        presales_owner=str(presales.pk),
        requested_at="2025-02-01T09:00",
    )
    assert response.status_code == 302
    solution = SolutionRequest.objects.get()
    assert response.url == url("solution_request", solution.pk)
    assert (solution.presales_owner, solution.opportunity) == (presales, opportunity)
    # The presales owner sees it, and records the response although the account is not theirs.
    client.force_login(presales)
    assert "甲客户" in client.get(url("list", "solution_requests")).content.decode()
    assert client.get(url("solution_request", solution.pk)).status_code == 200
    response = post_form(
        client, url("solution_request_edit", solution.pk), responded_at="2025-02-02T10:00"
    )
    assert response.status_code == 302
    solution.refresh_from_db()
    assert solution.responded_at == shanghai(2025, 2, 2, 10)


def test_solution_request_steps_out_of_order_are_refused(client, presales, account):
    solution = solution_request_create(
        account=account, presales_owner=presales, requested_at=shanghai(2025, 2, 1, 9)
    )
    client.force_login(presales)
    response = post_form(
        client, url("solution_request_edit", solution.pk), responded_at="2025-01-01T09:00"
    )
    assert response.status_code == 200
    assert errors_of(response)  # the steps' order is a rule of the whole record
    solution.refresh_from_db()
    assert solution.responded_at is None


def test_another_presales_request_is_404(client, team, presales, account):
    colleague = make_user("presales2", unit=team, role=Role.PRESALES)
    solution = solution_request_create(
        account=account, presales_owner=colleague, requested_at=shanghai(2025, 2, 1, 9)
    )
    client.force_login(presales)
    assert client.get(url("solution_request", solution.pk)).status_code == 404
    assert client.get(url("solution_request_edit", solution.pk)).status_code == 404


# Projects and their parts -----------------------------------------------------------------


def test_project_created_and_edited(client, east, rep, account):
    client.force_login(rep)
    response = post_form(
        client,
        url("project_new") + f"?account={account.pk}",
        line=str(east.pk),
        name="智慧园区",
        contract_value="1.2亿",
    )
    assert response.status_code == 302
    project = Project.objects.get(name="智慧园区")
    assert (project.account, project.contract_value) == (account, Decimal(120_000_000))
    response = post_form(client, url("project_edit", project.pk), customer_goal="降本")
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.customer_goal == "降本"
    assert project.contract_value == Decimal(120_000_000)


def test_project_account_of_another_line_is_a_field_error(client, west, boss, project):
    elsewhere = make_account(west, boss, name="别线客户")
    client.force_login(boss)
    response = post_form(client, url("project_edit", project.pk), account=str(elsewhere.pk))
    assert response.status_code == 200
    assert errors_of(response, "account")
    project.refresh_from_db()
    assert project.account.name == "甲客户"


def test_milestones_with_dependencies_and_a_refused_cycle(client, rep, project, milestone):
    client.force_login(rep)
    assert (
        url("milestone_new", project.pk) in client.get(url("project", project.pk)).content.decode()
    )
    response = post_form(
        client,
        url("milestone_new", project.pk),
        name="招标",
        planned_date="2025-04-01",
        owning_role="business",
        depends_on=[str(milestone.pk)],
    )
    assert response.status_code == 302
    tender = Milestone.objects.get(name="招标")
    assert list(tender.depends_on.all()) == [milestone]
    # 立项 depending on 招标 closes a loop: refused on the field, and nothing else changes.
    response = post_form(
        client, url("milestone_edit", milestone.pk), name="立项改", depends_on=[str(tender.pk)]
    )
    assert response.status_code == 200
    assert errors_of(response, "depends_on")
    milestone.refresh_from_db()
    assert milestone.name == "立项"
    assert not milestone.depends_on.exists()


def test_milestone_revenue_over_the_contract_is_refused(client, rep, project, milestone):
    milestone_create(
        project=project,
        name="验收",
        planned_date=date(2025, 9, 1),
        owning_role="pmo",
        revenue_share=Decimal("0.8"),
        revenue_kind="acceptance",
    )
    client.force_login(rep)
    response = post_form(
        client, url("milestone_edit", milestone.pk), revenue_share="0.5", revenue_kind="payment"
    )
    assert response.status_code == 200
    assert errors_of(response, "revenue_share")
    milestone.refresh_from_db()
    assert milestone.revenue_share == 0


def test_stakeholder_created_and_edited_with_a_milestone_of_the_project(
    client, east, rep, account, project, milestone
):
    foreign = milestone_create(
        project=project_create(line=east, account=account, name="乙项目"),
        name="别的里程碑",
        planned_date=date(2025, 3, 1),
        owning_role="pmo",
    )
    client.force_login(rep)
    response = post_form(
        client,
        url("stakeholder_new", project.pk),
        name="王局长",
        influence="5",
        milestone=str(foreign.pk),
    )
    assert response.status_code == 200
    assert errors_of(response, "milestone")  # only this project's milestones are choices
    response = post_form(
        client, url("stakeholder_new", project.pk), name="王局长", milestone=str(milestone.pk)
    )
    assert response.status_code == 302
    stakeholder = Stakeholder.objects.get()
    assert stakeholder.milestone == milestone
    response = post_form(client, url("stakeholder_edit", stakeholder.pk), attitude="supporter")
    assert response.status_code == 302
    stakeholder.refresh_from_db()
    assert stakeholder.attitude == "supporter"


def test_resource_created_and_edited(client, rep, project, milestone):
    client.force_login(rep)
    response = post_form(
        client,
        url("resource_new", project.pk),
        milestone=str(milestone.pk),
        kind="integration",
        lead_time_days="10",
    )
    assert response.status_code == 302
    resource = Resource.objects.get()
    assert (resource.milestone, resource.lead_time_days) == (milestone, 10)
    response = post_form(client, url("resource_edit", resource.pk), ready_date="2025-02-20")
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.ready_date == date(2025, 2, 20)
    response = post_form(client, url("resource_edit", resource.pk), lead_time_days="-1")
    assert response.status_code == 200
    assert errors_of(response, "lead_time_days")


def test_stage_review_created_edited_and_required_text(client, rep, project):
    client.force_login(rep)
    response = post_form(client, url("review_new", project.pk), what_happened="")
    assert response.status_code == 200
    assert errors_of(response, "what_happened")
    assert not StageReview.objects.exists()
    response = post_form(
        client, url("review_new", project.pk), held_on="2025-05-01", what_happened="复盘"
    )
    assert response.status_code == 302
    review = StageReview.objects.get()
    response = post_form(client, url("review_edit", review.pk), gaps="资源不足")
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.held_on, review.gaps) == (date(2025, 5, 1), "资源不足")


def test_parts_of_a_project_out_of_scope_are_404(client, outsider, project, milestone):
    stakeholder = stakeholder_create(project=project, name="王局长")
    resource = resource_create(milestone=milestone, kind="product")
    review = stage_review_create(project=project, held_on=date(2025, 5, 1), what_happened="x")
    client.force_login(outsider)
    for address in [
        url("project_edit", project.pk),
        url("milestone_new", project.pk),
        url("milestone_edit", milestone.pk),
        url("stakeholder_new", project.pk),
        url("stakeholder_edit", stakeholder.pk),
        url("resource_new", project.pk),
        url("resource_edit", resource.pk),
        url("review_new", project.pk),
        url("review_edit", review.pk),
    ]:
        assert client.get(address).status_code == 404, address
        assert client.post(address, {"name": "x", "what_happened": "x"}).status_code == 404
    assert Milestone.objects.count() == 1
    assert StageReview.objects.get().what_happened == "x"


# Pages, languages, links and query counts -------------------------------------------------

# Each form page with one of its labels (a model field's verbose name).
FORM_PAGES = [
    ("account_new", None, Account, "wallet_potential"),
    ("account_edit", "account", Account, "referred_by"),
    ("contact_new", None, Contact, "buying_role"),
    ("account_contact_new", "account", Contact, "attitude"),
    ("lead_new", None, Lead, "source"),
    ("opportunity_new", None, Opportunity, "expected_close"),
    ("opportunity_edit", "opportunity", Opportunity, "forecast_category"),
    ("activity_new", None, Activity, "occurred_at"),
    ("solution_request_new", None, SolutionRequest, "passed_first_review"),
    ("project_new", None, Project, "customer_goal"),
    ("project_edit", "project", Project, "contract_value"),
    ("milestone_new", "project", Milestone, "planned_date"),
    ("milestone_edit", "milestone", Milestone, "depends_on"),
    ("stakeholder_new", "project", Stakeholder, "planned_actions"),
    ("resource_new", "project", Resource, "lead_time_days"),
    ("review_new", "project", StageReview, "what_happened"),
]


@pytest.fixture
def records(account, opportunity, project, milestone):  # type: ignore[no-untyped-def]
    return {
        "account": account,
        "opportunity": opportunity,
        "project": project,
        "milestone": milestone,
    }


def page_url(name: str, key: str | None, records: dict[str, Any]) -> str:
    return url(name, records[key].pk) if key else url(name)


@pytest.mark.parametrize(("name", "key", "model", "field"), FORM_PAGES)
def test_form_pages_render_in_english_and_chinese(client, rep, records, name, key, model, field):
    client.force_login(rep)
    address = page_url(name, key, records)
    labels = {}
    for language in ("en", "zh-hans"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(address)
        html = response.content.decode()
        with translation.override(language):
            labels[language] = str(capfirst(model._meta.get_field(field).verbose_name))
        assert response.status_code == 200
        assert f'<html lang="{language}">' in html
        assert f">{escape(labels[language])}</label>" in html
    assert labels["en"] != labels["zh-hans"]


def test_date_and_time_inputs_use_the_browser_pickers(client, rep, records):
    client.force_login(rep)
    html = client.get(url("lead_new")).content.decode()
    assert 'type="date"' in html
    html = client.get(url("activity_new")).content.decode()
    assert 'type="datetime-local"' in html


@pytest.mark.parametrize("kind", [
    "accounts", "contacts", "leads", "opportunities", "activities", "solution_requests", "projects",
])  # fmt: skip
def test_every_list_has_a_new_button_and_the_nav_a_records_entry(client, rep, kind):
    client.force_login(rep)
    html = client.get(url("list", kind)).content.decode()
    create = client.get(url("index")).content.decode()
    assert url("list", kind) in create
    assert 'class="button"' in html
    assert url("index") in html  # the Records entry of the main navigation
    new_link = [part for part in html.split('"') if part.endswith("/new/")]
    assert new_link
    assert client.get(new_link[0]).status_code == 200


@pytest.mark.parametrize(
    ("detail", "key", "edit"),
    [
        ("account", "account", "account_edit"),
        ("opportunity", "opportunity", "opportunity_edit"),
        ("project", "project", "project_edit"),
    ],
)
def test_detail_pages_link_to_their_edit_page(client, rep, records, detail, key, edit):
    client.force_login(rep)
    html = client.get(url(detail, records[key].pk)).content.decode()
    assert url(edit, records[key].pk) in html


def test_record_pages_require_login(client, records):
    for address in [url("account_new"), url("account_edit", records["account"].pk)]:
        response = client.get(address)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def grow(east, owner, rep2, project, n: int) -> None:  # type: ignore[no-untyped-def]
    """More of every kind the forms list: accounts, deals, milestones, people."""
    for i in range(n):
        milestone_create(
            project=project, name=f"本项目{i}", planned_date=date(2025, 4, 1), owning_role="pmo"
        )
        account = make_account(east, owner if i % 2 else rep2, name=f"增长客户{i}")
        deal = opportunity_create(line=east, account=account, name=f"增长商机{i}", owner=owner)
        project = project_create(line=east, account=account, name=f"增长项目{i}")
        milestone_create(
            project=project, name=f"m{i}", planned_date=date(2025, 3, 1), owning_role="pmo"
        )
        activity_create(
            person=owner, type="call", occurred_at=shanghai(2025, 1, 5), account=account
        )
        solution_request_create(
            account=account,
            opportunity=deal,
            presales_owner=owner,
            requested_at=shanghai(2025, 1, 5),
        )
        contact_create(account=account, name=f"联系人{i}")
        make_user(unit=east)


@pytest.mark.parametrize("login", ["rep", "boss"])
def test_form_page_queries_do_not_grow_with_the_data(
    client, request, django_assert_max_num_queries, east, rep2, records, login
):
    user = request.getfixturevalue(login)
    client.force_login(user)
    addresses = [page_url(name, key, records) for name, key, _model, _field in FORM_PAGES] + [
        url("account", records["account"].pk),
        url("opportunity", records["opportunity"].pk),
        url("project", records["project"].pk),
    ]
    for address in addresses:
        count_queries(client, address)  # warm up the session
    few = {address: count_queries(client, address) for address in addresses}
    grow(east, user, rep2, records["project"], 12)
    for address in addresses:
        with django_assert_max_num_queries(few[address]):
            assert client.get(address).status_code == 200
