#!/usr/bin/env bash
# Runs the whole test suite. Creates .venv from requirements.txt if it is missing.
# Uses DATABASE_URL / CELERY_BROKER_URL when set (CI points them at PostgreSQL and Redis);
# otherwise the embedded defaults (SQLite; PostgreSQL-only tests are then skipped locally).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/pytest ]; then
  python3.11 -m venv .venv
  echo "==> Installing dependencies from requirements.txt (the first time takes several minutes)"
  .venv/bin/pip install -r requirements.txt
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 OMP_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false
exec .venv/bin/python -m pytest "$@"
