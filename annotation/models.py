"""Annotation data: projects, prompts, responses with provenance, comparison items, assignments and
annotations. Preference strength follows HelpSteer2-Preference: −3 = response 1 much better,
0 = about the same, +3 = response 2 much better, always relative to the item's canonical order
(`response_1`, `response_2`); the order an annotator saw is recorded on the assignment."""
import hashlib
import json
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from annotation.attributes import default_attribute_schema, validate_attribute_schema


class TaskType(models.TextChoices):
    PAIRWISE = "pairwise", "Pairwise preference"
    LIKERT = "likert", "Likert attribute ratings"
    HINDSIGHT = "hindsight", "Hindsight simulation"


def default_task_types() -> list[str]:
    return [TaskType.PAIRWISE, TaskType.LIKERT]


class Role(models.TextChoices):
    """Global roles are Django groups of these names; superusers are admins."""

    ANNOTATOR = "annotator", "Annotator"
    RESEARCHER = "researcher", "Researcher"
    ADMIN = "admin", "Admin"


class Project(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    guidelines = models.TextField(blank=True, help_text="Markdown shown to annotators.")
    task_types = models.JSONField(default=default_task_types)
    attribute_schema = models.JSONField(default=default_attribute_schema)
    overlap = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1)], help_text="Distinct annotators per item."
    )
    lease_minutes = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(1)])
    max_active_leases = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1)], help_text="Items one annotator may hold at once."
    )
    justification_min_strength = models.PositiveSmallIntegerField(
        default=2,
        validators=[MaxValueValidator(4)],
        help_text="A justification is required when |strength| is at least this; 4 = never required.",
    )
    gold_rate = models.FloatField(
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Share of served tasks drawn from gold items the annotator has not done.",
    )
    uncertainty_ordering = models.BooleanField(
        default=False, help_text="Serve items the reward-model ensemble is least sure about first."
    )
    licence = models.CharField(max_length=100, blank=True, default="CC-BY-4.0")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="projects")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problems = validate_attribute_schema(self.attribute_schema)
        if problems:
            raise ValidationError({"attribute_schema": problems})
        unknown = set(self.task_types or []) - set(TaskType.values)
        if not self.task_types or unknown:
            raise ValidationError({"task_types": f"Choose from {', '.join(TaskType.values)}."})
        if TaskType.HINDSIGHT in self.task_types and TaskType.LIKERT in self.task_types:
            raise ValidationError(
                {"task_types": "A hindsight project rates satisfaction before and after the reveal; it cannot also collect Likert attributes."}
            )

    @property
    def is_pairwise(self) -> bool:
        return TaskType.PAIRWISE in self.task_types

    @property
    def is_likert(self) -> bool:
        return TaskType.LIKERT in self.task_types

    @property
    def is_hindsight(self) -> bool:
        return TaskType.HINDSIGHT in self.task_types

    @property
    def attribute_names(self) -> list[str]:
        return [attribute["name"] for attribute in self.attribute_schema]


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    paused = models.BooleanField(
        default=False, help_text="A researcher paused this annotator: next-task gives them no task in this project."
    )
    paused_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.project}"


def messages_content_hash(messages: list[dict[str, str]]) -> str:
    canonical = json.dumps(
        [{"role": m["role"], "content": m["content"]} for m in messages], ensure_ascii=False, sort_keys=True
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def text_content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Prompt(models.Model):
    """A conversation up to the point where a response is needed: [{role, content}, …]."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="prompts")
    messages = models.JSONField()
    metadata = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "content_hash"], name="unique_prompt_per_project")]

    def __str__(self) -> str:
        return self.last_user_message[:80]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.content_hash = messages_content_hash(self.messages)
        super().save(*args, **kwargs)

    @property
    def last_user_message(self) -> str:
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return message.get("content", "")
        return ""


class ResponseSource(models.TextChoices):
    IMPORTED = "imported", "Imported"
    POLICY = "policy", "Policy sample"
    SIMULATED = "simulated", "Simulated"


class Response(models.Model):
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="responses")
    text = models.TextField()
    content_hash = models.CharField(max_length=64, editable=False)
    source = models.CharField(max_length=20, choices=ResponseSource.choices, default=ResponseSource.IMPORTED)
    model_name = models.CharField(max_length=300, blank=True)
    checkpoint = models.CharField(max_length=500, blank=True)
    round = models.PositiveIntegerField(null=True, blank=True)
    generation_params = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prompt", "content_hash"], name="unique_response_per_prompt")]

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.content_hash = text_content_hash(self.text)
        super().save(*args, **kwargs)


class Item(models.Model):
    """What an annotator judges: a prompt with one response (Likert) or two (pairwise)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="items")
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="items")
    response_1 = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+")
    response_2 = models.ForeignKey(Response, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    is_gold = models.BooleanField(default=False)
    gold_strength = models.SmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(-3), MaxValueValidator(3)]
    )
    round = models.PositiveIntegerField(null=True, blank=True, help_text="Online DPO round that made it.")
    priority = models.FloatField(default=0.0, help_text="Higher is served first among equally-annotated items.")
    completed_count = models.PositiveIntegerField(default=0, help_text="Distinct annotators who submitted.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "prompt", "response_1", "response_2"], name="unique_item_per_project"
            ),
            models.CheckConstraint(
                condition=Q(is_gold=False) | Q(gold_strength__isnull=False), name="gold_item_has_answer"
            ),
        ]
        indexes = [models.Index(fields=["project", "is_gold", "completed_count", "-priority", "id"])]

    def __str__(self) -> str:
        return f"Item {self.pk} of {self.project}"

    @property
    def is_pair(self) -> bool:
        return self.response_2_id is not None


