"""``negsim sweep``, ``negsim sensitivity`` and ``negsim discover``: exploring assumptions.

Each command writes a results folder like ``negsim run`` does (``results/<scenario>-<command>/
<time>-seed<seed>/``, or exactly ``--out``), through a staging folder that only moves into
place when everything is written. The computation lives in :mod:`sim.sweep`,
:mod:`sim.sensitivity` and :mod:`sim.discovery`; this module only wires options, files and
figures.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import NegsimError
from sim.io import staged_output, utc_now, write_json_atomic, write_manifest, write_text_atomic
from sim.outcomes import OUTCOME_LABELS, EnsembleResult

SENSITIVITY_FIGURE_TOP = 20  # parameters in the bar chart (all are in the CSV)


def _check_outcome(outcome: str) -> None:
    if outcome not in OUTCOME_LABELS:
        raise NegsimError(f"--outcome: unknown outcome class {outcome!r} "
                          f"(expected one of {', '.join(OUTCOME_LABELS)})")


def _jobs(args: argparse.Namespace) -> int:
    from sim.executors import default_jobs

    if args.executor != "dask" and args.scheduler:
        raise NegsimError("--scheduler needs --executor dask")
    return args.jobs or default_jobs()


def _save(fig: Any, folder: Path, name: str, fmt: str) -> Path:
    from sim.plots import save_figure

    return save_figure(fig, folder / name, fmt)


# ---- sweep ---------------------------------------------------------------------------


def sweep(args: argparse.Namespace) -> int:
    from sim.commands.run_cmds import Progress, resolve_common, target_dir
    from sim.loader import load_scenario
    from sim.sweep import axes_from_options, format_sweep, run_sweep, sweep_csv

    started = utc_now()
    _check_outcome(args.outcome)
    axes = axes_from_options(args.param, args.values, args.ranges)
    base = load_scenario(args.file, args.overrides)
    runs, seed, jobs = resolve_common(args, base)
    n_points = int(np.prod([len(a.values) for a in axes]))
    target = target_dir(args, f"{base.name}-sweep", seed)
    with staged_output(target) as staging:
        progress = Progress(runs * n_points, args.quiet, f"{base.name} sweep")
        try:
            result = run_sweep(args.file, axes, overrides=args.overrides, runs=runs, seed=seed,
                               jobs=jobs, executor=args.executor, scheduler=args.scheduler,
                               progress=progress.update)
        finally:
            progress.close()
        write_text_atomic(staging / "sweep.csv", sweep_csv(result))
        from sim.plots import plot_sweep, plot_sweep_heatmap

        if len(axes) == 1:
            _save(plot_sweep(result.curve()), staging / "plots", "sweep", args.format)
        else:
            _save(plot_sweep_heatmap(result.grid(args.outcome)), staging / "plots",
                  f"sweep_{args.outcome}", args.format)
        write_manifest(staging, args, command="sweep", scenario_files=[args.file], seed=seed,
                       runs=runs, jobs=jobs, started=started,
                       sweep={a.param: list(a.values) for a in axes})
    if not args.quiet:
        print(format_sweep(result))
        print(f"\nresults written to {target}/")
    return 0


# ---- sensitivity ---------------------------------------------------------------------


def _design_csv(names: tuple[str, ...], x: np.ndarray, sets: np.ndarray, runs: int,
                y: np.ndarray) -> str:
    """One row per design point: its replicate set, parameter values and outcome share."""
    head = ["point", "replicate_start", "replicates", *(f"param.{n}" for n in names), "p"]
    lines = [",".join(head)]
    for m in range(x.shape[0]):
        vals = ",".join(f"{v:.10g}" for v in x[m])
        lines.append(f"{m},{int(sets[m]) * runs},{runs},{vals},{y[m].mean():.10g}")
    return "\n".join(lines) + "\n"


def sensitivity(args: argparse.Namespace) -> int:
    from sim.commands.run_cmds import Progress, target_dir
    from sim.discovery import labels_for
    from sim.loader import load_scenario, yaml_key_path
    from sim.sensitivity import (
        DEFAULTS,
        analyze,
        evaluate_model,
        format_sensitivity,
        make_design,
        problem_from_scenario,
        sensitivity_csv,
        sensitivity_json,
    )

    started = utc_now()
    _check_outcome(args.outcome)
    scenario = load_scenario(args.file, args.overrides)
    n_default, runs_default = DEFAULTS[args.method]
    n = args.n or n_default
    runs = args.runs or runs_default  # replicates per design point
    seed = args.seed if args.seed is not None else scenario.seed
    jobs = _jobs(args)
    problem = problem_from_scenario(scenario)
    design = make_design(problem, args.method, n, runs, seed)
    target = target_dir(args, f"{scenario.name}-sensitivity", seed)
    with staged_output(target) as staging:
        progress = Progress(design.evaluations, args.quiet, f"{scenario.name} {args.method}")
        try:
            codes = evaluate_model(scenario, problem, design, seed, jobs=jobs,
                                   executor=args.executor, scheduler=args.scheduler,
                                   progress=progress.update)
        finally:
            progress.close()
        y = (codes == OUTCOME_LABELS.index(args.outcome)).astype(float)
        write_text_atomic(staging / "design.csv",
                          _design_csv(problem.names, design.x, design.sets, runs, y))
        result = analyze(problem, design, y, seed=seed, outcome=args.outcome,
                         labels=labels_for(problem.names, scenario), scenario=scenario.name,
                         file_keys=[yaml_key_path(scenario, p) for p in problem.names])
        write_text_atomic(staging / "sensitivity.csv", sensitivity_csv(result))
        write_json_atomic(staging / "sensitivity.json", sensitivity_json(result))
        if result.defined:
            from sim.plots import plot_sensitivity

            _save(plot_sensitivity(result.plot_data(SENSITIVITY_FIGURE_TOP)), staging / "plots",
                  f"sensitivity_{args.method}", args.format)
        write_manifest(staging, args, command="sensitivity", scenario_files=[args.file],
                       seed=seed, runs=design.evaluations, jobs=jobs, started=started,
                       method=args.method, n=n, runs_per_point=runs, outcome=args.outcome)
    if not args.quiet:
        print(format_sensitivity(result))
        if result.defined and len(problem.names) > SENSITIVITY_FIGURE_TOP:
            print(f"(the figure shows the {SENSITIVITY_FIGURE_TOP} largest)")
        print(f"\nresults written to {target}/")
    return 0


# ---- discover ------------------------------------------------------------------------


def _simulate_with_params(staging: Path, scenario: Any, runs: int, seed: int, jobs: int,
                          executor: str, scheduler: str | None, quiet: bool) -> EnsembleResult:
    """Run the replicates, stream ``replicates.csv`` into ``staging`` and keep the drawn
    parameters (which PRIM needs)."""
    from sim.commands.run_cmds import Progress
    from sim.ensemble import iter_chunks

    progress = Progress(runs, quiet, scenario.name)
    parts = []
    tmp = staging / ".replicates.csv.tmp"
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            first = True
            for out in iter_chunks(scenario, seed, runs, jobs=jobs, executor=executor,
                                   scheduler=scheduler, with_csv=True, keep_params=True):
                if first:  # the first chunk's rows begin with the header (sim.ensemble)
                    header = ",".join(out.result.columns()) + "\n"
                    if not out.csv_rows.startswith(header):
                        fh.write(header)
                    first = False
                fh.write(out.csv_rows)
                parts.append(out.result)
                progress.update(len(out.result))
    finally:
        progress.close()
    tmp.replace(staging / "replicates.csv")
    return EnsembleResult.concatenate(parts)


def _folder_scenario(folder: Path) -> Any:
    """The scenario saved in a results folder, or None if it cannot be loaded."""
    from sim.loader import load_scenario

    path = folder / "scenario.yaml"
    if not path.is_file():
        return None
    try:
        return load_scenario(path)
    except NegsimError:
        return None


def _folder_meta(folder: Path) -> tuple[str, int]:
    """Scenario name and seed of a results folder (from summary.json or manifest.json)."""
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


def _trajectory_figure(box: Any, n_eval: int, outcome: str, scenario: str) -> Any:
    """The peeling trajectory (sim.plots) with the reported, simplified box added."""
    from sim.plot_data import prepare_prim
    from sim.plots import OUTCOME_COLOURS, TICK_SIZE, plot_prim_trajectory

    t = box.trajectory
    data = prepare_prim(np.nan_to_num(t.coverage), np.nan_to_num(t.density), t.chosen,
                        outcome=outcome, scenario=scenario, n=n_eval, mass=t.mass,
                        restricted=t.restricted)
    fig = plot_prim_trajectory(data)
    ax = fig.axes[0]
    k = len(box.restrictions)
    ax.plot([box.coverage], [box.density], linestyle="none", marker="D", markersize=9,
            markerfacecolor="white", markeredgecolor=OUTCOME_COLOURS[outcome], markeredgewidth=2,
            label=f"reported: box {t.chosen} simplified to {k} restriction{'s' if k != 1 else ''} "
                  f"(coverage {box.coverage:.0%}, density {box.density:.0%})")
    ax.legend(loc="upper right", fontsize=TICK_SIZE, frameon=False)
    return fig


def discover(args: argparse.Namespace) -> int:
    from sim.commands.run_cmds import resolve_common, target_dir
    from sim.discovery import (
        discovery_csvs,
        discovery_json,
        format_discovery,
        labels_for,
        prim,
        read_replicates,
    )

    started = utc_now()
    _check_outcome(args.outcome)
    if not 0 < args.peel < 0.5:
        raise NegsimError(f"--peel must be in (0, 0.5) (got {args.peel})")
    if not 0 < args.min_mass < 1:
        raise NegsimError(f"--min-mass must be in (0, 1) (got {args.min_mass})")
    source = Path(args.file)
    scenario = None
    if source.is_dir():
        if args.runs or args.seed is not None or args.overrides:
            raise NegsimError("--runs, --seed and --set apply to a scenario file, "
                              "not to a results folder")
        names, x, y = read_replicates(source, args.outcome)
        scenario = _folder_scenario(source)
        name, seed = _folder_meta(source)
        runs, jobs = len(y), 1
    elif source.is_file():
        from sim.loader import dump_scenario, load_scenario

        scenario = load_scenario(args.file, args.overrides)
        name = scenario.name
        runs, seed, jobs = resolve_common(args, scenario)
        if not scenario.uncertain_parameters():
            raise NegsimError(f"{args.file}: no uncertain parameters to search "
                              "(give some as distributions)")
    else:
        raise NegsimError(f"{args.file}: no such scenario file or results folder")
    target = target_dir(args, f"{name}-discover", seed)
    with staged_output(target) as staging:
        if scenario is not None and source.is_file():
            from sim.summary import summarize

            result = _simulate_with_params(staging, scenario, runs, seed, jobs, args.executor,
                                           args.scheduler, args.quiet)
            write_json_atomic(staging / "summary.json", summarize(result, scenario, seed))
            write_text_atomic(staging / "scenario.yaml", dump_scenario(scenario))
            names = list(result.params)
            x = np.column_stack([result.params[p] for p in names])
            y = result.outcome == OUTCOME_LABELS.index(args.outcome)
        if not y.any():
            raise NegsimError(f"{args.outcome} never happened in the {len(y):,} replicates: "
                              "nothing to discover (try more --runs or another --outcome)")
        res = prim(x, y, names, labels=labels_for(names, scenario), alpha=args.peel,
                   min_mass=args.min_mass, scenario=name, outcome=args.outcome)
        report = format_discovery(res)
        write_text_atomic(staging / "discovery.txt", report)
        write_json_atomic(staging / "discovery.json", discovery_json(res))
        for fname, text in discovery_csvs(res).items():
            write_text_atomic(staging / fname, text)
        for i, box in enumerate(res.boxes, start=1):
            if i > 1 and not box.significant:
                break
            _save(_trajectory_figure(box, res.n_eval, args.outcome, name), staging / "plots",
                  "prim_trajectory" if i == 1 else f"prim_trajectory_{i}", args.format)
        write_manifest(staging, args, command="discover",
                       scenario_files=[args.file] if source.is_file() else [], seed=seed,
                       runs=runs, jobs=jobs, started=started, outcome=args.outcome,
                       peel=args.peel, min_mass=args.min_mass, source=str(source))
    if not args.quiet:
        print(report, end="")
        print(f"\nresults written to {target}/")
    return 0
