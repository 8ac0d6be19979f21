"""Browser forms of the hindsight pages: launching an outcome simulation, importing scenarios."""
from typing import Any

from django import forms

from hindsight.importer import LAYOUTS
from hindsight.jobs import SCOPES
from hindsight.models import SimulatorKind


class SimulationForm(forms.Form):
    simulator = forms.ChoiceField(choices=SimulatorKind.choices)
    model_path = forms.CharField(
        required=False,
        help_text="Any AutoModelForCausalLM folder or hub id. Empty: the project's bootstrapped tiny policy, else VERDICT_POLICY_MODEL.",
    )
    prompt_template = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10, "class": "mono"}),
        help_text="Language-model simulator prompt. Fields: {hidden_context} {goal} {conversation} {response}.",
    )
    outcome_template = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "class": "mono"}),
        help_text="Template simulator, when the user ends up with an option. Fields: {choice} {price} {price_clause} {outcome} {goal} {hidden_context}.",
    )
    no_choice_template = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "class": "mono"}),
        help_text="Template simulator, when the response leads to no option. Same fields; {outcome} is the facts' no_choice_outcome.",
    )
    scope = forms.ChoiceField(
        choices=[(s, {"missing": "Responses without an outcome", "all": "Every response (new versions)"}[s]) for s in SCOPES]
    )
    temperature = forms.FloatField(min_value=0, max_value=5)
    top_p = forms.FloatField(min_value=0.01, max_value=1)
    max_new_tokens = forms.IntegerField(min_value=1, max_value=1024)
    seed = forms.IntegerField(required=False)
    batch_size = forms.IntegerField(min_value=1, max_value=256)

    def config(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ScenarioImportForm(forms.Form):
    file = forms.FileField(help_text="Scenario JSONL: one scenario per line (see the format below).")
    layout = forms.ChoiceField(
        choices=[("", "Project default (pairs if the project is pairwise)")] + [(layout, layout) for layout in LAYOUTS],
        required=False,
    )
