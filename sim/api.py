"""The Python API: what every ``negsim`` command does, callable from a script or notebook.

``import sim`` gives :func:`load`, :func:`run`, :func:`compare`, :func:`sweep`,
:func:`sensitivity`, :func:`discover` and :func:`trace`. They run the same engine as the
command line, which calls them, so the same scenario and seed give the same numbers. Each
returns a result object with

* ``.summary``: a dict (the content of the command's JSON file, e.g. ``summary.json``),
* ``.replicates``: a pandas DataFrame, one row per replicate (per point and replicate for
  sweeps and designs),
* ``.rounds``: round-by-round data where recorded (a DataFrame for :func:`trace`), else None,
* ``.save(folder)``: writes the files the command writes (figures included) and returns the
  folder,
* ``plot_*(ax=None)`` methods returning a matplotlib Figure, drawn into ``ax`` when given.

Scenarios may be given as a file path or as a :class:`~sim.scenario.Scenario` from
:func:`load`. ``runs`` and ``seed`` default to the scenario's own.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import NegsimError
from sim.io import manifest, utc_now, write_json_atomic, write_text_atomic
from sim.outcomes import OUTCOME_LABELS, EnsembleResult
from sim.scenario import Scenario

if TYPE_CHECKING:
    import pandas
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.discovery import DiscoveryResult
    from sim.global_sensitivity import Design, Problem, SensitivityResult
    from sim.sweep_grid import SweepAxis, SweepResult

__all__ = [
    "Comparison",
    "Discovery",
    "Run",
    "Sensitivity",
    "Sweep",
    "Trace",
    "compare",
    "discover",
    "load",
    "run",
    "sensitivity",
    "sweep",
    "trace",
]

PathLike = str | os.PathLike[str]
ScenarioLike = Scenario | PathLike
Progress = Callable[[int], None] | None

SENSITIVITY_FIGURE_TOP = 20  # parameters in the sensitivity bar chart (all are in the CSV)


# ---- shared pieces ---------------------------------------------------------------------


def load(file: PathLike, overrides: Iterable[str] = ()) -> Scenario:
    """A scenario file, validated, with ``PATH=VALUE`` overrides applied (as ``--set``).

    Bad input raises :class:`sim.errors.ScenarioError` with the one-line message the
    command line prints.
    """
    from sim.loader import load_scenario

    return load_scenario(file, list(overrides))


def _scenario(scenario: ScenarioLike, overrides: Iterable[str]) -> tuple[Scenario, list[str]]:
    """The scenario and the files it came from (for the manifest)."""
    if isinstance(scenario, Scenario):
        if list(overrides):
            raise NegsimError("overrides apply to a scenario file; load() it with them instead")
        return scenario, [str(scenario.path)] if scenario.path else []
    return load(scenario, overrides), [str(scenario)]


def check_outcome(outcome: str) -> None:
    """An outcome class name, or the one-line error of ``--outcome``."""
    if outcome not in OUTCOME_LABELS:
        raise NegsimError(
            f"--outcome: unknown outcome class {outcome!r} "
            f"(expected one of {', '.join(OUTCOME_LABELS)})"
        )


def _check_executor(executor: str, scheduler: str | None) -> None:
    if executor != "dask" and scheduler:
        raise NegsimError("--scheduler needs --executor dask")


@dataclass
class Provenance:
    """How a result was produced: what ``manifest.json`` records."""

    command: str
    scenario_files: list[str]
    seed: int
    runs: int
    jobs: int
    executor: str
    overrides: list[str]
    started: str = field(default_factory=utc_now)
    extra: dict[str, Any] = field(default_factory=dict)

    def write(self, folder: Path, argv: Sequence[str] | None) -> None:
        write_json_atomic(
            folder / "manifest.json",
            manifest(
                command=self.command,
                scenario_files=self.scenario_files,
                seed=self.seed,
                runs=self.runs,
                jobs=self.jobs,
                executor=self.executor,
                started=self.started,
                argv=None if argv is None else list(argv),
                overrides=self.overrides,
                **self.extra,
            ),
        )


def _save_figure(fig: Figure, folder: Path, name: str, fmt: str) -> Path:
    from sim.plots import save_figure

    return save_figure(fig, folder / "plots" / name, fmt)


def _dataframe(columns: Mapping[str, Any]) -> pandas.DataFrame:
    import pandas as pd

    return pd.DataFrame({k: np.asarray(v) for k, v in columns.items()})


# ---- run -------------------------------------------------------------------------------


@dataclass(eq=False)
class Run:
    """A Monte Carlo run of one scenario (``negsim run``).

    ``ensemble`` holds every replicate's end state (:class:`~sim.outcomes.EnsembleResult`);
    ``summary`` is the dict of ``summary.json``.
    """

    scenario: Scenario
    seed: int
    runs: int
    ensemble: EnsembleResult
    summary: dict[str, Any]
    provenance: Provenance
    replicates_csv: Path | None = None  # where replicates.csv was streamed, if it was
    rounds: pandas.DataFrame | None = None

    @property
    def replicates(self) -> pandas.DataFrame:
        """One row per replicate: the columns of ``replicates.csv``."""
        if self.replicates_csv is not None and not self.ensemble.params:
            import pandas as pd

            return pd.read_csv(self.replicates_csv, keep_default_na=False, na_values=["nan"])
        return _dataframe(self.ensemble.columns())

    def save(
        self,
        folder: PathLike,
        *,
        plots: bool = True,
        fmt: str = "png",
        argv: Sequence[str] | None = None,
    ) -> Path:
        """Write ``summary.json``, ``scenario.yaml``, ``replicates.csv`` (and ``.parquet``
        with pyarrow), the figures under ``plots/`` and ``manifest.json`` into ``folder``."""
        from sim.loader import dump_scenario
        from sim.runner import REPLICATES_CSV, write_parquet_copy

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(out / "summary.json", self.summary)
        write_text_atomic(out / "scenario.yaml", dump_scenario(self.scenario))
        streamed = self.replicates_csv
        if streamed is None:
            write_text_atomic(out / REPLICATES_CSV, self.ensemble.to_csv_text())
            write_parquet_copy(out)
        elif streamed.resolve() != (out / REPLICATES_CSV).resolve():
            write_text_atomic(out / REPLICATES_CSV, streamed.read_text(encoding="utf-8"))
            write_parquet_copy(out)
        if plots:
            from sim.plots import draw_run_figures

            draw_run_figures(self.ensemble, self.summary, out / "plots", fmt)
        self.provenance.write(out, argv)
        return out

    def _plot_data(self, which: str) -> Any:
        from sim import plot_data as pd

        if which == "outcomes":
            return pd.prepare_outcomes(self.ensemble)
        if which == "terms":
            return pd.prepare_terms(self.ensemble, self.summary.get("ideals"))
        if which == "time_to_end":
            return pd.prepare_time_to_end(self.ensemble)
        if which == "end_state":
            return pd.prepare_end_state(self.ensemble)
        return pd.prepare_strikes(self.ensemble)

    def plot_outcomes(self, ax: Axes | None = None) -> Figure:
        """Outcome probabilities with their 95% intervals."""
        from sim.plots import plot_outcome_probabilities

        return plot_outcome_probabilities(self._plot_data("outcomes"), ax=ax)

    def plot_terms(self, ax: Axes | None = None) -> Figure:
        """The agreed terms per issue."""
        from sim.plots import plot_terms

        return plot_terms(self._plot_data("terms"), ax=ax)

    def plot_time_to_end(self, ax: Axes | None = None) -> Figure:
        """Cumulative probability of each outcome by round."""
        from sim.plots import plot_time_to_end

        return plot_time_to_end(self._plot_data("time_to_end"), ax=ax)

    def plot_end_state(self, ax: Axes | None = None) -> Figure:
        """Front line and costs at the end."""
        from sim.plots import plot_end_state

        return plot_end_state(self._plot_data("end_state"), ax=ax)

    def plot_agreement_by_strikes(self, ax: Axes | None = None) -> Figure:
        """Agreement by the number of strikes a replicate saw."""
        from sim.plots import plot_agreement_by_strikes

        return plot_agreement_by_strikes(self._plot_data("strikes"), ax=ax)


def run(
    scenario: ScenarioLike,
    runs: int | None = None,
    seed: int | None = None,
    *,
    overrides: Iterable[str] = (),
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Progress = None,
    stream_to: PathLike | None = None,
) -> Run:
    """Run ``runs`` replicates of a scenario (``negsim run``).

    ``stream_to`` writes ``replicates.csv`` into that folder as the chunks finish and
    keeps the drawn parameters out of memory (for very large runs); ``.replicates`` then
    reads the file back. ``progress`` is called with each finished chunk's size.
    """
    _check_executor(executor, scheduler)
    s, files = _scenario(scenario, overrides)
    return _simulate(
        s,
        files,
        runs,
        seed,
        overrides=list(overrides),
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
        progress=progress,
        stream_to=stream_to,
        keep_params=stream_to is None,
    )


def _simulate(
    s: Scenario,
    files: list[str],
    runs: int | None,
    seed: int | None,
    *,
    overrides: list[str],
    jobs: int,
    executor: str,
    scheduler: str | None,
    progress: Progress,
    stream_to: PathLike | None,
    keep_params: bool,
    parquet: bool = True,
) -> Run:
    from sim.runner import REPLICATES_CSV, run_replicates
    from sim.summary import summarize

    runs = runs or s.runs
    seed = s.seed if seed is None else seed
    prov = Provenance("run", files, seed, runs, jobs, executor, overrides)
    out = None if stream_to is None else Path(stream_to)
    ensemble = run_replicates(
        s,
        runs,
        seed,
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
        out_dir=out,
        keep_params=keep_params,
        parquet=parquet,
        progress=progress,
    )
    summary = summarize(ensemble.without_params(), s, seed)
    csv = None if out is None else out / REPLICATES_CSV
    return Run(s, seed, runs, ensemble, summary, prov, csv)


# ---- compare ---------------------------------------------------------------------------


@dataclass(eq=False)
class Comparison:
    """Scenarios compared on common random numbers (``negsim compare``).

    ``summary`` is the dict of ``compare.json``: per scenario, each outcome's probability
    with its interval and its paired difference from the first scenario.
    """

    scenarios: list[Scenario]
    names: list[str]
    ensembles: list[EnsembleResult]
    summary: dict[str, Any]
    provenance: Provenance
    rounds: pandas.DataFrame | None = None

    @property
    def replicates(self) -> pandas.DataFrame:
        """Every scenario's replicates, with a ``scenario`` column first."""
        import pandas as pd

        frames = []
        for name, ens in zip(self.names, self.ensembles, strict=True):
            frame = _dataframe(ens.columns())
            frame.insert(0, "scenario", name)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    @property
    def text(self) -> str:
        """The comparison table as the command prints it."""
        from sim.comparison import format_compare

        return format_compare(self.summary)

    def save(
        self,
        folder: PathLike,
        *,
        plots: bool = True,
        fmt: str = "png",
        argv: Sequence[str] | None = None,
    ) -> Path:
        """Write ``compare.json``, ``compare.csv``, ``plots/compare`` and ``manifest.json``."""
        from sim.comparison import compare_csv

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(out / "compare.json", self.summary)
        write_text_atomic(out / "compare.csv", compare_csv(self.summary))
        if plots:
            from sim.plots import draw_compare_figure

            draw_compare_figure(self.summary, out / "plots", fmt)
        self.provenance.write(out, argv)
        return out

    def plot(self, ax: Axes | None = None) -> Figure:
        """Each scenario's outcome probabilities with their intervals."""
        from sim.plot_data import prepare_compare_from_table
        from sim.plots import plot_compare

        return plot_compare(prepare_compare_from_table(self.summary), ax=ax)


