"""Each dashboard's walk in a real browser, run by tests/browser/test_dashboards.py.

A walk is ``visit(page, base_url, artifacts, language, username)``: it opens its dashboard
as that signed-in user, checks what the user should see (charts rendered, the right scope)
and saves a screenshot named after the dashboard, user and language. Register each walk in
``WALKS`` with the logins to run it as: a manager and a front-line member of the line. A
walk's ``prepare`` (optional) changes the seeded demo before any walk runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Visit = Callable[[Any, str, Path, str, str], None]


@dataclass(frozen=True)
class Walk:
    name: str
    visit: Visit
    logins: tuple[str, ...]
    prepare: Callable[[], None] | None = None


WALKS: list[Walk] = []
# -- each dashboard registers its walk below --
