"""An online run's round configuration: OnlineRoundConfig's metadata and the rules no bound expresses."""
import pytest
from django.core.exceptions import ValidationError

from training.online_dpo.config import DPO_LOSS_TYPES, round_config_clean, round_config_defaults


def problems(raw):
    with pytest.raises(ValidationError) as caught:
        round_config_clean(raw)
    return {name: " ".join(messages) for name, messages in caught.value.message_dict.items()}


def test_defaults_are_filled_in_and_the_loss_list_is_not_shared():
    config = round_config_clean({"temperature": 0.9})
    assert config == {**round_config_defaults(), "temperature": 0.9}
    config["loss_type"].append("hinge")
    assert round_config_defaults()["loss_type"] == ["sigmoid"]


def test_settings_are_checked_together_then_the_rules_between_them():
    assert problems({"samples_per_prompt": 1, "mode": True, "max_steps": 0}) == {
        "samples_per_prompt": "Must be from 2 to 64.", "mode": "Expected str, got True.",
    }
    assert problems({"max_steps": 0, "loss_type": [], "device": "tpu"}) == {
        "max_steps": "Must be -1 (epochs decide) or from 1 to 1,000,000.",
        "loss_type": f"Must be a non-empty list of {', '.join(DPO_LOSS_TYPES)}.",
        "device": "Must be auto, cpu or cuda[:n].",
    }


def test_null_aggregation_means_the_registered_models_own():
    assert round_config_clean({"aggregation": None, "uwo_lambda": None})["aggregation"] is None
    assert set(problems({"aggregation": "median"})) == {"aggregation"}
    assert round_config_clean({"device": "cuda:1", "max_steps": -1})["device"] == "cuda:1"