def compare(
    scenarios: Sequence[ScenarioLike],
    runs: int | None = None,
    seed: int | None = None,
    *,
    overrides: Iterable[str] = (),
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Progress = None,
) -> Comparison:
    """Run every scenario with the same seed and runs and compare their outcomes; the first
    is the baseline (``negsim compare``). ``runs`` and ``seed`` default to the first's."""
    from sim.comparison import run_compare, unique_names

    if len(scenarios) < 2:
        raise NegsimError("compare needs at least two scenario files")
    _check_executor(executor, scheduler)
    overrides = list(overrides)
    loaded = [_scenario(s, overrides) for s in scenarios]
    models = [s for s, _ in loaded]
    files = [f for _, fs in loaded for f in fs]
    runs = runs or models[0].runs
    seed = models[0].seed if seed is None else seed
    table, ensembles = run_compare(
        models,
        runs,
        seed,
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
        progress=progress,
    )
    prov = Provenance("compare", files, seed, runs, jobs, executor, overrides)
    return Comparison(models, unique_names([s.name for s in models]), ensembles, table, prov)


# ---- sweep -----------------------------------------------------------------------------


@dataclass(eq=False)
class Sweep:
    """One or two parameters swept over a grid on common random numbers (``negsim sweep``).

    ``summary`` holds the scenario, seed, runs per point, the axes and the rows of
    ``sweep.csv`` (one per point and outcome class).
    """

    result: SweepResult
    provenance: Provenance
    outcome: str = "agreement"
    rounds: pandas.DataFrame | None = None

    @property
    def summary(self) -> dict[str, Any]:
        r = self.result
        return {
            "scenario": r.scenario,
            "seed": r.seed,
            "runs": r.runs,
            "axes": {a.param: list(a.values) for a in r.axes},
            "rows": r.rows(),
        }

    @property
    def replicates(self) -> pandas.DataFrame:
        """One row per point and replicate: the swept values, outcome, end round, terms."""
        r = self.result
        points, runs = r.outcome.shape
        cols: dict[str, Any] = {}
        for a, axis in enumerate(r.axes):
            vals = np.array([r.point_values(p)[a] for p in range(points)])
            cols[axis.param] = np.repeat(vals, runs)
        cols["replicate"] = np.tile(np.arange(runs), points)
        labels = np.asarray(OUTCOME_LABELS, dtype=object)
        cols["outcome"] = labels[r.outcome.astype(np.int64).ravel()]
        cols["end_round"] = r.end_round.ravel()
        for k, issue in enumerate(r.issues):
            cols[f"terms.{issue}"] = r.terms[:, :, k].ravel()
        return _dataframe(cols)

    @property
    def text(self) -> str:
        from sim.sweep_grid import format_sweep

        return format_sweep(self.result)

    def save(
        self,
        folder: PathLike,
        *,
        plots: bool = True,
        fmt: str = "png",
        argv: Sequence[str] | None = None,
    ) -> Path:
        """Write ``sweep.csv``, the figure under ``plots/`` and ``manifest.json``."""
        from sim.sweep_grid import sweep_csv

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "sweep.csv", sweep_csv(self.result))
        if plots:
            if len(self.result.axes) == 1:
                _save_figure(self.plot(), out, "sweep", fmt)
            else:
                _save_figure(self.plot(), out, f"sweep_{self.outcome}", fmt)
        self.provenance.write(out, argv)
        return out

    def plot(self, ax: Axes | None = None, outcome: str | None = None) -> Figure:
        """Outcome probabilities along one swept parameter, or a heat map of ``outcome``
        (default: the one asked for) over two."""
        from sim.plots import plot_sweep, plot_sweep_heatmap

        if len(self.result.axes) == 1:
            return plot_sweep(self.result.curve(), ax=ax)
        return plot_sweep_heatmap(self.result.grid(outcome or self.outcome), ax=ax)


