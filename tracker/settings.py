"""Settings for Claim Tracker, read from the environment.

Defaults are safe for production: DEBUG is off, the app refuses to start without
SECRET_KEY unless DEBUG is on, and no host is allowed unless ALLOWED_HOSTS names it.
`make run` turns DEBUG on for local use only.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=()):
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or list(default)


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
    # Only ever used with DEBUG on, on a developer's own machine.
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Reading can be public or behind a login; writing is only ever through the admin.
READ_REQUIRES_LOGIN = env_bool("READ_REQUIRES_LOGIN", False)

INSTALLED_APPS = [
    "claims.sites.TrackerAdminConfig",  # django.contrib.admin, with claims.sites' site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "django_htmx",
    "simple_history",
    "axes",
    "claims",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "tracker.errors.RequestErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Each request is one history entry, by its user (claims.history).
    "claims.history.HistoryEntryMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "tracker.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# PostgreSQL's work_mem for this app's connections. A search's matches and a random
# sample of the claims are combined as bitmaps; past work_mem (4MB by default) a
# bitmap keeps pages, not rows, and every row of those pages is checked again.
WORK_MEM = os.environ.get("DATABASE_WORK_MEM", "32MB")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and WORK_MEM:
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c work_mem={WORK_MEM}"

# A read replica for the reading pages and the exports (tracker.routers): any URL
# dj-database-url reads. Unset: everything reads the primary.
READ_REPLICA = None
if os.environ.get("READ_REPLICA_URL"):
    READ_REPLICA = "replica"
    DATABASES[READ_REPLICA] = dj_database_url.parse(
        os.environ["READ_REPLICA_URL"],
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
        # Under test the replica is the test database itself, as replication would make it.
        test_options={"MIRROR": "default"},
    )
DATABASE_ROUTERS = ["tracker.routers.ReadReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "admin:login"

# Import files wait here between the preview and the confirmation (claims.import_files).
IMPORT_DIR = os.environ.get("IMPORT_DIR", str(BASE_DIR / "var" / "imports"))
IMPORT_KEEP_HOURS = 24

# Claim matching's search for similar words (PostgreSQL) may take this long, in ms,
# before the suggestions make do with the same speaker, subjects and questions.
MATCHING_WORDS_BUDGET_MS = int(os.environ.get("MATCHING_WORDS_BUDGET_MS", "300"))

# A claim list's exact total, and its exact facet counts, may each take this long, in
# ms, on PostgreSQL (claims.budget); past it the page shows estimates from a random
# sample, with their margins, as it does for lists too long to count. 0: no limit.
COUNT_BUDGET_MS = int(os.environ.get("COUNT_BUDGET_MS", "60"))

# Password guessing (django-axes): after AXES_FAILURE_LIMIT failed logins for one
# account, or from one address, further attempts for it are refused for
# AXES_COOLOFF_TIME, whatever the password. A success clears the account's failures.
# An Administrator lifts a lock early in the admin (Axes > Access attempts), or
# `manage.py axes_reset_username <name>`. Behind a proxy, set LOGIN_PROXY_COUNT to the
# number of proxies in front of the app, so the address is the client's, not the proxy's.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_VERBOSE = False
if os.environ.get("LOGIN_PROXY_COUNT"):
    AXES_IPWARE_PROXY_COUNT = int(os.environ["LOGIN_PROXY_COUNT"])
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Transport security. TLS may end at a proxy in front of the app, so each switch is
# an environment variable; cookies are secure whenever DEBUG is off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): everything the pages and the admin load comes
# from this site; no inline script or style, no plugins, no framing, forms post here.
# A browser test walks every page under it and fails on any reported violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Request limits (tracker.errors names them when a request exceeds one). The body
# limit sits above the largest form the limits in claims.models.LIMITS allow (a
# source of 5,000,000 characters, percent-encoded), so an editor's text is refused
# by the form, with the text kept and the reason, never by the server unread.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# Checks silenced on purpose, each with its reason. `check --deploy` passes with
# production settings from the environment (see .ci/run).
SILENCED_SYSTEM_CHECKS = [
    # The facet sample's index (claims.models.Claim) covers its columns on PostgreSQL
    # only; SQLite, for small data, keeps the key column and needs no more.
    "models.W040",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes logs every sign-in at INFO; failures and pauses come at WARNING.
    "loggers": {"axes": {"level": os.environ.get("LOGIN_LOG_LEVEL", "WARNING")}},
}
