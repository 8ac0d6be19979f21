"""Which response `reward_training_data` gives each attribute rating to. Ratings go in through the
annotation service by the letters each annotator saw (one of them saw the pair swapped) and come out as
one example per response, with the mean of its ratings: the sun is rated 4 and 2 (mean 3), the moon 0
and 1 (mean 0.5), whichever letter each was shown under."""
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from annotation.models import Assignment, AssignmentState
from annotation.services import AnnotationInput, annotation_submit
from tests.factories import ItemFactory, MembershipFactory, ProjectFactory, PromptFactory, ResponseFactory, UserFactory
from training.rewards.selectors import reward_training_data

pytestmark = pytest.mark.django_db

QUESTION = [{"role": "user", "content": "Which is warmer?"}]


def rate(project, annotator, item, shown_first: int, shown_second: int, *, swapped: bool) -> None:
    now = timezone.now()
    assignment = Assignment.objects.create(item=item, annotator=annotator, state=AssignmentState.LEASED, swapped=swapped,
                                           leased_at=now, lease_expires_at=now + timedelta(minutes=30))
    scores = {"A": dict.fromkeys(project.attribute_names, shown_first), "B": dict.fromkeys(project.attribute_names, shown_second)}
    data = AnnotationInput(preference_strength=-1 if shown_first > shown_second else 1, attribute_scores=scores, justification="because")
    annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=data)


@pytest.fixture
def rated():
    project = ProjectFactory(slug="ratings", task_types=["pairwise", "likert"], overlap=2)
    first, second = UserFactory(username="ann-1", role="annotator"), UserFactory(username="ann-2", role="annotator")
    for user in (first, second):
        MembershipFactory(project=project, user=user)
    prompt = PromptFactory(project=project, messages=QUESTION)
    item = ItemFactory(project=project, prompt=prompt, response_1=ResponseFactory(prompt=prompt, text="The sun."),
                       response_2=ResponseFactory(prompt=prompt, text="The moon."))
    rate(project, first, item, 4, 0, swapped=False)  # A = the sun
    rate(project, second, item, 1, 2, swapped=True)  # A = the moon
    return project


def test_each_response_gets_the_mean_of_its_own_ratings(rated):
    """Guards: reward_training_data giving response 2's ratings to response 1 (the stored slot read the
    wrong way round), dropping a slot, or averaging anything but that response's ratings."""
    data = reward_training_data(project=rated, validation_fraction=0.0, seed=0)
    examples = {example.response: example.scores for example in data.train_attributes}
    names = rated.attribute_names
    assert examples == {"The sun.": dict.fromkeys(names, 3.0), "The moon.": dict.fromkeys(names, 0.5)}
    assert all(example.prompt == QUESTION for example in data.train_attributes)
    assert data.val_attributes == []
