"""Who may see and run a job (jobs/permissions.py), through the job API: a project's researchers watch its
jobs and admins also cancel and restart them; annotators get a 403 that says why; an outsider gets the
very same 404 as for a job that does not exist."""
import pytest

from jobs.models import JobKind, JobStatus, TrainingJob
from jobs.permissions import READ_ONLY_MESSAGE, WRITE_MESSAGE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(project, admin_user):
    return TrainingJob.objects.create(project=project, kind=JobKind.REWARD_MODEL, status=JobStatus.FAILED, launched_by=admin_user)


def test_researchers_watch_a_job_and_only_admins_restart_it(job, researcher, admin_user, client_for):
    """Guards: job_for_user treating a read as a write (researchers could not watch jobs), or letting a
    write through without the admin check, or refusing it without saying why."""
    api = client_for(researcher)
    assert api.get(f"/api/jobs/{job.pk}/").status_code == 200
    refused = api.post(f"/api/jobs/{job.pk}/restart/")
    assert (refused.status_code, refused.json()["message"]) == (403, WRITE_MESSAGE)
    assert not TrainingJob.objects.filter(restart_of=job).exists()
    assert client_for(admin_user).post(f"/api/jobs/{job.pk}/restart/").status_code == 201


def test_annotators_are_told_that_jobs_are_for_researchers(job, annotator, client_for):
    """Guards: _check dropping its message for members who may not see jobs."""
    response = client_for(annotator).get(f"/api/jobs/{job.pk}/")
    assert (response.status_code, response.json()["message"]) == (403, READ_ONLY_MESSAGE)


def test_an_outsiders_404_is_the_same_as_for_a_missing_job(job, client_for):
    """Guards: job_for_user answering a non-member differently from a job that does not exist (which
    would tell outsiders which job ids exist), or with another message."""
    outsider = client_for(UserFactory(username="olga", role="researcher"))
    hidden, missing = outsider.get(f"/api/jobs/{job.pk}/"), outsider.get(f"/api/jobs/{job.pk + 1000}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"message": "No such job.", "status": 404}
