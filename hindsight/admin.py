from django.contrib import admin

from hindsight.models import HindsightJudgement, Scenario, SimulatedOutcome


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
