"""Agreement figures against values worked out by hand."""
import uuid

import pytest

from annotation import selectors
from annotation.agreement import krippendorff_alpha, side_agreement_rate
from annotation.models import Annotation, Assignment, AssignmentState
from tests.factories import ItemFactory, MembershipFactory, UserFactory

# Units [1,1], [2,3], [3,3]: coincidences o11=2, o23=o32=1, o33=2; n1=2, n2=1, n3=3, n=6.
# Ordinal δ²: δ12=(3-1.5)²=2.25, δ23=(4-2)²=4, δ13=(6-2.5)²=12.25.
# Observed Σoδ² = 1·4 + 1·4 = 8. Expected Σ n_c n_k δ² = 2·(2·1·2.25 + 2·3·12.25 + 1·3·4) = 180.
# α = 1 − (n−1)·8/180 = 1 − 40/180 = 7/9.
UNITS = [[1, 1], [2, 3], [3, 3]]


def test_ordinal_alpha_matches_the_hand_computation():
    assert krippendorff_alpha(UNITS, level="ordinal") == pytest.approx(7 / 9)


def test_nominal_alpha_matches_the_hand_computation():
    # Observed = 2 disagreeing ordered pairs; expected = 2·(2·1 + 2·3 + 1·3) = 22; α = 1 − 5·2/22.
    assert krippendorff_alpha(UNITS, level="nominal") == pytest.approx(1 - 10 / 22)


def test_alpha_is_one_for_perfect_agreement_and_ignores_single_ratings():
    assert krippendorff_alpha([[0, 0], [4, 4, 4], [2]]) == pytest.approx(1.0)


def test_alpha_is_undefined_without_pairable_units():
    assert krippendorff_alpha([[1], [2]]) is None


def test_side_agreement_counts_annotator_pairs():
    # [−2, −1, 1]: 1 agreeing pair of 3; [0, 0]: 1 of 1; [3]: no pair. 2 of 4.
    assert side_agreement_rate([[-2, -1, 1], [0, 0], [3]]) == pytest.approx(0.5)


def _annotate(item, user, strength, helpfulness, seconds):
    Assignment.objects.create(item=item, annotator=user, state=AssignmentState.SUBMITTED, leased_at=item.created_at, lease_expires_at=item.created_at)
    scores = {slot: {"helpfulness": helpfulness} for slot in ("1", "2")}
    Annotation.objects.create(item=item, annotator=user, client_id=uuid.uuid4(), preference_strength=strength, attribute_scores=scores, time_spent_seconds=seconds)


def test_dashboard_reports_counts_median_time_gold_accuracy_and_agreement(project, annotator, other_annotator):
    project.attribute_schema = [{"name": "helpfulness", "min": 0, "max": 4, "levels": {}}]
    project.save()
    first, second = ItemFactory.create_batch(2, project=project)
    gold = ItemFactory(project=project, is_gold=True, gold_strength=-2)
    _annotate(first, annotator, -2, 1, 10.0)
    _annotate(first, other_annotator, -1, 1, 30.0)
    _annotate(second, annotator, 2, 3, 20.0)
    _annotate(second, other_annotator, 0, 3, 50.0)
    _annotate(gold, annotator, -1, 2, 5.0)
    _annotate(gold, other_annotator, 1, 2, 5.0)
    stats = selectors.project_dashboard(project=project)
    rows = {row["annotator"]: row for row in stats["annotators"]}
    assert rows["anna"]["count"] == 2 and rows["anna"]["median_seconds"] == 10.0
    assert rows["otto"]["median_seconds"] == 30.0
    assert (rows["anna"]["gold_accuracy"], rows["otto"]["gold_accuracy"]) == (1.0, 0.0)
    assert stats["agreement"]["side_agreement"] == pytest.approx(0.5)
    # helpfulness units (item, slot) [1,1],[1,1],[3,3],[3,3]: perfect agreement.
    assert stats["agreement"]["alpha"]["helpfulness"] == pytest.approx(1.0)
    assert stats["items"] == 2 and stats["gold_items"] == 1


def test_stats_api_is_for_researchers(project, researcher, annotator, client_for):
    assert client_for(researcher).get(f"/api/projects/{project.slug}/stats/").status_code == 200
    assert client_for(annotator).get(f"/api/projects/{project.slug}/stats/").status_code == 403


def test_outsider_researcher_cannot_read_stats(project, client_for):
    outsider = UserFactory(username="nosy", role="researcher")
    MembershipFactory(user=outsider)
    assert client_for(outsider).get(f"/api/projects/{project.slug}/stats/").status_code == 404
