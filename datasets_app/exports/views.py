"""Pages for dataset versions: the list with progress and downloads, the form that creates one."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from annotation.listing import ListFilter, list_page
from annotation.models import Project
from annotation.permissions import can_manage_project, managed_project, visible_projects
from datasets_app.exports import selectors
from datasets_app.exports.builders.policy import (
    AGGREGATIONS,
    CONTAINERS,
    JUDGE_EXCLUDE,
    JUDGE_FILL,
    NEITHER_POLICIES,
    TRL_STYLES,
    ExportPolicy,
)
from datasets_app.exports.services import DatasetVersionNotFailed, dataset_version_create, dataset_version_rebuild
from datasets_app.exports.storage import download_response, open_verified
from datasets_app.exports.waiting import dataset_version_wait_reason
from datasets_app.models import DatasetFormat, DatasetStatus

DEFAULTS = ExportPolicy()


def _managed(request: HttpRequest, slug: str) -> Project:
    return managed_project(request.user, slug, "Only the project's researchers and admins may export datasets.")


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class DatasetVersionForm(forms.Form):
    format = forms.ChoiceField(choices=DatasetFormat.choices)
    containers = forms.MultipleChoiceField(
        choices=[(c, c) for c in CONTAINERS], initial=list(CONTAINERS), widget=forms.CheckboxSelectMultiple
    )
    validation_fraction = forms.FloatField(min_value=0.0, max_value=0.99, initial=DEFAULTS.validation_fraction)
    max_spread = forms.IntegerField(min_value=0, max_value=6, initial=DEFAULTS.max_spread, help_text="Drop pairs whose three most similar strengths spread more than this.")
    drop_ties = forms.BooleanField(required=False, initial=True, help_text="Drop pairs whose aggregate strength is 0.")
    min_agreement = forms.FloatField(required=False, min_value=0.0, max_value=1.0, help_text="Optional: keep items whose annotator agreement is at least this.")
    neither_acceptable = forms.ChoiceField(choices=[(p, p) for p in NEITHER_POLICIES])
    trl_style = forms.ChoiceField(choices=[(s, s) for s in TRL_STYLES], help_text="trl-preference only.")
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    annotators = forms.CharField(required=False, help_text="Usernames, comma-separated; empty = everyone.")
    exclude_annotators = forms.CharField(required=False, help_text="Usernames whose labels are left out, comma-separated.")
    aggregation = forms.ChoiceField(
        choices=[(a, a.replace("_", " ")) for a in AGGREGATIONS], initial="most_agreeing", required=False,
        help_text="Pair formats: the three most agreeing (HelpSteer2), or every judgement weighted by its annotator's reliability.",
    )
    judge_labels = forms.ChoiceField(
        choices=[(JUDGE_EXCLUDE, "exclude (people's labels only)"), (JUDGE_FILL, "fill unlabelled items (RLAIF)")],
        initial=JUDGE_EXCLUDE, required=False,
        help_text="Pair formats: model judges' labels for the items no person has labelled; the card counts them by judge.",
    )
    rounds = forms.CharField(required=False, help_text="Round numbers, comma-separated.")
    model_names = forms.CharField(required=False, help_text="Response model names, comma-separated.")
    include_imported = forms.BooleanField(required=False, initial=True)
    extra_projects = forms.ModelMultipleChoiceField(queryset=Project.objects.none(), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user=None, project=None, **kwargs) -> None:  # noqa: ANN001, ANN003
        super().__init__(*args, **kwargs)
        choices = [p.pk for p in visible_projects(user).exclude(pk=project.pk) if can_manage_project(user, p)]
        self.fields["extra_projects"].queryset = Project.objects.filter(pk__in=choices).order_by("name")

    def clean_rounds(self) -> list[int]:
        try:
            return [int(part) for part in _names(self.cleaned_data["rounds"])]
        except ValueError:
            raise forms.ValidationError("Give round numbers separated by commas.") from None

    def definition(self) -> dict:
        data = self.cleaned_data
        policy_keys = ("validation_fraction", "max_spread", "drop_ties", "min_agreement", "neither_acceptable", "trl_style",
                       "containers", "aggregation")
        return {
            "format": data["format"],
            "policy": {**{key: data[key] for key in policy_keys}, "aggregation": data["aggregation"] or "most_agreeing",
                       "judge_labels": data["judge_labels"] or JUDGE_EXCLUDE},
            "filters": {
                "date_from": data["date_from"], "date_to": data["date_to"], "annotators": _names(data["annotators"]),
                "exclude_annotators": _names(data["exclude_annotators"]),
                "rounds": data["rounds"], "model_names": _names(data["model_names"]), "include_imported": data["include_imported"],
            },
            "extra_projects": list(data["extra_projects"]),
        }


@login_required
def dataset_list(request: HttpRequest, slug: str) -> HttpResponse:
    project = _managed(request, slug)
    form = DatasetVersionForm(request.POST or None, user=request.user, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            version = dataset_version_create(project=project, created_by=request.user, **form.definition())
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, f"Version {version.version} is queued.")
            return redirect("datasets_app:dataset_list", slug=project.slug)
    all_versions = selectors.dataset_versions_of(project=project).select_related("build_job")
    versions = list_page(request, all_versions, filters=[
        ListFilter("status", "Status", "status", DatasetStatus.choices),
        ListFilter("format", "Format", "format", DatasetFormat.choices),
        ListFilter("by", "Made by (username)", "created_by__username"),
    ])
    for version in versions:
        version.wait_reason = dataset_version_wait_reason(version)  # empty unless queued
    busy = all_versions.filter(status__in=(DatasetStatus.QUEUED, DatasetStatus.RUNNING)).exists()
    return render(request, "datasets_app/datasets.html", {"project": project, "form": form, "versions": versions, "busy": busy})


@login_required
@require_POST
def dataset_rebuild(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    dataset_version = selectors.dataset_version_of(project=_managed(request, slug), version=version)
    try:
        dataset_version = dataset_version_rebuild(version=dataset_version, launched_by=request.user)
    except DatasetVersionNotFailed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Version {dataset_version.version} is queued to be rebuilt.")
    return redirect("datasets_app:dataset_list", slug=slug)


@login_required
def dataset_download(request: HttpRequest, slug: str, version: int, path: str | None = None) -> FileResponse:
    dataset_version = selectors.dataset_version_of(project=_managed(request, slug), version=version)
    entry = selectors.dataset_file_entry(dataset_version=dataset_version, path=path) if dataset_version.is_ready else None
    if entry is None:
        raise Http404("No such file in this dataset version.")
    handle = open_verified(dataset_version, entry["path"])  # a corrupted file is a server error, logged
    filename = dataset_version.zip_name if path is None else entry["path"].replace("/", "-")
    return download_response(handle, filename)
