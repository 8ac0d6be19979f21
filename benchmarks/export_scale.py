"""Export at scale: build N annotations in PostgreSQL with COPY, then time a dataset export against a raw
`COPY (SELECT …) TO STDOUT` of the same rows, and report each one's wall time and peak RSS.

    createdb -h 127.0.0.1 -U postgres verdict_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/verdict_bench .venv/bin/python benchmarks/export_scale.py --n 100000

Each measured step runs in its own child process, so its peak RSS is its own (not the data builder's);
each runs `--repeat` times (the steps in turn) and the medians are compared, since one run on a small
shared machine can be off by a third either way. The COPY runs twice in each round: in a session with
the server's defaults (the raw COPY a user would run), and with the settings the export's reader sets
(record_batches.EXPORT_SESSION), so the table shows what the export costs beyond the read either way.
Targets (issue 3): export time ≤ 2× COPY's, peak RSS < 500 MB.
"""
import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verdict.settings.test")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

ANNOTATORS = 20
PER_ITEM = 3
ATTRIBUTES = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
NOW = "2026-11-01 12:00:00+00"


def _setup() -> None:
    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("export_scale.py needs PostgreSQL: set DATABASE_URL=postgres://…")


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _next_ids(cursor, table: str, count: int) -> int:
    """Reserve `count` ids of `table`'s sequence; returns the first."""
    cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
    first = cursor.fetchone()[0]
    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [first + count])
    return first


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def build(n: int, slug: str, annotators: int = ANNOTATORS) -> None:
    """A project with n annotations: n / 3 pairs, each judged by 3 of `annotators` (default 20) annotators,
    with their assignments; every annotator has 3 · (n / 3) / annotators past annotations."""
    from django.core.management import call_command
    from django.db import connection

    from annotation.models import Project
    from annotation.models import messages_content_hash as prompt_hash
    from tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    Project.objects.filter(slug=slug).delete()
    project = Project.objects.create(name=f"Benchmark {n}", slug=slug)
    users = [UserFactory(username=f"bench-annotator-{i}", role="annotator").pk for i in range(annotators)]
    items = n // PER_ITEM
    started = time.perf_counter()
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        prompt0 = _next_ids(cursor, "annotation_prompt", items)
        response0 = _next_ids(cursor, "annotation_response", 2 * items)
        item0 = _next_ids(cursor, "annotation_item", items)
        messages = [[{"role": "user", "content": f"Benchmark question {i}: explain topic {i % 997} briefly."}] for i in range(items)]
        _copy(cursor, "annotation_prompt", ("id", "project_id", "messages", "metadata", "content_hash", "created_at"),
              ((prompt0 + i, project.pk, json.dumps(m), "{}", prompt_hash(m), NOW) for i, m in enumerate(messages)))
        texts = [(f"Answer A to question {i}: a reasonably detailed reply of a few sentences, number {i}.",
                  f"Answer B to question {i}: shorter reply {i}.") for i in range(items)]
        _copy(cursor, "annotation_response",
              ("id", "prompt_id", "text", "content_hash", "source", "model_name", "checkpoint", "round", "generation_params", "metadata", "created_at"),
              ((response0 + 2 * i + k, prompt0 + i, text, _hash(text), "policy", f"model-{k}", "", i % 3, "{}", "{}", NOW)
               for i, pair in enumerate(texts) for k, text in enumerate(pair)))
        _copy(cursor, "annotation_item",
              ("id", "project_id", "prompt_id", "response_1_id", "response_2_id", "is_gold", "round", "priority", "completed_count", "created_at"),
              ((item0 + i, project.pk, prompt0 + i, response0 + 2 * i, response0 + 2 * i + 1, False, i % 3, 0.0, PER_ITEM, NOW) for i in range(items)))
        judged = [(item0 + i, users[(i + k) % annotators], k) for i in range(items) for k in range(PER_ITEM)]
        _copy(cursor, "annotation_assignment",
              ("item_id", "annotator_id", "state", "swapped", "leased_at", "lease_expires_at", "skip_reason", "skip_note", "updated_at"),
              ((item, user, "submitted", (item + k) % 2 == 0, NOW, NOW, "", "", NOW) for item, user, k in judged))
        bases = (-3, -2, -1, 1, 2, 3)

        def annotation(item: int, user: int, k: int) -> tuple:
            # three annotators near one base strength; every 10th item has a dissenter (spread > 2: dropped)
            base = bases[item % len(bases)]
            strength = -base if k == 2 and item % 10 == 0 else max(-3, min(3, base + (0, 1, -1)[k]))
            scores = {str(slot): {name: (item + k + slot + j) % 5 for j, name in enumerate(ATTRIBUTES)} for slot in (1, 2)}
            return (item, user, "human", str(uuid.uuid4()), strength, json.dumps(scores),
                    "Response A is better because it is clearer. It also answers the question.", False, False, 30.0, NOW, NOW, "")

        _copy(cursor, "annotation_annotation",
              ("item_id", "annotator_id", "source", "client_id", "preference_strength", "attribute_scores", "justification",
               "neither_acceptable", "flagged_unsafe", "time_spent_seconds", "created_at", "updated_at", "judge"),
              (annotation(*row) for row in judged))
        cursor.execute("ANALYZE")
    print(json.dumps({"step": "build", "annotations": items * PER_ITEM, "items": items, "seconds": round(time.perf_counter() - started, 1)}))


