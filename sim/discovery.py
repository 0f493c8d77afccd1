"""Scenario discovery: where in parameter space an outcome concentrates (PRIM).

The Patient Rule Induction Method (Friedman & Fisher 1999), as scenario discovery uses it
(Bryant & Lempert 2010; the EMA Workbench): start from the box that holds every
replicate and repeatedly peel off a thin slice (a share ``alpha`` of the box's
replicates, at the low or the high end of one parameter), choosing the slice whose
removal raises the share of the outcome in the box the most per replicate removed. The
sequence of ever smaller, denser boxes is the *peeling trajectory*. For each box:

* **coverage** = outcome replicates inside the box / all outcome replicates;
* **density** = outcome replicates inside the box / all replicates inside the box;
* **mass** = replicates inside the box / all replicates.

Choices made here (each documented where it is made):

* *Held-out half.* The boxes are peeled on half of the replicates and measured on the
  other half (Friedman & Fisher's test sample). A box that fits noise then shows a low
  density instead of a flattering one, and the trajectory plot shows where peeling
  stopped paying off. ``holdout=0`` peels and measures on all replicates.
* *Simplification.* Peeling restricts many parameters a little. Each box of the
  trajectory is also simplified: it keeps only the restrictions whose removal would lower
  its density significantly on the peeled half (one-sided binomial test at 5%, the EMA
  Workbench's "quasi-p-value"), dropping the least significant first, so a box names
  only the parameters that matter.
* *The chosen box* is the simplified box with the best harmonic mean of coverage and
  density on the held-out half (the F-score), so neither the box that covers every case
  nor a tiny pure box wins by default. The trajectory plot shows the boxes as peeled,
  the step chosen, and the simplified box that is reported.
* *Several boxes* (covering): the replicates inside a box are removed and the search
  repeats, until a box is no longer denser than the base rate with 95% confidence
  (Wilson interval) or ``max_boxes`` is reached.
* *Pasting* (optional): each peeled box may first grow back by slices of size ``alpha``
  where that does not lower its density.

Plain numpy. The EMA Workbench also implements PRIM but is not a dependency (about
150 MB; its box table breaks under pandas 3 on boolean parameters); the results keep
the shape its analysis reads: one row per replicate, a column per parameter.
"""

from __future__ import annotations

import csv
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import NegsimError
from sim.outcomes import OUTCOME_ALIASES
from sim.stats import wilson_interval

__all__ = [
    "Box",
    "DiscoveryResult",
    "FoundBox",
    "Restriction",
    "Trajectory",
    "describe_restriction",
    "discovery_csvs",
    "format_discovery",
    "parameter_label",
    "paste",
    "peel",
    "prim",
    "read_replicates",
    "simplify",
]

MAX_DISCRETE_VALUES = 12
"""A parameter with at most this many distinct values is described by the values a box
keeps ("in {26, 52}") rather than by a range."""


# ---- readable names ------------------------------------------------------------------

_WORDS = {
    "prob": "probability",
    "sd": "sd",
    "batna": "BATNA",
}


def _words(parts: Sequence[str]) -> str:
    out = []
    for part in parts:
        for w in part.split("_"):
            out.append(_WORDS.get(w, w))
    return " ".join(out)


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def parameter_label(path: str, scenario: Any = None) -> str:
    """A parameter's dotted path in plain words.

    ``actors.north.war.cost_per_round`` -> ``"North's war cost per round"`` (the
    actor's label when the scenario is given, else its name). Red lines are named by
    their issue when the scenario is known; the mediator's parameters follow the file's
    layout (``deadline.round``, ``pressure.levers.cut_aid.effect``).
    """
    key = path
    actor = None
    if scenario is not None:
        try:
            from sim.loader import yaml_key_path

            key = yaml_key_path(scenario, path)
        except (ImportError, ValueError, IndexError):
            key = path
    parts = key.split(".")
    if parts[0] == "actors" and len(parts) >= 3:
        name = parts[1]
        if scenario is not None:
            actor = next((a for a in scenario.actors if a.name == name), None)
        shown = actor.label if actor is not None and actor.label else name.replace("_", " ")
        owner = _possessive(shown)
        rest = parts[2:]
        if rest[0] == "red_lines" and len(rest) >= 3:
            what = f"red line {rest[1]}"
            lines = getattr(actor, "red_lines", ()) if actor is not None else ()
            if rest[1].isdigit() and int(rest[1]) < len(lines):
                what = f"{lines[int(rest[1])].issue.replace('_', ' ')} red line"
            field_ = rest[2:]
            if field_ and field_[0] in ("min", "max", "bound"):
                return f"{owner} {what}"
            return f"{owner} {what} {_words(field_)}"
        if rest[0] == "ratification" and len(rest) == 3 and rest[1] == "coefficients":
            return f"{owner} ratification weight of {_words(rest[2:])}"
        if rest[0] in ("ideal", "salience") and len(rest) == 2:
            return f"{owner} {rest[0]} {'on' if rest[0] == 'ideal' else 'of'} {_words(rest[1:])}"
        if rest[-2:-1] == ["bias"] and len(rest) in (2, 3):
            return f"{owner} bias toward {_words(rest[-1:])}"
        if "levers" in rest:
            i = rest.index("levers")
            if len(rest) >= i + 3:
                return f"{owner} {_words(rest[i + 1 : i + 2])} lever {_words(rest[i + 2 :])}"
        if rest[0] == "pressure":
            rest = rest[1:]
        return f"{owner} {_words(rest)}"
    if parts[0] == "events" and len(parts) >= 3:
        return f"{_possessive(_words(parts[1:2]))} {_words(parts[2:])}"
    if parts[0] == "world" and len(parts) >= 3:
        return _words(parts[1:])
    if parts[0] == "issues" and len(parts) >= 3:
        return f"{_words(parts[1:2])} {_words(parts[2:])}"
    return _words(parts)


