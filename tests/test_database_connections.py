"""A database connection that dies between requests costs no request (issue 13, point 13): with
persistent connections (CONN_MAX_AGE) Django checks a reused connection before the request uses it
(CONN_HEALTH_CHECKS) and reconnects, instead of answering 500 on a dead socket."""
import os

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def require_postgres():
    if connection.vendor != "postgresql":
        message = "needs PostgreSQL (set DATABASE_URL=postgres://…); a terminated server backend is what is under test"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def serve(path: str, token: str) -> int:
    """One request through the production WSGI handler (with its request_started/finished signals,
    which the test client leaves out), answered in this thread with this thread's connection."""
    environ = RequestFactory().get(path, HTTP_AUTHORIZATION=f"Token {token}").environ
    statuses: list[str] = []
    response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    b"".join(response)
    response.close()
    return int(statuses[0].split()[0])


def terminate_backend(pid: int) -> None:
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_terminated_backend_costs_no_failed_request(project, annotator):
    assert connection.settings_dict["CONN_MAX_AGE"] > 0, "persistent connections are what this is about"
    token = Token.objects.create(user=annotator).key
    assert serve("/api/projects/", token) == 200
    pid = connection.connection.info.backend_pid
    terminate_backend(pid)
    statuses = [serve("/api/projects/", token) for _ in range(6)]
    assert statuses == [200] * 6
    assert connection.connection.info.backend_pid != pid
