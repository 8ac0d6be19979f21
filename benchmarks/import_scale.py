"""Import at scale: import N pairwise rows (a generated JSONL file) through the import service, against a
raw bulk insert of the same rows into the same tables, and report each one's wall time, CPU time and
peak RSS.

    createdb -h 127.0.0.1 -U postgres verdict_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/verdict_bench .venv/bin/python benchmarks/import_scale.py --n 100000

Rows: a unique one-turn prompt, two responses (with model names), a preference strength (an imported
annotation) and a little metadata, about 0.8 KB a line. The baselines insert exactly the rows the import
writes (prompts, responses, items, imported annotations; content hashes and client ids computed before
the clock starts): `copy` (PostgreSQL's COPY with ids reserved from the tables' sequences; the fastest
way in) and `bulk` (Django's bulk_create, any database). Each step runs in its own child process, so
its peak RSS is its own, into a project of its own that the parent empties first (not timed).
`--http` adds the import as the REST API receives it (Django's test client posting the file).

CPU is the step's own process plus its PostgreSQL backend's (read from /proc when the server runs on
this host): on a small shared machine one run's wall time depends on what else runs, its CPU seconds
much less. `--repeat` runs the steps in turn that many times and reports medians.
Targets (issue 13.7): import time ≤ 2× the raw insert's; peak RSS that does not grow with N.
"""
import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verdict.settings.test")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

WORDS = (
    "the model answer explains why data shows tides gravity moon ocean pull strong weak clear short long detail "
    "because however therefore example reason result first second finally also simple complex helpful wrong right"
).split()
MODELS = ("policy-a", "policy-b", "policy-c")


def _setup() -> None:
    django.setup()


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (a process on this host), or None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the server runs on another host
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Clock:
    """A step's wall time, this process's CPU time and its database backend's CPU time. On a shared
    machine the wall time of one run depends on what else runs; the CPU seconds much less so."""

    def __enter__(self) -> "Clock":
        self.rss_before = _peak_rss_mb()
        self._server = _backend_cpu()
        self._cpu, self._started = _process_cpu(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._started
        self.client_cpu = _process_cpu() - self._cpu
        server = _backend_cpu() if exc[0] is None else None
        self.server_cpu = None if server is None or self._server is None else server - self._server

    def report(self, step: str, project) -> None:
        print(json.dumps({
            "step": step, "seconds": round(self.seconds, 2), "client_cpu": round(self.client_cpu, 2),
            "server_cpu": None if self.server_cpu is None else round(self.server_cpu, 2),
            "rss_before_mb": self.rss_before, "peak_rss_mb": _peak_rss_mb(), **_counts(project),
        }))


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def generate(path: Path, n: int) -> None:
    """n JSONL lines, deterministic (seeded), each a distinct prompt with two distinct responses."""
    rng = random.Random(13)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            row = {
                "prompt": f"Question {i}: {_sentence(rng, 18)}",
                "responses": [
                    {"text": f"Answer A {i}: {_sentence(rng, 45)} {_sentence(rng, 20)}", "model_name": MODELS[i % 3]},
                    {"text": f"Answer B {i}: {_sentence(rng, 30)}", "model_name": MODELS[(i + 1) % 3]},
                ],
                "preference_strength": rng.choice((-3, -2, -1, 1, 2, 3)),
                "metadata": {"source": "benchmark", "index": i},
            }
            out.write(json.dumps(row) + "\n")


def _project(slug: str):
    from annotation.models import Project

    return Project.objects.get(slug=slug)


def empty_project(slug: str) -> None:
    """The benchmark project, created or emptied with a few DELETEs (the ORM's cascade would load every row)."""
    from django.db import connection

    from annotation.models import Project

    project, _ = Project.objects.get_or_create(slug=slug, defaults={"name": f"Import benchmark {slug}"})
    with connection.cursor() as cursor:
        items = "SELECT id FROM annotation_item WHERE project_id = %s"
        cursor.execute(f"DELETE FROM annotation_annotation WHERE item_id IN ({items})", [project.pk])
        cursor.execute(f"DELETE FROM annotation_assignment WHERE item_id IN ({items})", [project.pk])
        cursor.execute("DELETE FROM annotation_item WHERE project_id = %s", [project.pk])
        prompts = "SELECT id FROM annotation_prompt WHERE project_id = %s"
        cursor.execute(f"DELETE FROM annotation_response WHERE prompt_id IN ({prompts})", [project.pk])
        cursor.execute("DELETE FROM annotation_prompt WHERE project_id = %s", [project.pk])
    project.imports.all().delete()


def _counts(project) -> dict:
    from annotation.models import Annotation, Item, Prompt, Response

    return {
        "prompts": Prompt.objects.filter(project=project).count(),
        "responses": Response.objects.filter(prompt__project=project).count(),
        "items": Item.objects.filter(project=project).count(),
        "annotations": Annotation.objects.filter(item__project=project).count(),
    }


def measure_import(slug: str, path: Path) -> None:
    from datasets_app.imports.services import items_import

    project = _project(slug)
    with Clock() as clock:
        record = items_import(project=project, path_or_file=path, file_name=path.name, format="jsonl")
    if record.status != "succeeded":
        raise SystemExit(f"import failed: {record.errors[:3]}")
    clock.report("import", project)


def measure_http(slug: str, path: Path) -> None:
    """The import as the API receives it; the test client builds the multipart body in memory, so this
    step's RSS includes the request itself (a real server spools an upload over 10 MB to disk)."""
    from django.test import Client
    from django.urls import reverse

    from tests.factories import UserFactory

    project = _project(slug)
    admin = UserFactory(username=f"bench-admin-{os.getpid()}", role="admin", is_staff=True, is_superuser=True)
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    client.get(reverse("api-project-imports", args=[slug]))  # loads the URLconf and views before the clock starts
    with Clock() as clock, path.open("rb") as upload:
        response = client.post(reverse("api-project-imports", args=[slug]), {"file": upload, "format": "jsonl"})
    admin.delete()
    if response.status_code != 201:
        raise SystemExit(f"HTTP import failed: {response.status_code} {response.content[:300]!r}")
    clock.report("http", project)


def _rows_to_insert(path: Path) -> list[tuple]:
    """(messages, metadata, prompt hash, [(text, hash, model)], strength, client id) per line: exactly
    what the import stores, computed before the clock starts."""
    from annotation.models import messages_content_hash, text_content_hash
    from datasets_app.imports.parsers.records import ParsedAnnotation, ParsedItem, ParsedResponse
    from datasets_app.imports.services import imported_annotation_client_id

    rows = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            data = json.loads(line)
            messages = [{"role": "user", "content": data["prompt"]}]
            responses = [ParsedResponse(text=r["text"], model_name=r["model_name"]) for r in data["responses"]]
            annotation = ParsedAnnotation(preference_strength=data["preference_strength"])
            item = ParsedItem(file=path.name, line=number, messages=messages, responses=responses, annotation=annotation)
            rows.append((
                messages, data["metadata"], messages_content_hash(messages),
                [(r.text, text_content_hash(r.text), r.model_name) for r in responses],
                data["preference_strength"], imported_annotation_client_id(item),
            ))
    return rows


def _reserve_ids(cursor, table: str, count: int) -> list[int]:
    """`count` fresh ids from `table`'s sequence (safe beside concurrent inserts)."""
    cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [count])
    return [row[0] for row in cursor.fetchall()]