# ---- boxes ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Box:
    """An axis-aligned box ``low <= x <= high`` (``-inf``/``inf`` where unrestricted)."""

    low: np.ndarray
    high: np.ndarray

    @staticmethod
    def everything(d: int) -> Box:
        return Box(np.full(d, -np.inf), np.full(d, np.inf))

    def contains(self, x: np.ndarray) -> np.ndarray:
        """Boolean mask of the rows of ``x`` (shape (n, d)) inside the box."""
        return np.all((x >= self.low) & (x <= self.high), axis=1)

    def restricted(self) -> np.ndarray:
        """Boolean mask of the dimensions with a finite bound."""
        return np.isfinite(self.low) | np.isfinite(self.high)

    def with_bounds(self, j: int, low: float, high: float) -> Box:
        lo, hi = self.low.copy(), self.high.copy()
        lo[j], hi[j] = low, high
        return Box(lo, hi)


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A peeling trajectory: box ``i`` after ``i`` peels (box 0 holds everything).

    Coverage, density and mass are measured on the evaluation replicates (the held-out
    half), for the boxes as peeled and for the same boxes simplified.

    Attributes
    ----------
    peeled : tuple of Box
        The boxes as peeled from the peeled replicates.
    coverage, density, mass : ndarray, shape (S,)
        Of the peeled boxes.
    restricted : ndarray, shape (S,)
        Number of restricted parameters of each peeled box.
    peeled_density : ndarray, shape (S,)
        Density of each peeled box on the peeled replicates (what peeling maximised).
    boxes : tuple of Box
        Each peeled box without the restrictions that do not raise its density
        significantly on the peeled replicates: the box that would be reported.
    simple_coverage, simple_density, simple_mass, simple_restricted : ndarray, shape (S,)
        The same statistics of the simplified boxes.
    chosen : int
        The step whose simplified box has the best harmonic mean of coverage and density.
    """

    peeled: tuple[Box, ...]
    coverage: np.ndarray
    density: np.ndarray
    mass: np.ndarray
    restricted: np.ndarray
    peeled_density: np.ndarray
    boxes: tuple[Box, ...]
    simple_coverage: np.ndarray
    simple_density: np.ndarray
    simple_mass: np.ndarray
    simple_restricted: np.ndarray
    chosen: int


@dataclass(frozen=True)
class Restriction:
    """What a box requires of one parameter."""

    name: str
    label: str
    low: float | None
    high: float | None
    values: tuple[float, ...] | None  # for a discrete parameter: the values kept
    p_value: float  # one-sided test that the restriction raises the density


@dataclass(frozen=True, eq=False)
class FoundBox:
    """A box of the covering sequence, simplified, with its statistics.

    ``coverage`` is relative to every outcome replicate of the evaluation set (so the
    coverages of successive boxes add up); ``density`` is among the replicates inside the
    box that no earlier box holds.
    """

    box: Box
    restrictions: tuple[Restriction, ...]
    dropped: tuple[str, ...]
    trajectory: Trajectory
    coverage: float
    density: float
    density_ci95: tuple[float, float]
    mass: float
    cases: int
    n_in: int
    significant: bool


@dataclass(frozen=True, eq=False)
class DiscoveryResult:
    """Everything ``negsim discover`` reports."""

    scenario: str
    outcome: str
    names: tuple[str, ...]
    labels: tuple[str, ...]
    n: int
    cases: int
    n_eval: int
    cases_eval: int
    base_rate: float
    alpha: float
    min_mass: float
    holdout: float
    boxes: tuple[FoundBox, ...]  # significant boxes first; a last non-significant one may follow
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def found(self) -> tuple[FoundBox, ...]:
        return tuple(b for b in self.boxes if b.significant)


# ---- peeling -------------------------------------------------------------------------


def _lower_peel(x: np.ndarray, k: int) -> tuple[np.ndarray, float] | None:
    """Remove about ``k`` of the lowest values (all ties of the minimum when they are more).

    Returns the mask of kept points and the new lower bound (half-way between the highest
    removed value and the lowest kept one), or None if nothing can be removed.
    """
    lowest = x.min()
    kth = np.partition(x, k)[k] if k < x.size else x.max()
    cut = kth
    if cut <= lowest:  # ties at the bottom: remove the smallest value altogether
        above = x[x > lowest]
        if above.size == 0:
            return None
        cut = above.min()
    keep = x >= cut
    if keep.all() or not keep.any():
        return None
    return keep, 0.5 * (x[~keep].max() + cut)


def _upper_peel(x: np.ndarray, k: int) -> tuple[np.ndarray, float] | None:
    res = _lower_peel(-x, k)
    if res is None:
        return None
    keep, bound = res
    return keep, -bound


def _stats(
    inside: np.ndarray, y: np.ndarray, total_cases: float, n_total: int
) -> tuple[float, float, float]:
    n_in = int(inside.sum())
    k_in = float(y[inside].sum())
    coverage = k_in / total_cases if total_cases > 0 else float("nan")
    density = k_in / n_in if n_in else float("nan")
    return coverage, density, n_in / n_total if n_total else float("nan")


def peel(
    x: np.ndarray,
    y: np.ndarray,
    *,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    n_total: int | None = None,
) -> list[Box]:
    """Peel from the whole space down to ``min_mass``; return the boxes (box 0 = everything).

    Parameters
    ----------
    x : ndarray, shape (n, d)
        Parameter values of the replicates that are peeled.
    y : ndarray of {0, 1}, shape (n,)
        1 where the replicate ended in the outcome of interest.
    alpha : float in (0, 0.5)
        Share of the box's replicates peeled per step (at least one replicate).
    min_mass : float in (0, 1)
        Peeling stops before a box would hold fewer than ``min_mass * n_total`` replicates.
    n_total : int, optional
        Denominator of the mass when ``x`` is what is left of a larger set (covering).

    A peel's objective is the gain in density per replicate removed, (density after -
    density before) / (replicates removed), the EMA Workbench's default: it equals
    "largest density after" when every peel removes the same number, and does not favour
    a discrete parameter whose ties remove a large slice at once. Ties go to the peel that
    keeps more replicates, then to the first parameter, low side first.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = x.shape
    n_total = n if n_total is None else n_total
    min_n = max(1, int(np.ceil(min_mass * n_total)))
    box = Box.everything(d)
    inside = np.ones(n, dtype=bool)
    boxes = [box]
    while True:
        xb, yb = x[inside], y[inside]
        nb = len(yb)
        mean_b = yb.mean()
        k = max(1, int(alpha * nb))
        best = None
        for j in range(d):
            for side, fn in (("low", _lower_peel), ("high", _upper_peel)):
                res = fn(xb[:, j], k)
                if res is None:
                    continue
                keep, bound = res
                n_keep = int(keep.sum())
                if n_keep < min_n:
                    continue
                score = ((yb[keep].mean() - mean_b) / (nb - n_keep), n_keep)
                if best is None or score > best[0]:
                    best = (score, j, side, keep, bound)
        if best is None:
            return boxes
        _, j, side, keep, bound = best
        if side == "low":
            box = box.with_bounds(j, bound, box.high[j])
        else:
            box = box.with_bounds(j, box.low[j], bound)
        idx = np.flatnonzero(inside)
        inside[idx[~keep]] = False
        boxes.append(box)


