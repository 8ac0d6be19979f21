from django.conf import settings
from django.db import models


class ImportFormat(models.TextChoices):
    AUTO = "auto", "Detect from the file"
    JSONL = "jsonl", "JSONL (prompt or messages, responses)"
    CSV = "csv", "CSV (prompt, response columns)"
    HH_RLHF = "hh-rlhf", "HH-RLHF transcripts (chosen / rejected)"
    HELPSTEER2 = "helpsteer2", "HelpSteer2 rows (prompt, response, five attributes)"
    HELPSTEER2_PREFERENCE = "helpsteer2-preference", "HelpSteer2-Preference pairs"
    HF_DISK = "hf-disk", "Hugging Face dataset saved to disk"


class ImportStatus(models.TextChoices):
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ImportRecord(models.Model):
    """The audit trail of one import attempt: what came in, what it added, or why nothing did."""

    project = models.ForeignKey("annotation.Project", on_delete=models.CASCADE, related_name="imports")
    file_name = models.CharField(max_length=500)
    file_sha256 = models.CharField(max_length=64, blank=True)
    format = models.CharField(max_length=40, choices=ImportFormat.choices)
    status = models.CharField(max_length=20, choices=ImportStatus.choices)
    rows_read = models.PositiveIntegerField(default=0)
    prompts_created = models.PositiveIntegerField(default=0)
    responses_created = models.PositiveIntegerField(default=0)
    items_created = models.PositiveIntegerField(default=0)
    annotations_created = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{file, line, field, message}]")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} → {self.project} ({self.status})"
