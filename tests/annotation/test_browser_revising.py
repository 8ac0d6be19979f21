"""Revising work from the browser (issue 16, point 2): "My annotations" shows each annotation as it was
entered and reopens it in the workspace; the workspace undoes the last submission by reopening it."""
import uuid

import pytest

from annotation import services
from annotation.models import Annotation
from tests.annotation.test_browser_workspace import ANNOTATE, lease_first_task
from tests.browser_support import log_in, press_all, wait_for_task, wait_for_task_after
from tests.factories import attribute_scores_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINE = "/projects/demo/mine/"


def submitted(annotator, project, *, swapped: bool, strength: int) -> Annotation:
    """An annotation entered as `strength` relative to the order shown."""
    assignment = lease_first_task(annotator, project, swapped=swapped)
    annotation, _ = services.annotation_submit(
        annotator=annotator, assignment=assignment, client_id=uuid.uuid4(),
        data=services.AnnotationInput(
            preference_strength=strength, attribute_scores=attribute_scores_for(assignment.item), justification="First go."
        ),
    )
    return annotation


def test_edit_from_my_annotations_revises_in_the_workspace(page, live_server, annotator, project, items):
    annotation = submitted(annotator, project, swapped=True, strength=-3)  # "A is much better", stored as +3
    log_in(page, live_server.url, annotator.username, MINE)
    row = page.locator(f'tr[data-annotation="{annotation.pk}"]')
    assert row.locator(".shown-preference").inner_text().startswith("A is much better")
    assert "A:" in row.locator(".shown-scores").inner_text()
    row.get_by_role("link", name="Edit").click()

    page.wait_for_selector("#annotate-app[data-state=task]")
    assert page.is_visible("#ws-revising")
    assert page.is_hidden("#ws-skip")
    assert page.locator('.pref-row .choice[aria-pressed="true"]').inner_text().endswith("A is much better")
    assert page.input_value("#ws-justification-input") == "First go."
    page.keyboard.press("p")
    page.keyboard.press("4")  # about the same
    page.keyboard.press("Enter")

    page.wait_for_url(f"{live_server.url}{MINE}")
    annotation.refresh_from_db()
    assert annotation.preference_strength == 0
    assert Annotation.objects.filter(annotator=annotator).count() == 1
    assert page.locator(f'tr[data-annotation="{annotation.pk}"] .shown-preference').inner_text().startswith("About the same")


def test_undo_reopens_the_last_submission_and_a_resubmit_revises_it(page, live_server, annotator, project, items):
    assignment = lease_first_task(annotator, project, swapped=True)
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    wait_for_task(page, assignment.pk)
    assert page.is_hidden("#ws-undo")
    press_all(page, "22222222224")
    page.keyboard.press("Enter")
    next_id = wait_for_task_after(page, assignment.pk)
    done_text = page.inner_text("#ws-progress-text")

    page.click("#ws-undo")
    wait_for_task(page, assignment.pk)
    assert page.is_visible("#ws-revising")
    assert page.locator('.choice[aria-pressed="true"]').count() == 11
    page.keyboard.press("p")
    page.keyboard.press("1")  # A is much better: needs a justification
    page.keyboard.press("j")
    page.keyboard.type("A is right, B is wrong.")
    page.keyboard.press("Control+Enter")

    wait_for_task(page, next_id)
    assert page.is_hidden("#ws-revising")
    annotation = Annotation.objects.get(annotator=annotator)
    assert (annotation.preference_strength, annotation.justification) == (3, "A is right, B is wrong.")
    assert Annotation.objects.filter(annotator=annotator).count() == 1
    assert page.inner_text("#ws-progress-text").split(" ")[0] == done_text.split(" ")[0]
