"""A judge run: one model (a registered reward model, or a causal LM with a judging prompt) labelling a
project's pairs once. Its labels are annotations of source MODEL whose `judge` is the run's `label`, so
the apps below `training` (exports, the dashboard) recognise them without reading this table."""
from django.conf import settings
from django.db import models


class JudgeKind(models.TextChoices):
    REWARD_MODEL = "reward_model", "Reward model"
    LM = "lm", "Causal LM with a judging prompt"


class JudgeRun(models.Model):
    project = models.ForeignKey("annotation.Project", on_delete=models.CASCADE, related_name="judge_runs")
    kind = models.CharField(max_length=20, choices=JudgeKind.choices)
    reward_model = models.ForeignKey("training.RewardModel", null=True, blank=True, on_delete=models.SET_NULL, related_name="judge_runs")
    model_path = models.CharField(max_length=1000, blank=True, help_text="The LM judge's folder (or hub id).")
    label = models.CharField(max_length=300, help_text="Stored on each of its labels (Annotation.judge); unique.")
    config = models.JSONField(default=dict, help_text="Validated JudgeConfig.")
    job = models.OneToOneField("jobs.TrainingJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="judge_run")
    summary = models.JSONField(default=dict, blank=True, help_text="Items judged, labels stored, no verdict, strengths.")
    launched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["label"], name="unique_judge_label")]

    def __str__(self) -> str:
        return self.label
