"""The launch forms and commands take their settings from the job kinds' config dataclasses: help texts,
choices and bounds are written once, in the dataclass metadata."""
import pytest
from django.core.exceptions import ValidationError
from django.core.management import load_command_class

from hindsight.config import OutcomeSimulationConfig
from hindsight.forms import SimulationForm
from jobs.configs import config_clean, config_field
from training.online_dpo.config import OnlineRoundConfig
from training.online_dpo.views import RoundLaunchForm
from training.policies.config import BootstrapConfig
from training.rewards.config import RewardJobConfig
from training.rewards.forms import RewardJobForm
from verdict_ml.config import config_settings, setting

FORMS = [(RewardJobForm, RewardJobConfig), (RoundLaunchForm, OnlineRoundConfig), (SimulationForm, OutcomeSimulationConfig)]


@pytest.mark.parametrize(("form_class", "config_class"), FORMS)
def test_every_setting_of_a_launch_form_takes_help_and_choices_from_its_dataclass(form_class, config_class):
    settings = config_settings(config_class)
    shown = [name for name in form_class.base_fields if name in settings]

    assert len(shown) >= 8
    for name in shown:
        field, spec = form_class.base_fields[name], settings[name]
        assert field.help_text == spec.help and spec.help, name
        if spec.choices is not None:
            assert [value for value, _label in field.choices] == list(spec.choices), name


def test_a_forms_number_inputs_carry_the_dataclass_bounds_and_leave_the_check_to_the_config():
    samples = RoundLaunchForm.base_fields["samples_per_prompt"]
    assert (samples.widget.attrs["min"], samples.widget.attrs["max"]) == (2, 64)
    assert samples.validators == []
    assert RewardJobForm.base_fields["validation_fraction"].widget.attrs == {"max": 0.5, "step": "any"}
    assert RewardJobForm.base_fields["ensemble_size"].widget.attrs == {"min": 1, "max": 16}


def test_labels_and_widgets_given_by_the_form_are_kept():
    assert RewardJobForm.base_fields["lora_r"].label == "LoRA rank"
    assert dict(RewardJobForm.base_fields["objective"].choices)["bt"].startswith("Bradley–Terry")
    assert SimulationForm.base_fields["prompt_template"].widget.attrs["rows"] == 10


def test_a_nullable_or_empty_default_setting_is_optional_in_a_form():
    assert not SimulationForm.base_fields["seed"].required
    assert not SimulationForm.base_fields["model_path"].required
    assert SimulationForm.base_fields["prompt_template"].required


def test_a_list_setting_has_no_form_field():
    with pytest.raises(TypeError, match="loss_type"):
        config_field(OnlineRoundConfig, "loss_type")


def test_config_errors_become_a_validation_error_keyed_by_setting():
    from dataclasses import dataclass

    @dataclass
    class Small:
        rounds: int = setting(1, help="Rounds.", ge=1)
        mode: str = setting("a", help="Mode.", choices=("a", "b"))

    with pytest.raises(ValidationError) as caught:
        config_clean(Small, {"rounds": 0, "mode": "c"})
    assert caught.value.message_dict == {"rounds": ["Must be a positive integer."], "mode": ["Must be one of a, b."]}
    with pytest.raises(ValidationError) as caught:
        config_clean(Small, "rounds=1")
    assert caught.value.message_dict == {"config": ["The configuration must be a JSON object."]}


@pytest.mark.parametrize(
    ("command", "config_class", "names"),
    [
        ("train_reward_model", RewardJobConfig, ["objective", "use_lora", "ensemble_size", "label_source", "warmup_ratio"]),
        ("run_online_dpo", OnlineRoundConfig, ["samples_per_prompt", "pair_strategy", "use_lora", "max_new_tokens"]),
        ("bootstrap_policy", BootstrapConfig, ["vocab_size", "max_examples", "eval_fraction"]),
    ],
)
def test_a_commands_options_carry_the_dataclass_help(command, config_class, names):
    parser = load_command_class("training", command).create_parser("manage.py", command)
    actions = {option: action for action in parser._actions for option in action.option_strings}
    settings = config_settings(config_class)
    for name in names:
        action = actions["--" + name.replace("_", "-")]
        assert action.dest == name
        assert action.help.startswith(settings[name].help.replace("%", "%%")), name
        assert action.choices == settings[name].choices, name


def test_the_reward_command_keeps_its_lora_switch_and_requires_an_objective():
    parser = load_command_class("training", "train_reward_model").create_parser("manage.py", "train_reward_model")
    assert parser.parse_args(["--objective", "bt", "--lora"]).use_lora is True
    assert parser.parse_args(["--objective", "bt", "--no-use-lora"]).use_lora is False
    assert parser.parse_args(["--objective", "bt"]).use_lora is None
    assert [action.required for action in parser._actions if action.dest == "objective"] == [True]
