"""Per-annotator reliability and bias (issue 15, part 4), each against a case worked out by hand, as
stored by the background stats refresh and served by the stats API."""
import uuid

import pytest

from annotation import stats
from annotation.models import Annotation, AnnotationSource, Assignment, AssignmentState, ProjectStats
from quality.reliability import LikertUse, consensus_counts, dawid_skene_reliability, position_bias
from tests.factories import ItemFactory, MembershipFactory, UserFactory

ATTRIBUTES = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
FLAT_3 = dict.fromkeys(ATTRIBUTES, 3)
FLAT_2 = dict.fromkeys(ATTRIBUTES, 2)
VARIED = dict(zip(ATTRIBUTES, (1, 2, 3, 4, 0)))


def judge(item, user, strength, *, swapped=False, seconds=30.0, scores=None):
    Assignment.objects.create(item=item, annotator=user, state=AssignmentState.SUBMITTED, swapped=swapped,
                              leased_at=item.created_at, lease_expires_at=item.created_at)
    return Annotation.objects.create(item=item, annotator=user, client_id=uuid.uuid4(), preference_strength=strength,
                                     time_spent_seconds=seconds, attribute_scores=scores or {})


@pytest.fixture
def worked_case(project, annotator, other_annotator):
    """anna, otto and tina on four pairs and a gold pair (gold answer −2: response 1 better).

    anna: i1 −2 unswapped (prefers the first shown), i2 +1 swapped (first shown), i3 +3 unswapped
    (second shown), i4 0 (tie), gold −1 unswapped (first shown, on the gold side): 3 of 4 non-tie
    preferences for the first shown; times 2, 10, 3, 20, 8 s (2 of 5 under 5 s); Likert: i1 both
    responses all 3s, i2 a varied vector and all 2s."""
    tina = UserFactory(username="tina", role="annotator")
    MembershipFactory(project=project, user=tina)
    i1, i2, i3, i4 = ItemFactory.create_batch(4, project=project)
    gold = ItemFactory(project=project, is_gold=True, gold_strength=-2)
    judge(i1, annotator, -2, seconds=2.0, scores={"1": FLAT_3, "2": FLAT_3})
    judge(i2, annotator, 1, swapped=True, seconds=10.0, scores={"1": VARIED, "2": FLAT_2})
    judge(i3, annotator, 3, seconds=3.0)
    judge(i4, annotator, 0, seconds=20.0)
    judge(gold, annotator, -1, seconds=8.0)
    judge(i1, other_annotator, -1, swapped=True)
    judge(i2, other_annotator, 2)
    judge(i3, other_annotator, -3)
    judge(i4, other_annotator, 0)
    judge(gold, other_annotator, 1)
    for item, strength in ((i1, -3), (i2, 1), (i3, 2), (i4, -1)):
        judge(item, tina, strength)
    return project


def test_position_bias_counts_the_first_shown_and_tests_it_against_a_half():
    # 3 of 4: P(X ≥ 3) + P(X ≤ 1) for X ~ Bin(4, ½) = (1 + 4 + 4 + 1) / 16.
    assert position_bias(3, 4) == {"first": 3, "decided": 4, "rate": 0.75, "p_value": pytest.approx(10 / 16)}
    # 5 of 5: only the two extremes are as unlikely, 2 / 32.
    assert position_bias(5, 5)["p_value"] == pytest.approx(2 / 32)
    assert position_bias(0, 0) == {"first": 0, "decided": 0, "rate": None, "p_value": None}


def test_consensus_is_the_majority_side_of_the_other_judgements():
    items = [
        [("a", 1), ("b", 1), ("c", -1)],  # a, b: the others split 1 / −1: not counted; c: others say 1
        [("a", 0), ("b", 0), ("c", 0)],  # all agree
        [("a", 1)],  # nobody else: not counted
    ]
    assert dict(consensus_counts(items)) == {"a": [1, 1], "b": [1, 1], "c": [1, 2]}


def test_straight_lining_and_repeated_vectors():
    use = LikertUse()
    for scores in (FLAT_3, FLAT_3, VARIED, FLAT_2, {"helpfulness": 4}):  # a single attribute is not counted
        use.add(scores)
    assert use.figures() == {"likert_rated": 4, "straight_lining": 0.75, "repeated_vector": 0.5}


