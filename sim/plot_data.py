"""Data behind every figure: pure functions from results to small frozen dataclasses.

:mod:`sim.plots` only draws; everything a figure shows (probabilities, Wilson intervals,
histogram shares, quantiles, cumulative incidence, pooled bins, orderings) is computed
here, where it can be tested against hand-computed numbers (Axelrod's split between a
``ResultSet`` and its ``Plot``).

Every dataclass carries the scenario name and the number of replicates ``n`` that a
figure prints. Outcome classes always appear in the order of :class:`sim.outcomes.Outcome`
and are named by their labels (``"settlement"``, ``"breakdown"``, ``"mediator_exit"``,
``"stalemate"``). Probabilities and shares are in [0, 1]; intervals are Wilson 95%.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
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
    "PrimBox",
    "PrimTrajectory",
    "SensitivityData",
    "StrikeAgreement",
    "SweepCurve",
    "SweepGrid",
    "TermsData",
    "QUANTILES",
    "ideals_from_params",
    "sampled_ranges",
    "prepare_compare",
    "prepare_compare_from_counts",
    "prepare_compare_from_table",
    "prepare_end_state",
    "prepare_outcomes",
    "prepare_prim",
    "prepare_prim_box",
    "sensitivity_caveats",
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
    zero, one : str
        What 0 and 1 mean on the issue, in the scenario's words ("" when unknown).
    """

    issue: str
    values: np.ndarray
    bin_edges: np.ndarray
    shares: np.ndarray
    ideals: Mapping[str, float]
    compromise: float | None
    zero: str = ""
    one: str = ""


@dataclass(frozen=True, eq=False)
class TermsData:
    """Agreed terms, one :class:`IssueTerms` per issue. ``party_labels`` maps a party's
    name to the label the scenario gives it (names without one are shown as words)."""

    scenario: str
    n: int
    n_agreements: int
    parties: tuple[str, ...]
    issues: tuple[IssueTerms, ...]
    party_labels: Mapping[str, str] = field(default_factory=dict)


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
class SignedRejected:
    """Packages signed by the governments and rejected by a public, by round.

    ``first[r]`` = share of replicates whose first such package came in round ``r``
    (r = 0 .. rounds; column 0 is zero); ``cumulative`` its running sum, with a Wilson
    95% interval (``low``, ``high``) at each round.
    """

    scenario: str
    n: int
    rounds: np.ndarray
    round_days: float
    first: np.ndarray
    cumulative: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @property
    def has_any(self) -> bool:
        return bool(self.n and self.cumulative[-1] > 0)


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
    party_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def has_front(self) -> bool:
        """Whether the scenario has a front line (its values are NaN without one)."""
        return bool(np.isfinite(self.front_line).any())

    @property
    def has_cost(self) -> bool:
        """Whether any party accumulated a cost in any replicate."""
        return bool(np.nan_to_num(self.cost).any())


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

    @property
    def has_strikes(self) -> bool:
        """Whether any replicate suffered a strike (without, the figure has no point)."""
        return bool(self.upper.size and int(self.upper.max()) > 0)


@dataclass(frozen=True, eq=False)
class CompareTable:
    """Outcome probabilities of several scenarios: arrays of shape (S, C).

    ``diff``, ``diff_low`` and ``diff_high`` are each scenario's difference from the
    first (row 0, all zero) with its paired 95% interval (common random numbers), or
    None when only counts were given.
    """

    scenarios: tuple[str, ...]
    classes: tuple[str, ...]
    n: np.ndarray  # (S,) replicates per scenario
    counts: np.ndarray
    p: np.ndarray
    low: np.ndarray
    high: np.ndarray
    diff: np.ndarray | None = None
    diff_low: np.ndarray | None = None
    diff_high: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class SweepCurve:
    """Outcome probabilities as one parameter varies: arrays of shape (V, C)."""

    scenario: str
    param: str  # the dotted path
    values: np.ndarray  # (V,)
    classes: tuple[str, ...]
    n: np.ndarray  # (V,) replicates per value
    counts: np.ndarray
    p: np.ndarray
    low: np.ndarray
    high: np.ndarray
    label: str = ""  # the parameter in words ("" = made from ``param``)


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
    flagged : ndarray of bool, aligned with ``names``
        Estimates the sample cannot support (see :func:`sensitivity_caveats`).
    caveats : tuple of str
        One sentence per kind of flagged estimate, for the figure and the printed text.
    """

    scenario: str
    method: str
    outcome: str
    n: int
    names: tuple[str, ...]
    indices: Mapping[str, np.ndarray]
    conf: Mapping[str, np.ndarray | None]
    flagged: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    caveats: tuple[str, ...] = ()


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


@dataclass(frozen=True, eq=False)
class PrimBox:
    """A PRIM box's limits against each restricted parameter's range.

    Attributes
    ----------
    labels : tuple of str
        Restricted parameters, in words.
    low, high : ndarray, shape (K,)
        The box's limits; NaN where the box leaves that side open.
    range_low, range_high : ndarray, shape (K,)
        The range the parameter was sampled over.
    coverage, density : float
        The box's coverage and density (shares).
    """

    scenario: str
    outcome: str
    labels: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    range_low: np.ndarray
    range_high: np.ndarray
    coverage: float
    density: float


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
    issue_texts: Mapping[str, tuple[str, str]] | None = None,
    party_labels: Mapping[str, str] | None = None,
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
    issue_texts : Mapping[issue, (zero, one)], optional
        What 0 and 1 mean on each issue (the scenario's ``zero`` and ``one``).
    party_labels : Mapping[party, str], optional
        The scenario's labels for its parties.
    """
    texts = issue_texts or {}
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
        zero, one = texts.get(issue, ("", ""))
        per_issue.append(
            IssueTerms(issue, values, edges, shares, party_ideals, compromise, zero, one)
        )
    return TermsData(
        result.scenario,
        len(result),
        n_agree,
        result.parties,
        tuple(per_issue),
        dict(party_labels or {}),
    )


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


