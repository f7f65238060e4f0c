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
