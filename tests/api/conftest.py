"""The crafted July probability line of tests/mesh, for pages and API operations over it."""

from tests.mesh.conftest import _fresh_plans, world  # noqa: F401 - fixtures used here