def prepare_signed_rejected(result: EnsembleResult) -> SignedRejected:
    """When packages signed by the governments were first rejected by a public."""
    n = len(result)
    rounds = int(result.rounds)
    first_round = np.asarray(result.signed_rejected, dtype=np.int64)
    counts = np.bincount(first_round[first_round > 0], minlength=rounds + 1)[: rounds + 1]
    cum = np.cumsum(counts)
    share, low, high = _wilson(cum.astype(float), np.full(rounds + 1, float(max(n, 1))))
    return SignedRejected(
        result.scenario,
        n,
        np.arange(rounds + 1),
        float(result.round_days),
        counts / max(n, 1),
        share,
        low,
        high,
    )


def prepare_end_state(
    result: EnsembleResult, party_labels: Mapping[str, str] | None = None
) -> EndState:
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
    return EndState(
        result.scenario,
        len(result),
        CLASSES,
        counts,
        front,
        result.parties,
        cost,
        dict(party_labels or {}),
    )


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
    from sim.stats import paired_difference_interval

    if isinstance(results, Mapping):
        names = tuple(str(k) for k in results)
        runs = list(results.values())
    else:
        runs = list(results)
        names = tuple(r.scenario for r in runs)
    table = prepare_compare_from_counts(names, [r.counts() for r in runs])
    if not runs or any(len(r) != len(runs[0]) for r in runs):
        return table  # unequal runs are not paired
    base = np.asarray(runs[0].outcome)
    diff = np.zeros(table.p.shape)
    low = np.zeros(table.p.shape)
    high = np.zeros(table.p.shape)
    for s, run in enumerate(runs):
        for c in range(len(CLASSES)):
            a = (np.asarray(run.outcome) == c).astype(float)
            b = (base == c).astype(float)
            diff[s, c] = a.mean() - b.mean()
            low[s, c], high[s, c] = paired_difference_interval(a, b)
    return replace(table, diff=diff, diff_low=low, diff_high=high)


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
        # the end states partition the replicates; per-date events (``ceasefire_by:DATE``
        # and the like, where the scenarios list report dates) are not end states
        counts = [
            {c: int(v["count"]) for c, v in row["outcomes"].items() if ":" not in c} for row in rows
        ]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a compare table: missing {exc}") from None
    out = prepare_compare_from_counts(names, counts)
    try:  # the paired differences, when the table has them
        cells = [[row["outcomes"][c] for c in CLASSES] for row in rows]
        diff = np.array([[float(v["diff"]) for v in r] for r in cells])
        low = np.array([[float(v["diff_ci95"][0]) for v in r] for r in cells])
        high = np.array([[float(v["diff_ci95"][1]) for v in r] for r in cells])
    except (KeyError, TypeError, IndexError, ValueError):
        return out
    return replace(out, diff=diff, diff_low=low, diff_high=high)


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
    param: str,
    values: Sequence[float],
    counts: Sequence[Mapping[str, int]],
    *,
    scenario: str,
    label: str = "",
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
        scenario, param, np.asarray(values, dtype=float), CLASSES, n, table, p, low, high, label
    )


def prepare_sweep_grid(
    params: tuple[str, str],
    x: Sequence[float],
    y: Sequence[float],
    results: Sequence[Sequence[EnsembleResult]],
    outcome: str = "settlement",
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
    outcome: str = "settlement",
    *,
    scenario: str,
) -> SweepGrid:
    """Probability of ``outcome`` over a grid from counts; arrays of shape (len(y), len(x))."""
    if ":" not in outcome:  # an event (ceasefire_by:DATE) has its own counts
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
    ordered = {k: indices[k][order] for k in keys}
    ordered_conf: dict[str, np.ndarray | None] = {}
    for k in keys:
        half_width = conf[k]
        ordered_conf[k] = None if half_width is None else half_width[order]
    flagged, caveats = sensitivity_caveats(method, ordered, int(n), ordered_conf)
    return SensitivityData(
        scenario,
        method,
        outcome,
        int(n),
        tuple(names[i] for i in order),
        ordered,
        ordered_conf,
        flagged,
        caveats,
    )


