"""Local development and `make demo`: debug on, a secret kept in the data directory."""

from salesmesh.config import env
from salesmesh.config.settings.base import *  # noqa: F403
from salesmesh.config.settings.base import DATA_DIR

DEBUG = env.env_bool("DEBUG", default=True)
SECRET_KEY = env.dev_secret_key(DATA_DIR)
