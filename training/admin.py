from django.contrib import admin

from training.models import Artifact, JobMetric, OnlineRound, OnlineRun, PolicyCheckpoint, RewardModel, TrainingJob


class ArtifactInline(admin.TabularInline):
    model = Artifact
    extra = 0


@admin.register(TrainingJob)
class TrainingJobAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "kind", "status", "progress_step", "progress_total", "launched_by", "created_at"]
    list_filter = ["kind", "status", "project"]
    inlines = [ArtifactInline]


@admin.register(JobMetric)
class JobMetricAdmin(admin.ModelAdmin):
    list_display = ["job", "step", "epoch", "split", "created_at"]
    list_filter = ["split"]


@admin.register(Artifact)
class ArtifactAdmin(admin.ModelAdmin):
    list_display = ["name", "job", "ready", "path", "created_at"]
    list_filter = ["ready"]


@admin.register(RewardModel)
class RewardModelAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "objective", "base_model", "aggregation", "is_active", "created_at"]
    list_filter = ["objective", "is_active", "project"]
    readonly_fields = ["is_active", "job", "path", "member_paths", "metrics", "data_source", "activated_at", "created_at"]


@admin.register(PolicyCheckpoint)
class PolicyCheckpointAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "round", "base_model", "parent", "created_at"]
    list_filter = ["project"]


@admin.register(OnlineRun)
class OnlineRunAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "rounds_requested", "created_at"]
    list_filter = ["project"]


@admin.register(OnlineRound)
class OnlineRoundAdmin(admin.ModelAdmin):
    list_display = ["id", "run", "number", "step", "mean_reward", "win_rate", "kl", "mismatch_rate"]
    list_filter = ["step"]
