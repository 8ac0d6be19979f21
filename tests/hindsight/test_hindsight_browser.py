"""An annotator walks through foresight → reveal → hindsight with the keyboard alone, for a single
response and then a pair, in Debian's Chromium (Playwright), without a page reload."""
import pytest

from hindsight.models import HindsightJudgement
from tests.browser_support import log_in
from tests.hindsight.hindsight_helpers import (
    OUTCOME_A,
    OUTCOME_B,
    import_scenarios,
    keyboard_scenario,
    lease,
    make_project,
    simulate_with_template,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKSPACE = "/projects/hs/hindsight/annotate/"
APP = "#hindsight-app"


def wait_for(page, state: str, stage: str | None = None, assignment_id: int | None = None) -> int:
    selector = f"{APP}[data-state={state}]"
    if stage:
        selector += f"[data-stage={stage}]"
    if assignment_id is not None:
        selector += f'[data-assignment-id="{assignment_id}"]'
    page.wait_for_selector(selector)
    value = page.get_attribute(APP, "data-assignment-id")
    return int(value) if value else 0


def pressed(page, row: str) -> list[str]:
    return page.eval_on_selector_all(f'#hs-{row} .choice[aria-pressed="true"]', "nodes => nodes.map(n => n.dataset.value)")


def test_keyboard_walk_through_foresight_reveal_hindsight(page, live_server, annotator):
    project = make_project(annotator, overlap=1)
    single = keyboard_scenario(responses=[keyboard_scenario()["responses"][0]])
    import_scenarios(project, single, layout="single")
    import_scenarios(project, keyboard_scenario(id="k2", messages=[{"role": "user", "content": "A or B for night shifts?"}]), layout="pairs")
    simulate_with_template(project)
    first = lease(annotator, project, swapped=False)

    log_in(page, live_server.url, annotator.username, WORKSPACE)
    wait_for(page, "task", "foresight", first.pk)
    page.evaluate("window.__sameDocument = true")
    assert page.is_hidden("#hs-reveal-panel") and page.is_hidden("#hs-hindsight")
    assert OUTCOME_A not in page.content() and "night shifts" not in page.inner_text("#ws-task")

    # Enter without a rating asks for one; nothing is revealed.
    page.wait_for_timeout(450)
    page.keyboard.press("Enter")
    page.wait_for_selector("#ws-alert:not([hidden])")
    assert "Rate the response first" in page.inner_text("#ws-alert")

    page.keyboard.press("4")
    page.keyboard.press("Enter")
    wait_for(page, "task", "hindsight", first.pk)
    assert OUTCOME_A in page.inner_text("#hs-outcomes")
    assert "night shifts" in page.inner_text("#hs-hidden-body")
    assert page.is_disabled('#hs-foresight .choice[data-value="1"]')
    assert page.is_hidden("#hs-reveal") and page.is_visible("#hs-foresight-locked")

    page.keyboard.press("2")
    assert pressed(page, "foresight") == ["4"] and pressed(page, "hindsight") == ["2"]
    page.keyboard.press("r")
    page.keyboard.press("j")
    page.keyboard.type("Cheap, but no backlight for night shifts.")
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")

    second_id = page.wait_for_function(
        "(previous) => { const app = document.getElementById('hindsight-app');"
        " return app.dataset.state === 'task' && app.dataset.assignmentId !== String(previous) && app.dataset.assignmentId; }",
        arg=first.pk,
    ).json_value()
    judgement = HindsightJudgement.objects.get(assignment=first)
    assert (judgement.foresight_rating, judgement.hindsight_rating, judgement.keep) == (4, 2, False)
    assert judgement.justification == "Cheap, but no backlight for night shifts."
    assert judgement.foresight_at < judgement.revealed_at < judgement.hindsight_at

    # The pair: "6" = B is better before the reveal, "2" = A is better after it, keep (K), Ctrl+Enter.
    wait_for(page, "task", "foresight", int(second_id))
    page.keyboard.press("6")
    page.keyboard.press("Enter")
    wait_for(page, "task", "hindsight", int(second_id))
    outcomes = page.inner_text("#hs-outcomes")
    assert OUTCOME_A in outcomes and OUTCOME_B in outcomes
    page.keyboard.press("2")
    page.keyboard.press("k")
    page.keyboard.press("j")
    page.keyboard.type("The outcome changed my mind.")
    page.keyboard.press("Control+Enter")
    wait_for(page, "done")

    pair = HindsightJudgement.objects.select_related("assignment").get(assignment_id=int(second_id))
    sign = -1 if pair.assignment.swapped else 1
    assert (pair.foresight_rating, pair.hindsight_rating, pair.keep) == (2 * sign, -2 * sign, True)
    assert page.evaluate("window.__sameDocument") is True
