"""The configuration of a judge run: one dataclass whose field metadata the API, the command and the
job read (help, choices, bounds)."""
from dataclasses import dataclass
from typing import Any

from jobs.configs import config_clean
from verdict_ml.config import ConfigError, config_defaults, config_to_dict, setting
from verdict_ml.judges.lm import DEFAULT_TEMPLATE, TemplateError, check_template
from verdict_ml.judges.run import GENERATE, LOGPROBS
from verdict_ml.judges.strength import DEFAULT_CUTS, check_cuts

ALL_ITEMS, UNLABELLED = "all", "unlabelled"


@dataclass
class JudgeConfig:
    """Which model judges, how its answer becomes a strength, and which of the project's pairs it labels."""

    judge: str = setting("reward_model", choices=("reward_model", "lm"),
                         help="reward_model: a registered reward model of the project; lm: a causal LM asked with the judging prompt.")
    reward_model: int | None = setting(None, help="Reward-model judge: the registered model's id (empty: the project's active one).")
    model_path: str = setting("", help="LM judge: a model folder (or hub id); empty: the project's latest policy checkpoint.")
    prompt_template: str = setting(DEFAULT_TEMPLATE, help="LM judge: the judging prompt, with {conversation}, {response_a} and {response_b}.")
    method: str = setting(GENERATE, choices=(GENERATE, LOGPROBS),
                          help="LM judge: generate an answer and parse it, or compare the probabilities of the tokens A, B and tie.")
    both_orders: bool = setting(True, help="LM judge: ask with A/B in both orders and average (a judge following position gives ties).")
    max_new_tokens: int = setting(16, ge=1, le=256, help="LM judge (generate): tokens of the answer at most.")
    default_strength: int = setting(2, ge=1, le=3, help="LM judge: the strength of a verdict that names a side without one.")
    cuts: list[float] = setting(list(DEFAULT_CUTS), help="Confidences in the preferred side at which the strength becomes 1, 2 and 3 "
                                "(reward model: σ(r2 − r1); LM logprobs: P(B) / (P(A) + P(B))); below the first: a tie.")
    # (named `scope`, not `items`: a template reading `config.items` would get this setting, not the dict's items)
    scope: str = setting(ALL_ITEMS, choices=(ALL_ITEMS, UNLABELLED),
                         help="all: every non-gold pair (to measure the judge against people); unlabelled: pairs no person has labelled (RLAIF).")
    max_items: int = setting(500, ge=1, le=200000, help="Pairs judged at most (oldest first).")
    batch_size: int = setting(16, ge=1, le=1024, help="Pairs per forward pass.")
    device: str = setting("auto", help="auto, cpu or cuda[:n].")

    def __post_init__(self) -> None:
        errors = {}
        if not (self.device in ("auto", "cpu") or self.device.startswith("cuda")):
            errors["device"] = "Must be auto, cpu or cuda[:n]."
        try:
            check_cuts(self.cuts)
        except ValueError:
            errors["cuts"] = "Give three increasing confidences between 0.5 and 1."
        if self.judge == "lm":
            try:
                check_template(self.prompt_template)
            except TemplateError as error:
                errors["prompt_template"] = f"{str(error).capitalize()}."
        if errors:
            raise ConfigError(errors)


def judge_config_defaults() -> dict[str, Any]:
    return config_defaults(JudgeConfig)


def judge_config_clean(raw: dict[str, Any]) -> dict[str, Any]:
    """Defaults filled in, types and ranges checked; ValidationError keyed by the setting's name."""
    return config_to_dict(config_clean(JudgeConfig, raw))
