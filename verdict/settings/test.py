"""Test settings: fast hashing, plain HTTP, a throwaway media folder. DATABASE_URL still decides the DB."""
import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "verdict-test-secret-key-not-for-production-use-0123456789")

from verdict.settings.base import *  # noqa: F403
from verdict.settings.base import DATABASES, REST_FRAMEWORK, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HTTPS = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="verdict-test-media-"))
# Each test run its own scratch folder for uploads and dataset builds, like its own media folder.
FILE_UPLOAD_TEMP_DIR = tempfile.mkdtemp(prefix="verdict-test-scratch-")
VERDICT_ARTIFACTS_ROOT = MEDIA_ROOT / "artifacts"
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="verdict-test-static-"))
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# The suite makes thousands of API calls as a few users (ids recur across tests): per-user and anonymous
# throttles would fail unrelated tests. tests/test_login_protection.py turns them on with `settings`.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": None, "user": None},
}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not SQLite's shared-cache in-memory database: shared cache has table locks that ignore
    # the busy timeout, which the live-server browser tests (two threads) would hit.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.mkdtemp(prefix="verdict-test-db-")) / "test.sqlite3")}
