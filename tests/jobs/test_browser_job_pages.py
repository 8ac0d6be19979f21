"""Job and round pages in Debian's Chromium: a stage label that says where training is, a one-step job's
loss, log lines that wrap, readable round charts (issue 16, point 8)."""
import os

import pytest
from django.utils import timezone

from jobs.models import JobKind, JobMetric, JobStatus, TrainingJob
from tests.browser_support import log_in
from tests.training.online_dpo.online_dpo_helpers import FAST_ROUND, fill_project, register_policy, register_reward_model
from training.online_dpo.models import OnlineRound
from training.online_dpo.services import online_run_launch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_LINE = "training " + "x" * 600 + " end"
SCREENSHOTS = os.environ.get("VERDICT_SCREENSHOTS")  # a folder: save what the tests saw


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_a_one_step_job_shows_its_loss_and_wraps_its_log(page, live_server, admin_user, project):
    now = timezone.now()
    job = TrainingJob.objects.create(
        project=project, kind=JobKind.REWARD_MODEL, status=JobStatus.SUCCEEDED, config={"objective": "bt"},
        progress_step=1, progress_total=1, stage="done", started_at=now, finished_at=now,
        log_tail=f"12:00:00 {LONG_LINE}\n12:00:01 done: 1 steps",
    )
    JobMetric.objects.create(job=job, step=1, epoch=1, split="validation", values={"loss": 0.69, "val_accuracy": 0.5})
    log_in(page, live_server.url, admin_user.username, f"/training/jobs/{job.pk}/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-loss')).data.datasets.length > 0")
    lines = page.evaluate("""() => Chart.getChart(document.getElementById('chart-loss')).data.datasets.map(
        d => ({label: d.label, points: d.data.length, radius: d.pointRadius}))""")
    assert lines == [{"label": "epoch mean loss", "points": 1, "radius": 3}]
    log = page.locator("#job-log")
    assert log.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "job-one-step")


def test_a_running_job_without_a_step_count_says_so(page, live_server, admin_user, project):
    job = TrainingJob.objects.create(
        project=project, kind=JobKind.REWARD_MODEL, status=JobStatus.RUNNING, config={"objective": "bt"},
        progress_step=0, progress_total=0, stage="loading the base model", started_at=timezone.now(), heartbeat_at=timezone.now(),
    )
    log_in(page, live_server.url, admin_user.username, f"/training/jobs/{job.pk}/")
    page.wait_for_selector("#job-steps:text('steps not counted yet')")
    TrainingJob.objects.filter(pk=job.pk).update(stage="bt · epoch 1", progress_total=30)
    page.wait_for_selector("#job-stage:text-is('bt · epoch 1')")
    assert page.inner_text("#job-steps") == "0 / 30 steps"


def test_round_charts_are_readable(page, live_server, admin_user, project, tmp_path):
    fill_project(project, prompts=12, items=0)
    register_policy(project, str(tmp_path / "policy"))
    register_reward_model(project, str(tmp_path / "reward"))
    run = online_run_launch(project=project, rounds=1, config=FAST_ROUND, launched_by=admin_user, enqueue=False)
    first = run.rounds.get()
    TrainingJob.objects.filter(pk=first.job_id).update(status=JobStatus.SUCCEEDED)
    OnlineRound.objects.filter(pk=first.pk).update(mean_reward=0.14, previous_mean_reward=-0.19, win_rate=0.62, kl=1.0,
                                                   mean_length=8.3, mismatch_rate=0.1)
    log_in(page, live_server.url, admin_user.username, f"/projects/{project.slug}/rounds/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-kl'))")
    for canvas in ("chart-reward", "chart-win-rate", "chart-kl", "chart-length", "chart-mismatch"):
        box = page.locator(f"#{canvas}").bounding_box()
        assert box["height"] >= 220 and box["width"] >= 280, (canvas, box)
        # The y axis title is drawn inside the canvas: the axis leaves room for it.
        fits = page.evaluate(f"""() => {{
            const chart = Chart.getChart(document.getElementById('{canvas}'));
            const y = chart.scales.y;
            return y.left >= 0 && y.options.title.display && y.width > 30 && chart.chartArea.top >= 0;
        }}""")
        assert fits, canvas
    shot(page, "rounds")
