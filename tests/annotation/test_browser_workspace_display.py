"""What the workspace shows and hides (issue 16, points 1 and 3): `hidden` wins over the base CSS, the
alert offers "Load the next task" only for a lost task, Likert-only tasks use no pairwise wording, and
the open-items count moves with the annotator's own work."""
import re

import pytest

from tests.annotation.test_browser_workspace import ANNOTATE, lease_first_task
from tests.browser_support import log_in, press_all, wait_for_task, wait_for_task_after
from tests.factories import ItemFactory, PromptFactory, ResponseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def single_response_item(project):
    prompt = PromptFactory(project=project)
    return ItemFactory(project=project, prompt=prompt, response_1=ResponseFactory(prompt=prompt), response_2=None)


def test_required_badge_follows_the_preference_strength(page, live_server, annotator, project, items):
    assignment = lease_first_task(annotator, project, swapped=False)
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    wait_for_task(page, assignment.pk)
    assert page.is_hidden("#ws-justification-required")
    page.keyboard.press("p")
    page.keyboard.press("3")  # A is slightly better: no justification needed
    assert page.is_hidden("#ws-justification-required")
    page.keyboard.press("7")  # B is much better: required
    assert page.is_visible("#ws-justification-required")


def test_likert_only_task_has_no_pairwise_wording(page, live_server, annotator, project):
    single_response_item(project)
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    wait_for_task(page)
    assert page.is_hidden("#ws-justification-required")
    assert page.is_hidden("#ws-justification-rule")
    placeholder = page.get_attribute("#ws-justification-input", "placeholder")
    assert "@A" not in placeholder and "better" not in placeholder
    page.keyboard.press("?")
    help_text = page.inner_text("#ws-help")
    assert "preference row" not in help_text and "much better" not in help_text


def test_a_validation_alert_offers_no_reload(page, live_server, annotator, project, items):
    assignment = lease_first_task(annotator, project, swapped=False)
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    wait_for_task(page, assignment.pk)
    press_all(page, "444")
    page.keyboard.press("Enter")
    page.wait_for_selector("#ws-alert:not([hidden])")
    assert page.is_hidden("#ws-reload")
    assert page.get_attribute("#annotate-app", "data-assignment-id") == str(assignment.pk)


def test_a_lost_task_offers_the_next_one(page, live_server, annotator, project, items):
    assignment = lease_first_task(annotator, project, swapped=False)
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    wait_for_task(page, assignment.pk)
    conflict = {"message": "Your lease on this task expired and it went to someone else.", "status": 409}
    page.route("**/api/tasks/*/annotation/", lambda route: route.fulfill(status=409, json=conflict))
    press_all(page, "22222222224")
    page.keyboard.press("Enter")
    page.wait_for_selector("#ws-alert:not([hidden])")
    assert page.is_visible("#ws-reload")


def open_count(page) -> int:
    return int(re.search(r"(\d+) items? still open", page.inner_text("#ws-progress-text")).group(1))


def test_open_items_count_moves_with_each_submission(page, live_server, annotator, project, items):
    assignment = lease_first_task(annotator, project, swapped=False)
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    wait_for_task(page, assignment.pk)
    before = open_count(page)
    press_all(page, "22222222224")
    page.keyboard.press("Enter")
    wait_for_task_after(page, assignment.pk)
    assert open_count(page) == before - 1
    page.wait_for_timeout(500)  # the next prefetch brings the server's number: it agrees
    assert open_count(page) == before - 1


def test_guidelines_stay_beside_the_toolbar_on_a_tall_page(page, live_server, annotator, project):
    """The workspaces (annotate and hindsight) share annotate.css: the panel must not float mid-page."""
    project.guidelines = "Read both responses."
    project.save(update_fields=["guidelines"])
    prompt = PromptFactory(project=project)
    tall = "\n\n".join(f"Paragraph {n} of a very long answer." for n in range(200))
    ItemFactory(project=project, prompt=prompt, response_1=ResponseFactory(prompt=prompt, text=tall),
                response_2=ResponseFactory(prompt=prompt))
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    wait_for_task(page)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(100)
    top = page.evaluate("""() => {
        const y = (id) => document.getElementById(id).getBoundingClientRect().top + window.scrollY;
        return [y("ws-guidelines"), document.querySelector(".ws-toolbar").getBoundingClientRect().top + window.scrollY];
    }""")
    assert abs(top[0] - top[1]) < 40, f"guidelines at {top[0]}px, toolbar at {top[1]}px"
