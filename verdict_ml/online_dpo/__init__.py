"""Policy side of online iterative DPO (RLHF Workflow, arXiv 2405.07863), one import away.

A round: `generate` K samples per prompt → score them with a reward function → `select_pairs` →
`train_dpo` → `evaluate_policy` on held-out prompts. The caller owns the loop (and any human slice of
the pairs); these functions know nothing of Django.
"""

from verdict_ml.online_dpo.evaluate import evaluate_policy, policy_reward_discrepancy
from verdict_ml.online_dpo.pairs import (
    PAIR_STRATEGIES,
    PairLike,
    RewardFn,
    SampledPair,
    ScoredSample,
    score_samples,
    select_pairs,
)
from verdict_ml.online_dpo.train import DPOResult, DPOTrainingConfig, train_dpo
from verdict_ml.policies.generation import GeneratedText, GenerationParams, LoadedPolicy, generate, load_policy

__all__ = [
    "PAIR_STRATEGIES",
    "DPOResult",
    "DPOTrainingConfig",
    "GeneratedText",
    "GenerationParams",
    "LoadedPolicy",
    "PairLike",
    "RewardFn",
    "SampledPair",
    "ScoredSample",
    "evaluate_policy",
    "generate",
    "load_policy",
    "policy_reward_discrepancy",
    "score_samples",
    "select_pairs",
    "train_dpo",
]
