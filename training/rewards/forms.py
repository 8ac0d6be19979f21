"""The reward-model launch form. Its settings' help, choices and bounds come from RewardJobConfig; it
only shapes input: `reward_config_clean` (run by the launch service) is the one place settings are
checked, and its errors are shown next to the fields."""
from typing import Any

from django import forms

from annotation.models import Project
from datasets_app.models import DatasetVersion
from jobs.configs import ConfigErrorsMixin, config_field
from training.rewards.config import RewardJobConfig, reward_config_defaults
from training.rewards.selectors import ATTRIBUTE_FORMAT, PAIR_FORMATS, ready_dataset_versions
from verdict_ml.config import config_settings

OBJECTIVES = {
    "bt": "Bradley–Terry: −log σ(r_c − r_r)",
    "margin_bt": "Margin BT: −log σ(r_c − r_r − m)",
    "scaled_bt": "Scaled BT: −m · log σ(r_c − r_r)",
    "regression": "Attribute regression (MSE on the Likert scores)",
    "regression_then_scaled_bt": "Helpfulness regression, then scaled BT from it",
}


LABEL_SOURCES = {
    "annotations": "Annotations: the judged pairs (or the dataset version chosen above)",
    "hindsight": "Hindsight ratings of the completed hindsight judgements",
    "foresight": "Foresight ratings of the completed hindsight judgements",
}


DEVICES = {"auto": "auto (CUDA if present)"}


TRAINING_MODES = [("full", "Full fine-tuning"), ("lora", "LoRA adapters (peft)")]


def setting_field(name: str, **overrides: Any) -> forms.Field:
    return config_field(RewardJobConfig, name, **overrides)


class RewardJobForm(ConfigErrorsMixin, forms.Form):
    dataset_version = forms.ModelChoiceField(
        queryset=DatasetVersion.objects.none(), required=False, empty_label="This project's annotations (split by prompt)",
        help_text="A ready dataset version: pairs (trl-preference, helpsteer2-preference) for BT objectives, "
        "helpsteer2 for regression.",
    )
    attribute_dataset_version = forms.ModelChoiceField(
        queryset=DatasetVersion.objects.none(), required=False, empty_label="–",
        help_text=config_settings(RewardJobConfig)["attribute_dataset_version"].help,
    )
    label_source = setting_field("label_source", choice_labels=LABEL_SOURCES, label="Labels")
    objective = setting_field("objective", choice_labels=OBJECTIVES)
    base_model = setting_field("base_model", max_length=500)
    mode = forms.ChoiceField(choices=TRAINING_MODES, widget=forms.RadioSelect, label="Training")
    lora_r = setting_field("lora_r", label="LoRA rank")
    lora_alpha = setting_field("lora_alpha", label="LoRA alpha")
    regression_helpfulness_only = setting_field("regression_helpfulness_only", label="Regress helpfulness only")
    learning_rate = setting_field("learning_rate")
    epochs = setting_field("epochs")
    batch_size = setting_field("batch_size")
    max_length = setting_field("max_length")
    warmup_ratio = setting_field("warmup_ratio")
    weight_decay = setting_field("weight_decay")
    seed = setting_field("seed")
    ensemble_size = setting_field("ensemble_size")
    aggregation = setting_field("aggregation")
    uwo_lambda = setting_field("uwo_lambda", label="UWO λ")
    validation_fraction = setting_field("validation_fraction")
    split_seed = setting_field("split_seed")
    device = setting_field("device", choice_labels=DEVICES)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        defaults = reward_config_defaults()
        kwargs.setdefault("initial", {**defaults, "mode": "lora" if defaults["use_lora"] else "full"})
        super().__init__(*args, **kwargs)
        self.fields["dataset_version"].queryset = ready_dataset_versions(project=project, formats=(*PAIR_FORMATS, ATTRIBUTE_FORMAT))
        self.fields["attribute_dataset_version"].queryset = ready_dataset_versions(project=project, formats=(ATTRIBUTE_FORMAT,))

    def config(self) -> dict[str, Any]:
        """The launch settings (call after is_valid); the dataset version is passed on its own."""
        values = dict(self.cleaned_data)
        values.pop("dataset_version")
        attributes = values.pop("attribute_dataset_version")
        values["attribute_dataset_version"] = attributes.pk if attributes else None
        values["use_lora"] = values.pop("mode") == "lora"
        return values
