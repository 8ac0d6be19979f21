"""Browser pages. The annotation workspace itself is a small vanilla-JS client of the REST API."""
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from annotation import selectors, services, stats
from annotation.forms import AddMemberForm, ProjectForm
from annotation.listing import list_page
from annotation.models import Annotation, Project, SkipReason
from annotation.permissions import (
    can_annotate,
    is_researcher,
    managed_project,
    project_for_annotation,
    visible_projects,
)


def _managed(request: HttpRequest, slug: str) -> Project:
    return managed_project(request.user, slug, "Only the project's researchers and admins may see this page.")


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    listing = list_page(request, visible_projects(request.user), search=("name", "slug"), search_label="Search projects")
    page = list(listing)
    progress = selectors.projects_progress(projects=page, annotator=request.user)  # one query for the page
    projects = [{"project": project, "progress": progress[project.pk]} for project in page]
    context = {"projects": projects, "listing": listing, "can_create": is_researcher(request.user)}
    return render(request, "annotation/project_list.html", context)


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    if not is_researcher(request.user):
        raise PermissionDenied("Only researchers and admins may create projects.")
    form = ProjectForm(request.POST or None, initial={"task_types": ["pairwise", "likert"], "attribute_schema": Project().attribute_schema})
    if request.method == "POST" and form.is_valid():
        project = services.project_create(created_by=request.user, **form.project_fields())
        messages.success(request, f"Created {project.name}. Next, import its prompts and responses.")
        # The next step of a new project is its data (a hindsight project imports scenarios instead).
        if project.is_hindsight:
            return redirect("hindsight:simulate", slug=project.slug)
        return redirect("datasets_app:project_import", slug=project.slug)
    return render(request, "annotation/project_form.html", {"form": form, "creating": True})


@login_required
def project_settings(request: HttpRequest, slug: str) -> HttpResponse:
    project = _managed(request, slug)
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        fields = form.project_fields()
        services.project_update(project=Project.objects.get(pk=project.pk), **fields)
        messages.success(request, "Settings saved.")
        return redirect("annotation:project_settings", slug=fields["slug"])
    members = project.memberships.select_related("user").order_by("user__username")
    return render(
        request,
        "annotation/project_form.html",
        {"form": form, "project": project, "members": members, "member_form": AddMemberForm()},
    )


@login_required
def project_add_member(request: HttpRequest, slug: str) -> HttpResponse:
    project = _managed(request, slug)
    form = AddMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
        if user is None:
            messages.error(request, f"No user named '{form.cleaned_data['username']}'.")
        else:
            services.membership_add(project=project, user=user)
            messages.success(request, f"{user.username} added.")
    return redirect("annotation:project_settings", slug=project.slug)


@login_required
def project_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    project = _managed(request, slug)
    stored = stats.project_stats_current(project=project)
    age_seconds = max(0, round((timezone.now() - stored.computed_at).total_seconds()))
    paused = selectors.paused_annotators(project=project)
    return render(
        request,
        "annotation/dashboard.html",
        {
            "project": project, "stats": stored.payload, "computed_at": stored.computed_at, "age_seconds": age_seconds,
            "stale": stored.stale, "paused": paused, "judge_buckets": ("1", "2", "3", "all"),
            "chart_data": {**stored.payload, "paused_annotators": paused},
        },
    )


@login_required
@require_POST
def project_pause_annotator(request: HttpRequest, slug: str) -> HttpResponse:
    project = _managed(request, slug)
    username = request.POST.get("username", "")
    user = selectors.project_member(project=project, username=username)
    if user is None:
        messages.error(request, f"{username or 'Nobody'} is not a member of this project.")
    else:
        paused = request.POST.get("paused") == "1"
        services.membership_pause(project=project, user=user, paused=paused)
        messages.success(request, f"{username} is paused: no new tasks in this project." if paused else f"{username} may annotate again.")
    return redirect("annotation:project_dashboard", slug=project.slug)


@login_required
def annotate(request: HttpRequest, slug: str) -> HttpResponse:
    project = project_for_annotation(request.user, slug)
    if not can_annotate(request.user, project):
        raise PermissionDenied("You are not an annotator of this project.")
    if project.is_hindsight:
        return redirect("hindsight:annotate", slug=project.slug)
    return render(
        request, "annotation/annotate.html",
        {"project": project, "skip_reasons": SkipReason.choices, "paused": selectors.is_paused(project=project, user=request.user)},
    )


# What the workspace's preference buttons say, by strength relative to the order shown.
PREFERENCE_SHOWN = {
    -3: "A is much better", -2: "A is better", -1: "A is slightly better", 0: "About the same",
    1: "B is slightly better", 2: "B is better", 3: "B is much better",
}


def _shown_row(annotation: Annotation) -> dict:
    """An annotation as its annotator entered it: slots in the order shown, the preference in the
    buttons' words, each response's scores by attribute."""
    strength, scores = services.as_shown(
        item=annotation.item, swapped=annotation.swapped, strength=annotation.preference_strength,
        scores=annotation.attribute_scores,
    )
    user_turns = [m["content"] for m in annotation.item.prompt.messages if m.get("role") == "user"]
    return {
        "annotation": annotation,
        "prompt": user_turns[-1] if user_turns else "",
        "labels": list(services.SLOTS[: 2 if annotation.item.is_pair else 1]),
        "strength": strength,
        "preference": PREFERENCE_SHOWN.get(strength) if strength is not None else None,
        "scores": [(slot, sorted(values.items())) for slot, values in sorted(scores.items())],
    }


@login_required
def my_annotations(request: HttpRequest, slug: str) -> HttpResponse:
    project = project_for_annotation(request.user, slug)
    # A page at a time (`?page=`, `?q=` searches justifications); `listing` has the page's controls.
    listing = list_page(
        # `review` (the quality app's one-to-one) is shown per row: fetched with the page, not per row.
        request, selectors.annotations_of(annotator=request.user, project=project).select_related("review"),
        search=("justification",), search_label="Search justifications",
    )
    rows = [_shown_row(annotation) for annotation in listing]
    return render(
        request, "annotation/my_annotations.html",
        {
            "project": project, "rows": rows, "listing": listing,
            "can_revise": can_annotate(request.user, project) and not project.is_hindsight,
        },
    )
