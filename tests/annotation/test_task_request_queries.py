"""What next-task and submit cost in statements: each runs on every task of every annotator, so each
statement the ORM builds for it is CPU time at load (issue 18: the 1M load benchmark's p95)."""
import uuid

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation.models import Membership

# Both through API token authentication, as API clients send them; the token's statement counts.
# next-task: the token with its user and their roles, the project with the membership (and its pause
# flag), held leases, the candidate lock, the claim re-count, the lease (one upsert), prompt, responses,
# the annotator's progress counter.
NEXT_TASK_STATEMENTS = 9
# submit: the token with its user, then in the transaction: the assignment (the annotator's own) locked
# with its item in one statement, the client_id check, the annotation, the assignment's state, the item's
# count, the progress counter, the stats row's stale flag.
SUBMIT_STATEMENTS = 8


def statements(queries: CaptureQueriesContext) -> list[str]:
    """The statements a request ran, without the test transaction's savepoints."""
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


def next_task(client, project):
    return client.post(f"/api/projects/{project.slug}/next-task/", {}, format="json")


def submit(client, project, task):
    return client.post(f"/api/tasks/{task['assignment_id']}/annotation/", {
        "client_id": str(uuid.uuid4()), "preference_strength": -1, "justification": "ok",
        "attribute_scores": {slot: {name: 3 for name in project.attribute_names} for slot in ("A", "B")},
    }, format="json")


def test_next_task_and_submit_run_a_fixed_small_number_of_statements(project, items, annotator, token_client_for):
    client = token_client_for(annotator)
    # The first task counts the open items (cached from then on) and its submit starts the progress counter.
    assert submit(client, project, next_task(client, project).json()).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        task = next_task(client, project).json()
    assert len(statements(queries)) <= NEXT_TASK_STATEMENTS, "\n".join(statements(queries))
    with CaptureQueriesContext(connection) as queries:
        assert submit(client, project, task).status_code == 201
    assert len(statements(queries)) <= SUBMIT_STATEMENTS, "\n".join(statements(queries))


def test_the_pause_check_reads_the_membership_the_access_check_read(project, items, annotator, client_for):
    cache.clear()
    Membership.objects.filter(project=project, user=annotator).update(paused=True)
    with CaptureQueriesContext(connection) as queries:
        response = next_task(client_for(annotator), project)
    assert response.status_code == 409 and "paused" in response.content.decode()
    assert len([sql for sql in statements(queries) if "annotation_membership" in sql]) == 1
