"""A model judge's labels are not training labels: a reward model trained from the project's labels
never learns from them, and a pair only a judge labelled is still unlabelled for uncertainty ordering."""
import pytest

from annotation.models import Annotation, AnnotationSource
from tests.datasets_app.export_builders import annotate, pair, raters
from training.rewards.selectors import reward_training_data, unlabelled_comparison_items

pytestmark = pytest.mark.django_db


def test_reward_training_data_and_the_unlabelled_queue_ignore_judge_labels(project):
    people = pair(project, "Q-people", "good one", "bad one")
    annotate(people, raters(1)[0], preference_strength=-2)
    judged = pair(project, "Q-judged", "judge likes this", "judge dislikes this")
    Annotation.objects.create(item=judged, source=AnnotationSource.MODEL, judge="judge #1: rm", preference_strength=-3)
    Annotation.objects.create(item=people, source=AnnotationSource.MODEL, judge="judge #1: rm", preference_strength=3)

    data = reward_training_data(project=project, validation_fraction=0.0, seed=0)
    pairs = data.train_pairs + data.val_pairs
    assert [(p.chosen, p.rejected) for p in pairs] == [("good one", "bad one")]
    assert [item.pk for item in unlabelled_comparison_items(project=project)] == [judged.pk]
