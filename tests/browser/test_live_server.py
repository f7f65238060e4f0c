"""The live server the browser tests use answers requests that arrive together correctly.

A page's htmx partials load at the same moment. On SQLite the test database is in memory
and shared with the server, so concurrent requests once ran on one sqlite3 connection and
one of them read nothing (an intermittent 404 on the probability dashboard's bottlenecks).
"""

from __future__ import annotations

import pytest

from salesmesh.demo.seed import seed_demo_company
from tests.browser.test_login_home import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_requests_fired_together_all_get_the_same_full_answer(page, live_server):
    seed_demo_company()
    sign_in(page, live_server.url, "head")
    results = page.evaluate(
        """async () => {
            const pair = ['/dashboards/probability/?line=smb', '/records/accounts/'];
            const urls = Array.from({length: 30}, (_, i) => pair[i % 2]);
            const answers = [];
            for (let round = 0; round < 2; round++) {
                answers.push(...await Promise.all(urls.map(async url => {
                    const response = await fetch(url, {credentials: 'same-origin'});
                    return [url, response.status, (await response.text()).length];
                })));
            }
            return answers;
        }"""
    )
    assert {status for _, status, _ in results} == {200}, results
    # Every answer to the same URL is the same page (none read half the data).
    for url in ("/dashboards/probability/?line=smb", "/records/accounts/"):
        lengths = {length for answered, _, length in results if answered == url}
        assert len(lengths) <= 2, (url, lengths)  # the CSRF token and nonces vary by a char or two
