"""Scoring with trained reward models, and ensemble aggregation (Coste et al., arXiv 2310.02743).

Aggregates over k members' scores R_1..R_k of one item:
- ``mean``:  (1/k) Σ R_i
- ``min``:   worst case, min_i R_i (WCO)
- ``uwo``:   uncertainty-weighted, mean − λ · Var(R_i), population variance (1/k) Σ (R_i − mean)²
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

AGGREGATIONS: tuple[str, ...] = ("mean", "min", "uwo")


def _population_variance(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


def _per_item(scores_per_member: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    if not scores_per_member:
        raise ValueError("need at least one member's scores")
    lengths = {len(member) for member in scores_per_member}
    if len(lengths) != 1:
        raise ValueError(f"members scored different numbers of items: {sorted(lengths)}")
    return list(zip(*scores_per_member))


def aggregate_rewards(
    scores_per_member: Sequence[Sequence[float]], method: str = "mean", uwo_lambda: float = 0.1
) -> list[float]:
    """Combine ``scores_per_member[i][j]`` (member i's score of item j) into one score per item."""
    if method not in AGGREGATIONS:
        raise ValueError(f"method must be one of {AGGREGATIONS}, got {method!r}")
    aggregated = []
    for item in _per_item(scores_per_member):
        mean = sum(item) / len(item)
        if method == "mean":
            aggregated.append(mean)
        elif method == "min":
            aggregated.append(min(item))
        else:
            aggregated.append(mean - uwo_lambda * _population_variance(item))
    return aggregated


def disagreement(scores_per_member: Sequence[Sequence[tuple[float, float]]]) -> list[float]:
    """Per unlabelled pair, the population variance over members of r(a) − r(b).

    ``scores_per_member[i][j]`` is member i's ``(score_a, score_b)`` for pair j. Higher means the
    members disagree more about which response is better: sort descending to pick pairs to label.
    A shared offset in both rewards (which BT cannot identify) does not count as disagreement.
    """
    return [_population_variance([a - b for a, b in item]) for item in _per_item(scores_per_member)]


class RewardScorer:
    """Callable ``(prompts, responses) -> rewards`` over one model or an ensemble (aggregated)."""

    def __init__(
        self,
        models: list[Any],
        tokenizers: list[Any],
        max_lengths: list[int],
        device: Any,
        aggregation: str,
        uwo_lambda: float,
        batch_size: int,
    ) -> None:
        self.models = models
        self.tokenizers = tokenizers
        self.max_lengths = max_lengths
        self.device = device
        self.aggregation = aggregation
        self.uwo_lambda = uwo_lambda
        self.batch_size = batch_size

    def member_scores(self, prompts: Sequence[list[dict[str, str]]], responses: Sequence[str]) -> list[list[float]]:
        """One list of rewards per member (output 0 of each model's head)."""
        from verdict_ml.rewards.data import encode_prompt_response
        from verdict_ml.rewards.model import predict

        if len(prompts) != len(responses):
            raise ValueError(f"{len(prompts)} prompts but {len(responses)} responses")
        if not prompts:
            return [[] for _ in self.models]
        scores = []
        for model, tokenizer, max_length in zip(self.models, self.tokenizers, self.max_lengths):
            encoded = [encode_prompt_response(tokenizer, p, r, max_length) for p, r in zip(prompts, responses)]
            outputs = predict(model, encoded, tokenizer.pad_token_id, self.batch_size, self.device)
            scores.append([row[0] for row in outputs])
        return scores

    def __call__(self, prompts: Sequence[list[dict[str, str]]], responses: Sequence[str]) -> list[float]:
        members = self.member_scores(prompts, responses)
        if not prompts:
            return []
        return aggregate_rewards(members, self.aggregation, self.uwo_lambda)


def load_reward_scorer(
    path_or_paths: str | Path | Sequence[str | Path],
    device: str = "auto",
    *,
    aggregation: str = "mean",
    uwo_lambda: float = 0.1,
    batch_size: int = 32,
    max_length: int | None = None,
) -> RewardScorer:
    """Load saved reward model(s) for scoring; several paths (or a folder of ``member-*``) form an ensemble.

    ``max_length`` defaults to the one each model was trained with (its ``reward_model.json``).
    """
    import torch

    from verdict_ml.rewards.model import apply_pooling, load_sequence_classifier, load_tokenizer, read_metadata

    if aggregation not in AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {AGGREGATIONS}, got {aggregation!r}")
    if isinstance(path_or_paths, str | Path):
        root = Path(path_or_paths)
        members = sorted(root.glob("member-*"), key=lambda p: int(p.name.split("-")[1]))
        paths = members or [root]
    else:
        paths = [Path(p) for p in path_or_paths]
    if not paths:
        raise ValueError("no reward model paths given")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    models, tokenizers, lengths = [], [], []
    for path in paths:
        metadata = read_metadata(path)
        tokenizer = load_tokenizer(str(path))
        model = load_sequence_classifier(str(path), metadata.get("attributes", ["reward"]), tokenizer)
        model = apply_pooling(model, metadata.get("config", {}).get("pooling", "cls"))
        models.append(model.to(device).eval())
        tokenizers.append(tokenizer)
        lengths.append(max_length or metadata.get("max_length") or 512)
    return RewardScorer(models, tokenizers, lengths, torch.device(device), aggregation, uwo_lambda, batch_size)
