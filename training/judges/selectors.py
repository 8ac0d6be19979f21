"""Reads of model judges: which pairs a run judges, and a project's runs."""
from django.db.models import Exists, OuterRef, QuerySet

from annotation.models import PEOPLE_SOURCES, Annotation, Item, Project
from training.judges.config import UNLABELLED
from training.judges.models import JudgeRun


def judge_items(*, project: Project, scope: str, limit: int) -> list[Item]:
    """The project's non-gold pairs, oldest first; `unlabelled`: only those no person has labelled
    (no human, imported or adjudicated annotation, no submitted assignment)."""
    items = Item.objects.filter(project=project, is_gold=False, response_2__isnull=False)
    if scope == UNLABELLED:
        people = Annotation.objects.filter(item_id=OuterRef("pk"), source__in=PEOPLE_SOURCES)
        items = items.filter(completed_count=0).exclude(Exists(people))
    return list(items.select_related("prompt", "response_1", "response_2").order_by("pk")[:limit])


def judge_runs_of(*, project: Project) -> QuerySet[JudgeRun]:
    return JudgeRun.objects.filter(project=project).select_related("job", "reward_model", "launched_by")
