from django.contrib import admin

from jobs.models import Artifact, JobMetric, TrainingJob


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
