"""`scale.py --explain`: the query plans behind the user-facing requests at each size.

The requests scale.py times (next-task and its submit, the annotations list's first page and a middle
page by cursor, the project list page and API, the stats API and dashboard page, the annotate and my
annotations pages) are made in-process with Django's test client, by the annotator with the largest
history and the researcher, and every SELECT and UPDATE each one runs is captured
(`CaptureQueriesContext`) and run again under `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`. The SQL is the
application's own (whatever the selectors and services send today), never a copy kept here. Everything
runs in one transaction that is rolled back, so the timed run that follows sees the database as built.

Per query the summary shows the plan's top nodes, its execution time, the rows its scans examined
(returned plus removed by a filter, times loops), shared buffers hit / read, and every Seq Scan over a
table of more than `BIG_TABLE` rows (by `pg_class.reltuples`), which is what would make a request grow
with the project.
"""
import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

BIG_TABLE = 10_000
EXPLAINED = ("SELECT", "UPDATE", "WITH")


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _top_level(sql: str) -> str:
    """The query with every parenthesised part (subqueries, function arguments) left out."""
    depth, kept = 0, []
    for char in sql:
        depth += char == "("
        if not depth:
            kept.append(char)
        depth -= char == ")" and depth > 0
    return "".join(kept)


def _describe(sql: str) -> str:
    """A short name for a query: its main table (the outer FROM's, else the first one named), and
    whether it locks, counts or updates."""
    outer = _top_level(sql)
    table = re.search(r'(?:FROM|UPDATE)\s+"(\w+)"', outer) or re.search(r'(?:FROM|UPDATE)\s+"(\w+)"', sql)
    name = table.group(1) if table else sql[:40]
    flags = [flag for flag, found in (
        ("UPDATE", sql.startswith("UPDATE")),
        ("lock, SKIP LOCKED", "SKIP LOCKED" in outer),
        ("COUNT", "COUNT" in outer.split(" FROM ", 1)[0]),
        ("EXISTS", outer.startswith("SELECT 1 AS") and "LIMIT 1" in outer),
    ) if found]
    return name + (f" ({', '.join(flags)})" if flags else "")


def _shape(sql: str) -> str:
    """The query with its literals blanked out."""
    return re.sub(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b", "?", sql)


def _plan_summary(plan: dict[str, Any], big: dict[str, float]) -> dict[str, Any]:
    top = plan["Plan"]
    nodes = [node for node in _nodes(top) if node.get("Actual Loops", 1)]
    chain, node = [], top
    while node is not None and len(chain) < 4:
        label = node["Node Type"] + (f" on {node['Relation Name']}" if "Relation Name" in node else "")
        if "Index Name" in node:
            label += f" using {node['Index Name']}"
        chain.append(label)
        node = (node.get("Plans") or [None])[0]
    examined = sum(
        (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0))
        * node.get("Actual Loops", 1)
        for node in nodes if "Scan" in node["Node Type"] and node["Node Type"] != "Bitmap Index Scan"
    )
    seq = sorted({node["Relation Name"] for node in nodes if node["Node Type"] == "Seq Scan" and big.get(node.get("Relation Name", ""), 0) > BIG_TABLE})
    return {
        "top": " > ".join(chain), "ms": plan["Execution Time"], "examined": int(examined), "seq_scans_big": seq,
        "hit": top.get("Shared Hit Blocks", 0), "read": top.get("Shared Read Blocks", 0),
    }


