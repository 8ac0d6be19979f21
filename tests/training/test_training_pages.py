"""Training pages and endpoints: who may see and do what (the whole matrix), and what the pages show."""
from collections.abc import Iterator

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, sync_playwright
from playwright.sync_api import Response as PlaywrightResponse

from jobs.models import JobKind, JobMetric, JobStatus, TrainingJob
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, log_in, require_chromium
from tests.factories import UserFactory
from training.rewards.forms import RewardJobForm
from training.rewards.models import RewardModel


@pytest.fixture
def jobs(project, admin_user):
    now = timezone.now()
    succeeded = TrainingJob.objects.create(
        project=project, kind=JobKind.REWARD_MODEL, config={"objective": "bt", "epochs": 1}, status=JobStatus.SUCCEEDED,
        progress_step=4, progress_total=4, started_at=now, finished_at=now, launched_by=admin_user,
        summary={"metrics": {"val_accuracy": 0.875, "val_ece": 0.0625}}, log_tail="12:00:00 done: 4 steps",
    )
    JobMetric.objects.create(job=succeeded, step=2, split="train", values={"loss": 0.69})
    JobMetric.objects.create(job=succeeded, step=4, epoch=1, split="validation", values={"val_accuracy": 0.875})
    failed = TrainingJob.objects.create(
        project=project, kind=JobKind.REWARD_MODEL, config={"objective": "bt"}, status=JobStatus.FAILED,
        error="ValueError: objective 'bt' needs at least 2 judged pairs", traceback="Traceback (most recent call last):\n  boom",
    )
    queued = TrainingJob.objects.create(project=project, kind=JobKind.REWARD_MODEL, config={"objective": "bt"})
    model = RewardModel.objects.create(
        project=project, job=succeeded, name="bt · job 1", path="/models/1", member_paths=["/models/1"], base_model="tiny",
        objective="bt", metrics={"val_accuracy": 0.875, "val_ece": 0.0625},
        data_source={"validation_pairs": 40},  # enough held-out pairs for the activation gate (issue 17)
    )
    return {"succeeded": succeeded, "failed": failed, "queued": queued, "model": model}


@pytest.fixture
def outsider(db):
    return UserFactory(username="olga", role="researcher")


def launch_form_data(project) -> dict:
    """The form's defaults as a browser posts them (unchecked boxes and empty values are left out)."""
    initial = RewardJobForm(project=project).initial
    return {
        name: value for name, value in initial.items()
        if name in RewardJobForm.base_fields and value is not None and value is not False and value != ""
    }


PAGES = ["job_list", "job_launch", "job_detail", "reward_models"]
PAGE_ACTIONS = ["job_launch", "job_cancel", "job_restart", "activate", "score_queue"]


def page_url(name: str, jobs: dict) -> str:
    return {
        "job_list": "/projects/demo/training/",
        "job_launch": "/projects/demo/training/new/",
        "job_detail": f"/training/jobs/{jobs['succeeded'].pk}/",
        "reward_models": "/projects/demo/reward-models/",
        "job_cancel": f"/training/jobs/{jobs['queued'].pk}/cancel/",
        "job_restart": f"/training/jobs/{jobs['failed'].pk}/restart/",
        "activate": f"/projects/demo/reward-models/{jobs['model'].pk}/activate/",
        "score_queue": "/projects/demo/reward-models/score-queue/",
    }[name]