class AssignmentState(models.TextChoices):
    LEASED = "leased", "Leased"
    SUBMITTED = "submitted", "Submitted"
    SKIPPED = "skipped", "Skipped"
    # Its annotation was rejected or replaced by a reviewer: no longer counts against the item's overlap,
    # and the item is not served to this annotator again.
    RETURNED = "returned", "Returned by a reviewer"


class Assignment(models.Model):
    """One annotator's claim on one item. An expired lease is a LEASED row whose expiry has passed."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="assignments")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    state = models.CharField(max_length=20, choices=AssignmentState.choices, default=AssignmentState.LEASED)
    swapped = models.BooleanField(default=False, help_text="True when response 2 was shown first.")
    leased_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField()
    skip_reason = models.CharField(max_length=20, blank=True)
    skip_note = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "annotator"], name="one_assignment_per_annotator")]
        indexes = [
            models.Index(fields=["item", "state", "lease_expires_at"]),
            models.Index(fields=["annotator", "state", "lease_expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.annotator} → item {self.item_id} ({self.state})"


class SkipReason(models.TextChoices):
    UNSAFE = "unsafe", "Unsafe or disturbing content"
    UNCLEAR = "unclear", "Prompt is unclear"
    EXPERTISE = "expertise", "Needs expertise I do not have"
    BROKEN = "broken", "Broken or empty responses"
    OTHER = "other", "Other"


class AnnotationSource(models.TextChoices):
    HUMAN = "human", "Human"
    IMPORTED = "imported", "Imported"
    ADJUDICATED = "adjudicated", "Adjudicated"  # an adjudicator's final label (the quality app)
    # A model judge's label (RLAIF, the training app's judge runs): never served, reviewed or counted as a
    # person's, and exported only when an export asks for it (policy `judge_labels: fill`).
    MODEL = "model", "Model judge"


# Every source but MODEL: what people said (on the platform, imported, or adjudicated).
PEOPLE_SOURCES = (AnnotationSource.HUMAN, AnnotationSource.IMPORTED, AnnotationSource.ADJUDICATED)


class Annotation(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="annotations")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="annotations"
    )
    source = models.CharField(max_length=20, choices=AnnotationSource.choices, default=AnnotationSource.HUMAN)
    client_id = models.UUIDField(default=uuid.uuid4)
    preference_strength = models.SmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(-3), MaxValueValidator(3)]
    )
    attribute_scores = models.JSONField(
        default=dict, blank=True, help_text='{"1": {"helpfulness": 3, …}, "2": {…}} keyed by response slot.'
    )
    justification = models.TextField(blank=True)
    neither_acceptable = models.BooleanField(default=False)
    flagged_unsafe = models.BooleanField(default=False)
    time_spent_seconds = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0.0)])
    judge = models.CharField(
        max_length=300, blank=True, help_text="The model judge that gave a MODEL label (its run and model); empty otherwise."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "judge"], condition=Q(source="model"), name="one_label_per_judge_and_item"
            ),
            models.UniqueConstraint(
                fields=["item", "annotator"], condition=Q(annotator__isnull=False), name="one_annotation_per_annotator"
            ),
            models.UniqueConstraint(fields=["annotator", "client_id"], name="unique_client_id_per_annotator"),
            models.CheckConstraint(
                condition=Q(preference_strength__isnull=True)
                | Q(preference_strength__gte=-3, preference_strength__lte=3),
                name="preference_strength_in_range",
            ),
        ]
        # (annotator, created_at, id): the annotations list is read by keyset on (created_at, id) per annotator.
        indexes = [models.Index(fields=["item", "source"]), models.Index(fields=["annotator", "created_at", "id"])]

    def __str__(self) -> str:
        return f"Annotation {self.pk} on item {self.item_id}"


class ProjectStats(models.Model):
    """The project dashboard's figures as last computed by the background refresh (every figure of
    `GET /api/projects/<slug>/stats/`), so that no request recomputes them from all of a project's rows.
    `stale` is set by every write that changes a figure and cleared when a refresh starts; the beat
    task `annotation.refresh_project_stats` recomputes stale projects."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, primary_key=True, related_name="stats")
    payload = models.JSONField(default=dict)
    computed_at = models.DateTimeField(null=True, blank=True)
    stale = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["stale"], condition=Q(stale=True), name="project_stats_stale")]

    def __str__(self) -> str:
        return f"Stats of {self.project_id} as of {self.computed_at}"


class AnnotatorProgress(models.Model):
    """How many annotations an annotator has in a project (`progress.done`), counted up by
    `annotation_submit` in its transaction, so that showing progress after each task reads one row
    instead of joining all of the annotator's annotations with the project's items."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    done = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["annotator", "project"], name="one_progress_per_annotator")]

    def __str__(self) -> str:
        return f"{self.annotator_id} in {self.project_id}: {self.done}"
