from django.contrib import admin

from datasets_app.models import DatasetVersion, ImportRecord


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    list_display = ["file_name", "project", "format", "status", "items_created", "created_by", "created_at"]
    list_filter = ["status", "format", "project"]
    readonly_fields = [field.name for field in ImportRecord._meta.fields]


@admin.register(DatasetVersion)
class DatasetVersionAdmin(admin.ModelAdmin):
    """Read-only: versions are made by the export service and never edited."""

    list_display = ["project", "version", "format", "status", "progress", "created_by", "created_at"]
    list_filter = ["status", "format", "project"]
    readonly_fields = [field.name for field in DatasetVersion._meta.fields] + ["source_projects"]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
