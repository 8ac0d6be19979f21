"""Settings, progress events and results of reward-model training (plain dataclasses, no torch)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from verdict_ml.config import MAX_SEED, config_check, setting
from verdict_ml.rewards.data import ATTRIBUTES
from verdict_ml.rewards.losses import PAIRWISE_OBJECTIVES

OBJECTIVES: tuple[str, ...] = (*PAIRWISE_OBJECTIVES, "regression", "regression_then_scaled_bt")
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")
POOLINGS: tuple[str, ...] = ("cls", "mean")


@dataclass
class RewardTrainingConfig:
    """Settings for one reward-model training run (an ensemble is ``ensemble_size`` such runs). The field
    metadata is the one list of the settings' rules: the web forms, the API and the commands read it."""

    objective: str = setting(
        "bt", choices=OBJECTIVES,
        help="Loss: bt, margin_bt or scaled_bt on pairs (m = |preference strength| ∈ {1, 2, 3}), regression on the "
        "Likert attributes, or regression_then_scaled_bt (HelpSteer2-Preference's recipe).",
    )
    base_model: str | None = setting(
        None, help="Local folder or hub id of an AutoModelForSequenceClassification; None: the bundled all-MiniLM-L6-v2."
    )
    regression_helpfulness_only: bool = setting(
        False, help="Regression head: one output (helpfulness) instead of the five HelpSteer attributes."
    )
    pooling: str = setting(
        "cls", choices=POOLINGS,
        help="What the score head reads: cls (the model's own pooler over the first token) or mean (the masked mean "
        "of the last hidden states, how sentence-transformers models such as the bundled MiniLM were trained; "
        "BERT-style models only).",
    )
    use_lora: bool = setting(False, help="Train LoRA adapters (peft) instead of all weights.")
    freeze_word_embeddings: bool = setting(
        True, help="Keep the token embedding matrix as pretrained (full fine-tuning; LoRA freezes it anyway): half of "
        "the bundled MiniLM's weights, whose gradient and AdamW state then take no memory. Off for a model trained from scratch.",
    )
    lora_r: int = setting(16, ge=1, le=1024, help="LoRA rank.")
    lora_alpha: int = setting(32, ge=1, le=4096, help="LoRA scaling numerator (scale = alpha / r).")
    lora_dropout: float = setting(0.05, ge=0, lt=1, help="Dropout on the LoRA branch.")
    lora_target_modules: list[str] | None = setting(
        None, help="Modules that get LoRA adapters; None: peft's default for the architecture."
    )
    learning_rate: float = setting(
        1e-4, gt=0, help="AdamW learning rate of the backbone (with warm-up and linear decay; 1e-4 suits the bundled MiniLM).",
    )
    head_learning_rate: float | None = setting(
        None, gt=0, help="AdamW learning rate of the (freshly initialised) score head; None: learning_rate."
    )
    epochs: int = setting(2, ge=1, le=10_000, help="Passes over the data, per phase (regression → scaled BT runs two).")
    batch_size: int = setting(8, ge=1, le=4096, help="Pairs (or attribute examples) per step.")
    micro_batch_size: int | None = setting(
        1, ge=1, help="Pairs (or attribute rows) per forward/backward pass; gradients add up to the batch's. Bounds "
        "activation memory (1: the lowest peak); None: the whole batch at once.",
    )
    eval_batch_size: int = setting(16, ge=1, le=4096, help="Sequences per forward pass at validation.")
    max_length: int = setting(256, ge=8, le=32768, help="Tokens per prompt + response; prompts are cut from the left.")
    group_by_length: bool = setting(True, help="Batch rows of similar length together (less padding, same data).")
    seed: int = setting(0, ge=0, le=MAX_SEED, help="Seed of initialisation and data order; ensemble member i uses seed + i.")
    weight_decay: float = setting(0.01, ge=0, help="AdamW weight decay (matrices only).")
    warmup_ratio: float = setting(0.1, ge=0, lt=1, help="Share of the steps with a linear learning-rate warm-up.")
    max_grad_norm: float | None = setting(1.0, gt=0, help="Gradient norm clipping; None: no clipping.")
    ensemble_size: int = setting(1, ge=1, le=16, help="Members trained with seeds seed … seed + k − 1.")
    center_rewards_coefficient: float | None = setting(
        None, ge=0, help="TRL's coef · mean((r_c + r_r)²), which keeps rewards centred on 0; None: off."
    )
    device: str = setting("auto", choices=DEVICES, help="auto (CUDA if present), cpu or cuda.")
    bf16: bool = setting(True, help="bf16 autocast, only ever used on a CUDA device that supports it.")
    num_threads: int | None = setting(None, ge=1, help="torch CPU threads; None leaves torch's setting alone.")
    release_cpu_memory: bool = setting(
        True, help="On CPU, fix glibc's mmap threshold at 1 MiB so that buffers freed every step go back to the system "
        "instead of fragmenting the heap (a lower peak; MALLOC_MMAP_THRESHOLD_ in the environment overrides it).",
    )
    logging_steps: int = setting(10, ge=1, help="Report the running training loss every N steps.")

    def validate(self) -> None:
        """Raise ConfigError (a ValueError) naming every invalid setting."""
        config_check(self)

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
