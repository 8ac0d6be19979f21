"""Pages of online DPO: the rounds list with the launch form, a round's page, resuming a round."""
import dataclasses
import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from annotation.listing import ListFilter, list_page
from jobs.configs import config_field
from jobs.models import JobStatus
from jobs.permissions import can_run_jobs, job_project
from training.arena import selectors as arena_selectors
from training.online_dpo import selectors
from training.online_dpo.config import MAX_ROUNDS, OnlineRoundConfig, round_config_defaults
from training.online_dpo.models import RunMode
from training.online_dpo.services import online_round_resume, online_run_launch
from training.policies import selectors as policy_selectors
from training.policies.models import PolicyCheckpoint
from training.rewards import selectors as reward_selectors
from verdict_ml.online_dpo.pairs import PAIR_STRATEGIES

NO_POLICY = "This project has no policy checkpoint yet: use “Build the tiny policy” above (or register a model on the Policies page)."
ROUND_SETTING_NAMES = frozenset(field.name for field in dataclasses.fields(OnlineRoundConfig))
FORM_SETTINGS = ("mode", "prompts_per_round", "samples_per_prompt", "pair_strategy", "human_fraction", "reference", "beta", "learning_rate")


class RoundLaunchForm(forms.Form):
    """Shapes input only (the settings' help, choices and bounds come from OnlineRoundConfig);
    `round_config_clean` checks it and its errors are shown next to the fields."""

    rounds = forms.IntegerField(min_value=1, max_value=MAX_ROUNDS, initial=1)
    start_checkpoint = forms.ModelChoiceField(queryset=PolicyCheckpoint.objects.none(), required=False, empty_label="The newest checkpoint")
    mode = config_field(OnlineRoundConfig, "mode", choice_labels=dict(RunMode.choices))
    prompts_per_round = config_field(OnlineRoundConfig, "prompts_per_round")
    samples_per_prompt = config_field(OnlineRoundConfig, "samples_per_prompt", label="Samples per prompt (K)")
    pair_strategy = config_field(OnlineRoundConfig, "pair_strategy", choice_labels={name: name.replace("_", " ") for name in PAIR_STRATEGIES})
    human_fraction = config_field(OnlineRoundConfig, "human_fraction")
    reference = config_field(OnlineRoundConfig, "reference")
    beta = config_field(OnlineRoundConfig, "beta")
    learning_rate = config_field(OnlineRoundConfig, "learning_rate")
    extra = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Other settings (JSON)",
                            help_text='e.g. {"temperature": 0.9, "max_new_tokens": 96, "min_reward_gap": 0.05}')

    def __init__(self, *args: Any, project: Any, **kwargs: Any) -> None:
        defaults = round_config_defaults()
        kwargs.setdefault("initial", {name: defaults[name] for name in FORM_SETTINGS} | {"rounds": 1})
        super().__init__(*args, **kwargs)
        self.fields["start_checkpoint"].queryset = policy_selectors.checkpoints_for_project(project=project)

    def config(self) -> dict[str, Any]:
        config = {name: self.cleaned_data[name] for name in FORM_SETTINGS}
        raw = (self.cleaned_data.get("extra") or "").strip()
        if raw:
            try:
                extra = json.loads(raw)
            except json.JSONDecodeError as error:
                raise ValidationError({"extra": f"Not JSON: {error}"}) from error
            if not isinstance(extra, dict):
                raise ValidationError({"extra": "Must be a JSON object."})
            config.update(extra)
        return config

    def add_errors(self, error: ValidationError) -> None:
        """Each problem once, on the field it is about: settings given in the JSON under "extra" (named),
        the form's own fields under themselves, the rest (reward model, pools) above the form."""
        in_json = set(self._extra_settings())
        for name, problems in error.message_dict.items():
            if name == "start_checkpoint" and not self.fields["start_checkpoint"].queryset.exists():
                problems = [NO_POLICY]  # the service's message names a management command; the page has a button
            if name in in_json or (name not in self.fields and name in ROUND_SETTING_NAMES):
                self.add_error("extra", f"{name}: {' '.join(problems)}")
            elif name in self.fields:
                self.add_error(name, problems)
            else:
                self.add_error(None, f"{name.replace('_', ' ')}: {' '.join(problems)}")

    def _extra_settings(self) -> dict[str, Any]:
        try:
            extra = json.loads(self.cleaned_data.get("extra") or "{}")
        except json.JSONDecodeError:
            return {}
        return extra if isinstance(extra, dict) else {}


@login_required
def round_list(request: HttpRequest, slug: str) -> HttpResponse:
    project = job_project(request.user, slug)
    can_run = can_run_jobs(request.user)
    form = RoundLaunchForm(request.POST or None, project=project) if can_run else None
    if request.method == "POST":
        project = job_project(request.user, slug, write=True)
        if form.is_valid():
            try:
                run = online_run_launch(
                    project=project, rounds=form.cleaned_data["rounds"], config=form.config(), launched_by=request.user,
                    start_checkpoint=form.cleaned_data["start_checkpoint"],
                )
            except ValidationError as error:
                form.add_errors(error)
            else:
                first = run.rounds.get(index=1)
                messages.success(request, f"{run.rounds_requested} round(s) launched; round {first.number} is queued on the gpu queue.")
                return redirect("training:round_detail", slug=project.slug, round_id=first.pk)
    rounds = list_page(request, selectors.rounds_for_project(project=project, counted=False), filters=[
        ListFilter("status", "Status", "job__status", JobStatus.choices),
        ListFilter("mode", "Mode", "run__config__mode", [(value, value) for value in RunMode.values]),
    ])
    selectors.rounds_with_slice_sizes(rounds)
    context = {
        "project": project,
        "rounds": rounds,
        "checkpoints": policy_selectors.checkpoints_for_project(project=project)[:5],
        "active_model": reward_selectors.active_reward_model(project=project),
        "can_run": can_run,
        "form": form,
    }
    return render(request, "training/rounds.html", context)


@login_required
def round_detail(request: HttpRequest, slug: str, round_id: int) -> HttpResponse:
    project = job_project(request.user, slug)
    round_ = get_object_or_404(selectors.rounds_for_project(project=project), pk=round_id)
    context = {
        "project": project,
        "round": round_,
        "evaluation": round_.evaluation,
        "evaluation_rows": selectors.evaluation_rows(round_=round_),
        "state": selectors.round_state(round_=round_),
        "slice": round_.human_items.select_related("response_1", "response_2", "prompt").order_by("pk")[:100],
        "can_run": can_run_jobs(request.user),
        "is_waiting": round_.job.status == JobStatus.WAITING,
        "arena": arena_selectors.checkpoint_result(project=project, checkpoint_id=round_.checkpoint_id),
    }
    return render(request, "training/round_detail.html", context)


@login_required
@require_POST
def round_resume(request: HttpRequest, slug: str, round_id: int) -> HttpResponse:
    project = job_project(request.user, slug, write=True)
    round_ = get_object_or_404(selectors.rounds_for_project(project=project), pk=round_id)
    if online_round_resume(round_=round_, force=True):
        messages.success(request, f"Round {round_.number} resumes on the human labels given so far.")
    else:
        messages.error(request, f"Round {round_.number} is not waiting ({round_.job.status}).")
    return redirect("training:round_detail", slug=project.slug, round_id=round_.pk)
