"""API input/output shapes of reward-model jobs and the registry. Services validate."""
from rest_framework import serializers

from jobs.models import JobKind
from training.rewards import selectors
from training.rewards.config import EVALUATION_SPLITS
from training.rewards.models import RewardAggregation, RewardModel


class JobLaunchSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[JobKind.REWARD_MODEL], default=JobKind.REWARD_MODEL)
    dataset_version = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None,
        help_text="A ready dataset version of the project: its id, or its number as `v3`. Empty: the project's annotations.",
    )
    config = serializers.DictField(
        required=False, default=dict,
        help_text="Reward-model settings (objective, base_model, use_lora, epochs, learning_rate, batch_size, "
        "ensemble_size, aggregation, validation_fraction, …); missing ones take their defaults.",
    )


class RewardModelSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    evidence = serializers.SerializerMethodField(help_text="The largest held-out pairwise result, with its 95 % Wilson interval.")
    activation_problems = serializers.SerializerMethodField(help_text="Why it may not be activated without force (empty: it may).")

    class Meta:
        model = RewardModel
        fields = [
            "id", "project", "job", "name", "path", "member_paths", "ensemble_size", "base_model", "objective", "dataset_version",
            "data_source", "metrics", "aggregation", "uwo_lambda", "is_active", "activated_at", "created_at",
            "evidence", "activation_problems",
        ]
        read_only_fields = fields


    def get_evidence(self, model: RewardModel) -> dict:
        return selectors.pairwise_evidence(model)

    def get_activation_problems(self, model: RewardModel) -> list[str]:
        return selectors.activation_problems(model)


class ActivateInputSerializer(serializers.Serializer):
    aggregation = serializers.ChoiceField(choices=RewardAggregation.choices, required=False)
    uwo_lambda = serializers.FloatField(required=False, min_value=0)
    force = serializers.BooleanField(
        required=False, default=False,
        help_text="Activate even though its held-out pairs do not show it beats chance (too few, or the 95 % interval includes 0.5).",
    )


class EvaluationLaunchSerializer(serializers.Serializer):
    dataset_version = serializers.CharField(
        help_text="A ready pair-format dataset version of the model's project (trl-preference or helpsteer2-preference): "
        "its id, or its number as `v3`.",
    )
    split = serializers.ChoiceField(choices=EVALUATION_SPLITS, default="validation")
    aggregation = serializers.ChoiceField(
        choices=RewardAggregation.choices, required=False, help_text="Ensemble aggregation; omitted: the model's own.",
    )
