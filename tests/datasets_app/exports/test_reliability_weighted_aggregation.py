"""Reliability-weighted aggregation (issue 15, part 4): each judgement weighs its annotator's reliability
estimate, taken from the stored dashboard figures when the version is defined and kept in its policy
and card, so the dataset stays reproducible."""
import hashlib
import hmac

import pytest
from django.core.exceptions import ValidationError

from annotation import stats
from annotation.models import ProjectStats
from datasets_app.exports.builders.aggregation import weighted_aggregate
from datasets_app.exports.services import dataset_version_create
from datasets_app.models import AnnotatorPseudonymSalt
from tests.datasets_app.export_builders import annotate, pair, read_jsonl, read_stored
from tests.factories import MembershipFactory, UserFactory

WEIGHTED = {"validation_fraction": 0.0, "max_spread": 6, "aggregation": "reliability_weighted"}


def test_the_weighted_mean_follows_the_reliable_annotator():
    # (0.9·−2 + 0.2·1 + 0.3·2) / 1.4 = −1 / 1.4 ≈ −0.71 → −1; the three most agreeing would say ⅓ → 0.
    result = weighted_aggregate([-2, 1, 2], [0.9, 0.2, 0.3])
    assert result.value == -1 and result.spread == 4 and result.indices == (0, 1, 2)
    # Four judgements: the three heaviest speak for the pair; (3·0.1 − 1·0.5 − 1·0.5 − 2·0.4) / 1.5 = −1.
    assert weighted_aggregate([3, -1, -1, -2], [0.1, 0.5, 0.5, 0.4]) == (-1, 1, (1, 2, 3))
    assert weighted_aggregate([-1, 2], [0.0, 0.0]).value == 1  # no weight at all: the plain mean, ½ → 1


@pytest.fixture
def weighed(project, annotator, other_annotator):
    """One pair judged −2 by anna, +1 by otto, +2 by tina, and stored reliability estimates 0.9, 0.2, 0.3."""
    tina = UserFactory(username="tina", role="annotator")
    MembershipFactory(project=project, user=tina)
    item = pair(project, "Which?", "first", "second")
    for user, strength in ((annotator, -2), (other_annotator, 1), (tina, 2)):
        annotate(item, user, preference_strength=strength, justification="@A." if strength < 0 else "@B.")
    stats.project_stats_refresh(project=project)
    row = ProjectStats.objects.get(project=project)
    estimates = {"anna": 0.9, "otto": 0.2, "tina": 0.3}
    for annotator_row in row.payload["annotators"]:
        annotator_row["reliability"] = estimates[annotator_row["annotator"]]
    row.save()
    return project


def _pseudonym(project, user):
    salt = AnnotatorPseudonymSalt.objects.get(project=project).salt.encode()
    return hmac.new(salt, str(user.pk).encode(), hashlib.sha256).hexdigest()[:16]


def _build(project, researcher, capture, fmt, policy):
    with capture(execute=True):
        version = dataset_version_create(project=project, format=fmt, created_by=researcher, policy=policy)
    version.refresh_from_db()
    assert version.status == "ready", version.error
    return version


def test_the_export_picks_the_reliable_annotators_side(weighed, annotator, other_annotator, researcher,
                                                       django_capture_on_commit_callbacks):
    plain = _build(weighed, researcher, django_capture_on_commit_callbacks, "helpsteer2-preference",
                   {"validation_fraction": 0.0, "max_spread": 6, "drop_ties": False})
    assert [row["preference_strength"] for row in read_jsonl(plain, "preference")] == [0]
    weighted = _build(weighed, researcher, django_capture_on_commit_callbacks, "helpsteer2-preference", WEIGHTED)
    assert [row["preference_strength"] for row in read_jsonl(weighted, "preference")] == [-1]
    trl = _build(weighed, researcher, django_capture_on_commit_callbacks, "trl-preference", WEIGHTED)
    [row] = read_jsonl(trl, "train")
    assert (row["chosen"][0]["content"], row["margin"]) == ("first", 1.0)


def test_the_weights_are_kept_in_the_version_and_its_card(weighed, annotator, other_annotator, researcher,
                                                          django_capture_on_commit_callbacks):
    version = _build(weighed, researcher, django_capture_on_commit_callbacks, "helpsteer2-preference", WEIGHTED)
    weights = version.policy["reliability_weights"]
    tina = UserFactory._meta.model.objects.get(username="tina")
    assert weights["by_annotator"] == {_pseudonym(weighed, annotator): 0.9, _pseudonym(weighed, other_annotator): 0.2,
                                       _pseudonym(weighed, tina): 0.3}
    assert weights["default"] == pytest.approx(round((0.9 + 0.2 + 0.3) / 3, 6))
    card = read_stored(version, "README.md").decode()
    assert "**Reliability-weighted aggregation**" in card
    assert f"| {_pseudonym(weighed, annotator)} | 0.9 |" in card
    # Later estimates change nothing in this version: its policy holds the weights it was built with.
    ProjectStats.objects.filter(project=weighed).update(payload={})
    version.refresh_from_db()
    assert version.policy["reliability_weights"] == weights


def test_without_stored_estimates_the_option_is_refused(project, researcher, client_for):
    client_for(researcher).get(f"/api/projects/{project.slug}/stats/")  # computed in a request: no model yet
    with pytest.raises(ValidationError, match="no reliability estimates yet"):
        dataset_version_create(project=project, format="helpsteer2-preference", created_by=researcher, policy=WEIGHTED)


def test_weights_cannot_be_given_and_only_pair_formats_take_the_option(weighed, researcher):
    with pytest.raises(ValidationError, match="not given"):
        dataset_version_create(project=weighed, format="trl-preference", created_by=researcher,
                               policy={**WEIGHTED, "reliability_weights": {"by_annotator": {}}})
    with pytest.raises(ValidationError, match="applies to"):
        dataset_version_create(project=weighed, format="individual", created_by=researcher, policy=WEIGHTED)
