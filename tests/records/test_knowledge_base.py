"""The knowledge base of scenario solutions: searchable by everyone signed in, exportable."""

from __future__ import annotations

import pytest

from salesmesh.projects.services import scenario_solution_create

pytestmark = pytest.mark.django_db


def test_everyone_signed_in_searches_the_knowledge_base(client, login_as):
    scenario_solution_create(
        industry="政务", problem="数据孤岛", components="数据中台", lessons="先立标准"
    )
    scenario_solution_create(
        industry="制造", problem="排产混乱", components="APS", lessons="从一条产线试点"
    )
    login_as("rep")

    found = client.get("/records/scenario_solutions/", {"q": "中台"})
    assert found.status_code == 200
    text = found.content.decode()
    assert "数据孤岛" in text
    assert "排产混乱" not in text

    everything = client.get("/records/scenario_solutions/").content.decode()
    assert "数据孤岛" in everything
    assert "排产混乱" in everything

    export = client.get("/data/export/scenario_solutions.csv")
    assert export.status_code == 200
    assert "从一条产线试点" in b"".join(export.streaming_content).decode("utf-8-sig")


def test_signed_out_visitors_are_sent_to_the_login(client, demo_company):
    assert client.get("/records/scenario_solutions/").status_code == 302
