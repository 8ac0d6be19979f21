"""Hindsight simulation (RLHS, arXiv 2501.08617): scenarios with hidden context, simulated outcomes
with provenance, and the foresight → reveal → hindsight judgements."""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from annotation.models import Annotation, Assignment, Item, Project, Prompt, Response


class Scenario(models.Model):
    """A hindsight scenario: the prompt, plus what the outcome simulator knows and the annotator sees
    only after the reveal. Kept in its own table (not `Prompt.metadata`) so that no ordinary task
    payload can carry it by accident."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="scenarios")
    prompt = models.OneToOneField(Prompt, on_delete=models.CASCADE, related_name="scenario")
    external_id = models.CharField(max_length=200, blank=True, help_text="The `id` of the imported line, if any.")
    hidden_context = models.TextField(
        blank=True, help_text="The user's real goal and facts about the options; hidden from policy and annotator."
    )
    facts = models.JSONField(
        default=dict,
        blank=True,
        help_text='Structured facts for the template simulator: {"goal", "options": [{"name", "aliases", "price", '
        '"outcome"}], "no_choice_outcome"}.',
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "annotation_scenario"

    def __str__(self) -> str:
        return self.external_id or f"Scenario {self.pk}"


class SimulatorKind(models.TextChoices):
    TEMPLATE = "template", "Deterministic template"
    MODEL = "model", "Causal language model"


class SimulatedOutcome(models.Model):
    """One simulated outcome of the user acting on a response. Regenerating adds a new version; the
    newest is revealed, older ones stay for comparison."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="simulated_outcomes")
    version = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    simulator = models.CharField(max_length=20, choices=SimulatorKind.choices)
    model_path = models.CharField(max_length=1000, blank=True)
    template_text = models.TextField(help_text="The outcome template or the simulator prompt template used.")
    template_hash = models.CharField(max_length=64)
    simulator_input = models.TextField(blank=True, help_text="The exact prompt the language model was given.")
    generation_params = models.JSONField(default=dict, blank=True)
    job_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="The training job that made it, if any.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "annotation_simulatedoutcome"
        ordering = ["response", "-version"]
        constraints = [models.UniqueConstraint(fields=["response", "version"], name="unique_outcome_version")]

    def __str__(self) -> str:
        return f"Outcome v{self.version} of response {self.response_id}"


class HindsightJudgement(models.Model):
    """One annotator's foresight rating, the reveal, and their hindsight rating of one item.

    Single response: ratings are satisfaction 1–5 (1 = very dissatisfied … 5 = very satisfied).
    Pair: ratings are preference strengths −3…+3 in the item's canonical order (negative = response 1
    better). The order is also enforced by the database: no hindsight rating without a reveal.
    """

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="hindsight")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="hindsight_judgements")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hindsight_judgements")
    foresight_rating = models.SmallIntegerField(validators=[MinValueValidator(-3), MaxValueValidator(5)])
    foresight_at = models.DateTimeField()
    revealed_at = models.DateTimeField(null=True, blank=True)
    outcome_1 = models.ForeignKey(
        SimulatedOutcome, null=True, blank=True, on_delete=models.RESTRICT, related_name="+",
        help_text="The outcome version of response 1 that was revealed.",
    )
    outcome_2 = models.ForeignKey(
        SimulatedOutcome, null=True, blank=True, on_delete=models.RESTRICT, related_name="+",
        help_text="The outcome version of response 2 that was revealed (pairs).",
    )
    hindsight_rating = models.SmallIntegerField(null=True, blank=True, validators=[MinValueValidator(-3), MaxValueValidator(5)])
    hindsight_at = models.DateTimeField(null=True, blank=True)
    justification = models.TextField(blank=True)
    keep = models.BooleanField(
        null=True, blank=True,
        help_text="Keep (true) or return (false) what the user got; for pairs, the response preferred in foresight.",
    )
    annotation = models.OneToOneField(
        Annotation, null=True, blank=True, on_delete=models.SET_NULL, related_name="hindsight"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "annotation_hindsightjudgement"
        constraints = [
            models.UniqueConstraint(fields=["item", "annotator"], name="one_hindsight_judgement_per_annotator"),
            models.CheckConstraint(
                condition=Q(hindsight_rating__isnull=True) | Q(revealed_at__isnull=False),
                name="hindsight_rating_after_reveal",
            ),
            models.CheckConstraint(
                condition=Q(revealed_at__isnull=True) | Q(revealed_at__gte=models.F("foresight_at")),
                name="reveal_after_foresight",
            ),
        ]
        indexes = [models.Index(fields=["item", "hindsight_at"])]

    def __str__(self) -> str:
        return f"Hindsight judgement {self.pk} on item {self.item_id}"

    @property
    def is_revealed(self) -> bool:
        return self.revealed_at is not None

    @property
    def is_complete(self) -> bool:
        return self.hindsight_rating is not None
