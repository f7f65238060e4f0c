"""The web shell: login wall, pages in both languages, admin, offline assets."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.urls import reverse

from salesmesh.org.models import Membership, OrgUnit, Role
from salesmesh.web.staticfinders import PLOTLY_STATIC_NAME

pytestmark = pytest.mark.django_db

PAGES = [
    reverse("home"),
    reverse("paradigm", args=["probability"]),
    reverse("paradigm", args=["behaviour"]),
    reverse("paradigm", args=["project"]),
    reverse("data"),
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_require_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_and_language_switch_work_signed_out(client):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "Sign in to salesmesh" in client.get(reverse("login")).content.decode()


def test_demo_login_through_the_form(client, demo_company, demo_password):
    response = client.post(
        reverse("login"), {"username": "rep", "password": demo_password}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "李娜" in response.content.decode()


def test_wrong_password_says_so_in_the_active_language(client, demo_company):
    response = client.post(reverse("login"), {"username": "rep", "password": "nope"})
    assert "用户名或密码不正确" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", ["总览", "组织", "中小企业事业部", "概率范式", "行为范式", "项目范式"]),
        ("en", ["Overview", "Organisation", "SMB Business", "Probability", "Behaviour", "Project"]),
    ],
)
def test_home_shows_org_tree_with_paradigms_in_both_languages(client, login_as, language, expected):
    login_as("head")

    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=language)

    html = response.content.decode()
    assert response.status_code == 200
    for text in expected:
        assert text in html, text
    assert 'data-plotly="org-chart-data"' in html
    assert 'id="org-chart-data"' in html


def test_home_in_english_shows_no_chinese_ui_text(client, login_as):
    login_as("head")
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for chinese in ("总览", "组织", "经理", "退出登录"):
        assert chinese not in html


def test_rep_sees_their_team_but_not_other_teams(client, login_as):
    login_as("rep")
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "East China Telesales" in html
    assert "South China Telesales" not in html
    assert "Key Accounts" not in html


def test_paradigm_page_lists_its_lines_people_and_exams(client, login_as):
    login_as("head")
    html = client.get(
        reverse("paradigm", args=["probability"]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "SMB Business" in html
    assert "Na Li" in html
    assert "passed" in html
    assert "Key Accounts" not in html


def test_rep_on_paradigm_page_sees_only_own_team(client, login_as):
    login_as("rep")
    html = client.get(
        reverse("paradigm", args=["probability"]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Na Li" in html
    assert "South China Telesales" not in html


def test_unknown_paradigm_is_404(client, login_as):
    login_as("head")
    assert client.get(reverse("paradigm", args=["astrology"])).status_code == 404


def test_data_page_lists_visible_people_only(client, login_as):
    login_as("sdr")
    html = client.get(reverse("data"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Min Zhang" in html
    assert "Lei Wang" not in html  # BD team is another unit


def test_pages_query_count_is_constant(client, login_as, django_assert_max_num_queries):
    login_as("head")
    for url in PAGES:
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


def test_admin_link_only_for_staff(client, login_as):
    login_as("rep")
    assert reverse("admin:index") not in client.get(reverse("home")).content.decode()
    login_as("admin")
    assert reverse("admin:index") in client.get(reverse("home")).content.decode()


SALESMESH_MODELS = [
    model
    for label in ("org", "planning", "accounts", "pipeline", "activities", "projects")
    for model in apps.get_app_config(label).get_models()
]


@pytest.mark.parametrize("model", SALESMESH_MODELS, ids=lambda m: m.__name__)
def test_admin_covers_every_model(client, login_as, model, rf):
    assert admin.site.is_registered(model)
    admin_user = login_as("admin")
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist).status_code == 200
    request = rf.get("/")
    request.user = admin_user
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    # Records written only by services (histories) have no add form, by design.
    expected = 200 if admin.site.get_model_admin(model).has_add_permission(request) else 403
    assert client.get(add).status_code == expected


def test_htmx_and_plotly_are_served_from_installed_packages():
    plotly_path = finders.find(PLOTLY_STATIC_NAME)
    htmx_path = finders.find("django_htmx/htmx-2.min.js")
    assert plotly_path
    assert "site-packages" in plotly_path
    assert htmx_path
    assert "site-packages" in htmx_path
    assert Path(plotly_path).read_text(encoding="utf-8")[:200].lstrip().startswith("/**")


def test_pages_reference_no_external_hosts(client, login_as):
    login_as("head")
    html = client.get(reverse("home")).content.decode()
    assert "http://" not in html
    assert "https://" not in html


def test_rep_data_page_hides_colleagues_profiles(client, login_as):
    login_as("rep")
    html = client.get(reverse("data"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Na Li" in html
    assert html.count("<tr>") == 2  # the header row and the rep's own row


def test_manager_data_page_lists_their_line(client, login_as):
    login_as("manager")
    html = client.get(reverse("data"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Na Li" in html
    assert "Jing Chen" in html
    assert "Min Zhang" not in html


def test_a_new_admin_role_applies_on_the_next_request(client, login_as):
    rep = login_as("rep")
    assert (
        "Key Accounts"
        not in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )

    Membership.objects.create(user=rep, unit=OrgUnit.objects.get(code="yunfan"), role=Role.ADMIN)

    assert "Key Accounts" in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
