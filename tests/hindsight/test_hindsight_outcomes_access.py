"""A response's simulated outcomes (hidden context, simulator prompts, provenance) are a researcher page
and API: the project's researchers and admins read them, its annotators get 403, outsiders get 404,
and a response of another project is not found under this project's address."""
import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.hindsight.hindsight_helpers import (
    HIDDEN,
    import_scenarios,
    keyboard_scenario,
    make_project,
    simulate_with_template,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hs(annotator, researcher):
    project = make_project(annotator, researcher)
    import_scenarios(project, keyboard_scenario(), layout="single")
    simulate_with_template(project)
    return project


@pytest.fixture
def response_id(hs) -> int:
    return hs.scenarios.get().prompt.responses.order_by("pk").first().pk


def page(slug: str, response_id: int) -> str:
    return reverse("hindsight:outcomes", args=[slug, response_id])


def api(slug: str, response_id: int) -> str:
    return reverse("api-hindsight-outcomes", args=[slug, response_id])


@pytest.fixture
def outsider():
    """A researcher of another hindsight project: a real researcher, just not of this project."""
    user = UserFactory(username="olga", role="researcher")
    make_project(user, slug="hs-other")
    return user


def test_outsiders_get_404_from_the_outcomes_page(client, outsider, hs, response_id):
    """Guards: hindsight_views.outcomes without its membership check (an outsider read 200)."""
    client.force_login(outsider)
    response = client.get(page(hs.slug, response_id))
    assert response.status_code == 404
    assert HIDDEN.encode() not in response.content


def test_outsiders_get_404_from_the_outcomes_api(client_for, outsider, hs, response_id):
    """Guards: ResponseOutcomesApi without its membership check (an outsider read 200)."""
    response = client_for(outsider).get(api(hs.slug, response_id))
    assert response.status_code == 404
    assert b"Option A" not in response.content


def test_annotators_of_the_project_get_403(client, client_for, annotator, hs, response_id):
    """Guards: the outcomes page and API checking membership but not the researcher role."""
    client.force_login(annotator)
    assert client.get(page(hs.slug, response_id)).status_code == 403
    assert client_for(annotator).get(api(hs.slug, response_id)).status_code == 403


def test_a_response_of_another_project_is_not_found_under_this_projects_address(client, client_for, outsider, hs, response_id):
    """Guards: the outcomes page and API looking the response up without scoping it to the project."""
    client.force_login(outsider)
    assert client.get(page("hs-other", response_id)).status_code == 404
    assert client_for(outsider).get(api("hs-other", response_id)).status_code == 404


def test_researchers_of_the_project_read_every_outcome_version(client, client_for, researcher, hs, response_id):
    client.force_login(researcher)
    assert client.get(page(hs.slug, response_id)).status_code == 200
    versions = client_for(researcher).get(api(hs.slug, response_id)).json()
    assert [v["version"] for v in versions] == [1] and "Option A" in versions[0]["text"]
