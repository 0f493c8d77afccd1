"""``negsim run`` and ``negsim compare``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from sim.ensemble import CHUNK_SIZE, iter_chunks
from sim.errors import NegsimError
from sim.executors import default_jobs
from sim.io import (
    check_out_dir,
    default_run_dir,
    staged_output,
    utc_now,
    write_json_atomic,
    write_manifest,
    write_text_atomic,
)
from sim.outcomes import OUTCOME_LABELS, EnsembleResult, Outcome
from sim.scenario import Scenario

RESULTS_ROOT = Path("results")


def resolve_common(args: argparse.Namespace, scenario: Scenario) -> tuple[int, int, int]:
    """runs, seed and jobs from the options, defaulting to the scenario's values."""
    runs = args.runs if getattr(args, "runs", None) else scenario.runs
    seed = args.seed if args.seed is not None else scenario.seed
    jobs = args.jobs or default_jobs()
    if args.executor != "dask" and args.scheduler:
        raise NegsimError("--scheduler needs --executor dask")
    return runs, seed, jobs


def target_dir(args: argparse.Namespace, name: str, seed: int) -> Path:
    """Where results go: --out exactly (checked), or a new folder under results/."""
    if args.out:
        out = Path(args.out)
        check_out_dir(out, args.force)
        return out
    return default_run_dir(RESULTS_ROOT, name, seed)


class Progress:
    """A tqdm bar on stderr when it is a terminal and the run is long; else silent."""

    def __init__(self, total: int, quiet: bool, desc: str) -> None:
        self.bar = None
        if not quiet and sys.stderr.isatty() and total > CHUNK_SIZE:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="rep", desc=desc, file=sys.stderr, leave=False)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def simulate_to(
    staging: Path | None,
    scenario: Scenario,
    runs: int,
    seed: int,
    jobs: int,
    executor: str,
    scheduler: str | None,
    quiet: bool,
) -> EnsembleResult:
    """Run the replicates, streaming ``replicates.csv`` into ``staging`` (if given) chunk
    by chunk, and return the outcomes without the drawn parameters."""
    progress = Progress(runs, quiet, scenario.name)
    parts = []
    fh = None
    tmp = None
    try:
        if staging is not None:
            tmp = staging / ".replicates.csv.tmp"
            fh = open(tmp, "w", encoding="utf-8", newline="")
        for out in iter_chunks(
            scenario,
            seed,
            runs,
            jobs=jobs,
            executor=executor,
            scheduler=scheduler,
            with_csv=staging is not None,
        ):
            parts.append(out.result)
            if fh is not None:
                fh.write(out.csv_rows)
            progress.update(len(out.result))
    finally:
        progress.close()
        if fh is not None:
            fh.close()
    if tmp is not None:
        tmp.replace(staging / "replicates.csv")
        _maybe_parquet(staging)
    return EnsembleResult.concatenate(parts)


def _maybe_parquet(folder: Path) -> None:
    """replicates.parquet beside the CSV when the ``parquet`` extra is installed."""
    try:
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq
    except ImportError:
        return
    table = pacsv.read_csv(folder / "replicates.csv")
    tmp = folder / ".replicates.parquet.tmp"
    pq.write_table(table, tmp)
    tmp.replace(folder / "replicates.parquet")


def run(args: argparse.Namespace) -> int:
    from sim.loader import dump_scenario, load_scenario
    from sim.summary import format_summary, summarize

    started = utc_now()
    scenario = load_scenario(args.file, args.overrides)
    runs, seed, jobs = resolve_common(args, scenario)
    target = target_dir(args, scenario.name, seed)
    with staged_output(target) as staging:
        result = simulate_to(
            staging, scenario, runs, seed, jobs, args.executor, args.scheduler, args.quiet
        )
        summary = summarize(result, scenario, seed)
        write_json_atomic(staging / "summary.json", summary)
        write_text_atomic(staging / "scenario.yaml", dump_scenario(scenario))
        if not args.no_plots:
            from sim.plots import draw_run_figures

            draw_run_figures(result, summary, staging / "plots", args.format)
        write_manifest(
            staging,
            args,
            command="run",
            scenario_files=[args.file],
            seed=seed,
            runs=runs,
            jobs=jobs,
            started=started,
        )
    if not args.quiet:
        print(format_summary(summary))
        print(f"\nresults written to {target}/")
    return 0


def outcome_indicators(result: EnsembleResult) -> np.ndarray:
    """(N, classes) 0/1 indicators of each replicate's outcome class."""
    return (result.outcome[:, None] == np.arange(len(Outcome))[None, :]).astype(float)


