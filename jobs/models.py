"""Background jobs of every kind, their metric time series and artifacts.

The tables keep the names they had when jobs lived in the training app (`training_trainingjob`, …);
the kinds are listed here so the runtime can enqueue and restart any of them without importing the
apps that define their bodies (see `JOB_TASKS`)."""
from django.conf import settings
from django.db import models


class JobKind(models.TextChoices):
    REWARD_MODEL = "reward_model", "Reward-model training"
    ONLINE_DPO = "online_dpo", "Online DPO rounds"
    BOOTSTRAP_POLICY = "bootstrap_policy", "Bootstrap tiny policy"
    OUTCOME_SIMULATION = "outcome_simulation", "Outcome simulation"
    DATASET_BUILD = "dataset_build", "Dataset version build"
    REWARD_EVALUATION = "reward_evaluation", "Reward-model evaluation"
    ARENA = "arena", "Arena battles"
    JUDGE = "judge", "Model judge labelling"


# The Celery task that runs each kind, by name: the apps on top of `jobs` register them (each takes the
# job id). The `training.*` names predate this app and stay stable for messages already queued; the
# task routes in settings send `training.*` to the `gpu` queue and `datasets_app.*` to `default`.
JOB_TASKS: dict[str, str] = {
    JobKind.REWARD_MODEL: "training.reward_model",
    JobKind.ONLINE_DPO: "training.online_dpo",
    JobKind.BOOTSTRAP_POLICY: "training.bootstrap_policy",
    JobKind.OUTCOME_SIMULATION: "training.outcome_simulation",
    JobKind.DATASET_BUILD: "datasets_app.dataset_build",
    JobKind.REWARD_EVALUATION: "training.reward_evaluation",
    JobKind.ARENA: "training.arena",
    JobKind.JUDGE: "training.judge",
}


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    WAITING = "waiting", "Waiting for human labels"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.WAITING)
FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class TrainingJob(models.Model):
    project = models.ForeignKey("annotation.Project", on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=30, choices=JobKind.choices)
    config = models.JSONField(default=dict, help_text="Validated configuration the job ran with.")
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress_step = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    stage = models.CharField(max_length=200, blank=True, help_text="What the job is doing now.")
    summary = models.JSONField(default=dict, blank=True, help_text="Final metrics.")
    log_tail = models.TextField(blank=True)
    error = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    celery_task_id = models.CharField(max_length=255, blank=True)
    worker = models.CharField(max_length=255, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    restart_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="restarts")
    launched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    dataset_version = models.ForeignKey(
        "datasets_app.DatasetVersion", null=True, blank=True, on_delete=models.RESTRICT, related_name="training_jobs",
        help_text="What it trains on; empty: the project's annotations, split by prompt.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "training_trainingjob"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def fraction_done(self) -> float:
        return self.progress_step / self.progress_total if self.progress_total else 0.0


class JobMetric(models.Model):
    """One point of a job's metric time series (training loss every few steps, validation each epoch)."""

    job = models.ForeignKey(TrainingJob, on_delete=models.CASCADE, related_name="metrics")
    step = models.PositiveIntegerField()
    epoch = models.FloatField(null=True, blank=True)
    split = models.CharField(max_length=20, default="train")
    values = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "training_jobmetric"
        ordering = ["job", "step", "pk"]
        indexes = [models.Index(fields=["job", "step"])]

    def __str__(self) -> str:
        return f"job {self.job_id} step {self.step} ({self.split})"


class Artifact(models.Model):
    """A file or folder a job produced. `ready` only once the job succeeded and the files are complete."""

    job = models.ForeignKey(TrainingJob, on_delete=models.CASCADE, related_name="artifacts")
    name = models.CharField(max_length=200)
    path = models.CharField(max_length=1000)
    ready = models.BooleanField(default=False)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "training_artifact"

    def __str__(self) -> str:
        return f"{self.name} ({'ready' if self.ready else 'incomplete'})"
