"""The validation split of `reward_training_data`: whole prompts are held out (round(n · fraction) of
them, chosen by a seeded hash of their content), so no prompt is in both splits, the same seed gives
the same split and another seed another one. Ten prompts, each with one judged pair and both of its
responses rated; a fraction of 0.3 holds out three."""
import pytest

from annotation.models import Annotation
from tests.factories import ItemFactory, ProjectFactory, PromptFactory, ResponseFactory, UserFactory
from training.rewards.selectors import reward_training_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    project = ProjectFactory(task_types=["pairwise", "likert"], overlap=1)
    annotator = UserFactory(role="annotator")
    for number in range(10):
        prompt = PromptFactory(project=project, messages=[{"role": "user", "content": f"Split question {number}?"}])
        item = ItemFactory(project=project, prompt=prompt, response_1=ResponseFactory(prompt=prompt, text=f"Good {number}."),
                           response_2=ResponseFactory(prompt=prompt, text=f"Bad {number}."))
        Annotation.objects.create(item=item, annotator=annotator, preference_strength=-2,
                                  attribute_scores={"1": {"helpfulness": 4}, "2": {"helpfulness": 1}})
    return project


def questions(rows) -> set[str]:
    return {row.prompt[0]["content"] for row in rows}


def held_out(project, seed: int) -> set[str]:
    data = reward_training_data(project=project, validation_fraction=0.3, seed=seed)
    assert questions(data.val_pairs) == questions(data.val_attributes)
    return questions(data.val_pairs)


def test_whole_prompts_are_held_out(project):
    """Guards: pairs or attribute examples of held-out prompts put in the training split anyway."""
    data = reward_training_data(project=project, validation_fraction=0.3, seed=0)
    counts = data.counts()
    assert (counts["train_pairs"], counts["validation_pairs"]) == (7, 3)
    assert (counts["train_attribute_examples"], counts["validation_attribute_examples"]) == (14, 6)
    assert not questions(data.train_pairs) & questions(data.val_pairs)
    assert not questions(data.train_attributes) & questions(data.val_attributes)
    assert questions(data.val_pairs) == questions(data.val_attributes)


def test_the_split_is_the_same_for_a_seed_and_changes_with_another(project):
    """Guards: the seed not reaching the choice of held-out prompts (every seed then gives one split)."""
    assert held_out(project, 1) == held_out(project, 1)
    assert len({frozenset(held_out(project, seed)) for seed in range(4)}) > 1
