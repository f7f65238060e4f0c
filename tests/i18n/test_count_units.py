"""A noun that counts ("120 家客户") and the same noun as a label ("客户") translate apart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

from salesmesh.core.i18n import Message
from salesmesh.exchange.models import ImportKind, ImportStatus
from salesmesh.planfile.behaviour_report import pgettext
from salesmesh.planfile.loader import load_plan
from salesmesh.planfile.report import ReportNode, node_to_dict
from salesmesh.planfile.runner import run_plan
from salesmesh.planfile.translation import translator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def walk(node: ReportNode) -> Iterator[ReportNode]:
    yield node
    for child in node.children:
        yield from walk(child)


def units(file: str, lang: str) -> set[str]:
    """Every unit the example's decomposition tree shows, in ``lang``."""
    tree = node_to_dict(run_plan(load_plan(EXAMPLES / file)).tree, translator(lang))
    found: set[str] = set()
    stack = [tree]
    while stack:
        item = stack.pop()
        found.add(item["unit"])
        stack.extend(item["children"])
    return found


@pytest.mark.parametrize(
    ("file", "english", "chinese"),
    [
        ("behaviour-key-accounts.yaml", "accounts", "家客户"),
        ("probability-smb.yaml", "leads", "条线索"),
    ],
)
def test_plan_trees_count_with_a_classifier(file, english, chinese):
    assert english in units(file, "en")
    assert chinese in units(file, "zh-hans")
    assert english not in units(file, "zh-hans")


def test_the_plain_noun_stays_a_label_for_the_plan_cli():
    chinese = translator("zh-hans")
    assert Message("accounts").render(chinese) == "客户"
    assert Message("leads").render(chinese) == "线索"
    assert pgettext("unit", "accounts").render(chinese) == "家客户"


def test_a_context_the_catalog_does_not_hold_falls_back_to_english():
    assert str(pgettext("unit", "accounts")) == "accounts"
    assert pgettext("no such context", "accounts").render(translator("zh-hans")) == "accounts"


def test_django_reads_the_same_contexts():
    with translation.override("zh-hans"):
        assert pgettext("unit", "accounts").render(gettext) == "家客户"
        assert str(ImportKind.ACCOUNTS.label) == "客户"
        assert str(ImportKind.LEADS.label) == "线索"
        # An import that failed, not an exam that was failed (未通过).
        assert str(ImportStatus.FAILED.label) == "失败"
        assert gettext("failed") == "未通过"