def measure_copy(slug: str, path: Path) -> None:
    """The same rows, inserted with PostgreSQL's COPY in one transaction."""
    from django.db import connection, transaction
    from django.utils import timezone

    project = _project(slug)
    rows = _rows_to_insert(path)
    with Clock() as clock, transaction.atomic(), connection.cursor() as django_cursor:
        now = timezone.now()
        cursor = django_cursor.cursor
        prompt_ids = _reserve_ids(cursor, "annotation_prompt", len(rows))
        response_ids = iter(_reserve_ids(cursor, "annotation_response", 2 * len(rows)))
        item_ids = _reserve_ids(cursor, "annotation_item", len(rows))
        pairs = [(next(response_ids), next(response_ids)) for _ in rows]
        with cursor.copy("COPY annotation_prompt (id, project_id, messages, metadata, content_hash, created_at) FROM STDIN") as copy:
            for pk, (messages, metadata, content_hash, *_) in zip(prompt_ids, rows):
                copy.write_row((pk, project.pk, json.dumps(messages), json.dumps(metadata), content_hash, now))
        with cursor.copy(
            "COPY annotation_response (id, prompt_id, text, content_hash, source, model_name, checkpoint, round, "
            "generation_params, metadata, created_at) FROM STDIN"
        ) as copy:
            for prompt_id, ids, row in zip(prompt_ids, pairs, rows):
                for pk, (text, content_hash, model) in zip(ids, row[3]):
                    copy.write_row((pk, prompt_id, text, content_hash, "imported", model, "", None, "{}", "{}", now))
        with cursor.copy(
            "COPY annotation_item (id, project_id, prompt_id, response_1_id, response_2_id, is_gold, gold_strength, round, "
            "priority, completed_count, created_at) FROM STDIN"
        ) as copy:
            for pk, prompt_id, (first, second) in zip(item_ids, prompt_ids, pairs):
                copy.write_row((pk, project.pk, prompt_id, first, second, False, None, None, 0.0, 0, now))
        with cursor.copy(
            "COPY annotation_annotation (item_id, annotator_id, source, client_id, preference_strength, attribute_scores, "
            "justification, neither_acceptable, flagged_unsafe, time_spent_seconds, created_at, updated_at, judge) FROM STDIN"
        ) as copy:
            for item_id, row in zip(item_ids, rows):
                copy.write_row((item_id, None, "imported", row[5], row[4], "{}", "", False, False, None, now, now, ""))
    clock.report("copy", project)


