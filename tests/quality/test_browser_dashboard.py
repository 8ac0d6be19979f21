"""The project dashboard in Debian's Chromium (Playwright): every chart is drawn (a canvas with a Chart.js
chart on it) without a console error, and the pause / resume control stops and restarts an annotator's
tasks, which their workspace says (issue 15, parts 4 and 5). VERDICT_DASHBOARD_SCREENSHOT=docs/dashboard.png
refreshes the README's picture of it."""
import os
from pathlib import Path

import pytest

from annotation import stats
from annotation.models import Membership
from tests.browser_support import VIEWPORT, log_in, require_chromium
from tests.conftest import is_script_error
from tests.datasets_app.export_builders import annotate, pair, scores
from tests.factories import ItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ["chart-strengths", "chart-per-day", "chart-agreement", "chart-annotators", "chart-position"]


def test_the_dashboard_draws_its_charts_and_pauses_an_annotator(page, chromium, live_server, project, annotator,
                                                                 other_annotator, researcher):
    require_chromium()
    for n, (first, second) in enumerate(((-2, -1), (1, 2), (3, -3))):
        item = pair(project, f"Question {n}?", f"one {n}", f"two {n}")
        annotate(item, annotator, swapped=bool(n % 2), preference_strength=first, time_spent_seconds=4,
                 attribute_scores={"1": scores(3, 3, 3, 3, 3), "2": scores(1, 2, 3, 4, 0)})
        annotate(item, other_annotator, preference_strength=second, time_spent_seconds=30,
                 attribute_scores={"1": scores(2, 2, 2, 2, 2), "2": scores(4, 4, 3, 2, 1)})
    annotate(pair(project, "Imported?", "i1", "i2"), None, preference_strength=-1)
    ItemFactory(project=project)
    stats.project_stats_refresh(project=project)

    log_in(page, live_server.url, researcher.username, f"/projects/{project.slug}/dashboard/")
    assert "1 imported labels" in page.inner_text("#label-counts")
    canvases = CHARTS + [f"attribute {name}" for name in project.attribute_names]
    drawn = page.evaluate("""() => Array.from(document.querySelectorAll('#dashboard-charts canvas'))
        .filter((canvas) => window.Chart.getChart(canvas) !== undefined && canvas.width > 0)
        .map((canvas) => canvas.id || 'attribute ' + canvas.dataset.attribute)""")
    assert sorted(drawn) == sorted(canvases)
    target = os.environ.get("VERDICT_DASHBOARD_SCREENSHOT")
    if target:
        page.screenshot(path=str(Path(target).resolve()), full_page=True)
    per_annotator = page.evaluate("() => window.Chart.getChart(document.getElementById('chart-annotators')).data")
    assert per_annotator["labels"] == ["anna", "otto"]
    assert [dataset["label"] for dataset in per_annotator["datasets"]] == ["gold accuracy", "reliability (Dawid–Skene)", "consensus agreement"]

    row = page.locator('#annotator-table tr[data-annotator="anna"]')
    row.get_by_role("button", name="Pause").click()
    page.wait_for_selector("text=anna is paused")
    assert Membership.objects.get(project=project, user=annotator).paused is True
    assert page.locator('#annotator-table tr[data-annotator="anna"] .badge').inner_text() == "paused"

    workspace = chromium.new_context(viewport=VIEWPORT).new_page()
    workspace_errors: list[str] = []
    workspace.on("pageerror", lambda error: workspace_errors.append(str(error)))
    workspace.on("console", lambda message: workspace_errors.append(message.text) if is_script_error(message) else None)
    log_in(workspace, live_server.url, annotator.username, f"/projects/{project.slug}/annotate/")
    assert "paused your annotating" in workspace.inner_text("#ws-paused")
    workspace.wait_for_selector("#annotate-app[data-state=done]")
    assert "paused your annotating" in workspace.inner_text("#ws-done-text")

    page.locator('#annotator-table tr[data-annotator="anna"]').get_by_role("button", name="Resume").click()
    page.wait_for_selector("text=anna may annotate again")
    workspace.reload()
    workspace.wait_for_selector("#annotate-app[data-state=task]")
    assert workspace.locator("#ws-paused").count() == 0
    workspace.context.close()
    assert workspace_errors == []
