"""Each model judge's agreement with the human consensus by |human strength|, as the background refresh
stores it, against a hand-worked case.

Judge J (and K on I1 only); strengths canonical (negative = response 1 better):
  I1 people −2 −2 +1 → majority side 1, mean −2 → |2|;   J −3 agrees;  K +1 disagrees
  I2 people +3 +3    → side 2, |3|;                      J −1 disagrees
  I3 people +1 +2    → side 2, mean 1.5 → |2|;           J +2 agrees
  I4 people −1 +1    → no majority: left out;             J −1
  I5 people −1       → side 1, |1|;                       J 0 disagrees
  I6 nobody          → not compared;                      J +3
  I7 people 0 0 −1   → tie side, |0|;                     J 0 agrees
J: |0| 1/1, |1| 0/1, |2| 2/2, |3| 0/1, all 3/5 (7 labels). K: |2| 0/1 (1 label).
"""
import pytest

from annotation.models import Annotation, AnnotationSource
from annotation.stats import project_stats_refresh
from tests.datasets_app.export_builders import annotate, pair, raters
from verdict_ml.stats import wilson_interval

pytestmark = pytest.mark.django_db
J, K = "judge #1: reward model a (#1)", "judge #2: LM tiny"


def model_label(item, judge, strength):
    Annotation.objects.create(item=item, source=AnnotationSource.MODEL, judge=judge, preference_strength=strength)


@pytest.fixture
def judged(project):
    people = raters(3)
    cases = [([-2, -2, 1], -3), ([3, 3], -1), ([1, 2], 2), ([-1, 1], -1), ([-1], 0), ([], 3), ([0, 0, -1], 0)]
    items = []
    for n, (strengths, judge_strength) in enumerate(cases):
        item = pair(project, f"Q{n}", f"first {n}", f"second {n}")
        for user, strength in zip(people, strengths, strict=False):
            annotate(item, user, preference_strength=strength)
        model_label(item, J, judge_strength)
        items.append(item)
    model_label(items[0], K, 1)
    return project


def test_agreement_by_strength_matches_the_hand_worked_case(judged):
    payload = project_stats_refresh(project=judged).payload

    judges = {row["judge"]: row for row in payload["judges"]}
    assert set(judges) == {J, K}
    assert judges[J]["labels"] == 7 and judges[K]["labels"] == 1
    assert judges[J]["no_majority_items"] == 1
    by = judges[J]["by_strength"]
    assert {key: (by[key]["agreeing"], by[key]["n"]) for key in ("0", "1", "2", "3", "all")} == {
        "0": (1, 1), "1": (0, 1), "2": (2, 2), "3": (0, 1), "all": (3, 5),
    }
    assert by["all"]["rate"] == pytest.approx(0.6)
    assert (by["2"]["low"], by["2"]["high"]) == pytest.approx(wilson_interval(2, 2))
    assert by["2"]["low"] == pytest.approx(0.3424, abs=1e-3)  # Wilson 95 % of 2/2, by hand
    assert (judges[K]["by_strength"]["2"]["agreeing"], judges[K]["by_strength"]["2"]["n"]) == (0, 1)
    assert judges[K]["by_strength"]["1"]["rate"] is None


def test_judge_labels_are_not_human_figures(judged):
    """Guards: the dashboard counting a model's labels as annotations or in the strength distribution."""
    payload = project_stats_refresh(project=judged).payload
    assert payload["annotations"] == 13
    assert sum(payload["strength_distribution"]["platform"].values()) == 13
    assert payload["imported_annotations"] == 0


def test_the_dashboard_page_shows_each_judge_from_the_stored_figures(judged, researcher, client):
    project_stats_refresh(project=judged)
    client.force_login(researcher)
    page = client.get(f"/projects/{judged.slug}/dashboard/").content.decode()
    assert 'id="judge-table"' in page
    assert f'data-judge="{J}"' in page
    assert "1.00 (2/2, 0.34–1.00)" in page and "0.60 (3/5," in page


def test_the_stats_api_returns_the_stored_judge_figures_and_never_computes_them_in_a_request(judged, researcher, client_for):
    url = f"/api/projects/{judged.slug}/stats/"
    first = client_for(researcher).get(url).json()  # no stored figures yet: computed once in the request, judges left out
    assert first["judges"] == [] and first["judges_pending"] is True
    project_stats_refresh(project=judged)
    stored = client_for(researcher).get(url).json()
    assert [row["judge"] for row in stored["judges"]] == sorted([J, K])
    assert stored["judges"][0]["by_strength"]["all"]["n"] == 5 and "judges_pending" not in stored
