from django.contrib import admin

from training.policies.models import PolicyCheckpoint


@admin.register(PolicyCheckpoint)
class PolicyCheckpointAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "round", "base_model", "parent", "created_at"]
    list_filter = ["project"]
