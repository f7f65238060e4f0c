"""Production: refuses to start without a real SECRET_KEY; secure cookies and HSTS."""

from salesmesh.config import env
from salesmesh.config.settings.base import *  # noqa: F403
from salesmesh.ops.logs import logging_config

DEBUG = env.env_bool("DEBUG", default=False)
SECRET_KEY = env.required(
    "SECRET_KEY", why="production needs its own long random secret (never commit it)"
)
SESSION_COOKIE_SECURE = env.env_bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.env_bool("SECURE_SSL_REDIRECT", default=True)
# A year of HSTS for this host; subdomains and browser preload lists are the
# deploying company's decision (they affect its other sites), so opt-in.
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.env_bool("SECURE_HSTS_PRELOAD", default=False)
# Left off on purpose (above), so Django's reminders about them are noise here.
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
# Trust X-Forwarded-Proto only behind a proxy that sets it; otherwise any
# client could claim HTTPS.
if env.env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The login lockout then counts failures per client, not per proxy.
    SALESMESH_BEHIND_PROXY = True

# Static files (htmx, plotly.js, CSS) are served by the app itself after
# `salesmesh collectstatic`, so a deployment needs no CDN and no extra server.
_AFTER_SECURITY = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1  # noqa: F405
MIDDLEWARE = [
    *MIDDLEWARE[:_AFTER_SECURITY],  # noqa: F405 - the request id, then SecurityMiddleware
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[_AFTER_SECURITY:],  # noqa: F405
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One JSON object per line for the log shipper (docs/operations.md).
LOGGING = logging_config(json_lines=env.env_bool("SALESMESH_LOG_JSON", default=True))
# A load balancer probes /healthz over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
