"""Imports every dashboard walk so that it registers itself in ``WALKS``."""

from tests.browser.dashboards import (  # noqa: F401 - imported to register
    alerts,
    behaviour,
    mesh,
    overview,
    probability,
    project,
    units,
)