def sweep(
    file: PathLike,
    params: Mapping[str, Sequence[float]] | Sequence[SweepAxis],
    runs: int | None = None,
    seed: int | None = None,
    *,
    overrides: Iterable[str] = (),
    outcome: str = "agreement",
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Progress = None,
) -> Sweep:
    """Run a scenario file at every point of a grid of one or two parameters
    (``negsim sweep``), e.g. ``sweep("s.yaml", {"mediator.pressure.strength": [0, 1]})``.

    ``outcome`` is the class a two-parameter heat map shows.
    """
    from sim.sweep_grid import MAX_POINTS, SweepAxis, make_axis, run_sweep

    check_outcome(outcome)
    _check_executor(executor, scheduler)
    if isinstance(params, Mapping):
        axes = [make_axis(p, v) for p, v in params.items()]
    else:
        axes = list(params)
    if not 1 <= len(axes) <= 2 or not all(isinstance(a, SweepAxis) for a in axes):
        raise NegsimError(f"sweep takes one or two parameters (got {len(axes)})")
    if int(np.prod([len(a.values) for a in axes])) > MAX_POINTS:
        raise NegsimError(f"the sweep has too many points (at most {MAX_POINTS:,})")
    overrides = list(overrides)
    base = load(file, overrides)
    runs = runs or base.runs
    seed = base.seed if seed is None else seed
    result = run_sweep(
        str(file),
        axes,
        overrides=overrides,
        runs=runs,
        seed=seed,
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
        progress=progress,
    )
    prov = Provenance(
        "sweep",
        [str(file)],
        seed,
        runs,
        jobs,
        executor,
        overrides,
        extra={"sweep": {a.param: list(a.values) for a in axes}},
    )
    return Sweep(result, prov, outcome)


