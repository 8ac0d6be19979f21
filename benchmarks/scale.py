"""Request costs at 10k / 100k / 1M annotations: does a user-facing request cost the same whatever the
project's size? (issue 18)

For each size the database is recreated and filled by `export_scale.py`'s COPY builder (n / 3 pairs,
each judged by 3 of 20 annotators: every annotator has n / 20 past annotations, 50k at 1M), plus 10 %
open items (nobody has judged them) and 1 % gold among the judged ones; then the per-annotator progress
counters are filled as migration 0006 fills them and the dashboard figures are computed by the stats
refresh service, as the beat task would (in a process of its own: its time and peak RSS are printed).
With --explain (the default) every SELECT and UPDATE behind the timed requests is then run under
`EXPLAIN (ANALYZE, BUFFERS)` and summarised (`scale_explain.py`). The app is served by gunicorn as the
README's Production section says (DEBUG=0, VERDICT_HTTPS=0, a random SECRET_KEY, collected static
files), and one client times each endpoint over --requests warm requests (after --warmup), printing the median and p95; the
last table is the growth factor from the smallest size to the largest, per endpoint.

    createdb -h 127.0.0.1 -U postgres verdict_scale
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/verdict_scale .venv/bin/python benchmarks/scale.py --sizes 10000,100000,1000000

Recreates the database named by DATABASE_URL. Not part of the test suite.
"""
import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import scale_explain  # noqa: E402

ANNOTATORS = 20  # export_scale's builder
SCORES = {slot: {name: 2 for name in ("helpfulness", "correctness", "coherence", "complexity", "verbosity")} for slot in ("A", "B")}


