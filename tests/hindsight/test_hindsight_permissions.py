"""Who may do what with hindsight: annotators annotate (no jobs, no dashboards), researchers read the
dashboard and simulation pages, admins launch simulations; non-members get 404 everywhere."""
import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.hindsight.hindsight_helpers import import_scenarios, keyboard_scenario, make_project, simulate_with_template

pytestmark = pytest.mark.django_db

MANAGE_PAGES = ["hindsight:dashboard", "hindsight:simulate"]
MANAGE_APIS = ["api-hindsight-stats", "api-hindsight-pairs", "api-hindsight-simulations"]


@pytest.fixture
def hs(annotator, researcher, admin_user):
    project = make_project(annotator, researcher)
    import_scenarios(project, keyboard_scenario(), layout="single")
    simulate_with_template(project)
    return project


def web(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(name, args=args))


@pytest.mark.parametrize("name", MANAGE_PAGES)
def test_annotators_cannot_see_researcher_pages(client, annotator, hs, name):
    assert web(client, annotator, name, hs.slug).status_code == 403


@pytest.mark.parametrize("name", MANAGE_APIS)
def test_annotators_cannot_read_statistics_or_jobs(client_for, annotator, hs, name):
    assert client_for(annotator).get(reverse(name, args=[hs.slug])).status_code == 403


def test_annotators_and_researchers_cannot_launch_simulations(client_for, client, annotator, researcher, hs):
    endpoint = reverse("api-hindsight-simulations", args=[hs.slug])
    assert client_for(annotator).post(endpoint, {"config": {}}, format="json").status_code == 403
    assert client_for(researcher).post(endpoint, {"config": {}}, format="json").status_code == 403
    client.force_login(researcher)
    page = reverse("hindsight:simulate", args=[hs.slug])
    assert client.post(page, {"simulator": "template"}).status_code == 403


@pytest.mark.parametrize("name", MANAGE_PAGES)
def test_researchers_see_the_researcher_pages(client, researcher, hs, name):
    assert web(client, researcher, name, hs.slug).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_admins_launch_simulations_from_the_browser(client, admin_user, hs):
    # Transactional: the job runs (Celery eager) when the launch commits, and the job runner manages connections.
    client.force_login(admin_user)
    page = reverse("hindsight:simulate", args=[hs.slug])
    form = client.get(page).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data["scope"] = "all"
    response = client.post(page, data)
    assert response.status_code == 302
    listing = client.get(page)
    assert "succeeded" in listing.content.decode()
    assert hs.jobs.get().summary["outcomes"] == 2


def test_admins_see_form_errors_for_bad_templates(client, admin_user, hs):
    client.force_login(admin_user)
    page = reverse("hindsight:simulate", args=[hs.slug])
    form = client.get(page).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data["prompt_template"] = "Facts: {secret}"
    response = client.post(page, data)
    assert response.status_code == 200
    assert "Unknown field(s) {secret}" in response.context["form"].errors["prompt_template"][0]
    assert not hs.jobs.exists()


def test_non_members_get_404_everywhere(client, client_for, hs, annotator):
    outsider = UserFactory(username="olga", role="researcher")
    assignment_api = client_for(annotator).post(reverse("api-hindsight-next-task", args=[hs.slug]), {}, format="json")
    for name in ["hindsight:annotate", *MANAGE_PAGES]:
        assert web(client, outsider, name, hs.slug).status_code == 404
    api = client_for(outsider)
    for name in MANAGE_APIS:
        assert api.get(reverse(name, args=[hs.slug])).status_code == 404
    assert api.post(reverse("api-hindsight-next-task", args=[hs.slug]), {}, format="json").status_code == 404
    task = reverse("api-hindsight-foresight", args=[assignment_api.json()["assignment_id"]])
    assert api.post(task, {"rating": 3}, format="json").status_code == 404


def test_annotators_open_the_workspace_but_not_on_other_project_kinds(client, annotator, hs, project):
    assert web(client, annotator, "hindsight:annotate", hs.slug).status_code == 200
    assert web(client, annotator, "hindsight:annotate", project.slug).status_code == 404
