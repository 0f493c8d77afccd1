"""The Python API: what every ``negsim`` command does, callable from a script or notebook.

``import sim`` gives :func:`load`, :func:`run`, :func:`compare`, :func:`sweep`,
:func:`sensitivity`, :func:`discover` and :func:`trace`. They run the same engine as the
command line, which calls them, so the same scenario and seed give the same numbers. Each
returns a result object (:mod:`sim.results`) with

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
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.errors import NegsimError
from sim.io import utc_now
from sim.outcomes import hits, indicator, is_event
from sim.results import (
    Comparison,
    Discovery,
    Provenance,
    Run,
    Sensitivity,
    Sweep,
    Trace,
)
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.sweep_grid import SweepAxis

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


def default_outcome(scenario: Scenario) -> str:
    """The outcome the exploration commands analyse when none is named: a ceasefire in
    force where the scenario declares a partial agreement (the deal its talks can reach
    within a window), else a settlement."""
    from sim.agreements.spec import ALL

    staged = scenario.agreements
    if staged is not None and any(kind.settles != ALL for kind in staged.kinds):
        return "ceasefire"
    return "settlement"


def check_outcome(outcome: str) -> str:
    """The canonical name of an end state or an event (``ceasefire_by:2026-03-31``), or
    the one-line error of ``--outcome``."""
    from sim.outcomes import check_outcome_name

    try:
        return check_outcome_name(outcome)
    except ValueError as e:
        raise NegsimError(f"--outcome: {e}") from None


def _check_executor(executor: str, scheduler: str | None) -> None:
    if executor != "dask" and scheduler:
        raise NegsimError("--scheduler needs --executor dask")


# ---- run -------------------------------------------------------------------------------


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
    record: str | None = None,
    loaded: Scenario | None = None,
) -> Run:
    """Run ``runs`` replicates of a scenario (``negsim run``).

    ``stream_to`` writes ``replicates.csv`` into that folder as the chunks finish and
    keeps the drawn parameters out of memory (for very large runs); ``.replicates`` then
    reads the file back. ``record="rounds"`` (``--record rounds``) also keeps every round
    of every replicate, written chunk by chunk to the Parquet dataset folder ``rounds/`` (one
    file per chunk; in ``stream_to``, or in a temporary folder removed with the result) and
    read back by ``.rounds``.
    ``progress`` is called with each finished chunk's size.
    ``loaded``: the scenario file already loaded with these ``overrides`` (by
    :func:`load`), so that it is not read and validated a second time.
    """
    _check_executor(executor, scheduler)
    check_record(record)
    if loaded is not None and not isinstance(scenario, Scenario):
        s, files = loaded, [str(scenario)]
    else:
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
        record=record,
    )


RECORD_CHOICES = ("rounds",)


def check_record(record: str | None) -> None:
    """``record`` is None or one of :data:`RECORD_CHOICES`, and what it needs is there."""
    if record is None:
        return
    if record not in RECORD_CHOICES:
        raise NegsimError(
            f"--record: unknown record {record!r} (expected one of {', '.join(RECORD_CHOICES)})"
        )
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise NegsimError("--record rounds needs pyarrow (pip install pyarrow)") from None


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
    record: str | None = None,
) -> Run:
    from sim.recorder import ROUNDS_DIR
    from sim.runner import REPLICATES_CSV, run_replicates
    from sim.summary import summarize

    runs = runs or s.runs
    seed = s.seed if seed is None else seed
    extra = {} if record is None else {"record": record}
    prov = Provenance("run", files, seed, runs, jobs, executor, overrides, extra=extra)
    out = None if stream_to is None else Path(stream_to)
    rounds_to = None
    scratch = None
    if record == "rounds":
        if out is None:
            scratch = Path(tempfile.mkdtemp(prefix="negsim-rounds-"))
        rounds_to = (out or scratch or Path()) / ROUNDS_DIR
    try:
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
            rounds_to=rounds_to,
        )
    except BaseException:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        raise
    summary = summarize(ensemble.without_params(), s, seed)
    if s.readings:
        from sim.readings import readings_summary

        summary["readings"] = readings_summary(ensemble, s, seed)
    csv = None if out is None else out / REPLICATES_CSV
    result = Run(s, seed, runs, ensemble, summary, prov, csv, rounds_to)
    if scratch is not None:
        weakref.finalize(result, shutil.rmtree, scratch, True)
    return result


# ---- compare ---------------------------------------------------------------------------


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


def sweep(
    file: PathLike,
    params: Mapping[str, Sequence[float]] | Sequence[SweepAxis],
    runs: int | None = None,
    seed: int | None = None,
    *,
    overrides: Iterable[str] = (),
    outcome: str = "settlement",
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

    outcome = check_outcome(outcome)
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
        events=[outcome] if is_event(outcome) else [],
    )
    from sim.discovery import labels_for

    swept = [a.param for a in axes]
    labels = dict(zip(swept, labels_for(swept, base), strict=True))
    prov = Provenance(
        "sweep",
        [str(file)],
        seed,
        runs,
        jobs,
        executor,
        overrides,
        extra={
            "sweep": {a.param: list(a.values) for a in axes},
            "labels": labels,
            "outcome": outcome,
        },
    )
    return Sweep(result, prov, outcome, labels=labels)


# ---- sensitivity -----------------------------------------------------------------------


def sensitivity(
    scenario: ScenarioLike,
    method: str = "sobol",
    n: int | None = None,
    runs: int | None = None,
    seed: int | None = None,
    *,
    overrides: Iterable[str] = (),
    outcome: str = "settlement",
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

    outcome = check_outcome(outcome)
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
        event=outcome if is_event(outcome) else None,
    )
    y = hits(codes, outcome).astype(float)
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


def discover(
    source: ScenarioLike,
    outcome: str = "settlement",
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
    outcome = check_outcome(outcome)
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
        y = indicator(simulated.ensemble, outcome)
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
    if not scenario.uncertain_parameters() and len(scenario.readings) < 2:
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
    from sim.readings import replicate_model_inputs, with_reading_line

    own, values, reading = replicate_model_inputs(s, seed, replicate)
    model = NegotiationModel(
        own, seed=seed, replicates=np.array([replicate]), record=True, parameter_values=values
    )
    try:
        result = model.run()
        text = with_reading_line(story(own, model, result, seed, replicate), reading)
        log = list(model.log)
    finally:
        free_model(model)
    return Trace(s, seed, replicate, result, text, log)