def trajectory(
    peeled: Sequence[Box],
    x: np.ndarray,
    y: np.ndarray,
    x_eval: np.ndarray,
    y_eval: np.ndarray,
    *,
    cases_eval: float | None = None,
    n_eval_total: int | None = None,
    pasting: bool = False,
    alpha: float = 0.05,
) -> Trajectory:
    """Simplify (and optionally paste) each peeled box on the peeled replicates ``x, y``,
    measure it on ``x_eval, y_eval``, and choose the best.

    ``cases_eval`` and ``n_eval_total`` are the denominators of coverage and mass
    (default: the totals of ``y_eval``; larger when earlier boxes were removed).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x_eval = np.asarray(x_eval, dtype=float)
    y_eval = np.asarray(y_eval, dtype=float)
    cases_eval = float(y_eval.sum()) if cases_eval is None else cases_eval
    n_eval_total = len(y_eval) if n_eval_total is None else n_eval_total
    raw: list[tuple[float, float, float]] = []
    simple: list[tuple[float, float, float]] = []
    boxes, pden = [], []
    for b in peeled:
        inside = b.contains(x)
        pden.append(float(y[inside].mean()) if inside.any() else float("nan"))
        raw.append(_stats(b.contains(x_eval), y_eval, cases_eval, n_eval_total))
        if pasting:
            b = paste(x, y, b, alpha=alpha)
        b, _ = simplify(x, y, b)
        boxes.append(b)
        simple.append(_stats(b.contains(x_eval), y_eval, cases_eval, n_eval_total))
    r, sm = np.array(raw), np.array(simple)
    return Trajectory(
        tuple(peeled),
        r[:, 0],
        r[:, 1],
        r[:, 2],
        np.array([int(b.restricted().sum()) for b in peeled]),
        np.array(pden),
        tuple(boxes),
        sm[:, 0],
        sm[:, 1],
        sm[:, 2],
        np.array([int(b.restricted().sum()) for b in boxes]),
        choose_box(sm[:, 0], sm[:, 1]),
    )


def choose_box(coverage: np.ndarray, density: np.ndarray) -> int:
    """The box with the largest harmonic mean of coverage and density (the first on ties;
    box 0 when no box holds a case)."""
    c = np.nan_to_num(np.asarray(coverage, dtype=float))
    dn = np.nan_to_num(np.asarray(density, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(c + dn > 0, 2 * c * dn / np.where(c + dn > 0, c + dn, 1.0), 0.0)
    return int(np.argmax(f))


def paste(x: np.ndarray, y: np.ndarray, box: Box, *, alpha: float = 0.05) -> Box:
    """Grow ``box`` back by slices of ``alpha`` of its replicates along one bound at a time
    while that does not lower its density (Friedman & Fisher's pasting; a pure box grows
    to the edge of the pure region). Each step takes the slice that keeps the density
    highest, then the larger box."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    while True:
        inside = box.contains(x)
        n_in = int(inside.sum())
        if n_in == 0:
            return box
        dens = y[inside].mean()
        k = max(1, int(alpha * n_in))
        best = None
        for j in map(int, np.flatnonzero(box.restricted())):
            relaxed = box.with_bounds(j, -np.inf, np.inf)
            cand = relaxed.contains(x) & ~inside  # points outside only because of dimension j
            for side in ("low", "high"):
                bound = box.low[j] if side == "low" else box.high[j]
                if not np.isfinite(bound):
                    continue
                xs = x[cand, j]
                xs = xs[xs < bound] if side == "low" else xs[xs > bound]
                if xs.size == 0:
                    continue
                order = np.sort(xs)[::-1] if side == "low" else np.sort(xs)
                edge = order[min(k, order.size) - 1]
                if side == "low":
                    rest = xs[xs < edge]
                    new = 0.5 * (rest.max() + edge) if rest.size else -np.inf
                    grown = box.with_bounds(j, new, box.high[j])
                else:
                    rest = xs[xs > edge]
                    new = 0.5 * (rest.min() + edge) if rest.size else np.inf
                    grown = box.with_bounds(j, box.low[j], new)
                g_in = grown.contains(x)
                g_dens = y[g_in].mean()
                score = (g_dens, int(g_in.sum()))
                if g_dens >= dens and (best is None or score > best[0]):
                    best = (score, grown)
        if best is None:
            return box
        box = best[1]


