"""Settings shared by every environment.

Environment-specific modules (dev, test, prod) import from here and set the secrets.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("DANGJIAN_VAR_DIR", BASE_DIR / "var"))
NODE_MODULES = BASE_DIR / "node_modules"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    # Second factors (decision 0150): django-otp's framework and its static (recovery) codes; the
    # authenticator device is accounts.TOTPDevice, a django-otp device with its key encrypted.
    "django_otp",
    "django_otp.plugins.otp_static",
    "ninja",
    # Background work: Django's tasks API (the django-tasks backport of Django 6's django.tasks),
    # the database backend by default, RQ on Redis for several machines (decision 0130).
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "django_tasks_rq",
    # The floor plan, bottom floor first (docs/architecture.md): an app imports only from the apps
    # listed before it, and apps on one floor only where the import-linter contract
    # (.importlinter) allows. `make test` fails an upward import.
    "dangjian.core",
    "dangjian.audit",
    "dangjian.accounts",
    "dangjian.organizations",
    "dangjian.members",
    "dangjian.exchange",
    # The domains: independent of each other, except recruitment over activities (a step
    # decided at a meeting reads the meeting's roll, decision 0145), certificates over
    # activities and transfers over dues and certificates (docs/decisions/0006-floor-plan.md).
    "dangjian.activities",
    "dangjian.dues",
    "dangjian.care",
    "dangjian.roster",
    "dangjian.funds",
    "dangjian.units",
    "dangjian.leadership",
    "dangjian.recruitment",
    "dangjian.certificates",
    "dangjian.transfers",
    # Where to attend: host places and other deployments' directories (reads mobile members).
    "dangjian.places",
    # Rules over every domain, then the readers and the shell.
    "dangjian.alerts",
    "dangjian.assessment",
    "dangjian.rectification",
    "dangjian.portal",
    "dangjian.reports",
    "dangjian.rollup",
    "dangjian.ops",
    "dangjian.api",
    "dangjian.site",
]

MIDDLEWARE = [
    "dangjian.ops.metrics.MetricsMiddleware",
    "dangjian.core.api.ApiErrorShapeMiddleware",
    "dangjian.core.inputs.RejectNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dangjian.audit.context.AuditContextMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # request.user.otp_device from the session (django-otp), then our rule: who must have one.
    "django_otp.middleware.OTPMiddleware",
    "dangjian.accounts.two_factor.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
    "dangjian.ops.middleware.ReplicaMiddleware",
    "dangjian.api.idempotency.IdempotencyMiddleware",
    "dangjian.core.api.AtomicApiWritesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dangjian.site.context_processors.navigation",
            ],
        },
    },
]


def database_from_env(default_sqlite: Path) -> dict[str, Any]:
    """PostgreSQL when DATABASE_URL says so, otherwise a SQLite file in WAL mode."""
    url = os.environ.get("DATABASE_URL", "")
    if url and not url.startswith("sqlite:"):
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
        return postgresql_options(config)
    # A SQLite file named by URL (a worker started by a test) gets the same options.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": dj_database_url.parse(url)["NAME"] if url else default_sqlite,
        "OPTIONS": {
            # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock
            # at BEGIN so concurrent writers queue instead of failing half-way.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


# Planner settings of every connection of ours (decisions 0286 and 0288):
# - cursor_tuple_fraction=1: a cursor (`QuerySet.iterator()`, a form's list of choices) is read
#   to its end by every caller; planned for 10% of its rows, a county's 900 organizations in
#   path order were read by walking the path index of a province's 210,000 (150 ms, not 1 ms).
# - random_page_cost=1.1: the tables a page reads are in memory or on SSD, where a random read
#   costs about what a sequential one does. With the default 4 a county's open alerts were
#   joined to its organizations by walking all 211,000 of a province by primary key (57 ms;
#   2 ms with 1.1), and a subtree's organizations read by a parallel scan of the table.
# - max_parallel_workers_per_gather=0: a web request is one of many at once; two helper
#   processes per query only multiply its CPU when every core is busy already (a county's
#   dashboard: 35 + 70 ms of CPU in the web process and its server process, plus the helpers'
#   unseen; 30 + 20 ms without). `dangjian worker` allows them again for its long counts
#   (`dangjian.core.dbsettings.allow_parallel_queries`).
POSTGRESQL_SESSION = {
    "cursor_tuple_fraction": "1",
    "random_page_cost": "1.1",
    "max_parallel_workers_per_gather": "0",
}


def postgresql_options(config: dict[str, Any]) -> dict[str, Any]:
    """The connection options of a PostgreSQL database: `POSTGRESQL_SESSION` for every session,
    then any options the database URL gives (`?options=-c%20random_page_cost%3D2`), which
    PostgreSQL applies last: an operator's own setting wins."""
    options = config.setdefault("OPTIONS", {})
    session = " ".join(f"-c {name}={value}" for name, value in POSTGRESQL_SESSION.items())
    options["options"] = " ".join(filter(None, [session, options.get("options", "")]))
    return config