def explain_requests(slug: str) -> dict[str, Any]:
    """Make the key requests in-process, capture their queries and EXPLAIN ANALYZE each; returns a
    JSON-able summary (printed by `summary`)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from benchmarks.scale import SCORES

    users = get_user_model().objects
    annotator = users.filter(username__startswith="bench-annotator-").order_by("id").first()
    researcher = users.get(username="scale-researcher")
    history = annotator.annotations.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'")
        big = dict(cursor.fetchall())
    requests: list[dict[str, Any]] = []
    with transaction.atomic():
        api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=annotator)[0].key}")
        researcher_api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=researcher)[0].key}")
        pages, researcher_pages = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
        pages.force_login(annotator)
        researcher_pages.force_login(researcher)
        # The middle page of the annotator's own annotations, reached by following the next links (as scale.py does).
        middle = "/api/annotations/?limit=100"
        for _ in range(history // 200):
            link = api.get(middle).json()["next"]
            middle = urlsplit(link).path + "?" + urlsplit(link).query
        answer = {"client_id": str(uuid.uuid4()), "preference_strength": -1, "attribute_scores": SCORES, "justification": "A is clearer.", "time_spent_seconds": 12.0}
        planned: list[tuple[str, Any, str, str, dict | None]] = [
            ("next-task (POST)", api, "post", f"/api/projects/{slug}/next-task/", {}),
            ("submit (POST)", api, "post", "", answer),
            ("annotations list, 1st page", api, "get", "/api/annotations/?limit=100", None),
            ("annotations list, middle page (cursor)", api, "get", middle, None),
            ("projects API (annotator)", api, "get", "/api/projects/", None),
            ("project list page (annotator)", pages, "get", "/", None),
            ("annotate page", pages, "get", f"/projects/{slug}/annotate/", None),
            ("my annotations page", pages, "get", f"/projects/{slug}/mine/", None),
            ("stats API (researcher)", researcher_api, "get", f"/api/projects/{slug}/stats/", None),
            ("dashboard page (researcher)", researcher_pages, "get", f"/projects/{slug}/dashboard/", None),
        ]
        assignment_id = None
        for name, client, method, path, body in planned:
            if name.startswith("submit"):
                path = f"/api/tasks/{assignment_id}/annotation/"
            with CaptureQueriesContext(connection) as captured:
                if method == "post":
                    response = client.post(path, body, content_type="application/json")
                else:
                    response = client.get(path)
            if response.status_code not in (200, 201):
                raise SystemExit(f"{name}: {path} answered {response.status_code}: {response.content[:300]!r}")
            if name.startswith("next-task"):
                assignment_id = response.json()["assignment_id"]
            # Queries that differ only in their literals are one query run several times (×n): an N+1 shows.
            shapes: dict[str, list[str]] = {}
            for query in captured.captured_queries:
                if query["sql"].lstrip().upper().startswith(EXPLAINED):
                    shapes.setdefault(_shape(query["sql"]), []).append(query["sql"])
            queries = []
            for runs in shapes.values():
                entry = {"query": _describe(runs[0]), "repeated": len(runs)}
                try:
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + runs[0])
                        entry.update(_plan_summary(cursor.fetchone()[0][0], big))
                except Exception as error:  # noqa: BLE001 — a query we cannot re-run is reported, not fatal
                    entry["error"] = str(error).splitlines()[0][:120]
                queries.append(entry)
            requests.append({"request": name, "captured": len(captured.captured_queries), "queries": queries})
        transaction.set_rollback(True)
    return {"slug": slug, "annotator_history": history, "requests": requests}


def summary(explained: dict[str, Any]) -> str:
    """The compact per-query table of `explain_requests`' result."""
    lines = [f"  EXPLAIN (ANALYZE, BUFFERS) of each request's SELECT/UPDATE queries (annotator with "
             f"{explained['annotator_history']:,} past annotations); flagged: Seq Scan over a table of > {BIG_TABLE:,} rows"]
    flagged = []
    for request in explained["requests"]:
        total = sum(query.get("ms", 0) * query["repeated"] for query in request["queries"])
        lines.append(f"  {request['request']}: {request['captured']} queries, {total:.2f} ms in the plans (the first of each ×n, times n)")
        for query in request["queries"]:
            if "error" in query:
                lines.append(f"    {'':>9}  {query['query']}: not explained ({query['error']})")
                continue
            seq = query["seq_scans_big"]
            if seq:
                flagged.append(f"{request['request']}: {query['query']} ({', '.join(seq)})")
            times = f" ×{query['repeated']}" if query["repeated"] > 1 else ""
            lines.append(
                f"    {query['ms']:7.2f} ms  {query['query']}{times}: {query['top']}; examined {query['examined']:,} rows; "
                f"buffers {query['hit']:,} hit / {query['read']:,} read" + (f"; SEQ SCAN over {', '.join(seq)}" if seq else "")
            )
    lines.append("  Seq Scans over big tables: " + ("; ".join(flagged) if flagged else "none"))
    return "\n".join(lines)
