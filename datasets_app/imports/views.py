"""Import pages: upload a file into a project, see past imports and a failed one's error report."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from annotation.listing import ListFilter, list_page
from annotation.models import Project
from annotation.permissions import managed_project
from datasets_app.imports.services import UploadTooLarge, items_import
from datasets_app.models import ImportFormat, ImportStatus


class ImportForm(forms.Form):
    file = forms.FileField(help_text="JSONL or CSV (optionally .gz), or a .zip of a folder written by save_to_disk.")
    format = forms.ChoiceField(choices=ImportFormat.choices, initial=ImportFormat.AUTO)


def _managed(request: HttpRequest, slug: str) -> Project:
    return managed_project(request.user, slug, "Only the project's researchers and admins may import data.")


def _import_upload(request: HttpRequest, project: Project, form: ImportForm) -> HttpResponse | None:
    """Import the form's file and redirect; None (the form then shows why) when the file is too large."""
    upload = form.cleaned_data["file"]
    try:
        record = items_import(
            project=project, path_or_file=upload, file_name=upload.name,
            format=form.cleaned_data["format"], user=request.user,
        )
    except UploadTooLarge as error:
        form.add_error("file", str(error))
        return None
    if record.status == ImportStatus.FAILED:
        messages.error(request, f"Nothing was imported from {record.file_name}: see the errors below.")
        return redirect("datasets_app:import_detail", slug=project.slug, record_id=record.pk)
    messages.success(
        request,
        f"Imported {record.file_name}: {record.items_created} new items, {record.annotations_created} new annotations.",
    )
    return redirect("datasets_app:project_import", slug=project.slug)


@login_required
def project_import(request: HttpRequest, slug: str) -> HttpResponse:
    project = _managed(request, slug)
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        response = _import_upload(request, project, form)
        if response is not None:
            return response
        status = 413  # the file was too large
    records = list_page(
        request, project.imports.select_related("created_by"), search=("file_name",), search_label="File name",
        filters=[
            ListFilter("status", "Status", "status", ImportStatus.choices),
            ListFilter("format", "Format", "format", ImportFormat.choices),
            ListFilter("by", "By (username)", "created_by__username"),
        ],
    )
    return render(request, "datasets_app/import.html", {"project": project, "form": form, "records": records}, status=status)


@login_required
def import_detail(request: HttpRequest, slug: str, record_id: int) -> HttpResponse:
    project = _managed(request, slug)
    record = get_object_or_404(project.imports.select_related("created_by"), pk=record_id)
    return render(request, "datasets_app/import_detail.html", {"project": project, "record": record})
