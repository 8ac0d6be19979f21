#!/usr/bin/env bash
# One command for a fresh machine: virtualenv, dependencies, database, demo project and users,
# then the web server (http://127.0.0.1:8000) and a Celery worker. Embedded defaults: a SQLite
# file and a filesystem message broker under var/, so there are no servers to install.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3.11 -m venv .venv
fi
.venv/bin/pip install -q -r requirements.txt
export DEBUG="${DEBUG:-1}" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
mkdir -p var
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py load_demo
# One worker per queue, so short jobs never wait behind training: `default` (dataset builds, scoring
# housekeeping, with beat for the dead-job reaper) and `gpu` (training and simulation, one job at a time).
.venv/bin/celery -A verdict worker -Q default -n default@%h --concurrency 2 --beat --schedule var/celerybeat-schedule --loglevel INFO > var/worker-default.log 2>&1 &
default_worker=$!
.venv/bin/celery -A verdict worker -Q gpu -n gpu@%h --concurrency 1 --loglevel INFO > var/worker-gpu.log 2>&1 &
gpu_worker=$!
trap 'kill $default_worker $gpu_worker 2>/dev/null || true' EXIT INT TERM
echo "Celery workers started: default queue with beat (log: var/worker-default.log), gpu queue (log: var/worker-gpu.log)."
echo "Open http://127.0.0.1:${PORT:-8000}/ and log in as annotator1 / verdict-demo."
.venv/bin/python manage.py runserver "127.0.0.1:${PORT:-8000}"
