"""Data behind every figure: pure functions from results to small frozen dataclasses.

:mod:`sim.plots` only draws; everything a figure shows (probabilities, Wilson intervals,
histogram shares, quantiles, cumulative incidence, pooled bins, orderings) is computed
here, where it can be tested against hand-computed numbers (Axelrod's split between a
``ResultSet`` and its ``Plot``).

Every dataclass carries the scenario name and the number of replicates ``n`` that a
figure prints. Outcome classes always appear in the order of :class:`sim.outcomes.Outcome`
and are named by their labels (``"agreement"``, ``"breakdown"``, ``"mediator_exit"``,
``"stalemate"``). Probabilities and shares are in [0, 1]; intervals are Wilson 95%.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.outcomes import OUTCOME_LABELS, EnsembleResult, Outcome
from sim.stats import wilson_interval

__all__ = [
    "CLASSES",
    "CompareTable",
    "CumulativeIncidence",
    "EndState",
    "IssueTerms",
    "OutcomeProbabilities",
    "PrimTrajectory",
    "SensitivityData",
    "StrikeAgreement",
    "SweepCurve",
    "SweepGrid",
    "TermsData",
    "QUANTILES",
    "ideals_from_params",
    "prepare_compare",
    "prepare_compare_from_counts",
    "prepare_compare_from_table",
    "prepare_end_state",
    "prepare_outcomes",
    "prepare_prim",
    "prepare_sensitivity",
    "prepare_strikes",
    "prepare_sweep",
    "prepare_sweep_from_counts",
    "prepare_sweep_grid",
    "prepare_sweep_grid_from_counts",
    "prepare_terms",
    "prepare_time_to_end",
]

CLASSES: tuple[str, ...] = OUTCOME_LABELS
"""Outcome class labels, in the fixed order every figure uses."""

QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles of a box: whisker, box, median, box, whisker."""

TERM_BINS = 20  # histogram bins over [0, 1] for agreed terms
MIN_STRIKE_BIN = 20  # replicates a bin of strike counts needs at least
MAX_STRIKE_BINS = 12  # bars that stay readable at 800 px


# ---- data classes ------------------------------------------------------------------
# eq=False: they hold numpy arrays, whose == is elementwise.


@dataclass(frozen=True, eq=False)
class OutcomeProbabilities:
    """Probability of each outcome class with its Wilson 95% interval.

    Attributes
    ----------
    scenario : str
    n : int
        Replicates.
    classes : tuple of str
        Outcome labels, in :data:`CLASSES` order.
    counts : ndarray, shape (C,)
        Replicates per class.
    p, low, high : ndarray, shape (C,)
        Share of replicates and its interval, in [0, 1]; NaN when ``n == 0``.
    """

    scenario: str
    n: int
    classes: tuple[str, ...]
    counts: np.ndarray
    p: np.ndarray
    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True, eq=False)
class IssueTerms:
    """Agreed terms on one issue.

    Attributes
    ----------
    issue : str
    values : ndarray, shape (M,)
        The agreed position on the issue in each of the M agreements, in [0, 1].
    bin_edges : ndarray, shape (B + 1,)
        Histogram edges over [0, 1].
    shares : ndarray, shape (B,)
        Share of agreements in each bin (sums to 1 when M > 0, all zero otherwise).
    ideals : Mapping[str, float]
        Each party's (mean) ideal point on the issue; parties without a known ideal are
        left out.
    compromise : float or None
        Naive compromise: mean over replicates of the salience-weighted mean of the
        parties' ideals; None when unknown.
    """

    issue: str
    values: np.ndarray
    bin_edges: np.ndarray
    shares: np.ndarray
    ideals: Mapping[str, float]
    compromise: float | None


@dataclass(frozen=True, eq=False)
class TermsData:
    """Agreed terms, one :class:`IssueTerms` per issue."""

    scenario: str
    n: int
    n_agreements: int
    parties: tuple[str, ...]
    issues: tuple[IssueTerms, ...]