def restriction_p_values(x: np.ndarray, y: np.ndarray, box: Box) -> dict[int, float]:
    """For each restricted dimension j, the one-sided p-value of "the box is no denser than
    the box without its restriction on j": P(K >= k) for K ~ Binomial(n, p_j), where the
    box holds n replicates and k cases and p_j is the density of the relaxed box (the
    EMA Workbench's quasi-p-value)."""
    from scipy.stats import binom

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    dims = np.flatnonzero(box.restricted())
    if dims.size == 0:
        return {}
    ok = (x[:, dims] >= box.low[dims]) & (x[:, dims] <= box.high[dims])  # (n, r)
    misses = (~ok).sum(axis=1)
    inside = misses == 0
    n_in, k_in = int(inside.sum()), float(y[inside].sum())
    only = (misses == 1)[:, None] & ~ok  # outside only because of dimension j
    n_rel = n_in + only.sum(axis=0)
    k_rel = k_in + (only * y[:, None]).sum(axis=0)
    if n_in == 0:
        return {int(j): 1.0 for j in dims}
    p0 = k_rel / n_rel
    pv = binom.sf(k_in - 1, n_in, p0) if k_in > 0 else np.ones(dims.size)
    return {int(j): float(v) for j, v in zip(dims, pv, strict=True)}


