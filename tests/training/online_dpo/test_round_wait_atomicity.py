"""Pausing a round for its human slice changes the round and its job together or not at all
(issue 13.16): a failure between the two writes used to leave the round `waiting` and the job `running`."""
import pytest
from django.db.models import QuerySet

from jobs.models import JobKind, JobStatus, TrainingJob
from training.online_dpo.models import OnlineRound, OnlineRun, RoundStep
from training.online_dpo.services import online_round_wait
from training.policies.models import PolicyCheckpoint


@pytest.fixture
def running_round(project) -> OnlineRound:
    start = PolicyCheckpoint.objects.create(project=project, name="start", base_model="tiny", path="/nowhere/tiny")
    run = OnlineRun.objects.create(project=project, config={}, rounds_requested=1, initial_checkpoint=start)
    job = TrainingJob.objects.create(project=project, kind=JobKind.ONLINE_DPO, status=JobStatus.RUNNING)
    return OnlineRound.objects.create(run=run, project=project, index=1, number=1, job=job, start_checkpoint=start,
                                      step=RoundStep.SAMPLED)


def test_waiting_marks_the_round_and_the_job(running_round):
    assert online_round_wait(job=running_round.job, round_=running_round, missing=3)
    running_round.refresh_from_db()
    assert running_round.step == RoundStep.WAITING
    assert running_round.job.status == JobStatus.WAITING


def test_a_failure_while_pausing_the_job_leaves_the_round_as_it_was(running_round, monkeypatch):
    real_update = QuerySet.update

    def failing_update(self, **fields):
        if self.model is TrainingJob and fields.get("status") == JobStatus.WAITING:
            raise RuntimeError("database went away")
        return real_update(self, **fields)

    monkeypatch.setattr(QuerySet, "update", failing_update)
    with pytest.raises(RuntimeError):
        online_round_wait(job=running_round.job, round_=running_round, missing=3)
    monkeypatch.undo()
    running_round.refresh_from_db()
    running_round.job.refresh_from_db()
    assert (running_round.step, running_round.job.status) == (RoundStep.SAMPLED, JobStatus.RUNNING)


def test_a_job_no_longer_running_is_not_paused_and_its_round_keeps_its_step(running_round):
    TrainingJob.objects.filter(pk=running_round.job_id).update(status=JobStatus.CANCELLED)
    assert not online_round_wait(job=running_round.job, round_=running_round, missing=3)
    running_round.refresh_from_db()
    assert running_round.step == RoundStep.SAMPLED
