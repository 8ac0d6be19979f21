"""Restarting a failed or cancelled job is idempotent (issue 13.4): a second restart of the same job —
a double click, a retried request — returns the restart already made instead of queuing a duplicate run."""
import pytest

from jobs import services
from jobs.models import JobKind, JobStatus, TrainingJob


@pytest.fixture
def failed_job(project, admin_user) -> TrainingJob:
    return TrainingJob.objects.create(project=project, kind=JobKind.REWARD_MODEL, status=JobStatus.FAILED,
                                      config={"objective": "bt"}, launched_by=admin_user)


# The restarts are queued when the test's transaction commits, which it never does: nothing runs here.


def test_a_second_restart_returns_the_first_one(failed_job, admin_user):
    first = services.job_restart(job=failed_job, launched_by=admin_user)
    second = services.job_restart(job=failed_job, launched_by=admin_user)
    assert second.pk == first.pk
    assert TrainingJob.objects.filter(restart_of=failed_job).count() == 1


def test_restarting_twice_through_the_api_makes_one_new_job(failed_job, admin_user, client_for):
    api = client_for(admin_user)
    answers = [api.post(f"/api/jobs/{failed_job.pk}/restart/") for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert TrainingJob.objects.filter(restart_of=failed_job).count() == 1


def test_a_restart_that_failed_again_can_itself_be_restarted(failed_job, admin_user):
    first = services.job_restart(job=failed_job, launched_by=admin_user)
    TrainingJob.objects.filter(pk=first.pk).update(status=JobStatus.FAILED)
    first.refresh_from_db()
    again = services.job_restart(job=first, launched_by=admin_user)
    assert again.restart_of_id == first.pk and again.pk not in (failed_job.pk, first.pk)