@dataclass(frozen=True, eq=False)
class CumulativeIncidence:
    """Competing-risks cumulative incidence of each outcome class by round.

    ``cif[c, r]`` = P(ended by the end of round ``r`` with class ``c``)
    = #(outcome == c and end_round <= r) / n, for r = 0 .. rounds (column 0 is zero).
    Stalemates end at round ``rounds``; at the last round the columns sum to 1.

    Attributes
    ----------
    rounds : ndarray, shape (R + 1,)
        0, 1, ..., R.
    round_days : float
        Length of one round in days.
    cif : ndarray, shape (C, R + 1)
    """

    scenario: str
    n: int
    classes: tuple[str, ...]
    rounds: np.ndarray
    round_days: float
    cif: np.ndarray


@dataclass(frozen=True, eq=False)
class EndState:
    """Front line and accumulated costs at the end, split by outcome class.

    Quantiles are those of :data:`QUANTILES` (5%, 25%, 50%, 75%, 95%); NaN for a class
    with no replicates.

    Attributes
    ----------
    counts : ndarray, shape (C,)
    front_line : ndarray, shape (C, 5)
        Quantiles of the front line (share of contested territory, [0, 1]).
    parties : tuple of str
    cost : ndarray, shape (P, C, 5)
        Quantiles of each party's accumulated cost (utility units).
    """

    scenario: str
    n: int
    classes: tuple[str, ...]
    counts: np.ndarray
    front_line: np.ndarray
    parties: tuple[str, ...]
    cost: np.ndarray


@dataclass(frozen=True, eq=False)
class StrikeAgreement:
    """Share of replicates ending in agreement by the number of strikes they suffered.

    Attributes
    ----------
    labels : tuple of str
        Bin labels: ``"3"`` for one count, ``"3–5"`` for a range, ``"k+"`` for a last bin
        that pools k and more strikes.
    lower, upper : ndarray, shape (B,)
        Smallest and largest strike count of each bin (inclusive).
    n_bin, agreements : ndarray, shape (B,)
        Replicates, and agreements among them, per bin; ``n_bin`` sums to ``n``.
    p, low, high : ndarray, shape (B,)
        Agreement share and its Wilson 95% interval.
    """

    scenario: str
    n: int
    labels: tuple[str, ...]
    lower: np.ndarray
    upper: np.ndarray
    n_bin: np.ndarray
    agreements: np.ndarray
    p: np.ndarray
    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True, eq=False)
class CompareTable:
    """Outcome probabilities of several scenarios: arrays of shape (S, C)."""

    scenarios: tuple[str, ...]
    classes: tuple[str, ...]
    n: np.ndarray  # (S,) replicates per scenario
    counts: np.ndarray
    p: np.ndarray
    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True, eq=False)
class SweepCurve:
    """Outcome probabilities as one parameter varies: arrays of shape (V, C)."""

    scenario: str
    param: str
    values: np.ndarray  # (V,)
    classes: tuple[str, ...]
    n: np.ndarray  # (V,) replicates per value
    counts: np.ndarray
    p: np.ndarray
    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True, eq=False)
class SweepGrid:
    """Probability of one outcome class over a grid of two parameters.

    Arrays have shape (Ny, Nx): row i is ``y[i]``, column j is ``x[j]``.
    """

    scenario: str
    params: tuple[str, str]  # (x parameter, y parameter)
    x: np.ndarray
    y: np.ndarray
    outcome: str
    n: np.ndarray
    counts: np.ndarray
    p: np.ndarray
    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True, eq=False)
class SensitivityData:
    """Sensitivity indices of one output, ordered largest first by the primary index.

    Attributes
    ----------
    method : str
        ``"sobol"`` (indices S1 and ST) or ``"morris"`` (mu_star and sigma).
    outcome : str
        The class whose probability was analysed.
    n : int
        Model evaluations (replicates) behind the indices.
    names : tuple of str
        Parameter paths, largest primary index first.
    indices : Mapping[str, ndarray]
        Index name -> values, aligned with ``names``. The first key is the primary index
        that sets the order: ``ST`` then ``S1`` (Sobol), ``mu_star`` then ``sigma`` (Morris).
    conf : Mapping[str, ndarray or None]
        Index name -> 95% confidence half-width (None where the method gives none).
    """

    scenario: str
    method: str
    outcome: str
    n: int
    names: tuple[str, ...]
    indices: Mapping[str, np.ndarray]
    conf: Mapping[str, np.ndarray | None]