# ---- sensitivity -----------------------------------------------------------------------


@dataclass(eq=False)
class Sensitivity:
    """Global sensitivity of one outcome's probability to the uncertain parameters
    (``negsim sensitivity``). ``summary`` is the dict of ``sensitivity.json``."""

    scenario: Scenario
    problem: Problem
    design: Design
    codes: np.ndarray  # (design points, runs per point) outcome codes
    result: SensitivityResult
    provenance: Provenance
    rounds: pandas.DataFrame | None = None

    @property
    def summary(self) -> dict[str, Any]:
        from sim.global_sensitivity import sensitivity_json

        return sensitivity_json(self.result)

    @property
    def indices(self) -> pandas.DataFrame:
        """The indices per parameter: the rows of ``sensitivity.csv``."""
        import io

        import pandas as pd

        from sim.global_sensitivity import sensitivity_csv

        return pd.read_csv(io.StringIO(sensitivity_csv(self.result)))

    @property
    def replicates(self) -> pandas.DataFrame:
        """One row per design point and replicate: the point, the replicate index, the
        parameter values and the outcome."""
        points, runs = self.codes.shape
        cols: dict[str, Any] = {
            "point": np.repeat(np.arange(points), runs),
            "replicate": self.design.replicates().ravel(),
        }
        for k, name in enumerate(self.problem.names):
            cols[f"param.{name}"] = np.repeat(self.design.x[:, k], runs)
        labels = np.asarray(OUTCOME_LABELS, dtype=object)
        cols["outcome"] = labels[self.codes.astype(np.int64).ravel()]
        return _dataframe(cols)

    @property
    def text(self) -> str:
        from sim.global_sensitivity import format_sensitivity

        return format_sensitivity(self.result)

    def design_csv(self) -> str:
        """``design.csv``: one row per design point, its replicate set, values and share."""
        y = (self.codes == OUTCOME_LABELS.index(self.result.outcome)).astype(float)
        names, x, sets, runs = self.problem.names, self.design.x, self.design.sets, self.design.runs
        head = ["point", "replicate_start", "replicates", *(f"param.{n}" for n in names), "p"]
        lines = [",".join(head)]
        for m in range(x.shape[0]):
            vals = ",".join(f"{v:.10g}" for v in x[m])
            lines.append(f"{m},{int(sets[m]) * runs},{runs},{vals},{y[m].mean():.10g}")
        return "\n".join(lines) + "\n"

    def save(
        self,
        folder: PathLike,
        *,
        plots: bool = True,
        fmt: str = "png",
        argv: Sequence[str] | None = None,
    ) -> Path:
        """Write ``design.csv``, ``sensitivity.csv``, ``sensitivity.json``, the figure
        (when the indices are defined) and ``manifest.json``."""
        from sim.global_sensitivity import sensitivity_csv

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "design.csv", self.design_csv())
        write_text_atomic(out / "sensitivity.csv", sensitivity_csv(self.result))
        write_json_atomic(out / "sensitivity.json", self.summary)
        if plots and self.result.defined:
            _save_figure(self.plot(), out, f"sensitivity_{self.result.method}", fmt)
        self.provenance.write(out, argv)
        return out

    def plot(self, ax: Axes | None = None, top: int = SENSITIVITY_FIGURE_TOP) -> Figure:
        """The ``top`` parameters' indices as bars."""
        from sim.plots import plot_sensitivity

        return plot_sensitivity(self.result.plot_data(top), ax=ax)


