"""Tests of sim.concession: closed forms in the asserts, hypothesis properties.

The concession functions are pure and vectorised; every expected value below is computed
by hand or by an independent closed form (the FSJ curve of sim.analytic).
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import concession as cs
from sim.analytic import fsj_aspiration


def _zeros(n: int) -> np.ndarray:
    return np.zeros(n)


def _run(
    rounds: int,
    weights: np.ndarray,
    *,
    deadline: np.ndarray,
    beta: np.ndarray,
    initial: np.ndarray,
    batna_path: np.ndarray,
    costs: np.ndarray,
    tolerance: np.ndarray,
    moves: np.ndarray,
    sensitivity: float = 0.3,
    halflife: float = 2.0,
) -> np.ndarray:
    """Two parties (index 0 gains as the line rises) conceding for ``rounds`` rounds,
    each answering the other's last concession. Returns aspirations (rounds, N, 2)."""
    n = deadline.shape[0]
    alpha = np.stack([initial, initial], axis=1)
    last = np.zeros((n, 2))
    paid = np.zeros((n, 2))
    trend = np.zeros((n, 2))
    direction = np.array([1.0, -1.0])
    out = np.empty((rounds, n, 2))
    for r in range(rounds):
        new = alpha.copy()
        for i in range(2):
            trend[:, i] = cs.front_trend(trend[:, i], moves[r], direction[i], halflife)
            step = cs.concede(
                alpha[:, i],
                weights,
                cs.time_share(np.full(n, float(r)), deadline, beta),
                cs.cost_share(costs[r, :, i], paid[:, i], tolerance),
                cs.front_share(trend[:, i], sensitivity),
                cs.reciprocity_share(last[:, [1 - i]], 1.0),
            )
            new[:, i] = step.conceded
            paid[:, i] += costs[r, :, i]
        last = cs.realised_share(alpha, new)
        alpha = new
        out[r] = cs.aspiration(alpha, batna_path[r])
    return out


# ------------------------------------------------------------------ the FSJ special case


@pytest.mark.parametrize("beta", [0.2, 0.5, 1.0, 3.0])
@pytest.mark.parametrize("deadline", [1.0, 7.0, 25.0])
def test_pure_time_tactic_is_todays_fsj_curve(beta, deadline):
    """w = (1, 0, 0): the recursion gives exactly the curve the agents use today,
    max(fsj_aspiration(elapsed, span, beta, batna_t, initial), batna_t), on a BATNA path
    that moves every round."""
    rng = np.random.default_rng(7)
    n, rounds = 50, 40
    kappa = rng.uniform(0.0, 0.5, n)
    batna_path = rng.uniform(-0.2, 0.6, (rounds, n))
    alpha = kappa.copy()
    w = np.tile([1.0, 0.0, 0.0], (n, 1))
    for elapsed in range(rounds):
        if elapsed > 0:
            h = cs.time_share(np.full(n, float(elapsed)), np.full(n, deadline), np.full(n, beta))
            alpha = cs.concede(alpha, w, h, _zeros(n), _zeros(n), _zeros(n)).conceded
        b = batna_path[elapsed]
        today = np.maximum(fsj_aspiration(float(elapsed), deadline, beta, b, kappa), b)
        np.testing.assert_allclose(cs.aspiration(alpha, b), today, rtol=0, atol=1e-12)


def test_fsj_conceded_matches_the_closed_form():
    t, big_t, beta, kappa = 3.0, 12.0, 0.5, 0.25
    expected = kappa + (1 - kappa) * (3.0 / 12.0) ** 2.0  # = 0.296875
    assert cs.fsj_conceded(t, big_t, beta, kappa) == pytest.approx(expected, abs=1e-15)
    assert cs.fsj_conceded(40.0, big_t, beta, kappa) == pytest.approx(1.0, abs=1e-15)


def test_time_share_by_hand():
    # T = 4, beta = 1: f = t/4; h(1) = 1/4, h(2) = (1/4)/(3/4) = 1/3, h(4) = 1, h(9) = 1
    h = cs.time_share(np.array([0.0, 1.0, 2.0, 4.0, 9.0]), 4.0, 1.0)
    np.testing.assert_allclose(h, [0.0, 0.25, 1.0 / 3.0, 1.0, 1.0], atol=1e-15)


# ----------------------------------------------------- no dependence on the window's length


