"""Pages of the policy registry: the list, bootstrapping the tiny policy, registering a model path."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jobs.permissions import can_run_jobs, job_project
from training.policies import selectors
from training.policies.bootstrap import policy_bootstrap_launch
from training.policies.services import policy_checkpoint_register_external


@login_required
def policy_list(request: HttpRequest, slug: str) -> HttpResponse:
    project = job_project(request.user, slug)
    context = {"project": project, "checkpoints": selectors.checkpoints_for_project(project=project), "can_run": can_run_jobs(request.user)}
    return render(request, "training/policies.html", context)


@login_required
@require_POST
def policy_bootstrap(request: HttpRequest, slug: str) -> HttpResponse:
    project = job_project(request.user, slug, write=True)
    try:
        job = policy_bootstrap_launch(project=project, config={}, launched_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("training:policies", slug=project.slug)
    messages.success(request, f"Job #{job.pk} builds the tiny default policy.")
    return redirect("jobs:job_detail", job_id=job.pk)


@login_required
@require_POST
def policy_register(request: HttpRequest, slug: str) -> HttpResponse:
    """Any AutoModelForCausalLM folder or hub id as a starting policy; it is loaded by the round's worker."""
    project = job_project(request.user, slug, write=True)
    try:
        checkpoint = policy_checkpoint_register_external(project=project, path=request.POST.get("path", ""), name=request.POST.get("name", "").strip())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Policy checkpoint #{checkpoint.pk} ({checkpoint.path}) registered.")
    return redirect("training:policies", slug=project.slug)
