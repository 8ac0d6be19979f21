"""The Bradley–Terry fit against hand-worked cases, and its bootstrap intervals."""
import math

import pytest

from verdict_ml.arena.bradley_terry import TIE, WIN_A, WIN_B, Battle, bradley_terry, fit_strengths


def battles(a, b, wins_a, wins_b, ties=0):
    return [Battle(a, b, WIN_A)] * wins_a + [Battle(a, b, WIN_B)] * wins_b + [Battle(a, b, TIE)] * ties


def test_three_players_whose_win_counts_equal_their_expectation_under_strengths_4_2_1():
    # Under π = (4, 2, 1), A–B over 3 games expects A to win 3·4/6 = 2, B–C 3·2/3 = 2, A–C 5·4/5 = 4.
    # With exactly those counts the likelihood equations Σ_j n_ij σ(θ_i − θ_j) = wins_i hold at
    # θ = ln π, so the maximum-likelihood strengths are ln 4, ln 2, ln 1 less their mean.
    data = battles("A", "B", 2, 1) + battles("B", "C", 2, 1) + battles("A", "C", 4, 1)
    fitted = fit_strengths(data, alpha=1e-9)
    mean = (math.log(4) + math.log(2)) / 3
    assert fitted["A"] == pytest.approx(math.log(4) - mean, abs=1e-3)
    assert fitted["B"] == pytest.approx(math.log(2) - mean, abs=1e-3)
    assert fitted["C"] == pytest.approx(-mean, abs=1e-3)


def test_a_tie_counts_as_half_a_win_each_way():
    # A wins once and ties twice: A has 1 + ½·2 = 2 wins to B's 1 in 3 games, so σ(θ_A − θ_B) = 2/3
    # and θ_A − θ_B = ln 2. Counted as no game at all, ties would give θ_A − θ_B → ∞ instead.
    fitted = fit_strengths(battles("A", "B", 1, 0, ties=2), alpha=1e-9)
    assert fitted["A"] - fitted["B"] == pytest.approx(math.log(2), abs=1e-3)
    assert fitted["A"] == pytest.approx(-fitted["B"])


def test_the_fit_is_a_direct_maximum_likelihood_solve():
    """Checked against an independent Newton solve of the half-win likelihood on uneven data."""
    import numpy as np

    data = battles("A", "B", 5, 3, ties=2) + battles("B", "C", 4, 1, ties=1) + battles("A", "C", 2, 2) + battles("C", "D", 3, 3, ties=4) + battles("A", "D", 1, 2)
    names = ["A", "B", "C", "D"]
    index = {n: i for i, n in enumerate(names)}
    wins = np.zeros((4, 4))
    for battle in data:
        a, b = index[battle.player_a], index[battle.player_b]
        if battle.outcome == WIN_A:
            wins[a, b] += 1
        elif battle.outcome == WIN_B:
            wins[b, a] += 1
        else:
            wins[a, b] += 0.5
            wins[b, a] += 0.5
    games = wins + wins.T
    theta = np.zeros(4)
    for _ in range(50):
        p = 1 / (1 + np.exp(-(theta[:, None] - theta[None, :])))
        gradient = wins.sum(axis=1) - (games * p).sum(axis=1)
        hessian = games * p * (1 - p)
        hessian[np.diag_indices(4)] = -(games * p * (1 - p)).sum(axis=1)
        step = np.linalg.lstsq(hessian, -gradient, rcond=None)[0]
        theta = theta + step
        theta -= theta.mean()
    fitted = fit_strengths(data, alpha=1e-9)
    assert [fitted[n] for n in names] == pytest.approx(list(theta), abs=1e-3)


def test_ratings_are_sorted_with_bootstrap_intervals_that_contain_the_estimate_and_are_seeded():
    data = battles("strong", "weak", 30, 10, ties=4) + battles("weak", "mid", 8, 12) + battles("strong", "mid", 14, 6, ties=2)
    ratings = bradley_terry(data, bootstrap=100, seed=3)
    assert [r.player for r in ratings] == ["strong", "mid", "weak"]
    for rating in ratings:
        low, high = rating.interval
        assert low < rating.strength < high
    strong = ratings[0]
    assert strong.battles == 44 + 22 and strong.wins == 30 + 2 + 14 + 1
    assert strong.elo == pytest.approx(400 / math.log(10) * strong.strength + 1000)
    assert [r.interval for r in bradley_terry(data, bootstrap=100, seed=3)] == [r.interval for r in ratings]
    assert [r.interval for r in bradley_terry(data, bootstrap=100, seed=4)] != [r.interval for r in ratings]


def test_bad_battles_are_refused():
    with pytest.raises(ValueError, match="outcome"):
        bradley_terry([Battle("A", "B", "draw")])
    with pytest.raises(ValueError, match="two players"):
        bradley_terry([Battle("A", "A", WIN_A)])
