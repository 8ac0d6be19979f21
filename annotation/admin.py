from django.contrib import admin

from annotation.models import (
    Annotation,
    Assignment,
    HindsightJudgement,
    Item,
    Membership,
    Project,
    Prompt,
    Response,
    Scenario,
    SimulatedOutcome,
)


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


# ---------------------------------------------------------------- hindsight simulation



@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "external_id", "created_at"]
    list_filter = ["project"]
    search_fields = ["external_id", "hidden_context"]
    raw_id_fields = ["prompt"]


@admin.register(SimulatedOutcome)
class SimulatedOutcomeAdmin(admin.ModelAdmin):
    list_display = ["id", "response", "version", "simulator", "model_path", "job_id", "created_at"]
    list_filter = ["simulator"]
    raw_id_fields = ["response"]
    readonly_fields = ["template_hash", "created_at"]


@admin.register(HindsightJudgement)
class HindsightJudgementAdmin(admin.ModelAdmin):
    list_display = ["id", "item", "annotator", "foresight_rating", "revealed_at", "hindsight_rating", "keep"]
    list_filter = ["item__project"]
    raw_id_fields = ["assignment", "item", "outcome_1", "outcome_2", "annotation"]

    # Read-only: a foresight rating edited after the reveal would defeat the point of the data.
    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