def sensitivity(
    scenario: ScenarioLike,
    method: str = "sobol",
    n: int | None = None,
    runs: int | None = None,
    seed: int | None = None,
    *,
    overrides: Iterable[str] = (),
    outcome: str = "agreement",
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Progress = None,
) -> Sensitivity:
    """Sobol or Morris indices of ``outcome``'s probability (``negsim sensitivity``).

    ``n``: Sobol base samples or Morris trajectories; ``runs``: replicates per design
    point (both default to the method's defaults).
    """
    from sim.discovery import labels_for
    from sim.global_sensitivity import (
        DEFAULTS,
        analyze,
        evaluate_model,
        make_design,
        problem_from_scenario,
    )
    from sim.loader import yaml_key_path

    check_outcome(outcome)
    _check_executor(executor, scheduler)
    if method not in DEFAULTS:
        raise NegsimError(f"unknown method {method!r} (expected sobol or morris)")
    s, files = _scenario(scenario, overrides)
    n_default, runs_default = DEFAULTS[method]
    n = n or n_default
    runs = runs or runs_default
    seed = s.seed if seed is None else seed
    problem = problem_from_scenario(s)
    design = make_design(problem, method, n, runs, seed)
    codes = evaluate_model(
        s,
        problem,
        design,
        seed,
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
        progress=progress,
    )
    y = (codes == OUTCOME_LABELS.index(outcome)).astype(float)
    result = analyze(
        problem,
        design,
        y,
        seed=seed,
        outcome=outcome,
        labels=labels_for(problem.names, s),
        scenario=s.name,
        file_keys=[yaml_key_path(s, p) for p in problem.names],
    )
    prov = Provenance(
        "sensitivity",
        files,
        seed,
        design.evaluations,
        jobs,
        executor,
        list(overrides),
        extra={"method": method, "n": n, "runs_per_point": runs, "outcome": outcome},
    )
    return Sensitivity(s, problem, design, codes, result, prov)


