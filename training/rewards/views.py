"""Training pages of reward models: the project's jobs, the launch form, the reward-model registry."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from annotation.listing import ListFilter, list_page
from jobs import selectors as job_selectors
from jobs.models import JobKind, JobStatus
from jobs.permissions import can_run_jobs, job_project
from jobs.waiting import job_wait_reasons
from training.rewards import selectors, services
from training.rewards.config import EVALUATION_SPLITS, TINY_VALIDATION_PAIRS
from training.rewards.forms import RewardJobForm
from training.rewards.models import RewardModel
from verdict_ml.rewards.config import OBJECTIVES

OBJECTIVE_CHOICES = [(name, name) for name in OBJECTIVES]
ATTRIBUTE_METRICS = ("val_mse", "val_pearson_helpfulness")
REGISTRY_METRICS = [
    ("val_accuracy", "Accuracy"), ("val_bt_loss", "BT loss"), ("val_ece", "Calibration error (ECE)"),
    ("val_margin_mean", "Mean margin"), ("val_reward_mean", "Reward mean"), ("val_reward_std", "Reward std"),
    ("val_mse", "Attribute MSE"), ("val_pearson_helpfulness", "Pearson r (helpfulness)"),
]


@login_required
def job_list(request: HttpRequest, slug: str) -> HttpResponse:
    project = job_project(request.user, slug)
    jobs = list_page(
        request, job_selectors.jobs_for_project(project=project), search=("stage", "error"),
        search_label="Job # or text (stage, error)",
        filters=[
            ListFilter("status", "Status", "status", JobStatus.choices),
            ListFilter("kind", "Kind", "kind", JobKind.choices),
            ListFilter("by", "Launched by (username)", "launched_by__username"),
        ],
    )
    job_wait_reasons(jobs)  # why each queued job of the page waits
    context = {
        "project": project,
        "jobs": jobs,
        "active_model": selectors.active_reward_model(project=project),
        "can_run": can_run_jobs(request.user),
    }
    return render(request, "training/job_list.html", context)


@login_required
def job_launch(request: HttpRequest, slug: str) -> HttpResponse:
    project = job_project(request.user, slug, write=True)
    form = RewardJobForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.reward_job_launch(
                project=project, config=form.config(), launched_by=request.user,
                dataset_version=form.cleaned_data["dataset_version"],
            )
        except ValidationError as error:
            form.add_config_errors(error)
        else:
            messages.success(request, f"Job #{job.pk} queued on the gpu queue.")
            return redirect("jobs:job_detail", job_id=job.pk)
    return render(request, "training/job_form.html", {"project": project, "form": form})


def registry_values(model: RewardModel) -> list[tuple[object, bool]]:
    """(value, tiny) per registry column: pairwise metrics from fewer than TINY_VALIDATION_PAIRS validation
    pairs are marked tiny (the attribute metrics come from the attribute examples)."""
    tiny = int(model.data_source.get("validation_pairs") or 0) < TINY_VALIDATION_PAIRS
    return [(model.metrics.get(key), tiny and key not in ATTRIBUTE_METRICS) for key, _label in REGISTRY_METRICS]


@login_required
def reward_model_list(request: HttpRequest, slug: str) -> HttpResponse:
    project = job_project(request.user, slug)
    models = list_page(
        request, selectors.reward_models_for_project(project=project), search=("name", "base_model"),
        search_label="Name or base model", filters=[ListFilter("objective", "Objective", "objective", OBJECTIVE_CHOICES)],
    )
    context = {
        "project": project,
        "metric_columns": REGISTRY_METRICS,
        "models": models,
        "rows": [
            (model, registry_values(model), selectors.pairwise_evidence(model), selectors.activation_problems(model))
            for model in models
        ],
        "tiny_pairs": TINY_VALIDATION_PAIRS,
        "can_run": can_run_jobs(request.user),
        "evaluation_versions": selectors.ready_dataset_versions(project=project, formats=selectors.PAIR_FORMATS)[:50],
        "evaluation_splits": EVALUATION_SPLITS,
    }
    return render(request, "training/reward_models.html", context)


@login_required
@require_POST
def reward_model_evaluate(request: HttpRequest, slug: str, model_id: int) -> HttpResponse:
    project = job_project(request.user, slug, write=True)
    model = get_object_or_404(selectors.reward_models_for_project(project=project), pk=model_id)
    try:
        version = selectors.dataset_version_for(project=project, reference=request.POST.get("dataset_version", ""))
        job = services.reward_evaluation_launch(
            reward_model=model, dataset_version=version, launched_by=request.user,
            config={"split": request.POST.get("split", "validation")},
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("training:reward_models", slug=project.slug)
    messages.success(request, f"Job #{job.pk} queued on the gpu queue: evaluating {model.name} on {version}.")
    return redirect("jobs:job_detail", job_id=job.pk)


@login_required
@require_POST
def reward_model_activate(request: HttpRequest, slug: str, model_id: int) -> HttpResponse:
    project = job_project(request.user, slug, write=True)
    model = get_object_or_404(selectors.reward_models_for_project(project=project), pk=model_id)
    try:
        services.reward_model_activate(reward_model=model, force=request.POST.get("force") == "1")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("training:reward_models", slug=project.slug)
    messages.success(request, f"{model.name} is now the active reward model of {project.name}.")
    return redirect("training:reward_models", slug=project.slug)


@login_required
@require_POST
def uncertainty_scoring(request: HttpRequest, slug: str) -> HttpResponse:
    project = job_project(request.user, slug, write=True)
    try:
        services.uncertainty_scoring_enqueue(project=project)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Scoring the unlabelled queue by the active ensemble's disagreement.")
    return redirect("training:reward_models", slug=project.slug)
