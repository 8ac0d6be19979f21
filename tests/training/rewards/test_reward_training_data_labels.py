"""Which side `reward_training_data` (a reward-model job's default source: the project's annotations)
calls chosen. Judgements go in through the annotation service, in the order each annotator was shown
(one of them saw the pair swapped), and come out as pairs in canonical terms, worked out by hand:

- "Which is warmer?": response 1 better. Shown in order, −2; shown swapped, +3 for the second shown
  (= response 1), stored −3. Mean −2.5, rounded away from zero: −3 → chosen response 1, strength 3.
- "Which is faster?": response 2 better, +1 and +2. Mean 1.5 → 2 → chosen response 2, strength 2.
- "Which is older?": −1 and +1, a tie: dropped.
- "Which is louder?": both annotators marked neither acceptable: dropped.
"""
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from annotation.models import Assignment, AssignmentState, Item
from annotation.services import AnnotationInput, annotation_submit
from tests.factories import (
    ItemFactory,
    MembershipFactory,
    ProjectFactory,
    PromptFactory,
    ResponseFactory,
    UserFactory,
)
from training.rewards.selectors import reward_training_data
from verdict_ml.rewards.data import PreferencePair

pytestmark = pytest.mark.django_db


def pair(project, question: str, first: str, second: str) -> Item:
    prompt = PromptFactory(project=project, messages=[{"role": "user", "content": question}])
    return ItemFactory(project=project, prompt=prompt, response_1=ResponseFactory(prompt=prompt, text=first),
                       response_2=ResponseFactory(prompt=prompt, text=second))


def judge(annotator, item: Item, shown_strength: int | None, *, swapped: bool = False) -> None:
    """Submit as the annotator would: `shown_strength` is relative to the order they saw."""
    now = timezone.now()
    assignment = Assignment.objects.create(item=item, annotator=annotator, state=AssignmentState.LEASED, swapped=swapped,
                                           leased_at=now, lease_expires_at=now + timedelta(minutes=30))
    data = AnnotationInput(preference_strength=shown_strength, neither_acceptable=shown_strength is None, justification="because")
    annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=data)


@pytest.fixture
def judged():
    project = ProjectFactory(slug="labels", task_types=["pairwise"], overlap=2)
    first, second = UserFactory(username="ann-1", role="annotator"), UserFactory(username="ann-2", role="annotator")
    for user in (first, second):
        MembershipFactory(project=project, user=user)
    warmer = pair(project, "Which is warmer?", "The sun.", "The moon.")
    judge(first, warmer, -2)
    judge(second, warmer, +3, swapped=True)
    faster = pair(project, "Which is faster?", "A snail.", "A cheetah.")
    judge(first, faster, +1)
    judge(second, faster, +2)
    older = pair(project, "Which is older?", "Rome.", "Athens.")
    judge(first, older, -1)
    judge(second, older, +1)
    louder = pair(project, "Which is louder?", "Silence.", "Nothing.")
    judge(first, louder, None)
    judge(second, louder, None)
    return project


def test_the_preferred_response_is_chosen_with_the_rounded_strength(judged):
    """Guards: reward_training_data swapping chosen and rejected (`label < 0` inverted), and the
    display-order negation of a swapped judgement."""
    data = reward_training_data(project=judged, validation_fraction=0.0, seed=0)

    assert data.val_pairs == []
    assert data.train_pairs == [
        PreferencePair([{"role": "user", "content": "Which is warmer?"}], "The sun.", "The moon.", 3),
        PreferencePair([{"role": "user", "content": "Which is faster?"}], "A cheetah.", "A snail.", 2),
    ]


def test_ties_and_neither_acceptable_items_are_counted_as_dropped(judged):
    """Guards: the tie and "neither acceptable" counts of reward_training_data."""
    data = reward_training_data(project=judged, validation_fraction=0.0, seed=0)

    assert (data.dropped_ties, data.dropped_neither) == (1, 1)
    assert data.counts()["train_pairs"] == 2
