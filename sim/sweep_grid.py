"""Parameter sweeps: outcome probabilities as one or two scenario values vary.

Every point of a sweep is the scenario with ``--set PATH=VALUE`` applied, run with the
same seed and the same replicate indices. Replicate *i* therefore sees the same draws of
every other parameter and the same shocks at every point (common random numbers), so the
difference between two points is the effect of the swept value, not sampling noise. The
differences from the first point get paired 95% intervals, which are much narrower than
the intervals of the probabilities themselves.

A point runs exactly as ``negsim run --set PATH=VALUE`` would (the same chunks, seeded by
chunk index), so its numbers equal that run's, whatever the number of workers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import NegsimError
from sim.executors import map_ordered
from sim.limits import check_sweep_values
from sim.outcomes import OUTCOME_LABELS, Outcome

__all__ = [
    "PARALLEL_MIN_REPLICATES",
    "SweepAxis",
    "SweepResult",
    "axes_from_options",
    "format_sweep",
    "make_axis",
    "parse_range",
    "parse_values",
    "run_sweep",
    "sweep_csv",
]

MAX_POINTS = 10_000
"""Largest grid a sweep accepts (a guard against a mistyped range)."""

PARALLEL_MIN_REPLICATES = 20_000
"""Below this many replicates in all, work runs in this process: starting worker
processes (each imports numpy, scipy and mesa) costs more than it saves. The numbers are
the same either way."""

RESERVED = ("seed", "runs", "name", "description")


# ---- the points ----------------------------------------------------------------------


@dataclass(frozen=True)
class SweepAxis:
    """One swept parameter: its dotted path, its values, and each value as written into
    the ``PATH=VALUE`` override."""

    param: str
    values: tuple[float, ...]
    texts: tuple[str, ...]


def _number_text(x: float) -> str:
    """A value as YAML text: whole numbers without a decimal point (``rounds`` must be a
    whole number), others with 10 significant digits."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    text = f"{x:.10g}"
    if "e" in text and "." not in text.split("e")[0]:  # YAML 1.1 needs 1.0e-3, not 1e-3
        mant, exp = text.split("e")
        text = f"{mant}.0e{exp}"
    return text


def parse_values(text: str) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """``"4,8,16"`` -> the numbers and their texts. Numbers only (a figure needs an axis)."""
    items = [t.strip() for t in text.split(",")]
    if not items or any(not t for t in items):
        raise NegsimError(f"--values: expected numbers separated by commas (got {text!r})")
    values = []
    for t in items:
        try:
            v = float(t)
        except ValueError:
            raise NegsimError(f"--values: {t!r} is not a number (in {text!r})") from None
        if not math.isfinite(v):
            raise NegsimError(f"--values: {t!r} is not a finite number")
        values.append(v)
    if len(set(values)) != len(values):
        raise NegsimError(f"--values: a value is repeated (in {text!r})")
    return tuple(values), tuple(_number_text(v) for v in values)


def parse_range(text: str) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """``"LOW:HIGH:N"`` -> N evenly spaced numbers from LOW to HIGH, both included."""
    parts = text.split(":")
    if len(parts) != 3:
        raise NegsimError(f"--range: expected LOW:HIGH:N (got {text!r})")
    try:
        low, high = float(parts[0]), float(parts[1])
        n = int(parts[2])
    except ValueError:
        raise NegsimError(
            f"--range: expected LOW:HIGH:N with numbers and a whole N (got {text!r})"
        ) from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise NegsimError(f"--range: LOW and HIGH must be finite (got {text!r})")
    if n < 2 or low == high:
        raise NegsimError(
            f"--range: need N >= 2 and LOW != HIGH (got {text!r}); use --values for one value"
        )
    values = np.linspace(low, high, n)
    # round away float noise (0.30000000000000004) so the override text is clean
    values = np.array([float(f"{v:.12g}") for v in values])
    return tuple(float(v) for v in values), tuple(_number_text(v) for v in values)


def make_axis(param: str, values: Sequence[float]) -> SweepAxis:
    """A swept parameter from its dotted path and its values (checked as ``--values``)."""
    vals, texts = parse_values(",".join(_number_text(float(v)) for v in values))
    return SweepAxis(param, vals, texts)


