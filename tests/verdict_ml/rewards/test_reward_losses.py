"""Each reward-model loss against values worked out by hand."""
import math

import pytest
import torch

from verdict_ml.rewards.losses import bt_loss, margin_bt_loss, pairwise_loss, regression_loss, scaled_bt_loss

CHOSEN = torch.tensor([2.0, 0.5, -1.0])
REJECTED = torch.tensor([1.0, 1.5, -1.0])
STRENGTH = torch.tensor([1.0, 2.0, 3.0])
# Differences r_c − r_r: 1.0, −1.0, 0.0.


def log_sigmoid(x: float) -> float:
    return -math.log(1 + math.exp(-x))


def test_bt_loss_is_mean_negative_log_sigmoid_of_difference() -> None:
    expected = -(log_sigmoid(1.0) + log_sigmoid(-1.0) + log_sigmoid(0.0)) / 3
    # = (0.313262 + 1.313262 + 0.693147) / 3
    assert bt_loss(CHOSEN, REJECTED).item() == pytest.approx(expected, abs=1e-6)
    assert expected == pytest.approx(0.773224, abs=1e-6)


def test_margin_bt_subtracts_strength_inside_the_sigmoid() -> None:
    expected = -(log_sigmoid(1.0 - 1) + log_sigmoid(-1.0 - 2) + log_sigmoid(0.0 - 3)) / 3
    # = (0.693147 + 3.048587 + 3.048587) / 3
    assert margin_bt_loss(CHOSEN, REJECTED, STRENGTH).item() == pytest.approx(expected, abs=1e-6)
    assert expected == pytest.approx(2.263440, abs=1e-6)


def test_scaled_bt_multiplies_each_pair_loss_by_strength() -> None:
    expected = -(1 * log_sigmoid(1.0) + 2 * log_sigmoid(-1.0) + 3 * log_sigmoid(0.0)) / 3
    # = (0.313262 + 2.626523 + 2.079442) / 3
    assert scaled_bt_loss(CHOSEN, REJECTED, STRENGTH).item() == pytest.approx(expected, abs=1e-6)
    assert expected == pytest.approx(1.673076, abs=1e-6)


def test_strength_one_makes_scaled_bt_equal_bt() -> None:
    ones = torch.ones(3)
    assert scaled_bt_loss(CHOSEN, REJECTED, ones).item() == pytest.approx(bt_loss(CHOSEN, REJECTED).item())


def test_center_rewards_term_adds_coefficient_times_mean_squared_sum() -> None:
    # (r_c + r_r)² = 9, 4, 4 → mean 17/3.
    expected = -(log_sigmoid(1.0) + log_sigmoid(-1.0) + log_sigmoid(0.0)) / 3 + 0.01 * 17 / 3
    loss = pairwise_loss("bt", CHOSEN, REJECTED, STRENGTH, center_rewards_coefficient=0.01)
    assert loss.item() == pytest.approx(expected, abs=1e-6)


def test_pairwise_loss_rejects_unknown_objective() -> None:
    with pytest.raises(ValueError, match="unknown pairwise objective"):
        pairwise_loss("hinge", CHOSEN, REJECTED, STRENGTH)


def test_regression_loss_is_mse_over_all_cells() -> None:
    predictions = torch.tensor([[1.0, 2.0], [3.0, 0.0]])
    targets = torch.tensor([[0.0, 2.0], [4.0, 2.0]])
    # Squared errors 1, 0, 1, 4 → mean 1.5.
    assert regression_loss(predictions, targets).item() == pytest.approx(1.5)


def test_losses_backpropagate() -> None:
    chosen = CHOSEN.clone().requires_grad_()
    scaled_bt_loss(chosen, REJECTED, STRENGTH).backward()
    # d/dr_c of −m·log σ(d) / n = −m·(1 − σ(d)) / n; pair 3: d = 0, m = 3 → −3·0.5/3 = −0.5.
    assert chosen.grad[2].item() == pytest.approx(-0.5)
