"""The training app's models, one module per feature: trained reward models (`rewards/models.py`),
policy checkpoints (`policies/models.py`), online DPO runs and rounds (`online_dpo/models.py`).
Jobs, their metrics and artifacts belong to the `jobs` app."""
from training.online_dpo.models import OnlineRound, OnlineRun, RoundStep, RunMode
from training.policies.models import PolicyCheckpoint
from training.rewards.models import RewardAggregation, RewardModel

__all__ = ["OnlineRound", "OnlineRun", "PolicyCheckpoint", "RewardAggregation", "RewardModel", "RoundStep", "RunMode"]
