"""List pages at scale: N rows of every listed kind (projects, imports, dataset versions, jobs, reward
models, rounds, one annotator's annotations), then each page's first page, a deep page, a search or
filter, and the same filter's second page, timed through Django's test client (median of --repeat
requests after a warm-up), with the number of SQL queries of one request.

    .venv/bin/python benchmarks/lists.py --rows 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/verdict_lists .venv/bin/python benchmarks/lists.py

It creates a throwaway test database (SQLite in a temporary folder by default; `test_<name>` on
PostgreSQL) and drops it afterwards. Target (issue 16): every page well under a second at 10,000 rows.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verdict.settings.test")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django


def time_page(client, url: str, params: dict, repeat: int) -> str:
    response = client.get(url, params)  # warm-up, and a check
    assert response.status_code == 200, (url, params, response.status_code)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url, params)
        times.append(time.perf_counter() - started)
    return f"{statistics.median(times) * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000, help="rows of each list")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (the median is shown)")
    args = parser.parse_args()

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from tests.factories import MembershipFactory, ProjectFactory, UserFactory
        from tests.list_rows import LISTS

        user = UserFactory(username="bench-admin", role="admin")
        project = ProjectFactory(slug="bench", name="Bench")
        MembershipFactory(project=project, user=user)
        client = Client()
        client.force_login(user)
        deep = max(args.rows // 25 // 2, 2)
        print(f"{connection.vendor}: {args.rows:,} rows per list; median of {args.repeat} requests", flush=True)
        print()
        print(f"| list | first page | page {deep} | filtered | filtered, page 2 | queries | rows built in |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        # Projects last: 10,000 more projects visible to the user would slow the dataset page's export
        # form (it lists every project an admin may add), which is measured on its own at the end.
        for name in [*(name for name in LISTS if name != "projects"), "projects"]:
            build, url, narrowing = LISTS[name]
            started = time.perf_counter()
            build(project, user, args.rows)
            built = time.perf_counter() - started
            url = url.format(slug=project.slug)
            cells = [time_page(client, url, params, args.repeat) for params in ({}, {"page": deep}, narrowing, {**narrowing, "page": 2})]
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            label = ", ".join(f"{key}={value}" for key, value in narrowing.items())
            print(f"| {name} | {cells[0]} | {cells[1]} | {cells[2]} ({label}) | {cells[3]} | {len(queries)} | {built:.0f} s |", flush=True)
        print()
        print(f"dataset versions page with {args.rows + 1:,} projects visible to the user: "
              f"{time_page(client, LISTS['dataset versions'][1].format(slug=project.slug), {}, 1)} (one request)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
