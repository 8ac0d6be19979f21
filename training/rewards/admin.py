from django.contrib import admin

from training.rewards.models import RewardModel


@admin.register(RewardModel)
class RewardModelAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "objective", "base_model", "aggregation", "is_active", "created_at"]
    list_filter = ["objective", "is_active", "project"]
    readonly_fields = ["is_active", "job", "path", "member_paths", "metrics", "data_source", "activated_at", "created_at"]
