"""Speed and memory of negsim's Monte Carlo runner: the figures of bench/README.md.

Run from anywhere, with the interpreter whose environment has negsim's dependencies::

    python bench/bench.py              # everything (about 3-4 minutes on 2 cores)
    python bench/bench.py --skip-1m    # without the one-million-replicate run

It prints, for the baseline scenario:

1. replicate-runs per second in one process at 100,000 replicates: the model only, its
   chunks run one after the other in this process (floor 10,000/s, goal 20,000/s);
2. the same model run as a plain Mesa user would, one model instance per replicate
   (``NegotiationModel(..., replicates=np.array([i]))`` in a loop) on 1,000 replicates,
   and the ratio of 1. to it (at least 50x);
3. ``negsim run --runs 100000 --jobs 1 --no-plots`` end to end, start-up and files
   included (goal < 10 s);
4. ``negsim run --runs 1000000 --jobs 2 --no-plots``: wall time (goal < 2 min) and the
   peak memory of the process tree (goal <= 2 GiB).

The ``negsim`` runs are subprocesses of this interpreter (``sys.executable -m sim``).
Their peak memory is the largest sum of the resident set sizes of the process and all
its descendants, sampled every 50 ms from /proc (Linux); shared pages count once per
process, so the figure errs high. Nothing here is a test: figures depend on the machine
and its load, which the script prints with them.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a source tree without installing

import numpy as np  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.yaml"
GIB = 1024**3


# ---- process-tree memory ------------------------------------------------------------------
def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        # the command name is in parentheses and may hold spaces: split after the last ')'
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    children = _children_map()
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _rss_bytes(p)
        todo.extend(children.get(p, []))
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(argv: list[str]) -> tuple[float, float, int, subprocess.CompletedProcess]:
    """Run a command; return its wall time (s), the CPU time of its process tree (s), the
    peak RSS of its process tree (bytes, 0 without /proc) and how it ended."""
    can_sample = Path("/proc/self/status").exists()
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    peak = 0
    while proc.poll() is None:
        if can_sample:
            peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    stdout, stderr = proc.communicate()
    cpu = _children_cpu() - cpu0
    return wall, cpu, peak, subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr)


# ---- the figures ----------------------------------------------------------------------------
def ensemble_rate(scenario, runs: int, seed: int) -> tuple[float, float]:
    """Replicate-runs per second of wall time and of CPU time, chunks run one after the
    other in this process."""
    from sim.ensemble import iter_chunks

    t0, c0 = time.perf_counter(), time.process_time()
    done = sum(len(out.result) for out in iter_chunks(scenario, seed, runs, jobs=1,
                                                       with_csv=False))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert done == runs
    return runs / wall, runs / cpu


def one_model_per_replicate_rate(scenario, runs: int, seed: int) -> tuple[float, float]:
    """Replicate-runs per second (wall, CPU) with one model instance per replicate, as a
    plain Mesa user would write it."""
    from sim.model import NegotiationModel

    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(runs):
        NegotiationModel(scenario, seed=seed, replicates=np.array([i])).run()
    return runs / (time.perf_counter() - t0), runs / (time.process_time() - c0)


def negsim_run(
    runs: int, jobs: int, seed: int, out: Path, extra: list[str] | None = None
) -> tuple[float, float, int, str]:
    """``negsim run`` of the baseline as a subprocess (in the project folder): wall time,
    CPU time and peak memory of its process tree, and the command as shown. ``extra``:
    more options (``bench/record_rounds.py`` adds ``--record rounds``)."""
    argv = [sys.executable, "-m", "sim", "run", str(BASELINE.relative_to(ROOT)),
            "--runs", str(runs), "--seed", str(seed), "--jobs", str(jobs), "--no-plots",
            *(extra or []), "--quiet", "--out", str(out)]
    wall, cpu, peak, proc = run_measured(argv)
    if proc.returncode != 0:
        raise SystemExit(f"negsim run failed ({proc.returncode}): {proc.stderr.strip()}")
    shown = "negsim " + shlex.join(argv[3:-1] + ["DIR"])
    return wall, cpu, peak, shown


def load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def versions() -> str:
    from importlib import metadata

    parts = [f"Python {platform.python_version()}"]
    for dist in ("numpy", "mesa"):
        try:
            parts.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{dist} ?")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-1m", action="store_true", help="skip the 1,000,000-replicate run")
    parser.add_argument("--runs", type=int, default=100_000,
                        help="replicates of the one-process figures (default 100,000)")
    parser.add_argument("--single", type=int, default=1_000,
                        help="replicates of the one-model-per-replicate loop (default 1,000)")
    parser.add_argument("--big", type=int, default=1_000_000,
                        help="replicates of the large --jobs 2 run (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    from sim.loader import load_scenario

    scenario = load_scenario(str(BASELINE), [])
    print(f"negsim bench: {BASELINE.relative_to(ROOT)} ({scenario.rounds} rounds, "
          f"{len(scenario.issues)} issues), seed {args.seed}")
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, {versions()}")
    print(f"load average at start (1, 5, 15 min): {load()}")
    print(f"command: {shlex.join([Path(sys.executable).name, *sys.argv])}")
    print()
    rows: list[tuple[str, str, str]] = []

    def report(what: str, figure: str, target: str) -> None:
        rows.append((what, figure, target))
        print(f"{what}: {figure}   [{target}]", flush=True)

    ensemble_rate(scenario, 2_000, args.seed)  # warm-up: imports, caches
    rate, rate_cpu = ensemble_rate(scenario, args.runs, args.seed)
    report(f"one process, {args.runs:,} replicates, model only",
           f"{rate:,.0f} replicate-runs/s (per CPU second: {rate_cpu:,.0f})",
           "floor 10,000/s, goal 20,000/s")

    single, single_cpu = one_model_per_replicate_rate(scenario, args.single, args.seed)
    report(f"one model per replicate (plain Mesa loop), {args.single:,} replicates",
           f"{single:,.0f} replicate-runs/s (per CPU second: {single_cpu:,.0f})", "-")
    report("ratio ensemble / one model per replicate",
           f"{rate / single:,.0f}x (CPU: {rate_cpu / single_cpu:,.0f}x)", "at least 50x")

    with tempfile.TemporaryDirectory(prefix="negsim-bench-") as tmp:
        wall, cpu, peak, shown = negsim_run(args.runs, 1, args.seed, Path(tmp) / "e2e")
        report(f"`{shown}` end to end",
               f"{wall:.1f} s wall ({args.runs / wall:,.0f} replicate-runs/s), {cpu:.1f} s CPU, "
               f"peak {peak / GIB:.2f} GiB", "< 10 s")
    if not args.skip_1m:
        with tempfile.TemporaryDirectory(prefix="negsim-bench-") as tmp:
            out = Path(tmp) / "big"
            wall, cpu, peak, shown = negsim_run(args.big, 2, args.seed, out)
            size = (out / "replicates.csv").stat().st_size
            report(f"`{shown}`",
                   f"{wall:.1f} s wall ({args.big / wall:,.0f} replicate-runs/s), {cpu:.1f} s CPU "
                   f"(all processes), peak {peak / GIB:.2f} GiB (process tree), "
                   f"replicates.csv {size / GIB:.2f} GiB", "goal < 2 min; <= 2 GiB")

    print()
    print(f"load average at end (1, 5, 15 min): {load()}")
    print()
    print("| measurement | figure | target |")
    print("| --- | --- | --- |")
    for what, figure, target in rows:
        print(f"| {what} | {figure} | {target} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