def measure_bulk(slug: str, path: Path) -> None:
    """The same rows, inserted with bulk_create (batches of 1,000) in one transaction."""
    from django.db import transaction

    from annotation.models import Annotation, AnnotationSource, Item, Prompt, Response, ResponseSource

    project = _project(slug)
    rows = _rows_to_insert(path)
    with Clock() as clock, transaction.atomic():
        prompts = Prompt.objects.bulk_create(
            [Prompt(project=project, messages=m, metadata=meta, content_hash=h) for m, meta, h, *_ in rows], batch_size=1000
        )
        responses = Response.objects.bulk_create(
            [Response(prompt=prompt, text=text, content_hash=h, source=ResponseSource.IMPORTED, model_name=model)
             for prompt, row in zip(prompts, rows) for text, h, model in row[3]],
            batch_size=1000,
        )
        items = Item.objects.bulk_create(
            [Item(project=project, prompt=prompt, response_1=responses[2 * i], response_2=responses[2 * i + 1])
             for i, prompt in enumerate(prompts)],
            batch_size=1000,
        )
        Annotation.objects.bulk_create(
            [Annotation(item=item, source=AnnotationSource.IMPORTED, client_id=row[5], preference_strength=row[4])
             for item, row in zip(items, rows)],
            batch_size=1000,
        )
    clock.report("bulk", project)


STEPS = {"import": measure_import, "http": measure_http, "copy": measure_copy, "bulk": measure_bulk}


def _child(*args: str) -> dict:
    """Run one step in a fresh interpreter (so its peak RSS is its own); returns its JSON line."""
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"step {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="rows (default 100,000)")
    parser.add_argument("--baselines", default=None, help="comma-separated: copy, bulk (default: copy on PostgreSQL, else bulk)")
    parser.add_argument("--http", action="store_true", help="also import over HTTP (Django's test client)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each step, in turn; medians are reported (default 1)")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    slug = f"bench-import-{args.n}"
    _setup()
    if args.step:
        STEPS[args.step](slug, Path(args.file))
        return
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    baselines = (args.baselines or ("copy" if connection.vendor == "postgresql" else "bulk")).split(",")
    if "copy" in baselines and connection.vendor != "postgresql":
        raise SystemExit("the copy baseline needs PostgreSQL: set DATABASE_URL=postgres://…")
    steps = ["import", *(["http"] if args.http else []), *baselines]
    runs: dict[str, list[dict]] = {step: [] for step in steps}
    with tempfile.TemporaryDirectory(prefix="verdict-import-bench-") as folder:
        path = Path(folder) / f"pairs-{args.n}.jsonl"
        generate(path, args.n)
        print(f"{args.n:,} rows, {path.stat().st_size / 1e6:.1f} MB of JSONL; database: {connection.vendor}", flush=True)
        for _ in range(args.repeat):
            for step in steps:
                empty_project(slug)
                connection.close()  # the child runs its own transaction; do not hold this connection open meanwhile
                runs[step].append(_child("--step", step, "--n", str(args.n), "--file", str(path)))
                print(json.dumps(runs[step][-1]), flush=True)
        empty_project(slug)
    _table(runs, baselines[0], args.repeat)


def _median(runs: list[dict], key: str) -> float | None:
    values = [run[key] for run in runs if run.get(key) is not None]
    return statistics.median(values) if values else None


def _table(runs: dict[str, list[dict]], baseline: str, repeat: int) -> None:
    """Medians of the runs; CPU = this process's plus its database backend's (when the server is local)."""
    def cpu(step: str) -> float | None:
        client, server = _median(runs[step], "client_cpu"), _median(runs[step], "server_cpu")
        return None if server is None else client + server

    print(f"median of {repeat} run(s), the steps in turn; ratios against {baseline}")
    print(f"{'step':8} {'wall s':>7} {'ratio':>6} {'client CPU s':>13} {'server CPU s':>13} {'CPU ratio':>10} "
          f"{'RSS before MB':>14} {'peak RSS MB':>12}  rows written")
    for step, results in runs.items():
        seconds = _median(results, "seconds")
        server = _median(results, "server_cpu")
        total, base_total = cpu(step), cpu(baseline)
        cpu_ratio = f"{total / base_total:10.2f}" if total is not None and base_total else f"{'–':>10}"
        written = ", ".join(f"{results[-1][name]} {name}" for name in ("prompts", "responses", "items", "annotations"))
        print(f"{step:8} {seconds:7.2f} {seconds / _median(runs[baseline], 'seconds'):6.2f} {_median(results, 'client_cpu'):13.2f} "
              f"{server if server is not None else float('nan'):13.2f} {cpu_ratio} {_median(results, 'rss_before_mb'):14.0f} "
              f"{max(run['peak_rss_mb'] for run in results):12.0f}  {written}")

if __name__ == "__main__":
    main()
