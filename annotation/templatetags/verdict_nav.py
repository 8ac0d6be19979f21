"""The project navigation every project page shows (`templates/_project_nav.html`, included by
base.html whenever a page has a `project`, and by the project list's cards). Links are chosen by
role here; each page still checks permissions itself."""
from typing import Any

from django import template

from annotation.models import Project
from annotation.permissions import can_annotate, can_manage_project

register = template.Library()


@register.inclusion_tag("_project_nav.html", takes_context=True)
def project_nav(context: template.Context, project: Project, show_name: bool = True) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"project": project, "can_annotate": False, "can_manage": False}
    return {
        "project": project,
        "show_name": show_name,
        "current": request.path,
        "can_annotate": can_annotate(user, project),
        "can_manage": can_manage_project(user, project),
    }