def axes_from_options(
    params: Sequence[str], values: Sequence[str] | None, ranges: Sequence[str] | None
) -> list[SweepAxis]:
    """Pair each ``--param`` with its ``--values`` or ``--range``, in the order given.

    With two parameters, give both as ``--values`` or both as ``--range``: argparse keeps
    the two options in separate lists, so a mix cannot be paired reliably.
    """
    values = list(values or [])
    ranges = list(ranges or [])
    params = list(params)
    if not 1 <= len(params) <= 2:
        raise NegsimError(f"sweep takes one or two --param (got {len(params)})")
    if len(set(params)) != len(params):
        raise NegsimError(f"--param {params[0]} is given twice")
    for p in params:
        if p in RESERVED:
            raise NegsimError(f"--param {p}: not a model parameter (use --{p} to set it)")
    if len(values) + len(ranges) != len(params):
        raise NegsimError(
            f"give one --values or --range per --param ({len(params)} --param, "
            f"{len(values)} --values, {len(ranges)} --range)"
        )
    if values and ranges and len(params) > 1:
        raise NegsimError(
            "with two --param, give both as --values or both as --range (a range "
            "LOW:HIGH:N can be written out as --values)"
        )
    specs = [parse_values(v) for v in values] + [parse_range(r) for r in ranges]
    for param, (vals, texts) in zip(params, specs, strict=True):
        check_sweep_values(param, vals, texts)
    axes = [SweepAxis(p, vals, texts) for p, (vals, texts) in zip(params, specs, strict=True)]
    n_points = math.prod(len(a.values) for a in axes)
    if n_points > MAX_POINTS:
        raise NegsimError(f"the sweep has {n_points:,} points (at most {MAX_POINTS:,})")
    return axes


def grid_points(axes: Sequence[SweepAxis]) -> list[tuple[int, ...]]:
    """Index tuples of every point; the first parameter varies slowest."""
    return list(itertools.product(*(range(len(a.values)) for a in axes)))


# ---- running work in order -----------------------------------------------------------


