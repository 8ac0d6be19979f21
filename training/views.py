"""Training pages: the project's jobs, the launch form, a job's live page, the reward-model registry.
The live parts poll the JSON API (`static/js/job_detail.js`); buttons are plain POST forms."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from training import reward_jobs, selectors, services, services_reward
from training.forms import RewardJobForm
from training.models import JobStatus
from training.permissions import can_run_training, training_job, training_project

REGISTRY_METRICS = [
    ("val_accuracy", "Accuracy"), ("val_bt_loss", "BT loss"), ("val_ece", "Calibration error (ECE)"),
    ("val_margin_mean", "Mean margin"), ("val_reward_mean", "Reward mean"), ("val_reward_std", "Reward std"),
    ("val_mse", "Attribute MSE"), ("val_pearson_helpfulness", "Pearson r (helpfulness)"),
]


@login_required
def job_list(request: HttpRequest, slug: str) -> HttpResponse:
    project = training_project(request.user, slug)
    context = {
        "project": project,
        "jobs": selectors.jobs_for_project(project=project)[:200],
        "active_model": selectors.active_reward_model(project=project),
        "can_run": can_run_training(request.user),
    }
    return render(request, "training/job_list.html", context)


@login_required
def job_launch(request: HttpRequest, slug: str) -> HttpResponse:
    project = training_project(request.user, slug, write=True)
    form = RewardJobForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            job = reward_jobs.reward_job_launch(
                project=project, config=form.config(), launched_by=request.user,
                dataset_version=form.cleaned_data["dataset_version"],
            )
        except ValidationError as error:
            form.add_config_errors(error)
        else:
            messages.success(request, f"Job #{job.pk} queued on the gpu queue.")
            return redirect("training:job_detail", job_id=job.pk)
    return render(request, "training/job_form.html", {"project": project, "form": form})


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = training_job(request.user, job_id)
    context = {
        "project": job.project,
        "job": job,
        "state": selectors.job_live_state(job=job),
        "can_run": can_run_training(request.user),
        "can_restart": job.status in (JobStatus.FAILED, JobStatus.CANCELLED),
    }
    return render(request, "training/job_detail.html", context)


@login_required
@require_POST
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    job = training_job(request.user, job_id, write=True)
    if job.is_active:
        services.job_cancel(job=job)
        messages.success(request, f"Cancelling job #{job.pk}; a running job stops at its next step.")
    else:
        messages.error(request, f"Job #{job.pk} has already finished ({job.status}).")
    return redirect("training:job_detail", job_id=job.pk)


@login_required
@require_POST
def job_restart(request: HttpRequest, job_id: int) -> HttpResponse:
    job = training_job(request.user, job_id, write=True)
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        messages.error(request, f"Only a failed or cancelled job can be restarted; job #{job.pk} is {job.status}.")
        return redirect("training:job_detail", job_id=job.pk)
    new_job = services.job_restart(job=job, launched_by=request.user)
    messages.success(request, f"Job #{new_job.pk} restarts job #{job.pk}.")
    return redirect("training:job_detail", job_id=new_job.pk)


@login_required
def reward_model_list(request: HttpRequest, slug: str) -> HttpResponse:
    project = training_project(request.user, slug)
    models = selectors.reward_models_for_project(project=project)
    context = {
        "project": project,
        "metric_columns": REGISTRY_METRICS,
        "rows": [(model, [model.metrics.get(key) for key, _label in REGISTRY_METRICS]) for model in models],
        "can_run": can_run_training(request.user),
    }
    return render(request, "training/reward_models.html", context)


@login_required
@require_POST
def reward_model_activate(request: HttpRequest, slug: str, model_id: int) -> HttpResponse:
    project = training_project(request.user, slug, write=True)
    model = get_object_or_404(selectors.reward_models_for_project(project=project), pk=model_id)
    services_reward.reward_model_activate(reward_model=model)
    messages.success(request, f"{model.name} is now the active reward model of {project.name}.")
    return redirect("training:reward_models", slug=project.slug)


@login_required
@require_POST
def uncertainty_scoring(request: HttpRequest, slug: str) -> HttpResponse:
    project = training_project(request.user, slug, write=True)
    try:
        services_reward.uncertainty_scoring_enqueue(project=project)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Scoring the unlabelled queue by the active ensemble's disagreement.")
    return redirect("training:reward_models", slug=project.slug)
