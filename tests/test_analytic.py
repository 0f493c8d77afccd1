"""Tests of sim.analytic against closed forms computed by hand.

The expected value is in every assert. Where no closed form exists (random instances),
the reference is independent of the solver: the exact Nash product on the edges of the
piecewise-linear frontier, a first-order condition solved by ``brentq``, or a cloud of
random packages that must not beat the solver.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq, minimize_scalar

from sim.analytic import (
    FEASIBILITY_TOL,
    fearon_breakdown_probability,
    fearon_range,
    fsj_aspiration,
    kalai_smorodinsky_solution,
    nash_bargaining_solution,
    pareto_frontier,
    rubinstein_offer_fixed_point,
    rubinstein_share,
    utility,
)

ONE_ISSUE = {"ideals": [[1.0], [0.0]], "saliences": [[1.0], [1.0]]}
# Two issues, party 1 wants both high and cares equally; party 2 wants both low and
# cares mostly about issue 2. Frontier vertices: (0, 1) at x=(0,0), (0.5, 0.8) at
# x=(1,0), (1, 0) at x=(1,1); edges U2 = 1 - 0.4 U1 and U2 = 1.6 - 1.6 U1.
ASYM = {"ideals": [[1.0, 1.0], [0.0, 0.0]], "saliences": [[0.5, 0.5], [0.2, 0.8]]}


# ----------------------------------------------------------------------- strategies

unit = st.floats(0.0, 1.0).map(lambda v: round(v, 2))
weight = st.floats(0.05, 1.0).map(lambda v: round(v, 2))


@st.composite
def two_party_problems(draw, max_k=3):
    k = draw(st.integers(1, max_k))
    ideals = np.array([[draw(unit) for _ in range(k)] for _ in range(2)])
    saliences = np.array([[draw(weight) for _ in range(k)] for _ in range(2)])
    d = np.array([draw(st.floats(0.0, 0.45)) for _ in range(2)])
    return ideals, saliences, d


def nash_on_polyline(points, d, w):
    """Exact weighted Nash point on a polyline of utility pairs (edge-wise closed form)."""
    w = np.asarray(w, float) / np.sum(w)
    best, best_u = -np.inf, None
    if len(points) == 1:  # identical ideals: the frontier is a single point
        points = np.vstack([points, points])
    for p, q in zip(points[:-1], points[1:], strict=True):
        delta = q - p
        taus = [0.0, 1.0]
        den = delta[0] * delta[1]
        if den != 0.0:
            taus.append(-(w[0] * delta[0] * (p[1] - d[1]) + w[1] * delta[1] * (p[0] - d[0])) / den)
        for tau in taus:
            if 0.0 <= tau <= 1.0:
                u = p + tau * delta
                if np.all(u > d):
                    value = float(w @ np.log(u - d))
                    if value > best:
                        best, best_u = value, u
    return best, best_u


def utopia_on_polyline(points, d):
    """Each party's best utility on a frontier polyline subject to U >= d (exact)."""
    if len(points) == 1:
        points = np.vstack([points, points])
    ends = []
    for p, q in zip(points[:-1], points[1:], strict=True):
        lo, hi = 0.0, 1.0
        for i in range(2):  # p_i + tau (q_i - p_i) >= d_i
            slope, gap = q[i] - p[i], d[i] - p[i]
            if slope > 0:
                lo = max(lo, gap / slope)
            elif slope < 0:
                hi = min(hi, gap / slope)
            elif gap > 0:
                lo, hi = 1.0, 0.0
        if lo <= hi:
            ends += [p + lo * (q - p), p + hi * (q - p)]
    return np.max(ends, axis=0)


# ------------------------------------------------------------------------- utility


def test_utility_linear_and_quadratic_by_hand():
    x = [0.2, 0.9]
    a = [0.6, 0.4]
    s = [3.0, 1.0]  # normalised to 0.75, 0.25
    assert utility(x, a, s) == pytest.approx(1 - 0.75 * 0.4 - 0.25 * 0.5, abs=1e-15)
    assert utility(x, a, s, "quadratic") == pytest.approx(1 - 0.75 * 0.16 - 0.25 * 0.25, abs=1e-15)