def _point_chunk(
    scenario: Any, seed: int, chunk: Any, events: tuple[str, ...] = ()
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """One chunk of one sweep point: outcome codes, end rounds, terms, and the indicators
    of the events asked for and of the scenario's report dates."""
    from sim.ensemble import run_chunk
    from sim.outcomes import event_names, indicator

    out = run_chunk(scenario, seed, chunk, with_csv=False, keep_params=False)
    r = out.result
    names = dict.fromkeys([*event_names(r), *events])
    return r.outcome, r.end_round, r.terms, {e: indicator(r, e) for e in names}


# ---- the result ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SweepResult:
    """Every replicate's outcome at every point of a sweep.

    Attributes
    ----------
    scenario : str
    axes : tuple of SweepAxis
        One or two swept parameters.
    points : tuple of tuple of int
        Index into each axis' values, per point (first axis slowest).
    seed, runs : int
        The shared seed and the replicates per point.
    issues : tuple of str
    outcome : ndarray, shape (P, runs), int8
        Outcome codes of replicate i at point p (replicate i is the same draw everywhere).
    end_round : ndarray, shape (P, runs)
    terms : ndarray, shape (P, runs, K)
        Agreed terms (NaN without agreement).
    events : dict of str to ndarray, shape (P, runs)
        Events along the way (``ceasefire_by:2026-03-31``), per replicate.
    """

    scenario: str
    axes: tuple[SweepAxis, ...]
    points: tuple[tuple[int, ...], ...]
    seed: int
    runs: int
    issues: tuple[str, ...]
    outcome: np.ndarray
    end_round: np.ndarray
    terms: np.ndarray
    events: dict[str, np.ndarray] = field(default_factory=dict)

    def point_values(self, p: int) -> tuple[float, ...]:
        return tuple(a.values[i] for a, i in zip(self.axes, self.points[p], strict=True))

    def counts(self) -> np.ndarray:
        """(P, C) replicates per point and outcome class."""
        return np.stack(
            [np.bincount(o.astype(np.int64), minlength=len(Outcome)) for o in self.outcome]
        )

    def rows(self) -> list[dict[str, Any]]:
        """One row per point and outcome class (the rows of ``sweep.csv``)."""
        from sim.stats import mean_and_se, paired_difference_interval, wilson_interval

        counts = self.counts()
        rows = []
        for p in range(len(self.points)):
            agreed = self.outcome[p] == Outcome.AGREEMENT
            for c, label in enumerate(OUTCOME_LABELS):
                k = int(counts[p, c])
                lo, hi = wilson_interval(k, self.runs)
                ind = (self.outcome[p] == c).astype(float)
                first = (self.outcome[0] == c).astype(float)
                dlo, dhi = paired_difference_interval(ind, first)
                row: dict[str, Any] = {
                    a.param: v for a, v in zip(self.axes, self.point_values(p), strict=True)
                }
                row.update(
                    outcome=label,
                    runs=self.runs,
                    count=k,
                    p=k / self.runs,
                    ci95_low=float(lo),
                    ci95_high=float(hi),
                    diff_vs_first=float(ind.mean() - first.mean()),
                    diff_ci95_low=float(dlo),
                    diff_ci95_high=float(dhi),
                )
                for j, issue in enumerate(self.issues):
                    if label == "settlement" and agreed.any():
                        m, se = mean_and_se(self.terms[p, agreed, j])
                        row[f"terms.{issue}.mean"] = float(m)
                        row[f"terms.{issue}.se"] = float(se)
                    else:
                        row[f"terms.{issue}.mean"] = None
                        row[f"terms.{issue}.se"] = None
                if label == "settlement" and agreed.any():
                    row["mean_end_round"] = float(self.end_round[p, agreed].mean())
                else:
                    row["mean_end_round"] = None
                rows.append(row)
            for name, hit in self.events.items():
                k = int(hit[p].sum())
                lo, hi = wilson_interval(k, self.runs)
                dlo, dhi = paired_difference_interval(hit[p].astype(float), hit[0].astype(float))
                row = {a.param: v for a, v in zip(self.axes, self.point_values(p), strict=True)}
                row.update(
                    outcome=name,
                    runs=self.runs,
                    count=k,
                    p=k / self.runs,
                    ci95_low=float(lo),
                    ci95_high=float(hi),
                    diff_vs_first=float(hit[p].mean() - hit[0].mean()),
                    diff_ci95_low=float(dlo),
                    diff_ci95_high=float(dhi),
                )
                for issue in self.issues:
                    row[f"terms.{issue}.mean"] = None
                    row[f"terms.{issue}.se"] = None
                row["mean_end_round"] = None
                rows.append(row)
        return rows

    def curve(self) -> Any:
        """The one-parameter figure's data (:class:`sim.plot_data.SweepCurve`)."""
        from sim.plot_data import prepare_sweep_from_counts

        if len(self.axes) != 1:
            raise ValueError("a curve needs a one-parameter sweep")
        counts = self.counts()
        return prepare_sweep_from_counts(
            self.axes[0].param,
            self.axes[0].values,
            [
                {lab: int(counts[p, c]) for c, lab in enumerate(OUTCOME_LABELS)}
                for p in range(len(self.points))
            ],
            scenario=self.scenario,
        )

    def grid(self, outcome: str = "settlement") -> Any:
        """The two-parameter heat map's data (:class:`sim.plot_data.SweepGrid`): rows follow
        the second parameter, columns the first."""
        from sim.plot_data import prepare_sweep_grid_from_counts

        if len(self.axes) != 2:
            raise ValueError("a grid needs a two-parameter sweep")
        nx, ny = len(self.axes[0].values), len(self.axes[1].values)
        if outcome in self.events:
            k = self.events[outcome].sum(axis=1).reshape(nx, ny).T
        else:
            c = OUTCOME_LABELS.index(outcome)
            k = self.counts()[:, c].reshape(nx, ny).T
        n = np.full((ny, nx), self.runs)
        return prepare_sweep_grid_from_counts(
            (self.axes[0].param, self.axes[1].param),
            self.axes[0].values,
            self.axes[1].values,
            k,
            n,
            outcome,
            scenario=self.scenario,
        )


def run_sweep(
    file: str,
    axes: Sequence[SweepAxis],
    *,
    overrides: Iterable[str] = (),
    runs: int,
    seed: int,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    load: Callable[..., Any] | None = None,
    chunk_size: int | None = None,
    events: Sequence[str] = (),
) -> SweepResult:
    """Run the scenario at every point of the grid on common random numbers.

    Parameters
    ----------
    file : str
        The scenario file.
    axes : sequence of SweepAxis
        One or two swept parameters (see :func:`axes_from_options`).
    overrides : iterable of str
        ``--set`` overrides applied before the swept value.
    runs, seed : int
        Replicates per point and the seed every point shares.
    jobs, executor, scheduler
        Where the chunks run (see :func:`sim.executors.map_ordered`); the numbers do not
        depend on it.
    progress : callable, optional
        Called with the number of replicates each finished chunk held.
    load : callable, optional
        ``load(file, overrides)`` -> Scenario (default :func:`sim.loader.load_scenario`).
    chunk_size : int, optional
        Replicates per chunk (default ``sim.ensemble.CHUNK_SIZE``, as ``negsim run``).
    """
    from sim.ensemble import plan_chunks
    from sim.loader import load_scenario

    read = load_scenario if load is None else load
    overrides = list(overrides)
    points = grid_points(axes)
    scenarios = []
    for idx in points:
        sets = [f"{a.param}={a.texts[i]}" for a, i in zip(axes, idx, strict=True)]
        scenarios.append(read(file, [*overrides, *sets]))
    chunks = plan_chunks(runs) if chunk_size is None else plan_chunks(runs, chunk_size)
    tasks = [(s, seed, c, tuple(events)) for s in scenarios for c in chunks]
    parts = []
    for out in map_ordered(
        _point_chunk,
        tasks,
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
        serial=runs * len(points) < PARALLEL_MIN_REPLICATES,
    ):
        parts.append(out)
        if progress is not None:
            progress(len(out[0]))
    per_point = len(chunks)
    outcome = np.stack(
        [
            np.concatenate([parts[p * per_point + k][0] for k in range(per_point)])
            for p in range(len(points))
        ]
    )
    end_round = np.stack(
        [
            np.concatenate([parts[p * per_point + k][1] for k in range(per_point)])
            for p in range(len(points))
        ]
    )
    terms = np.stack(
        [
            np.concatenate([parts[p * per_point + k][2] for k in range(per_point)])
            for p in range(len(points))
        ]
    )
    names = list(parts[0][3]) if parts else []
    event_hits = {
        e: np.stack(
            [
                np.concatenate([parts[p * per_point + k][3][e] for k in range(per_point)])
                for p in range(len(points))
            ]
        )
        for e in names
    }
    first = scenarios[0]
    return SweepResult(
        first.name,
        tuple(axes),
        tuple(points),
        seed,
        runs,
        first.issue_names,
        outcome,
        end_round,
        terms,
        event_hits,
    )


# ---- text and files ------------------------------------------------------------------


def _csv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v)


