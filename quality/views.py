"""Pages of label quality: the review and adjudication workspaces (driven by static/js/quality.js)."""
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from quality.permissions import reviewed_project


@login_required
def review(request: HttpRequest, slug: str) -> HttpResponse:
    project = reviewed_project(request.user, slug)
    return render(request, "quality/review.html", {"project": project})


@login_required
def adjudicate(request: HttpRequest, slug: str) -> HttpResponse:
    project = reviewed_project(request.user, slug)
    return render(request, "quality/adjudicate.html", {"project": project})