def test_utility_red_lines_are_hinges():
    a, s = [0.0, 0.0], [0.5, 0.5]
    lines = [(0, "max", 0.2, 2.0), (1, "min", 0.5, 1.0)]
    # x0 = 0.5 violates max 0.2 by 0.3 (cost 0.6); x1 = 0.1 violates min 0.5 by 0.4 (0.4).
    assert utility([0.5, 0.1], a, s, red_lines=lines) == pytest.approx(
        1 - 0.25 - 0.05 - 0.6 - 0.4, abs=1e-15
    )
    # No violation, no penalty.
    assert utility([0.1, 0.6], a, s, red_lines=lines) == pytest.approx(1 - 0.35, abs=1e-15)


def test_utility_many_packages():
    xs = np.array([[0.0], [0.5], [1.0]])
    assert np.allclose(utility(xs, [0.25], [1.0]), [0.75, 0.75, 0.25])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"loss": "cubic"}, "loss must be"),
        ({"red_lines": [(2, "max", 0.5, 1.0)]}, "out of range"),
        ({"red_lines": [(0, "above", 0.5, 1.0)]}, "kind must be"),
        ({"red_lines": [(0, "max", 0.5, -1.0)]}, "penalty"),
    ],
)
def test_utility_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        utility([0.5, 0.5], [0.0, 1.0], [1.0, 1.0], **kwargs)


def test_utility_rejects_packages_outside_unit_box():
    with pytest.raises(ValueError, match=r"x must lie in \[0, 1\]"):
        utility([1.5], [0.0], [1.0])


@settings(deadline=None, max_examples=100)
@given(
    k=st.integers(1, 5),
    data=st.data(),
    loss=st.sampled_from(["linear", "quadratic"]),
)
def test_utility_in_unit_interval_and_one_at_ideal(k, data, loss):
    vec = st.lists(st.floats(0.0, 1.0), min_size=k, max_size=k)
    x, a = np.array(data.draw(vec)), np.array(data.draw(vec))
    s = np.array(data.draw(st.lists(st.floats(0.01, 10.0), min_size=k, max_size=k)))
    u = utility(x, a, s, loss)
    assert 0.0 <= u <= 1.0
    assert utility(a, a, s, loss) == 1.0


# ---------------------------------------------------------------------------- Nash


def test_nash_symmetric_one_issue_linear_is_even_split():
    x, u = nash_bargaining_solution(**ONE_ISSUE, disagreement=[0.0, 0.0])
    assert x[0] == pytest.approx(0.5, abs=1e-9)
    assert u == pytest.approx([0.5, 0.5], abs=1e-9)


@pytest.mark.parametrize(("d1", "d2"), [(0.2, 0.1), (0.0, 0.6), (0.45, 0.3), (-0.2, 0.1)])
def test_nash_disagreement_point_shifts_split(d1, d2):
    x, _ = nash_bargaining_solution(**ONE_ISSUE, disagreement=[d1, d2])
    assert x[0] == pytest.approx((1 + d1 - d2) / 2, abs=1e-9)


@pytest.mark.parametrize(("w1", "d1", "d2"), [(0.3, 0.2, 0.1), (0.8, 0.0, 0.0), (0.1, 0.3, 0.3)])
def test_weighted_nash_share(w1, d1, d2):
    x, _ = nash_bargaining_solution(**ONE_ISSUE, disagreement=[d1, d2], weights=[w1, 1 - w1])
    assert x[0] == pytest.approx(d1 + w1 * (1 - d1 - d2), abs=1e-9)


def test_weighted_nash_only_weight_ratios_matter():
    x1, _ = nash_bargaining_solution(**ONE_ISSUE, disagreement=[0.1, 0.2], weights=[1, 3])
    x2, _ = nash_bargaining_solution(**ONE_ISSUE, disagreement=[0.1, 0.2], weights=[10, 30])
    assert x1[0] == pytest.approx(0.1 + 0.25 * 0.7, abs=1e-9)
    assert x2[0] == pytest.approx(x1[0], abs=1e-12)


def test_nash_logroll_corner_two_issues():
    # Opposite ideals and opposite saliences: each side gets the issue it cares about.
    x, u = nash_bargaining_solution(
        ideals=[[1.0, 1.0], [0.0, 0.0]],
        saliences=[[0.8, 0.2], [0.2, 0.8]],
        disagreement=[0.1, 0.1],
    )
    assert x == pytest.approx([1.0, 0.0], abs=1e-9)
    assert u == pytest.approx([0.8, 0.8], abs=1e-9)


