"""Both languages are complete: every string is translated and the shipped catalog is current."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

import salesmesh

PACKAGE = Path(salesmesh.__file__).resolve().parent
PO_PATH = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")


def test_every_message_has_a_chinese_translation():
    catalog = polib.pofile(str(PO_PATH))
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert len(catalog) > 50


def test_shipped_binary_catalog_matches_the_source():
    source = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.pofile(str(PO_PATH))}
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in polib.mofile(str(MO_PATH))
        if e.msgid
    }
    assert compiled == source, "run `make messages` to recompile django.mo"


@pytest.mark.skipif(
    shutil.which("xgettext") is None,
    reason="GNU gettext (xgettext) is not installed; .ci/run installs it so CI always checks",
)
def test_no_user_facing_string_is_missing_from_the_catalog(tmp_path):
    # Extract from a copy so the real catalog is never rewritten by a test.
    copy = tmp_path / "salesmesh"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [
            str(Path(sys.executable).with_name("salesmesh")),
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--ignore",
            "demo/names.py",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    extracted = {e.msgid for e in polib.pofile(str(copy / PO_PATH.relative_to(PACKAGE)))}
    shipped = {e.msgid for e in polib.pofile(str(PO_PATH))}
    missing = sorted(extracted - shipped)
    assert missing == [], "new strings need a translation: run `make messages` and translate"


PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifgeEx%]|%[sdif]")


def test_translations_keep_every_placeholder():
    broken = []
    for entry in polib.pofile(str(PO_PATH)):
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        translations = [entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values()
        for translation in translations:
            if sorted(PLACEHOLDER.findall(translation)) != expected:
                broken.append(entry.msgid)
    assert broken == []
