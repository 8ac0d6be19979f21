"""The dashboard's model-judge section in Debian's Chromium: the table of each judge's agreement with
people by |strength| and its chart (one bar series per judge), drawn without a console error."""
import pytest

from annotation import stats
from annotation.models import Annotation, AnnotationSource
from tests.browser_support import log_in, require_chromium
from tests.datasets_app.export_builders import annotate, pair

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
JUDGE = "judge #1: reward model rm (#1)"


def test_the_dashboard_shows_each_judges_agreement_by_strength(page, live_server, project, annotator, other_annotator, researcher):
    require_chromium()
    for n, (people, judge) in enumerate((((-2, -2), -3), ((3, 3), -1), ((1, 1), 2))):
        item = pair(project, f"Question {n}?", f"one {n}", f"two {n}")
        annotate(item, annotator, preference_strength=people[0])
        annotate(item, other_annotator, preference_strength=people[1])
        Annotation.objects.create(item=item, source=AnnotationSource.MODEL, judge=JUDGE, preference_strength=judge)
    stats.project_stats_refresh(project=project)

    log_in(page, live_server.url, researcher.username, f"/projects/{project.slug}/dashboard/")
    row = page.locator(f'#judge-table tr[data-judge="{JUDGE}"]')
    cells = row.locator("td").all_inner_texts()
    assert cells[:2] == [JUDGE, "3"]
    assert cells[2].startswith("1.00 (1/1,") and cells[3].startswith("1.00 (1/1,") and cells[4].startswith("0.00 (0/1,")
    assert cells[5].startswith("0.67 (2/3,")
    chart = page.evaluate("() => window.Chart.getChart(document.getElementById('chart-judges')).data")
    assert [dataset["label"] for dataset in chart["datasets"]] == [JUDGE]
    assert chart["datasets"][0]["data"] == pytest.approx([1.0, 1.0, 0.0, 2 / 3])