# ---- discover --------------------------------------------------------------------------


@dataclass(eq=False)
class Discovery:
    """Boxes of parameter space where an outcome concentrates, found by PRIM
    (``negsim discover``). ``summary`` is the dict of ``discovery.json``."""

    result: DiscoveryResult
    names: list[str]
    x: np.ndarray
    y: np.ndarray
    provenance: Provenance
    run: Run | None = None  # the simulated run, when discover ran a scenario
    rounds: pandas.DataFrame | None = None

    @property
    def summary(self) -> dict[str, Any]:
        from sim.discovery import discovery_json

        return discovery_json(self.result)

    @property
    def replicates(self) -> pandas.DataFrame:
        """The simulated replicates (every column), or, for a results folder, its
        parameters and whether the outcome happened."""
        if self.run is not None:
            return self.run.replicates
        cols: dict[str, Any] = {f"param.{n}": self.x[:, j] for j, n in enumerate(self.names)}
        cols[self.result.outcome] = self.y
        return _dataframe(cols)

    @property
    def text(self) -> str:
        from sim.discovery import format_discovery

        return format_discovery(self.result)

    def save(
        self,
        folder: PathLike,
        *,
        plots: bool = True,
        fmt: str = "png",
        argv: Sequence[str] | None = None,
    ) -> Path:
        """Write ``discovery.txt``, ``discovery.json``, the box CSVs, the peeling
        trajectories under ``plots/`` and ``manifest.json``; for a simulated scenario also
        ``summary.json``, ``scenario.yaml`` and ``replicates.csv``."""
        from sim.discovery import discovery_csvs
        from sim.loader import dump_scenario
        from sim.runner import REPLICATES_CSV

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        if self.run is not None:
            write_json_atomic(out / "summary.json", self.run.summary)
            write_text_atomic(out / "scenario.yaml", dump_scenario(self.run.scenario))
            streamed = self.run.replicates_csv
            if streamed is None or streamed.resolve() != (out / REPLICATES_CSV).resolve():
                write_text_atomic(out / REPLICATES_CSV, self.run.ensemble.to_csv_text())
        write_text_atomic(out / "discovery.txt", self.text)
        write_json_atomic(out / "discovery.json", self.summary)
        for fname, text in discovery_csvs(self.result).items():
            write_text_atomic(out / fname, text)
        if plots:
            for i, box in enumerate(self.result.boxes, start=1):
                if i > 1 and not box.significant:
                    break
                name = "prim_trajectory" if i == 1 else f"prim_trajectory_{i}"
                _save_figure(self.plot(i), out, name, fmt)
        self.provenance.write(out, argv)
        return out

    def plot(self, box: int = 1, ax: Axes | None = None) -> Figure:
        """The peeling trajectory of box ``box`` (1 = the first), with the reported,
        simplified box marked."""
        from sim.plot_data import prepare_prim
        from sim.plots import OUTCOME_COLOURS, TICK_SIZE, plot_prim_trajectory

        found = self.result.boxes[box - 1]
        t = found.trajectory
        data = prepare_prim(
            np.nan_to_num(t.coverage),
            np.nan_to_num(t.density),
            t.chosen,
            outcome=self.result.outcome,
            scenario=self.result.scenario,
            n=self.result.n_eval,
            mass=[float(v) for v in t.mass],
            restricted=[int(v) for v in t.restricted],
        )
        fig = plot_prim_trajectory(data, ax=ax)
        axes = ax if ax is not None else fig.axes[0]
        k = len(found.restrictions)
        axes.plot(
            [found.coverage],
            [found.density],
            linestyle="none",
            marker="D",
            markersize=9,
            markerfacecolor="white",
            markeredgecolor=OUTCOME_COLOURS[self.result.outcome],
            markeredgewidth=2,
            label=f"reported: box {t.chosen} simplified to {k} "
            f"restriction{'s' if k != 1 else ''} "
            f"(coverage {found.coverage:.0%}, density {found.density:.0%})",
        )
        axes.legend(loc="upper right", fontsize=TICK_SIZE, frameon=False)
        return fig


