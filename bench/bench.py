"""Speed and memory of negsim's Monte Carlo runner: the figures of bench/README.md.

Run from anywhere, with the interpreter whose environment has negsim's dependencies::

    python bench/bench.py              # everything (about 5-8 minutes on 2 idle cores)
    python bench/bench.py --skip-1m    # without the one-million-replicate runs

It prints, for the baseline scenario, each figure with the 1-minute load average at the
time it was taken:

1. replicate-runs per CPU second in one process: the model only, its chunks of 8,192
   replicates run one after the other in this process (goal 20,000);
2. the bare-numpy kernel of one round (bench/kernel.py) on the same number of replicates,
   interleaved with 1., and negsim's share of it (goal 0.8); then the fair comparator:
   the same rules as one plain Mesa model per replicate in scalar Python
   (bench/scalar_model.py, checked against the ensemble by bench/scalar_check.py), on
   the baseline and on the three-party river basin, and the ensemble's speed as a
   multiple of it;
3. ``negsim run --runs 100000 --jobs 1 --no-plots`` end to end, start-up and files
   included, per CPU second (goal 20,000);
4. the CPU cost of a worker's start-up (a fresh interpreter importing the model);
5. ``negsim run --runs 1000000`` with ``--jobs`` 1, 2 and 4: wall time, CPU time and the
   peak memory of the process tree, and the speed-up of two workers over one.

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


BASELINE = ROOT / "scenarios" / "baseline.yaml"
RIVER_BASIN = ROOT / "scenarios" / "river_basin_water_treaty.yaml"
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
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
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
    proc = subprocess.Popen(
        argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
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
    done = sum(len(out.result) for out in iter_chunks(scenario, seed, runs, jobs=1, with_csv=False))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert done == runs
    return runs / wall, runs / cpu


def kernel_rate(runs: int, seed: int) -> tuple[float, float]:
    """The bare-numpy kernel of one round (bench/kernel.py), in the same chunks."""
    sys.path.insert(0, str(ROOT / "bench"))
    from kernel import kernel_rate as rate

    return rate(runs, seed=seed)


def scalar_rate(scenario, runs: int, seed: int) -> float:
    """The scalar Mesa comparator (bench/scalar_model.py): one plain Mesa model per
    replicate on its own random draws; replicate-runs per CPU second."""
    sys.path.insert(0, str(ROOT / "bench"))
    from scalar_check import own_draws

    _, cpu = own_draws(scenario, seed, runs)
    return runs / cpu


def worker_startup() -> tuple[float, float]:
    """CPU seconds of a fresh interpreter that imports what a worker needs to run a chunk
    (numpy, the model, mesa), and of one that imports nothing."""
    out = []
    for code in ("import sim.ensemble, sim.model, sim.runner", "pass"):
        _, cpu, _, proc = run_measured([sys.executable, "-c", code])
        if proc.returncode != 0:
            raise SystemExit(f"worker start-up probe failed: {proc.stderr.strip()}")
        out.append(cpu)
    return out[0], out[1]


def negsim_run(
    runs: int, jobs: int, seed: int, out: Path, extra: list[str] | None = None
) -> tuple[float, float, int, str]:
    """``negsim run`` of the baseline as a subprocess (in the project folder): wall time,
    CPU time and peak memory of its process tree, and the command as shown. ``extra``:
    more options (``bench/record_rounds.py`` adds ``--record rounds``)."""
    argv = [
        sys.executable,
        "-m",
        "sim",
        "run",
        str(BASELINE.relative_to(ROOT)),
        "--runs",
        str(runs),
        "--seed",
        str(seed),
        "--jobs",
        str(jobs),
        "--no-plots",
        *(extra or []),
        "--quiet",
        "--out",
        str(out),
    ]
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
    parser.add_argument(
        "--runs",
        type=int,
        default=100_000,
        help="replicates of the one-process figures (default 100,000)",
    )
    parser.add_argument(
        "--big",
        type=int,
        default=1_000_000,
        help="replicates of the --jobs 1, 2 and 4 runs (default 1,000,000)",
    )
    parser.add_argument(
        "--scalar-runs",
        type=int,
        default=2_000,
        help="replicates of the scalar comparator on the baseline (default 2,000; a "
        "twentieth of them on the three-party scenario)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    from sim.loader import load_scenario

    scenario = load_scenario(str(BASELINE), [])
    print(
        f"negsim bench: {BASELINE.relative_to(ROOT)} ({scenario.rounds} rounds, "
        f"{len(scenario.issues)} issues), seed {args.seed}"
    )
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, {versions()}")
    print(f"load average at start (1, 5, 15 min): {load()}")
    print(f"command: {shlex.join([Path(sys.executable).name, *sys.argv])}")
    print()
    rows: list[tuple[str, str, str, str]] = []

    def report(what: str, figure: str, target: str) -> None:
        now = load().split(",")[0]
        rows.append((what, figure, target, now))
        print(f"{what}: {figure}   [{target}] (load {now})", flush=True)

    ensemble_rate(scenario, 2_000, args.seed)  # warm-up: imports, caches
    kernel_rate(2_000, args.seed)
    # interleaved: kernel, model, kernel, model; the best of each (the least disturbed)
    model_runs, kernel_runs = [], []
    for _ in range(2):
        kernel_runs.append(kernel_rate(args.runs // 2, args.seed))
        model_runs.append(ensemble_rate(scenario, args.runs // 2, args.seed))
    rate, rate_cpu = max(model_runs, key=lambda r: r[1])
    k_rate, k_cpu = max(kernel_runs, key=lambda r: r[1])
    report(
        f"one process, {args.runs // 2:,} replicates twice, model only (best of two)",
        f"{rate:,.0f} replicate-runs/s (per CPU second: {rate_cpu:,.0f})",
        "at least 20,000 per CPU second",
    )
    report(
        "bare-numpy kernel of one round (bench/kernel.py), same replicates, interleaved",
        f"{k_rate:,.0f} replicate-runs/s (per CPU second: {k_cpu:,.0f})",
        "-",
    )
    report("model only as a share of the kernel (CPU)", f"{rate_cpu / k_cpu:.2f}", "at least 0.8")
    # the fair comparator: the same rules as one plain Mesa model per replicate
    s_cpu = scalar_rate(scenario, args.scalar_runs, args.seed)
    report(
        f"scalar Mesa comparator (bench/scalar_model.py), {args.scalar_runs:,} replicates, "
        "one model each",
        f"{s_cpu:,.0f} replicate-runs per CPU second; the ensemble (model only) is "
        f"{rate_cpu / s_cpu:.0f}x faster",
        "-",
    )
    basin = load_scenario(str(RIVER_BASIN), [])
    _, basin_cpu = ensemble_rate(basin, 2_000, args.seed)
    b_cpu = scalar_rate(basin, args.scalar_runs // 20, args.seed)
    report(
        f"three parties ({RIVER_BASIN.name}): ensemble 2,000 replicates against the scalar "
        f"comparator's {args.scalar_runs // 20:,} (scipy's SLSQP and HiGHS per proposal)",
        f"{basin_cpu:,.0f} against {b_cpu:,.1f} replicate-runs per CPU second "
        f"({basin_cpu / b_cpu:.0f}x)",
        "-",
    )

    with tempfile.TemporaryDirectory(prefix="negsim-bench-") as tmp:
        wall, cpu, peak, shown = negsim_run(args.runs, 1, args.seed, Path(tmp) / "e2e")
        report(
            f"`{shown}` end to end",
            f"{args.runs / cpu:,.0f} replicates per CPU second ({cpu:.1f} s CPU, "
            f"{wall:.1f} s wall), peak {peak / GIB:.2f} GiB",
            "at least 20,000 per CPU second (floor 10,000)",
        )

    busy, bare = worker_startup()
    report(
        "worker start-up: a fresh interpreter importing the model (numpy, mesa)",
        f"{busy:.2f} s CPU ({bare:.2f} s for an empty interpreter)",
        "-",
    )

    if not args.skip_1m:
        walls = {}
        for jobs in (1, 2, 4):
            with tempfile.TemporaryDirectory(prefix="negsim-bench-") as tmp:
                out = Path(tmp) / "big"
                wall, cpu, peak, shown = negsim_run(args.big, jobs, args.seed, out)
                walls[jobs] = wall
                size = (out / "replicates.csv").stat().st_size
                report(
                    f"`{shown}`",
                    f"{wall:.1f} s wall ({args.big / wall:,.0f} replicate-runs/s), "
                    f"{cpu:.1f} s CPU (all processes), peak {peak / GIB:.2f} GiB "
                    f"(process tree), replicates.csv {size / GIB:.2f} GiB",
                    "1M: < 60 s wall idle; <= 1 GiB"
                    if jobs == 2
                    else ("never slower than --jobs 2 (capped at the cores)" if jobs > 2 else "-"),
                )
        report(
            "--jobs 2 speed-up over --jobs 1 (wall)",
            f"{walls[1] / walls[2]:.2f}x",
            "at least 1.8x on an idle two-core machine",
        )

    print()
    print(f"load average at end (1, 5, 15 min): {load()}")
    print()
    print("| measurement | figure | target | load (1 min) |")
    print("| --- | --- | --- | --- |")
    for what, figure, target, now in rows:
        print(f"| {what} | {figure} | {target} | {now} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
