"""Every page of a demo-like project, as each role, in Debian's Chromium: the console stays empty (no
script error, no CSP refusal, no failed request — the favicon included) (issue 16, point 13)."""
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page

from annotation.models import Project, Response
from datasets_app.models import ImportRecord
from jobs.models import JobKind, JobMetric, JobStatus, TrainingJob
from tests.browser_support import VIEWPORT
from tests.list_rows import make_reward_models, make_rounds, make_versions
from training.online_dpo.models import OnlineRound

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "verdict-demo"


def demo_pages() -> dict[str, list[str]]:
    """The demo (load_demo) with one of everything a page can show: a job with metrics, a reward model,
    a round, a dataset version, a failed import; and each role's pages."""
    call_command("load_demo")
    for user in get_user_model().objects.filter(username__in=["annotator1", "researcher", "admin"]):
        user.set_password(DEMO_PASSWORD)  # outside debug mode load_demo gives random passwords (issue 13.15)
        user.save()
    demo = Project.objects.get(slug="demo")
    admin = demo.memberships.get(user__username="admin").user
    now = timezone.now()
    job = TrainingJob.objects.create(project=demo, kind=JobKind.REWARD_MODEL, status=JobStatus.SUCCEEDED, config={"objective": "bt"},
                                     progress_step=2, progress_total=2, started_at=now, finished_at=now, log_tail="12:00 done")
    JobMetric.objects.create(job=job, step=1, epoch=1, split="train", values={"loss": 0.7})
    JobMetric.objects.create(job=job, step=2, epoch=1, split="validation", values={"loss": 0.6, "val_accuracy": 0.6})
    make_reward_models(demo, admin, 1)
    make_rounds(demo, admin, 1)
    make_versions(demo, admin, 1)
    round_ = OnlineRound.objects.get(project=demo)
    imported = ImportRecord.objects.filter(project=demo).first()
    response = Response.objects.filter(prompt__project__slug="demo-hindsight").first()
    annotator = ["/", "/projects/demo/annotate/", "/projects/demo/mine/", "/projects/demo-likert/annotate/",
                 "/projects/demo-hindsight/hindsight/annotate/"]
    researcher = [
        "/", "/projects/new/", "/projects/demo/settings/", "/projects/demo/dashboard/", "/projects/demo/import/",
        f"/projects/demo/import/{imported.pk}/", "/projects/demo/datasets/", "/projects/demo/training/",
        "/projects/demo/reward-models/", "/projects/demo/rounds/", f"/projects/demo/rounds/{round_.pk}/",
        "/projects/demo/policies/", f"/training/jobs/{job.pk}/", "/projects/demo-hindsight/hindsight/dashboard/",
        "/projects/demo-hindsight/hindsight/simulate/", f"/projects/demo-hindsight/hindsight/responses/{response.pk}/outcomes/",
        "/projects/demo/mine/", "/projects/demo/review/", "/projects/demo/adjudicate/", "/api/docs/",
    ]
    admin_pages = [*researcher, "/projects/demo/training/new/", "/admin/"]
    return {"annotator1": annotator, "researcher": researcher, "admin": admin_pages}


def console_problems(page: Page, url: str) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url} {request.failure}"))
    page.on("response", lambda response: problems.append(f"HTTP {response.status}: {response.url}") if response.status >= 400 else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    return problems


def test_no_page_logs_anything_to_the_console(chromium, live_server):
    pages = demo_pages()
    found = {}
    for username, paths in pages.items():
        context = chromium.new_context(viewport=VIEWPORT)
        login = context.new_page()
        login.goto(f"{live_server.url}/accounts/login/")
        login.fill("#id_username", username)
        login.fill("#id_password", DEMO_PASSWORD)
        login.press("#id_password", "Enter")
        login.wait_for_url(f"{live_server.url}/")
        login.close()
        for path in paths:
            page = context.new_page()
            problems = console_problems(page, f"{live_server.url}{path}")
            if problems:
                found[f"{username} {path}"] = problems
            page.close()
        context.close()
    assert found == {}


def test_the_check_sees_failed_requests_and_the_icon_loads(chromium, live_server):
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    problems = console_problems(page, f"{live_server.url}/accounts/login/?next=/no/such/page/")
    assert problems == []
    icon = page.evaluate("""() => fetch(document.querySelector("link[rel=icon]").href)
        .then(r => [r.status, r.headers.get("content-type")])""")
    assert icon == [200, "image/svg+xml"]
    missing = console_problems(context.new_page(), f"{live_server.url}/static/no-such-file.js")
    assert any(problem.startswith("HTTP ") for problem in missing) and any(problem.startswith("console error") for problem in missing)
    context.close()