def discover(
    source: ScenarioLike,
    outcome: str = "agreement",
    runs: int | None = None,
    seed: int | None = None,
    *,
    overrides: Iterable[str] = (),
    peel: float = 0.05,
    min_mass: float = 0.05,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Progress = None,
    stream_to: PathLike | None = None,
) -> Discovery:
    """Find where in parameter space ``outcome`` concentrates (``negsim discover``).

    ``source`` is a scenario (file or loaded), run here with its drawn parameters kept, or
    a results folder of an earlier run, whose ``replicates.csv`` is read.
    """
    from sim.discovery import labels_for, prim, read_replicates

    check_discover(source, outcome, peel, min_mass, runs, seed, overrides)
    overrides = list(overrides)
    started = utc_now()
    simulated: Run | None = None
    if not isinstance(source, Scenario) and Path(source).is_dir():
        folder = Path(source)
        names, x, y = read_replicates(folder, outcome)
        scenario = _folder_scenario(folder)
        name, seed = folder_meta(folder)
        runs, jobs = len(y), 1
        files: list[str] = []
    elif isinstance(source, Scenario) or Path(source).is_file():
        scenario, files = _scenario(source, overrides)
        name = scenario.name
        check_searchable(scenario, str(source) if files else name)
        _check_executor(executor, scheduler)
        simulated = _simulate(
            scenario,
            files,
            runs,
            seed,
            overrides=overrides,
            jobs=jobs,
            executor=executor,
            scheduler=scheduler,
            progress=progress,
            stream_to=stream_to,
            keep_params=True,  # PRIM needs the drawn parameters
            parquet=False,
        )
        runs, seed = simulated.runs, simulated.seed
        names = list(simulated.ensemble.params)
        x = np.column_stack([simulated.ensemble.params[p] for p in names])
        y = simulated.ensemble.outcome == OUTCOME_LABELS.index(outcome)
    else:
        raise NegsimError(f"{source}: no such scenario file or results folder")
    if not y.any():
        raise NegsimError(
            f"{outcome} never happened in the {len(y):,} replicates: "
            "nothing to discover (try more --runs or another --outcome)"
        )
    res = prim(
        x,
        y,
        names,
        labels=labels_for(names, scenario),
        alpha=peel,
        min_mass=min_mass,
        scenario=name,
        outcome=outcome,
    )
    prov = Provenance(
        "discover",
        files,
        seed,
        runs,
        jobs,
        executor,
        overrides,
        started=started,
        extra={
            "outcome": outcome,
            "peel": peel,
            "min_mass": min_mass,
            "source": str(source.path if isinstance(source, Scenario) else source),
        },
    )
    return Discovery(res, names, x, y, prov, simulated)


