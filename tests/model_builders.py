"""Helpers shared by the model tests: scenarios built from the dataclasses, and the
standard-error checks of the statistical tests.

Scenarios are built by hand here (not from YAML), so the model tests do not depend on the
loader. Names are neutral on purpose: the engine must not care what actors are called.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from sim.model import NegotiationModel
from sim.outcomes import EnsembleResult
from sim.scenario import Concession, Issue, Mediator, Party, Scenario


def issues(*names: str, under_war: Mapping[str, float] | None = None) -> tuple[Issue, ...]:
    """Issues with placeholder meanings (and optional values under war)."""
    under_war = under_war or {}
    return tuple(Issue(n, f"{n} low", f"{n} high", under_war=under_war.get(n, 0.0)) for n in names)


def party(name: str, ideal: Mapping[str, float], salience: Mapping[str, float], **kw) -> Party:
    """A party; by default it does not concede (aspiration = BATNA) and never walks out."""
    kw.setdefault("concession", Concession("none"))
    return Party(name, name.upper(), ideal=dict(ideal), salience=dict(salience), **kw)


def mediator(name: str, issue_names: Sequence[str], **kw) -> Mediator:
    """A mediator with a neutral ideal (0.5 everywhere) and equal saliences."""
    kw.setdefault("ideal", {k: 0.5 for k in issue_names})
    kw.setdefault("salience", {k: 1.0 for k in issue_names})
    return Mediator(name, name.upper(), **kw)


def scenario(
    issue_list: Sequence[Issue],
    parties: Sequence[Party],
    med: Mediator | None = None,
    *,
    rounds: int = 10,
    seed: int = 0,
    name: str = "test",
    **kw,
) -> Scenario:
    """A scenario of 14-day rounds."""
    return Scenario(
        name, "built by a test", rounds, 14.0, 1, seed, tuple(issue_list), tuple(parties), med, **kw
    )


def run(sc: Scenario, n: int = 1, seed: int | None = None) -> EnsembleResult:
    """Run replicates 0..n-1 of a scenario."""
    return NegotiationModel(sc, seed=seed, n=n).run()


def paired_difference(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean of x - y and its standard error, for paired samples.

    With common random numbers (the same seed, so replicate i sees the same draws in both
    runs) the replicates are paired, and the SE of the difference of the two estimated
    probabilities is sd(x_i - y_i) / sqrt(n): far smaller than for independent samples.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    assert x.shape == y.shape and x.ndim == 1 and x.size > 1
    d = x - y
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))


def assert_diff_exceeds_se(
    larger: np.ndarray, smaller: np.ndarray, z: float = 4.0, min_effect: float = 0.0
) -> float:
    """Assert that mean(larger) - mean(smaller) > z standard errors (paired), and
    > ``min_effect``. Returns the difference."""
    diff, se = paired_difference(larger, smaller)
    assert diff > z * se, f"difference {diff:.4f} not above {z} SE = {z * se:.4f}"
    assert diff > min_effect, f"difference {diff:.4f} not above {min_effect}"
    return diff


def assert_within_se(estimate: float, expected: float, se: float, z: float = 4.0) -> None:
    """Assert |estimate - expected| <= z * se."""
    assert abs(estimate - expected) <= z * se, (
        f"{estimate:.5f} differs from {expected:.5f} by more than {z} SE ({z * se:.5f})"
    )
