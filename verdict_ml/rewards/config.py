"""Settings, progress events and results of reward-model training (plain dataclasses, no torch)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from verdict_ml.rewards.data import ATTRIBUTES
from verdict_ml.rewards.losses import PAIRWISE_OBJECTIVES

OBJECTIVES: tuple[str, ...] = (*PAIRWISE_OBJECTIVES, "regression", "regression_then_scaled_bt")
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")


@dataclass
class RewardTrainingConfig:
    """Settings for one reward-model training run (an ensemble is ``ensemble_size`` such runs)."""

    objective: str = "bt"  # one of OBJECTIVES
    base_model: str | None = None  # None: the bundled all-MiniLM-L6-v2 folder
    regression_helpfulness_only: bool = False  # regression head: 1 output (helpfulness) instead of 5
    use_lora: bool = False  # False: full fine-tune
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target_modules: list[str] | None = None  # None: peft's default for the architecture
    learning_rate: float = 5e-5
    epochs: int = 1  # per phase (regression_then_scaled_bt runs two phases)
    batch_size: int = 8  # pairs (or attribute examples) per step
    eval_batch_size: int = 64  # sequences per forward pass at validation
    max_length: int = 256  # tokens per (prompt, response); prompts are truncated from the left
    group_by_length: bool = True  # batch rows of similar length together (less padding, same data)
    seed: int = 0
    weight_decay: float = 0.0
    warmup_ratio: float = 0.0
    max_grad_norm: float | None = 1.0
    ensemble_size: int = 1  # members differ by seed (seed + i)
    center_rewards_coefficient: float | None = None  # TRL's coef · mean((r_c + r_r)²)
    device: str = "auto"  # auto | cpu | cuda
    bf16: bool = True  # bf16 autocast, only ever used on a CUDA device that supports it
    num_threads: int | None = None  # torch CPU threads; None leaves torch's setting alone
    logging_steps: int = 10  # report the running training loss every N steps

    def validate(self) -> None:
        """Raise ValueError naming the first invalid setting."""
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, got {self.objective!r}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, got {self.device!r}")
        positive = ("epochs", "batch_size", "eval_batch_size", "ensemble_size", "logging_steps", "lora_r", "lora_alpha")
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.max_length, int) or self.max_length < 8:
            raise ValueError(f"max_length must be an integer ≥ 8, got {self.max_length!r}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be ≥ 0, got {self.weight_decay!r}")
        if not 0 <= self.warmup_ratio < 1:
            raise ValueError(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio!r}")
        if not 0 <= self.lora_dropout < 1:
            raise ValueError(f"lora_dropout must be in [0, 1), got {self.lora_dropout!r}")
        if self.max_grad_norm is not None and self.max_grad_norm <= 0:
            raise ValueError(f"max_grad_norm must be > 0 or None, got {self.max_grad_norm!r}")
        if self.center_rewards_coefficient is not None and self.center_rewards_coefficient < 0:
            raise ValueError(f"center_rewards_coefficient must be ≥ 0 or None, got {self.center_rewards_coefficient!r}")
        if self.num_threads is not None and (not isinstance(self.num_threads, int) or self.num_threads < 1):
            raise ValueError(f"num_threads must be a positive integer or None, got {self.num_threads!r}")

    @property
    def attributes(self) -> tuple[str, ...]:
        """Attributes the regression head predicts (helpfulness first, so output 0 is the reward)."""
        return ATTRIBUTES[:1] if self.regression_helpfulness_only else ATTRIBUTES


@dataclass(frozen=True)
class TrainingProgress:
    """Passed to ``progress``: every ``logging_steps`` steps (``loss``) and at each epoch end
    (``val_*`` metrics); with empty ``metrics`` at each epoch's start and, between logging windows,
    every couple of seconds (where training is, for a progress display). ``step``/``total_steps``
    count over all members and phases."""

    step: int
    total_steps: int
    epoch: int
    metrics: dict[str, float]
    member: int = 0
    phase: str = ""


@dataclass
class RewardTrainingResult:
    model_dirs: list[str]  # saved models (one per ensemble member); empty when cancelled
    cancelled: bool
    steps: int
    total_steps: int
    history: list[dict[str, Any]] = field(default_factory=list)  # every progress event, flattened
    member_metrics: list[dict[str, float]] = field(default_factory=list)  # last validation metrics
    train_seconds: float = 0.0  # time inside optimisation steps (excludes loading and validation)
    pairs_per_second: float = 0.0  # training examples (pairs, or attribute rows) per train second

    @property
    def final_metrics(self) -> dict[str, float]:
        """Last validation metrics, averaged over ensemble members."""
        if not self.member_metrics:
            return {}
        keys = set.intersection(*(set(m) for m in self.member_metrics))
        return {k: sum(m[k] for m in self.member_metrics) / len(self.member_metrics) for k in sorted(keys)}
