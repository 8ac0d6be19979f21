"""The Outcomes page in Debian's Chromium: a long prompt-template line wraps instead of widening the
page (issue 16, point 8)."""
import pytest

from hindsight.jobs import simulation_config_defaults
from jobs.models import JobKind, JobStatus, TrainingJob
from tests.browser_support import log_in
from tests.hindsight.hindsight_helpers import make_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_prompt_template_wraps(page, live_server, researcher):
    project = make_project(researcher)
    template = "You are simulating what happened next. " + "Consider the user's situation carefully and " * 20 + "{response}"
    TrainingJob.objects.create(project=project, kind=JobKind.OUTCOME_SIMULATION, status=JobStatus.SUCCEEDED,
                               config={**simulation_config_defaults(), "prompt_template": template})
    log_in(page, live_server.url, researcher.username, f"/projects/{project.slug}/hindsight/simulate/")
    shown = page.locator("pre", has_text="You are simulating")
    assert shown.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