def server_env(database_url: str, static_root: str, secret_key: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "verdict.settings.base",
        "DEBUG": "0",
        "VERDICT_HTTPS": "0",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
        # The figures stay as the refresh stored them while we measure (no beat runs here anyway).
        "VERDICT_STATS_MAX_AGE_SECONDS": "0",
    }


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(url.replace(f"/{name}", "/postgres", 1), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def populate(n: int, slug: str, annotators: int = ANNOTATORS, open_items: int | None = None) -> dict:
    """The export benchmark's project of n annotations by `annotators` members, plus open items (default
    10 % of the judged ones: new pairs nobody has judged) and 1 % gold among the judged items, with the
    progress counters as migration 0006 starts them. Returns the project, its annotators and timings."""
    import django

    django.setup()
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.db import connection

    from annotation.models import Membership, Project
    from annotation.models import messages_content_hash as prompt_hash
    from benchmarks import export_scale

    started = time.perf_counter()
    export_scale.build(n, slug, annotators)
    built = time.perf_counter() - started
    project = Project.objects.get(slug=slug)
    users = list(get_user_model().objects.filter(username__startswith="bench-annotator-").order_by("id"))
    Membership.objects.bulk_create([Membership(project=project, user=user) for user in users])
    judged_items = n // export_scale.PER_ITEM
    opened = judged_items // 10 if open_items is None else open_items
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute("SELECT min(id) FROM annotation_item WHERE project_id = %s", [project.pk])
        first_item = cursor.fetchone()[0]
        # 1 % gold among the judged items, with the answer their first annotator gave.
        cursor.execute(
            "UPDATE annotation_item i SET is_gold = true, gold_strength = a.preference_strength FROM annotation_annotation a"
            " WHERE a.item_id = i.id AND a.annotator_id = %s AND i.project_id = %s AND (i.id - %s) %% 100 = 0",
            [users[0].pk, project.pk, first_item],
        )
        prompt0 = export_scale._next_ids(cursor, "annotation_prompt", opened)
        response0 = export_scale._next_ids(cursor, "annotation_response", 2 * opened)
        item0 = export_scale._next_ids(cursor, "annotation_item", opened)
        messages = [[{"role": "user", "content": f"Open question {i}: compare two answers on topic {i % 991}."}] for i in range(opened)]
        export_scale._copy(cursor, "annotation_prompt", ("id", "project_id", "messages", "metadata", "content_hash", "created_at"),
                           ((prompt0 + i, project.pk, json.dumps(m), "{}", prompt_hash(m), export_scale.NOW) for i, m in enumerate(messages)))
        export_scale._copy(
            cursor, "annotation_response",
            ("id", "prompt_id", "text", "content_hash", "source", "model_name", "checkpoint", "round", "generation_params", "metadata", "created_at"),
            ((response0 + 2 * i + k, prompt0 + i, text, export_scale._hash(text), "policy", f"model-{k}", "", 3, "{}", "{}", export_scale.NOW)
             for i in range(opened) for k, text in enumerate((f"Open answer A {i}, a few words.", f"Open answer B {i}, other words.")))
        )
        export_scale._copy(
            cursor, "annotation_item",
            ("id", "project_id", "prompt_id", "response_1_id", "response_2_id", "is_gold", "round", "priority", "completed_count", "created_at"),
            ((item0 + i, project.pk, prompt0 + i, response0 + 2 * i, response0 + 2 * i + 1, False, 3, 0.0, 0, export_scale.NOW) for i in range(opened)),
        )
        cursor.execute("ANALYZE")
    # Progress counters as migration 0006 starts them.
    started_counters = time.perf_counter()
    migration = __import__("annotation.migrations.0006_annotator_progress", fromlist=["count_existing"])
    migration.count_existing(apps, None)
    counters = time.perf_counter() - started_counters
    return {
        "project": project, "users": users, "annotations": judged_items * export_scale.PER_ITEM, "open_items": opened,
        "build_seconds": round(built, 1), "counter_backfill_seconds": round(counters, 1),
    }


def build(n: int) -> dict:
    """`populate`'s project with a researcher member, tokens and session cookies, and collected static
    files. Runs with the server's settings (session cookies are signed with its SECRET_KEY)."""
    populated = populate(n, f"scale-{n}")
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from annotation.models import Membership
    from tests.factories import UserFactory

    project, users = populated.pop("project"), populated.pop("users")
    researcher = UserFactory(username="scale-researcher", role="researcher")
    Membership.objects.create(project=project, user=researcher)
    call_command("collectstatic", "--noinput", verbosity=0)

    def session(user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    annotator = users[0]
    return {
        "slug": project.slug, **populated, "annotator_history": annotator.annotations.count(),
        "annotator_token": Token.objects.create(user=annotator).key, "researcher_token": Token.objects.create(user=researcher).key,
        "annotator_session": session(annotator), "researcher_session": session(researcher),
    }


def refresh(slug: str) -> dict:
    """The dashboard figures of a project computed and stored by the stats refresh service, as the beat
    task does (with the registered extensions: quality's Dawid–Skene reliability); run in its own
    process, so the peak RSS is the refresh's."""
    import django

    django.setup()
    from annotation.models import Project
    from annotation.stats import project_stats_refresh

    baseline = _peak_rss_mb()
    started = time.perf_counter()
    project_stats_refresh(project=Project.objects.get(slug=slug))
    return {"stats_refresh_seconds": round(time.perf_counter() - started, 1), "stats_refresh_peak_rss_mb": _peak_rss_mb(),
            "rss_before_refresh_mb": baseline}


def _peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_step(env: dict[str, str], *args: str) -> dict:
    """One step of this script in a child process with `env`; returns the JSON line it prints last."""
    done = subprocess.run([sys.executable, __file__, "--step", *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"step {args} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


class Client:
    """One keep-alive connection; each call returns (status, body) and records its latency."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method: str, path: str, *, token: str = "", session: str = "", body: dict | None = None) -> tuple[int, bytes, float]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        if session:
            headers["Cookie"] = f"sessionid={session}"
        for attempt in range(2):
            started = time.perf_counter()
            try:
                self.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
                response = self.conn.getresponse()
                raw = response.read()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
                continue
            return response.status, raw, (time.perf_counter() - started) * 1000
        raise AssertionError("unreachable")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def measure(info: dict, port: int, requests: int, warmup: int) -> dict[str, tuple[float, float]]:
    client = Client(port)
    slug, annotator, researcher = info["slug"], info["annotator_token"], info["researcher_token"]
    # The page halfway through the annotator's own annotations, reached by following the next links.
    path, deep_page = "/api/annotations/?limit=100", ""
    for _ in range(info["annotator_history"] // 200):
        status, raw, _ = client.call("GET", path, token=annotator)
        assert status == 200, (path, status, raw[:300])
        path = deep_page = json.loads(raw)["next"].split(f"127.0.0.1:{port}", 1)[-1]
    gets = {
        "stats API (researcher)": (f"/api/projects/{slug}/stats/", {"token": researcher}),
        "dashboard page (researcher)": (f"/projects/{slug}/dashboard/", {"session": info["researcher_session"]}),
        "project list page (annotator)": ("/", {"session": info["annotator_session"]}),
        "annotations list, 1st page": ("/api/annotations/?limit=100", {"token": annotator}),
        "annotations list, middle page (cursor)": (deep_page or path, {"token": annotator}),
        "projects API (annotator)": ("/api/projects/", {"token": annotator}),
        "my annotations page": (f"/projects/{slug}/mine/", {"session": info["annotator_session"]}),
        "annotate page": (f"/projects/{slug}/annotate/", {"session": info["annotator_session"]}),
    }
    results: dict[str, tuple[float, float]] = {}
    for name, (path, auth) in gets.items():
        times = []
        for i in range(warmup + requests):
            status, raw, ms = client.call("GET", path, **auth)
            assert status == 200, (name, status, raw[:300])
            if i >= warmup:
                times.append(ms)
        results[name] = (statistics.median(times), p95(times))
    next_times, submit_times = [], []
    for i in range(warmup + requests):
        status, raw, ms_next = client.call("POST", f"/api/projects/{slug}/next-task/", token=annotator, body={})
        assert status == 200, ("next-task", status, raw[:300])
        task = json.loads(raw)
        answer = {"client_id": str(uuid.uuid4()), "preference_strength": -1, "attribute_scores": SCORES,
                  "justification": "A is clearer.", "time_spent_seconds": 12.0}
        status, raw, ms_submit = client.call("POST", f"/api/tasks/{task['assignment_id']}/annotation/", token=annotator, body=answer)
        assert status in (200, 201), ("submit", status, raw[:300])
        if i >= warmup:
            next_times.append(ms_next)
            submit_times.append(ms_submit)
    results["next-task (POST)"] = (statistics.median(next_times), p95(next_times))
    results["submit (POST)"] = (statistics.median(submit_times), p95(submit_times))
    return results


def run_size(n: int, args: argparse.Namespace) -> tuple[dict, dict[str, tuple[float, float]]]:
    static_root = tempfile.mkdtemp(prefix="verdict-scale-static-")
    env = server_env(args.database_url, static_root, secrets.token_urlsafe(50))
    recreate_database(args.database_url)
    info = run_step(env, "build", "--n", str(n))
    info.update(run_step(env, "refresh", "--slug", info["slug"]))
    print(f"\n{n:,} annotations: " + json.dumps({k: v for k, v in info.items() if not k.endswith(("token", "session"))}), flush=True)
    if args.explain:
        explained = run_step(env, "explain", "--slug", info["slug"])
        print(scale_explain.summary(explained), flush=True)
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "python:verdict.gunicorn_conf", "verdict.wsgi", "-w", str(args.workers),
         "--threads", "4", "-b", f"127.0.0.1:{args.port}", "--timeout", "300", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    try:
        for _ in range(300):
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request("GET", "/api/")
                break
            except OSError:
                time.sleep(0.2)
        results = measure(info, args.port, args.requests, args.warmup)
    finally:
        server.terminate()
        server.wait(timeout=60)
    for name, (median, high) in results.items():
        print(f"  {name:40s} median {median:8.1f} ms   p95 {high:8.1f} ms", flush=True)
    return info, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="annotation counts, comma-separated")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per endpoint and size (default 40)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests first (default 5)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (gthread, 4 threads each)")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/verdict_scale"))
    parser.add_argument("--explain", action=argparse.BooleanOptionalAction, default=True,
                        help="after each build, EXPLAIN (ANALYZE, BUFFERS) the queries of the key requests (default: on)")
    parser.add_argument("--step", choices=["build", "refresh", "explain"], help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--slug", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "build":
        print(json.dumps(build(args.n)))
        return
    if args.step == "refresh":
        print(json.dumps(refresh(args.slug)))
        return
    if args.step == "explain":
        print(json.dumps(scale_explain.explain_requests(args.slug)))
        return
    if not args.port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    if not args.database_url.startswith("postgres"):
        raise SystemExit("scale.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    sizes = [int(size) for size in args.sizes.split(",")]
    measured = {n: run_size(n, args)[1] for n in sizes}
    small, large = sizes[0], sizes[-1]
    print(f"\n{'endpoint':40s} " + " ".join(f"{f'{n:,} p50/p95 ms':>22s}" for n in sizes) + f" {'growth (p50)':>13s}")
    for name in measured[small]:
        cells = " ".join(f"{f'{measured[n][name][0]:.1f} / {measured[n][name][1]:.1f}':>22s}" for n in sizes)
        print(f"{name:40s} {cells} {measured[large][name][0] / measured[small][name][0]:12.2f}×")


if __name__ == "__main__":
    main()
