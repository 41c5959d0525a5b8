"""Settings, read from the environment (see docs/operations.md for every variable).

Small helpers in the style of healthchecks.io: each setting has one line, a default that is safe
for a developer's machine, and production hardening switched on when SAMTRYGG_DEBUG is off.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DATA_DIR = Path(env("SAMTRYGG_DATA_DIR", str(Path.cwd() / "var"))).resolve()
TESTING = "pytest" in sys.modules or env_bool("SAMTRYGG_TESTING")


def _secret_key() -> str:
    """SAMTRYGG_SECRET_KEY, or a key generated once into DATA_DIR/secret_key."""
    key = env("SAMTRYGG_SECRET_KEY")
    if key:
        return key
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(64)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("SAMTRYGG_DEBUG", False)
# Demo mode: MFA is offered but not forced, so that the printed demo logins work at once.
DEMO_MODE = env_bool("SAMTRYGG_DEMO", False)
ALLOWED_HOSTS = env_list("SAMTRYGG_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("SAMTRYGG_CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SAMTRYGG_SITE_URL", "http://127.0.0.1:8000")

# Polisen's open events API. The scheduler fetches it hourly only when turned on (no call-outs
# by default: demos and tests run offline).
POLISEN_API_URL = env("SAMTRYGG_POLISEN_API_URL", "https://polisen.se/api/events")
POLISEN_USER_AGENT = env(
    "SAMTRYGG_POLISEN_USER_AGENT", "Samtrygg (brottsförebyggande samverkan; " + SITE_URL + ")"
)
POLISEN_FETCH_HOURLY = env_bool("SAMTRYGG_POLISEN_FETCH")

INSTALLED_APPS = [
    "samtrygg.core",
    "samtrygg.tenancy",
    "samtrygg.areas",
    "samtrygg.audit",
    "samtrygg.exchange",
    "samtrygg.incidents",
    "samtrygg.situation",
    "samtrygg.plans",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "simple_history",
    "django_htmx",
    "django_tasks_db",
    "ninja",
]

MIDDLEWARE = [
    # First: the client's address behind a trusted proxy, before anything reads it.
    "samtrygg.core.middleware.ClientIpMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files carry the header too.
    "samtrygg.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "samtrygg.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "samtrygg.core.middleware.SwedishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "samtrygg.core.middleware.RequireMfaMiddleware",
    # Axes last, as its documentation asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "samtrygg.urls"
WSGI_APPLICATION = "samtrygg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "samtrygg.core.context_processors.navigation",
            ],
        },
    }
]

# Database: SQLite by default (WAL, IMMEDIATE transactions, busy timeout), any DATABASE_URL else.
_default_sqlite = f"sqlite:///{DATA_DIR / 'samtrygg.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(env("DATABASE_URL", _default_sqlite), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    # A file, not :memory:, so that the browser tests' live server threads get a connection
    # each (an in-memory database is one shared connection, unsafe for parallel requests).
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-samtrygg.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tenancy.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is slow by design; tests that are not about hashing use a fast hasher.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: no open sign-up (see tenancy.adapters), e-mail login, invitations only.
ACCOUNT_ADAPTER = "samtrygg.tenancy.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Failed logins are counted and locked by django-axes (below), one mechanism with one limit;
# allauth's own per-account counter would otherwise answer first. Its per-IP flood limit stays.
ACCOUNT_RATE_LIMITS = {"login_failed": "30/m/ip"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Samtrygg"
# Roles that must have MFA before they reach anything (tenancy.roles).
MFA_REQUIRED = not DEMO_MODE and env_bool("SAMTRYGG_MFA_REQUIRED", True)

# django-axes: five wrong passwords are forgiven; the sixth locks the account (not the IP).
# Axes locks on the attempt that reaches the limit, hence 6.
AXES_FAILURE_LIMIT = 6
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_COOLOFF_TIME = env_int("SAMTRYGG_LOCKOUT_MINUTES", 30) / 60  # hours
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "samtrygg.tenancy.adapters.axes_username"
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
AXES_VERBOSE = False
# The real client behind a trusted proxy (core/client_ip.py), as for every other use.
AXES_CLIENT_IP_CALLABLE = "samtrygg.core.client_ip.client_ip"
# axes.W006 asks for IP-based lockout too. We lock the account, which rotating user agents or
# cookies cannot bypass; locking by IP would lock a whole municipal office behind one NAT
# address after a few typos. IP rate limiting belongs in the reverse proxy (docs/operations.md).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

SESSION_COOKIE_AGE = env_int("SAMTRYGG_SESSION_HOURS", 10) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "samtrygg.core.views.csrf_failure"

# Reverse proxies whose X-Forwarded-For is believed (IP addresses or networks, comma-separated;
# docs/operations.md "Reverse proxy"). Empty: the connection's peer is the client.
TRUSTED_PROXIES = env_list("SAMTRYGG_TRUSTED_PROXIES")

# Language: Swedish first, English second.
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

# Background work: Django's tasks API; the database backend in production, at once in tests.
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend"
    }
}
# The task worker (`samtrygg worker`): a worker whose heartbeat is older than this (seconds) is
# taken for dead and the tasks it was running are run again (a worker dead on the same host is
# seen at once). /healthz answers 503 when the newest worker or scheduler heartbeat is older than
# its limit (seconds; 0 = not checked); the worker is checked only with the database backend.
TASKS_WORKER_LOST_AFTER = env_int("SAMTRYGG_WORKER_LOST_AFTER", 120)
HEALTHZ_WORKER_MAX_AGE = env_int("SAMTRYGG_HEALTHZ_WORKER_MAX_AGE", 60)
HEALTHZ_SCHEDULER_MAX_AGE = env_int("SAMTRYGG_HEALTHZ_SCHEDULER_MAX_AGE", 0 if TESTING else 300)
# gunicorn under `samtrygg serve`: a request running longer is stopped (its worker restarted);
# on a stop, requests in flight get the graceful time to finish.
WEB_TIMEOUT = env_int("SAMTRYGG_WEB_TIMEOUT", 60)
WEB_GRACEFUL_TIMEOUT = env_int("SAMTRYGG_WEB_GRACEFUL_TIMEOUT", 30)

# Mail (Django 6.1 MAILERS): console by default, SMTP when SAMTRYGG_EMAIL_HOST is set.
_email_backend = env(
    "SAMTRYGG_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env("SAMTRYGG_EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
_email_options: dict[str, object] = {}
if _email_backend.endswith("smtp.EmailBackend"):
    _email_options = {
        "host": env("SAMTRYGG_EMAIL_HOST", "localhost"),
        "port": env_int("SAMTRYGG_EMAIL_PORT", 25),
        "username": env("SAMTRYGG_EMAIL_USER"),
        "password": env("SAMTRYGG_EMAIL_PASSWORD"),
        "use_tls": env_bool("SAMTRYGG_EMAIL_TLS", False),
        # Seconds for each step of the SMTP conversation: a mail server that hangs fails the
        # task instead of holding the worker.
        "timeout": env_int("SAMTRYGG_EMAIL_TIMEOUT", 10),
    }
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env("SAMTRYGG_EMAIL_FROM", "samtrygg@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Base map tiles: empty means no tile server; the map still draws the boundary and areas.
MAP_TILE_URL = env("SAMTRYGG_MAP_TILE_URL")
MAP_TILE_ATTRIBUTION = env("SAMTRYGG_MAP_TILE_ATTRIBUTION")

# Content-Security-Policy: strict, no inline script or style, nothing from elsewhere.
_img_src = [CSP.SELF, "data:"]
if MAP_TILE_URL:
    from urllib.parse import urlsplit

    # The tile server's host; "{s}" (sub-domains a, b, c) becomes a wildcard.
    _tiles = urlsplit(MAP_TILE_URL)
    _img_src.append(f"{_tiles.scheme}://{_tiles.netloc.replace('{s}', '*')}")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": _img_src,
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Production hardening; the local demo and the test suite speak plain HTTP on 127.0.0.1.
if not DEBUG and not DEMO_MODE and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SAMTRYGG_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SAMTRYGG_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = env_bool("SAMTRYGG_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Places, never persons: aggregates over fewer incidents than this are suppressed.
SMALL_COUNT_THRESHOLD = env_int("SAMTRYGG_SMALL_COUNT_THRESHOLD", 3)
# Duplicate candidates: related category within this distance and time of each other.
DUPLICATE_RADIUS_M = env_int("SAMTRYGG_DUPLICATE_RADIUS_M", 100)
DUPLICATE_HOURS = env_int("SAMTRYGG_DUPLICATE_HOURS", 12)
# The earliest time an incident may have happened (core/bounds.py); the database refuses any
# time before 1900 whatever this says.
SAMTRYGG_EARLIEST_DATE = env("SAMTRYGG_EARLIEST_DATE", "2000-01-01")
# Long work off the request (exchange/jobs.py): an import file larger than this (bytes), or an
# export of more rows than this, runs in the task worker with its progress on a page. Job files
# (DATA_DIR/jobs) and results are removed after the retention (days).
IMPORT_BACKGROUND_BYTES = env_int("SAMTRYGG_IMPORT_BACKGROUND_BYTES", 2 * 1024 * 1024)
# The API imports in the request: a file it can check and write well inside WEB_TIMEOUT.
API_IMPORT_MAX_BYTES = env_int("SAMTRYGG_API_IMPORT_MAX_BYTES", 30_000_000)
EXPORT_BACKGROUND_ROWS = env_int("SAMTRYGG_EXPORT_BACKGROUND_ROWS", 10_000)
JOB_RETENTION_DAYS = env_int("SAMTRYGG_JOB_RETENTION_DAYS", 7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("SAMTRYGG_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "weasyprint": {"level": "WARNING"},  # it logs every rendering step at INFO
        "fontTools": {"level": "WARNING"},
    },
}
