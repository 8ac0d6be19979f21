"""The registry of trained reward models (and ensembles) of a project."""
from django.db import models


class RewardAggregation(models.TextChoices):
    """How an ensemble's member scores become one reward (Coste et al., arXiv 2310.02743)."""

    MEAN = "mean", "Mean"
    MIN = "min", "Worst case (min)"
    UWO = "uwo", "Uncertainty-weighted (mean − λ·variance)"


class RewardModel(models.Model):
    """A trained reward model (or an ensemble of k members) in the project's registry. Created only
    when its job succeeded; at most one per project is active (used for scoring and queue ordering)."""

    project = models.ForeignKey("annotation.Project", on_delete=models.CASCADE, related_name="reward_models")
    job = models.OneToOneField("jobs.TrainingJob", on_delete=models.CASCADE, related_name="reward_model")
    name = models.CharField(max_length=200)
    path = models.CharField(max_length=1000, help_text="Folder of the model, or of the ensemble's member-* folders.")
    member_paths = models.JSONField(default=list, help_text="One saved model folder per ensemble member.")
    base_model = models.CharField(max_length=500)
    objective = models.CharField(max_length=40)
    dataset_version = models.ForeignKey(
        "datasets_app.DatasetVersion", null=True, blank=True, on_delete=models.RESTRICT, related_name="reward_models"
    )
    data_source = models.JSONField(default=dict, blank=True, help_text="What it was trained on and how it was split.")
    metrics = models.JSONField(default=dict, blank=True, help_text="Final validation metrics (ensemble mean).")
    aggregation = models.CharField(max_length=10, choices=RewardAggregation.choices, default=RewardAggregation.MEAN)
    uwo_lambda = models.FloatField(default=0.1, help_text="λ of uncertainty-weighted aggregation.")
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"], condition=models.Q(is_active=True), name="one_active_reward_model_per_project"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.objective}{', active' if self.is_active else ''})"

    @property
    def ensemble_size(self) -> int:
        return len(self.member_paths)