def test_no_function_takes_the_window_length():
    """The believed deadline is a required argument of its own; no function can be handed
    (or default to) the number of simulated rounds."""
    banned = {"rounds", "n_rounds", "window", "horizon", "max_rounds", "total_rounds"}
    for name in cs.__all__:
        obj = getattr(cs, name)
        if inspect.isfunction(obj):
            params = inspect.signature(obj).parameters
            assert not banned & set(params), name
    deadline = inspect.signature(cs.time_share).parameters["believed_deadline"]
    assert deadline.default is inspect.Parameter.empty


def test_a_short_window_is_a_prefix_of_a_long_one():
    """Every channel on: 13 simulated rounds give exactly the first 13 of 52."""
    rng = np.random.default_rng(11)
    n = 64
    kw = dict(
        deadline=rng.uniform(10, 60, n),
        beta=rng.uniform(0.2, 2.0, n),
        initial=rng.uniform(0.0, 0.4, n),
        batna_path=rng.uniform(0.0, 0.5, (52, n, 2)),
        costs=rng.uniform(0.0, 0.01, (52, n, 2)),
        tolerance=rng.uniform(0.1, 0.5, n),
        moves=rng.normal(0.02, 0.01, (52, n)),
    )
    w = rng.uniform(0.1, 1.0, (n, 3))
    short = _run(13, w, **kw)
    long = _run(52, w, **kw)
    np.testing.assert_array_equal(short, long[:13])
    assert np.any(long[13:] != long[12])  # the long run goes on conceding after round 13


# ------------------------------------------------------------------------------ resource


def test_higher_accumulated_cost_concedes_faster():
    n = 3
    paid = np.array([0.0, 0.1, 0.2])
    h = cs.cost_share(np.full(n, 0.01), paid, np.full(n, 0.4))
    np.testing.assert_allclose(h, [0.01 / 0.4, 0.01 / 0.3, 0.01 / 0.2], atol=1e-15)
    w = np.tile([0.0, 1.0, 0.0], (n, 1))
    step = cs.concede(np.full(n, 0.2), w, _zeros(n), h, _zeros(n), _zeros(n))
    assert np.all(np.diff(step.total) > 0)
    assert cs.cost_share(0.01, 0.5, 0.4) == 1.0  # tolerance exhausted: concede the rest
    assert cs.cost_share(0.0, 0.5, 0.4) == 0.0  # no cost this round: nothing from cost


def test_cost_channel_alone_concedes_the_used_share_of_tolerance():
    """w_R = 1, no front: alpha_t = kappa + (1 - kappa) C_t / tau."""
    kappa, tau = 0.1, 0.3
    costs = np.array([0.01, 0.03, 0.0, 0.05, 0.02])
    alpha, paid = np.array([kappa]), 0.0
    w = np.array([[0.0, 1.0, 0.0]])
    for c in costs:
        h = cs.cost_share(np.array([c]), np.array([paid]), tau)
        alpha = cs.concede(alpha, w, _zeros(1), h, _zeros(1), _zeros(1)).conceded
        paid += c
        assert alpha[0] == pytest.approx(kappa + (1 - kappa) * paid / tau, abs=1e-14)


def test_adverse_front_trend_concedes_faster():
    trend = np.array([0.02, 0.0, -0.01, -0.02])
    h = cs.front_share(trend, 0.3)
    np.testing.assert_allclose(h, [0.0, 0.0, 1 - math.exp(-0.003), 1 - math.exp(-0.006)])
    w = np.tile([0.5, 0.5, 0.0], (4, 1))
    step = cs.concede(np.full(4, 0.3), w, np.full(4, 0.05), _zeros(4), h, _zeros(4))
    assert step.total[0] == step.total[1] < step.total[2] < step.total[3]


def test_front_trend_is_a_moving_average_with_its_half_life():
    g = cs.front_trend(0.0, 0.04, -1.0, 1.0)  # lambda = 1/2: half of the loss this round
    assert g == pytest.approx(-0.02, abs=1e-15)
    for _ in range(3):  # three quiet rounds, half-life 3: the trend halves
        g = cs.front_trend(g, 0.0, -1.0, 3.0)
    assert g == pytest.approx(-0.01, abs=1e-15)


def test_resource_share_combines_and_splits():
    total, by_cost, by_front = cs.resource_share(np.array([0.2, 0.0]), np.array([0.5, 0.0]))
    np.testing.assert_allclose(total, [1 - 0.8 * 0.5, 0.0])
    np.testing.assert_allclose(by_cost, [0.6 * 0.2 / 0.7, 0.0])
    np.testing.assert_allclose(by_cost + by_front, total)


# ----------------------------------------------------------------------------- behaviour