def check_discover(
    source: ScenarioLike,
    outcome: str,
    peel: float,
    min_mass: float,
    runs: int | None = None,
    seed: int | None = None,
    overrides: Iterable[str] = (),
) -> None:
    """The checks :func:`discover` makes before any work, each a one-line error."""
    check_outcome(outcome)
    if not 0 < peel < 0.5:
        raise NegsimError(f"--peel must be in (0, 0.5) (got {peel})")
    if not 0 < min_mass < 1:
        raise NegsimError(f"--min-mass must be in (0, 1) (got {min_mass})")
    if isinstance(source, Scenario):
        return
    if Path(source).is_dir():
        if runs or seed is not None or list(overrides):
            raise NegsimError(
                "--runs, --seed and --set apply to a scenario file, not to a results folder"
            )
    elif not Path(source).is_file():
        raise NegsimError(f"{source}: no such scenario file or results folder")


def check_searchable(scenario: Scenario, where: str) -> None:
    """PRIM needs uncertain parameters to search."""
    if not scenario.uncertain_parameters():
        raise NegsimError(
            f"{where}: no uncertain parameters to search (give some as distributions)"
        )


def _folder_scenario(folder: Path) -> Scenario | None:
    """The scenario saved in a results folder, or None if it cannot be loaded."""
    path = folder / "scenario.yaml"
    if not path.is_file():
        return None
    try:
        return load(path)
    except NegsimError:
        return None


def folder_meta(folder: Path) -> tuple[str, int]:
    """Scenario name and seed of a results folder (from summary.json or manifest.json)."""
    import json

    for name in ("summary.json", "manifest.json"):
        path = folder / name
        if path.is_file():
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            seed = data.get("seed")
            return str(data.get("scenario") or folder.parent.name or folder.name), int(seed or 0)
    return folder.name, 0


# ---- trace -----------------------------------------------------------------------------


@dataclass(eq=False)
class Trace:
    """One replicate, round by round (``negsim trace``).

    ``text`` is what the command prints; ``rounds`` has one row per round (BATNAs,
    aspirations, the proposal per issue, responses, events); ``summary`` the replicate's
    end state.
    """

    scenario: Scenario
    seed: int
    replicate: int
    ensemble: EnsembleResult
    text: str
    log: list[dict[str, Any]]

    @property
    def summary(self) -> dict[str, Any]:
        row = self.replicates.iloc[0].to_dict()
        return {"scenario": self.scenario.name, "seed": self.seed, **row}

    @property
    def replicates(self) -> pandas.DataFrame:
        return _dataframe(self.ensemble.columns())

    @property
    def rounds(self) -> pandas.DataFrame:
        import pandas as pd

        rows = []
        for entry in self.log:
            flat = dict(entry)
            proposal = flat.pop("proposal")
            for k, issue in enumerate(self.scenario.issue_names):
                flat[f"proposal.{issue}"] = np.nan if proposal is None else proposal[k]
            for key in ("strikes", "violations", "shifts", "levers"):
                flat[key] = "; ".join(flat[key])
            rows.append(flat)
        return pd.json_normalize(rows)

    def save(self, folder: PathLike) -> Path:
        """Write ``trace.txt`` and ``rounds.csv``."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "trace.txt", self.text + "\n")
        write_text_atomic(out / "rounds.csv", self.rounds.to_csv(index=False))
        return out


def trace(
    scenario: ScenarioLike,
    replicate: int = 0,
    seed: int | None = None,
    *,
    overrides: Iterable[str] = (),
) -> Trace:
    """Step one replicate through the model and keep every round (``negsim trace``)."""
    from sim.commands.trace_cmd import story
    from sim.model import NegotiationModel
    from sim.runner import free_model

    if replicate < 0:
        raise NegsimError(f"--replicate must be 0 or more (got {replicate})")
    s, _ = _scenario(scenario, overrides)
    seed = s.seed if seed is None else seed
    model = NegotiationModel(s, seed=seed, replicates=np.array([replicate]), record=True)
    try:
        result = model.run()
        text = story(s, model, result, seed, replicate)
        log = list(model.log)
    finally:
        free_model(model)
    return Trace(s, seed, replicate, result, text, log)
