from django.contrib import admin

from annotation.models import Annotation, Assignment, Item, Membership, Project, Prompt, Response


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "overlap", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["project", "user", "created_at"]
    list_filter = ["project"]


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "__str__", "created_at"]
    list_filter = ["project"]
    readonly_fields = ["content_hash"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["id", "prompt", "source", "model_name", "round", "created_at"]
    list_filter = ["source", "model_name", "round"]
    readonly_fields = ["content_hash"]
    raw_id_fields = ["prompt"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "is_gold", "round", "completed_count", "priority"]
    list_filter = ["project", "is_gold", "round"]
    raw_id_fields = ["prompt", "response_1", "response_2"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["id", "item", "annotator", "state", "swapped", "lease_expires_at"]
    list_filter = ["state"]
    raw_id_fields = ["item"]


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ["id", "item", "annotator", "source", "preference_strength", "created_at"]
    list_filter = ["source", "item__project"]
    raw_id_fields = ["item"]
