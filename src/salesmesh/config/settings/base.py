"""Settings shared by every environment; the env-specific modules import this."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from salesmesh.config import env
from salesmesh.ops.logs import logging_config

PACKAGE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = env.data_dir()

DEBUG = env.env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env.env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "treebeard",
    "salesmesh.org",
    "salesmesh.planning",
    "salesmesh.accounts",
    "salesmesh.pipeline",
    "salesmesh.activities",
    "salesmesh.projects",
    "salesmesh.web",
    "salesmesh.demo",
    "salesmesh.exchange",
    "salesmesh.records",
    "salesmesh.mesh",
    "salesmesh.alerts",
    "salesmesh.dashboards",
    "salesmesh.api",
    "salesmesh.security",
    "axes",
    "salesmesh.ops",
    "salesmesh.audit",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First: every response, even a redirect or an error, carries a request id and is logged.
    "salesmesh.ops.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the session, the user and messages: it may log out and say why.
    "salesmesh.security.sessions.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "salesmesh.config.urls"
WSGI_APPLICATION = "salesmesh.config.wsgi.application"
ASGI_APPLICATION = "salesmesh.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "salesmesh.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.database(DATA_DIR / "salesmesh.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# The lockout backend must come first: it refuses a locked-out username + address
# before ModelBackend checks the password (salesmesh.security.lockout).
AUTHENTICATION_BACKENDS = [
    "salesmesh.security.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id (at OWASP's recommended cost: salesmesh.accounts.hashers) for new and changed
# passwords; the others still verify older hashes, which Django re-hashes with it at the
# user's next sign-in (as it does Argon2 hashes made with other settings).
PASSWORD_HASHERS = [
    "salesmesh.accounts.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese first: most of our users read Simplified Chinese; the browser's
# Accept-Language or the language switch picks English.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js ships inside the plotly wheel; serve that copy, never a CDN.
    "salesmesh.web.staticfinders.PlotlyFinder",
]

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"

# Idle timeout (docs/adr/0012-hardening.md): a session unused this long ends. The
# store expires it that long after its last save; IdleTimeoutMiddleware re-saves
# an active session at most once a minute and logs an idle one out.
SALESMESH_SESSION_IDLE_MINUTES = env.env_int("SALESMESH_SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SALESMESH_SESSION_IDLE_MINUTES * 60

# Login lockout (django-axes): this many failed sign-ins for one username from one
# address lock that pair out for the cool-off; a successful sign-in resets the count.
AXES_FAILURE_LIMIT = env.env_int("SALESMESH_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.env_int("SALESMESH_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "salesmesh.security.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "salesmesh.security.lockout.client_ip"
# No start-up banner on every command; failed sign-ins and lockouts are still logged.
AXES_VERBOSE = False
# Set by prod when BEHIND_TLS_PROXY: count failures per X-Forwarded-For client.
SALESMESH_BEHIND_PROXY = False

# Content-Security-Policy (Django's own middleware). Scripts only from this origin
# or with the request's nonce: no inline script, no eval. Styles allow inline
# because plotly.js writes style attributes and a <style> sheet into its charts;
# a nonce would switch 'unsafe-inline' off in browsers, so styles carry none.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Readable lines here and in development, one JSON object per line in production
# (docs/operations.md); SALESMESH_LOG_JSON=1/0 overrides either.
LOGGING = logging_config(json_lines=env.env_bool("SALESMESH_LOG_JSON", default=False))

# The work calendar used when an org unit does not name its own country.
SALESMESH_DEFAULT_COUNTRY = "CN"

# PostgreSQL's ANALYZE after migrate, imports, rollup rebuilds and seed-demo
# (salesmesh.ops.statistics); the test settings turn it off.
SALESMESH_POSTGRESQL_ANALYZE = True

# Paradigm-advisor thresholds: the documented defaults (core.advisor) unless
# overridden, e.g. SALESMESH_ADVISOR_THRESHOLDS='{"demand_customers": [30, 300, 3000]}'.
SALESMESH_ADVISOR_THRESHOLDS = env.advisor_thresholds("SALESMESH_ADVISOR_THRESHOLDS")

# Imports (issue #4): files over either limit are refused with a clear message.
SALESMESH_IMPORT_MAX_BYTES = env.env_int("SALESMESH_IMPORT_MAX_BYTES", default=200 * 1024 * 1024)
SALESMESH_IMPORT_MAX_ROWS = env.env_int("SALESMESH_IMPORT_MAX_ROWS", default=2_000_000)
# An upload larger than this is checked and imported by the background worker
# (`salesmesh db_worker`, started by `make demo`); smaller ones in the request.
SALESMESH_IMPORT_INLINE_BYTES = env.env_int(
    "SALESMESH_IMPORT_INLINE_BYTES", default=2 * 1024 * 1024, minimum=0
)
# Uploaded files wait here between the check and the commit.
SALESMESH_IMPORT_DIR = DATA_DIR / "imports"

# Mesh health: pacing below AMBER is amber, below RED red (a lower-is-better indicator
# uses the inverse); the alerts fire on the same thresholds.
SALESMESH_HEALTH_AMBER_BELOW = env.env_decimal("SALESMESH_HEALTH_AMBER_BELOW", default="0.90")
SALESMESH_HEALTH_RED_BELOW = env.env_decimal("SALESMESH_HEALTH_RED_BELOW", default="0.75")
# A named account nobody touched for this many days raises an alert.
SALESMESH_UNTOUCHED_DAYS = env.env_int("SALESMESH_UNTOUCHED_DAYS", default=30, minimum=1)
# Presales SLA: a solution request unanswered this many hours after it was requested, or
# not completed this many days after, raises an alert (docs/alerts.md).
SALESMESH_PRESALES_RESPONSE_HOURS = env.env_int(
    "SALESMESH_PRESALES_RESPONSE_HOURS", default=24, minimum=1
)
SALESMESH_PRESALES_COMPLETION_DAYS = env.env_int(
    "SALESMESH_PRESALES_COMPLETION_DAYS", default=30, minimum=1
)
# E-mail (`salesmesh digest --mail`): the local mail server on port 25, Django's historical
# default; a deployment with another server sets its OPTIONS (port, username, use_tls …).
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "localhost"},
    }
}

# The background worker reports an import's progress through the cache, so the
# cache must be shared between processes: files under the data directory work
# for runserver + `salesmesh db_worker` on one machine with no extra service.
# Several machines need a shared backend instead (Redis, or the database cache).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": DATA_DIR / "cache",
    }
}

# Background jobs (long imports) are kept in the database: SQLite and
# PostgreSQL alike, no broker to run.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
