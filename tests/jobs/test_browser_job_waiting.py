"""A queued job's page in Debian's Chromium says why it waits, and moves on to the stage once a worker
takes it (issue 16, point 10)."""
import pytest
from django.utils import timezone

from jobs.models import JobKind, JobStatus, TrainingJob
from tests.browser_support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_queued_job_page_says_why_it_waits(page, live_server, admin_user, project):
    training = TrainingJob.objects.create(project=project, kind=JobKind.REWARD_MODEL, status=JobStatus.RUNNING,
                                          started_at=timezone.now(), heartbeat_at=timezone.now(), stage="bt · epoch 1")
    queued = TrainingJob.objects.create(project=project, kind=JobKind.OUTCOME_SIMULATION, status=JobStatus.QUEUED)
    log_in(page, live_server.url, admin_user.username, f"/training/jobs/{queued.pk}/")
    page.wait_for_selector(f"#job-stage:text-is('queued on the gpu queue behind job #{training.pk} (Reward-model training, running)')")

    TrainingJob.objects.filter(pk=training.pk).update(status=JobStatus.SUCCEEDED, finished_at=timezone.now())
    page.wait_for_selector("#job-stage:text-is('waiting for a worker on the gpu queue: none has taken it yet')")
    TrainingJob.objects.filter(pk=queued.pk).update(status=JobStatus.RUNNING, started_at=timezone.now(), stage="simulating 12 outcome(s)")
    page.wait_for_selector("#job-stage:text-is('simulating 12 outcome(s)')")
