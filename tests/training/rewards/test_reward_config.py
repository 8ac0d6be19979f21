"""A reward job's configuration: one dataclass (the trainer's settings plus the job's), checked at once."""
import pytest
from django.core.exceptions import ValidationError

from training.rewards.config import TRAINER_FIELDS, reward_config_clean, reward_config_defaults

JOB_SETTINGS = {"attribute_dataset_version", "validation_fraction", "split_seed", "aggregation", "uwo_lambda", "label_source"}


def problems(raw):
    with pytest.raises(ValidationError) as caught:
        reward_config_clean(raw)
    return {name: " ".join(messages) for name, messages in caught.value.message_dict.items()}


def test_the_stored_configuration_has_every_trainer_and_job_setting_but_the_workers_threads(settings):
    settings.VERDICT_REWARD_BASE_MODEL = ""
    config = reward_config_clean({})

    assert set(config) == set(TRAINER_FIELDS) | JOB_SETTINGS and "num_threads" not in config
    assert config == reward_config_defaults()


def test_every_bad_setting_is_reported_at_once():
    found = problems({"epochs": 0, "learning_rate": "fast", "aggregation": "median", "validation_fraction": 0.9})

    assert found == {
        "epochs": "epochs must be from 1 to 10000, got 0",
        "learning_rate": "Expected int or float, got 'fast'.",
        "aggregation": "Must be one of mean, min, uwo.",
        "validation_fraction": "Must be more than 0 and at most 0.5.",
    }


def test_the_worker_thread_count_is_not_a_launch_setting():
    assert set(problems({"num_threads": 4, "epochs": 0})) == {"num_threads"}


@pytest.mark.parametrize(("raw", "name"), [({"seed": -1}, "seed"), ({"split_seed": -1}, "split_seed"), ({"ensemble_size": 17}, "ensemble_size")])
def test_the_bounds_the_form_always_had_hold_for_the_api_too(raw, name):
    assert set(problems(raw)) == {name}


def test_hindsight_labels_need_a_pairwise_objective_once_the_settings_are_valid():
    assert problems({"label_source": "hindsight", "objective": "regression"}) == {
        "label_source": "hindsight pairs carry no Likert scores; choose bt, margin_bt, scaled_bt, not regression."
    }
