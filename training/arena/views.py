"""The arena page of a project: the stored leaderboard (ratings with intervals, win-rate matrix,
battle counts), the online runs' round charts, recent arenas, and (for admins) the launch form."""
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from jobs.configs import ConfigErrorsMixin, config_field
from jobs.permissions import can_run_jobs, job_project
from training.arena import selectors
from training.arena.config import ArenaConfig, arena_config_defaults
from training.arena.services import arena_launch
from training.policies import selectors as policy_selectors
from training.policies.models import PolicyCheckpoint

FORM_SETTINGS = ("pool", "prompts", "temperature", "max_new_tokens")


class ArenaLaunchForm(ConfigErrorsMixin, forms.Form):
    """Shapes input only; `arena_launch` checks it and its errors are shown next to the fields."""

    checkpoints = forms.ModelMultipleChoiceField(
        queryset=PolicyCheckpoint.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Policy checkpoints sampled on the pool's prompts.",
    )
    model_names = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Imported models",
        help_text="One model_name a line: their responses already in the project compete as they are.",
    )
    pool = config_field(ArenaConfig, "pool")
    prompts = config_field(ArenaConfig, "prompts")
    temperature = config_field(ArenaConfig, "temperature")
    max_new_tokens = config_field(ArenaConfig, "max_new_tokens")

    def __init__(self, *args: Any, project: Any, **kwargs: Any) -> None:
        defaults = arena_config_defaults()
        kwargs.setdefault("initial", {name: defaults[name] for name in FORM_SETTINGS})
        super().__init__(*args, **kwargs)
        self.fields["checkpoints"].queryset = policy_selectors.checkpoints_for_project(project=project)[:50]


def _matrix(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The win-rate matrix as rows of cells (rate, battles) for the template."""
    names = payload.get("models", [])
    return [
        {"model": name, "cells": [{"rate": rate, "battles": count} for rate, count in zip(payload["win_rate"][i], payload["battle_counts"][i])]}
        for i, name in enumerate(names)
    ]


@login_required
def arena_page(request: HttpRequest, slug: str) -> HttpResponse:
    project = job_project(request.user, slug)
    can_run = can_run_jobs(request.user)
    form = ArenaLaunchForm(request.POST or None, project=project) if can_run else None
    if request.method == "POST":
        project = job_project(request.user, slug, write=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                arena = arena_launch(
                    project=project, checkpoint_ids=[c.pk for c in data["checkpoints"]],
                    model_names=data["model_names"].splitlines(), config={name: data[name] for name in FORM_SETTINGS},
                    launched_by=request.user,
                )
            except ValidationError as error:
                form.add_config_errors(error)
            else:
                messages.success(request, f"Arena #{arena.pk} launched: job #{arena.job_id} samples the contestants and queues the battles.")
                return redirect("training:arena", slug=project.slug)
    board = selectors.stored_leaderboard(project=project)
    context = {
        "project": project, "board": board, "payload": board.payload, "matrix": _matrix(board.payload),
        "arenas": selectors.recent_arenas(project=project), "form": form, "can_run": can_run,
    }
    return render(request, "training/arena.html", context)
