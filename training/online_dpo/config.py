"""The configuration of online DPO rounds, checked before anything is queued: one dataclass whose field
metadata the API, the launch form and `run_online_dpo`'s options all read. Its DPO part becomes
verdict_ml's DPOTrainingConfig in the round's body."""
from dataclasses import dataclass
from typing import Any

from jobs.configs import config_clean
from training.online_dpo.models import RunMode
from verdict_ml.config import MAX_SEED, ConfigError, config_defaults, config_to_dict, setting
from verdict_ml.online_dpo.pairs import PAIR_STRATEGIES
from verdict_ml.rewards.ensemble import AGGREGATIONS

REFERENCES = ("previous", "initial")


MAX_ROUNDS = 50

# The settings that name a round's independent judge; at most one is set (`training.online_dpo.judges`).
JUDGE_SETTINGS = ("judge_reward_model", "judge_member", "judge_path")


# Human pairs a round may add to its sampled ones: none, or a hindsight project's judgements labelled by
# their hindsight or their foresight ratings.
EXTRA_PAIRS = ("none", "hindsight", "foresight")


# TRL's DPOTrainer losses (trl 1.16.0, pinned in requirements.txt) that run with the settings below; exo_pair
# is left out because it needs label_smoothing > 0, which no setting sets.
MAX_DPO_STEPS = 1_000_000
DPO_LOSS_TYPES: tuple[str, ...] = (
    "sigmoid", "hinge", "ipo", "nca_pair", "robust", "bco_pair", "sppo_hard", "aot", "aot_unpaired", "apo_zero",
    "apo_down", "discopop", "sft", "sigmoid_norm",
)


