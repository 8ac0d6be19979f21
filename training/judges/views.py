"""The model judges page of a project: its judge runs (what each labelled, its job) and, for admins, the
launch form. Each judge's agreement with people is on the dashboard (stored by the stats refresh)."""
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from jobs.configs import ConfigErrorsMixin, config_field
from jobs.permissions import can_run_jobs, job_project
from training.judges import selectors
from training.judges.config import JudgeConfig, judge_config_defaults
from training.judges.services import judge_run_launch
from training.rewards.models import RewardModel

FORM_SETTINGS = ("judge", "model_path", "prompt_template", "method", "both_orders", "scope", "max_items", "max_new_tokens")
LISTED = 50


class JudgeLaunchForm(ConfigErrorsMixin, forms.Form):
    """Shapes input only; `judge_run_launch` checks it and its errors are shown next to the fields."""

    judge = config_field(JudgeConfig, "judge")
    reward_model = forms.ModelChoiceField(
        queryset=RewardModel.objects.none(), required=False, empty_label="the active reward model",
        help_text="Reward-model judge: which registered model.",
    )
    model_path = config_field(JudgeConfig, "model_path", max_length=1000)
    prompt_template = config_field(JudgeConfig, "prompt_template", widget=forms.Textarea(attrs={"rows": 12}), strip=False)
    method = config_field(JudgeConfig, "method")
    both_orders = config_field(JudgeConfig, "both_orders")
    scope = config_field(JudgeConfig, "scope", label="Pairs")
    max_items = config_field(JudgeConfig, "max_items")
    max_new_tokens = config_field(JudgeConfig, "max_new_tokens")

    def __init__(self, *args: Any, project: Any, **kwargs: Any) -> None:
        defaults = judge_config_defaults()
        kwargs.setdefault("initial", {name: defaults[name] for name in FORM_SETTINGS})
        super().__init__(*args, **kwargs)
        self.fields["reward_model"].queryset = RewardModel.objects.filter(project=project)

    def config(self) -> dict[str, Any]:
        data = self.cleaned_data
        model = data.get("reward_model")
        return {**{name: data[name] for name in FORM_SETTINGS}, "reward_model": model.pk if model else None}


@login_required
def judges_page(request: HttpRequest, slug: str) -> HttpResponse:
    project = job_project(request.user, slug)
    can_run = can_run_jobs(request.user)
    form = JudgeLaunchForm(request.POST or None, project=project) if can_run else None
    if request.method == "POST":
        project = job_project(request.user, slug, write=True)
        if form.is_valid():
            try:
                run = judge_run_launch(project=project, config=form.config(), launched_by=request.user)
            except ValidationError as error:
                form.add_config_errors(error)
            else:
                messages.success(request, f"{run.label} launched: job #{run.job_id} labels the project's pairs.")
                return redirect("training:judges", slug=project.slug)
    context = {"project": project, "runs": selectors.judge_runs_of(project=project)[:LISTED], "form": form, "can_run": can_run}
    return render(request, "training/judges.html", context)
