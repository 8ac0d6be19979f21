"""Bradley–Terry ratings of players (models, checkpoints) from pairwise battles with ties, as Chatbot
Arena rates models from votes: a maximum-likelihood fit, and percentile-bootstrap 95 % intervals over
battles.

The model: P(i beats j) = σ(θ_i − θ_j). A tie counts as half a win each way, so the log-likelihood is
Σ_decisive log σ(θ_w − θ_l) + Σ_ties ½ [log σ(θ_a − θ_b) + log σ(θ_b − θ_a)]. choix takes only whole
wins, so every decisive battle is given to it twice and every tie once in each direction: the
likelihood is the one above times two, with the same maximiser. The fit is choix's I-LSR
(`choix.ilsr_pairwise`, Maystre & Grossglauser 2015), which converges to that maximum-likelihood
estimate; its `alpha` starts every pair's transition rate at α (a regularisation akin to a small
virtual comparison between every two players), which keeps the estimate finite when a player won or
lost everything (in a bootstrap resample, often); the tests fit with α = 1e-9. Strengths are
centred (mean 0) natural-log odds; `elo` puts them on Chatbot Arena's scale, 400/ln 10 · θ + 1000.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIN_A, WIN_B, TIE = "a", "b", "tie"
OUTCOMES = (WIN_A, WIN_B, TIE)
DEFAULT_ALPHA = 1e-3
ELO_SCALE = 400 / math.log(10)
ELO_BASE = 1000.0


@dataclass(frozen=True)
class Battle:
    """One vote: player_a against player_b, won by 'a', 'b', or a 'tie'."""

    player_a: str
    player_b: str
    outcome: str


@dataclass(frozen=True)
class Rating:
    player: str
    strength: float  # centred θ (natural-log odds)
    interval: tuple[float, float] | None  # bootstrap 95 % interval of θ
    battles: int
    wins: float  # ties count ½

    @property
    def elo(self) -> float:
        return ELO_SCALE * self.strength + ELO_BASE


def _choix_data(battles: Sequence[Battle], index: dict[str, int]) -> list[tuple[int, int]]:
    data: list[tuple[int, int]] = []
    for battle in battles:
        a, b = index[battle.player_a], index[battle.player_b]
        if battle.outcome == WIN_A:
            data += [(a, b), (a, b)]
        elif battle.outcome == WIN_B:
            data += [(b, a), (b, a)]
        else:
            data += [(a, b), (b, a)]
    return data


def _check(battles: Sequence[Battle]) -> list[str]:
    players: set[str] = set()
    for battle in battles:
        if battle.outcome not in OUTCOMES:
            raise ValueError(f"a battle's outcome must be one of {OUTCOMES}; got {battle.outcome!r}")
        if battle.player_a == battle.player_b:
            raise ValueError(f"a battle needs two players; got {battle.player_a!r} twice")
        players.update((battle.player_a, battle.player_b))
    return sorted(players)


def fit_strengths(battles: Sequence[Battle], *, players: Sequence[str] | None = None, alpha: float = DEFAULT_ALPHA) -> dict[str, float]:
    """The maximum-likelihood strengths (regularised by `alpha`), centred to mean 0, by `choix.ilsr_pairwise`."""
    import choix
    import numpy as np

    names = list(players) if players is not None else _check(battles)
    if len(names) < 2:
        raise ValueError("a Bradley–Terry fit needs battles between at least two players")
    index = {name: i for i, name in enumerate(names)}
    params = choix.ilsr_pairwise(len(names), _choix_data(battles, index), alpha=alpha, max_iter=1000, tol=1e-10)
    params = np.asarray(params, dtype=float) - float(np.mean(params))
    return {name: float(params[index[name]]) for name in names}


def bradley_terry(
    battles: Sequence[Battle], *, bootstrap: int = 200, seed: int = 0, alpha: float = DEFAULT_ALPHA, level: float = 0.95
) -> list[Rating]:
    """Ratings, strongest first, with percentile-bootstrap intervals: `bootstrap` resamples of the
    battles with replacement (numpy PCG64 seeded by `seed`), each refitted; the interval of a player
    is the (1 − level)/2 and (1 + level)/2 quantiles of its centred strength. bootstrap=0: no intervals."""
    import numpy as np

    names = _check(battles)
    point = fit_strengths(battles, players=names, alpha=alpha)
    intervals: dict[str, tuple[float, float] | None] = dict.fromkeys(names)
    if bootstrap > 0:
        rng = np.random.default_rng(seed)
        draws = np.array([
            [fit[name] for name in names]
            for fit in (
                fit_strengths([battles[i] for i in rng.integers(0, len(battles), size=len(battles))], players=names, alpha=alpha)
                for _ in range(bootstrap)
            )
        ])
        tail = (1 - level) / 2
        lows, highs = np.quantile(draws, tail, axis=0), np.quantile(draws, 1 - tail, axis=0)
        intervals = {name: (float(lows[i]), float(highs[i])) for i, name in enumerate(names)}
    counts = dict.fromkeys(names, 0)
    wins = dict.fromkeys(names, 0.0)
    for battle in battles:
        counts[battle.player_a] += 1
        counts[battle.player_b] += 1
        if battle.outcome == TIE:
            wins[battle.player_a] += 0.5
            wins[battle.player_b] += 0.5
        else:
            wins[battle.player_a if battle.outcome == WIN_A else battle.player_b] += 1
    ratings = [Rating(name, point[name], intervals[name], counts[name], wins[name]) for name in names]
    return sorted(ratings, key=lambda rating: -rating.strength)
