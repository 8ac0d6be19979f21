from django.contrib import admin

from datasets_app.models import ImportRecord


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    list_display = ["file_name", "project", "format", "status", "items_created", "created_by", "created_at"]
    list_filter = ["status", "format", "project"]
    readonly_fields = [field.name for field in ImportRecord._meta.fields]
