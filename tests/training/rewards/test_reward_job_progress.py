"""A reward job's stage follows the trainer's first event: the phase, epoch and total steps as soon as
training starts (issue 16, point 8)."""
import pytest

from jobs.models import JobKind, JobMetric, TrainingJob
from jobs.runtime import JobReporter
from training.rewards.job_body import _progress_reporter
from verdict_ml.rewards.config import TrainingProgress

pytestmark = pytest.mark.django_db


def test_a_start_event_sets_the_stage_and_total_without_a_metric_point(project):
    job = TrainingJob.objects.create(project=project, kind=JobKind.REWARD_MODEL, status="running", stage="loading the base model")
    report = _progress_reporter(JobReporter(job), members=2)

    report(TrainingProgress(step=0, total_steps=30, epoch=1, metrics={}, member=0, phase="bt"))

    job.refresh_from_db()
    assert (job.stage, job.progress_step, job.progress_total) == ("bt · epoch 1 · member 1 of 2", 0, 30)
    assert not JobMetric.objects.filter(job=job).exists()