def measure_copy(slug: str, fmt: str, session: str) -> None:
    """COPY of the rows the export reads (the same query the export streams), written to /dev/null, in a
    session with the server's defaults or with the settings the export's reader uses (`session`)."""
    import psycopg
    from django.db import connection

    from annotation.models import Project
    from datasets_app.exports import record_batches, selectors

    project = Project.objects.get(slug=slug)
    annotations = selectors.export_annotations(project_ids=[project.pk], filters={})
    if fmt == "helpsteer2":
        from datasets_app.exports.builders.formats import HELPSTEER_ATTRIBUTES

        querysets = [selectors.response_queryset(annotations, HELPSTEER_ATTRIBUTES)]
    else:
        individual = fmt == "individual"
        scores = project.attribute_names if individual else ()
        querysets = [selectors.item_queryset(annotations, pairs_only=not individual, score_attributes=scores)]
    connection.ensure_connection()
    raw = connection.connection
    if session == "export":
        with raw.cursor() as cursor:
            for setting in record_batches.EXPORT_SESSION:
                cursor.execute(setting)
    started = time.perf_counter()
    size = 0
    for queryset in querysets:
        sql, params = queryset.query.sql_with_params()
        statement = psycopg.ClientCursor(raw).mogrify(sql, params)
        with raw.cursor() as cursor, cursor.copy(f"COPY ({statement}) TO STDOUT") as copy, open(os.devnull, "wb") as sink:
            for block in copy:
                size += len(block)
                sink.write(block)
    print(json.dumps({"step": "copy", "format": fmt, "session": session, "seconds": round(time.perf_counter() - started, 2), "bytes": size,
                      "peak_rss_mb": _peak_rss_mb()}))


def measure_export(slug: str, fmt: str, containers: str) -> None:
    from annotation.models import Project
    from datasets_app.exports.build import dataset_version_build
    from datasets_app.exports.services import dataset_version_create
    from verdict.celery import preload_libraries

    preload_libraries()  # as each Celery worker process does once at start (verdict.celery), not in each export
    project = Project.objects.get(slug=slug)
    version = dataset_version_create(project=project, format=fmt, created_by=None, enqueue=False,
                                     policy={"containers": containers.split(",")})
    started, cpu_started = time.perf_counter(), time.process_time()
    version = dataset_version_build(version_id=version.pk)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    if version.status != "ready":
        raise SystemExit(f"export failed: {version.error}")
    size = sum(entry["size"] for entry in version.files)
    print(json.dumps({"step": "export", "format": fmt, "containers": containers, "seconds": round(seconds, 2),
                      "cpu_seconds": round(cpu_seconds, 2), "rows": version.row_counts, "bytes": size, "peak_rss_mb": _peak_rss_mb()}))


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _child(*args: str) -> dict:
    """Run one step in a fresh interpreter (so its peak RSS is its own); returns its JSON line."""
    output = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="annotations to build (default 1,000,000)")
    parser.add_argument("--formats", default="trl-preference,helpsteer2-preference,helpsteer2,individual")
    parser.add_argument("--containers", default="jsonl,parquet,hf")
    parser.add_argument("--reuse", action="store_true", help="keep an already built benchmark project")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step; the median is reported (default 3)")
    parser.add_argument("--step", choices=["build", "copy", "export"], help=argparse.SUPPRESS)
    parser.add_argument("--format", help=argparse.SUPPRESS)
    parser.add_argument("--session", choices=["server", "export"], default="server", help=argparse.SUPPRESS)
    args = parser.parse_args()
    slug = f"bench-{args.n}"
    if args.step:
        _setup()
        if args.step == "build":
            build(args.n, slug)
        elif args.step == "copy":
            measure_copy(slug, args.format, args.session)
        else:
            measure_export(slug, args.format, args.containers)
        return
    if not args.reuse:
        print(json.dumps(_child("--step", "build", "--n", str(args.n))))
    print(f"median of {args.repeat} runs each, COPY (server defaults), COPY (the export reader's session settings)"
          " and export in turn; ratio: export / COPY")
    print(f"{'format':24} {'COPY s':>7} {'ratio':>6} {'COPY* s':>8} {'ratio*':>7} {'export s':>9} {'CPU s':>6} "
          f"{'COPY RSS MB':>12} {'export RSS MB':>14}  rows")
    for fmt in args.formats.split(","):
        copies: dict[str, list[dict]] = {"server": [], "export": []}  # by session
        exports: list[dict] = []
        for _ in range(args.repeat):
            for session, runs in copies.items():
                runs.append(_child("--step", "copy", "--n", str(args.n), "--format", fmt, "--session", session))
            exports.append(_child("--step", "export", "--n", str(args.n), "--format", fmt, "--containers", args.containers))
        copy_seconds, session_seconds = (statistics.median(run["seconds"] for run in copies[name]) for name in copies)
        export_seconds = statistics.median(run["seconds"] for run in exports)
        cpu_seconds = statistics.median(run["cpu_seconds"] for run in exports)
        copy_rss = max(run["peak_rss_mb"] for runs in copies.values() for run in runs)
        export_rss = max(run["peak_rss_mb"] for run in exports)
        print(f"{fmt:24} {copy_seconds:7.2f} {export_seconds / copy_seconds:6.2f} {session_seconds:8.2f} "
              f"{export_seconds / session_seconds:7.2f} {export_seconds:9.2f} {cpu_seconds:6.2f} {copy_rss:12.0f} "
              f"{export_rss:14.0f}  {exports[-1]['rows']}", flush=True)
    print("COPY*: the COPY in a session with the export reader's settings"
          " (exports.record_batches.EXPORT_SESSION); CPU s: the export process's CPU time (all its threads)")


if __name__ == "__main__":
    main()
