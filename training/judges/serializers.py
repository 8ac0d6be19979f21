"""API input/output shapes of model judges."""
from rest_framework import serializers

from training.judges.models import JudgeRun


class JudgeLaunchSerializer(serializers.Serializer):
    config = serializers.JSONField(required=False, default=dict,
                                   help_text="JudgeConfig settings (judge, reward_model or model_path, prompt_template, items, …).")


class JudgeRunSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="job.status", default=None)
    launched_by = serializers.CharField(source="launched_by.username", default=None)

    class Meta:
        model = JudgeRun
        fields = ["id", "label", "kind", "reward_model", "model_path", "config", "job", "status", "summary", "launched_by", "created_at"]
