"""REST API of imports: POST a file into a project, GET the project's import records."""
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.permissions import managed_project
from datasets_app.imports.services import UploadTooLarge, items_import
from datasets_app.models import ImportFormat, ImportRecord, ImportStatus
from verdict.pagination import LimitOffsetPagination


class ImportRecordSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ImportRecord
        fields = [
            "id", "file_name", "file_sha256", "format", "status", "rows_read", "prompts_created",
            "responses_created", "items_created", "annotations_created", "errors", "created_by", "created_at",
        ]
        read_only_fields = fields


class ImportListCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    # Also what tells the schema generator that GET answers a page ({count, next, previous, results}).
    pagination_class = LimitOffsetPagination
    keyset_ordering = ("-created_at", "-id")  # newest first, as the model orders them

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="JSONL/CSV (optionally .gz), or a .zip of a save_to_disk folder.")
        format = serializers.ChoiceField(choices=ImportFormat.choices, default=ImportFormat.AUTO)

    @extend_schema(responses=ImportRecordSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        project = managed_project(request.user, slug)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(project.imports.select_related("created_by"), request, view=self)
        return paginator.get_paginated_response(ImportRecordSerializer(page, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={
            201: ImportRecordSerializer,
            400: OpenApiResponse(description="Nothing imported: {message, status, errors: [{file, line, field, message}], record}"),
            413: OpenApiResponse(description="The file is larger than VERDICT_IMPORT_MAX_UPLOAD_BYTES; nothing kept: {message, status}"),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        project = managed_project(request.user, slug)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        try:
            record = items_import(
                project=project, path_or_file=upload, file_name=upload.name,
                format=serializer.validated_data["format"], user=request.user,
            )
        except UploadTooLarge as error:
            too_large = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            return Response({"message": str(error), "status": too_large}, status=too_large)
        data = ImportRecordSerializer(record).data
        if record.status == ImportStatus.FAILED:
            body = {
                "message": f"Import failed with {len(record.errors)} error(s); nothing was written.",
                "status": status.HTTP_400_BAD_REQUEST,
                "errors": record.errors,
                "record": data,
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(data, status=status.HTTP_201_CREATED)
