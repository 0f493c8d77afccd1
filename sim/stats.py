"""Estimates with their uncertainty: proportions, means and differences.

Every probability the simulator reports comes with a Wilson score interval, every mean
with its standard error, and comparisons between scenarios with an interval for the
difference: Newcombe's hybrid score interval for independent samples, a paired normal
interval for runs on common random numbers. Pure functions, numpy and the standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

__all__ = [
    "difference_interval",
    "json_float",
    "mean_and_se",
    "paired_difference_interval",
    "wilson_interval",
]

ArrayLike = float | int | np.ndarray | Sequence[float]


def json_float(x: float | np.floating | np.ndarray | None) -> float | None:
    """``x`` as a float that JSON can hold: None for a missing or undefined value (NaN, for
    example the standard error of a single replicate, or an infinity)."""
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


def _z(confidence: float) -> float:
    """Two-sided normal quantile z_{1 - (1 - confidence)/2}."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1) (got {confidence!r})")
    # the standard library's normal quantile: scipy.special would add a tenth of a
    # second to every command's start-up for this one number
    return NormalDist().inv_cdf(0.5 + 0.5 * confidence)


def _out(a: np.ndarray) -> float | np.ndarray:
    return float(a) if np.ndim(a) == 0 else a


def wilson_interval(
    successes: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[float | np.ndarray, float | np.ndarray]:
    r"""Wilson score interval for a binomial proportion.

    With :math:`\hat p = k/n` and :math:`z = \Phi^{-1}(1 - \alpha/2)`:

    .. math::

        \frac{\hat p + \frac{z^2}{2n}}{1 + \frac{z^2}{n}}
        \pm \frac{z}{1 + \frac{z^2}{n}}
            \sqrt{\frac{\hat p (1 - \hat p)}{n} + \frac{z^2}{4n^2}}

    (Wilson 1927). Unlike the Wald interval it stays inside [0, 1] and does not collapse
    to a point at k = 0 or k = n; it always contains :math:`\hat p`.

    Parameters
    ----------
    successes : int or array_like
        Number of successes k, 0 <= k <= n (counts; need not be integers).
    n : int or array_like
        Number of trials, >= 0. Broadcast with ``successes``.
    confidence : float
        Coverage level in (0, 1), default 0.95.

    Returns
    -------
    (low, high) : floats or ndarrays
        Interval bounds in [0, 1]. Exactly 0 at k = 0 and 1 at k = n. Where n = 0 the
        data say nothing and the interval is the whole range (0, 1).
    """
    z = _z(confidence)
    k = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    if np.any(~np.isfinite(k)) or np.any(~np.isfinite(m)):
        raise ValueError("successes and n must be finite")
    if np.any(m < 0) or np.any(k < 0) or np.any(k > m):
        raise ValueError("need 0 <= successes <= n")
    k, m = np.broadcast_arrays(k, m)
    empty = m == 0
    m_safe = np.where(empty, 1.0, m)
    p = k / m_safe
    z2n = z * z / m_safe
    centre = (p + 0.5 * z2n) / (1.0 + z2n)
    half = z / (1.0 + z2n) * np.sqrt(p * (1.0 - p) / m_safe + 0.25 * z2n / m_safe)
    low = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(k == m, 1.0, np.clip(centre + half, 0.0, 1.0))
    low = np.where(empty, 0.0, low)
    high = np.where(empty, 1.0, high)
    return _out(low), _out(high)


def mean_and_se(values: ArrayLike, axis: int = 0) -> tuple[float | np.ndarray, float | np.ndarray]:
    r"""Sample mean and its standard error.

    .. math:: \bar v = \frac{1}{n}\sum v_j, \qquad
              \mathrm{SE} = \frac{s}{\sqrt n},\quad
              s^2 = \frac{1}{n - 1}\sum (v_j - \bar v)^2.

    Parameters
    ----------
    values : array_like
        Observations (any units), reduced along ``axis``. NaNs propagate.
    axis : int
        Axis of the replicates, default 0.

    Returns
    -------
    (mean, se) : floats or ndarrays
        In the units of ``values``. With n < 2 the standard error is NaN (and with n = 0
        the mean too), without a warning.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim == 0:
        raise ValueError("values must be an array of observations")
    n = v.shape[axis]
    if n == 0:
        shape = np.delete(np.array(v.shape), axis)
        nan = np.full(tuple(shape), np.nan)
        return _out(nan), _out(nan.copy())
    mean = v.mean(axis=axis)
    if n < 2:
        return _out(mean), _out(np.full(np.shape(mean), np.nan))
    se = v.std(axis=axis, ddof=1) / np.sqrt(n)
    return _out(mean), _out(se)


def difference_interval(
    k1: ArrayLike,
    n1: ArrayLike,
    k2: ArrayLike,
    n2: ArrayLike,
    confidence: float = 0.95,
) -> tuple[float | np.ndarray, float | np.ndarray]:
    r"""Interval for a difference of two independent proportions, p1 - p2.

    Newcombe's (1998) hybrid score interval (his method 10): with Wilson intervals
    :math:`[l_1, u_1]` for :math:`\hat p_1 = k_1/n_1` and :math:`[l_2, u_2]` for
    :math:`\hat p_2`, and :math:`\hat\delta = \hat p_1 - \hat p_2`,

    .. math::

        L = \hat\delta - \sqrt{(\hat p_1 - l_1)^2 + (u_2 - \hat p_2)^2},\qquad
        U = \hat\delta + \sqrt{(u_1 - \hat p_1)^2 + (\hat p_2 - l_2)^2}.

    Parameters
    ----------
    k1, n1, k2, n2 : int or array_like
        Successes and trials of the two samples (0 <= k <= n), broadcast together.
    confidence : float
        Coverage level of each Wilson interval and of the result, in (0, 1).

    Returns
    -------
    (low, high) : floats or ndarrays
        Bounds in [-1, 1]. Where either n is 0 the interval is (-1, 1).
    """
    l1, u1 = wilson_interval(k1, n1, confidence)
    l2, u2 = wilson_interval(k2, n2, confidence)
    a1, a2 = np.broadcast_arrays(np.asarray(k1, float), np.asarray(n1, float))
    b1, b2 = np.broadcast_arrays(np.asarray(k2, float), np.asarray(n2, float))
    empty = (a2 == 0) | (b2 == 0)
    p1 = a1 / np.where(a2 == 0, 1.0, a2)
    p2 = b1 / np.where(b2 == 0, 1.0, b2)
    delta = p1 - p2
    low = delta - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = delta + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    low = np.where(empty, -1.0, np.clip(low, -1.0, 1.0))
    high = np.where(empty, 1.0, np.clip(high, -1.0, 1.0))
    return _out(low), _out(high)


def paired_difference_interval(
    a: ArrayLike, b: ArrayLike, confidence: float = 0.95
) -> tuple[float, float]:
    r"""Interval for p_a - p_b from paired 0/1 indicators (common random numbers).

    When two scenarios are run on the same replicate streams, replicate j gives a pair
    :math:`(a_j, b_j)` and the pairs, not the samples, are independent. With
    :math:`\delta_j = a_j - b_j`:

    .. math::

        \bar\delta \pm z\,\frac{s_\delta}{\sqrt n},\qquad
        s_\delta^2 = \frac{1}{n-1}\sum_j (\delta_j - \bar\delta)^2,

    a normal (Wald) interval on the paired differences, narrower than the independent
    interval when the indicators are positively correlated.

    Parameters
    ----------
    a, b : array_like of {0, 1} or bool, shape (n,)
        Indicators of the event in each replicate under the two scenarios.
    confidence : float
        Coverage level in (0, 1).

    Returns
    -------
    (low, high) : floats
        Bounds, clipped to [-1, 1]. With n < 2 the interval is (-1, 1). Like every Wald
        interval it degenerates to a point when all the differences are equal (for
        example no discordant pair), and it is approximate for small n or few
        discordant pairs.
    """
    z = _z(confidence)
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError("a and b must be 1-D arrays of the same length")
    if np.any((x != 0) & (x != 1)) or np.any((y != 0) & (y != 1)):
        raise ValueError("a and b must hold 0/1 indicators")
    if x.size < 2:
        return -1.0, 1.0
    diff = x - y
    mean, se = mean_and_se(diff)
    return float(np.clip(mean - z * se, -1.0, 1.0)), float(np.clip(mean + z * se, -1.0, 1.0))
