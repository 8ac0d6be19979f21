"""Reads of the arena-battles export: votes on pairs whose two responses carry different, non-empty
model names (arena battles among them), read a chunk at a time in (item, annotation) order."""
from collections.abc import Iterator
from typing import Any

from django.db.models import Exists, F, OuterRef, Q

from annotation.models import AnnotationSource
from datasets_app.exports.builders.battles import BattleVote
from datasets_app.exports.selectors import export_annotations
from quality.models import Adjudication

CHUNK_SIZE = 2000

FIELDS = (
    "item__prompt__content_hash", "item__prompt__messages", "item__response_1__model_name", "item__response_2__model_name",
    "item__response_1__checkpoint", "item__response_2__checkpoint", "item__response_1__text", "item__response_2__text",
    "preference_strength", "neither_acceptable", "annotator_id", "created_at",
)


def battle_votes(*, project_ids: list[int], filters: dict[str, Any]) -> Iterator[BattleVote]:
    """The export's annotations (filters, gold and review rules as every format) that are votes on a
    battle: a pair of two different named models. An adjudicated item's vote is the adjudicator's label
    (its other votes left out), as in every pair format."""
    annotations = (
        export_annotations(project_ids=project_ids, filters=filters)
        .filter(item__response_2__isnull=False)
        .exclude(item__response_1__model_name="")
        .exclude(item__response_2__model_name="")
        .exclude(item__response_1__model_name=F("item__response_2__model_name"))
        .exclude(Q(Exists(Adjudication.objects.filter(item_id=OuterRef("item_id")))) & ~Q(source=AnnotationSource.ADJUDICATED))
        .order_by("item_id", "id")
    )
    for row in annotations.values_list(*FIELDS).iterator(chunk_size=CHUNK_SIZE):
        (content_hash, messages, model_a, model_b, checkpoint_a, checkpoint_b, text_a, text_b,
         strength, neither, annotator_id, created_at) = row
        yield BattleVote(
            content_hash, messages, model_a, model_b, checkpoint_a, checkpoint_b, text_a, text_b, strength, bool(neither),
            annotator_id, created_at.timestamp(),
        )
