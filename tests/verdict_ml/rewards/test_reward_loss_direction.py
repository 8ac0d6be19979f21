"""The reward losses' direction: a chosen response scored above its rejected one costs less than the
reverse. The hand-worked cases in test_reward_losses.py have reward differences 1, −1 and 0, which a
flipped sign maps onto themselves, so these cases use differences that do not cancel: 2 and 0.5 (the
chosen response ahead in both pairs), with strengths 1 and 3.

−log σ(x) for the values used: x = 2 → 0.126928, 0.5 → 0.474077, 1 → 0.313262, −2.5 → 2.578890.
"""
import math

import pytest
import torch

from verdict_ml.rewards.losses import bt_loss, margin_bt_loss, pairwise_loss, scaled_bt_loss

CHOSEN = torch.tensor([3.0, 1.0])
REJECTED = torch.tensor([1.0, 0.5])
STRENGTH = torch.tensor([1.0, 3.0])
# Differences r_c − r_r: 2.0, 0.5.

BT = (0.126928 + 0.474077) / 2  # 0.300503; flipped: (2.126928 + 0.974077) / 2 = 1.550503
MARGIN_BT = (0.313262 + 2.578890) / 2  # −log σ(2 − 1), −log σ(0.5 − 3); flipped: 3.289169
SCALED_BT = (1 * 0.126928 + 3 * 0.474077) / 2  # 0.774580; flipped: 2.524580


def test_bt_rewards_the_chosen_response_scoring_higher():
    """Guards: bt_loss with the sign of r_c − r_r flipped."""
    assert bt_loss(CHOSEN, REJECTED).item() == pytest.approx(BT, abs=1e-5)
    assert bt_loss(CHOSEN, REJECTED).item() < math.log(2) < bt_loss(REJECTED, CHOSEN).item()


def test_margin_bt_subtracts_the_strength_from_the_chosen_lead():
    """Guards: margin_bt_loss with the sign of the difference flipped, or the margin added instead of subtracted."""
    assert margin_bt_loss(CHOSEN, REJECTED, STRENGTH).item() == pytest.approx(MARGIN_BT, abs=1e-5)


def test_scaled_bt_weights_each_pair_by_its_strength():
    """Guards: scaled_bt_loss with the sign flipped, or the strength applied to the wrong pair."""
    assert scaled_bt_loss(CHOSEN, REJECTED, STRENGTH).item() == pytest.approx(SCALED_BT, abs=1e-5)


@pytest.mark.parametrize(("objective", "expected"), [("bt", BT), ("margin_bt", MARGIN_BT), ("scaled_bt", SCALED_BT)])
def test_pairwise_loss_dispatches_each_objective_to_its_loss(objective, expected):
    """Guards: pairwise_loss mapping an objective name to another loss."""
    assert pairwise_loss(objective, CHOSEN, REJECTED, STRENGTH).item() == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("loss", [bt_loss, margin_bt_loss, scaled_bt_loss])
def test_training_pushes_the_chosen_reward_up_and_the_rejected_down(loss):
    """Guards: any loss whose gradient would teach the reverse preference."""
    chosen, rejected = CHOSEN.clone().requires_grad_(), REJECTED.clone().requires_grad_()
    args = (chosen, rejected) if loss is bt_loss else (chosen, rejected, STRENGTH)
    loss(*args).backward()
    assert (chosen.grad < 0).all() and (rejected.grad > 0).all()
    # bt: d/dr_c of −log σ(d) / n = −(1 − σ(d)) / n; pair 1: d = 2 → −(1 − 0.880797) / 2 = −0.059601.
    if loss is bt_loss:
        assert chosen.grad[0].item() == pytest.approx(-0.059601, abs=1e-5)
