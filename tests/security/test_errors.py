"""No stack trace, exception text or SQL in any response: the 404 and 500 pages."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from tests.security.urls import SECRET_DETAIL

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.security.urls")]

LEAKS = ("Traceback", "RuntimeError", SECRET_DETAIL, "no_such_table", "SELECT", 'File "')


@pytest.fixture
def signed_in(member) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(member)
    return client


@pytest.mark.parametrize("url", ["/boom/", "/bad-sql/"])
def test_a_failing_view_answers_the_500_page_and_nothing_of_the_failure(signed_in, url) -> None:
    response = signed_in.get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert 'href="/static/salesmesh/app.css"' in page  # the site's own page, not a bare one
    for leak in LEAKS:
        assert leak not in page, leak


def test_the_500_page_is_translated(signed_in) -> None:
    chinese = signed_in.get("/boom/").content.decode()
    english = signed_in.get("/boom/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in chinese
    assert '<html lang="en">' in english


def test_the_500_page_needs_no_database(django_assert_num_queries) -> None:
    # The failure may be the database itself: rendering must not touch it.
    request = RequestFactory().get("/anything")
    with translation.override("en"), django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_an_unknown_page_answers_the_404_page(signed_in) -> None:
    response = signed_in.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "Using the URLconf" not in page  # Django's debug 404 lists the URL patterns
    assert "Back to the overview" in page


def test_debug_is_off_in_the_test_run_as_in_production(settings) -> None:
    assert settings.DEBUG is False
