"""Dataset versions: immutable, numbered snapshots of a project's labels in one export format."""
import secrets

from django.conf import settings
from django.db import models


class DatasetFormat(models.TextChoices):
    HELPSTEER2 = "helpsteer2", "HelpSteer2 attribute ratings"
    HELPSTEER2_PREFERENCE = "helpsteer2-preference", "HelpSteer2-Preference pairs"
    TRL_PREFERENCE = "trl-preference", "TRL preference pairs (prompt / chosen / rejected)"
    INDIVIDUAL = "individual", "Individual annotations (pseudonymous annotators)"
    HINDSIGHT = "hindsight", "Hindsight judgements (foresight and hindsight ratings of simulated outcomes)"
    ARENA_BATTLES = "arena-battles", "Arena battles (one row per vote between two named models, as Chatbot Arena)"


class DatasetStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class DatasetVersion(models.Model):
    """What was exported, how, by whom, and the files it produced. Once `ready` nothing changes: the
    services never write to a ready version and its files live under a path no other version uses."""

    project = models.ForeignKey("annotation.Project", on_delete=models.CASCADE, related_name="dataset_versions")
    version = models.PositiveIntegerField(help_text="Numbered per project, from 1.")
    source_projects = models.ManyToManyField(
        "annotation.Project", related_name="+", help_text="Projects whose annotations it holds (includes `project`)."
    )
    format = models.CharField(max_length=40, choices=DatasetFormat.choices)
    filters = models.JSONField(default=dict, blank=True, help_text="date_from, date_to, annotators, rounds, model_names, include_imported.")
    policy = models.JSONField(default=dict, blank=True, help_text="Aggregation, drops, split and containers (ExportPolicy).")
    status = models.CharField(max_length=20, choices=DatasetStatus.choices, default=DatasetStatus.QUEUED)
    progress = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    row_counts = models.JSONField(default=dict, blank=True, help_text="{split: rows}")
    stats = models.JSONField(default=dict, blank=True, help_text="Drops, label distributions, agreement, provenance.")
    files = models.JSONField(default=list, blank=True, help_text="[{path, size, sha256}] relative to storage_path.")
    storage_path = models.CharField(max_length=500, blank=True)
    build_job = models.OneToOneField(
        "jobs.TrainingJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="dataset_build",
        help_text="The `dataset_build` job that builds (or last built) it: heartbeat, progress, error, restart.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="unique_dataset_version_per_project"),
            # A version's files live under its own key, which no other version ever gets (not even after
            # a project is renamed or deleted and its slug reused).
            models.UniqueConstraint(
                fields=["storage_path"], condition=~models.Q(storage_path=""), name="unique_dataset_storage_path"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.slug} v{self.version} ({self.format})"

    @property
    def is_ready(self) -> bool:
        return self.status == DatasetStatus.READY

    @property
    def zip_name(self) -> str:
        """The archive's name as recorded when the version was built (renaming the project later changes
        nothing); before that, the name the build will give it."""
        recorded = next((entry["path"] for entry in self.files if "/" not in entry["path"] and entry["path"].endswith(".zip")), None)
        return recorded or f"{self.project.slug}-v{self.version}-{self.format}.zip"

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())


def new_salt() -> str:
    return secrets.token_hex(32)


class AnnotatorPseudonymSalt(models.Model):
    """The secret that turns annotator ids into the project's stable pseudonyms in exports."""

    project = models.OneToOneField("annotation.Project", on_delete=models.CASCADE, related_name="+")
    salt = models.CharField(max_length=64, default=new_salt, editable=False)

    def __str__(self) -> str:
        return f"pseudonym salt of {self.project}"
