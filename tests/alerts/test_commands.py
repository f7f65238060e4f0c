"""`salesmesh alerts` and `salesmesh digest`: real output, both languages, e-mail."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import translation

from salesmesh.alerts.models import Alert
from salesmesh.alerts.services import evaluate_alerts
from salesmesh.org.models import Role
from tests.accounts.factories import make_user
from tests.alerts.world import AS_OF, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    world = build_world()
    boss = world.users["boss"]
    boss.name_zh, boss.name_en, boss.email = "王强", "Qiang Wang", "boss@example.com"
    boss.save()
    # The government line's manager, to see a milestone alert's nested label translated.
    gm = make_user("gm", unit=world.gov, role=Role.MANAGER)
    gm.name_zh, gm.name_en, gm.email = "郑宇", "Yu Zheng", "gm@example.com"
    gm.save()
    world.users["gm"] = gm
    return world


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_alerts_command_evaluates_and_summarises(world):
    with translation.override("en"):
        out, _err = run("alerts", "--date", AS_OF.isoformat())
        assert out.splitlines() == [
            "Alerts: 9 fired, 0 cleared, 0 still open.",
            "  Pacing behind plan: 0",
            "  Named account untouched: 3",
            "  Milestone at risk: 3",
            "  Presales SLA breached: 3",
        ]
        out, _err = run("alerts", "--date", AS_OF.isoformat())
        assert out.splitlines()[0] == "Alerts: 0 fired, 0 cleared, 9 still open."
    assert run("alerts", "--date", AS_OF.isoformat(), "--quiet") == ("", "")
    assert Alert.objects.count() == 9


def test_alerts_command_refuses_a_bad_date(world):
    with pytest.raises(CommandError, match="2026-13-01"):
        run("alerts", "--date", "2026-13-01")


LEAD_EN = """\
salesmesh daily alert digest, 2026-03-28
For lead

3 open alerts, 3 of them new on 2026-03-28.

Named account untouched (1)
  - [Warning] Named account Bravo has not been touched for 40 days (last touched in the week \
of 2026-02-16). (业务线ka · rep · since 2026-03-28)

Presales SLA breached (2)
  - [Critical] Solution request for Alpha of 2026-03-26: no response after 61 hours (due \
within 24). (业务线ka · presales · since 2026-03-28)
  - [Warning] Solution request for Bravo of 2026-02-01: not completed after 55 days (due \
within 30). (业务线ka · presales · since 2026-03-28)
"""


def test_digest_of_one_manager_in_english(world):
    evaluate_alerts(as_of=AS_OF)
    out, err = run("digest", "--date", "2026-03-28", "--user", "lead", "--lang", "en")
    assert out == LEAD_EN
    assert err == ""


def test_digest_of_every_manager_in_chinese(world):
    evaluate_alerts(as_of=AS_OF)
    out, _err = run("digest", "--date", "2026-03-28")  # LANGUAGE_CODE: zh-hans
    boss, gm, lead = out.split("-" * 72 + "\n")  # managers by login: boss, gm, lead
    assert "王强" in boss
    assert "Qiang Wang" not in boss
    assert boss.count("\n  - ") == 6
    assert "郑宇" in gm
    assert gm.count("\n  - ") == 3
    assert "“集成”" in gm  # the resource kind, from the catalog
    assert "Integration" not in gm
    assert lead.count("\n  - ") == 3
    english, _err = run("digest", "--date", "2026-03-28", "--user", "gm", "--lang", "en")
    assert "For Yu Zheng" in english
    assert "“Integration”" in english


def test_a_past_day_is_read_from_the_history(world):
    evaluate_alerts(as_of=AS_OF)
    out, _err = run("digest", "--date", "2026-03-27", "--user", "lead", "--lang", "en")
    # Every alert fired at the end of 28 March: none was open on the 27th.
    assert "No open alerts." in out
    # Cleared on the 29th: still in the 28th's digest, gone from the 29th's.
    Alert.objects.update(cleared_at=Alert.objects.first().fired_at.replace(day=29))
    assert (
        "3 open alerts"
        in run("digest", "--date", "2026-03-28", "--user", "lead", "--lang", "en")[0]
    )
    assert (
        "No open alerts."
        in run("digest", "--date", "2026-03-29", "--user", "lead", "--lang", "en")[0]
    )


def test_digest_by_mail(world):
    evaluate_alerts(as_of=AS_OF)
    quiet = make_user("quiet", unit=world.team_b, role=Role.MANAGER)
    quiet.email = "quiet@example.com"
    quiet.save()
    out, err = run("digest", "--date", "2026-03-28", "--mail", "--lang", "en")
    by_address = {message.to[0]: message for message in mail.outbox}
    # boss and gm have addresses; lead has none; quiet's team has alerts (Charlie, Delta, R2).
    assert set(by_address) == {"boss@example.com", "gm@example.com", "quiet@example.com"}
    boss = by_address["boss@example.com"]
    assert boss.subject == "salesmesh alert digest for 2026-03-28: 6 open"
    assert boss.body.startswith("salesmesh daily alert digest, 2026-03-28\nFor Qiang Wang\n")
    assert boss.body.count("\n  - ") == 6
    assert "lead has no e-mail address; digest not sent." in err
    assert out.strip() == "Digests sent: 3; nothing to report: 0; no e-mail address: 1."


def test_mail_skips_a_manager_with_nothing_to_report(world):
    evaluate_alerts(as_of=AS_OF)
    Alert.objects.filter(unit=world.gov).delete()
    out, _err = run("digest", "--date", "2026-03-28", "--mail", "--lang", "en", "--user", "gm")
    assert mail.outbox == []
    assert out.strip() == "Digests sent: 0; nothing to report: 1; no e-mail address: 0."


def test_todays_digest_evaluates_first(world):
    out, _err = run("digest", "--user", "boss", "--lang", "en")
    assert Alert.objects.exists()  # evaluated as of now
    assert "For Qiang Wang" in out


def test_digest_refuses_an_unknown_user(world):
    with pytest.raises(CommandError, match="nobody"):
        run("digest", "--user", "nobody")
