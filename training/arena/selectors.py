"""Reads of the arena: the votes on a project's battles (background refresh only), the stored
leaderboard (what requests read), a checkpoint's row of it, recent arenas."""
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, QuerySet

from annotation.models import Annotation, AnnotationSource, Project
from quality.selectors import excluded_from_labels
from training.arena.models import Arena, ArenaBattle, ArenaLeaderboard


@dataclass(frozen=True)
class Vote:
    item_id: int
    model_1: str
    model_2: str
    strength: int | None
    neither_acceptable: bool


def _battle_votes(project: Project) -> QuerySet[Annotation]:
    """Standing human votes on the project's battle items (a reviewer's rejection or correction removes one)."""
    items = ArenaBattle.objects.filter(arena__project=project).values("item_id")
    return Annotation.objects.filter(item_id__in=items, source=AnnotationSource.HUMAN).exclude(excluded_from_labels())


def battle_votes(*, project: Project) -> list[Vote]:
    """Every vote with the contestants behind its item's stored responses. For the background refresh only."""
    labels = {item: (m1, m2) for item, m1, m2 in ArenaBattle.objects.filter(arena__project=project).values_list("item_id", "model_1", "model_2")}
    rows = _battle_votes(project).order_by("item_id", "id").values_list("item_id", "preference_strength", "neither_acceptable")
    return [Vote(item, *labels[item], strength, neither) for item, strength, neither in rows.iterator()]


def votes_watermark(*, project: Project) -> str:
    """Which votes and battles a leaderboard reflects: their counts and the last vote's change time."""
    votes = _battle_votes(project).aggregate(count=Count("id"), last=Max("updated_at"))
    battles = ArenaBattle.objects.filter(arena__project=project).count()
    last: datetime | None = votes["last"]
    return f"{votes['count']}:{last.isoformat() if last else '-'}:{battles}"


def stored_leaderboard(*, project: Project) -> ArenaLeaderboard:
    """The leaderboard as last computed (an empty, stale one before the first refresh)."""
    board = ArenaLeaderboard.objects.filter(project=project).first()
    return board or ArenaLeaderboard(project=project, payload={}, stale=True)


def checkpoint_result(*, project: Project, checkpoint_id: int | None) -> dict[str, Any] | None:
    """A policy checkpoint's row of the stored leaderboard (its rating, interval, votes), if it battled."""
    if checkpoint_id is None:
        return None
    board = stored_leaderboard(project=project)
    for row in board.payload.get("players", []):
        if row.get("checkpoint_id") == checkpoint_id:
            return {**row, "computed_at": board.computed_at, "players": len(board.payload["players"])}
    return None


def recent_arenas(*, project: Project, limit: int = 20) -> QuerySet[Arena]:
    return Arena.objects.filter(project=project).select_related("job")[:limit]