def test_nash_asymmetric_frontier_sits_on_vertex():
    # On U2 = 1.6 - 1.6 U1 the Nash product U1 U2 peaks at U1 = 0.5 exactly: the vertex.
    x, u = nash_bargaining_solution(**ASYM, disagreement=[0.0, 0.0])
    assert x == pytest.approx([1.0, 0.0], abs=1e-9)
    assert u == pytest.approx([0.5, 0.8], abs=1e-9)


def test_nash_asymmetric_frontier_on_edge():
    # d = (0, 0.5): on U2 = 1.6 - 1.6 U1, max U1 (1.1 - 1.6 U1) at U1 = 1.1/3.2.
    _, u = nash_bargaining_solution(**ASYM, disagreement=[0.0, 0.5])
    u1 = 1.1 / 3.2
    # That is left of the vertex (0.5), so the optimum is on the first edge instead:
    # U2 = 1 - 0.4 U1, max U1 (0.5 - 0.4 U1) at U1 = 0.625 > 0.5: the vertex again.
    assert u1 < 0.5
    assert u == pytest.approx([0.5, 0.8], abs=1e-9)
    # With d = (0, 0.85) only the first edge is individually rational for party 2:
    # max U1 (0.15 - 0.4 U1) at U1 = 0.1875.
    _, u = nash_bargaining_solution(**ASYM, disagreement=[0.0, 0.85])
    assert u == pytest.approx([0.1875, 1 - 0.4 * 0.1875], abs=1e-9)


def test_nash_three_parties_one_issue():
    # U1 = 1 - x, U2 = U3 = x: maximise log(1 - x) + 2 log x -> x = 2/3.
    x, u = nash_bargaining_solution(
        ideals=[[0.0], [1.0], [1.0]], saliences=[[1.0]] * 3, disagreement=[0.0, 0.0, 0.0]
    )
    assert x[0] == pytest.approx(2 / 3, abs=1e-8)
    assert u == pytest.approx([1 / 3, 2 / 3, 2 / 3], abs=1e-8)


def test_nash_quadratic_one_issue_matches_first_order_condition():
    # U1 = 1 - (1-x)^2, U2 = 1 - x^2. The FOC of log(U1 - d1) + log(U2 - d2) reduces to
    # 2x^3 - 3x^2 + (d1 + d2 - 1) x + (1 - d2) = 0.
    d1, d2 = 0.2, 0.05
    expected = brentq(lambda x: 2 * x**3 - 3 * x**2 + (d1 + d2 - 1) * x + 1 - d2, 0.0, 1.0)
    x, u = nash_bargaining_solution(**ONE_ISSUE, disagreement=[d1, d2], loss="quadratic")
    assert x[0] == pytest.approx(expected, abs=1e-8)
    assert u == pytest.approx([1 - (1 - expected) ** 2, 1 - expected**2], abs=1e-8)


def test_nash_quadratic_symmetric_two_issues():
    # Party 1 ideal (1, 0), party 2 ideal (0, 1), equal saliences: symmetric, x = (.5, .5).
    x, u = nash_bargaining_solution(
        ideals=[[1.0, 0.0], [0.0, 1.0]],
        saliences=[[1.0, 1.0], [1.0, 1.0]],
        disagreement=[0.0, 0.0],
        loss="quadratic",
    )
    assert x == pytest.approx([0.5, 0.5], abs=1e-8)
    assert u == pytest.approx([0.75, 0.75], abs=1e-8)


def test_nash_red_line_kink_binds():
    # Party 2 (ideal 0) has a max red line at 0.3 with penalty 2. Above 0.3 the product
    # x (1.6 - 3x) peaks at 0.267 < 0.3, below 0.3 x (1 - x) rises: the kink x = 0.3.
    lines = [[], [(0, "max", 0.3, 2.0)]]
    x, _ = nash_bargaining_solution(**ONE_ISSUE, disagreement=[0, 0], red_lines=lines)
    assert x[0] == pytest.approx(0.3, abs=1e-9)
    # With penalty 0.5 the product above 0.3 is x (1.15 - 1.5x): peak 1.15/3 > 0.3.
    lines = [[], [(0, "max", 0.3, 0.5)]]
    x, _ = nash_bargaining_solution(**ONE_ISSUE, disagreement=[0, 0], red_lines=lines)
    assert x[0] == pytest.approx(1.15 / 3, abs=1e-9)


