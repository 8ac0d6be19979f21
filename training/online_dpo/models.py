"""The policy side of online DPO: the registry of policy checkpoints, and runs of chained rounds.

A run is N rounds launched together; each round is one `online_dpo` job that samples the current
policy, scores the samples with the reward model, picks pairs, routes a slice of them to annotators,
trains DPO and evaluates the new policy on held-out prompts. The round's figures live here; the job
keeps progress, logs and the training curve (JobMetric, split "dpo").
"""
from django.conf import settings
from django.db import models

from training.policies.models import PolicyCheckpoint


class RunMode(models.TextChoices):
    PROXY = "proxy", "Proxy: train on reward-model labels; human labels accrue for the next reward model"
    HUMAN = "human", "Human: wait for the human slice, train on human labels where given"


class OnlineRun(models.Model):
    """N chained online DPO rounds launched together with one configuration."""

    project = models.ForeignKey("annotation.Project", on_delete=models.CASCADE, related_name="online_runs")
    config = models.JSONField(default=dict, help_text="Validated round configuration shared by every round.")
    rounds_requested = models.PositiveIntegerField()
    initial_checkpoint = models.ForeignKey(
        PolicyCheckpoint, on_delete=models.PROTECT, related_name="runs_started",
        help_text="The policy round 1 starts from, and the reference when reference = initial.",
    )
    reward_model = models.ForeignKey(
        "training.RewardModel", null=True, blank=True, on_delete=models.SET_NULL, related_name="online_runs",
        help_text="Scores samples; empty means the project's active reward model at each round.",
    )
    launched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Online run #{self.pk} ({self.rounds_requested} rounds)"

    @property
    def mode(self) -> str:
        return self.config.get("mode", RunMode.PROXY)


class RoundStep(models.TextChoices):
    """How far a round got; a resumed job continues from here."""

    PENDING = "pending", "Not started"
    SAMPLED = "sampled", "Sampled, scored, pairs and human slice made"
    WAITING = "waiting", "Waiting for the human slice"
    TRAINED = "trained", "DPO trained and evaluated"
    DONE = "done", "Checkpoint registered"


class OnlineRound(models.Model):
    run = models.ForeignKey(OnlineRun, on_delete=models.CASCADE, related_name="rounds")
    project = models.ForeignKey("annotation.Project", on_delete=models.CASCADE, related_name="online_rounds")
    index = models.PositiveIntegerField(help_text="1-based position in its run.")
    number = models.PositiveIntegerField(help_text="Project-wide round number, as on responses and items.")
    job = models.OneToOneField("jobs.TrainingJob", on_delete=models.CASCADE, related_name="online_round")
    step = models.CharField(max_length=20, choices=RoundStep.choices, default=RoundStep.PENDING)
    start_checkpoint = models.ForeignKey(PolicyCheckpoint, on_delete=models.PROTECT, related_name="rounds_started")
    checkpoint = models.OneToOneField(
        PolicyCheckpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="made_by_round"
    )
    reward_model = models.ForeignKey(
        "training.RewardModel", null=True, blank=True, on_delete=models.SET_NULL, related_name="online_rounds"
    )
    prompt_ids = models.JSONField(default=list, blank=True, help_text="Training-pool prompts drawn this round.")
    num_samples = models.PositiveIntegerField(default=0)
    pairs = models.JSONField(
        default=list, blank=True,
        help_text="[{prompt, chosen, rejected (response ids), chosen_reward, rejected_reward, gap, item}] — item set for the human slice.",
    )
    human_items = models.ManyToManyField("annotation.Item", blank=True, related_name="online_rounds")
    human_labelled = models.PositiveIntegerField(default=0, help_text="Slice items with a human preference so far.")
    mismatch_count = models.PositiveIntegerField(default=0)
    mismatch_rate = models.FloatField(null=True, blank=True, help_text="Share of human-labelled slice pairs the RM ordered the other way.")
    human_pairs_used = models.PositiveIntegerField(default=0, help_text="Pairs DPO trained on with the human label.")
    margin_start = models.FloatField(null=True, blank=True, help_text="DPO implicit reward margin before training.")
    margin_end = models.FloatField(null=True, blank=True)
    mean_reward = models.FloatField(null=True, blank=True, help_text="Held-out mean reward of the new policy.")
    previous_mean_reward = models.FloatField(null=True, blank=True, help_text="Same, for the policy it started from.")
    win_rate = models.FloatField(null=True, blank=True, help_text="Against the previous policy under the reward model.")
    kl = models.FloatField(null=True, blank=True, help_text="Monte-Carlo KL estimate to the DPO reference.")
    mean_length = models.FloatField(null=True, blank=True, help_text="Mean response length in tokens (held-out).")
    evaluation = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="unique_round_number_per_project"),
            models.UniqueConstraint(fields=["run", "index"], name="unique_round_index_per_run"),
        ]

    def __str__(self) -> str:
        return f"Round {self.number} of {self.project}"

    @property
    def status(self) -> str:
        """The round's job status (queued, running, waiting, succeeded, failed, cancelled)."""
        return self.job.status
