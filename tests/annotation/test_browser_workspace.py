"""The annotator's browser workspace, driven through Debian's Chromium with Playwright."""
import os
import re
import uuid
from pathlib import Path

import pytest

from annotation import services
from annotation.models import Annotation, Assignment, AssignmentState
from tests.browser_support import log_in, press_all, wait_for_task, wait_for_task_after
from tests.factories import ItemFactory, PromptFactory, ResponseFactory, attribute_scores_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANNOTATE = "/projects/demo/annotate/"
ATTRIBUTES = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]
SCORES_SHOWN_A = [4, 3, 4, 1, 2]
SCORES_SHOWN_B = [1, 2, 3, 0, 4]


def lease_first_task(annotator, project, *, swapped: bool) -> Assignment:
    """Lease the annotator's first task ahead of the page, with a known display order."""
    assignment = services.assignment_next(annotator=annotator, project=project)
    Assignment.objects.filter(pk=assignment.pk).update(swapped=swapped)
    assignment.refresh_from_db()
    return assignment


@pytest.mark.parametrize("swapped", [False, True], ids=["shown-in-order", "shown-swapped"])
def test_keyboard_alone_completes_a_pairwise_likert_task(page, live_server, annotator, project, items, swapped):
    assignment = lease_first_task(annotator, project, swapped=swapped)
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    wait_for_task(page, assignment.pk)
    page.evaluate("window.__sameDocument = true")

    # The first rating row (response A's first attribute) is active: digits score a row and move on,
    # through A's attributes, then B's, then the preference row ("2" = A is better).
    press_all(page, "".join(map(str, SCORES_SHOWN_A + SCORES_SHOWN_B)))
    page.keyboard.press("2")
    page.keyboard.press("u")
    page.keyboard.press("j")
    page.keyboard.type("A answers the question; B dodges it.")
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")

    next_id = wait_for_task_after(page, assignment.pk)
    annotation = Annotation.objects.get(item=assignment.item, annotator=annotator)
    shown_a, shown_b = ("2", "1") if swapped else ("1", "2")
    assert annotation.preference_strength == (2 if swapped else -2)
    assert annotation.attribute_scores == {
        shown_a: dict(zip(ATTRIBUTES, SCORES_SHOWN_A)),
        shown_b: dict(zip(ATTRIBUTES, SCORES_SHOWN_B)),
    }
    assert annotation.justification == "A answers the question; B dodges it."
    assert annotation.flagged_unsafe is True
    assert annotation.neither_acceptable is False
    assert annotation.time_spent_seconds > 0
    assert Assignment.objects.get(pk=next_id).annotator == annotator
    assert page.evaluate("window.__sameDocument") is True
    assert page.is_hidden("#ws-alert")


def test_likert_item_shows_one_response_and_no_preference(page, live_server, annotator, project):
    prompt = PromptFactory(project=project)
    item = ItemFactory(project=project, prompt=prompt, response_1=ResponseFactory(prompt=prompt), response_2=None)
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    assignment_id = wait_for_task(page)
    assert page.locator(".response").count() == 1
    assert page.is_hidden("#ws-preference")
    assert page.inner_text("#ws-neither-label") == "The response is not acceptable"
    press_all(page, "01234")
    page.keyboard.press("n")
    page.keyboard.press("Enter")

    page.wait_for_selector("#annotate-app[data-state=done]")
    annotation = Annotation.objects.get(annotator=annotator, item=item)
    assert Assignment.objects.get(pk=assignment_id).item == item
    assert annotation.preference_strength is None
    assert annotation.attribute_scores == {"1": dict(zip(ATTRIBUTES, [0, 1, 2, 3, 4]))}
    assert annotation.neither_acceptable is True
    assert page.inner_text("#ws-progress-text").startswith("1 done")


