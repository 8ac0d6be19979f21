"""REST API of dataset versions: list/create under a project, detail, download. Researchers and admins
of the project only; annotators get 403, non-members 404."""
from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from annotation.permissions import managed_project
from datasets_app.exports import selectors
from datasets_app.exports.builders.policy import CONTAINERS
from datasets_app.exports.services import DatasetVersionNotFailed, dataset_version_create, dataset_version_rebuild
from datasets_app.exports.storage import DatasetFileCorrupted, download_response, open_verified
from datasets_app.models import DatasetFormat, DatasetVersion
from verdict.api_errors import Conflict


class DatasetVersionOutputSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.slug")
    source_projects = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    created_by = serializers.CharField(source="created_by.username", default=None)
    files = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DatasetVersion
        fields = [
            "id", "project", "version", "source_projects", "format", "filters", "policy", "status", "progress",
            "error", "row_counts", "stats", "files", "download_url", "created_by", "created_at", "started_at",
            "finished_at", "build_job",
        ]

    def _download(self, version: DatasetVersion) -> str:
        return reverse(
            "api-dataset-download", kwargs={"slug": version.project.slug, "version": version.version},
            request=self.context.get("request"),
        )

    def get_download_url(self, version: DatasetVersion) -> str | None:
        return self._download(version) if version.is_ready else None

    def get_files(self, version: DatasetVersion) -> list[dict]:
        base = self._download(version)
        return [{**entry, "url": f"{base}?file={entry['path']}"} for entry in version.files]


class DatasetVersionInputSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=DatasetFormat.choices)
    filters = serializers.DictField(required=False, default=dict, help_text="date_from, date_to, annotators, exclude_annotators (usernames whose labels are left out), rounds, model_names, include_imported, review")
    policy = serializers.DictField(
        required=False, default=dict,
        help_text=f"validation_fraction, split_seed, use_declared_split, max_spread, drop_ties, min_agreement, neither_acceptable, trl_style, aggregation, judge_labels (exclude | fill: model judges label the items no person labelled), containers ({', '.join(CONTAINERS)})",
    )
    extra_projects = serializers.ListField(child=serializers.SlugField(), required=False, default=list)


class DatasetVersionListCreateApi(APIView):
    @extend_schema(responses=DatasetVersionOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        project = managed_project(request.user, slug)
        versions = selectors.dataset_versions_of(project=project).select_related("project").prefetch_related("source_projects")
        return Response(DatasetVersionOutputSerializer(versions, many=True, context={"request": request}).data)

    @extend_schema(request=DatasetVersionInputSerializer, responses={201: DatasetVersionOutputSerializer})
    def post(self, request: Request, slug: str) -> Response:
        project = managed_project(request.user, slug)
        serializer = DatasetVersionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        extra = [managed_project(request.user, extra_slug) for extra_slug in data["extra_projects"]]
        version = dataset_version_create(
            project=project, format=data["format"], created_by=request.user, filters=data["filters"],
            policy=data["policy"], extra_projects=extra,
        )
        return Response(DatasetVersionOutputSerializer(version, context={"request": request}).data, status=status.HTTP_201_CREATED)


class DatasetVersionDetailApi(APIView):
    @extend_schema(responses=DatasetVersionOutputSerializer)
    def get(self, request: Request, slug: str, version: int) -> Response:
        dataset_version = selectors.dataset_version_of(project=managed_project(request.user, slug), version=version)
        return Response(DatasetVersionOutputSerializer(dataset_version, context={"request": request}).data)


class DatasetVersionRebuildApi(APIView):
    @extend_schema(request=None, responses={201: DatasetVersionOutputSerializer, 409: None})
    def post(self, request: Request, slug: str, version: int) -> Response:
        dataset_version = selectors.dataset_version_of(project=managed_project(request.user, slug), version=version)
        try:
            dataset_version = dataset_version_rebuild(version=dataset_version, launched_by=request.user)
        except DatasetVersionNotFailed as error:
            raise Conflict(str(error)) from None
        return Response(DatasetVersionOutputSerializer(dataset_version, context={"request": request}).data, status=status.HTTP_201_CREATED)


class DatasetVersionDownloadApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("file", str, description="One file's path; default: the zip of all files.")],
        responses={200: OpenApiResponse(description="The file."), 409: None},
    )
    def get(self, request: Request, slug: str, version: int) -> Response | FileResponse:
        dataset_version = selectors.dataset_version_of(project=managed_project(request.user, slug), version=version)
        if not dataset_version.is_ready:
            raise Conflict(f"This version is {dataset_version.status}.")
        entry = selectors.dataset_file_entry(dataset_version=dataset_version, path=request.query_params.get("file"))
        if entry is None:
            raise NotFound("No such file in this dataset version.")
        try:
            handle = open_verified(dataset_version, entry["path"])
        except DatasetFileCorrupted as error:
            raise APIException(str(error)) from error
        filename = dataset_version.zip_name if entry["path"] == dataset_version.zip_name else entry["path"].replace("/", "-")
        return download_response(handle, filename)
