"""Probability distributions a scenario may give instead of a number.

Every distribution is sampled by mapping uniforms in (0, 1) through its quantile function
(``ppf``), so that plain Monte Carlo, Sobol and Morris designs all use the same mapping.
Parameters are named (``low``, ``high``, ``mean``, ``sd``, ``a``, ``b``, ``mode``,
``values``, ``weights``), never positional.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeGuard

import numpy as np


@dataclass(frozen=True)
class Uniform:
    """Uniform on [low, high]."""

    low: float
    high: float
    kind = "uniform"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)

    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def to_yaml(self) -> dict[str, Any]:
        return {"dist": "uniform", "low": self.low, "high": self.high}

    def describe(self) -> str:
        return f"uniform({_g(self.low)}, {_g(self.high)})"


@dataclass(frozen=True)
class Normal:
    """Normal with mean and sd, optionally truncated to [low, high]."""

    mean_: float
    sd: float
    low: float | None = None
    high: float | None = None
    kind = "normal"

    def _cdf_bounds(self) -> tuple[float, float]:
        from scipy.special import ndtr

        lo = 0.0 if self.low is None else float(ndtr((self.low - self.mean_) / self.sd))
        hi = 1.0 if self.high is None else float(ndtr((self.high - self.mean_) / self.sd))
        return lo, hi

    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy.special import ndtri

        lo, hi = self._cdf_bounds()
        q = lo + (hi - lo) * np.asarray(u, dtype=float)
        x = self.mean_ + self.sd * ndtri(q)
        if self.low is not None or self.high is not None:
            x = np.clip(
                x,
                -np.inf if self.low is None else self.low,
                np.inf if self.high is None else self.high,
            )
        return x

    def mean(self) -> float:
        if self.low is None and self.high is None:
            return self.mean_
        from scipy.stats import truncnorm

        a = -np.inf if self.low is None else (self.low - self.mean_) / self.sd
        b = np.inf if self.high is None else (self.high - self.mean_) / self.sd
        return float(truncnorm.mean(a, b, loc=self.mean_, scale=self.sd))

    def support(self) -> tuple[float, float]:
        return (
            -np.inf if self.low is None else self.low,
            np.inf if self.high is None else self.high,
        )

    def to_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dist": "normal", "mean": self.mean_, "sd": self.sd}
        if self.low is not None:
            out["low"] = self.low
        if self.high is not None:
            out["high"] = self.high
        return out

    def describe(self) -> str:
        bounds = ""
        if self.low is not None or self.high is not None:
            bounds = f" in [{_g(self.low) if self.low is not None else '-inf'}, " + (
                f"{_g(self.high) if self.high is not None else 'inf'}]"
            )
        return f"normal({_g(self.mean_)}, sd {_g(self.sd)}){bounds}"


@dataclass(frozen=True)
class Beta:
    """Beta(a, b), scaled to [low, high] (default [0, 1])."""

    a: float
    b: float
    low: float = 0.0
    high: float = 1.0
    kind = "beta"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy.special import betaincinv

        return self.low + (self.high - self.low) * betaincinv(
            self.a, self.b, np.asarray(u, dtype=float)
        )

    def mean(self) -> float:
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def to_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dist": "beta", "a": self.a, "b": self.b}
        if (self.low, self.high) != (0.0, 1.0):
            out.update(low=self.low, high=self.high)
        return out

    def describe(self) -> str:
        scale = (
            "" if (self.low, self.high) == (0.0, 1.0) else f" on [{_g(self.low)}, {_g(self.high)}]"
        )
        return f"beta(a={_g(self.a)}, b={_g(self.b)}){scale}"


@dataclass(frozen=True)
class Triangular:
    """Triangular with low, mode and high."""

    low: float
    mode: float
    high: float
    kind = "triangular"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        lo, c, hi = self.low, self.mode, self.high
        split = (c - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (c - lo))
        right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - c))
        return np.where(u < split, left, right)

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def to_yaml(self) -> dict[str, Any]:
        return {"dist": "triangular", "low": self.low, "mode": self.mode, "high": self.high}

    def describe(self) -> str:
        return f"triangular({_g(self.low)}, mode {_g(self.mode)}, {_g(self.high)})"


@dataclass(frozen=True)
class Choice:
    """A discrete choice among values, with weights (normalised; default equal)."""

    values: tuple[float, ...]
    weights: tuple[float, ...]
    kind = "choice"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        w = np.asarray(self.weights, dtype=float)
        cum = np.cumsum(w / w.sum())
        cum[-1] = 1.0
        idx = np.searchsorted(cum, np.asarray(u, dtype=float), side="right")
        return np.asarray(self.values, dtype=float)[np.minimum(idx, len(self.values) - 1)]

    def mean(self) -> float:
        w = np.asarray(self.weights, dtype=float)
        return float(np.dot(self.values, w / w.sum()))

    def support(self) -> tuple[float, float]:
        return (min(self.values), max(self.values))

    def to_yaml(self) -> dict[str, Any]:
        return {"dist": "choice", "values": list(self.values), "weights": list(self.weights)}

    def describe(self) -> str:
        vals = ", ".join(_g(v) for v in self.values)
        if len(set(self.weights)) == 1:
            return f"choice{{{vals}}}"
        return f"choice{{{vals}}} weights {list(self.weights)}"


Distribution = Uniform | Normal | Beta | Triangular | Choice
Param = float | Distribution
DISTRIBUTION_KINDS = ("uniform", "normal", "beta", "triangular", "choice")


def is_distribution(value: object) -> TypeGuard[Distribution]:
    """True for a distribution object, False for a plain number."""
    return isinstance(value, Uniform | Normal | Beta | Triangular | Choice)


def param_mean(value: Param) -> float:
    """The mean of a distribution, or the number itself."""
    if is_distribution(value):
        return value.mean()
    return float(value)  # type: ignore[arg-type]  # a number


def describe(value: Param) -> str:
    """Short human-readable form of a parameter value."""
    if is_distribution(value):
        return value.describe()
    return _g(value)  # type: ignore[arg-type]  # a number


def _g(x: float | None) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return str(x).lower()
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"
