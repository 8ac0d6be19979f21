"""Reward-model losses (HelpSteer2-Preference, arXiv 2410.01257), m = |preference strength|.

- ``bt``:        −log σ(r_c − r_r)
- ``margin_bt``: −log σ(r_c − r_r − m)      (Llama 2; TRL's ``margin`` column)
- ``scaled_bt``: −m · log σ(r_c − r_r)      (the paper's best pairwise loss)
- ``regression``: MSE between the head's outputs and the 0–4 attribute labels (SteerLM)

All return the batch mean. torch is imported lazily so that importing this module stays cheap.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

PAIRWISE_OBJECTIVES: tuple[str, ...] = ("bt", "margin_bt", "scaled_bt")


def bt_loss(rewards_chosen: torch.Tensor, rewards_rejected: torch.Tensor) -> torch.Tensor:
    import torch.nn.functional as F

    return -F.logsigmoid(rewards_chosen - rewards_rejected).mean()


def margin_bt_loss(
    rewards_chosen: torch.Tensor, rewards_rejected: torch.Tensor, strength: torch.Tensor
) -> torch.Tensor:
    import torch.nn.functional as F

    return -F.logsigmoid(rewards_chosen - rewards_rejected - strength).mean()


def scaled_bt_loss(
    rewards_chosen: torch.Tensor, rewards_rejected: torch.Tensor, strength: torch.Tensor
) -> torch.Tensor:
    import torch.nn.functional as F

    return -(strength * F.logsigmoid(rewards_chosen - rewards_rejected)).mean()


def pairwise_loss(
    objective: str,
    rewards_chosen: torch.Tensor,
    rewards_rejected: torch.Tensor,
    strength: torch.Tensor,
    center_rewards_coefficient: float | None = None,
) -> torch.Tensor:
    """The named pairwise loss, plus TRL's reward-centring term coef · mean((r_c + r_r)²) if set."""
    if objective == "bt":
        loss = bt_loss(rewards_chosen, rewards_rejected)
    elif objective == "margin_bt":
        loss = margin_bt_loss(rewards_chosen, rewards_rejected, strength)
    elif objective == "scaled_bt":
        loss = scaled_bt_loss(rewards_chosen, rewards_rejected, strength)
    else:
        raise ValueError(f"unknown pairwise objective {objective!r}; expected one of {PAIRWISE_OBJECTIVES}")
    if center_rewards_coefficient:
        loss = loss + center_rewards_coefficient * ((rewards_chosen + rewards_rejected) ** 2).mean()
    return loss


def regression_loss(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean squared error over every (example, attribute) cell; shapes (batch, n_attributes)."""
    import torch.nn.functional as F

    return F.mse_loss(predictions.float(), targets.float())
