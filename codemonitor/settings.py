"""Settings, read from environment variables only.

Production and development differ only by environment. With DEBUG off (the default) the secret
key must be set and strong: the platform refuses to start otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a yes/no value (1, 0, true, false), not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envstr(name: str, default: str) -> str:
    return os.environ.get(name) or default


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = envstr(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def cache_config(url: str) -> dict[str, object]:
    """The shared cache from CACHE_URL: the database (default) or Redis (redis://, rediss://)."""
    common = {"KEY_PREFIX": envstr("CACHE_KEY_PREFIX", "codemonitor")}
    if not url or url == "database":
        # The table is created by migration core.0003 (and `manage.py createcachetable`).
        return {
            **common,
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "codemonitor_cache",
        }
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {**common, "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    raise ImproperlyConfigured(
        f"CACHE_URL must be empty, 'database' or a redis:// or rediss:// address, not {url!r}"
    )


def insecure_secret_key(key: str) -> str | None:
    """Say why a secret key is unfit for production, or None if it is fine."""
    if not key:
        return "SECRET_KEY is not set"
    if key.startswith(("django-insecure", "dev-")):
        return "SECRET_KEY is a development key"
    if len(key) < 50 or len(set(key)) < 5:
        return "SECRET_KEY is too short or too simple (at least 50 characters, 5 different)"
    return None


DEBUG = envbool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
_key_problem = insecure_secret_key(SECRET_KEY)
if _key_problem:
    if not DEBUG:
        raise ImproperlyConfigured(
            f"{_key_problem}. Set a long random SECRET_KEY, or DEBUG=1 for development only."
        )
    SECRET_KEY = SECRET_KEY or "dev-only-key-never-used-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "codemonitor.core",
    "codemonitor.accounts",
    "codemonitor.reference",
    "codemonitor.instruments",
    "codemonitor.reporting",
    "codemonitor.stakeholders",
    "codemonitor.national",
    "codemonitor.registers",
    "codemonitor.workforce",
    "codemonitor.analysis",
    "codemonitor.publication",
    "codemonitor.backoffice",
    "codemonitor.portal",
    "codemonitor.api",
    "codemonitor.demo",
    # The admin, with the platform's roles (codemonitor/admin_site.py).
    "codemonitor.apps.CodeMonitorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_tasks",
    "django_tasks_db",
]

# Background work (receipts, reminders) is stored in the database and run by
# `manage.py db_worker`; tests run tasks at once with the immediate backend.
TASKS = {
    "default": {
        "BACKEND": envstr("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "codemonitor.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "codemonitor.middleware.PrivatePagesMiddleware",
    "codemonitor.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that its refusal goes out with every header above and in the person's language.
    "codemonitor.middleware.RequestBodyLimitMiddleware",
]

ROOT_URLCONF = "codemonitor.urls"
# A refused form answers the page's script in JSON (codemonitor/errors.py).
CSRF_FAILURE_VIEW = "codemonitor.errors.csrf_failure"
WSGI_APPLICATION = "codemonitor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "codemonitor" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# The database: SQLite file by default, PostgreSQL in production and CI (DATABASE_URL).
# Connections are kept for DATABASE_CONN_MAX_AGE seconds and checked before a request reuses
# one (CONN_HEALTH_CHECKS): after the database restarted, a worker's kept connection is dead,
# and the check replaces it instead of failing the first request with an error.
DATA_DIR = Path(envstr("DATA_DIR", str(BASE_DIR / "var")))
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{DATA_DIR / 'codemonitor.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several workers write to one SQLite file: wait for locks instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer at all (a network outage) fails a request within this
    # many seconds, answered 503 (codemonitor/errors.py), instead of holding a worker for minutes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "connect_timeout", envint("DATABASE_CONNECT_TIMEOUT", 5)
    )
    # Behind PgBouncer in transaction mode, cursors held past a transaction do not exist:
    # DATABASE_DISABLE_SERVER_SIDE_CURSORS=1 there. The open data read their rows inside a
    # transaction of their own, which such a pool keeps on one connection; other long lists
    # are then read whole.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = envbool(
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS", False
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "home"

# Languages: the six official languages of WHO. English and French are complete; Arabic is laid
# out right to left; the others fall back to English where a string has no translation yet.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "codemonitor" / "locale"]
USE_I18N = True
USE_TZ = True
# Deadlines are held in Geneva time, where the Secretariat works.
TIME_ZONE = envstr("TIME_ZONE", "Europe/Zurich")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "codemonitor" / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(DATA_DIR / "static")))
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(DATA_DIR / "media")))
# Uploaded documents are served only by views that check access: no URL serves MEDIA_ROOT.
MEDIA_URL = "/media/"
# Uploaded documents: a folder (MEDIA_ROOT) on one machine, or S3-compatible object storage
# shared by every machine (STORAGE_BACKEND=s3). Objects are private: no ACL is sent, so the
# bucket's own (private) policy applies, and any URL boto would make is signed and short-lived;
# the views that check access read documents through the storage API.
STORAGE_BACKEND = envchoice("STORAGE_BACKEND", "filesystem", ("filesystem", "s3"))
S3_BUCKET = envstr("S3_BUCKET", "")
if STORAGE_BACKEND == "s3" and not S3_BUCKET:
    raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET, the bucket's name")
