"""The arena: blind pairwise battles between policy checkpoints and imported models' outputs on
held-out prompts, voted on by annotators, and the project's leaderboard computed from the votes.

A battle is an ordinary comparison item of the project (annotators meet it in the same workspace,
blind, in random display order); `ArenaBattle` records which contestant wrote each of its responses.
The same provenance is on the responses themselves (`model_name` = the contestant's label), so the
datasets app exports battles without reading this table."""
from django.conf import settings
from django.db import models


class Arena(models.Model):
    """Two or more contestants battled on one held-out prompt pool by one sampling job."""

    project = models.ForeignKey("annotation.Project", on_delete=models.CASCADE, related_name="arenas")
    contestants = models.JSONField(
        default=list, help_text='[{"label", "checkpoint_id" (a policy checkpoint) or "model_name" (imported outputs)}]',
    )
    config = models.JSONField(default=dict, help_text="Validated ArenaConfig.")
    job = models.OneToOneField("jobs.TrainingJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="arena")
    summary = models.JSONField(default=dict, blank=True, help_text="Prompts, responses and battles the job made.")
    launched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Arena #{self.pk}: {' vs '.join(c['label'] for c in self.contestants)}"

    @property
    def labels(self) -> list[str]:
        return [contestant["label"] for contestant in self.contestants]


class ArenaBattle(models.Model):
    """One battle item of an arena and the contestants behind its two responses (stored order)."""

    arena = models.ForeignKey(Arena, on_delete=models.CASCADE, related_name="battles")
    item = models.ForeignKey("annotation.Item", on_delete=models.CASCADE, related_name="+")
    model_1 = models.CharField(max_length=300, help_text="Contestant whose response is the item's response_1.")
    model_2 = models.CharField(max_length=300, help_text="Contestant whose response is the item's response_2.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["arena", "item"], name="one_battle_per_arena_item")]

    def __str__(self) -> str:
        return f"{self.model_1} vs {self.model_2} (item {self.item_id})"


class ArenaLeaderboard(models.Model):
    """A project's leaderboard as last computed in the background (`leaderboard.arena_leaderboard_refresh`),
    so that no request reads all of the project's votes. `watermark` says which votes it was computed
    from; the beat task recomputes when the votes' watermark moves or `stale` is set (a new arena)."""

    project = models.OneToOneField("annotation.Project", on_delete=models.CASCADE, primary_key=True, related_name="arena_leaderboard")
    payload = models.JSONField(default=dict)
    watermark = models.CharField(max_length=200, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    stale = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"Arena leaderboard of {self.project_id} as of {self.computed_at}"