@dataclass(frozen=True, eq=False)
class PrimTrajectory:
    """A PRIM peeling trajectory: one row per box, from the whole space inwards.

    Attributes
    ----------
    coverage : ndarray, shape (S,)
        Share of all replicates of ``outcome`` that fall inside the box.
    density : ndarray, shape (S,)
        Share of the replicates inside the box that end in ``outcome``.
    mass : ndarray or None, shape (S,)
        Share of all replicates inside the box.
    restricted : ndarray or None, shape (S,)
        Number of restricted parameters of each box.
    chosen : int
        Index of the chosen box.
    """

    scenario: str
    outcome: str
    n: int
    coverage: np.ndarray
    density: np.ndarray
    chosen: int
    mass: np.ndarray | None = None
    restricted: np.ndarray | None = None


# ---- helpers -----------------------------------------------------------------------


def _wilson(successes: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share and Wilson 95% interval, elementwise; NaN where ``n == 0``."""
    k = np.asarray(successes, dtype=np.int64)
    total = np.broadcast_to(np.asarray(n, dtype=np.int64), k.shape)
    p = np.full(k.shape, np.nan)
    low = np.full(k.shape, np.nan)
    high = np.full(k.shape, np.nan)
    ok = total > 0
    if np.any(ok):
        p[ok] = k[ok] / total[ok]
        lo, hi = wilson_interval(k[ok], total[ok])
        low[ok] = np.asarray(lo, dtype=float)
        high[ok] = np.asarray(hi, dtype=float)
    return p, low, high


def _class_counts(outcome: np.ndarray) -> np.ndarray:
    return np.bincount(np.asarray(outcome, dtype=np.int64), minlength=len(Outcome))[: len(CLASSES)]


def _counts_vector(counts: Mapping[str, int]) -> np.ndarray:
    unknown = set(counts) - set(CLASSES)
    if unknown:
        raise ValueError(f"unknown outcome class(es): {', '.join(sorted(unknown))}")
    return np.array([int(counts.get(c, 0)) for c in CLASSES], dtype=np.int64)


def _quantiles(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.full(len(QUANTILES), np.nan)
    return np.quantile(v, QUANTILES)


def _class_index(outcome: str) -> int:
    if outcome not in CLASSES:
        raise ValueError(
            f"unknown outcome class {outcome!r} (expected one of {', '.join(CLASSES)})"
        )
    return CLASSES.index(outcome)


# ---- run figures ---------------------------------------------------------------------


def prepare_outcomes(result: EnsembleResult) -> OutcomeProbabilities:
    """Outcome probabilities of a run with Wilson 95% intervals."""
    counts = _class_counts(result.outcome)
    n = len(result)
    p, low, high = _wilson(counts, np.full(counts.shape, n))
    return OutcomeProbabilities(result.scenario, n, CLASSES, counts, p, low, high)


def ideals_from_params(result: EnsembleResult) -> dict[str, dict[str, float]]:
    """Mean drawn ideal per party and issue, from ``params['actors.<party>.ideal.<issue>']``.

    Only ideals that were distributions appear in ``params``; the others are absent.
    """
    out: dict[str, dict[str, float]] = {}
    for party in result.parties:
        for issue in result.issues:
            values = result.params.get(f"actors.{party}.ideal.{issue}")
            if values is None:
                continue
            v = np.asarray(values, dtype=float)
            v = v[np.isfinite(v)]
            if v.size:
                out.setdefault(party, {})[issue] = float(v.mean())
    return out


def prepare_terms(
    result: EnsembleResult,
    ideals: Mapping[str, Mapping[str, float]] | None = None,
    *,
    bins: int = TERM_BINS,
) -> TermsData:
    """Agreed terms per issue over the agreements, with ideals and the naive compromise.

    Parameters
    ----------
    result : EnsembleResult
    ideals : Mapping[party, Mapping[issue, float]], optional
        Fixed ideal points (e.g. ``summary.json``'s ``ideals``). Ideals that were
        distributions are taken from ``result.params`` (their mean over replicates) and
        take precedence.
    bins : int
        Histogram bins over [0, 1].
    """
    agreed = np.asarray(result.outcome) == Outcome.AGREEMENT
    n_agree = int(agreed.sum())
    drawn = ideals_from_params(result)
    edges = np.linspace(0.0, 1.0, bins + 1)
    per_issue = []
    for k, issue in enumerate(result.issues):
        values = np.asarray(result.terms[agreed, k], dtype=float)
        values = values[np.isfinite(values)]
        hist, _ = np.histogram(np.clip(values, 0.0, 1.0), bins=edges)
        shares = hist / values.size if values.size else np.zeros(bins)
        party_ideals: dict[str, float] = {}
        for party in result.parties:
            if issue in drawn.get(party, {}):
                party_ideals[party] = drawn[party][issue]
            elif ideals is not None and issue in ideals.get(party, {}):
                party_ideals[party] = float(ideals[party][issue])
        comp = np.asarray(result.compromise[:, k], dtype=float) if result.compromise.size else None
        compromise = None
        if comp is not None and np.isfinite(comp).any():
            compromise = float(comp[np.isfinite(comp)].mean())
        per_issue.append(IssueTerms(issue, values, edges, shares, party_ideals, compromise))
    return TermsData(result.scenario, len(result), n_agree, result.parties, tuple(per_issue))


def prepare_time_to_end(result: EnsembleResult) -> CumulativeIncidence:
    """Cumulative incidence of each outcome class by round (competing risks)."""
    n = len(result)
    rounds = int(result.rounds)
    outcome = np.asarray(result.outcome, dtype=np.int64)
    end = np.asarray(result.end_round, dtype=np.int64)
    end = np.where(outcome == Outcome.STALEMATE, rounds, np.clip(end, 0, rounds))
    cif = np.zeros((len(CLASSES), rounds + 1))
    if n:
        for c in range(len(CLASSES)):
            per_round = np.bincount(end[outcome == c], minlength=rounds + 1)
            cif[c] = np.cumsum(per_round) / n
    return CumulativeIncidence(
        result.scenario, n, CLASSES, np.arange(rounds + 1), float(result.round_days), cif
    )


def prepare_end_state(result: EnsembleResult) -> EndState:
    """Quantiles of the final front line and of each party's cost, by outcome class."""
    outcome = np.asarray(result.outcome, dtype=np.int64)
    counts = _class_counts(outcome)
    front = np.stack([_quantiles(result.front_line[outcome == c]) for c in range(len(CLASSES))])
    cost = (
        np.stack(
            [
                np.stack([_quantiles(result.cost[outcome == c, p]) for c in range(len(CLASSES))])
                for p in range(len(result.parties))
            ]
        )
        if result.parties
        else np.zeros((0, len(CLASSES), len(QUANTILES)))
    )
    return EndState(result.scenario, len(result), CLASSES, counts, front, result.parties, cost)


def prepare_strikes(
    result: EnsembleResult, *, min_count: int = MIN_STRIKE_BIN, max_bins: int = MAX_STRIKE_BINS
) -> StrikeAgreement:
    """Agreement share by the number of strikes a replicate suffered.

    Strike counts from the smallest to the largest observed are cut into runs of equal
    width (1, or wider when there would be more than ``max_bins`` bins); then, from the
    left, runs are merged until each bin holds at least ``min_count`` replicates. A sparse
    remainder joins the last bin, which becomes ``"k+"``.
    """
    strikes = np.asarray(result.counter("strikes"), dtype=np.int64)
    agreed = np.asarray(result.outcome) == Outcome.AGREEMENT
    n = len(result)
    if n == 0:
        none = np.zeros(0, dtype=np.int64)
        return StrikeAgreement(
            result.scenario, 0, (), none, none, none, none, np.zeros(0), np.zeros(0), np.zeros(0)
        )
    first = int(strikes.min())
    per_count = np.bincount(strikes - first)
    size = per_count.size
    agree_count = np.bincount(strikes[agreed] - first, minlength=size)
    width = max(1, math.ceil(size / max(1, max_bins)))
    bins: list[tuple[int, int]] = []  # [start, stop) as offsets from ``first``
    begin, held = 0, 0
    for start in range(0, size, width):
        stop = min(start + width, size)
        held += int(per_count[start:stop].sum())
        if held >= min_count:
            bins.append((begin, stop))
            begin, held = stop, 0
    if begin < size:  # a sparse remainder joins the last bin
        bins = bins[:-1] + [(bins[-1][0] if bins else 0, size)]
    lower = np.array([first + a for a, _ in bins], dtype=np.int64)
    upper = np.array([first + b - 1 for _, b in bins], dtype=np.int64)
    n_bin = np.array([per_count[a:b].sum() for a, b in bins], dtype=np.int64)
    agreements = np.array([agree_count[a:b].sum() for a, b in bins], dtype=np.int64)
    labels = []
    for i, (lo, hi) in enumerate(zip(lower, upper, strict=True)):
        if lo == hi:
            labels.append(str(lo))
        elif i == len(bins) - 1:
            labels.append(f"{lo}+")
        else:
            labels.append(f"{lo}–{hi}")
    p, low, high = _wilson(agreements, n_bin)
    return StrikeAgreement(
        result.scenario, n, tuple(labels), lower, upper, n_bin, agreements, p, low, high
    )


# ---- compare, sweep, sensitivity, discovery ----------------------------------------------


def prepare_compare(
    results: Sequence[EnsembleResult] | Mapping[str, EnsembleResult],
) -> CompareTable:
    """Outcome probabilities of several runs; names are the mapping's keys or the scenarios'."""
    if isinstance(results, Mapping):
        names = tuple(str(k) for k in results)
        runs = list(results.values())
    else:
        runs = list(results)
        names = tuple(r.scenario for r in runs)
    return prepare_compare_from_counts(names, [r.counts() for r in runs])


def prepare_compare_from_counts(
    scenarios: Sequence[str], counts: Sequence[Mapping[str, int]]
) -> CompareTable:
    """Outcome probabilities from replicate counts per class (e.g. summary ``count``s)."""
    if len(scenarios) != len(counts):
        raise ValueError(f"{len(scenarios)} scenario names for {len(counts)} count tables")
    table = (
        np.stack([_counts_vector(c) for c in counts])
        if counts
        else np.zeros((0, len(CLASSES)), np.int64)
    )
    n = table.sum(axis=1)
    p, low, high = _wilson(table, n[:, None])
    return CompareTable(tuple(scenarios), CLASSES, n, table, p, low, high)


def prepare_compare_from_table(table: Mapping[str, Any]) -> CompareTable:
    """Outcome probabilities from a ``compare.json`` table.

    ``table["rows"]`` holds one ``{"scenario": name, "outcomes": {class: {"count": k,
    ...}}}`` per scenario; intervals are recomputed from the counts.
    """
    try:
        rows = list(table["rows"])
        names = [str(row["scenario"]) for row in rows]
        counts = [{c: int(v["count"]) for c, v in row["outcomes"].items()} for row in rows]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a compare table: missing {exc}") from None
    return prepare_compare_from_counts(names, counts)


def prepare_sweep(
    param: str, values: Sequence[float], results: Sequence[EnsembleResult]
) -> SweepCurve:
    """Outcome probabilities at each value of one swept parameter (one run per value)."""
    if len(values) != len(results):
        raise ValueError(f"{len(values)} values for {len(results)} runs")
    scenario = results[0].scenario if results else ""
    return prepare_sweep_from_counts(
        param, values, [r.counts() for r in results], scenario=scenario
    )


def prepare_sweep_from_counts(
    param: str, values: Sequence[float], counts: Sequence[Mapping[str, int]], *, scenario: str
) -> SweepCurve:
    """Outcome probabilities at each swept value from counts per class."""
    if len(values) != len(counts):
        raise ValueError(f"{len(values)} values for {len(counts)} count tables")
    table = (
        np.stack([_counts_vector(c) for c in counts])
        if counts
        else np.zeros((0, len(CLASSES)), np.int64)
    )
    n = table.sum(axis=1)
    p, low, high = _wilson(table, n[:, None])
    return SweepCurve(
        scenario, param, np.asarray(values, dtype=float), CLASSES, n, table, p, low, high
    )


def prepare_sweep_grid(
    params: tuple[str, str],
    x: Sequence[float],
    y: Sequence[float],
    results: Sequence[Sequence[EnsembleResult]],
    outcome: str = "agreement",
) -> SweepGrid:
    """Probability of ``outcome`` over a 2-D grid; ``results[i][j]`` ran at ``(x[j], y[i])``."""
    c = _class_index(outcome)
    if len(results) != len(y) or any(len(row) != len(x) for row in results):
        raise ValueError(f"results must be a {len(y)} x {len(x)} grid (rows follow y)")
    successes = np.array([[r.counts()[CLASSES[c]] for r in row] for row in results], dtype=np.int64)
    n = np.array([[len(r) for r in row] for row in results], dtype=np.int64)
    scenario = results[0][0].scenario if results and results[0] else ""
    return prepare_sweep_grid_from_counts(
        params,
        x,
        y,
        successes.reshape(len(y), len(x)),
        n.reshape(len(y), len(x)),
        outcome,
        scenario=scenario,
    )


def prepare_sweep_grid_from_counts(
    params: tuple[str, str],
    x: Sequence[float],
    y: Sequence[float],
    successes: np.ndarray,
    n: np.ndarray,
    outcome: str = "agreement",
    *,
    scenario: str,
) -> SweepGrid:
    """Probability of ``outcome`` over a grid from counts; arrays of shape (len(y), len(x))."""
    _class_index(outcome)
    k = np.asarray(successes, dtype=np.int64)
    total = np.asarray(n, dtype=np.int64)
    shape = (len(y), len(x))
    if k.shape != shape or total.shape != shape:
        raise ValueError(f"successes and n must have shape {shape} (rows follow y)")
    p, low, high = _wilson(k, total)
    return SweepGrid(
        scenario,
        (str(params[0]), str(params[1])),
        np.asarray(x, dtype=float),
        np.asarray(y, dtype=float),
        outcome,
        total,
        k,
        p,
        low,
        high,
    )


def prepare_sensitivity(
    analysis: Mapping[str, Any],
    names: Sequence[str],
    *,
    method: str,
    outcome: str,
    scenario: str,
    n: int,
) -> SensitivityData:
    """Indices of a SALib analysis, ordered largest first.

    Parameters
    ----------
    analysis : Mapping
        A SALib result: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (Sobol; FAST also works)
        or ``mu_star``, ``mu_star_conf``, ``sigma`` (Morris).
    names : sequence of str
        Parameter paths, in the order of the analysis arrays.
    method : {"sobol", "morris"}
    """
    if method == "morris":
        keys = ("mu_star", "sigma")
    elif method == "sobol":
        keys = ("ST", "S1")
    else:
        raise ValueError(f"unknown sensitivity method {method!r} (expected sobol or morris)")
    _class_index(outcome)
    indices = {}
    conf: dict[str, np.ndarray | None] = {}
    for key in keys:
        if key not in analysis:
            raise ValueError(f"{method} analysis has no {key!r}")
        values = np.asarray(analysis[key], dtype=float)
        if values.shape != (len(names),):
            raise ValueError(f"{key} has {values.size} values for {len(names)} parameters")
        indices[key] = values
        half = analysis.get(f"{key}_conf")
        conf[key] = None if half is None else np.asarray(half, dtype=float)
    # largest primary index (ST, or mu_star) first; NaN last; ties keep the given order
    order = np.argsort(-np.nan_to_num(indices[keys[0]], nan=-np.inf), kind="stable")
    return SensitivityData(
        scenario,
        method,
        outcome,
        int(n),
        tuple(names[i] for i in order),
        {k: indices[k][order] for k in keys},
        {k: None if conf[k] is None else conf[k][order] for k in keys},
    )


def prepare_prim(
    coverage: Sequence[float],
    density: Sequence[float],
    chosen: int,
    *,
    outcome: str,
    scenario: str,
    n: int,
    mass: Sequence[float] | None = None,
    restricted: Sequence[int] | None = None,
) -> PrimTrajectory:
    """A checked PRIM peeling trajectory (coverage and density per box, the chosen box)."""
    _class_index(outcome)
    cov = np.asarray(coverage, dtype=float)
    den = np.asarray(density, dtype=float)
    if cov.shape != den.shape or cov.ndim != 1 or cov.size == 0:
        raise ValueError("coverage and density must be equally long, non-empty sequences")
    if not 0 <= chosen < cov.size:
        raise ValueError(f"chosen box {chosen} is not in 0..{cov.size - 1}")
    m = None if mass is None else np.asarray(mass, dtype=float)
    r = None if restricted is None else np.asarray(restricted, dtype=np.int64)
    for name, arr in (("mass", m), ("restricted", r)):
        if arr is not None and arr.shape != cov.shape:
            raise ValueError(f"{name} must have one value per box")
    return PrimTrajectory(scenario, outcome, int(n), cov, den, int(chosen), m, r)