def with_replica(databases: dict[str, Any]) -> dict[str, Any]:
    """Adds the `replica` alias when DANGJIAN_REPLICA_URL names a read replica (PostgreSQL)."""
    url = os.environ.get("DANGJIAN_REPLICA_URL", "")
    if url:
        databases["replica"] = postgresql_options(dict(dj_database_url.parse(url, conn_max_age=60)))
        # A replica that does not answer is given up on quickly: the reports then read from
        # the primary for DANGJIAN_REPLICA_RETRY_SECONDS (dangjian.ops.routers, decision 0280).
        databases["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
        # Tests: the replica stands in for the same test database, never a second one created.
        databases["replica"]["TEST"] = {"MIRROR": "default"}
    return databases


DATABASES = with_replica({"default": database_from_env(VAR_DIR / "dangjian.sqlite3")})
# Report pages and the statistics API read from the replica when there is one (dangjian.ops.routers).
DATABASE_ROUTERS = ["dangjian.ops.routers.ReplicaRouter"]
DANGJIAN_REPLICA_PATHS = ["/reports/", "/api/v1/statistics/"]
DANGJIAN_REPLICA_RETRY_SECONDS = 30
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def tasks_from_env() -> tuple[dict[str, Any], dict[str, Any]]:
    """(TASKS, RQ_QUEUES): the database queue, or Redis when DANGJIAN_TASKS_BROKER names one.

    The database queue needs nothing but the database: one machine, `dangjian worker` beside
    the web server. Several machines share a broker: DANGJIAN_TASKS_BROKER=redis://host:6379/0.
    """
    broker = os.environ.get("DANGJIAN_TASKS_BROKER", "")
    queues = {"default": {"URL": broker or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 6 * 3600}}
    if broker.startswith(("redis://", "rediss://", "unix://")):
        backend = {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
    elif broker:
        raise ValueError("DANGJIAN_TASKS_BROKER must be a redis:// URL (or empty for the database)")
    else:
        backend = {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    return {"default": backend}, queues


TASKS, RQ_QUEUES = tasks_from_env()
# A background task whose job shows no sign of life for this many seconds is taken for dead
# (its worker was killed) and marked failed (dangjian.core.tasks, roster jobs).
DANGJIAN_TASKS_STALE_AFTER = 600
# The worker's nightly backup into VAR_DIR/backups (dangjian.ops.tasks); off with 0 where another
# machine's worker, or your own tooling, makes the backups.
DANGJIAN_BACKUP_NIGHTLY = os.environ.get("DANGJIAN_BACKUP_NIGHTLY", "1") not in ("0", "false")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes): 5 failures for one user name from one address lock
# that pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client is whoever the trusted reverse proxy says it served (X-Forwarded-For), never the
# proxy itself; a request from any other address is taken at its word (dangjian.core.clientip).
AXES_CLIENT_IP_CALLABLE = "dangjian.core.clientip.client_ip"
# Reverse proxies whose X-Forwarded-For is believed: addresses or networks. The documented
# nginx runs on the same machine (deploy/nginx/dangjian.conf); list a load balancer's address
# too when there is one. Production reads DANGJIAN_TRUSTED_PROXIES from the environment.
DANGJIAN_TRUSTED_PROXIES = ["127.0.0.1", "::1"]

# Content-Security-Policy on every response (django-csp; decisions 0120, 0151). No inline script,
# no eval, nothing from another origin: scripts are static files (node_modules through
# collectstatic, never a CDN), Swagger UI's too. Inline *style attributes* stay allowed because
# Bootstrap's progress bars and htmx's swap classes set them. A deployment that wants to try a
# change first sets CONTENT_SECURITY_POLICY_REPORT_ONLY to the new policy beside this one.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# A session ends 8 hours after sign-in or when the browser closes, whichever comes first.
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

# Two-factor sign-in (TOTP) for administrators (dangjian.accounts.two_factor, on django-otp). The
# test and development settings turn it off so that the demo logins work; the accounts tests turn
# it on.
DANGJIAN_REQUIRE_TWO_FACTOR = True
DANGJIAN_TWO_FACTOR_ISSUER = "党建"
# Also require the second factor of branch secretaries and organizers (they reveal ID numbers).
DANGJIAN_TWO_FACTOR_FOR_SECRETARIES = False
# django-otp's throttle: each wrong code in a row makes the user wait FACTOR × 2^(n-1) seconds
# before the next is checked (the authenticator and the recovery codes count together).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Member accounts (dangjian.portal.activation): activation codes are valid this many days and
# good once; a code is void after this many wrong ID digits; an address with this many failed
# activations within the window is refused until it passes.
DANGJIAN_ACTIVATION_CODE_DAYS = 30
DANGJIAN_ACTIVATION_MAX_TRIES_PER_CODE = 5
DANGJIAN_ACTIVATION_MAX_FAILURES_PER_CLIENT = 10
DANGJIAN_ACTIVATION_WINDOW_MINUTES = 15

# Adding a guest to an activity by bare ID number: lookups per user and hour (each audited).
DANGJIAN_GUEST_LOOKUPS_PER_HOUR = 20
# Checks of a transfer letter's QR on the public page, per client address (or user) and hour.
DANGJIAN_LETTER_CHECKS_PER_HOUR = 30
# Searches by ID or phone number per hour for a reader who sees them masked (members.services).
DANGJIAN_NUMBER_SEARCHES_PER_HOUR = 60

# Import working files (dangjian.roster): a job left unfinished this many days is abandoned and
# its directory deleted by `dangjian roster_cleanup` (a finished or failed job's at once).
DANGJIAN_IMPORT_KEEP_DAYS = 7
# Background exports (dangjian.core.exports): the sealed file is deleted this many hours after it
# was made (the worker's hourly core.exports_expire).
DANGJIAN_EXPORT_KEEP_HOURS = 24

# Uploaded files (dangjian.core.uploads): stored under MEDIA_ROOT, never served by URL.
DANGJIAN_UPLOAD_MAX_BYTES = 10 * 1024 * 1024

# Prometheus scrapes /ops/metrics from the machine itself, or with this bearer token.
DANGJIAN_METRICS_TOKEN = os.environ.get("DANGJIAN_METRICS_TOKEN", "")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# The npm files the templates load, one by one (dangjian.core.vendor): static name → file under
# node_modules. The packages' other builds (80 MB of them) are never collected.
VENDOR_FILES = {
    "vendor/htmx/htmx.min.js": "htmx.org/dist/htmx.min.js",
    "vendor/bootstrap/css/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "vendor/bootstrap/css/bootstrap.min.css.map": "bootstrap/dist/css/bootstrap.min.css.map",
    "vendor/echarts/echarts.min.js": "echarts/dist/echarts.min.js",
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "dangjian.core.vendor.VendorFinder",
]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# Backups in Django's JSON keep times to the microsecond (dangjian.ops.serializers).
SERIALIZATION_MODULES = {"json-full": "dangjian.ops.serializers"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Keys for sensitive fields. ID numbers are encrypted with the first key of
# DANGJIAN_FIELD_ENCRYPTION_KEYS (Fernet keys; older ones stay listed to decrypt until
# rotated away) and found by an HMAC under DANGJIAN_LOOKUP_KEY. See docs/keys.md.
DANGJIAN_FIELD_ENCRYPTION_KEYS: list[str] = []
DANGJIAN_LOOKUP_KEY = ""

# This deployment's identity and Ed25519 signing keys (activity certificates, transfer
# packages and receipts). DANGJIAN_SIGNING_KEYS holds hex seeds: the first signs, older ones
# stay listed so what they signed still verifies. See docs/keys.md.
DANGJIAN_ISSUER = "CN-DEV"
DANGJIAN_SIGNING_KEYS: list[str] = []

# Where phones reach this deployment: the activity certificate's QR opens
# <DANGJIAN_PUBLIC_URL>/cards/verify/. Keep it short (about 30 characters) so the QR stays
# within version 10-M (docs/certificate-format.md).
DANGJIAN_PUBLIC_URL = os.environ.get("DANGJIAN_PUBLIC_URL", "http://127.0.0.1:8000")

# Rule thresholds from RULES.md; configurable per deployment.
DANGJIAN_RULES = {
    "branch_min_full_members": 3,
    "branch_max_members": 50,
    "committee_from_full_members": 7,
    "committee_min_positions": 3,
}