def test_nash_box_bound_binds():
    x, u = nash_bargaining_solution(**ONE_ISSUE, disagreement=[0, 0], upper=0.4)
    assert x[0] == pytest.approx(0.4, abs=1e-9)
    assert u == pytest.approx([0.4, 0.6], abs=1e-9)


def test_nash_without_zopa_is_none():
    # d1 + d2 > 1 on the line U1 = x, U2 = 1 - x: nobody gains from agreeing.
    assert nash_bargaining_solution(**ONE_ISSUE, disagreement=[0.6, 0.5]) is None
    # Touching frontier (d1 + d2 = 1): a single point with zero surplus, still none.
    assert nash_bargaining_solution(**ONE_ISSUE, disagreement=[0.6, 0.4]) is None


def test_nash_very_negative_disagreement_points():
    # Gains above 1 utility unit: x = (1 + d1 - d2) / 2 still.
    x, _ = nash_bargaining_solution(**ONE_ISSUE, disagreement=[-3.0, -1.0])
    assert x[0] == pytest.approx(0.0, abs=1e-9)  # (1 - 3 + 1)/2 < 0: clipped at the box
    x, _ = nash_bargaining_solution(**ONE_ISSUE, disagreement=[-3.0, -3.5])
    assert x[0] == pytest.approx(0.75, abs=1e-9)
    _, u = kalai_smorodinsky_solution(**ONE_ISSUE, disagreement=[-3.0, -3.5])
    # Utopia (1, 1): (x + 3) / 4 = (1 - x + 3.5) / 4.5 -> x = 4.5 / 8.5 = 9/17.
    assert u == pytest.approx([9 / 17, 8 / 17], abs=1e-9)


@pytest.mark.parametrize("grid", [0, 2, 11, None])
def test_nash_logroll_independent_of_check_grid(grid):
    x, _ = nash_bargaining_solution(
        ideals=[[1.0, 1.0], [0.0, 0.0]],
        saliences=[[0.8, 0.2], [0.2, 0.8]],
        disagreement=[0.0, 0.0],
        grid=grid,
    )
    assert x == pytest.approx([1.0, 0.0], abs=1e-9)


def test_nash_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        nash_bargaining_solution([[1.0, 0.0], [0.0, 1.0]], [[1.0], [1.0]], [0.0, 0.0])
    with pytest.raises(ValueError, match=r"disagreement must have shape \(2,\)"):
        nash_bargaining_solution(**ONE_ISSUE, disagreement=[0.0, 0.0, 0.0])


def test_nash_rejects_bad_weights():
    with pytest.raises(ValueError, match="weights must be positive"):
        nash_bargaining_solution(**ONE_ISSUE, disagreement=[0, 0], weights=[1.0, 0.0])


@settings(deadline=None, max_examples=25)
@given(problem=two_party_problems(), w1=st.floats(0.1, 0.9))
def test_nash_matches_exact_frontier_polyline(problem, w1):
    ideals, saliences, d = problem
    frontier, _ = pareto_frontier(ideals, saliences)
    exact_value, exact_u = nash_on_polyline(frontier, d, [w1, 1 - w1])
    result = nash_bargaining_solution(ideals, saliences, d, weights=[w1, 1 - w1])
    if result is None:
        # No point of the frontier gives both parties a positive surplus.
        assert exact_u is None or np.min(exact_u - d) <= 1e-7
        return
    x, u = result
    assert np.all(u - d > FEASIBILITY_TOL)
    assert exact_u is not None
    assert u == pytest.approx(exact_u, abs=1e-6)
    assert w1 * math.log(u[0] - d[0]) + (1 - w1) * math.log(u[1] - d[1]) == pytest.approx(
        exact_value, abs=1e-9
    )


@settings(deadline=None, max_examples=15)
@given(
    problem=two_party_problems(),
    losses=st.sampled_from([("quadratic", "quadratic"), ("linear", "quadratic")]),
    seed=st.integers(0, 2**32 - 1),
)
def test_nash_quadratic_beats_random_packages(problem, losses, seed):
    ideals, saliences, d = problem
    result = nash_bargaining_solution(ideals, saliences, d, loss=list(losses))
    assume(result is not None)
    _, u = result
    rng = np.random.default_rng(seed)
    xs = rng.random((5000, ideals.shape[1]))
    us = np.stack([utility(xs, ideals[i], saliences[i], losses[i]) for i in range(2)], 1) - d
    ok = np.all(us > 0, axis=1)
    best_random = np.max(np.sum(np.log(us[ok]), axis=1)) if ok.any() else -np.inf
    assert np.sum(np.log(u - d)) >= best_random - 1e-12