def test_a_concession_by_the_other_side_raises_this_sides_next_concession():
    n = 2
    w = np.tile([0.5, 0.0, 0.5], (n, 1))
    other = cs.realised_share(np.array([0.2, 0.2]), np.array([0.2, 0.36]))  # 0 and 0.2
    np.testing.assert_allclose(other, [0.0, 0.2], atol=1e-15)
    h = cs.reciprocity_share(other[:, None], 1.0)
    step = cs.concede(np.full(n, 0.4), w, np.full(n, 0.1), _zeros(n), _zeros(n), h)
    assert step.reciprocity[0] == 0.0  # a hard line is met with a hard line
    assert step.reciprocity[1] == pytest.approx(0.6 * 0.5 * 0.2, abs=1e-15)
    assert step.total[1] > step.total[0]


def test_two_pure_tit_for_tat_players_never_move():
    """w = (0, 0, 1) on both sides: nobody opens, so nobody concedes (why FSJ mix tactics)."""
    alpha, last = np.array([0.2, 0.3]), np.zeros(2)
    w = np.tile([0.0, 0.0, 1.0], (2, 1))
    for _ in range(10):
        h = cs.reciprocity_share(last[::-1, None], 1.0)
        new = cs.concede(alpha, w, _zeros(2), _zeros(2), _zeros(2), h).conceded
        last, alpha = cs.realised_share(alpha, new), new
    np.testing.assert_array_equal(alpha, [0.2, 0.3])


def test_channels_in_utility_units():
    w = np.array([[0.5, 0.0, 0.5]])
    step = cs.concede(np.array([0.2]), w, np.array([0.1]), _zeros(1), _zeros(1), np.array([0.3]))
    parts = step.in_utility(np.array([0.4]))
    assert parts["time"][0] == pytest.approx(0.8 * 0.5 * 0.1 * 0.6, abs=1e-15)
    before, after = cs.aspiration(step.previous, 0.4), cs.aspiration(step.conceded, 0.4)
    assert sum(v[0] for v in parts.values()) == pytest.approx(before[0] - after[0], abs=1e-15)


def test_reciprocity_over_several_parties():
    last = np.array([[0.1, 0.3, -0.2]])  # a rebound counts as no concession
    assert cs.reciprocity_share(last, 1.0)[0] == pytest.approx(0.4 / 3, abs=1e-15)
    weighted = cs.reciprocity_share(last, 0.5, np.array([[3.0, 1.0, 0.0]]))
    assert weighted[0] == pytest.approx(0.5 * (0.3 + 0.3) / 4, abs=1e-15)
    assert cs.reciprocity_share(np.array([[0.9]]), 2.0)[0] == 1.0  # capped


# ------------------------------------------------------------------------------ coercion


def test_a_faster_pace_concedes_more_and_is_its_own_channel():
    w = np.array([[1.0, 0.0, 0.0]])
    args = (np.array([0.5]), w, np.array([0.2]), _zeros(1), _zeros(1), _zeros(1))
    plain = cs.concede(*args)
    forced = cs.concede(*args, pace=2.0)
    assert plain.coercion[0] == 0.0
    assert forced.total[0] == pytest.approx(0.5 * (1 - 0.8**2), abs=1e-15)
    assert forced.coercion[0] == pytest.approx(0.5 * (0.36 - 0.2), abs=1e-15)
    assert forced.time[0] == plain.time[0]


# ------------------------------------------------------------------------------- rebound


def test_rebound_fraction():
    alpha, kappa = np.array([0.7, 0.7, 0.7]), np.array([0.1, 0.1, 0.1])
    new, change = cs.rebound(alpha, kappa, np.array([0.0, 1.0, 0.25]))
    np.testing.assert_allclose(new, [0.7, 0.1, 0.55], atol=1e-15)
    np.testing.assert_allclose(change, new - alpha, atol=1e-15)
    b = 0.3  # in aspiration terms: a quarter of the way back to the opening aspiration
    opening, before = cs.aspiration(kappa, b), cs.aspiration(alpha, b)
    after = cs.aspiration(new, b)
    np.testing.assert_allclose(after[1], opening[1], atol=1e-15)
    assert after[2] == pytest.approx(before[2] + 0.25 * (opening[2] - before[2]), abs=1e-15)


# -------------------------------------------------------------------------- ratification


