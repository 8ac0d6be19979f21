"""API input/output shapes of the arena."""
from rest_framework import serializers

MAX_ID = 2**63 - 1  # the largest primary key a database column holds
MAX_LISTED = 100  # far above an arena's contestants; the service names the real limit


class ArenaLaunchSerializer(serializers.Serializer):
    checkpoints = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list, max_length=MAX_LISTED,
        help_text="Policy checkpoint ids of the project.",
    )
    model_names = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, default=list, max_length=MAX_LISTED,
        help_text="Models whose imported responses compete (their `model_name`).",
    )
    config = serializers.JSONField(required=False, default=dict, help_text="ArenaConfig settings (pool, prompts, temperature, …).")


class LeaderboardRowSerializer(serializers.Serializer):
    model = serializers.CharField()
    elo = serializers.FloatField()
    elo_interval = serializers.ListField(child=serializers.FloatField(), allow_null=True, help_text="Bootstrap 95 % interval.")
    strength = serializers.FloatField(help_text="Centred Bradley–Terry log-odds.")
    votes = serializers.IntegerField()
    wins = serializers.FloatField(help_text="Ties count ½.")
    win_rate = serializers.FloatField(allow_null=True)
    checkpoint_id = serializers.IntegerField(allow_null=True)
    round = serializers.IntegerField(allow_null=True)


class LeaderboardSerializer(serializers.Serializer):
    players = LeaderboardRowSerializer(many=True, required=False)
    models = serializers.ListField(child=serializers.CharField(), required=False)
    win_rate = serializers.ListField(child=serializers.ListField(child=serializers.FloatField(allow_null=True)), required=False,
                                     help_text="win_rate[i][j]: share of i's votes against j that i won (ties ½).")
    battle_counts = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()), required=False)
    votes = serializers.IntegerField(required=False)
    computed_at = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField()