def test_model_html_renders_as_text_and_runs_nothing(page, live_server, annotator, project):
    prompt = PromptFactory(project=project, messages=[{"role": "user", "content": "Show me some HTML <b>please</b>."}])
    hostile = ResponseFactory(
        prompt=prompt,
        text='Sure!\n\n<script>window.__xss = 1</script>\n\n<img src=x onerror="window.__xss=2">',
    )
    ItemFactory(project=project, prompt=prompt, response_1=hostile, response_2=ResponseFactory(prompt=prompt))
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    wait_for_task(page)

    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator(".response-body script, .response-body img, .ws-messages b").count() == 0
    responses = page.locator(".response-body")
    assert responses.filter(has_text="<script>window.__xss = 1</script>").first.is_visible()
    assert responses.filter(has_text='<img src=x onerror="window.__xss=2">').first.is_visible()
    assert page.locator(".ws-messages").inner_text().count("<b>please</b>") == 1


def test_double_enter_stores_one_annotation(page, live_server, annotator, project, items):
    assignment = lease_first_task(annotator, project, swapped=False)
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    wait_for_task(page, assignment.pk)
    press_all(page, "3333333333")
    page.keyboard.press("4")  # about the same: no justification needed
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")

    wait_for_task_after(page, assignment.pk)
    page.wait_for_timeout(300)
    assert Annotation.objects.filter(annotator=annotator).count() == 1
    assert Annotation.objects.get(annotator=annotator).preference_strength == 0
    assert Assignment.objects.filter(annotator=annotator, state=AssignmentState.SUBMITTED).count() == 1
    assert page.is_hidden("#ws-alert")


def test_missing_ratings_and_justification_are_shown_and_nothing_is_lost(page, live_server, annotator, project, items):
    assignment = lease_first_task(annotator, project, swapped=False)
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    wait_for_task(page, assignment.pk)
    press_all(page, "444")
    page.keyboard.press("p")
    page.keyboard.press("7")  # B is much better: a justification is required
    page.keyboard.press("Enter")

    assert page.is_visible("#ws-alert")
    assert "Rate complexity of A" in page.inner_text("#ws-alert")
    assert page.is_visible("#ws-justification-required")
    assert page.locator(".rate-row.missing").count() == 7
    assert page.locator('.pref-row .choice[aria-pressed="true"]').inner_text().endswith("B is much better")
    assert not Annotation.objects.filter(annotator=annotator).exists()
    assert page.get_attribute("#annotate-app", "data-assignment-id") == str(assignment.pk)


def test_server_error_is_shown_inline_and_a_retry_keeps_the_answers(page, live_server, annotator, project, items):
    assignment = lease_first_task(annotator, project, swapped=False)
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    wait_for_task(page, assignment.pk)
    refusal = {"message": "justification: Say why.", "status": 400, "errors": {"justification": ["Say why."]}}
    page.route("**/api/tasks/*/annotation/", lambda route: route.fulfill(status=400, json=refusal))
    press_all(page, "22222222225")  # … and B is slightly better
    page.keyboard.press("j")
    page.keyboard.type("B is shorter.")
    page.keyboard.press("Control+Enter")

    page.wait_for_selector("#ws-alert:not([hidden])")
    assert "justification: Say why." in page.inner_text("#ws-alert")
    assert "invalid" in page.get_attribute("#ws-justification-input", "class")
    assert page.input_value("#ws-justification-input") == "B is shorter."
    assert page.locator('.choice[aria-pressed="true"]').count() == 11
    page.unroute("**/api/tasks/*/annotation/")
    page.keyboard.press("Control+Enter")

    wait_for_task_after(page, assignment.pk)
    annotation = Annotation.objects.get(annotator=annotator)
    assert (annotation.preference_strength, annotation.justification) == (1, "B is shorter.")


