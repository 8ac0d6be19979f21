"""API input shapes of online DPO runs. Services validate the configuration."""
from rest_framework import serializers


class RunLaunchSerializer(serializers.Serializer):
    rounds = serializers.IntegerField(min_value=1)
    config = serializers.JSONField(required=False, default=dict)
    start_checkpoint = serializers.IntegerField(required=False, allow_null=True, default=None)
    reward_model = serializers.IntegerField(required=False, allow_null=True, default=None)
