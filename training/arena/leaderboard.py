"""The project's arena leaderboard, computed in the background and stored (`ArenaLeaderboard`):
Bradley–Terry ratings on the Elo scale with percentile-bootstrap 95 % intervals over votes
(`verdict_ml.arena.bradley_terry`), the win-rate matrix and battle counts. A vote's outcome comes from
`battle_winner` (the export's mapping): the contestant of the preferred stored response wins; a tie
and a "neither acceptable" vote without a preference are ties (half a win each way)."""
import logging
from collections import Counter, defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from annotation.models import Project
from datasets_app.exports.builders.battles import MODEL_A, MODEL_B, battle_winner
from training.arena import selectors
from training.arena.models import Arena, ArenaBattle, ArenaLeaderboard
from training.policies.models import PolicyCheckpoint
from verdict_ml.arena.bradley_terry import ELO_BASE, ELO_SCALE, TIE, WIN_A, WIN_B, Battle, bradley_terry

logger = logging.getLogger(__name__)

BOOTSTRAP = 200
OUTCOME = {MODEL_A: WIN_A, MODEL_B: WIN_B}
METHOD = (
    "Bradley–Terry maximum likelihood (choix I-LSR, α = 1e-3), ties as half a win each way; Elo = 400/ln 10 · θ + 1000; "
    f"95 % intervals: percentile bootstrap over votes ({BOOTSTRAP} resamples, seed 0)."
)


def leaderboard_payload(*, project: Project) -> dict[str, Any]:
    """Every figure the leaderboard shows, from all of the project's battle votes."""
    votes = selectors.battle_votes(project=project)
    outcomes: Counter = Counter()
    battles: list[Battle] = []
    for vote in votes:
        winner = battle_winner(vote.strength, vote.neither_acceptable)
        if winner is None:
            continue
        outcomes[winner] += 1
        battles.append(Battle(vote.model_1, vote.model_2, OUTCOME.get(winner, TIE)))
    ratings = bradley_terry(battles, bootstrap=BOOTSTRAP, seed=0) if len({p for b in battles for p in (b.player_a, b.player_b)}) >= 2 else []
    checkpoints = _checkpoints_by_label(project)
    players = [
        {
            "model": rating.player, "elo": rating.elo, "strength": rating.strength,
            "elo_interval": [_elo(rating.interval[0]), _elo(rating.interval[1])] if rating.interval else None,
            "votes": rating.battles, "wins": rating.wins, "win_rate": rating.wins / rating.battles if rating.battles else None,
            **checkpoints.get(rating.player, {"checkpoint_id": None, "round": None}),
        }
        for rating in ratings
    ]
    names = [row["model"] for row in players]
    counts: dict[tuple[str, str], int] = defaultdict(int)
    wins: dict[tuple[str, str], float] = defaultdict(float)
    for battle in battles:
        a, b = battle.player_a, battle.player_b
        counts[a, b] += 1
        counts[b, a] += 1
        share_a = {WIN_A: 1.0, WIN_B: 0.0}.get(battle.outcome, 0.5)
        wins[a, b] += share_a
        wins[b, a] += 1 - share_a
    return {
        "players": players,
        "models": names,
        "win_rate": [[wins[a, b] / counts[a, b] if counts[a, b] else None for b in names] for a in names],
        "battle_counts": [[counts[a, b] for b in names] for a in names],
        "votes": len(battles),
        "outcomes": dict(sorted(outcomes.items())),
        "battles_queued": ArenaBattle.objects.filter(arena__project=project).count(),
        "arenas": Arena.objects.filter(project=project).count(),
        "method": METHOD,
    }


def _elo(strength: float) -> float:
    return ELO_SCALE * strength + ELO_BASE


def _checkpoints_by_label(project: Project) -> dict[str, dict[str, Any]]:
    """Policy contestants' labels → their checkpoint id and round (for the round pages)."""
    ids = {c["label"]: c["checkpoint_id"] for arena in Arena.objects.filter(project=project) for c in arena.contestants if "checkpoint_id" in c}
    rounds = dict(PolicyCheckpoint.objects.filter(pk__in=ids.values()).values_list("pk", "round"))
    return {label: {"checkpoint_id": pk, "round": rounds.get(pk)} for label, pk in ids.items()}


def arena_leaderboard_refresh(*, project: Project) -> ArenaLeaderboard:
    """Recompute and store the project's leaderboard. The watermark is read before the votes, so a vote
    arriving meanwhile moves it again and the next tick recomputes."""
    watermark = selectors.votes_watermark(project=project)
    ArenaLeaderboard.objects.update_or_create(project=project, defaults={"stale": False})
    payload = leaderboard_payload(project=project)
    with transaction.atomic():
        board = ArenaLeaderboard.objects.select_for_update().get(project=project)
        board.payload, board.watermark, board.computed_at = payload, watermark, timezone.now()
        board.save(update_fields=["payload", "watermark", "computed_at"])
    return board


def arena_leaderboards_tick() -> dict[str, int]:
    """Periodic (Celery beat): recompute the leaderboards whose votes or battles changed, or marked stale."""
    refreshed = 0
    for project in Project.objects.filter(pk__in=Arena.objects.values("project_id")):
        board = ArenaLeaderboard.objects.filter(project=project).first()
        if board is None or board.stale or board.watermark != selectors.votes_watermark(project=project):
            arena_leaderboard_refresh(project=project)
            refreshed += 1
    return {"refreshed": refreshed}