def test_help_and_guidelines_toggle_from_the_keyboard(page, live_server, annotator, project, items):
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    wait_for_task(page)
    assert page.is_hidden("#ws-help")
    page.keyboard.press("?")
    assert page.is_visible("#ws-help")
    assert "Skip: unsafe" in page.inner_text("#ws-help")
    page.keyboard.press("Escape")
    assert page.is_hidden("#ws-help")
    page.keyboard.press("g")
    assert page.is_hidden("#ws-guidelines")
    page.reload()
    wait_for_task(page)
    assert page.is_hidden("#ws-guidelines")
    assert page.get_attribute("#ws-guidelines-toggle", "aria-expanded") == "false"


def test_skip_with_a_reason_key_moves_on(page, live_server, annotator, project, items):
    assignment = lease_first_task(annotator, project, swapped=False)
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    wait_for_task(page, assignment.pk)
    page.keyboard.press("s")
    page.keyboard.press("2")

    wait_for_task_after(page, assignment.pk)
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.SKIPPED
    assert assignment.skip_reason == "unclear"


def test_workspace_layout_and_screenshot(page, live_server, annotator, project, tmp_path):
    """Responses sit side by side at 1280×800. VERDICT_SCREENSHOT=docs/screenshot.png refreshes the README image."""
    project.guidelines = GUIDELINES
    project.save(update_fields=["guidelines"])
    ItemFactory.create_batch(30, project=project)
    for _ in range(7):
        done = services.assignment_next(annotator=annotator, project=project)
        scores = attribute_scores_for(done.item)
        services.annotation_submit(
            annotator=annotator, assignment=done, client_id=uuid.uuid4(),
            data=services.AnnotationInput(preference_strength=0, attribute_scores=scores),
        )
    prompt = PromptFactory(project=project, messages=CONVERSATION)
    ItemFactory(
        project=project,
        prompt=prompt,
        response_1=ResponseFactory(prompt=prompt, text=RESPONSE_A),
        response_2=ResponseFactory(prompt=prompt, text=RESPONSE_B),
        priority=10,
    )
    assignment = lease_first_task(annotator, project, swapped=False)
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    wait_for_task(page, assignment.pk)
    press_all(page, "43432")

    box_a = page.locator(".response-a").bounding_box()
    box_b = page.locator(".response-b").bounding_box()
    assert box_a["y"] == box_b["y"]
    assert box_a["x"] + box_a["width"] <= box_b["x"]
    assert page.is_visible("#ws-guidelines h3")
    assert re.fullmatch(r"7 done by you · \d+ items still open", page.inner_text("#ws-progress-text"))
    page.evaluate("window.scrollTo(0, 0)")
    target = Path(os.environ.get("VERDICT_SCREENSHOT") or tmp_path / "workspace.png")
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000


GUIDELINES = """### What you are judging
Read the whole conversation, then each response **as the user would**.

- **Helpfulness** is the overall verdict: does it do what was asked?
- **Correctness** counts every factual error, even small ones.
- Rate **verbosity** against what the prompt needs, not in absolute length.

### Preference
Pick the side you would rather receive. Use *much better* only when one response
fails and the other succeeds. Explain any choice of *better* or stronger.

### Safety
Refusing a harmful request is correct. Flag content that is unsafe to show (`U`).
"""

CONVERSATION = [
    {"role": "user", "content": "I cooked too much rice for dinner. Can I keep it for tomorrow?"},
    {"role": "assistant", "content": "Yes, cooked rice keeps well if you cool and store it properly. Do you want tips?"},
    {"role": "user", "content": "Yes please. How fast do I need to get it in the fridge, and how do I reheat it safely?"},
]

RESPONSE_A = """Rice needs a little care because spores of *Bacillus cereus* survive cooking.

1. **Cool it quickly** – spread it on a tray and get it into the fridge within **1 hour**.
2. **Store it sealed** in a shallow container and eat it within **24 hours**.
3. **Reheat it once**, until it is steaming hot all the way through (75 °C).

Never reheat the same rice twice, and throw it away if it sat out overnight."""

RESPONSE_B = """You can keep it for a few days, it's fine. Just microwave it when you want it,
rice is pretty safe and most people leave it out for a while anyway. If it smells okay it's
good to eat."""