def sweep_csv(result: SweepResult) -> str:
    """``sweep.csv``: one row per point and outcome class.

    Columns: the swept parameters, ``outcome``, ``runs``, ``count``, ``p`` with its Wilson
    95% interval, the paired difference from the first point with its 95% interval, and
    on agreement rows the mean agreed terms per issue (with standard errors) and the mean
    round of agreement.
    """
    rows = result.rows()
    header = list(rows[0])
    lines = [",".join(header)]
    lines += [",".join(_csv_cell(r[h]) for h in header) for r in rows]
    return "\n".join(lines) + "\n"


def format_sweep(result: SweepResult) -> str:
    """A readable table: probability of each class [95% interval] at each point."""
    counts = result.counts()
    from sim.stats import wilson_interval

    params = [a.param for a in result.axes]
    pw = [max(len(p), 8) for p in params]
    cell = 22
    head = "".join(f"{p:<{w + 2}}" for p, w in zip(params, pw, strict=True)) + "".join(
        f"{lab:>{cell}}" for lab in OUTCOME_LABELS
    )
    lines = [
        f"{result.scenario}: outcome probability [95% interval] at each point",
        f"{result.runs:,} replicates per point, seed {result.seed}; every point sees the same "
        "draws and shocks (common random numbers)",
        "",
        head,
    ]
    for p in range(len(result.points)):
        vals = result.point_values(p)
        left = "".join(f"{_number_text(v):<{w + 2}}" for v, w in zip(vals, pw, strict=True))
        cells = ""
        for c in range(len(OUTCOME_LABELS)):
            k = int(counts[p, c])
            lo, hi = wilson_interval(k, result.runs)
            cells += f"{k / result.runs:.3f} [{lo:.3f},{hi:.3f}]".rjust(cell)
        lines.append(left + cells)
    return "\n".join(lines)
