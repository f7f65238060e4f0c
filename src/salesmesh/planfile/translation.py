"""Translating the plan CLI without Django: the standard library's gettext on the shipped catalog.

The web translates with Django's gettext; the ``salesmesh plan`` command must
run without Django, so it reads the same compiled catalog
(``salesmesh/locale/zh_Hans/LC_MESSAGES/django.mo``) with :mod:`gettext`.
A string the catalog does not (yet) hold comes back in English.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

import salesmesh

Translate = Callable[[str], str]

CHINESE = "zh-hans"
ENGLISH = "en"
LANGUAGES = (CHINESE, ENGLISH)

# The catalog ships inside the package, so it is found wherever salesmesh is installed.
LOCALE_DIR = Path(salesmesh.__file__).resolve().parent / "locale"
CATALOG_PATH = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.mo"

# Read in the order GNU gettext gives them precedence; the first one set decides.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def normalize_language(lang: str) -> str:
    """``"zh-hans"`` or ``"en"`` for a language tag such as ``zh``, ``zh_CN.UTF-8`` or ``en-GB``.

    Any Chinese tag maps to Simplified Chinese, the only Chinese catalog shipped.
    Raises ``ValueError`` for a language the product does not speak.
    """
    tag = lang.strip().lower().replace("_", "-")
    if tag == "zh" or tag.startswith("zh-") or tag.startswith("zh."):
        return CHINESE
    if tag in {"en", "c", "posix"} or tag.startswith(("en-", "en.", "c.")):
        return ENGLISH
    raise ValueError(f"unsupported language {lang!r}: use one of {', '.join(LANGUAGES)}")


@cache
def _chinese_catalog() -> gettext.NullTranslations:
    """The compiled zh-Hans catalog, read once; English passthrough if it is missing."""
    # Opened directly rather than via gettext.translation(): its locale-name
    # normalisation does not know the "zh_Hans" directory Django uses.
    try:
        with CATALOG_PATH.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    except OSError:
        return gettext.NullTranslations()


def _identity(text: str) -> str:
    """English: the template is the English text."""
    return text


def translator(lang: str) -> Translate:
    """A function mapping an English message template to its text in ``lang``."""
    if normalize_language(lang) == CHINESE:
        return _chinese_catalog().gettext
    return _identity


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """``"zh-hans"`` when the first set locale variable names Chinese, else ``"en"``."""
    env = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            # LANGUAGE may be a priority list such as "zh_CN:en"; its head wins.
            first = value.split(":", 1)[0]
            return CHINESE if first.lower().startswith("zh") else ENGLISH
    return ENGLISH