@dataclass
class OnlineRoundConfig:
    """The settings of every round of an online run: sampling, pairing, the human slice, DPO, evaluation."""

    mode: str = setting(
        RunMode.PROXY.value, choices=RunMode.values,
        help="human: a round waits for the annotators' labels of its slice; proxy: it goes on with the reward model's "
        "pairs and measures the reward model–human mismatch as the labels arrive.",
    )
    prompts_per_round: int = setting(32, ge=1, le=100000, help="Training-pool prompts drawn per round.")
    samples_per_prompt: int = setting(4, ge=2, le=64, help="Responses sampled per prompt (K).")
    temperature: float = setting(1.0, gt=0, le=5, help="Sampling temperature.")
    top_p: float = setting(1.0, gt=0, le=1, help="Nucleus sampling: the smallest set of tokens with this much probability.")
    max_new_tokens: int = setting(64, ge=1, le=4096, help="Tokens generated per response at most.")
    generation_batch_size: int = setting(32, ge=1, le=4096, help="Sequences generated per forward pass.")
    pair_strategy: str = setting(
        "best_vs_worst", choices=PAIR_STRATEGIES,
        help="A prompt's pair: its best-scored sample against the worst, a random other, the second best, or the worst "
        "once scores are length-penalised.",
    )
    min_reward_gap: float = setting(0.0, ge=0, help="Pairs whose reward gap is below this are dropped.")
    length_penalty_alpha: float = setting(0.0, ge=0, help="length_penalised scores a sample as reward − α · length.")
    human_fraction: float = setting(0.25, ge=0, le=1, help="Share of the round's pairs sent to annotators.")
    human_annotations_per_item: int = setting(1, ge=1, help="Annotators per pair of the human slice.")
    human_priority: float = setting(1.0, help="Queue priority of the human slice's items (higher comes first).")
    reference: str = setting(
        "previous", choices=REFERENCES, help="DPO reference: the previous round's policy or the initial one.",
    )
    beta: float = setting(0.1, gt=0, help="DPO β: higher keeps the policy closer to the reference.")
    loss_type: list[str] = setting(
        ["sigmoid"], help=f"TRL loss types, combined: {', '.join(DPO_LOSS_TYPES)}.",
    )
    learning_rate: float = setting(5e-6, gt=0, help="AdamW learning rate of the DPO step.")
    epochs: float = setting(2.0, gt=0, le=100, help="Passes over the round's pairs.")
    max_steps: int = setting(-1, help="Stop after this many steps; -1 lets epochs decide.")
    batch_size: int = setting(8, ge=1, le=4096, help="Pairs per DPO step.")
    max_length: int = setting(512, ge=8, le=32768, help="Prompt + completion tokens kept.")
    use_lora: bool = setting(True, help="Train a LoRA adapter (merged after the round) instead of all weights.")
    lora_r: int = setting(8, ge=1, le=1024, help="LoRA rank.")
    lora_alpha: int = setting(16, ge=1, le=4096, help="LoRA scaling numerator (scale = alpha / r).")
    eval_fraction: float = setting(
        0.2, gt=0, lt=1, help="Share of the project's prompts held out for evaluation (fixed by content hash).",
    )
    eval_prompts: int = setting(32, ge=1, le=10000, help="Held-out prompts evaluated after each round.")
    eval_samples: int = setting(2, ge=1, le=64, help="Samples per held-out prompt at evaluation.")
    aggregation: str | None = setting(
        None, choices=AGGREGATIONS, help="How the reward ensemble's scores combine; null: the registered model's own.",
    )
    uwo_lambda: float | None = setting(None, ge=0, help="λ of the uwo aggregation; null: the registered model's own.")
    extra_pairs: str = setting(
        "none", choices=EXTRA_PAIRS,
        help="Human pairs added to the sampled ones: a hindsight project's judgements by their hindsight or foresight ratings.",
    )
    judge_reward_model: int | None = setting(
        None, ge=1,
        help="Independent judge: id of another registered reward model of the project, trained on labels disjoint from the "
        "proxy's; it scores the held-out samples beside the proxy and is never optimised against.",
    )
    judge_member: int | None = setting(
        None, ge=0,
        help="Independent judge: this member (0-based) of the proxy's ensemble, held out of the optimisation (the proxy "
        "scores with the other members).",
    )
    judge_path: str | None = setting(
        None, help="Independent judge: a saved reward model folder the admin names (with reward_model.json or member-* folders).",
    )
    seed: int = setting(0, ge=0, le=MAX_SEED, help="Seed of prompt draws, sampling and training.")
    device: str = setting("auto", help="auto, cpu or cuda[:n].")

    def __post_init__(self) -> None:
        """What no bound expresses: -1 or a positive step count, a non-empty loss list, a device name."""
        errors = {}
        if self.max_steps != -1 and not 1 <= self.max_steps <= MAX_DPO_STEPS:
            errors["max_steps"] = f"Must be -1 (epochs decide) or from 1 to {MAX_DPO_STEPS:,}."
        unknown = [name for name in self.loss_type if name not in DPO_LOSS_TYPES]
        if not self.loss_type or unknown:
            errors["loss_type"] = f"Must be a non-empty list of {', '.join(DPO_LOSS_TYPES)}" + (
                f"; unknown: {', '.join(map(repr, unknown))}." if unknown else "."
            )
        if not (self.device in ("auto", "cpu") or self.device.startswith("cuda")):
            errors["device"] = "Must be auto, cpu or cuda[:n]."
        judges = [name for name in JUDGE_SETTINGS if getattr(self, name) not in (None, "")]
        if len(judges) > 1:
            for name in judges:
                errors[name] = f"Name one independent judge, not {len(judges)} ({', '.join(judges)})."
        if self.judge_path is not None and not 0 < len(self.judge_path) <= 1000:
            errors["judge_path"] = "Must be a folder path of 1 to 1000 characters."
        if errors:
            raise ConfigError(errors)


def round_config_defaults() -> dict[str, Any]:
    return config_defaults(OnlineRoundConfig)


def round_config_clean(raw: dict[str, Any]) -> dict[str, Any]:
    """Defaults filled in, types and ranges checked; ValidationError keyed by the setting's name."""
    return config_to_dict(config_clean(OnlineRoundConfig, raw))