def compare_table(names: list[str], results: list[EnsembleResult]) -> dict[str, Any]:
    """Outcome probabilities per scenario with intervals, and differences from the first
    with paired 95% intervals (common random numbers: replicate i of every scenario sees
    the same draws of every parameter and shock the scenarios share)."""
    from sim.stats import paired_difference_interval, wilson_interval

    base = outcome_indicators(results[0])
    rows = []
    for name, res in zip(names, results, strict=True):
        ind = outcome_indicators(res)
        n = len(res)
        row: dict[str, Any] = {"scenario": name, "runs": n, "outcomes": {}}
        for c, label in enumerate(OUTCOME_LABELS):
            k = int(ind[:, c].sum())
            lo, hi = wilson_interval(k, n)
            diff = float(ind[:, c].mean() - base[:, c].mean())
            dlo, dhi = paired_difference_interval(ind[:, c], base[:, c])
            row["outcomes"][label] = {
                "p": k / n,
                "ci95": [float(lo), float(hi)],
                "count": k,
                "diff": diff,
                "diff_ci95": [float(dlo), float(dhi)],
            }
        rows.append(row)
    return {"baseline": names[0], "rows": rows}


def _cell(value: float, low: float, high: float, signed: bool = False) -> str:
    sign = "+" if signed else ""
    return f"{value:>{sign}8.3f} [{low:{sign}.3f},{high:{sign}.3f}]".rjust(26)


def format_compare(table: dict[str, Any]) -> str:
    labels = OUTCOME_LABELS
    width = max(len(r["scenario"]) for r in table["rows"]) + 2
    head = f"{'scenario':<{width}}" + "".join(f"{lab:>26}" for lab in labels)
    lines = ["outcome probability [95% interval]", head]
    for r in table["rows"]:
        o = r["outcomes"]
        cells = "".join(_cell(o[lab]["p"], *o[lab]["ci95"]) for lab in labels)
        lines.append(f"{r['scenario']:<{width}}{cells}")
    lines += ["", f"difference from {table['baseline']} [paired 95% interval]", head]
    for r in table["rows"][1:]:
        o = r["outcomes"]
        cells = "".join(_cell(o[lab]["diff"], *o[lab]["diff_ci95"], signed=True) for lab in labels)
        lines.append(f"{r['scenario']:<{width}}{cells}")
    return "\n".join(lines)


def compare_csv(table: dict[str, Any]) -> str:
    lines = ["scenario,outcome,p,ci95_low,ci95_high,count,diff,diff_ci95_low,diff_ci95_high"]
    for r in table["rows"]:
        for lab, o in r["outcomes"].items():
            lines.append(
                f"{r['scenario']},{lab},{o['p']:.10g},{o['ci95'][0]:.10g},{o['ci95'][1]:.10g},"
                f"{o['count']},{o['diff']:.10g},{o['diff_ci95'][0]:.10g},{o['diff_ci95'][1]:.10g}"
            )
    return "\n".join(lines) + "\n"


def compare(args: argparse.Namespace) -> int:
    from sim.loader import load_scenario

    if len(args.files) < 2:
        raise NegsimError("compare needs at least two scenario files")
    started = utc_now()
    scenarios = [load_scenario(f, args.overrides) for f in args.files]
    runs, seed, jobs = resolve_common(args, scenarios[0])
    names = []
    for s in scenarios:
        name, i = s.name, 1
        while name in names:
            i += 1
            name = f"{s.name}-{i}"
        names.append(name)
    target = target_dir(args, "compare", seed)
    with staged_output(target) as staging:
        results = [
            simulate_to(None, s, runs, seed, jobs, args.executor, args.scheduler, args.quiet)
            for s in scenarios
        ]
        table = compare_table(names, results)
        table.update(seed=seed, runs=runs)
        write_json_atomic(staging / "compare.json", table)
        write_text_atomic(staging / "compare.csv", compare_csv(table))
        if not args.no_plots:
            from sim.plots import draw_compare_figure

            draw_compare_figure(table, staging / "plots", args.format)
        write_manifest(
            staging,
            args,
            command="compare",
            scenario_files=list(args.files),
            seed=seed,
            runs=runs,
            jobs=jobs,
            started=started,
        )
    if not args.quiet:
        print(format_compare(table))
        print(f"\nresults written to {target}/")
    return 0


def load_summary(folder: Path) -> dict[str, Any]:
    """A results folder's summary.json."""
    path = Path(folder) / "summary.json"
    if not path.is_file():
        raise NegsimError(f"{folder}: no summary.json (not a negsim results folder)")
    return json.loads(path.read_text())
