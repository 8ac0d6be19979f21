import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "verdict.settings.base",
        "DEBUG": "0",
        "SECRET_KEY": "a-long-random-production-secret-key-" + "x7Qp9" * 10,
        "ALLOWED_HOSTS": "verdict.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def cache_backend(tmp_path, **extra: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "verdict.settings.base", "DEBUG": "1",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **extra}
    if "VERDICT_CACHE_URL" not in extra:
        env.pop("VERDICT_CACHE_URL", None)
    code = "import django; django.setup(); from django.conf import settings; c = settings.CACHES['default']; print(c['BACKEND'], c.get('LOCATION', ''))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_web_workers_share_a_redis_cache_when_one_is_configured(tmp_path):
    assert cache_backend(tmp_path, VERDICT_CACHE_URL="redis://127.0.0.1:6379/1") == (
        "verdict.cache.VerdictRedisCache redis://127.0.0.1:6379/1"
    )
    assert cache_backend(tmp_path).startswith("django.core.cache.backends.locmem.LocMemCache")
