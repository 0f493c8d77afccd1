r"""Closed forms of multilateral bargaining protocols on a divisible unit pie.

Re-exported by :mod:`sim.analytic`; the engine's protocol tests compare the simulator with
them (docs/model.md, "Protocols"). Shares are of a pie of size 1; disagreement is worth 0
to everyone; party i discounts a round's delay by :math:`\delta_i`.

- :func:`rotation_offers`: alternating offers with a fixed rotation and unanimity (the
  stationary subgame-perfect equilibrium);
- :func:`baron_ferejohn_shares`: legislative bargaining with random recognition, a quota
  and a closed rule (the symmetric stationary equilibrium);
  :func:`baron_ferejohn_unanimity_offers`: unequal recognition probabilities, unanimity;
- :func:`finite_rotation_offer`, :func:`finite_horizon_share`: a deadline known to all
  (backward induction from the last round);
- :func:`outside_option_share`: an outside option the responder may take instead of
  answering (the outside-option principle);
- :func:`fixed_cost_share`: a fixed cost per round of bargaining instead of discounting.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _discounts(discounts: Sequence[float] | np.ndarray, open_top: bool = True) -> np.ndarray:
    d = np.asarray(discounts, dtype=float)
    if d.ndim != 1 or d.size < 2:
        raise ValueError("give one discount factor per party, at least two")
    if np.any(~np.isfinite(d)) or np.any(d < 0) or np.any(d > 1) or (open_top and np.all(d >= 1)):
        raise ValueError("discount factors must lie in [0, 1], not all 1")
    return d


def rotation_offers(discounts: Sequence[float] | np.ndarray) -> np.ndarray:
    r"""Stationary subgame-perfect offers of alternating offers with a fixed rotation.

    Parties 0, 1, ..., n - 1 propose in turn, 0 first; an offer needs every other party's
    consent; after a rejection the NEXT party in the rotation proposes. In the stationary
    equilibrium proposer i offers every responder j exactly its discounted share in the
    next proposer's offer, :math:`x_{i,j} = \delta_j x_{i+1,j}`, so a party m places
    behind the proposer (m = (j - i) mod n) gets :math:`\delta_j^m s_j`, where
    :math:`s_j` is j's own share when it proposes, and

    .. math:: s_j + \sum_{l \ne j} \delta_l^{(l - j) \bmod n}\, s_l = 1.

    With a common factor :math:`\delta` the proposer's share is
    :math:`s = (1 - \delta) / (1 - \delta^n)` and the party m places behind it gets
    :math:`\delta^m s` (the stationary equilibrium of the n-player game; with n >= 3 it is
    not the only subgame-perfect one: Osborne and Rubinstein 1990, Bargaining and Markets,
    section 3.13, after Shaked). With n = 2 this is Rubinstein's (1982) split.

    Returns the (n, n) matrix whose row i is proposer i's offer (rows sum to 1).
    """
    d = _discounts(discounts)
    n = d.size
    lag = (np.arange(n)[None, :] - np.arange(n)[:, None]) % n  # lag[j, l]: l's places after j
    a = d[None, :] ** lag  # a[j, j] = 1
    own = np.linalg.solve(a, np.ones(n))
    return d[None, :] ** ((np.arange(n)[None, :] - np.arange(n)[:, None]) % n) * own[None, :]


def rotation_share(n: int, delta: float) -> float:
    r"""The proposer's stationary share with n parties in a rotation and a common discount
    factor: :math:`(1 - \delta) / (1 - \delta^n)` (``1 / n`` at :math:`\delta = 1`'s
    limit; see :func:`rotation_offers`)."""
    if n < 2:
        raise ValueError("n must be at least 2")
    if not 0.0 <= delta < 1.0:
        raise ValueError("delta must lie in [0, 1)")
    return (1.0 - delta) / (1.0 - delta**n)


def baron_ferejohn_shares(n: int, q: int, delta: float) -> tuple[float, float, float]:
    r"""Baron and Ferejohn's (1989) legislative bargaining, closed rule: the symmetric
    stationary equilibrium.

    Each round one of n parties is recognised with probability 1/n and proposes a split of
    the pie; it passes with the votes of q parties (the proposer's included), else the
    next round starts (delay discounted by a common :math:`\delta`). In the symmetric
    stationary equilibrium every proposal passes at once, so each party's value before
    recognition is :math:`v = 1/n`. A responder votes yes to at least its continuation
    value :math:`\delta v = \delta / n`; the proposer buys the q - 1 cheapest votes at that
    price and keeps the rest:

    .. math:: x_{\text{proposer}} = 1 - \frac{\delta (q - 1)}{n}, \quad
              x_{\text{member}} = \frac{\delta}{n}, \quad x_{\text{excluded}} = 0

    (Baron and Ferejohn 1989, "Bargaining in legislatures", APSR 83(4), with majority
    rule q = (n + 1)/2 for odd n: :math:`1 - \delta (n - 1) / (2n)`).
    Unanimity (q = n) gives :math:`1 - \delta (n - 1)/n`.

    Returns (proposer's share, each coalition member's, each excluded party's).
    """
    if n < 2 or not 1 <= q <= n:
        raise ValueError("need n >= 2 and 1 <= q <= n")
    if not 0.0 <= delta <= 1.0:
        raise ValueError("delta must lie in [0, 1]")
    return 1.0 - delta * (q - 1) / n, delta / n, 0.0


def baron_ferejohn_unanimity_offers(
    recognition: Sequence[float] | np.ndarray, delta: float
) -> np.ndarray:
    r"""Legislative bargaining with unequal recognition probabilities :math:`p_i` and
    unanimity (q = n), closed rule, a common discount factor: the stationary equilibrium.

    Every proposal passes at once, so party j's value before recognition is
    :math:`v_j = p_j` (the values sum to 1, and :math:`v_j = p_j (1 - \delta (1 - v_j)) +
    (1 - p_j)\, \delta v_j` solves to it); proposer i offers each responder its
    continuation value :math:`\delta p_j` and keeps :math:`1 - \delta (1 - p_i)`. With
    two parties and equal probabilities: :math:`1 - \delta / 2`.

    Returns the (n, n) matrix whose row i is proposer i's offer (rows sum to 1).
    """
    p = np.asarray(recognition, dtype=float)
    if p.ndim != 1 or p.size < 2 or np.any(p < 0) or abs(p.sum() - 1.0) > 1e-9:
        raise ValueError("give one recognition probability per party, summing to 1")
    if not 0.0 <= delta <= 1.0:
        raise ValueError("delta must lie in [0, 1]")
    x = np.tile(delta * p, (p.size, 1))
    np.fill_diagonal(x, 1.0 - delta * (1.0 - p))
    return x


def finite_rotation_offer(
    discounts: Sequence[float] | np.ndarray,
    rounds: int,
    outside: Sequence[float] | np.ndarray | None = None,
    cost: Sequence[float] | np.ndarray | None = None,
) -> np.ndarray:
    r"""The first round's offer of alternating offers in a rotation with a deadline known
    to all: ``rounds`` rounds (proposer t mod n in round t = 0, 1, ...), then
    disagreement (worth 0). By backward induction: the last proposer takes the whole pie
    but what a responder's outside option claims; each earlier proposer gives every
    responder j its value of rejecting,

    .. math:: f_j = \max\bigl(w_j,\ \delta_j\, x_{t+1, j} - c_j\bigr)^+ ,

    with :math:`x_{t+1}` the next round's offer, :math:`w_j` j's outside option (it may
    opt out instead of answering) and :math:`c_j` its fixed cost of another round; the
    proposer keeps the rest. (A responder's value cannot fall below its outside option
    nor, as it may always hold out, below 0.) With two parties, a common :math:`\delta`
    and neither outside options nor costs see :func:`finite_horizon_share`. Where the
    floors exceed the pie the proposer keeps nothing and the floors are scaled down (no
    agreement gives them; this case is outside the closed form).

    Returns the first round's offer, shape (n,).
    """
    d = _discounts(discounts, open_top=False)
    n = d.size
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    w = np.zeros(n) if outside is None else np.asarray(outside, dtype=float)
    c = np.zeros(n) if cost is None else np.asarray(cost, dtype=float)
    x: np.ndarray | None = None
    for t in range(rounds - 1, -1, -1):
        p = t % n
        # in the last round a responder weighs the offer against its outside option only
        waiting = np.zeros(n) if x is None else d * x - c
        floors = np.maximum(np.maximum(w, waiting), 0.0)
        floors[p] = 0.0
        total = floors.sum()
        x = floors / total if total > 1.0 else floors
        x[p] = max(0.0, 1.0 - total)
    assert x is not None  # rounds >= 1
    return x


def finite_horizon_share(rounds: int, delta: float) -> float:
    r"""First proposer's share of two-party alternating offers with a common discount
    factor and a known last round (T = ``rounds``; the last proposer takes all):

    .. math:: x_1(T) = \frac{1 - (-\delta)^T}{1 + \delta},

    which swings about Rubinstein's :math:`1/(1 + \delta)` with the parity of T (Ståhl
    1972; Osborne and Rubinstein 1990, section 3.4) and tends to it as T grows."""
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    if not 0.0 <= delta <= 1.0:
        raise ValueError("delta must lie in [0, 1]")
    return (1.0 - (-delta) ** rounds) / (1.0 + delta)


def outside_option_share(d1: float, d2: float, outside2: float) -> float:
    r"""First proposer's share when the responder (party 2) may opt out for ``outside2``
    whenever it answers (Binmore, Shaked and Sutton 1989, "An outside option experiment",
    QJE 104(4); Osborne and Rubinstein 1990, section 3.12). The outside-option principle:
    the option matters only if it beats what party 2 gets anyway,

    .. math:: x_1 = \min\Bigl(\frac{1 - \delta_2}{1 - \delta_1 \delta_2},\ 1 - w_2\Bigr),

    so an option below :math:`\delta_2 (1 - \delta_1) / (1 - \delta_1 \delta_2)` leaves
    Rubinstein's split unchanged (unlike a disagreement point, which always moves it)."""
    if not (0 <= d1 <= 1 and 0 <= d2 <= 1 and d1 * d2 < 1):
        raise ValueError("discount factors must lie in [0, 1], product < 1")
    if not 0.0 <= outside2 <= 1.0:
        raise ValueError("the outside option must lie in [0, 1]")
    return min((1.0 - d2) / (1.0 - d1 * d2), 1.0 - outside2)


def fixed_cost_share(c1: float, c2: float) -> float:
    r"""First proposer's share of alternating offers with a fixed cost per round
    (:math:`c_i` deducted per round of delay, no discounting; Rubinstein 1982, section
    5): the party with the smaller cost gets (almost) everything. If :math:`c_1 < c_2`
    party 1 gets 1; if :math:`c_1 > c_2` it gets :math:`c_2` (what delay would cost its
    opponent). Equal costs admit a continuum of equilibria (ValueError here)."""
    if c1 < 0 or c2 < 0:
        raise ValueError("costs must be >= 0")
    if c1 == c2:
        raise ValueError("equal costs: the equilibrium is not unique")
    return 1.0 if c1 < c2 else min(1.0, c2)