SHARE_SLACK = 0.05  # a Sobol share this far outside [0, 1] is an estimation artefact
MAX_SHARE_HALF_WIDTH = 0.5  # a total effect known to no better than ±0.5 says nothing


def sensitivity_caveats(
    method: str,
    indices: Mapping[str, np.ndarray],
    n: int,
    conf: Mapping[str, np.ndarray | None] | None = None,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Which estimates the sample cannot support, and why, in sentences.

    Sobol indices are shares of a variance, so a true index lies in [0, 1] and S1 <= ST;
    estimates outside [0, 1] (beyond :data:`SHARE_SLACK`) come from too small a base
    sample, and so does a total effect whose 95% half-width exceeds
    :data:`MAX_SHARE_HALF_WIDTH` (its interval spans most of the possible range). Morris'
    mu* is a mean absolute change: an exact 0 means that no design step
    changed the outcome share, which with a rare outcome and few replicates per point is
    what sampling gives, not evidence that the parameter does nothing.

    Returns a boolean array aligned with the indices and a tuple of sentences (empty when
    nothing is flagged).
    """
    if method == "sobol":
        st = np.asarray(indices["ST"], dtype=float)
        s1 = np.asarray(indices["S1"], dtype=float)
        outside = (
            (st < -SHARE_SLACK)
            | (st > 1 + SHARE_SLACK)
            | (s1 < -SHARE_SLACK)
            | (s1 > 1 + SHARE_SLACK)
            | ~np.isfinite(st)
        )
        half = (conf or {}).get("ST")
        wide = (
            np.zeros(st.shape, dtype=bool)
            if half is None
            else np.nan_to_num(np.asarray(half, dtype=float)) > MAX_SHARE_HALF_WIDTH
        ) & ~outside
        sentences = []
        if outside.any():
            sentences.append(
                f"{int(outside.sum())} of {st.size} parameters have an index outside [0, 1], "
                "which no share of variance can have: the sample "
                f"({n:,} evaluations) is too small to estimate them."
            )
        if wide.any():
            sentences.append(
                f"{int(wide.sum())} more have a total-effect interval of more than "
                f"±{MAX_SHARE_HALF_WIDTH:g}, wider than half the possible range."
            )
        if sentences:
            sentences.append("Rerun with a larger --n before reading the flagged bars.")
        return outside | wide, (" ".join(sentences),) if sentences else ()
    mu = np.asarray(indices["mu_star"], dtype=float)
    zero = mu == 0
    if not zero.any():
        return zero, ()
    k = int(zero.sum())
    return zero, (
        f"mu* is exactly 0 for {k} of {mu.size} parameters: no design step changed the "
        f"outcome share in {n:,} evaluations (the outcome is rare on this design). That is "
        "no evidence that they do nothing; rerun with more --runs or --n.",
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


def prepare_prim_box(
    restrictions: Sequence[Any],
    ranges: Mapping[str, tuple[float, float]],
    *,
    outcome: str,
    scenario: str,
    coverage: float,
    density: float,
) -> PrimBox:
    """A box's limits against the sampled ranges of its parameters.

    ``restrictions`` are :class:`sim.discovery.Restriction` objects or ``discovery.json``
    mappings (``parameter``/``name``, ``label``, ``low``, ``high``); ``ranges`` maps each
    parameter path to the (min, max) it was sampled over.
    """
    _class_index(outcome)

    def get(r: Any, key: str) -> Any:
        return r.get(key) if isinstance(r, Mapping) else getattr(r, key, None)

    labels, low, high, rlow, rhigh = [], [], [], [], []
    for r in restrictions:
        name = get(r, "name") or get(r, "parameter")
        if name not in ranges:
            raise ValueError(f"no sampled range for {name!r}")
        lo, hi = ranges[name]
        labels.append(str(get(r, "label") or name))
        low.append(np.nan if get(r, "low") is None else float(get(r, "low")))
        high.append(np.nan if get(r, "high") is None else float(get(r, "high")))
        rlow.append(float(lo))
        rhigh.append(float(hi))
    return PrimBox(
        scenario,
        outcome,
        tuple(labels),
        np.array(low, dtype=float),
        np.array(high, dtype=float),
        np.array(rlow, dtype=float),
        np.array(rhigh, dtype=float),
        float(coverage),
        float(density),
    )


def sampled_ranges(names: Sequence[str], x: np.ndarray) -> dict[str, tuple[float, float]]:
    """Each parameter's (min, max) over the sample ``x`` (one column per name), the
    ranges :func:`prepare_prim_box` draws a box against."""
    values = np.asarray(x, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(names):
        raise ValueError(f"x must have one column per parameter ({len(names)})")
    return {
        str(name): (float(np.nanmin(values[:, j])), float(np.nanmax(values[:, j])))
        for j, name in enumerate(names)
    }
