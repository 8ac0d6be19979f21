"""Label quality: a reviewer's decision on an annotation, an adjudicator's final label for an item whose
judgements disagree, and each project's settings for both queues."""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from annotation.models import Annotation, Item, Project


class ReviewMode(models.TextChoices):
    ALL = "all", "Every annotation"
    SAMPLE = "sample", "A sample of annotations"
    FLAGGED = "flagged", "Only flagged annotations"


class QualitySettings(models.Model):
    """One per project (created with defaults when first read)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="quality_settings")
    review_mode = models.CharField(max_length=20, choices=ReviewMode.choices, default=ReviewMode.FLAGGED)
    review_sample_rate = models.FloatField(
        default=0.1, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Share of annotations sent to review in sample mode (the same annotations every time).",
    )
    min_gold_accuracy = models.FloatField(
        default=0.7, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Flag the work of annotators whose gold accuracy is below this.",
    )
    fast_seconds = models.FloatField(
        default=5.0, validators=[MinValueValidator(0.0)], help_text="Flag annotations done in fewer seconds than this."
    )
    adjudication_max_spread = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(6)],
        help_text="Items whose strengths spread by more than this (or take opposite sides) go to adjudication.",
    )

    def __str__(self) -> str:
        return f"Quality settings of {self.project}"


class ReviewStatus(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    CORRECTED = "corrected", "Corrected by the reviewer"


class Review(models.Model):
    """A reviewer's decision on one annotation. A rejected annotation's item goes back to the queue; a
    corrected one is replaced by `correction`, the reviewer's own annotation. Neither is ever exported."""

    annotation = models.OneToOneField(Annotation, on_delete=models.CASCADE, related_name="review")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=ReviewStatus.choices)
    reason = models.TextField(blank=True)
    correction = models.OneToOneField(
        Annotation, null=True, blank=True, on_delete=models.SET_NULL, related_name="corrects"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.status} annotation {self.annotation_id}"


class Adjudication(models.Model):
    """The final label of an item whose judgements disagree. `annotation` is its stored form (source
    "adjudicated"), which exports use instead of the item's other judgements."""

    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="adjudication")
    adjudicator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    annotation = models.OneToOneField(Annotation, on_delete=models.CASCADE, related_name="adjudication")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Adjudication of item {self.item_id}"
