"""The record-form tests' small org (two lines, a manager, reps) serves the audit tests."""

from tests.records.test_forms import (  # noqa: F401 - fixtures
    account,
    boss,
    east,
    milestone,
    opportunity,
    outsider,
    project,
    rep,
    rep2,
    team,
    west,
)
