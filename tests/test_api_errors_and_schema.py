"""The API answers what the README and the OpenAPI schema say (issue 13, point 14): unexpected
failures are JSON without internals, the imports list is documented as the page it returns, and the
schema does not allow project settings the server refuses."""
import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from tests.api_failing_urls import SECRET


@pytest.fixture
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize(
    ("path", "debug"),
    # With DEBUG=1 a plain Django view shows Django's debug page by design; every API view is DRF's.
    [("/api/test-failure/drf/", False), ("/api/test-failure/drf/", True), ("/api/test-failure/plain/", False)],
)
def test_unexpected_api_failures_are_json_without_internals(db, annotator, settings, path, debug):
    settings.ROOT_URLCONF = "tests.api_failing_urls"
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    client.force_login(annotator)
    response = client.get(path)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": "Internal server error.", "status": 500}
    assert SECRET.encode() not in response.content and b"Traceback" not in response.content


def test_an_unknown_api_path_is_a_json_404(db, annotator, settings):
    settings.DEBUG = False
    client = Client()
    client.force_login(annotator)
    response = client.get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json() == {"message": "Not found.", "status": 404}


def test_pages_keep_html_errors(db, annotator, client, settings):
    settings.DEBUG = False
    client.force_login(annotator)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_the_imports_list_is_documented_as_the_page_it_returns(schema, project, researcher, client_for):
    documented = schema["paths"]["/api/projects/{slug}/imports/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    component = schema["components"]["schemas"][documented["$ref"].rsplit("/", 1)[-1]]
    assert component["type"] == "object" and component["properties"]["results"]["type"] == "array"
    body = client_for(researcher).get(f"/api/projects/{project.slug}/imports/").json()
    assert set(body) == set(component["properties"]) and set(component["required"]) <= set(body)


def test_the_schema_requires_at_least_one_task_type_as_the_server_does(schema, researcher, client_for):
    documented = schema["components"]["schemas"]["Project"]["properties"]["task_types"]
    assert documented.get("minItems") == 1
    response = client_for(researcher).post("/api/projects/", {"name": "N", "slug": "n", "task_types": []}, format="json")
    assert response.status_code == 400 and "task_types" in response.json()["errors"]
