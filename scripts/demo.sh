#!/usr/bin/env bash
# One command for a fresh machine: virtualenv, dependencies, database, demo project and users, then
# the web server (http://127.0.0.1:$PORT, default 8000) and a Celery worker per queue. Embedded
# defaults: a SQLite file and a filesystem message broker under var/, so there are no servers to install.
#
#   PORT=8001 bash scripts/demo.sh        # another port
#   VERDICT_SKIP_INSTALL=1 bash scripts/demo.sh   # do not run pip (the virtualenv is already set up)
#
# Ctrl+C or SIGTERM stops the server and both workers (a job still running is stopped too; the
# dead-job reaper marks it failed on the next start). Running it again adds nothing to the demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
VAR_DIR="${VERDICT_VAR_DIR:-var}"
STOP_GRACE_SECONDS="${STOP_GRACE_SECONDS:-10}"

step() { printf '\n==> %s\n' "$*"; }

if [ ! -x .venv/bin/python ]; then
  step "Creating the virtualenv (.venv) with python3.11"
  python3.11 -m venv .venv
fi
stamp=.venv/.verdict-requirements.sha256
wanted="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ "${VERDICT_SKIP_INSTALL:-0}" = 1 ]; then
  step "Not installing dependencies (VERDICT_SKIP_INSTALL=1)"
elif [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  step "Dependencies are installed (requirements.txt unchanged since the last run)"
else
  step "Installing dependencies from requirements.txt (the first time takes several minutes: PyTorch alone is large)"
  .venv/bin/pip install -r requirements.txt
  echo "$wanted" > "$stamp"
fi

export DEBUG="${DEBUG:-1}" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
mkdir -p "$VAR_DIR"
step "Migrating the database"
.venv/bin/python manage.py migrate --noinput
step "Loading the demo users and projects"
.venv/bin/python manage.py load_demo

# Each service runs in its own process group (job control on), so stopping one stops its children too
# (a Celery worker's pool), and Ctrl+C in the terminal reaches this script, which stops them all.
set -m
services=()
stop() {
  trap - EXIT INT TERM
  [ "${#services[@]}" -eq 0 ] && return
  echo
  echo "Stopping the web server and the Celery workers…"
  for pid in "${services[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for _ in $(seq $((STOP_GRACE_SECONDS * 10))); do
    alive=0
    for pid in "${services[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  # A worker in the middle of a training step waits for it to end: past the grace period it is killed.
  for pid in "${services[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}
trap stop EXIT
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM

# One worker per queue, so short jobs never wait behind training: `default` (dataset builds and
# housekeeping, with beat for the dead-job reaper) and `gpu` (training and simulation, one at a time).
step "Starting the Celery workers"
.venv/bin/celery -A verdict worker -Q default -n "default@%h" --concurrency 2 --beat \
  --schedule "$VAR_DIR/celerybeat-schedule" --loglevel INFO > "$VAR_DIR/worker-default.log" 2>&1 &
services+=($!)
.venv/bin/celery -A verdict worker -Q gpu -n "gpu@%h" --concurrency 1 --loglevel INFO > "$VAR_DIR/worker-gpu.log" 2>&1 &
services+=($!)
echo "default queue with beat: log in $VAR_DIR/worker-default.log; gpu queue: log in $VAR_DIR/worker-gpu.log"

step "Starting the web server: open http://127.0.0.1:$PORT/ and log in as annotator1 / verdict-demo (Ctrl+C stops everything)"
.venv/bin/python manage.py runserver --noreload "127.0.0.1:$PORT" &
services+=($!)
# `wait` returns when a signal arrives (running its trap) or when a service exits on its own.
wait -n || true
echo "A service stopped on its own; see the logs in $VAR_DIR/."
exit 1
