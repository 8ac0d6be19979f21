"""API input/output shapes of the policy registry."""
from rest_framework import serializers

from training.policies.models import PolicyCheckpoint


class BootstrapSerializer(serializers.Serializer):
    config = serializers.JSONField(required=False, default=dict, help_text="Tiny-policy settings (vocab_size, max_steps, …).")


class CheckpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyCheckpoint
        fields = ["id", "name", "base_model", "path", "adapter_path", "merged_path", "parent", "round", "metrics", "created_by_job", "created_at"]
