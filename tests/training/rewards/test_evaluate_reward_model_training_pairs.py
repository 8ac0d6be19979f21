"""`evaluate_reward_model --dataset` refuses the pairs the model was trained on, as the API and the job do:
an evaluation on its own training pairs would otherwise be stored and count as the evidence that
activates it (issue 17's gate)."""
import io

import pytest
from django.core.management import CommandError, call_command

from tests.training.rewards.test_evaluate_reward_model import tiny_reward_model  # noqa: F401
from tests.training.rewards.test_reward_evaluation_job import evaluations, version  # noqa: F401
from training.rewards.models import RewardModel


@pytest.mark.django_db
@pytest.mark.parametrize("split", ["all", "train"])
def test_the_command_refuses_the_version_a_model_was_trained_on(tiny_reward_model, version, split):  # noqa: F811
    RewardModel.objects.filter(pk=tiny_reward_model.pk).update(dataset_version=version)

    with pytest.raises(CommandError, match="was trained on the train split"):
        call_command(
            "evaluate_reward_model", str(tiny_reward_model.pk), "--dataset", "demo:1", "--split", split, "--device", "cpu",
            stdout=io.StringIO(),
        )

    assert evaluations(tiny_reward_model) == []


@pytest.mark.django_db
def test_the_command_scores_the_validation_split_of_that_version(tiny_reward_model, version):  # noqa: F811
    RewardModel.objects.filter(pk=tiny_reward_model.pk).update(dataset_version=version)

    call_command(
        "evaluate_reward_model", str(tiny_reward_model.pk), "--dataset", "demo:1", "--split", "validation", "--device", "cpu",
        stdout=io.StringIO(),
    )

    [report] = evaluations(tiny_reward_model)
    assert report["source"] == f"{version} (validation)" and 0 < report["n"] < 24