# ----------------------------------------------------------------- Kalai-Smorodinsky


def test_kalai_smorodinsky_symmetric_one_issue():
    x, u = kalai_smorodinsky_solution(**ONE_ISSUE, disagreement=[0.0, 0.0])
    assert x[0] == pytest.approx(0.5, abs=1e-9)


def test_kalai_smorodinsky_asymmetric_frontier_by_hand():
    # d = 0, utopia (1, 1): U1 = U2 on the edge U2 = 1.6 - 1.6 U1 -> U = 8/13 each;
    # x1 = 1 and U1 = (1 + x2)/2 = 8/13 -> x2 = 3/13.
    x, u = kalai_smorodinsky_solution(**ASYM, disagreement=[0.0, 0.0])
    assert x == pytest.approx([1.0, 3 / 13], abs=1e-9)
    assert u == pytest.approx([8 / 13, 8 / 13], abs=1e-9)


def test_kalai_smorodinsky_with_disagreement_point_by_hand():
    # d = (0.2, 0.1). Utopia over the individually rational set: U1max from
    # 1.6 - 1.6 U1 = 0.1 -> 0.9375; U2max = 1 - 0.4 * 0.2 = 0.92. Equal gain shares
    # lambda: 0.1 + 0.82 lam = 1.6 - 1.6 (0.2 + 0.7375 lam) -> lam = 1.18 / 2 = 0.59.
    lam = 0.59
    x, u = kalai_smorodinsky_solution(**ASYM, disagreement=[0.2, 0.1])
    assert u == pytest.approx([0.2 + 0.7375 * lam, 0.1 + 0.82 * lam], abs=1e-9)
    assert x[0] == pytest.approx(1.0, abs=1e-9)


def test_kalai_smorodinsky_differs_from_nash():
    # Same problem: Nash picks the vertex (0.5, 0.8), KS the equal-gain point 8/13.
    _, u_ks = kalai_smorodinsky_solution(**ASYM, disagreement=[0.0, 0.0])
    _, u_nash = nash_bargaining_solution(**ASYM, disagreement=[0.0, 0.0])
    assert u_nash == pytest.approx([0.5, 0.8], abs=1e-9)
    assert u_ks == pytest.approx([8 / 13, 8 / 13], abs=1e-9)


def test_kalai_smorodinsky_without_zopa_is_none():
    assert kalai_smorodinsky_solution(**ONE_ISSUE, disagreement=[0.7, 0.4]) is None


@settings(deadline=None, max_examples=15)
@given(problem=two_party_problems(), loss=st.sampled_from(["linear", "quadratic"]))
def test_kalai_smorodinsky_equal_gain_shares_on_frontier(problem, loss):
    ideals, saliences, d = problem
    result = kalai_smorodinsky_solution(ideals, saliences, d, loss=loss)
    assume(result is not None)
    _, u = result
    frontier, _ = pareto_frontier(ideals, saliences, loss=loss, n=2001)
    utopia = utopia_on_polyline(frontier, d)
    shares = (u - d) / (utopia - d)
    # Equal shares up to the frontier sampling error for curved (quadratic) frontiers.
    tol = 1e-6 if loss == "linear" else 2e-3
    assert shares[0] == pytest.approx(shares[1], abs=tol)
    # On the frontier: no frontier point dominates it.
    assert not np.any(np.all(frontier > u + tol, axis=1))


# ----------------------------------------------------------------------- Rubinstein


@pytest.mark.parametrize(
    ("d1", "d2", "share"),
    [(0.9, 0.9, 1 / 1.9), (0.5, 0.0, 1.0), (0.0, 0.5, 0.5), (0.9, 0.8, 0.2 / 0.28)],
)
def test_rubinstein_share_formula(d1, d2, share):
    assert rubinstein_share(d1, d2) == pytest.approx(share, abs=1e-12)


def test_rubinstein_share_vectorised_and_limits():
    d = np.array([0.0, 0.5, 0.99])
    assert np.allclose(rubinstein_share(d, d), 1 / (1 + d))
    # The more patient responder gets more: share falls in d2.
    shares = rubinstein_share(0.9, np.array([0.1, 0.5, 0.9]))
    assert np.all(np.diff(shares) < 0)


