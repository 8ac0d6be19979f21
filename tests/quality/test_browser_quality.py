"""Review and adjudication walked by keyboard alone in Debian's Chromium (Playwright)."""
import pytest

from annotation.models import Annotation
from quality.models import Adjudication, QualitySettings, Review
from tests.browser_support import log_in, press_all, require_chromium
from tests.datasets_app.export_builders import annotate, pair

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_alone_reviews_and_adjudicates(page, live_server, project, annotator, other_annotator, researcher):
    require_chromium()
    project.task_types = ["pairwise"]
    project.save()
    QualitySettings.objects.create(project=project, review_mode="all")
    first = pair(project, "First?", "f1", "f2")
    accepted = annotate(first, annotator, preference_strength=-1, justification="@A is fine.", time_spent_seconds=20)
    rejected = annotate(first, other_annotator, swapped=True, preference_strength=3, justification="@B.", time_spent_seconds=2)
    second = pair(project, "Second?", "s1", "s2")
    corrected = annotate(second, annotator, swapped=True, preference_strength=-2, justification="@A.", time_spent_seconds=9)

    log_in(page, live_server.url, researcher.username, "/projects/demo/review/")
    app = "#quality-app[data-state=ready]"
    page.wait_for_selector(app)
    assert "@A is fine." in page.inner_text("#q-justification")
    page.keyboard.press("a")
    page.wait_for_function("() => document.getElementById('q-justification').textContent === '@B.'")
    page.wait_for_selector(app)
    page.keyboard.press("r")
    page.keyboard.type("Too fast; B is wrong.")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('q-justification').textContent === '@A.'")
    page.wait_for_selector(app)
    page.keyboard.press("c")
    press_all(page, "6")  # B is better, as the annotator saw it
    page.keyboard.press("j")
    page.keyboard.type("@B is better.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#quality-app[data-state=empty]")
    assert page.inner_text("#q-status") == "Nothing to review."

    assert Review.objects.get(annotation=accepted).status == "accepted"
    assert Review.objects.get(annotation=rejected).reason == "Too fast; B is wrong."
    correction = Review.objects.get(annotation=corrected).correction
    assert correction.annotator == researcher and correction.preference_strength == -2  # shown swapped: B = response 1

    # The first item now has −1 (accepted) alone; the second −2 (the correction) alone; add a disagreement.
    third = pair(project, "Third?", "t1", "t2")
    annotate(third, annotator, preference_strength=-3, justification="@A wins.")
    annotate(third, other_annotator, preference_strength=2, justification="@B wins.")
    page.goto(f"{live_server.url}/projects/demo/adjudicate/")
    page.wait_for_selector(app)
    assert "@B wins." in page.inner_text("#q-judgements")
    press_all(page, "3")  # A is slightly better
    page.keyboard.press("n")
    page.keyboard.type("@Response 1 is safer.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#quality-app[data-state=empty]")
    adjudication = Adjudication.objects.get(item=third)
    assert adjudication.annotation.preference_strength == -1
    assert Annotation.objects.get(pk=adjudication.annotation_id).justification == "@Response 1 is safer."
