"""A queued job or dataset version says why it has not started: the queue it waits on and what holds
that queue's worker (issue 16, point 10)."""
import pytest
from django.test import Client
from django.utils import timezone

from datasets_app.exports.waiting import dataset_version_wait_reason
from datasets_app.models import DatasetStatus
from datasets_app.models.exports import DatasetVersion
from jobs.models import JobKind, JobStatus, TrainingJob
from jobs.selectors import job_live_state
from jobs.waiting import job_wait_reason
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def job(project, status=JobStatus.QUEUED, kind=JobKind.REWARD_MODEL):
    return TrainingJob.objects.create(project=project, kind=kind, status=status, started_at=timezone.now() if status == JobStatus.RUNNING else None)


def test_a_queued_job_with_nothing_running_waits_for_a_worker(project):
    queued = job(project)
    assert job_wait_reason(queued) == "waiting for a worker on the gpu queue: none has taken it yet"
    assert job_live_state(job=queued)["wait_reason"] == job_wait_reason(queued)


def test_a_queued_job_names_the_running_job_ahead_of_it(project):
    running = job(project, JobStatus.RUNNING, JobKind.ONLINE_DPO)
    earlier = job(project)
    queued = job(project)
    assert job_wait_reason(queued) == (
        f"queued on the gpu queue behind job #{running.pk} (Online DPO rounds, running) and 1 earlier queued job"
    )
    assert job_wait_reason(earlier) == f"queued on the gpu queue behind job #{running.pk} (Online DPO rounds, running)"
    assert job_wait_reason(running) == ""


def test_another_projects_job_is_not_named(project):
    job(ProjectFactory(slug="other"), JobStatus.RUNNING)
    assert job_wait_reason(job(project)) == "queued on the gpu queue behind a running job of another project"


def test_the_job_list_shows_why_a_job_waits(project, researcher):
    running = job(project, JobStatus.RUNNING)
    job(project)
    client = Client()
    client.force_login(researcher)
    html = client.get(f"/projects/{project.slug}/training/").content.decode()
    assert f"queued on the gpu queue behind job #{running.pk} (Reward-model training, running)" in html


def version(project, number, status=DatasetStatus.QUEUED):
    return DatasetVersion.objects.create(project=project, version=number, format="trl-preference", status=status)


def test_a_queued_dataset_version_says_why_it_waits(project, researcher):
    first = version(project, 1)
    assert dataset_version_wait_reason(first) == "waiting for a worker on the default queue: none has taken it yet"
    DatasetVersion.objects.filter(pk=first.pk).update(status=DatasetStatus.RUNNING)
    second = version(project, 2)
    assert dataset_version_wait_reason(second) == "queued on the default queue behind v1 (building)"
    client = Client()
    client.force_login(researcher)
    html = client.get(f"/projects/{project.slug}/datasets/").content.decode()
    assert "queued on the default queue behind v1 (building)" in html
