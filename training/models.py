"""The training app's models, one module per feature: trained reward models (`rewards/models.py`),
policy checkpoints (`policies/models.py`), online DPO runs and rounds (`online_dpo/models.py`), arenas
and their battles and leaderboards (`arena/models.py`), model judge runs (`judges/models.py`).
Jobs, their metrics and artifacts belong to the `jobs` app."""
from training.arena.models import Arena, ArenaBattle, ArenaLeaderboard
from training.judges.models import JudgeKind, JudgeRun
from training.online_dpo.models import OnlineRound, OnlineRun, RoundStep, RunMode
from training.policies.models import PolicyCheckpoint
from training.rewards.models import RewardAggregation, RewardModel

__all__ = ["Arena", "ArenaBattle", "ArenaLeaderboard", "JudgeKind", "JudgeRun", "OnlineRound", "OnlineRun", "PolicyCheckpoint", "RewardAggregation", "RewardModel", "RoundStep", "RunMode"]
