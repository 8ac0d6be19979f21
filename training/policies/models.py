"""The registry of policy checkpoints a project can sample from."""
from django.db import models


class PolicyCheckpoint(models.Model):
    """A causal LM the project can sample from: a bootstrapped tiny policy, an external path or hub
    id, or the result of a DPO round (then `parent` is the policy the round started from)."""

    project = models.ForeignKey("annotation.Project", on_delete=models.CASCADE, related_name="policy_checkpoints")
    name = models.CharField(max_length=200)
    base_model = models.CharField(max_length=500, help_text="The model the chain started from (path or hub id).")
    path = models.CharField(
        max_length=1000, help_text="What AutoModelForCausalLM loads: a folder or hub id (a merged checkpoint for rounds)."
    )
    adapter_path = models.CharField(max_length=1000, blank=True, help_text="LoRA adapter folder, when kept unmerged.")
    merged_path = models.CharField(max_length=1000, blank=True, help_text="Folder with the adapter merged into the weights.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    round = models.PositiveIntegerField(null=True, blank=True, help_text="Project-wide number of the round that made it.")
    metrics = models.JSONField(default=dict, blank=True, help_text="Held-out evaluation and DPO margins of its round.")
    created_by_job = models.ForeignKey(
        "jobs.TrainingJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="policy_checkpoints"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def load_path(self) -> str:
        """The merged folder when there is one, else `path`."""
        return self.merged_path or self.path