def test_rubinstein_share_rejects_unit_product():
    with pytest.raises(ValueError, match="d1 \\* d2 must be < 1"):
        rubinstein_share(1.0, 1.0)


@pytest.mark.parametrize(("d1", "d2"), [(0.9, 0.8), (0.5, 0.95), (0.7, 0.7)])
def test_rubinstein_fixed_point_reproduces_share(d1, d2):
    offers, utils = rubinstein_offer_fixed_point(**ONE_ISSUE, discounts=[d1, d2])
    assert offers[0, 0] == pytest.approx((1 - d2) / (1 - d1 * d2), abs=1e-9)
    # Party 2's offer leaves party 1 exactly its discounted value of proposing.
    assert utils[1, 0] == pytest.approx(d1 * (1 - d2) / (1 - d1 * d2), abs=1e-9)


@settings(deadline=None, max_examples=10)
@given(problem=two_party_problems(), d1=st.floats(0.3, 0.9), d2=st.floats(0.3, 0.9))
def test_rubinstein_fixed_point_is_stationary_with_several_issues(problem, d1, d2):
    ideals, saliences, _ = problem
    _, u = rubinstein_offer_fixed_point(ideals, saliences, [d1, d2])
    # Each responder gets at least its discounted value of proposing next round; the
    # constraint binds unless the proposer's own best package already satisfies it.
    assert u[0, 1] >= d2 * u[1, 1] - 1e-9
    assert u[1, 0] >= d1 * u[0, 0] - 1e-9
    assert u[0, 0] >= u[1, 0] - 1e-9 and u[1, 1] >= u[0, 1] - 1e-9


# --------------------------------------------------------------------------- Fearon


def test_fearon_range_values():
    low, high = fearon_range(0.6, 0.1, 0.15)
    assert low == pytest.approx(0.5, abs=1e-15)
    assert high == pytest.approx(0.75, abs=1e-15)
    low, high = fearon_range(np.array([0.2, 0.5]), 0.05, np.array([0.1, 0.0]))
    assert np.allclose(low, [0.15, 0.45]) and np.allclose(high, [0.3, 0.5])


def test_fearon_range_rejects_negative_costs():
    with pytest.raises(ValueError, match="costs of war"):
        fearon_range(0.5, -0.1, 0.1)


@settings(deadline=None, max_examples=25)
@given(p=st.floats(0.0, 1.0), ca=st.floats(0.01, 0.3), cb=st.floats(0.01, 0.3))
def test_fearon_nash_terms_inside_range(p, ca, cb):
    # One issue (A's share x), linear utilities, war payoffs as disagreement points.
    low, high = fearon_range(p, ca, cb)
    result = nash_bargaining_solution(**ONE_ISSUE, disagreement=[p - ca, 1 - p - cb])
    assert result is not None
    x, _ = result
    assert low - 1e-9 <= x[0] <= high + 1e-9
    # With x unconstrained by [0, 1] the split is the midpoint p + (c_B - c_A) / 2.
    assert x[0] == pytest.approx(min(1.0, max(0.0, p + (cb - ca) / 2)), abs=1e-8)


def test_fearon_breakdown_probability_closed_form():
    # c_B ~ U[0, 0.4], c_A = 0.1: y* = (0.4 - 0.1)/2 = 0.15, P(war) = 0.15 / 0.4.
    demand, prob = fearon_breakdown_probability(0.5, 0.1, 0.0, 0.4)
    assert demand == pytest.approx(0.65, abs=1e-15)
    assert prob == pytest.approx(0.375, abs=1e-15)


def test_fearon_breakdown_probability_is_a_best_response():
    p, ca, lo, hi = 0.4, 0.05, 0.1, 0.5

    def neg_payoff(x):
        accept = np.clip((hi - (x - p)) / (hi - lo), 0.0, 1.0)
        return -(accept * x + (1 - accept) * (p - ca))

    best = minimize_scalar(
        neg_payoff, bounds=(p + lo, p + hi), method="bounded", options={"xatol": 1e-12}
    )
    demand, prob = fearon_breakdown_probability(p, ca, lo, hi)
    assert demand == pytest.approx(best.x, abs=1e-7)
    assert prob == pytest.approx((hi - ca - 2 * lo) / (2 * (hi - lo)), abs=1e-12)


