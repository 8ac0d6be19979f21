"""Online DPO pages: the project's rounds (table, per-round chart, launch form), one round, and the
policy checkpoint registry. Researchers read; admins launch, resume and bootstrap; annotators get
403 and non-members 404 (`training_project`). Charts are drawn by `static/js/rounds.js`."""
import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from training import selectors, selectors_rounds
from training.models import JobStatus, PolicyCheckpoint, RunMode
from training.online_rounds import (
    PAIR_STRATEGIES,
    REFERENCES,
    online_round_resume,
    online_run_launch,
    policy_checkpoint_register_external,
    round_config_defaults,
)
from training.permissions import can_run_training, training_project
from training.policy_bootstrap import policy_bootstrap_launch

FORM_SETTINGS = ("mode", "prompts_per_round", "samples_per_prompt", "pair_strategy", "human_fraction", "reference", "beta", "learning_rate")


class RoundLaunchForm(forms.Form):
    """Shapes input only; `round_config_clean` checks it and its errors are shown next to the fields."""

    rounds = forms.IntegerField(min_value=1, max_value=50, initial=1)
    start_checkpoint = forms.ModelChoiceField(queryset=PolicyCheckpoint.objects.none(), required=False, empty_label="The newest checkpoint")
    mode = forms.ChoiceField(choices=RunMode.choices)
    prompts_per_round = forms.IntegerField(min_value=1)
    samples_per_prompt = forms.IntegerField(min_value=2, max_value=64, label="Samples per prompt (K)")
    pair_strategy = forms.ChoiceField(choices=[(name, name.replace("_", " ")) for name in PAIR_STRATEGIES])
    human_fraction = forms.FloatField(min_value=0, max_value=1, help_text="Share of the round's pairs sent to annotators.")
    reference = forms.ChoiceField(choices=[(name, name) for name in REFERENCES], help_text="DPO reference: the previous round's policy or the initial one.")
    beta = forms.FloatField()
    learning_rate = forms.FloatField()
    extra = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Other settings (JSON)",
                            help_text='e.g. {"temperature": 0.9, "max_new_tokens": 96, "min_reward_gap": 0.05}')

    def __init__(self, *args: Any, project: Any, **kwargs: Any) -> None:
        defaults = round_config_defaults()
        kwargs.setdefault("initial", {name: defaults[name] for name in FORM_SETTINGS} | {"rounds": 1})
        super().__init__(*args, **kwargs)
        self.fields["start_checkpoint"].queryset = selectors_rounds.checkpoints_for_project(project=project)

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
        for name, problems in error.message_dict.items():
            self.add_error(name if name in self.fields else None, f"{name}: {' '.join(problems)}" if name not in self.fields else problems)


@login_required
def round_list(request: HttpRequest, slug: str) -> HttpResponse:
    project = training_project(request.user, slug)
    can_run = can_run_training(request.user)
    form = RoundLaunchForm(request.POST or None, project=project) if can_run else None
    if request.method == "POST":
        project = training_project(request.user, slug, write=True)
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
    context = {
        "project": project,
        "rounds": selectors_rounds.rounds_for_project(project=project)[:200],
        "checkpoints": selectors_rounds.checkpoints_for_project(project=project)[:5],
        "active_model": selectors.active_reward_model(project=project),
        "can_run": can_run,
        "form": form,
    }
    return render(request, "training/rounds.html", context)


@login_required
def round_detail(request: HttpRequest, slug: str, round_id: int) -> HttpResponse:
    project = training_project(request.user, slug)
    round_ = get_object_or_404(selectors_rounds.rounds_for_project(project=project), pk=round_id)
    context = {
        "project": project,
        "round": round_,
        "state": selectors_rounds.round_state(round_=round_),
        "slice": round_.human_items.select_related("response_1", "response_2", "prompt").order_by("pk")[:100],
        "can_run": can_run_training(request.user),
        "is_waiting": round_.job.status == JobStatus.WAITING,
    }
    return render(request, "training/round_detail.html", context)


@login_required
@require_POST
def round_resume(request: HttpRequest, slug: str, round_id: int) -> HttpResponse:
    project = training_project(request.user, slug, write=True)
    round_ = get_object_or_404(selectors_rounds.rounds_for_project(project=project), pk=round_id)
    if online_round_resume(round_=round_, force=True):
        messages.success(request, f"Round {round_.number} resumes on the human labels given so far.")
    else:
        messages.error(request, f"Round {round_.number} is not waiting ({round_.job.status}).")
    return redirect("training:round_detail", slug=project.slug, round_id=round_.pk)


@login_required
def policy_list(request: HttpRequest, slug: str) -> HttpResponse:
    project = training_project(request.user, slug)
    context = {"project": project, "checkpoints": selectors_rounds.checkpoints_for_project(project=project), "can_run": can_run_training(request.user)}
    return render(request, "training/policies.html", context)


@login_required
@require_POST
def policy_bootstrap(request: HttpRequest, slug: str) -> HttpResponse:
    project = training_project(request.user, slug, write=True)
    try:
        job = policy_bootstrap_launch(project=project, config={}, launched_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("training:policies", slug=project.slug)
    messages.success(request, f"Job #{job.pk} builds the tiny default policy.")
    return redirect("training:job_detail", job_id=job.pk)


@login_required
@require_POST
def policy_register(request: HttpRequest, slug: str) -> HttpResponse:
    """Any AutoModelForCausalLM folder or hub id as a starting policy; it is loaded by the round's worker."""
    project = training_project(request.user, slug, write=True)
    try:
        checkpoint = policy_checkpoint_register_external(project=project, path=request.POST.get("path", ""), name=request.POST.get("name", "").strip())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Policy checkpoint #{checkpoint.pk} ({checkpoint.path}) registered.")
    return redirect("training:policies", slug=project.slug)
