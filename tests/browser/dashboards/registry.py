"""Imports every dashboard walk so that it registers itself in ``WALKS``."""

# -- each dashboard adds its import below --
import tests.browser.dashboards.alerts  # noqa: F401
import tests.browser.dashboards.behaviour  # noqa: F401
import tests.browser.dashboards.probability  # noqa: F401
import tests.browser.dashboards.project  # noqa: F401
