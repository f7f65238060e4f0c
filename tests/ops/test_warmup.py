"""The WSGI module warms a server process up: views imported, no connection left open."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.security.test_deploy import run

# Loaded by the production settings' WSGI module, in a process of its own: the modules it
# imported, and whether a database connection is left open for forked workers to share.
PROBE = (
    "import sys; import salesmesh.config.wsgi as w; from django.db import connections; "
    "print(callable(w.application), "
    "'salesmesh.dashboards.mesh_tree' in sys.modules, "
    "'salesmesh.api.mesh' in sys.modules, "
    "all(c.connection is None for c in connections.all()))"
)


def test_the_wsgi_module_loads_the_views_and_leaves_no_connection_open(tmp_path: Path) -> None:
    result = run([sys.executable, "-c", PROBE], tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "True"]
