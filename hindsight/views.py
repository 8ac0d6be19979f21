"""Browser pages of hindsight simulation. The annotator's workspace is a client of the hindsight API
(static/js/hindsight.js); the researcher pages render selectors; admins launch simulations here."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from annotation.models import Project, TaskType
from annotation.permissions import can_annotate, project_for_annotation, require_manager
from hindsight import jobs, selectors
from hindsight.forms import ScenarioImportForm, SimulationForm
from hindsight.importer import ScenarioImportError, scenarios_import
from jobs.permissions import can_run_jobs, job_project

MAX_ERRORS_SHOWN = 20


def _hindsight(project: Project) -> Project:
    if TaskType.HINDSIGHT not in project.task_types:
        raise Http404("This is not a hindsight project.")
    return project


def _managed(request: HttpRequest, slug: str) -> Project:
    project = _hindsight(project_for_annotation(request.user, slug))
    return require_manager(request.user, project, "Only the project's researchers and admins may see this page.")


@login_required
def annotate(request: HttpRequest, slug: str) -> HttpResponse:
    project = _hindsight(project_for_annotation(request.user, slug))
    if not can_annotate(request.user, project):
        raise PermissionDenied("You are not an annotator of this project.")
    return render(request, "hindsight/annotate.html", {"project": project})


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    project = _managed(request, slug)
    stats = selectors.hindsight_dashboard(project=project)
    return render(request, "hindsight/dashboard.html", {"project": project, "stats": stats})


@login_required
def simulate(request: HttpRequest, slug: str) -> HttpResponse:
    project = _hindsight(job_project(request.user, slug))
    can_launch = can_run_jobs(request.user)
    initial = {**jobs.simulation_config_defaults(), **(selectors.last_simulation_config(project=project) or {})}
    form = SimulationForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_launch:
            raise PermissionDenied("Only admins may launch outcome simulations.")
        if form.is_valid():
            try:
                job = jobs.outcome_simulation_launch(project=project, config=form.config(), launched_by=request.user)
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                messages.success(request, f"Outcome simulation job #{job.pk} queued.")
                return redirect("hindsight:simulate", slug=project.slug)
    context = {
        "project": project,
        "form": form,
        "can_launch": can_launch,
        "import_form": ScenarioImportForm(),
        "coverage": selectors.outcome_coverage(project=project),
        "jobs": selectors.simulation_jobs(project=project)[:20],
    }
    return render(request, "hindsight/simulate.html", context)


@login_required
def import_scenarios(request: HttpRequest, slug: str) -> HttpResponse:
    project = _managed(request, slug)
    if request.method != "POST":
        return redirect("hindsight:simulate", slug=project.slug)
    form = ScenarioImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a scenario file to import.")
        return redirect("hindsight:simulate", slug=project.slug)
    upload = form.cleaned_data["file"]
    try:
        summary = scenarios_import(
            project=project, lines=upload.read().splitlines(), file_name=upload.name, layout=form.cleaned_data["layout"] or None
        )
    except ScenarioImportError as error:
        messages.error(request, f"Nothing imported: {len(error.errors)} problem(s).")
        for problem in error.errors[:MAX_ERRORS_SHOWN]:
            messages.error(request, f"{problem['file']}:{problem['line']}: {problem['field']}: {problem['message']}")
    else:
        messages.success(
            request,
            f"Imported {summary.lines} scenario line(s): {summary.scenarios_created} new scenario(s), "
            f"{summary.responses_created} new response(s), {summary.items_created} new item(s).",
        )
    return redirect("hindsight:simulate", slug=project.slug)


@login_required
def outcomes(request: HttpRequest, slug: str, response_id: int) -> HttpResponse:
    project = _managed(request, slug)
    response = get_object_or_404(selectors.project_responses(project=project).select_related("prompt"), pk=response_id)
    context = {"project": project, "response": response, "versions": selectors.outcome_versions(response=response)}
    return render(request, "hindsight/outcomes.html", context)
