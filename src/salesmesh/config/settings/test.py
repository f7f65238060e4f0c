"""The test suite: fast hashing, an isolated data directory, SQLite or DATABASE_URL."""

import os
import tempfile

# Tests never touch a developer's real data directory (its database, its
# secret); each run gets a throw-away one unless the caller chose another.
os.environ.setdefault("SALESMESH_DATA_DIR", tempfile.mkdtemp(prefix="salesmesh-test-"))

from salesmesh.config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-not-for-production"  # noqa: S105 - test settings only
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# PostgreSQL writes ANALYZE's row counts in place, outside the transaction: a count taken
# in one test (of rows rolled back since, even of none on pages of dead rows) would stay
# for the tests after it, and the planner took a year of demo deals for an empty table —
# one query ran for 14 minutes. The statistics tests turn it on around a stub.
SALESMESH_POSTGRESQL_ANALYZE = False
