"""Verdict settings. Every difference between a laptop and production is an environment variable.

Embedded defaults (no servers to install): a SQLite file and kombu's filesystem broker under `var/`.
Production: DATABASE_URL=postgres://…, CELERY_BROKER_URL=redis://…, DEBUG=0, SECRET_KEY, ALLOWED_HOSTS.
"""
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VERDICT_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    "django-insecure-verdict-development-key-only-for-debug" if DEBUG else ""
)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "annotation",
    "jobs",
    "quality",
    "hindsight",
    "datasets_app",
    "training",
    "verdict",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "verdict.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "verdict.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes requires: it answers a locked-out login with 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "verdict.urls"
WSGI_APPLICATION = "verdict.wsgi.application"
ASGI_APPLICATION = "verdict.asgi.application"

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
                "annotation.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'verdict.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        # A reused connection is checked before a request uses it, so a database restart or a killed
        # backend costs a reconnect instead of a 500 per thread (tests/test_database_connections.py).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers, so task assignment stays correct on SQLite too.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password guessing: django-axes counts failed logins (login page, /api/token/, admin) per username
# and client address (REMOTE_ADDR) and refuses that pair, right password or not, for a cool-off period.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("VERDICT_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("VERDICT_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "annotation:project_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Scratch folder for large uploads and dataset builds; on MEDIA_ROOT's filesystem, finished files are
# moved into storage instead of copied. None: the system's temporary folder.
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or None
STORAGES = {
    "default": {"BACKEND": os.environ.get("VERDICT_FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Request bodies other than uploaded files (form fields, JSON) are read into memory up to this size (400
# beyond); an uploaded file larger than FILE_UPLOAD_MAX_MEMORY_SIZE is spooled to FILE_UPLOAD_TEMP_DIR.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(50 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("FILE_UPLOAD_MAX_MEMORY_SIZE", str(10 * 1024 * 1024)))
# Imports (README "Imports"): no request body may be larger than an import upload (413), and a .gz or
# .zip may unpack to at most VERDICT_IMPORT_MAX_DECOMPRESSED_BYTES (a failed import, 400).
VERDICT_IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("VERDICT_IMPORT_MAX_UPLOAD_BYTES", str(256 * 1024 * 1024)))
VERDICT_IMPORT_MAX_DECOMPRESSED_BYTES = int(os.environ.get("VERDICT_IMPORT_MAX_DECOMPRESSED_BYTES", str(2 * 1024**3)))

# HTTPS hardening is on whenever DEBUG is off; VERDICT_HTTPS=0 turns it off behind a plain-HTTP proxy.
HTTPS = env_bool("VERDICT_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "annotation.authentication.TokenWithRolesAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "verdict.api_errors.json_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "verdict.pagination.LimitOffsetPagination",
    "DEFAULT_THROTTLE_CLASSES": ["verdict.throttling.AnonThrottle", "verdict.throttling.UserThrottle"],
    # Requests per client address (anon, token) or per user; an empty variable turns a scope off.
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("VERDICT_THROTTLE_ANON", "120/minute") or None,
        "user": os.environ.get("VERDICT_THROTTLE_USER", "1200/minute") or None,
        "token": os.environ.get("VERDICT_THROTTLE_TOKEN", "10/minute") or None,
    },
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Verdict API",
    "DESCRIPTION": "Human-feedback annotation, dataset exports and reward-model / DPO training jobs.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {
        "ImportFormatEnum": "datasets_app.models.imports.ImportFormat",
        "DatasetFormatEnum": "datasets_app.models.exports.DatasetFormat",
        "ImportStatusEnum": "datasets_app.models.imports.ImportStatus",
        "DatasetStatusEnum": "datasets_app.models.exports.DatasetStatus",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: Redis (or RabbitMQ) in production; kombu's filesystem transport needs no server for a first run.
# One cache for every web process: per-annotator figures (the open-items count), throttling. Production
# and benchmarks point it at Redis (VERDICT_CACHE_URL=redis://…/1), so that what one gunicorn worker
# counted or counted down the others read; the embedded default is each process's own memory.
VERDICT_CACHE_URL = os.environ.get("VERDICT_CACHE_URL", "")
if VERDICT_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "verdict.cache.VerdictRedisCache",
            "LOCATION": VERDICT_CACHE_URL,
            "KEY_PREFIX": "verdict",
        }
    }

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_FOLDER = VAR_DIR / "celery-broker"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# Every task's queue is decided here: training and outcome simulation on GPU hosts, the rest on `default`.
CELERY_TASK_ROUTES = {
    "training.reap_stale_jobs": {"queue": "default"},
    "training.online_dpo_tick": {"queue": "default"},
    "training.arena_refresh": {"queue": "default"},
    "training.*": {"queue": "gpu"},
    "datasets_app.*": {"queue": "default"},
    "annotation.*": {"queue": "default"},
}
CELERY_BEAT_SCHEDULE = {
    "reap-stale-jobs": {"task": "training.reap_stale_jobs", "schedule": 15.0, "options": {"queue": "default"}},
    "online-dpo-tick": {"task": "training.online_dpo_tick", "schedule": 30.0, "options": {"queue": "default"}},
    # Recomputes the arena leaderboards whose battle votes changed (training.arena.leaderboard).
    "arena-refresh": {"task": "training.arena_refresh", "schedule": 30.0, "options": {"queue": "default"}},
    # Fails dataset versions whose build job was reaped or cancelled (and removes their files).
    "reconcile-dataset-builds": {"task": "datasets_app.reconcile_dataset_builds", "schedule": 5.0, "options": {"queue": "default"}},
    # Recomputes the stored dashboard figures of projects that changed (annotation.stats).
    "refresh-project-stats": {
        "task": "annotation.refresh_project_stats",
        "schedule": float(os.environ.get("VERDICT_STATS_REFRESH_SECONDS", "30")),
        "options": {"queue": "default", "expires": float(os.environ.get("VERDICT_STATS_REFRESH_SECONDS", "30"))},
    },
}
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# Models are settings: a local path or a hub id. Empty means the embedded default.
VERDICT_REWARD_BASE_MODEL = os.environ.get("VERDICT_REWARD_BASE_MODEL", "")
VERDICT_POLICY_MODEL = os.environ.get("VERDICT_POLICY_MODEL", "")
VERDICT_TORCH_THREADS = int(os.environ.get("VERDICT_TORCH_THREADS", "0"))
VERDICT_ARTIFACTS_ROOT = Path(os.environ.get("VERDICT_ARTIFACTS_ROOT", MEDIA_ROOT / "artifacts"))
# A running job beats every VERDICT_JOB_HEARTBEAT_SECONDS; one silent for VERDICT_JOB_STALE_SECONDS
# is failed by the reaper (Celery beat, every 15 s), so a killed worker's job fails within a minute.
VERDICT_JOB_HEARTBEAT_SECONDS = float(os.environ.get("VERDICT_JOB_HEARTBEAT_SECONDS", "10"))
VERDICT_JOB_STALE_SECONDS = float(os.environ.get("VERDICT_JOB_STALE_SECONDS", "40"))
# Besides beat's reaper, every worker checks for stale jobs this often (jobs/watch.py), so reaping does
# not depend on beat or on a live `default`-queue worker.
VERDICT_JOB_REAP_SECONDS = float(os.environ.get("VERDICT_JOB_REAP_SECONDS", "15"))
# Stored dashboard figures are recomputed by beat every VERDICT_STATS_REFRESH_SECONDS when stale, and at
# least every VERDICT_STATS_MAX_AGE_SECONDS (0 = never) to catch writes made outside the annotation services.
VERDICT_STATS_MAX_AGE_SECONDS = float(os.environ.get("VERDICT_STATS_MAX_AGE_SECONDS", "3600"))
# Model text longer than this is shown as escaped plain text instead of rendered Markdown, which keeps
# the time a task fetch spends rendering bounded (annotation/rendering.py).
VERDICT_MARKDOWN_MAX_CHARS = int(os.environ.get("VERDICT_MARKDOWN_MAX_CHARS", "50000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors_without_traceback": {"()": "verdict.log_filters.ClientErrorWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler (on under DEBUG) would print every django.* record a second time
        # after the root handler did: Django's records go to the root handler only.
        "django": {"handlers": [], "propagate": True},
        "django.request": {"filters": ["client_errors_without_traceback"], "propagate": True},
    },
}