_file_storage: dict[str, object] = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": envstr("S3_ENDPOINT_URL", "") or None,
            "region_name": envstr("S3_REGION", "") or None,
            # Empty keys: boto3's own chain (an instance or pod role, AWS_* variables).
            "access_key": envstr("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": envstr("S3_SECRET_ACCESS_KEY", "") or None,
            "location": envstr("S3_PREFIX", ""),
            "addressing_style": envstr("S3_ADDRESSING_STYLE", "") or None,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }
    if STORAGE_BACKEND == "s3"
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": _file_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if envbool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Form fields other than files (autosave sends one answer; a page without JavaScript all of
# its answers): far more than the longest answers need.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FORM_UPLOAD_MAX_BYTES = envint("FORM_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# Seconds the XLSForm checker may spend on one workbook before refusing it as too complex (well
# under gunicorn's timeout, so that a hostile form gets an answer instead of a killed worker).
CHECKFORM_MAX_SECONDS = envint("CHECKFORM_MAX_SECONDS", 10)
# How long the analysis keeps what it read of a round's answers in the cache (the key changes
# with the answers, so this only bounds the memory of what is no longer asked for).
ANALYSIS_CACHE_SECONDS = envint("ANALYSIS_CACHE_SECONDS", 3600)
# A demonstration round's synthetic reports name real Member States: never public, unless an
# installation made for trying the platform says so (PUBLISH_DEMO_ROUNDS=1).
PUBLISH_DEMO_ROUNDS = os.environ.get("PUBLISH_DEMO_ROUNDS", "0") == "1"
# The licence the open data of a published round carry (its data package's `licenses`): WHO's
# licence for its data and publications unless the Secretariat chooses another.
OPEN_DATA_LICENCE = {
    "name": envstr("OPEN_DATA_LICENCE_NAME", "CC-BY-NC-SA-3.0-IGO"),
    "title": envstr(
        "OPEN_DATA_LICENCE_TITLE",
        "Creative Commons Attribution-NonCommercial-ShareAlike 3.0 IGO",
    ),
    "path": envstr(
        "OPEN_DATA_LICENCE_URL", "https://creativecommons.org/licenses/by-nc-sa/3.0/igo/"
    ),
}
# Documents attached to reports: per file and per report.
DOCUMENT_MAX_BYTES = envint("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
REPORT_DOCUMENTS_MAX_BYTES = envint("REPORT_DOCUMENTS_MAX_BYTES", 100 * 1024 * 1024)
# Spreadsheets imported into the registers (laws, recruiters): the file, and its rows.
REGISTER_IMPORT_MAX_BYTES = envint("REGISTER_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
REGISTER_IMPORT_MAX_ROWS = envint("REGISTER_IMPORT_MAX_ROWS", 20_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Zip-based documents (DOCX, XLSX, ODT, ODS) and XLSForm workbooks are checked before anything
# opens them (codemonitor/core/archives.py): what all their parts add up to once expanded, how
# many parts, how much one part over 1 MB may be compressed.
ARCHIVE_MAX_EXPANDED_BYTES = envint("ARCHIVE_MAX_EXPANDED_BYTES", 200 * 1024 * 1024)
WORKBOOK_MAX_EXPANDED_BYTES = envint("WORKBOOK_MAX_EXPANDED_BYTES", 20 * 1024 * 1024)
ARCHIVE_MAX_ENTRIES = envint("ARCHIVE_MAX_ENTRIES", 5000)
ARCHIVE_MAX_RATIO = envint("ARCHIVE_MAX_RATIO", 100)
# A file of an upload is kept only up to the largest file any view accepts; past that its bytes
# are counted and dropped (codemonitor/core/uploads.py), and the view refuses it by its size.
FILE_UPLOAD_HANDLERS = [
    "codemonitor.core.uploads.UploadSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# A request body larger than this is refused (413) before any of it is read: one file of the
# largest kind plus room for the form's other fields.
REQUEST_BODY_MAX_BYTES = envint(
    "REQUEST_BODY_MAX_BYTES",
    max(DOCUMENT_MAX_BYTES, FORM_UPLOAD_MAX_BYTES, REGISTER_IMPORT_MAX_BYTES) + 1024 * 1024,
)

# A statistics file (the OECD Health Workforce Migration dataset) uploaded by the Secretariat:
# on its route only, the body may be this large (codemonitor/core/uploads.py: upload_limit).
STATISTICS_UPLOAD_MAX_BYTES = envint("STATISTICS_UPLOAD_MAX_BYTES", 200 * 1024 * 1024)

# Days before a national deadline on which focal points of unsubmitted reports get a reminder.
REMINDER_DAYS = [int(day) for day in envlist("REMINDER_DAYS", "30,14,7,1")]

# The address of the platform, for links in emails sent outside a request (reminders).
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The cache, shared by every worker process and machine: a database table by default, Redis
# with CACHE_URL=redis://host:6379/0.
CACHE_URL = envstr("CACHE_URL", "")
CACHES = {"default": cache_config(CACHE_URL)}

# Sessions are rows in the database, which every machine shares; `cached_db` also keeps them in
# the cache (read from the cache, written to both).
SESSION_ENGINE = "django.contrib.sessions.backends." + envchoice(
    "SESSION_STORE", "db", ("db", "cached_db")
)

# Where rate-limit counters live: rows in the database (default), or the cache, counted with
# atomic add/incr, which needs Redis (the database cache cannot count atomically).
THROTTLE_STORE = envchoice("THROTTLE_STORE", "database", ("database", "cache"))
if THROTTLE_STORE == "cache" and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "THROTTLE_STORE=cache needs CACHE_URL=redis://…: the database cache cannot count "
        "atomically; keep THROTTLE_STORE=database"
    )

# Rate limits on signing in: (uses, per seconds). Every sign-in from one IP address; wrong
# passwords of one account name from all addresses together (from one address they back off,
# see accounts/services.py); two-factor codes tried for one account from one address, and from
# all together; password-reset requests from one address, and for one email address.
RATE_SIGN_IN_PER_IP = (envint("RATE_SIGN_IN_PER_IP", 30), 900)
RATE_SIGN_IN_PER_ACCOUNT = (envint("RATE_SIGN_IN_PER_ACCOUNT", 100), 3600)
RATE_CODE_PER_ADDRESS = (envint("RATE_CODE_PER_ADDRESS", 10), 900)
RATE_CODE_PER_ACCOUNT = (envint("RATE_CODE_PER_ACCOUNT", 100), 3600)
RATE_RESET_PER_IP = (envint("RATE_RESET_PER_IP", 10), 3600)
RATE_RESET_PER_EMAIL = (envint("RATE_RESET_PER_EMAIL", 3), 3600)

# Rate limits on the open stakeholder form: (uses, per seconds).
RATE_START_PER_IP = (envint("RATE_START_PER_IP", 20), 3600)
RATE_START_PER_EMAIL = (envint("RATE_START_PER_EMAIL", 5), 3600)
# Every start and every "send my link again" emails an address nobody has confirmed yet: a cap
# on all of them together, per hour, so that many addresses cannot make the platform a mailer.
RATE_START_GLOBAL = (envint("RATE_START_GLOBAL", 200), 3600)
RATE_LINK_PER_EMAIL = (envint("RATE_LINK_PER_EMAIL", 5), 3600)
RATE_UPLOAD_PER_IP = (envint("RATE_UPLOAD_PER_IP", 120), 3600)
RATE_UPLOAD_PER_EMAIL = (envint("RATE_UPLOAD_PER_EMAIL", 60), 3600)
# Autosaves per report and per address, each a minute: someone typing saves a field every few
# seconds; a whole office behind one address stays under the second.
RATE_AUTOSAVE_PER_REPORT = (envint("RATE_AUTOSAVE_PER_REPORT", 120), 60)
RATE_AUTOSAVE_PER_IP = (envint("RATE_AUTOSAVE_PER_IP", 1200), 60)
# The public lookup of authorised recruiters, per address (an IPv6 /64), per minute: a person
# checks a few names; a script copying the whole record is slowed down.
RATE_LOOKUP_PER_IP = (envint("RATE_LOOKUP_PER_IP", 60), 60)
# Open data files (a table, the workbook, the archive, one JSON document) per address, per
# minute: each costs the server a pass over the round's answers.
RATE_DOWNLOADS_PER_IP = (envint("RATE_DOWNLOADS_PER_IP", 20), 60)
# A public page drawn for visitors without an account is kept in the shared cache this long
# (seconds) under its data's version: a change of the data makes a new version at once.
PUBLIC_PAGE_SECONDS = envint("PUBLIC_PAGE_SECONDS", 3600)
# How long a process reuses the version of a busy public page (a round's, a country's) before
# working it out again: a change of the data shows on them within this many seconds.
PUBLIC_VERSION_SECONDS = envint("PUBLIC_VERSION_SECONDS", 5)
# The read API (/api/), per minute: requests without a token from one address (an IPv6 /64),
# and requests with one personal token (from wherever they come).
RATE_API_PER_IP = (envint("RATE_API_PER_IP", 120), 60)
RATE_API_PER_TOKEN = (envint("RATE_API_PER_TOKEN", 600), 60)

# Email.
EMAIL_HOST = envstr("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Code Monitor <no-reply@codemonitor.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security by default. Cookies are Secure unless SECURE_COOKIES=0 (plain-HTTP local runs only).
SECURE_COOKIES = envbool("SECURE_COOKIES", True)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
BEHIND_TLS_PROXY = envbool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the application append to X-Forwarded-For: the client's address
# (for rate limits) is that many entries from the right; 0 trusts no header.
TRUSTED_PROXY_HOPS = envint("TRUSTED_PROXY_HOPS", 1 if BEHIND_TLS_PROXY else 0)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}
