"""A job's live page (polling the JSON API through `static/js/job_detail.js`), cancel and restart."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jobs import selectors, services
from jobs.models import JobStatus
from jobs.permissions import can_run_jobs, job_for_user


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_for_user(request.user, job_id)
    context = {
        "project": job.project,
        "job": job,
        "state": selectors.job_live_state(job=job),
        "can_run": can_run_jobs(request.user),
        "can_restart": job.status in (JobStatus.FAILED, JobStatus.CANCELLED),
    }
    return render(request, "jobs/job_detail.html", context)


@login_required
@require_POST
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_for_user(request.user, job_id, write=True)
    if job.is_active:
        services.job_cancel(job=job)
        messages.success(request, f"Cancelling job #{job.pk}; a running job stops at its next step.")
    else:
        messages.error(request, f"Job #{job.pk} has already finished ({job.status}).")
    return redirect("jobs:job_detail", job_id=job.pk)


@login_required
@require_POST
def job_restart(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_for_user(request.user, job_id, write=True)
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        messages.error(request, f"Only a failed or cancelled job can be restarted; job #{job.pk} is {job.status}.")
        return redirect("jobs:job_detail", job_id=job.pk)
    new_job = services.job_restart(job=job, launched_by=request.user)
    messages.success(request, f"Job #{new_job.pk} restarts job #{job.pk}.")
    return redirect("jobs:job_detail", job_id=new_job.pk)