def simplify(
    x: np.ndarray, y: np.ndarray, box: Box, *, level: float = 0.05
) -> tuple[Box, list[int]]:
    """Drop, one at a time and least significant first, each restriction whose removal
    does not lower the density significantly; return the box and the dropped dimensions."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    dropped: list[int] = []
    while True:
        pv = restriction_p_values(x, y, box)
        if not pv:
            return box, dropped
        j = max(pv, key=lambda i: (pv[i], -i))
        if pv[j] <= level:
            return box, dropped
        box = box.with_bounds(j, -np.inf, np.inf)
        dropped.append(j)


# ---- the whole method ----------------------------------------------------------------


def _restrictions(
    x: np.ndarray,
    y: np.ndarray,
    box: Box,
    names: Sequence[str],
    labels: Sequence[str],
    discrete: Sequence[np.ndarray | None],
) -> tuple[Restriction, ...]:
    pv = restriction_p_values(x, y, box)
    out = []
    for j in sorted(pv, key=lambda i: (pv[i], i)):
        lo = float(box.low[j]) if np.isfinite(box.low[j]) else None
        hi = float(box.high[j]) if np.isfinite(box.high[j]) else None
        values = None
        vals = discrete[j]
        if vals is not None:
            kept = vals[(vals >= box.low[j]) & (vals <= box.high[j])]
            values = tuple(float(v) for v in kept)
        out.append(Restriction(names[j], labels[j], lo, hi, values, float(pv[j])))
    return tuple(out)


def prim(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    holdout: float = 0.5,
    max_boxes: int = 3,
    pasting: bool = False,
    scenario: str = "",
    outcome: str = "settlement",
) -> DiscoveryResult:
    """Find the boxes where ``y == 1`` concentrates.

    Parameters
    ----------
    x : ndarray, shape (n, d)
        One row per replicate, one column per parameter (``names``).
    y : ndarray of bool or {0, 1}, shape (n,)
        Whether the replicate ended in ``outcome``.
    alpha, min_mass : float
        Peeling share and smallest box mass (share of the peeled replicates).
    holdout : float, 0 or 0.5
        0.5: peel on the replicates in even rows and measure on the odd rows (the
        replicates are independent, so the split needs no random numbers); 0: use every
        replicate for both (in-sample numbers, optimistic).
    max_boxes : int
        At most this many boxes (covering).
    pasting : bool
        Grow each peeled box back where that raises its density (on the peeled half)
        before it is simplified.

    Each box of the covering sequence is the trajectory's chosen box (see
    :func:`trajectory`): peeled, simplified and pasted on the peeled half, chosen and
    measured on the evaluation half. It counts as found when its density's Wilson 95%
    lower bound exceeds the base rate; the search stops at the first box that does not.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y).astype(float)
    if x.ndim != 2 or x.shape[0] != y.shape[0]:
        raise ValueError("x must have shape (n, d) and y shape (n,)")
    if not 0 < alpha < 0.5:
        raise NegsimError(f"--peel must be in (0, 0.5) (got {alpha})")
    if not 0 < min_mass < 1:
        raise NegsimError(f"--min-mass must be in (0, 1) (got {min_mass})")
    if holdout not in (0, 0.5):
        raise ValueError("holdout must be 0 or 0.5")
    n, d = x.shape
    labels = list(labels) if labels is not None else [parameter_label(nm) for nm in names]
    if d == 0:
        raise NegsimError("no uncertain parameters to search (give some as distributions)")
    if np.any(~np.isfinite(x)):
        raise NegsimError("some parameter values are missing or infinite")
    discrete: list[np.ndarray | None] = []
    for j in range(d):
        vals = np.unique(x[:, j])
        discrete.append(vals if vals.size <= MAX_DISCRETE_VALUES else None)
    if holdout:
        train = np.arange(n) % 2 == 0
        test = ~train
    else:
        train = test = np.ones(n, dtype=bool)
    xt, yt, xe, ye = x[train], y[train], x[test], y[test]
    cases_e = float(ye.sum())
    base_rate = cases_e / len(ye) if len(ye) else float("nan")
    notes = []
    if holdout:
        notes.append(
            "boxes were peeled on half of the replicates and are measured on the other half"
        )
    boxes: list[FoundBox] = []
    left_t = np.ones(len(yt), dtype=bool)
    left_e = np.ones(len(ye), dtype=bool)
    for _ in range(max_boxes):
        if yt[left_t].sum() < 1 or ye[left_e].sum() < 1:
            break
        peeled = peel(xt[left_t], yt[left_t], alpha=alpha, min_mass=min_mass, n_total=len(yt))
        traj = trajectory(
            peeled,
            xt[left_t],
            yt[left_t],
            xe[left_e],
            ye[left_e],
            cases_eval=cases_e,
            n_eval_total=len(ye),
            pasting=pasting,
            alpha=alpha,
        )
        box = traj.boxes[traj.chosen]
        dropped = np.flatnonzero(traj.peeled[traj.chosen].restricted() & ~box.restricted())
        inside = box.contains(xe) & left_e
        n_in, k_in = int(inside.sum()), int(ye[inside].sum())
        lo, hi = wilson_interval(k_in, n_in)
        density = k_in / n_in if n_in else float("nan")
        significant = bool(box.restricted().any() and n_in and float(lo) > base_rate)
        found = FoundBox(
            box=box,
            restrictions=_restrictions(xe[left_e], ye[left_e], box, names, labels, discrete),
            dropped=tuple(names[int(j)] for j in dropped),
            trajectory=traj,
            coverage=k_in / cases_e if cases_e else float("nan"),
            density=density,
            density_ci95=(float(lo), float(hi)),
            mass=n_in / len(ye),
            cases=k_in,
            n_in=n_in,
            significant=significant,
        )
        boxes.append(found)
        if not significant:
            break
        left_t &= ~box.contains(xt)
        left_e &= ~inside
    return DiscoveryResult(
        scenario=scenario,
        outcome=outcome,
        names=tuple(names),
        labels=tuple(labels),
        n=n,
        cases=int(y.sum()),
        n_eval=len(ye),
        cases_eval=int(cases_e),
        base_rate=base_rate,
        alpha=alpha,
        min_mass=min_mass,
        holdout=holdout,
        boxes=tuple(boxes),
        notes=tuple(notes),
    )