def test_ratification_probability_by_hand():
    # approval 0.55 against a 0.5 threshold: logit 0.2006707; sd 0.4 -> Phi(0.5016767)
    logit = math.log(0.55 / 0.45)
    z = logit / 0.4
    expected = 0.5 * (1 + math.erf(z / math.sqrt(2)))  # 0.692052...
    got = cs.ratification_probability(np.array([logit]), 0.0, np.array([0.4]))
    assert got[0] == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx(0.69205, abs=1e-5)
    step = cs.ratification_probability(np.array([-0.1, 0.0, 0.1]), 0.0, np.zeros(3))
    np.testing.assert_array_equal(step, [0.0, 1.0, 1.0])  # a tie passes, as in the vote


def test_signing_rule_by_hand():
    # U = 0.6, A = 0.5, b = 0.3, L = 0.05: signs iff P >= (0.5-0.3+0.05)/(0.6-0.3+0.05)
    threshold = 0.25 / 0.35
    p = np.array([threshold - 1e-6, threshold + 1e-6, 1.0, 0.0])
    got = cs.signs(np.full(4, 0.6), np.full(4, 0.5), np.full(4, 0.3), p, np.full(4, 0.05))
    np.testing.assert_array_equal(got, [False, True, True, False])
    value = cs.expected_signing_value(0.6, 0.5, 0.3, 0.05)
    assert value == pytest.approx(0.5 * 0.6 + 0.5 * 0.25, abs=1e-15)
    # below the aspiration it never signs, however sure the vote
    assert not cs.signs(np.array([0.49]), 0.5, 0.3, np.array([1.0]), 0.0)[0]


# ------------------------------------------------------------------------------ properties

_unit = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    alpha=_unit,
    batna=st.floats(-1.0, 1.2, allow_nan=False),
    weights=st.tuples(_unit, _unit, _unit).filter(lambda w: sum(w) > 1e-6),
    shares=st.tuples(_unit, _unit, _unit, _unit),
    pace=st.floats(0.0, 5.0, allow_nan=False),
    bump=st.floats(0.0, 0.2, allow_nan=False),
)
def test_step_stays_in_bounds_and_channels_sum_to_the_total(
    alpha, batna, weights, shares, pace, bump
):
    step = cs.concede(
        np.array([alpha]), np.array([weights]), *(np.array([s]) for s in shares), pace=pace
    )
    new = step.conceded[0]
    assert alpha - 1e-15 <= new <= 1.0  # never backwards, never past the BATNA
    parts = sum(c[0] for c in step.channels().values())
    assert parts == pytest.approx(step.total[0], abs=1e-12)
    level = cs.aspiration(step.conceded, batna, bump)[0]
    assert batna <= level <= max(1.0, batna)
    if batna <= 1.0:  # with a fixed BATNA, no bump, the aspiration does not rise
        assert cs.aspiration(step.conceded, batna)[0] <= cs.aspiration(alpha, batna) + 1e-12


@settings(max_examples=100, deadline=None)
@given(
    t=st.integers(0, 80),
    deadline=st.floats(0.5, 60.0),
    beta=st.floats(0.05, 10.0),
    kappa=_unit,
)
def test_time_share_telescopes_to_the_fsj_curve(t, deadline, beta, kappa):
    before = cs.fsj_conceded(max(t - 1, 0), deadline, beta, kappa)
    h = cs.time_share(np.array([float(t)]), deadline, beta)[0]
    assert 0.0 <= h <= 1.0
    after = before + (1.0 - before) * h
    assert after == pytest.approx(cs.fsj_conceded(t, deadline, beta, kappa), abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(alpha=_unit, kappa=_unit, rho=_unit)
def test_rebound_stays_between_the_opening_and_the_current_share(alpha, kappa, rho):
    alpha = max(alpha, kappa)  # the conceded share never sits below the opening
    new, change = cs.rebound(np.array([alpha]), np.array([kappa]), np.array([rho]))
    assert kappa - 1e-15 <= new[0] <= alpha
    assert change[0] <= 0.0


@settings(max_examples=100, deadline=None)
@given(logit=st.floats(-6, 6), thr=st.floats(-2, 2), sd=st.floats(0.0, 3.0), more=st.floats(0, 2))
def test_ratification_probability_is_a_probability_rising_with_approval(logit, thr, sd, more):
    p = cs.ratification_probability(np.array([logit, logit + more]), thr, np.array([sd, sd]))
    assert 0.0 <= p[0] <= p[1] <= 1.0


def test_bad_weights_are_refused():
    with pytest.raises(ValueError, match="positive sum"):
        cs.normalised_weights(np.array([[0.0, 0.0, 0.0]]))
    with pytest.raises(ValueError, match="shape"):
        cs.normalised_weights(np.array([1.0, 0.0, 0.0]))