def browser(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def who(request, name: str):
    return None if name == "anonymous" else request.getfixturevalue(name)


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("anonymous", {"job_list": 302, "job_launch": 302, "job_detail": 302, "reward_models": 302}),
        ("annotator", {"job_list": 403, "job_launch": 403, "job_detail": 403, "reward_models": 403}),
        ("researcher", {"job_list": 200, "job_launch": 403, "job_detail": 200, "reward_models": 200}),
        ("admin_user", {"job_list": 200, "job_launch": 200, "job_detail": 200, "reward_models": 200}),
        ("outsider", {"job_list": 404, "job_launch": 404, "job_detail": 404, "reward_models": 404}),
    ],
)
def test_who_may_see_the_training_pages(request, jobs, user, expected):
    client = browser(who(request, user))
    assert {name: client.get(page_url(name, jobs)).status_code for name in PAGES} == expected


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("anonymous", dict.fromkeys(PAGE_ACTIONS, 302)),
        ("annotator", dict.fromkeys(PAGE_ACTIONS, 403)),
        ("researcher", dict.fromkeys(PAGE_ACTIONS, 403)),
        ("admin_user", dict.fromkeys(PAGE_ACTIONS, 302)),
        ("outsider", dict.fromkeys(PAGE_ACTIONS, 404)),
    ],
)
def test_only_admins_act_from_the_pages(request, jobs, user, expected):
    client = browser(who(request, user))
    codes = {
        name: client.post(page_url(name, jobs), launch_form_data(jobs["model"].project) if name == "job_launch" else {}).status_code
        for name in PAGE_ACTIONS
    }
    assert codes == expected
    changed = TrainingJob.objects.count() == 5 and TrainingJob.objects.get(pk=jobs["queued"].pk).status == JobStatus.CANCELLED
    assert changed == (user == "admin_user")


def api_calls(jobs: dict) -> list[tuple[str, str, str, dict | None]]:
    return [
        ("list jobs", "get", "/api/projects/demo/jobs/", None),
        ("job", "get", f"/api/jobs/{jobs['succeeded'].pk}/", None),
        ("models", "get", "/api/projects/demo/reward-models/", None),
        ("launch", "post", "/api/projects/demo/jobs/", {"config": {"objective": "scaled_bt"}}),
        ("cancel", "post", f"/api/jobs/{jobs['queued'].pk}/cancel/", None),
        ("restart", "post", f"/api/jobs/{jobs['failed'].pk}/restart/", None),
        ("activate", "post", f"/api/projects/demo/reward-models/{jobs['model'].pk}/activate/", None),
        ("score queue", "post", "/api/projects/demo/uncertainty-scoring/", None),
    ]


READS = {"list jobs": 200, "job": 200, "models": 200}
WRITES_BY_ADMIN = {"launch": 201, "cancel": 200, "restart": 201, "activate": 200, "score queue": 400}


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("anonymous", {name: 403 for name in [*READS, *WRITES_BY_ADMIN]}),
        ("annotator", {name: 403 for name in [*READS, *WRITES_BY_ADMIN]}),
        ("researcher", {**READS, **dict.fromkeys(WRITES_BY_ADMIN, 403)}),
        ("admin_user", {**READS, **WRITES_BY_ADMIN}),
        ("outsider", {name: 404 for name in [*READS, *WRITES_BY_ADMIN]}),
    ],
)
def test_who_may_use_the_training_api(request, api_client, client_for, jobs, user, expected):
    account = who(request, user)
    client = api_client if account is None else client_for(account)
    codes = {name: getattr(client, method)(url, body, format="json").status_code for name, method, url, body in api_calls(jobs)}
    assert codes == expected


def test_the_job_page_polls_its_state_with_vendored_charts_and_no_inline_script(jobs, admin_user):
    response = browser(admin_user).get(page_url("job_detail", jobs))
    html = response.content.decode()

    assert f'data-state-url="/api/jobs/{jobs["succeeded"].pk}/"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/job_detail.js" in html
    assert "<script>" not in html and "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "val_accuracy" in html and "0.8750" in html and "done: 4 steps" in html
    assert finders.find("vendor/chartjs/chart.umd.min.js") and finders.find("js/job_detail.js")
    assert "Chart.js v4" in open(finders.find("vendor/chartjs/chart.umd.min.js"), encoding="utf-8").read(200)


def test_a_failed_job_page_shows_the_error_the_traceback_and_a_restart_button(jobs, admin_user, researcher):
    html = browser(admin_user).get(f"/training/jobs/{jobs['failed'].pk}/").content.decode()
    assert "needs at least 2 judged pairs" in html and "Traceback (most recent call last)" in html
    assert 'id="job-restart"' in html

    read_only = browser(researcher).get(f"/training/jobs/{jobs['failed'].pk}/").content.decode()
    assert "needs at least 2 judged pairs" in read_only and 'id="job-restart"' not in read_only


