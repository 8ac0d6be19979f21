"""Browser forms of the hindsight pages: launching an outcome simulation, importing scenarios."""
from typing import Any

from django import forms

from hindsight.config import OutcomeSimulationConfig
from hindsight.importer import LAYOUTS
from hindsight.models import SimulatorKind
from jobs.configs import config_field


def setting_field(name: str, **overrides: Any) -> forms.Field:
    return config_field(OutcomeSimulationConfig, name, **overrides)


class SimulationForm(forms.Form):
    """The settings' help, choices and bounds come from OutcomeSimulationConfig, which also checks them."""

    simulator = setting_field("simulator", choice_labels=dict(SimulatorKind.choices))
    model_path = setting_field("model_path")
    prompt_template = setting_field("prompt_template", widget=forms.Textarea(attrs={"rows": 10, "class": "mono"}))
    outcome_template = setting_field("outcome_template", widget=forms.Textarea(attrs={"rows": 2, "class": "mono"}))
    no_choice_template = setting_field("no_choice_template", widget=forms.Textarea(attrs={"rows": 2, "class": "mono"}))
    scope = setting_field("scope", choice_labels={"missing": "Responses without an outcome", "all": "Every response (new versions)"})
    temperature = setting_field("temperature")
    top_p = setting_field("top_p")
    max_new_tokens = setting_field("max_new_tokens")
    seed = setting_field("seed")
    batch_size = setting_field("batch_size")

    def config(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ScenarioImportForm(forms.Form):
    file = forms.FileField(help_text="Scenario JSONL: one scenario per line (see the format below).")
    layout = forms.ChoiceField(
        choices=[("", "Project default (pairs if the project is pairwise)")] + [(layout, layout) for layout in LAYOUTS],
        required=False,
    )
