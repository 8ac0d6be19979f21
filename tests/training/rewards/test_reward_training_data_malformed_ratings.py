"""Attribute ratings that the annotation service would refuse but a stored row may still hold (written
before validation existed, or by hand): a slot whose ratings are not a dict, and a rating of a second
response the item does not have. `reward_training_data` skips just that slot and reads the rest."""
import pytest

from annotation.models import Annotation
from tests.factories import ItemFactory, ProjectFactory, PromptFactory, ResponseFactory, UserFactory
from training.rewards.selectors import reward_training_data
from verdict_ml.rewards.data import AttributeExample

pytestmark = pytest.mark.django_db

QUESTION = [{"role": "user", "content": "Which is warmer?"}]


@pytest.fixture
def project():
    project = ProjectFactory(task_types=["likert"], overlap=1)
    prompt = PromptFactory(project=project, messages=QUESTION)
    pair = ItemFactory(project=project, prompt=prompt, response_1=ResponseFactory(prompt=prompt, text="The sun."),
                       response_2=ResponseFactory(prompt=prompt, text="The moon."))
    single = ItemFactory(project=project, prompt=prompt, response_1=ResponseFactory(prompt=prompt, text="A fire."), response_2=None)
    user = UserFactory(role="annotator")
    Annotation.objects.create(item=pair, annotator=user, attribute_scores={"1": "4", "2": {"helpfulness": 3}})
    Annotation.objects.create(item=single, annotator=user, attribute_scores={"1": {"helpfulness": 2}, "2": {"helpfulness": 4}})
    return project


def test_a_malformed_slot_is_skipped_and_the_other_ratings_kept(project):
    """Guards: `and` for `or` in the skip test (a non-dict rating, or a rating of a missing response,
    then crashes the data build), and `break` for `continue` (the ratings after a skipped slot lost)."""
    data = reward_training_data(project=project, validation_fraction=0.0, seed=0)
    assert data.train_attributes == [
        AttributeExample(QUESTION, "The moon.", {"helpfulness": 3.0}),
        AttributeExample(QUESTION, "A fire.", {"helpfulness": 2.0}),
    ]