def test_fearon_breakdown_probability_zero_under_complete_information():
    demand, prob = fearon_breakdown_probability(0.5, 0.1, 0.2, 0.2)
    assert demand == pytest.approx(0.7, abs=1e-15)  # p + c_B: the top of Fearon's range
    assert prob == 0.0


# ---------------------------------------------------------- Faratin-Sierra-Jennings


def test_fsj_endpoints():
    assert fsj_aspiration(0.0, 10, 0.5, 0.3) == pytest.approx(1.0, abs=1e-15)
    assert fsj_aspiration(0.0, 10, 0.5, 0.3, initial=0.2) == pytest.approx(
        1.0 - 0.2 * 0.7, abs=1e-15
    )
    assert fsj_aspiration(10.0, 10, 0.5, 0.3) == pytest.approx(0.3, abs=1e-15)
    assert fsj_aspiration(25.0, 10, 3.0, 0.3) == pytest.approx(0.3, abs=1e-15)


def test_fsj_boulware_concedes_less_than_conceder_at_mid_time():
    boulware = fsj_aspiration(5.0, 10, 0.5, 0.2)
    linear = fsj_aspiration(5.0, 10, 1.0, 0.2)
    conceder = fsj_aspiration(5.0, 10, 2.0, 0.2)
    assert boulware == pytest.approx(1 - 0.25 * 0.8, abs=1e-15)  # alpha = 0.5^2
    assert linear == pytest.approx(1 - 0.5 * 0.8, abs=1e-15)
    assert conceder == pytest.approx(1 - math.sqrt(0.5) * 0.8, abs=1e-15)
    assert boulware > linear > conceder


def test_fsj_vectorised_and_monotone():
    t = np.linspace(0, 12, 49)
    asp = fsj_aspiration(t, 10, np.array([[0.3], [3.0]]), 0.4, max_utility=0.9)
    assert asp.shape == (2, 49)
    assert np.all(np.diff(asp, axis=1) <= 1e-15)
    assert np.allclose(asp[:, 0], 0.9) and np.allclose(asp[:, -1], 0.4)


def test_fsj_rejects_bad_beta():
    with pytest.raises(ValueError, match="beta must be > 0"):
        fsj_aspiration(1.0, 10, 0.0, 0.3)


# ------------------------------------------------------------------ Pareto frontier


def test_pareto_frontier_vertices_by_hand():
    utils, packages = pareto_frontier(**ASYM)
    assert utils == pytest.approx(np.array([[0.0, 1.0], [0.5, 0.8], [1.0, 0.0]]), abs=1e-12)
    assert packages == pytest.approx(np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]), abs=1e-12)


def test_pareto_frontier_quadratic_one_issue_is_the_curve():
    utils, packages = pareto_frontier(**ONE_ISSUE, loss="quadratic", n=51)
    x = packages[:, 0]
    assert utils[:, 0] == pytest.approx(1 - (1 - x) ** 2, abs=1e-12)
    assert utils[:, 1] == pytest.approx(1 - x**2, abs=1e-12)
    assert utils[0] == pytest.approx([0.0, 1.0]) and utils[-1] == pytest.approx([1.0, 0.0])


@settings(deadline=None, max_examples=40)
@given(
    problem=two_party_problems(max_k=4),
    loss=st.sampled_from(["linear", "quadratic"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_pareto_frontier_monotone_and_undominated(problem, loss, seed):
    ideals, saliences, _ = problem
    utils, packages = pareto_frontier(ideals, saliences, loss=loss, n=101)
    assert np.all(np.diff(utils[:, 0]) > 0)
    assert np.all(np.diff(utils[:, 1]) < 0)
    recomputed = np.stack([utility(packages, ideals[i], saliences[i], loss) for i in range(2)], 1)
    assert recomputed == pytest.approx(utils, abs=1e-12)
    # No random package strictly dominates a frontier point.
    rng = np.random.default_rng(seed)
    xs = rng.random((2000, ideals.shape[1]))
    us = np.stack([utility(xs, ideals[i], saliences[i], loss) for i in range(2)], 1)
    dominated = np.all(us[:, None, :] > utils[None, :, :] + 1e-12, axis=2)
    assert not dominated.any()
    if loss == "linear":
        # The polyline is the exact frontier: every package lies on or below it.
        assert np.all(us[:, 1] <= np.interp(us[:, 0], utils[:, 0], utils[:, 1]) + 1e-9)
