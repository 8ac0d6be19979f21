"""The reward-model launch form. It only shapes input: `reward_config_clean` (run by the launch
service) is the one place settings are checked, and its errors are shown next to the fields."""
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from annotation.models import Project
from datasets_app.models import DatasetVersion
from training.rewards.config import reward_config_defaults
from training.rewards.models import RewardAggregation
from training.rewards.selectors import ATTRIBUTE_FORMAT, PAIR_FORMATS, ready_dataset_versions

OBJECTIVES = [
    ("bt", "Bradley–Terry: −log σ(r_c − r_r)"),
    ("margin_bt", "Margin BT: −log σ(r_c − r_r − m)"),
    ("scaled_bt", "Scaled BT: −m · log σ(r_c − r_r)"),
    ("regression", "Attribute regression (MSE on the Likert scores)"),
    ("regression_then_scaled_bt", "Helpfulness regression, then scaled BT from it"),
]


LABEL_SOURCES = [
    ("annotations", "Annotations: the judged pairs (or the dataset version chosen above)"),
    ("hindsight", "Hindsight ratings of the completed hindsight judgements"),
    ("foresight", "Foresight ratings of the completed hindsight judgements"),
]


TRAINING_MODES = [("full", "Full fine-tuning"), ("lora", "LoRA adapters (peft)")]


class RewardJobForm(forms.Form):
    dataset_version = forms.ModelChoiceField(
        queryset=DatasetVersion.objects.none(), required=False, empty_label="This project's annotations (split by prompt)",
        help_text="A ready dataset version: pairs (trl-preference, helpsteer2-preference) for BT objectives, "
        "helpsteer2 for regression.",
    )
    attribute_dataset_version = forms.ModelChoiceField(
        queryset=DatasetVersion.objects.none(), required=False, empty_label="–",
        help_text="Only for regression → scaled BT from a pair version: the helpsteer2 version of its regression phase.",
    )
    label_source = forms.ChoiceField(
        choices=LABEL_SOURCES, label="Labels",
        help_text="Hindsight projects: train on the ratings given after the outcome was revealed, or on those given "
        "before (no dataset version; pairwise objectives only).",
    )
    objective = forms.ChoiceField(choices=OBJECTIVES, help_text="m = |preference strength| ∈ {1, 2, 3}.")
    base_model = forms.CharField(
        required=False, max_length=500,
        help_text="Local folder or Hugging Face hub id of an AutoModelForSequenceClassification. "
        "Empty: VERDICT_REWARD_BASE_MODEL, else the bundled all-MiniLM-L6-v2.",
    )
    mode = forms.ChoiceField(choices=TRAINING_MODES, widget=forms.RadioSelect, label="Training")
    lora_r = forms.IntegerField(min_value=1, label="LoRA rank")
    lora_alpha = forms.IntegerField(min_value=1, label="LoRA alpha")
    regression_helpfulness_only = forms.BooleanField(
        required=False, label="Regress helpfulness only", help_text="One output instead of the five HelpSteer attributes."
    )
    learning_rate = forms.FloatField()
    epochs = forms.IntegerField(min_value=1, help_text="Per phase (regression → scaled BT runs two).")
    batch_size = forms.IntegerField(min_value=1, help_text="Pairs per step.")
    max_length = forms.IntegerField(min_value=8, help_text="Tokens per prompt + response; prompts are cut from the left.")
    warmup_ratio = forms.FloatField(min_value=0)
    weight_decay = forms.FloatField(min_value=0)
    seed = forms.IntegerField(min_value=0)
    ensemble_size = forms.IntegerField(min_value=1, max_value=16, help_text="Members trained with seeds seed … seed + k − 1.")
    aggregation = forms.ChoiceField(choices=RewardAggregation.choices, help_text="How an ensemble's scores combine.")
    uwo_lambda = forms.FloatField(min_value=0, label="UWO λ")
    validation_fraction = forms.FloatField(help_text="Share of prompts held out for validation (no prompt in both splits).")
    split_seed = forms.IntegerField(min_value=0)
    device = forms.ChoiceField(choices=[("auto", "auto (CUDA if present)"), ("cpu", "cpu"), ("cuda", "cuda")])

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

    def add_config_errors(self, error: ValidationError) -> None:
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)
