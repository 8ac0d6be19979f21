"""A project or job that exists but is not yours answers exactly like one that does not exist
(issue 13, point 12): same status, same body."""
import pytest

from jobs.models import TrainingJob
from tests.factories import ProjectFactory


@pytest.fixture
def hidden_project(db):
    return ProjectFactory(slug="secret-project")


@pytest.mark.parametrize(
    "path",
    [
        "/api/projects/{slug}/", "/api/projects/{slug}/stats/", "/api/projects/{slug}/imports/",
        "/api/projects/{slug}/datasets/", "/api/projects/{slug}/datasets/1/", "/api/projects/{slug}/jobs/",
        "/api/projects/{slug}/reward-models/",
    ],
)
def test_a_forbidden_project_reads_like_a_missing_one(hidden_project, researcher, client_for, path):
    client = client_for(researcher)
    forbidden = client.get(path.format(slug=hidden_project.slug))
    missing = client.get(path.format(slug="no-such-project"))
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()


def test_a_forbidden_job_reads_like_a_missing_one(hidden_project, researcher, client_for):
    job = TrainingJob.objects.create(project=hidden_project, kind=TrainingJob._meta.get_field("kind").choices[0][0])
    client = client_for(researcher)
    forbidden, missing = client.get(f"/api/jobs/{job.pk}/"), client.get(f"/api/jobs/{job.pk + 1000}/")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()


def test_forbidden_and_missing_project_pages_read_the_same(hidden_project, researcher, client, settings):
    settings.DEBUG = True  # the debug 404 page shows the message, where a difference would show
    client.force_login(researcher)
    forbidden = client.get(f"/projects/{hidden_project.slug}/annotate/")
    missing = client.get("/projects/no-such-project/annotate/")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content.replace(hidden_project.slug.encode(), b"") == missing.content.replace(b"no-such-project", b"")
