"""Human mode pauses a round until its slice is annotated and resumes it (the beat task); humans'
labels decide the slice pairs and the RM–human mismatch rate. Cancelling between steps keeps the
completed rounds, and a restart continues the cancelled round from where it stopped."""
import pytest
from django.urls import reverse

from annotation.models import Response
from jobs.models import JobStatus
from jobs.runtime import JobReporter
from jobs.services import job_cancel, job_restart
from tests.training.online_dpo.online_dpo_helpers import FAST_ROUND, annotate_slice
from tests.training.online_dpo.test_online_dpo_job import launch, round_project  # noqa: F401
from training.online_dpo.models import OnlineRound, RoundStep
from training.online_dpo.round_body import online_round_body, online_round_execute
from training.online_dpo.services import online_round_launch_next, online_run_launch
from training.online_dpo.tasks import online_dpo_tick
from training.policies.models import PolicyCheckpoint


@pytest.mark.django_db(transaction=True)
def test_human_mode_waits_for_the_slice_and_resumes_once_it_is_annotated(round_project, admin_user, annotator, researcher, client_for, client):  # noqa: F811
    run = launch(client_for(admin_user), "demo", 1, mode="human", human_fraction=0.4)

    round_ = OnlineRound.objects.get(run_id=run["id"])
    assert (round_.job.status, round_.step) == (JobStatus.WAITING, RoundStep.WAITING)
    assert round_.job.stage.startswith("waiting for human labels") and round_.checkpoint is None
    client.force_login(researcher)
    page = client.get(reverse("training:round_detail", args=["demo", round_.pk]))
    assert b"Waiting for human labels" in page.content
    assert online_dpo_tick.delay().get() == {"resumed": 0, "refreshed": 0}

    annotate_slice(round_, annotator, against_rm=1)
    online_dpo_tick.delay()

    round_.refresh_from_db()
    assert round_.job.status == JobStatus.SUCCEEDED, round_.job.error
    slice_size = round_.human_items.count()
    assert slice_size == 4 and round_.human_labelled == slice_size
    assert (round_.mismatch_count, round_.mismatch_rate) == (1, pytest.approx(1 / slice_size))
    assert round_.human_pairs_used == slice_size
    assert round_.checkpoint.parent == round_.start_checkpoint and round_.mean_reward is not None


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_waiting_round_is_not_resumed(round_project, admin_user, annotator, client_for):  # noqa: F811
    run = launch(client_for(admin_user), "demo", 2, mode="human", human_fraction=0.2)
    round_ = OnlineRound.objects.get(run_id=run["id"])
    assert round_.job.status == JobStatus.WAITING

    job_cancel(job=round_.job)
    annotate_slice(round_, annotator, against_rm=0)
    online_dpo_tick.delay()

    round_.refresh_from_db()
    assert (round_.job.status, round_.step, round_.checkpoint) == (JobStatus.CANCELLED, RoundStep.WAITING, None)
    assert OnlineRound.objects.filter(run_id=run["id"]).count() == 1


class CancelAfterSampling:
    """The job's reporter; when the round reports its samples, an admin cancels the job."""

    def __init__(self, reporter: JobReporter) -> None:
        self.reporter = reporter
        reporter.cancel_poll_seconds = 0.0

    def __getattr__(self, name: str):
        return getattr(self.reporter, name)

    def log(self, message: str) -> None:
        self.reporter.log(message)
        if " samples on " in message:
            job_cancel(job=self.reporter.job)


@pytest.mark.django_db(transaction=True)
def test_cancelling_between_steps_keeps_completed_rounds_and_a_restart_continues(round_project, admin_user):  # noqa: F811
    """With reference = initial, round 2 starts already ahead of its reference (positive margin)."""
    run = online_run_launch(project=round_project, rounds=3, config={**FAST_ROUND, "reference": "initial"}, launched_by=admin_user, enqueue=False)
    first = run.rounds.get(index=1)
    assert online_round_execute(first.job_id, task_id="inline", chain=False) == JobStatus.SUCCEEDED
    first.refresh_from_db()
    second = online_round_launch_next(round_=first, enqueue=False)

    status = online_round_execute(second.job_id, task_id="inline", body=lambda job, reporter: online_round_body(job, CancelAfterSampling(reporter)))

    second.refresh_from_db()
    first.refresh_from_db()
    assert status == JobStatus.CANCELLED
    assert (second.step, second.checkpoint, second.mean_reward) == (RoundStep.SAMPLED, None, None)
    assert second.pairs and not second.job.artifacts.filter(ready=True).exists()
    assert first.job.status == JobStatus.SUCCEEDED and first.step == RoundStep.DONE
    assert first.checkpoint.created_by_job == first.job and first.job.artifacts.get(name="policy").ready
    assert PolicyCheckpoint.objects.filter(project=round_project).count() == 2
    assert not run.rounds.filter(index=3).exists()

    samples = Response.objects.filter(round=second.number).count()
    restarted = job_restart(job=second.job, launched_by=admin_user)

    second.refresh_from_db()
    restarted.refresh_from_db()
    assert second.job == restarted and restarted.status == JobStatus.SUCCEEDED, restarted.error
    assert Response.objects.filter(round=second.number).count() == samples
    assert second.checkpoint.parent == first.checkpoint
    third = run.rounds.get(index=3)
    assert third.start_checkpoint == second.checkpoint and third.job.status == JobStatus.SUCCEEDED
    assert {r.evaluation["reference_path"] for r in (first, second, third)} == {run.initial_checkpoint.load_path}
    assert second.margin_start > 0.0
