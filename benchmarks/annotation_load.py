"""Annotation load benchmark: N items in PostgreSQL, C concurrent simulated annotators over HTTP
against gunicorn, each looping next-task → (think) → submit. Prints throughput, p50/p95 latency per
endpoint, and checks that no item went over its overlap.

    .venv/bin/python benchmarks/annotation_load.py --items 100000 --annotators 50 --seconds 30
    .venv/bin/python benchmarks/annotation_load.py --items 100000 --annotators 50 --think-seconds 0   # saturation

An annotator "thinks" for --think-seconds on average (uniform between half and one and a half times
it) before submitting; people take tens of seconds per comparison, so the default of 2 s is already
a stress test. With no think time the clients form a closed loop that saturates the server, and the
latency then measures the queue (Little's law), not the request.

With --history-annotations N the annotators are not fresh accounts: the project is built as
`scale.py` builds it (`export_scale.py`'s COPY builder: N past annotations, N / 3 pairs each judged by
3 of the --annotators, so each has 3 · (N / 3) / annotators of them, 20k at 1M with 50 annotators; 1 %
gold; the progress counters filled and the dashboard figures stored by the stats refresh; then VACUUM
(ANALYZE) and CHECKPOINT, as autovacuum leaves a production database after a bulk load), plus --items
open pairs nobody has judged (default: 10 % of the judged pairs, as scale.py), and those same annotators
run the loop:

    .venv/bin/python benchmarks/annotation_load.py --history-annotations 1000000 --annotators 50 --seconds 60
    .venv/bin/python benchmarks/annotation_load.py --history-annotations 1000000 --annotators 50 --seconds 60 --reuse

--reuse runs again on the database the previous run left (its annotations included), without rebuilding
it: a freshly bulk-loaded database is not a warm one (PostgreSQL sets hint bits and writes back the
pages the load left dirty during the first run).

Uses (and recreates) the database named by --database-url (default: verdict_bench on the local
PostgreSQL). Not part of the test suite.
"""
import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SLUG = "load"
# With --history-annotations the project asks for Likert scores too (the builder's default task types).
HISTORY_ANSWER = {"attribute_scores": {slot: {name: 2 for name in ("helpfulness", "correctness", "coherence", "complexity", "verbosity")}
                                       for slot in ("A", "B")}, "justification": "A is clearer."}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, help="open items (default 100,000; with --history-annotations 10 %% of the judged pairs)")
    parser.add_argument("--history-annotations", type=int, default=0,
                        help="build the annotators' past annotations with scale.py's builder (default 0: fresh accounts)")
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--overlap", type=int, default=3)
    parser.add_argument("--think-seconds", type=float, default=2.0, help="mean think time per task (0: closed loop)")
    parser.add_argument("--warmup-seconds", type=float, default=5.0, help="left out of the steady-state figures")
    parser.add_argument("--workers", type=int, help="gunicorn worker processes (default: verdict/gunicorn_conf.py's)")
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker, gthread (default: verdict/gunicorn_conf.py's)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--cache-url", default="redis://127.0.0.1:6379/1",
        help="VERDICT_CACHE_URL of the server (the shared cache production uses; empty: each worker's own memory)",
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/verdict_bench")
    parser.add_argument(
        "--reuse", action="store_true",
        help="run against the project an earlier run left in --database-url (its annotations included) instead of rebuilding it",
    )
    return parser.parse_args()


def recreate_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed_history(args: argparse.Namespace, env: dict[str, str]) -> list[str]:
    """scale.py's project of --history-annotations past annotations by the --annotators (progress counters
    filled, figures stored by the stats refresh in a child process, as scale.py does); returns their tokens."""
    from benchmarks import scale

    built = scale.populate(args.history_annotations, SLUG, args.annotators, args.items)  # sets Django up
    from rest_framework.authtoken.models import Token

    project, users = built.pop("project"), built.pop("users")
    built.update(scale.run_step(env, "refresh", "--slug", project.slug))
    built["vacuum_seconds"] = settle_database()
    histories = sorted(user.annotations.count() for user in users)
    print(f"built: {json.dumps(built)}; past annotations per annotator {histories[0]:,}–{histories[-1]:,}", flush=True)
    return [Token.objects.create(user=user).key for user in users]


def settle_database() -> float:
    """VACUUM (ANALYZE) and CHECKPOINT after the bulk build, as a production database is after one: there
    autovacuum visits freshly loaded tables within a minute (setting hint bits and the visibility map that
    index-only scans read). With autovacuum off (as on the machines these figures come from) the timed run
    would otherwise pay for that first visit, and for writing back the pages the load left dirty, inside
    its requests. Returns the seconds it took."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")
    return round(time.perf_counter() - started, 1)


def existing_tokens(annotators: int) -> list[str]:
    """API tokens of the first ``annotators`` members of the project a previous run built."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    users = get_user_model().objects.filter(memberships__project__slug=SLUG, is_superuser=False).order_by("pk")[:annotators]
    tokens = [Token.objects.get_or_create(user=user)[0].key for user in users]
    if len(tokens) < annotators:
        sys.exit(f"--reuse: the project has {len(tokens)} annotators, not {annotators}; run without --reuse first")
    return tokens


def seed(args: argparse.Namespace) -> list[str]:
    """Migrate and create the project, items and annotators; returns the annotators' API tokens."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from annotation.models import Item, Membership, Project, Prompt, Response, messages_content_hash, text_content_hash

    call_command("migrate", verbosity=0)
    project = Project.objects.create(name="Load", slug=SLUG, overlap=args.overlap, task_types=["pairwise"], justification_min_strength=4)
    batch = 5000
    for start in range(0, args.items, batch):
        count = min(batch, args.items - start)
        prompts = []
        for i in range(start, start + count):
            messages = [{"role": "user", "content": f"Prompt {i}: explain topic {i % 977}."}]
            prompts.append(Prompt(project=project, messages=messages, content_hash=messages_content_hash(messages)))
        prompts = Prompt.objects.bulk_create(prompts)
        responses = []
        for prompt in prompts:
            for variant in ("short", "long"):
                text = f"A {variant} answer to {prompt.messages[0]['content']}"
                responses.append(Response(prompt=prompt, text=text, content_hash=text_content_hash(text), model_name="bench"))
        responses = Response.objects.bulk_create(responses)
        Item.objects.bulk_create(
            Item(project=project, prompt=prompt, response_1=responses[2 * k], response_2=responses[2 * k + 1])
            for k, prompt in enumerate(prompts)
        )
    group, _ = Group.objects.get_or_create(name="annotator")
    tokens = []
    for i in range(args.annotators):
        user = get_user_model().objects.create_user(username=f"bench{i}", password="bench-password")
        user.groups.add(group)
        Membership.objects.create(project=project, user=user)
        tokens.append(Token.objects.create(user=user).key)
    return tokens


class Annotator(threading.Thread):
    def __init__(self, token: str, port: int, deadline: float, think_seconds: float, seed: int, extra: dict) -> None:
        super().__init__(daemon=True)
        self.extra = extra
        self.token, self.port, self.deadline = token, port, deadline
        self.think_seconds = think_seconds
        self.rng = random.Random(seed)
        self.latencies: dict[str, list[tuple[float, float]]] = {"next-task": [], "submit": []}
        self.errors = 0

    def call(self, path: str, body: dict, name: str) -> tuple[int, dict | None]:
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        for attempt in range(2):
            started = time.perf_counter()
            try:
                self.conn.request("POST", path, json.dumps(body), headers)
                response = self.conn.getresponse()
                raw = response.read()
            except (ConnectionError, http.client.HTTPException):
                # The server closed an idle keep-alive connection: reconnect once, as browsers do.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
                continue
            self.latencies[name].append((started, time.perf_counter() - started))
            return response.status, (json.loads(raw) if raw else None)
        raise AssertionError("unreachable")

    def run(self) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while time.monotonic() < self.deadline:
            status, task = self.call(f"/api/projects/{SLUG}/next-task/", {}, "next-task")
            if status == 204:
                break
            if status != 200:
                self.errors += 1
                continue
            if self.think_seconds:
                time.sleep(self.think_seconds * self.rng.uniform(0.5, 1.5))
            answer = {"client_id": str(uuid.uuid4()), "preference_strength": -1, "time_spent_seconds": 1.0, **self.extra}
            status, _ = self.call(f"/api/tasks/{task['assignment_id']}/annotation/", answer, "submit")
            self.errors += status not in (200, 201)
        self.conn.close()


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else (values[0] if values else 0.0)


def main() -> None:
    args = parse_args()
    from verdict import gunicorn_conf

    args.workers = args.workers or gunicorn_conf.workers
    args.threads = args.threads or gunicorn_conf.threads
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "verdict.settings.base",
        "DEBUG": "0",
        "VERDICT_HTTPS": "0",
        "SECRET_KEY": "benchmark-only-secret-key-" + "z" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "VERDICT_CACHE_URL": args.cache_url,
    }
    os.environ.update(env)
    history = args.history_annotations
    if not history and args.items is None:
        args.items = 100_000
    print(f"seeding {f'{args.items:,}' if args.items is not None else '10 % open'} items, {args.annotators} annotators"
          + (f", {history:,} past annotations" if history else "") + " …", flush=True)
    started = time.perf_counter()
    if args.reuse:
        tokens = existing_tokens(args.annotators)
    else:
        recreate_database(args.database_url)
        tokens = seed_history(args, env) if history else seed(args)
    print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM annotation_annotation")
        before = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM annotation_item WHERE completed_count = 0")
        open_items = cursor.fetchone()[0]
    connection.close()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "python:verdict.gunicorn_conf", "verdict.wsgi", "-b", f"127.0.0.1:{args.port}",
         "-w", str(args.workers), "--threads", str(args.threads), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request("GET", "/api/projects/")
                break
            except OSError:
                time.sleep(0.2)
        deadline = time.monotonic() + args.seconds
        extra = HISTORY_ANSWER if history else {}
        annotators = [Annotator(token, args.port, deadline, args.think_seconds, seed, extra) for seed, token in enumerate(tokens)]
        began = time.perf_counter()
        for annotator in annotators:
            annotator.start()
        for annotator in annotators:
            annotator.join()
        elapsed = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(timeout=30)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM annotation_annotation GROUP BY item_id) t")
        max_per_item = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM annotation_annotation")
        annotations = cursor.fetchone()[0] - before
    print(
        f"\n{args.annotators} annotators, think {args.think_seconds:g} s, {elapsed:.1f} s, "
        f"gunicorn {args.workers}×{args.threads} gthread, {open_items:,} open items"
        + (f", {history:,} past annotations" if history else "")
    )
    print(f"tasks completed: {annotations} ({annotations / elapsed:.1f} tasks/s, {2 * annotations / elapsed:.1f} requests/s)")
    steady_from = began + args.warmup_seconds
    for name in ("next-task", "submit"):
        every = [latency * 1000 for a in annotators for _, latency in a.latencies[name]]
        steady = [latency * 1000 for a in annotators for start, latency in a.latencies[name] if start >= steady_from]
        print(
            f"{name:10s} all: n={len(every):6d} p50={percentile(every, 50):6.1f} ms p95={percentile(every, 95):6.1f} ms"
            f"   steady (after {args.warmup_seconds:g} s): n={len(steady):6d} p50={percentile(steady, 50):6.1f} ms "
            f"p95={percentile(steady, 95):6.1f} ms"
        )
    print(f"errors: {sum(a.errors for a in annotators)}")
    print(f"max annotations on one item: {max_per_item} (overlap {args.overlap}) → {'OK' if max_per_item <= args.overlap else 'OVER OVERLAP'}")


if __name__ == "__main__":
    main()
