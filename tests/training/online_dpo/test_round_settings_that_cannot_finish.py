"""Launch settings a round could never finish with are refused at launch, naming the setting, before any
sampling or labelling: a loss TRL does not know (or exo_pair, which needs a label smoothing no setting
sets), and more annotators per pair than the project's overlap (the queue serves no item to more, so a
human-mode round waited for labels that never came)."""
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from jobs.models import TrainingJob
from tests.training.online_dpo.online_dpo_helpers import fill_project, register_policy, register_reward_model
from training.online_dpo.config import round_config_clean
from training.online_dpo.services import online_run_launch

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("losses", [["nonsense"], ["sigmoid", "exo_pair"], []])
def test_unknown_or_unusable_losses_are_refused(losses):
    with pytest.raises(ValidationError) as raised:
        round_config_clean({"loss_type": losses})

    assert "loss_type" in raised.value.message_dict
    assert round_config_clean({"loss_type": ["sigmoid", "sft"]})["loss_type"] == ["sigmoid", "sft"]


@pytest.mark.parametrize(
    "raw", [{"epochs": 1e300}, {"max_steps": 10**15}, {"lora_r": 10**9}, {"max_length": 10**9}, {"generation_batch_size": 10**9}]
)
def test_counts_that_would_hold_a_worker_for_days_are_refused(raw):
    with pytest.raises(ValidationError) as raised:
        round_config_clean(raw)

    assert set(raised.value.message_dict) == set(raw)


@pytest.fixture
def ready(project, tmp_path):
    fill_project(project, prompts=12, items=0)
    register_policy(project, str(tmp_path / "policy"))
    register_reward_model(project, str(tmp_path / "proxy"))
    return SimpleNamespace(project=project)


def test_more_annotators_per_pair_than_the_overlap_is_refused(ready, admin_user):
    ready.project.overlap = 3
    ready.project.save()
    config = {"mode": "human", "human_annotations_per_item": 4, "device": "cpu"}
    jobs = TrainingJob.objects.count()

    with pytest.raises(ValidationError) as raised:
        online_run_launch(project=ready.project, rounds=1, config=config, launched_by=admin_user, enqueue=False)

    assert "overlap (3)" in str(raised.value.message_dict["human_annotations_per_item"])
    assert TrainingJob.objects.count() == jobs
    online_run_launch(project=ready.project, rounds=1, config={**config, "human_annotations_per_item": 3}, launched_by=admin_user, enqueue=False)