# ---- words ---------------------------------------------------------------------------


def _num(v: float) -> str:
    if float(v).is_integer() and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.3g}"


def describe_restriction(r: Restriction) -> str:
    """``"North's war cost per round above 0.006"``, ``"... in {26, 52}"``."""
    if r.values is not None:
        if len(r.values) == 1:
            return f"{r.label} = {_num(r.values[0])}"
        return f"{r.label} in {{{', '.join(_num(v) for v in r.values)}}}"
    if r.low is not None and r.high is not None:
        return f"{r.label} between {_num(r.low)} and {_num(r.high)}"
    if r.low is not None:
        return f"{r.label} above {_num(r.low)}"
    return f"{r.label} below {_num(r.high)}"  # type: ignore[arg-type]


def describe_box(found: FoundBox) -> str:
    """The restrictions of a box joined with "and"."""
    if not found.restrictions:
        return "anywhere (no restriction)"
    return " and ".join(describe_restriction(r) for r in found.restrictions)


def _pct(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{100 * x:.1f}%" if x < 0.1 else f"{100 * x:.0f}%"


def format_discovery(res: DiscoveryResult) -> str:
    """The report printed by ``negsim discover`` (and written to ``discovery.txt``)."""
    o = res.outcome.replace("_", " ")
    where = "the held-out half" if res.holdout else "all replicates"
    share = res.cases / res.n if res.n else float("nan")
    lines = [
        f"{res.scenario}: where {o} concentrates (PRIM scenario discovery)",
        f"{res.cases:,} of {res.n:,} replicates ended in {o} ({_pct(share)}); "
        f"{len(res.names)} uncertain parameters searched; peel {res.alpha:g}, "
        f"min mass {res.min_mass:g}.",
        textwrap.fill(
            f"coverage = share of all {o} replicates that fall in the box; density = share of "
            f"the box's replicates that end in {o}. Both are measured on {where} "
            f"({res.cases_eval:,} {o} replicates of {res.n_eval:,}; base rate "
            f"{_pct(res.base_rate)}).",
            100,
        ),
        "",
    ]
    if not res.found:
        lines.append(
            f"No box holds {o} significantly more often than the base rate "
            f"({_pct(res.base_rate)}): no combination of these parameters "
            f"explains {o} at this sample size. More --runs may help."
        )
    for i, b in enumerate(res.found, start=1):
        lo, hi = b.density_ci95
        earlier = "" if i == 1 else " (outside box 1)" if i == 2 else f" (outside boxes 1-{i - 1})"
        lines.append(
            f"Box {i}{earlier}: coverage {_pct(b.coverage)} "
            f"({b.cases:,} of {res.cases_eval:,} {o}), density {_pct(b.density)} "
            f"[95%: {_pct(lo)}, {_pct(hi)}] ({b.cases:,} of {b.n_in:,} replicates), "
            f"mass {_pct(b.mass)}"
        )
        for k, r in enumerate(b.restrictions):
            lines.append(
                f"    {'where' if k == 0 else '  and'} {describe_restriction(r)}"
                f"   (p = {r.p_value:.2g})"
            )
        if b.dropped:
            lines.append(
                f"    ({len(b.dropped)} peeled restriction(s) dropped: they did not raise "
                "the density significantly)"
            )
        lines.append(
            textwrap.fill(
                f"In words: {o} is {_ratio(b.density, res.base_rate)} when {describe_box(b)}.",
                100,
                initial_indent="    ",
                subsequent_indent="    ",
            )
        )
        lines.append("")
    if res.found:
        outside = 1 - sum(b.coverage for b in res.found)
        more = (
            "No further box is significantly denser than the base rate; "
            if any(not b.significant for b in res.boxes)
            else ""
        )
        lines.append(f"{more}{_pct(outside)} of {o} lies outside the boxes.")
    for note in res.notes:
        lines.append(f"Note: {note}.")
    return "\n".join(lines).rstrip() + "\n"


def _ratio(density: float, base: float) -> str:
    if not (np.isfinite(density) and np.isfinite(base)) or base <= 0:
        return f"{_pct(density)} likely"
    return f"{density / base:.1f} times as likely as overall ({_pct(density)} vs {_pct(base)})"


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if not np.isfinite(v) else f"{v:.10g}"
    text = str(v)
    if any(ch in text for ch in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def discovery_csvs(res: DiscoveryResult) -> dict[str, str]:
    """``boxes.csv`` (one row per restriction of each box found) and ``trajectory.csv``
    (every box of every peeling trajectory)."""
    head = [
        "box",
        "parameter",
        "label",
        "low",
        "high",
        "values",
        "p_value",
        "coverage",
        "density",
        "density_ci95_low",
        "density_ci95_high",
        "mass",
        "cases",
        "replicates",
    ]
    rows: list[list[Any]] = [head]
    for i, b in enumerate(res.found, start=1):
        for r in b.restrictions:
            rows.append(
                [
                    i,
                    r.name,
                    r.label,
                    r.low,
                    r.high,
                    None if r.values is None else " ".join(_num(v) for v in r.values),
                    r.p_value,
                    b.coverage,
                    b.density,
                    b.density_ci95[0],
                    b.density_ci95[1],
                    b.mass,
                    b.cases,
                    b.n_in,
                ]
            )
    boxes = "\n".join(",".join(_cell(v) for v in row) for row in rows) + "\n"
    thead = [
        "box",
        "step",
        "coverage",
        "density",
        "mass",
        "restricted",
        "peeled_density",
        "simple_coverage",
        "simple_density",
        "simple_mass",
        "simple_restricted",
        "chosen",
    ]
    trows: list[list[Any]] = [thead]
    for i, b in enumerate(res.boxes, start=1):
        t = b.trajectory
        for s in range(len(t.boxes)):
            trows.append(
                [
                    i,
                    s,
                    float(t.coverage[s]),
                    float(t.density[s]),
                    float(t.mass[s]),
                    int(t.restricted[s]),
                    float(t.peeled_density[s]),
                    float(t.simple_coverage[s]),
                    float(t.simple_density[s]),
                    float(t.simple_mass[s]),
                    int(t.simple_restricted[s]),
                    int(s == t.chosen),
                ]
            )
    traj = "\n".join(",".join(_cell(v) for v in row) for row in trows) + "\n"
    return {"boxes.csv": boxes, "trajectory.csv": traj}


def discovery_json(res: DiscoveryResult) -> dict[str, Any]:
    def f(v: float | None) -> float | None:
        return None if v is None or not np.isfinite(v) else float(v)

    return {
        "scenario": res.scenario,
        "outcome": res.outcome,
        "replicates": res.n,
        "cases": res.cases,
        "evaluated_on": {
            "replicates": res.n_eval,
            "cases": res.cases_eval,
            "holdout": res.holdout,
            "base_rate": f(res.base_rate),
        },
        "peel": res.alpha,
        "min_mass": res.min_mass,
        "parameters": list(res.names),
        "boxes": [
            {
                "coverage": f(b.coverage),
                "density": f(b.density),
                "density_ci95": [f(b.density_ci95[0]), f(b.density_ci95[1])],
                "mass": f(b.mass),
                "cases": b.cases,
                "replicates": b.n_in,
                "significant": b.significant,
                "description": describe_box(b),
                "restrictions": [
                    {
                        "parameter": r.name,
                        "label": r.label,
                        "low": f(r.low),
                        "high": f(r.high),
                        "values": None if r.values is None else list(r.values),
                        "p_value": f(r.p_value),
                    }
                    for r in b.restrictions
                ],
                "dropped": list(b.dropped),
                "trajectory": {
                    "coverage": [f(v) for v in b.trajectory.coverage],
                    "density": [f(v) for v in b.trajectory.density],
                    "mass": [f(v) for v in b.trajectory.mass],
                    "restricted": [int(v) for v in b.trajectory.restricted],
                    "simple_coverage": [f(v) for v in b.trajectory.simple_coverage],
                    "simple_density": [f(v) for v in b.trajectory.simple_density],
                    "simple_restricted": [int(v) for v in b.trajectory.simple_restricted],
                    "chosen": b.trajectory.chosen,
                },
            }
            for b in res.boxes
        ],
        "notes": list(res.notes),
    }


# ---- reading a results folder --------------------------------------------------------


def read_replicates(folder: str | Path, outcome: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The ``param.*`` columns and the outcome indicator of a results folder's
    ``replicates.csv``: (parameter paths, x of shape (n, d), y of shape (n,))."""
    path = Path(folder) / "replicates.csv"
    if not path.is_file():
        raise NegsimError(f"{folder}: no replicates.csv (not a negsim run folder)")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise NegsimError(f"{path}: empty file") from None
        if "outcome" not in header:
            raise NegsimError(f"{path}: no 'outcome' column")
        oc = header.index("outcome")
        # an event (ceasefire_by:DATE) is read from its 0/1 column (ceasefire_by.DATE)
        event = outcome.replace(":", ".", 1) if ":" in outcome else None
        if event is not None:
            if event not in header:
                raise NegsimError(
                    f"{path}: no '{event}' column (list the date in the scenario's report_dates)"
                )
            oc = header.index(event)
        cols = [i for i, h in enumerate(header) if h.startswith("param.")]
        if not cols:
            raise NegsimError(
                f"{path}: no param.* columns (the scenario has no uncertain parameters)"
            )
        xs, ys = [], []
        for line, row in enumerate(reader, start=2):
            if len(row) != len(header):
                raise NegsimError(f"{path}:{line}: {len(row)} fields, expected {len(header)}")
            try:
                xs.append([float(row[i]) for i in cols])
            except ValueError:
                raise NegsimError(f"{path}:{line}: a parameter value is not a number") from None
            aliases = (outcome, *(old for old, new in OUTCOME_ALIASES.items() if new == outcome))
            ys.append(row[oc] == "1" if event is not None else row[oc] in aliases)
    if not xs:
        raise NegsimError(f"{path}: no replicates")
    return (
        [header[i][len("param.") :] for i in cols],
        np.array(xs, dtype=float),
        np.array(ys, dtype=bool),
    )


def labels_for(names: Sequence[str], scenario: Any = None) -> list[str]:
    """Readable labels, made unique (a path is appended to a label that repeats)."""
    labels = [parameter_label(nm, scenario) for nm in names]
    counts: dict[str, int] = {}
    for lab in labels:
        counts[lab] = counts.get(lab, 0) + 1
    return [
        lab if counts[lab] == 1 else f"{lab} ({nm})" for lab, nm in zip(labels, names, strict=True)
    ]
