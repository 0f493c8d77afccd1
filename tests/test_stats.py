"""Tests of sim.stats: Wilson, mean/SE, Newcombe and paired difference intervals.

Expected values are either published (Newcombe 1998, Table II; statsmodels'
``proportion_confint(..., method="wilson")``) or recomputed here from the formula with
plain arithmetic, independently of the implementation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from sim.stats import (
    difference_interval,
    mean_and_se,
    paired_difference_interval,
    wilson_interval,
)

Z95 = 1.959963984540054  # Phi^{-1}(0.975)


def wilson_by_hand(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


# ------------------------------------------------------------------------- Wilson


def test_wilson_zero_of_ten():
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    # Upper bound at k = 0 is z^2 / (n + z^2); statsmodels gives 0.27753279986.
    assert high == pytest.approx(Z95**2 / (10 + Z95**2), abs=1e-12)
    assert high == pytest.approx(0.2775327998628892, abs=1e-10)


def test_wilson_five_of_ten():
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.2365930905125640, abs=1e-10)
    assert high == pytest.approx(0.7634069094874360, abs=1e-10)


@pytest.mark.parametrize(("k", "n"), [(1, 10), (3, 17), (50, 100), (999, 1000), (7, 8)])
def test_wilson_matches_formula(k, n):
    low, high = wilson_interval(k, n)
    exp_low, exp_high = wilson_by_hand(k, n)
    assert low == pytest.approx(exp_low, abs=1e-12)
    assert high == pytest.approx(exp_high, abs=1e-12)


def test_wilson_all_successes_is_mirror_of_none():
    low, high = wilson_interval(10, 10)
    assert high == 1.0
    assert low == pytest.approx(1 - Z95**2 / (10 + Z95**2), abs=1e-12)


def test_wilson_other_confidence_level():
    z90 = 1.6448536269514722
    low, high = wilson_interval(3, 20, confidence=0.90)
    exp_low, exp_high = wilson_by_hand(3, 20, z90)
    assert (low, high) == pytest.approx((exp_low, exp_high), abs=1e-12)


def test_wilson_vectorised_matches_scalar_calls():
    k = np.array([0, 2, 5, 10])
    n = np.array([10, 10, 10, 10])
    low, high = wilson_interval(k, n)
    assert isinstance(low, np.ndarray) and low.shape == (4,)
    for j in range(4):
        lo_j, hi_j = wilson_interval(int(k[j]), int(n[j]))
        assert low[j] == lo_j and high[j] == hi_j


def test_wilson_empty_sample_is_whole_range():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(np.array([0, 1]), np.array([0, 4]))
    assert low[0] == 0.0 and high[0] == 1.0
    assert (low[1], high[1]) == pytest.approx(wilson_by_hand(1, 4), abs=1e-12)


@pytest.mark.parametrize(("k", "n"), [(-1, 10), (11, 10), (1, -1)])
def test_wilson_rejects_impossible_counts(k, n):
    with pytest.raises(ValueError, match="0 <= successes <= n"):
        wilson_interval(k, n)


def test_wilson_rejects_bad_confidence():
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 10, confidence=1.0)


@settings(deadline=None, max_examples=200)
@given(n=st.integers(1, 5000), data=st.data(), conf=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_contains_estimate_and_stays_in_unit_interval(n, data, conf):
    k = data.draw(st.integers(0, n))
    low, high = wilson_interval(k, n, confidence=conf)
    assert 0.0 <= low <= k / n <= high <= 1.0
    assert high - low > 0.0


@settings(deadline=None, max_examples=100)
@given(n=st.integers(1, 2000), data=st.data())
def test_wilson_higher_confidence_nests_lower(n, data):
    k = data.draw(st.integers(0, n))
    lo90, hi90 = wilson_interval(k, n, confidence=0.90)
    lo99, hi99 = wilson_interval(k, n, confidence=0.99)
    assert lo99 <= lo90 + 1e-15 and hi90 <= hi99 + 1e-15


def test_wilson_exact_coverage_is_near_nominal():
    # Exact coverage (binomial sum, no simulation), averaged over p in [0.05, 0.95]:
    # Wilson's mean coverage is close to 95% (Newcombe 1998; Brown, Cai & DasGupta 2001).
    n = 100
    k = np.arange(n + 1)
    low, high = wilson_interval(k, np.full(n + 1, n))
    ps = np.linspace(0.05, 0.95, 181)
    cover = np.array([binom.pmf(k, n, p)[(low <= p) & (p <= high)].sum() for p in ps])
    assert 0.94 <= cover.mean() <= 0.96
    assert cover.min() >= 0.90


# -------------------------------------------------------------------- mean and SE


def test_mean_and_se_by_hand():
    mean, se = mean_and_se([1.0, 2.0, 3.0, 6.0])
    assert mean == 3.0
    # sd (ddof=1) = sqrt((4 + 1 + 0 + 9) / 3); se = sd / 2
    assert se == pytest.approx(math.sqrt(14 / 3) / 2, abs=1e-15)


def test_mean_and_se_columns():
    mean, se = mean_and_se(np.array([[1.0, 2.0], [3.0, 5.0]]))
    assert np.allclose(mean, [2.0, 3.5])
    assert np.allclose(se, [math.sqrt(2) / math.sqrt(2), math.sqrt(4.5) / math.sqrt(2)])


def test_mean_and_se_small_samples_are_nan_not_warnings():
    mean, se = mean_and_se([4.0])
    assert mean == 4.0 and math.isnan(se)
    mean, se = mean_and_se([])
    assert math.isnan(mean) and math.isnan(se)


@settings(deadline=None, max_examples=100)
@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=50), st.floats(-100, 100))
def test_mean_and_se_shift_moves_mean_only(values, shift):
    mean, se = mean_and_se(values)
    mean2, se2 = mean_and_se(np.asarray(values) + shift)
    assert mean2 == pytest.approx(mean + shift, abs=1e-6)
    assert se2 == pytest.approx(se, rel=1e-6, abs=1e-6)
    assert se >= 0.0


# ------------------------------------------------------- difference of proportions

NEWCOMBE_TABLE_II = [  # (k1, n1, k2, n2, low, high), method 10, to 4 decimals
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
    (10, 10, 0, 10, 0.6075, 1.0000),
]


@pytest.mark.parametrize(("k1", "n1", "k2", "n2", "low", "high"), NEWCOMBE_TABLE_II)
def test_difference_interval_matches_newcombe_table(k1, n1, k2, n2, low, high):
    got_low, got_high = difference_interval(k1, n1, k2, n2)
    assert got_low == pytest.approx(low, abs=5e-5)
    assert got_high == pytest.approx(high, abs=5e-5)


def test_difference_interval_by_hand():
    l1, u1 = wilson_by_hand(30, 100)
    l2, u2 = wilson_by_hand(20, 100)
    exp_low = 0.1 - math.sqrt((0.3 - l1) ** 2 + (u2 - 0.2) ** 2)
    exp_high = 0.1 + math.sqrt((u1 - 0.3) ** 2 + (0.2 - l2) ** 2)
    low, high = difference_interval(30, 100, 20, 100)
    assert low == pytest.approx(exp_low, abs=1e-12)
    assert high == pytest.approx(exp_high, abs=1e-12)


def test_difference_interval_empty_sample_is_whole_range():
    assert difference_interval(0, 0, 3, 10) == (-1.0, 1.0)


@settings(deadline=None, max_examples=200)
@given(n1=st.integers(1, 500), n2=st.integers(1, 500), data=st.data())
def test_difference_interval_contains_estimate_and_is_antisymmetric(n1, n2, data):
    k1 = data.draw(st.integers(0, n1))
    k2 = data.draw(st.integers(0, n2))
    low, high = difference_interval(k1, n1, k2, n2)
    assert -1.0 <= low <= k1 / n1 - k2 / n2 <= high <= 1.0
    low_r, high_r = difference_interval(k2, n2, k1, n1)
    assert low_r == pytest.approx(-high, abs=1e-12)
    assert high_r == pytest.approx(-low, abs=1e-12)


# ------------------------------------------------------------- paired differences


def test_paired_difference_interval_by_hand():
    a = [1, 1, 0, 1, 0]
    b = [0, 1, 0, 0, 0]
    # differences 1,0,0,1,0: mean 0.4, sd^2 = (2*0.36 + 3*0.16)/4 = 0.3, se = sqrt(0.3/5)
    half = Z95 * math.sqrt(0.3 / 5)
    low, high = paired_difference_interval(a, b)
    assert low == pytest.approx(0.4 - half, abs=1e-12)
    assert high == pytest.approx(0.4 + half, abs=1e-12)


def test_paired_difference_interval_accepts_booleans_and_clips():
    a = np.array([True] * 9 + [False])
    b = np.zeros(10, dtype=bool)
    low, high = paired_difference_interval(a, b)
    assert high == 1.0
    assert low == pytest.approx(0.9 - Z95 * math.sqrt(0.1 / 10), abs=1e-12)


def test_paired_difference_interval_is_narrower_with_common_random_numbers():
    # Strongly correlated pairs: the paired interval is narrower than Newcombe's.
    a = np.array([1] * 60 + [0] * 40)
    b = np.array([1] * 55 + [0] * 45)
    low_p, high_p = paired_difference_interval(a, b)
    low_i, high_i = difference_interval(60, 100, 55, 100)
    assert low_p <= 0.05 <= high_p
    assert high_p - low_p < 0.5 * (high_i - low_i)


def test_paired_difference_interval_small_and_bad_input():
    assert paired_difference_interval([1], [0]) == (-1.0, 1.0)
    with pytest.raises(ValueError, match="0/1 indicators"):
        paired_difference_interval([0.5, 1.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="same length"):
        paired_difference_interval([0, 1, 1], [0, 1])
