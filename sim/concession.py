"""How a party concedes: time-, resource- and behaviour-dependent tactics, mixed per party.

Pure functions on numpy arrays over replicates (shape (N,), or (N, M) where stated); no
state, no randomness, no knowledge of how many rounds are simulated. The model keeps the
state and calls these once per round.

The state is the party's *conceded share* α ∈ [κ, 1]: the share of the range between the
best it could hope for (utility 1) and its value of continued war (its BATNA, b) that it
has given up. Its aspiration, the least it accepts, is

    aspiration = 1 − α (1 − b).                                         (1)

Each round every tactic ("channel") proposes a share h_c ∈ [0, 1] of the *remaining* range
(1 − α) to give up; the party mixes them with its weights w (time, resource, behaviour;
normalised to sum 1), as Faratin, Sierra & Jennings (1998) mix tactics:

    h = w_T h_T + w_R h_R + w_B h_B,    α' = α + (1 − α) h.             (2)

Since every h_c ∈ [0, 1] and the weights sum to 1, α' ∈ [α, 1]: concession never goes
backwards and never passes the BATNA. The only way back is the rebound (a failed
ratification or a walk-out threat), which moves α part of the way back towards the opening
κ. Working on the share of the remaining range makes the pure time-dependent tactic
(w_T = 1) reproduce ``sim.analytic.fsj_aspiration`` exactly, whatever path the BATNA takes.

Channels and their equations:

- time (FSJ): h_T is the share of the remaining range the FSJ curve closes this round,
  with the deadline the party's *belief* (its own parameter), see :func:`time_share`;
- resource: the cost of war eats into what the party can bear (a tolerance τ),
  :func:`cost_share`, and the front trends against it, :func:`front_share`; the two
  combine as independent pressures, :func:`resource_share`;
- behaviour: relative tit-for-tat, the share the other side(s) conceded last round, scaled
  by a reciprocity r, :func:`reciprocity_share`;
- coercion: a pace multiplier (e.g. from strikes) that speeds the mixed share,
  1 − (1 − h)^pace, reported as its own channel by :func:`concede`.

Ratification anticipation (two-level games): :func:`ratification_probability` and
:func:`signs`.

In the model: call :func:`time_share` with ``elapsed = round − 1`` and
``believed_deadline = deadline − 1`` (at least 1) to reproduce the agents' current clock, in
which the aspiration reaches the BATNA in the deadline round; the deadline is the party's
own parameter. The behaviour channel needs last round's :func:`realised_share` of every
party, the front channel the trend carried from round to round, the cost channel the cost
accumulated before this round.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.analytic import fsj_aspiration
from sim.mesa_import import special

__all__ = [
    "ConcessionStep",
    "aspiration",
    "concede",
    "cost_share",
    "expected_signing_value",
    "front_share",
    "front_trend",
    "fsj_conceded",
    "normalised_weights",
    "realised_share",
    "rebound",
    "reciprocity_share",
    "ratification_probability",
    "resource_share",
    "signs",
    "time_share",
]

Array = np.ndarray
Values = np.ndarray | float  # an array over replicates, or one value for all


# ------------------------------------------------------------------------------- time


def fsj_conceded(
    elapsed: Values, believed_deadline: Values, beta: Values, initial: Values
) -> Array:
    r"""Conceded share of the pure FSJ curve after ``elapsed`` rounds.

    .. math:: \alpha(t) = \kappa + (1 - \kappa)\,(\min(t, T)/T)^{1/\beta}

    the same curve as :func:`sim.analytic.fsj_aspiration` (aspiration = 1 − α(1 − b)).
    ``believed_deadline`` T is the round by which the party believes it must have reached
    its BATNA: its own belief, never the simulated window.
    """
    level = fsj_aspiration(elapsed, believed_deadline, beta, 0.0, initial, 1.0)
    return 1.0 - np.asarray(level, dtype=float)


def time_share(elapsed: Values, believed_deadline: Values, beta: Values) -> Array:
    r"""Share of the remaining range the time-dependent tactic gives up in this round.

    With f(t) = (min(t, T)/T)^{1/β} (T = the believed deadline, t = rounds since the
    opening, this round's value included):

    .. math:: h_T(t) = \frac{f(t) - f(t-1)}{1 - f(t-1)},\qquad h_T(0) = 0,

    and h_T = 1 once t − 1 ≥ T (past its believed deadline the tactic gives up whatever
    is left). κ cancels, so h_T does not depend on the opening concession. Iterating (2)
    with w_T = 1 from α = κ gives α(t) = κ + (1 − κ) f(t): the FSJ curve.
    """
    t = np.asarray(elapsed, dtype=float)
    big_t = np.asarray(believed_deadline, dtype=float)
    inv = 1.0 / np.asarray(beta, dtype=float)
    now = (np.minimum(t, big_t) / big_t) ** inv
    before = (np.minimum(np.maximum(t - 1.0, 0.0), big_t) / big_t) ** inv
    left = 1.0 - before
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(left > 0.0, (now - before) / left, 1.0)
    return np.where(t <= 0.0, 0.0, np.clip(share, 0.0, 1.0))


# --------------------------------------------------------------------------- resource


def cost_share(round_cost: Values, accumulated_before: Values, tolerance: Values) -> Array:
    r"""Share of the remaining range given up because this round's cost of war eats into
    what is left of the party's tolerance τ (utility units it can bear over the talks).

    .. math:: h_C = \min\Bigl(1, \frac{c_t}{\max(\tau - C_{t-1}, 0)}\Bigr),

    c_t the cost paid this round and C_{t−1} the cost accumulated before it (both ≥ 0);
    h_C = 1 once C_{t−1} ≥ τ (when c_t > 0). Iterated alone (w_R = 1, no front trend) it
    gives α_t = κ + (1 − κ) min(1, C_t/τ): the party has conceded the share of its
    tolerance the war has used up. The same cost concedes more the more has been paid.
    """
    c = np.maximum(np.asarray(round_cost, dtype=float), 0.0)
    room = np.maximum(np.asarray(tolerance, dtype=float) - accumulated_before, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(room > 0.0, c / room, np.where(c > 0.0, 1.0, 0.0))
    return np.minimum(share, 1.0)


def front_trend(previous: Values, move: Values, direction: Values, halflife: Values) -> Array:
    r"""The party's recent battlefield trend: an exponential moving average of its gain.

    .. math:: g_t = (1 - \lambda)\,g_{t-1} + \lambda\,d\,m_t,\qquad
              \lambda = 1 - 2^{-1/H},

    m_t the front line's move this round, d = +1 if the party gains as the line rises
    (−1 if it loses), H the half-life in rounds (> 0). g < 0 is an adverse trend. Starts
    at g_0 = 0 (no trend known at the opening).
    """
    lam = 1.0 - np.exp2(-1.0 / np.asarray(halflife, dtype=float))
    return (1.0 - lam) * previous + lam * np.asarray(direction, dtype=float) * move


def front_share(trend: Values, sensitivity: Values) -> Array:
    r"""Share of the remaining range given up because the front trends against the party.

    .. math:: h_F = 1 - \exp\bigl(-k\,\max(0, -g)\bigr)

    g the trend (:func:`front_trend`, front-line units per round), k ≥ 0 the sensitivity;
    h_F ≈ k·(adverse trend) when small. A favourable trend gives 0 (a party does not
    concede because it is winning; it may hold out, which the time tactic covers).
    """
    adverse = np.maximum(-np.asarray(trend, dtype=float), 0.0)
    return -np.expm1(-np.asarray(sensitivity, dtype=float) * adverse)


def resource_share(cost: Values, front: Values) -> tuple[Array, Array, Array]:
    r"""Combine the two resource pressures as independent ones:
    h_R = 1 − (1 − h_C)(1 − h_F).

    Returns (h_R, part due to cost, part due to the front), the parts splitting h_R in
    proportion to h_C and h_F (they sum to h_R).
    """
    c = np.asarray(cost, dtype=float)
    f = np.asarray(front, dtype=float)
    total = 1.0 - (1.0 - c) * (1.0 - f)
    both = c + f
    with np.errstate(divide="ignore", invalid="ignore"):
        by_cost = np.where(both > 0.0, total * c / both, 0.0)
    return total, by_cost, total - by_cost


# -------------------------------------------------------------------------- behaviour


def realised_share(before: Values, after: Values) -> Array:
    r"""The share of its remaining range a party gave up between two conceded shares:
    (α_after − α_before)/(1 − α_before), 0 where nothing was left; negative after a
    rebound. This is what the other side answers next round."""
    b = np.asarray(before, dtype=float)
    left = 1.0 - b
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(left > 0.0, (np.asarray(after, dtype=float) - b) / left, 0.0)


def reciprocity_share(
    others_last: Values, reciprocity: Values, weights: Values | None = None
) -> Array:
    r"""Relative tit-for-tat (FSJ): answer the other side's last concession in kind.

    .. math:: h_B = \min\Bigl(1, r \sum_j \omega_j \max(0, s_j)\Bigr)

    ``others_last`` (N, M): s_j, the share each of the M other parties gave up last round
    (:func:`realised_share`); ``weights`` (N, M): ω_j, e.g. the party's salience on what
    each other party controls, normalised here (None = the plain mean); r ≥ 0 the
    reciprocity (1 = exact relative tit-for-tat). A hard line (s = 0), or a hardening
    (s < 0, counted as 0), is met with a hard line.
    """
    s = np.maximum(np.atleast_2d(np.asarray(others_last, dtype=float)), 0.0)
    if weights is None:
        mean = s.mean(axis=1)
    else:
        w = np.atleast_2d(np.asarray(weights, dtype=float))
        total = w.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.where(total > 0.0, (w * s).sum(axis=1) / total, 0.0)
    return np.minimum(np.asarray(reciprocity, dtype=float) * mean, 1.0)


# ----------------------------------------------------------------------------- mixture


@dataclass(frozen=True)
class ConcessionStep:
    """One round's concession: the new conceded share and where it came from.

    Every channel is in conceded-share units (Δα); they sum to ``conceded − previous``.
    Multiply by (1 − b) for utility units of aspiration.
    """

    previous: Array
    conceded: Array
    time: Array
    cost: Array
    front: Array
    reciprocity: Array
    coercion: Array

    @property
    def total(self) -> Array:
        return self.conceded - self.previous

    def channels(self) -> dict[str, Array]:
        return {
            "time": self.time,
            "cost": self.cost,
            "front": self.front,
            "reciprocity": self.reciprocity,
            "coercion": self.coercion,
        }

    def in_utility(self, batna: Values) -> dict[str, Array]:
        """Each channel as the fall of the aspiration it caused, Δα (1 − b), for the trace
        (b the BATNA the new aspiration is measured against)."""
        scale = 1.0 - np.asarray(batna, dtype=float)
        return {name: part * scale for name, part in self.channels().items()}


def normalised_weights(weights: Values) -> Array:
    """(N, 3) non-negative weights on (time, resource, behaviour), rows normalised to 1."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2 or w.shape[1] != 3:
        raise ValueError(f"weights must have shape (N, 3) (got {w.shape})")
    total = w.sum(axis=1, keepdims=True)
    if np.any(w < 0.0) or np.any(total <= 0.0):
        raise ValueError("concession weights must be >= 0 with a positive sum")
    return w / total


def concede(
    conceded: Values,
    weights: Values,
    time: Values,
    cost: Values,
    front: Values,
    reciprocity: Values,
    pace: Values = 1.0,
    *,
    normalise: bool = True,
) -> ConcessionStep:
    r"""The next conceded share from the channels' shares, per equation (2) with coercion:

    .. math::

        h = w_T h_T + w_R h_R + w_B h_B,\quad
        h^* = 1 - (1 - h)^{p},\quad \alpha' = \alpha + (1 - \alpha)\,h^*,

    h_R = 1 − (1 − h_C)(1 − h_F), p ≥ 0 the pace multiplier (1 = no coercion; a strike's
    coercion raises it). Each channel's part: (1 − α) w_c h_c (the resource part split
    between cost and front by :func:`resource_share`), and coercion (1 − α)(h* − h).

    ``weights`` (N, 3) on (time, resource, behaviour), normalised here (with ``normalise``
    False, taken as they are: the caller has passed them through
    :func:`normalised_weights`); the shares are the outputs of :func:`time_share`,
    :func:`cost_share`, :func:`front_share` and :func:`reciprocity_share`, each in [0, 1].
    """
    a = np.asarray(conceded, dtype=float)
    w = normalised_weights(weights) if normalise else np.asarray(weights, dtype=float)
    h_r, by_cost, by_front = resource_share(cost, front)
    left = 1.0 - a
    part_time = left * w[:, 0] * time
    part_cost = left * w[:, 1] * by_cost
    part_front = left * w[:, 1] * by_front
    part_recip = left * w[:, 2] * reciprocity
    mixed = np.clip(w[:, 0] * time + w[:, 1] * h_r + w[:, 2] * reciprocity, 0.0, 1.0)
    p = np.asarray(pace, dtype=float)
    # exactly the mixed share when there is no coercion (1 - (1 - h) is not h in floats)
    sped = np.where(p == 1.0, mixed, 1.0 - (1.0 - mixed) ** p)
    part_coercion = left * (sped - mixed)
    new = np.minimum(a + left * sped, 1.0)
    return ConcessionStep(a, new, part_time, part_cost, part_front, part_recip, part_coercion)


def rebound(conceded: Values, initial: Values, fraction: Values) -> tuple[Array, Array]:
    r"""Move the conceded share back towards the opening κ by a fraction ρ ∈ [0, 1]:

    .. math:: \alpha' = \alpha - \rho\,(\alpha - \kappa)

    (ρ = 0: no change; ρ = 1: back to the opening demand, not to the ideal). With a fixed
    BATNA the aspiration moves the same fraction of the way back to the opening
    aspiration 1 − κ(1 − b). Applied where the event happened (pass ρ = 0 elsewhere).
    Returns (α', α' − α), the second ≤ 0 for the trace.
    """
    a = np.asarray(conceded, dtype=float)
    back = np.asarray(fraction, dtype=float) * np.maximum(a - initial, 0.0)
    return a - back, -back


def aspiration(conceded: Values, batna: Values, bump: Values = 0.0) -> Array:
    r"""The least a party accepts: equation (1) plus a temporary hardening (a strike's
    backlash, utility units), kept between the BATNA and max(1, BATNA):

    .. math:: A = \min\bigl(\max(1 - \alpha(1 - b) + \text{bump},\ b),\ \max(1, b)\bigr)
    """
    b = np.asarray(batna, dtype=float)
    level = 1.0 - np.asarray(conceded, dtype=float) * (1.0 - b) + bump
    return np.minimum(np.maximum(level, b), np.maximum(1.0, b))


# ----------------------------------------------------------------------- ratification


def ratification_probability(
    approval_logit: Values, logit_threshold: Values, vote_noise_sd: Values
) -> Array:
    r"""Chance a package passes at home, as the government sees it before signing.

    The vote passes when logit(approval) + σ z ≥ logit(threshold), z ~ N(0, 1), so

    .. math:: P = \Phi\bigl((\mathrm{logit}\,a - \mathrm{logit}\,\theta) / \sigma\bigr),

    and, with σ = 0, the step P = 1 if logit a ≥ logit θ else 0 (a tie passes, as in the
    vote itself).
    """
    gap = np.asarray(approval_logit, dtype=float) - logit_threshold
    sd = np.asarray(vote_noise_sd, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        smooth = special.ndtr(gap / sd)
    return np.where(sd > 0.0, smooth, (gap >= 0.0).astype(float))


def expected_signing_value(
    utility: Values, probability: Values, batna: Values, failure_loss: Values
) -> Array:
    r"""Expected value of signing package x: P U(x) + (1 − P)(b − L).

    A rejected package leaves the government at war (its BATNA b) having lost L ≥ 0: the
    rounds of war before talks resume, and the package burnt at home.
    """
    p = np.asarray(probability, dtype=float)
    return p * utility + (1.0 - p) * (np.asarray(batna, dtype=float) - failure_loss)


def signs(
    utility: Values,
    aspiration_level: Values,
    batna: Values,
    probability: Values,
    failure_loss: Values,
) -> Array:
    r"""The signing rule of a government that anticipates its own ratification:

    .. math:: P\,U(x) + (1 - P)(b - L) \ge A \quad\text{and}\quad U(x) \ge A,

    A its aspiration (≥ b). Not signing keeps A within reach at the table; signing gains
    U(x) if the public agrees and falls to b − L if it does not. With P = 1 the rule is
    today's U(x) ≥ A; with P = 0 it never signs unless A = b and L = 0. Equivalently it
    signs iff P ≥ (A − b + L)/(U(x) − b + L). A party with no ratification has P = 1.
    """
    value = expected_signing_value(utility, probability, batna, failure_loss)
    tol = 1e-12
    return (np.asarray(utility) >= aspiration_level - tol) & (value >= aspiration_level - tol)
