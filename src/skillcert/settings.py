"""skillcert settings: one file, everything from the environment, checked at start-up.

Environment variables (all optional for the embedded SQLite demo):
  DATABASE_URL           postgres://user@host:port/name; unset = SQLite under ./var/
  SKILLCERT_VAR_DIR      where SQLite, generated secrets and files live (default ./var)
  SECRET_KEY             Django secret; unset = generated once into $VAR/secret_key (never in the repo);
                         signs sessions and reset links only (rotation: docs/operations.md)
  SECRET_KEY_FALLBACKS   comma-separated previous keys, accepted during a rotation
  SKILLCERT_DATA_KEY     32-byte key (urlsafe base64) protecting ID numbers at rest; unset = generated
                         once into $VAR/data_key
  SKILLCERT_ENV          "production" (default) or "development": the defaults of the HTTPS-only settings
                         (secure cookies, HSTS, redirect to https); docs/operations.md "Security settings"
  SKILLCERT_TLS_PROXY    "1" behind a TLS-terminating proxy that sets X-Forwarded-Proto (trust it)
  DEBUG                  "1" for development error pages (`skillcert serve` refuses to start with it)
  ALLOWED_HOSTS          comma separated, default "127.0.0.1,localhost,testserver"
  CELERY_BROKER_URL      unset = tasks run in-process (eager); set = Celery workers
  SKILLCERT_PUBLIC_BASE_URL  the public site's address in QR codes made outside a request
  SKILLCERT_TLOG_ORIGIN  the transparency log's checkpoint origin (default: public host + "/tlog")
  SKILLCERT_BACKUP_DIR   where backups after publication go (default $VAR/backups)
  SKILLCERT_BACKUP_TARGETS  further backup copies (removable media), os.pathsep-separated paths
  CACHE_URL              redis://host:port/db: the shared cache (rate limits count across server
                         processes); unset = per-process memory (one process only)
  VERIFY_RATE_PER_MINUTE, VERIFY_RATE_PER_DAY   public verification lookups per client address
                         (default 30 and 300)

Upload and request limits (issue 13 items 4 and 10; core/uploads.py, core/tabular.py, core/parsers.py):
  SKILLCERT_UPLOAD_MAX_BYTES     a roster or score table, page or API (default 10485760 = 10 MB; 413)
  SKILLCERT_UPLOAD_MAX_ROWS      rows under the header of such a table (default 10000; 400)
  SKILLCERT_UPLOAD_MAX_UNPACKED  an XLSX table's unpacked size (default 104857600 = 100 MB; 400)
  SKILLCERT_UPLOAD_MAX_COLUMNS   columns of any uploaded table (default 200)
  SKILLCERT_UPLOAD_MAX_FIELD     characters of one cell (default 32767, Excel's own limit; a row error)
  SKILLCERT_IMPORT_MAX_BYTES     a certificate import file, format import-v1 (default 536870912 = 512 MB)
  SKILLCERT_IMPORT_MAX_ROWS      its rows (default 5000000)
  SKILLCERT_IMPORT_MAX_UNPACKED  its unpacked size when XLSX (default 2147483648 = 2 GB)
  SKILLCERT_UPLOAD_DEFAULT_MAX_BYTES  a file on a view that declares no limit of its own (default 20 MB)
  SKILLCERT_REQUEST_MAX_BYTES    a body on such a view, and how much of an oversized one a page reads to
                                 throw away (default 67108864 = 64 MB; declared views may allow more)
  SKILLCERT_JSON_MAX_DEPTH       nesting of a JSON body (default 64; deeper: 400 core.request.too_deep)
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE as _csp_nonce
from django.core.exceptions import ImproperlyConfigured

# Every file the platform writes may hold full ID numbers, photos or keys (the SQLite database, print
# PDFs, backups, uploads, exports): private to the service's user. Set here because every entry point
# (manage.py, wsgi, celery, pytest) loads these settings before it writes anything (issue 13 item 9, X7).
os.umask(0o077)

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("SKILLCERT_VAR_DIR", Path.cwd() / "var")).resolve()
if VAR_DIR.is_dir() and VAR_DIR.stat().st_mode & 0o077 and VAR_DIR.stat().st_uid == os.geteuid():
    # An installation from before the umask: its var/ (database, media, backups, secrets) was readable by
    # every local user. Closing the directory closes everything in it.
    VAR_DIR.chmod(0o700)


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError as exc:  # pragma: no cover - start-up check
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc
    if number <= 0:  # pragma: no cover - start-up check
        raise ImproperlyConfigured(f"{name} must be positive")
    return number


def _persistent_secret(env_name: str, filename: str, make: str) -> str:
    """A secret from the environment, or one generated once and kept under VAR_DIR (mode 0600).

    Keeps secrets out of the repository while letting `make run` work on a fresh machine.
    """
    value = os.environ.get(env_name)
    if value:
        return value
    path = VAR_DIR / filename
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    value = make
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


SECRET_KEY = _persistent_secret("SECRET_KEY", "secret_key", secrets.token_urlsafe(50))
# The previous keys during a rotation (docs/operations.md): sessions and reset links signed with them stay
# valid until they are taken out. Comma separated.
SECRET_KEY_FALLBACKS = [k.strip() for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k.strip()]
DATA_KEY = _persistent_secret(
    "SKILLCERT_DATA_KEY", "data_key", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
)
try:
    if len(base64.urlsafe_b64decode(DATA_KEY)) != 32:
        raise ValueError
except ValueError as exc:  # pragma: no cover - start-up check
    raise ImproperlyConfigured("SKILLCERT_DATA_KEY must be 32 bytes, urlsafe base64") from exc

DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
# The public site's address as printed in QR codes (e-certificates, printed inserts) when no request
# tells it, e.g. https://cert.example.gov.cn; unset = http://<first allowed host>.
SKILLCERT_PUBLIC_BASE_URL = os.environ.get("SKILLCERT_PUBLIC_BASE_URL", "")
# The transparency log's checkpoint origin (issue 19); default: the public base URL's host + "/tlog".
SKILLCERT_TLOG_ORIGIN = os.environ.get("SKILLCERT_TLOG_ORIGIN", "")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "skillcert.core",
    "skillcert.audit",
    "skillcert.orgs",
    "skillcert.catalog",
    "skillcert.people",
    "skillcert.jobs",
    "skillcert.appraisal",
    "skillcert.certificates",
    "skillcert.blanks",
    "skillcert.printing",
    "skillcert.esign",
    "skillcert.verification",
    "skillcert.holders",
    "skillcert.accounts",
    "skillcert.reports",
    "skillcert.transparency",
    "skillcert.publication",
    "skillcert.exchange",
    "skillcert.backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "skillcert.core.csp.CSPMiddleware",  # django-csp's, the plain header cached
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "skillcert.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "skillcert.core.middleware.AuditActorMiddleware",
    "skillcert.accounts.middleware.AccountSecurityMiddleware",
]

ROOT_URLCONF = "skillcert.urls"
WSGI_APPLICATION = "skillcert.wsgi.application"

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
                "skillcert.backoffice.context.navigation",
            ],
        },
    }
]

# --- database ---------------------------------------------------------------------------------
# Writers queue (BEGIN IMMEDIATE, 20 s busy timeout) instead of failing on a lock upgrade; WAL lets
# readers run beside the one writer.
_SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
_database_url = os.environ.get("DATABASE_URL")
if _database_url:
    # Health checks cost one `SELECT 1` round trip per request; DB_CONN_HEALTH_CHECKS=0 saves it (a
    # connection broken by a database restart then fails one request per server thread).
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url, conn_max_age=600, conn_health_checks=_env_bool("DB_CONN_HEALTH_CHECKS", True)
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = dict(_SQLITE_OPTIONS)
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # design.md "Serving the hot path": server-side binding lets psycopg prepare statements.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "skillcert.sqlite3"),
            "OPTIONS": dict(_SQLITE_OPTIONS),
            # A file, not memory, so a Celery worker in another thread or process sees the test data.
            # Per process, so two test runs on one machine never share a file.
            "TEST": {"NAME": str(VAR_DIR / f"test-skillcert-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits (public verification, holder log-in) count in the cache: with more than one server
# process (`skillcert serve`) it must be shared, i.e. Redis.
if os.environ.get("CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CACHE_URL"],
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # A real strength estimate (zxcvbn) with the user's own words (issue 13 item 12, R3.9).
    {"NAME": "skillcert.accounts.validators.GuessabilityValidator", "OPTIONS": {"min_score": 3}},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "skillcert.accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "skillcert.accounts.validators.UsernameNotContainedValidator"},
    {"NAME": "skillcert.accounts.validators.PasswordHistoryValidator"},
]

# --- i18n (X3) ----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["skillcert.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
# Uploads kept through Django's storage: the owner's alone, whatever the umask (issue 13 item 9).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

LOGIN_URL = "backoffice:login"
LOGIN_REDIRECT_URL = "backoffice:dashboard"
LOGOUT_REDIRECT_URL = "backoffice:login"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

# --- security settings (issue 13 item 7; the table in docs/operations.md) ------------------------------
# One switch decides the defaults of what needs HTTPS: production unless SKILLCERT_ENV=development says
# otherwise (`make run` and the test suite do, as they serve plain HTTP on 127.0.0.1). Each setting can
# still be set on its own from the environment. What does not depend on HTTPS is on in both.
SKILLCERT_ENV = os.environ.get("SKILLCERT_ENV", "production").strip().lower() or "production"
if SKILLCERT_ENV not in {"production", "development"}:
    raise ImproperlyConfigured(
        f"SKILLCERT_ENV must be production or development (SKILLCERT_ENV 只能为 production 或 development), "
        f"not {SKILLCERT_ENV!r}"
    )
_PRODUCTION = SKILLCERT_ENV == "production"
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", _PRODUCTION)
CSRF_COOKIE_SECURE = _env_bool("CSRF_COOKIE_SECURE", _PRODUCTION)
LANGUAGE_COOKIE_SECURE = _env_bool("LANGUAGE_COOKIE_SECURE", _PRODUCTION)  # set by /i18n/setlang/
LANGUAGE_COOKIE_HTTPONLY = True  # no script reads it
SESSION_COOKIE_SAMESITE = os.environ.get("SESSION_COOKIE_SAMESITE", "Lax")
CSRF_COOKIE_SAMESITE = os.environ.get("CSRF_COOKIE_SAMESITE", "Lax")
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", _PRODUCTION)
# A load balancer's or supervisor's plain-HTTP health check on the loopback must not be redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if _PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _PRODUCTION)
# Preloading is a commitment of the whole registrable domain, the domain owner's to make: hstspreload.org
# asks software not to send the directive by default. Off, Django's reminder (W021) is silenced below.
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", False)
if _env_bool("SKILLCERT_TLS_PROXY"):
    # Only behind a proxy that terminates TLS and overwrites X-Forwarded-Proto: from anyone else the
    # header is a lie that would make plain HTTP look secure.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
# Verification pages carry certificate numbers in their URLs (QR codes): never sent to other sites.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Content-Security-Policy (django-csp, design.md): scripts only from this site or with the per-response
# nonce (the few inline scripts), no inline style or event handler, nothing framed or framing. Pages that
# need more say so themselves (skillcert.core.csp): the API docs (Swagger UI), the statistics dashboard
# (ECharts tooltips), the session page (the ID-card reader's local bridge).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", _csp_nonce],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # photos as data: URIs (verification page, chip photo of the card)
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "skillcert.accounts.auth.TokenAuthentication",  # hashed, expiring tokens + account rules (R3.9)
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON within SKILLCERT_JSON_MAX_BYTES / _MAX_DEPTH (issue 13 items 4, 10; core/parsers.py)
    "DEFAULT_PARSER_CLASSES": [
        "skillcert.core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["skillcert.core.api.ScopedFilterBackend"],  # FK filters scoped (X1)
    "DEFAULT_PAGINATION_CLASS": "skillcert.core.api.StandardPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "skillcert.core.api.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "skillcert API",
    "DESCRIPTION": "职业资格证书管理平台 REST API. Errors are JSON problem details with a stable `code`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" or "kind": name each choice set after its own enum.
    "ENUM_NAME_OVERRIDES": {
        "OrgKindEnum": "skillcert.orgs.choices.OrgKind",
        "AccreditationEnum": "skillcert.orgs.choices.Accreditation",
        "JobStatusEnum": "skillcert.jobs.models.JobStatus",
        "ReviewStatusEnum": "skillcert.appraisal.choices.ReviewStatus",
        "PaperStatusEnum": "skillcert.appraisal.choices.PaperStatus",
        "CertificateKindEnum": "skillcert.certificates.choices.CertificateKind",
        "EventKindEnum": "skillcert.certificates.choices.EventKind",
        "CertificateStateEnum": "skillcert.certificates.choices.CertificateState",
        "RegionKindEnum": "skillcert.catalog.models.Region.Kind",
        "OstaCodeKindEnum": "skillcert.catalog.models.OstaCode.Kind",
        "CalendarDayKindEnum": "skillcert.catalog.models.CalendarDay.Kind",
        "DocumentTypeEnum": "skillcert.people.models.DocumentType",
        "GenderEnum": "skillcert.people.models.Gender",
        "InquiryStatusEnum": "skillcert.holders.models.CertificateInquiry.Status",
        "CorrectionStatusEnum": "skillcert.holders.models.CorrectionRequest.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "skillcert.core.api.problem_schema_hook",
    ],
}

# --- jobs ---------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Periodic work, run by `celery -A skillcert beat` next to the workers (or the same commands from cron).
CELERY_BEAT_SCHEDULE = {
    "blanks-recall-uncollected-daily": {  # R2.8: five years uncollected → recalled
        "task": "skillcert.blanks.recall_uncollected_daily",
        "schedule": crontab(hour=2, minute=30),
    },
    "people-prune-orphan-photos-daily": {  # photo files of refused enrolments (R0.3, X7)
        "task": "skillcert.people.prune_orphan_photos_daily",
        "schedule": crontab(hour=3, minute=0),
    },
}

# --- logging: never a full ID number (X7); the filter masks any that slip into a message ---------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_ids": {"()": "skillcert.core.logging.MaskIdNumbersFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_ids"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

SKILLCERT_LOGIN_MAX_FAILURES = 5
# API tokens (accounts.ApiToken, hashed): lifetime in days and active tokens per user (issue 13 item 8).
SKILLCERT_API_TOKEN_DAYS = int(os.environ.get("SKILLCERT_API_TOKEN_DAYS", "30"))
SKILLCERT_API_TOKENS_PER_USER = int(os.environ.get("SKILLCERT_API_TOKENS_PER_USER", "10"))

# --- backups after publication (R3.9): the server's directory and the further copies (path list) ---
SKILLCERT_BACKUP_DIR = Path(os.environ.get("SKILLCERT_BACKUP_DIR") or VAR_DIR / "backups").resolve()
SKILLCERT_BACKUP_TARGETS = [
    Path(p).resolve() for p in os.environ.get("SKILLCERT_BACKUP_TARGETS", "").split(os.pathsep) if p.strip()
]
VERIFY_RATE_PER_MINUTE = int(os.environ.get("VERIFY_RATE_PER_MINUTE", "30"))
VERIFY_RATE_PER_DAY = int(os.environ.get("VERIFY_RATE_PER_DAY", "300"))

# --- uploads and request bodies (issue 13 items 4, 10; see the header) ------------------------------
_MB = 1024 * 1024
SKILLCERT_UPLOAD_MAX_BYTES = _env_int("SKILLCERT_UPLOAD_MAX_BYTES", 10 * _MB)
SKILLCERT_UPLOAD_MAX_ROWS = _env_int("SKILLCERT_UPLOAD_MAX_ROWS", 10_000)
SKILLCERT_UPLOAD_MAX_UNPACKED = _env_int("SKILLCERT_UPLOAD_MAX_UNPACKED", 100 * _MB)
SKILLCERT_UPLOAD_MAX_COLUMNS = _env_int("SKILLCERT_UPLOAD_MAX_COLUMNS", 200)
SKILLCERT_UPLOAD_MAX_FIELD = _env_int("SKILLCERT_UPLOAD_MAX_FIELD", 32_767)
SKILLCERT_IMPORT_MAX_BYTES = _env_int("SKILLCERT_IMPORT_MAX_BYTES", 512 * _MB)
SKILLCERT_IMPORT_MAX_ROWS = _env_int("SKILLCERT_IMPORT_MAX_ROWS", 5_000_000)
SKILLCERT_IMPORT_MAX_UNPACKED = _env_int("SKILLCERT_IMPORT_MAX_UNPACKED", 2048 * _MB)
SKILLCERT_UPLOAD_DEFAULT_MAX_BYTES = _env_int("SKILLCERT_UPLOAD_DEFAULT_MAX_BYTES", 20 * _MB)
SKILLCERT_REQUEST_MAX_BYTES = _env_int("SKILLCERT_REQUEST_MAX_BYTES", 64 * _MB)
SKILLCERT_JSON_MAX_DEPTH = _env_int("SKILLCERT_JSON_MAX_DEPTH", 64)
# Django's own (its defaults, named here because they are limits too): a body read into memory — form
# fields, and JSON, which DRF reads through request.body (larger: 413 core.request.too_large) — and
# files held in memory before they spill to a temporary file. The first upload handler refuses a file
# over its view's limit before either sees a byte.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "skillcert.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
