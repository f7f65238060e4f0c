"""Production: refuses to start without a real SECRET_KEY; secure cookies and HSTS."""

from salesmesh.config import env
from salesmesh.config.settings.base import *  # noqa: F403

DEBUG = env.env_bool("DEBUG", default=False)
SECRET_KEY = env.required(
    "SECRET_KEY", why="production needs its own long random secret (never commit it)"
)
SESSION_COOKIE_SECURE = env.env_bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
