"""API output shape of a job."""
from rest_framework import serializers

from jobs.models import TrainingJob


class JobSerializer(serializers.ModelSerializer):
    launched_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = TrainingJob
        fields = [
            "id", "project", "kind", "status", "stage", "progress_step", "progress_total", "fraction_done", "config",
            "summary", "error", "cancel_requested", "restart_of", "dataset_version", "launched_by", "created_at", "started_at",
            "finished_at",
        ]
        read_only_fields = fields
