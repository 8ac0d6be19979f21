"""What `reward_training_data` drops, and how it counts it (`RewardTrainingData.counts()`, shown on the
reward-model job): every tie and every item all of whose annotators marked "neither acceptable" adds
one, and the items after a dropped one are still read. Annotations are stored directly, in canonical
terms (negative = response 1 better), in an order that puts dropped items between kept ones."""
import pytest

from annotation.models import Annotation, Item
from tests.factories import ItemFactory, ProjectFactory, PromptFactory, ResponseFactory, UserFactory
from training.rewards.selectors import reward_training_data
from verdict_ml.rewards.data import PreferencePair

pytestmark = pytest.mark.django_db


def item(project, question: str, *, two_responses: bool = True) -> Item:
    prompt = PromptFactory(project=project, messages=[{"role": "user", "content": question}])
    return ItemFactory(project=project, prompt=prompt, response_1=ResponseFactory(prompt=prompt, text=f"{question} first"),
                       response_2=ResponseFactory(prompt=prompt, text=f"{question} second") if two_responses else None)


def judge(item: Item, *strengths: int | None) -> None:
    """One annotation per strength, by a new annotator; None = marked neither acceptable."""
    for strength in strengths:
        Annotation.objects.create(item=item, annotator=UserFactory(role="annotator"), preference_strength=strength,
                                  neither_acceptable=strength is None)


@pytest.fixture
def project():
    project = ProjectFactory(task_types=["pairwise"], overlap=2)
    judge(item(project, "Neither one?"), None, None)
    judge(item(project, "Tie one?"), -1, 1)
    judge(item(project, "Neither two?"), None)
    judge(item(project, "Tie two?"), 2, -2)
    judge(item(project, "One response?", two_responses=False), -2)
    judge(item(project, "Kept?"), 2, 3)
    return project


def test_each_dropped_tie_and_neither_acceptable_item_is_counted(project):
    """Guards: a drop count set (to 1, or to whether the last item was dropped) instead of added to."""
    counts = reward_training_data(project=project, validation_fraction=0.0, seed=0).counts()
    assert (counts["dropped_ties"], counts["dropped_neither_acceptable"]) == (2, 2)


def test_the_items_after_a_dropped_item_are_still_read(project):
    """Guards: `break` for `continue` after a dropped item (every later item lost)."""
    data = reward_training_data(project=project, validation_fraction=0.0, seed=0)
    assert data.train_pairs == [PreferencePair([{"role": "user", "content": "Kept?"}], "Kept? second", "Kept? first", 3)]