def test_the_live_state_reports_progress_and_eta(jobs, admin_user, client_for):
    started = timezone.now() - timezone.timedelta(seconds=30)
    TrainingJob.objects.filter(pk=jobs["queued"].pk).update(
        status=JobStatus.RUNNING, started_at=started, progress_step=10, progress_total=40, stage="bt · epoch 1"
    )
    state = client_for(admin_user).get(f"/api/jobs/{jobs['queued'].pk}/").json()
    assert (state["fraction_done"], state["stage"]) == (0.25, "bt · epoch 1")
    assert state["eta_seconds"] == pytest.approx(90, abs=3)


def test_the_registry_lists_models_side_by_side_and_the_launch_form_shows_defaults(jobs, admin_user):
    html = browser(admin_user).get("/projects/demo/reward-models/").content.decode()
    assert "bt · job 1" in html and "0.875" in html and "0.063" in html and "(active)" not in html
    assert "Set active" in html

    form = browser(admin_user).get("/projects/demo/training/new/").content.decode()
    assert 'name="objective"' in form and 'value="regression_then_scaled_bt"' in form and 'name="ensemble_size"' in form


def test_a_bad_launch_form_shows_the_settings_error_next_to_the_field(project, admin_user):
    data = {**launch_form_data(project), "validation_fraction": "0.9"}
    response = browser(admin_user).post("/projects/demo/training/new/", data)
    assert response.status_code == 200 and "Must be more than 0 and at most 0.5." in response.content.decode()
    assert not TrainingJob.objects.exists()


def test_the_project_links_point_to_the_training_pages(project):
    # The training links are part of the one project navigation (templates/_project_nav.html) now.
    html = render_to_string("_project_nav.html", {"project": project, "can_manage": True})
    assert 'href="/projects/demo/training/"' in html and 'href="/projects/demo/reward-models/"' in html


@pytest.fixture
def browser_page(live_server, transactional_db, monkeypatch) -> Iterator[Page]:
    """Debian's Chromium on the live server; fails the test on any script error or CSP refusal."""
    require_chromium()
    # Playwright's sync API runs an event loop in this thread, which trips Django's async-unsafe guard.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        # Failed requests are checked below, where the favicon the app does not serve can be told apart.
        if message.type == "error" and not message.text.startswith("Failed to load resource:"):
            errors.append(message.text)

    def response(answer: PlaywrightResponse) -> None:
        if answer.status >= 400 and not answer.url.endswith("/favicon.ico"):
            errors.append(f"{answer.status} {answer.url}")

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = chromium.new_context(viewport=VIEWPORT).new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", console)
        page.on("response", response)
        yield page
        chromium.close()
    assert errors == [], f"the page reported script errors: {errors}"


@pytest.mark.browser
def test_the_job_page_follows_a_running_job_live_until_it_succeeds(browser_page, live_server, project, admin_user):
    started = timezone.now() - timezone.timedelta(seconds=20)
    job = TrainingJob.objects.create(
        project=project, kind=JobKind.REWARD_MODEL, config={"objective": "bt"}, status=JobStatus.RUNNING,
        started_at=started, heartbeat_at=timezone.now(), progress_step=5, progress_total=20, stage="bt · epoch 1",
    )
    for step, loss in ((1, 0.69), (5, 0.52)):
        JobMetric.objects.create(job=job, step=step, split="train", values={"loss": loss})
    page = browser_page
    log_in(page, live_server.url, admin_user.username, f"/training/jobs/{job.pk}/")

    page.wait_for_function("() => window.Chart && Chart.getChart('chart-loss')?.data.datasets[0]?.data.length === 2")
    assert page.evaluate("document.getElementById('job-progress').value") == 0.25
    assert page.text_content("#job-eta") != "–" and page.is_visible("#job-cancel")

    JobMetric.objects.create(job=job, step=10, epoch=1, split="validation", values={"val_accuracy": 0.75})
    TrainingJob.objects.filter(pk=job.pk).update(progress_step=10)
    page.wait_for_function("() => Chart.getChart('chart-accuracy')?.data.datasets[0]?.data.length === 1")
    assert page.evaluate("document.getElementById('job-progress').value") == 0.5

    TrainingJob.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED, progress_step=20, finished_at=timezone.now(), stage="done",
        summary={"metrics": {"val_accuracy": 0.75}},
    )
    page.wait_for_selector("#job-status:text('Succeeded')")
    page.wait_for_selector("#job-metrics td:text('val_accuracy')")
    page.wait_for_load_state("load")
    assert not page.is_visible("#job-cancel")