def test_dawid_skene_trusts_the_annotators_who_agree_over_the_one_who_does_not():
    labels = []
    for task in range(12):
        truth = ("response_1", "response_2", "tie")[task % 3]
        wrong = ("response_2", "tie", "response_1")[task % 3]
        labels += [(task, "steady", truth), (task, "also_steady", truth), (task, "erratic", wrong if task % 2 else truth)]
    reliability = dawid_skene_reliability(labels)
    assert reliability["steady"] > 0.9 and reliability["also_steady"] > 0.9
    assert reliability["erratic"] < 0.7
    assert dawid_skene_reliability([(1, "alone", "tie"), (2, "alone", "response_1")]) == {}


def test_the_refresh_stores_every_figure_of_the_worked_case(worked_case, annotator, other_annotator):
    stats.project_stats_refresh(project=worked_case)
    rows = {row["annotator"]: row for row in ProjectStats.objects.get(project=worked_case).payload["annotators"]}
    anna, otto, tina = rows["anna"], rows["otto"], rows["tina"]
    assert (anna["gold_correct"], anna["gold_total"], anna["gold_accuracy"]) == (1, 1, 1.0)
    assert (otto["gold_correct"], otto["gold_total"], otto["gold_accuracy"]) == (0, 1, 0.0)
    assert anna["position_bias"] == {"first": 3, "decided": 4, "rate": 0.75, "p_value": pytest.approx(10 / 16)}
    # otto: i1 −1 swapped (second shown), i2 +2 (second), i3 −3 (first), gold +1 (second): 1 of 4.
    assert otto["position_bias"]["first"] == 1 and otto["position_bias"]["decided"] == 4
    # Sides: i1 all response 1, i2 all response 2; i3 anna 2, otto 1, tina 2; i4 anna tie, otto tie, tina 1.
    # anna: i1, i2 agree; i3 (others split), i4 (others split) uncounted. otto: i1, i2 agree, i3 against
    # two; i4 split. tina: i1, i2 agree, i3 split, i4 against two ties.
    assert (anna["consensus_agreement"], anna["consensus_count"]) == (1.0, 2)
    assert (otto["consensus_agreement"], otto["consensus_count"]) == (pytest.approx(2 / 3), 3)
    assert (tina["consensus_agreement"], tina["consensus_count"]) == (pytest.approx(2 / 3), 3)
    assert anna["strength_use"] == {"0": 1, "1": 2, "2": 1, "3": 1}
    assert (anna["fast_count"], anna["fast_share"]) == (2, 0.4)
    assert (anna["likert_rated"], anna["straight_lining"], anna["repeated_vector"]) == (4, 0.75, 0.5)
    assert otto["straight_lining"] is None
    assert all(0.0 <= row["reliability"] <= 1.0 for row in rows.values())


def test_the_too_fast_threshold_is_the_projects_fast_seconds(worked_case, client_for, researcher):
    client_for(researcher).patch(f"/api/projects/{worked_case.slug}/quality-settings/", {"fast_seconds": 9}, format="json")
    stats.project_stats_refresh(project=worked_case)
    body = client_for(researcher).get(f"/api/projects/{worked_case.slug}/stats/").json()
    anna = next(row for row in body["annotators"] if row["annotator"] == "anna")
    assert (anna["fast_count"], anna["fast_share"]) == (3, 0.6)  # 2, 3 and 8 s
    assert body["quality"]["fast_seconds"] == 9


def test_imported_and_adjudicated_labels_are_nobodys(worked_case):
    item = ItemFactory(project=worked_case)
    Annotation.objects.create(item=item, source=AnnotationSource.IMPORTED, preference_strength=-1)
    stats.project_stats_refresh(project=worked_case)
    payload = ProjectStats.objects.get(project=worked_case).payload
    assert {row["annotator"] for row in payload["annotators"]} == {"anna", "otto", "tina"}
    assert payload["imported_annotations"] == 1


def test_the_reliability_model_never_runs_in_a_request(worked_case, client_for, researcher, monkeypatch):
    """The first read computes the figures in the request without the model, and leaves them stale so
    that the background refresh adds it."""
    import quality.reliability

    def refuse(*_args, **_kwargs):
        raise AssertionError("the reliability model ran in a request")

    monkeypatch.setattr(quality.reliability, "dawid_skene_reliability", refuse)
    body = client_for(researcher).get(f"/api/projects/{worked_case.slug}/stats/").json()
    assert body["stale"] is True and body["quality"]["reliability_pending"] is True
    assert {row["reliability"] for row in body["annotators"]} == {None}
    anna = next(row for row in body["annotators"] if row["annotator"] == "anna")
    assert anna["position_bias"]["first"] == 3
