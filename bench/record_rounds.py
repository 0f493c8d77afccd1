"""The cost of ``--record rounds``: time, peak memory and file size of a run with and
without round-by-round recording (not a test: figures depend on the machine and its load).

    python bench/record_rounds.py                 # 100,000 replicates x 26 rounds, --jobs 1
    python bench/record_rounds.py --runs 20000 --jobs 2

Each run is ``negsim run scenarios/baseline.yaml --runs N --seed 1 --jobs J --no-plots
--quiet --out DIR`` (with ``--record rounds`` for the second) in a subprocess of this
interpreter, measured as ``bench/bench.py`` measures: wall time, CPU time of the process
tree, and its peak memory (the largest sum of resident set sizes of the process and its
workers, sampled every 50 ms from /proc). The rounds are streamed into the folder
``rounds/``, one Parquet file per chunk (8,192 replicates), so the peak should stay near the
plain run's whatever N is. Figures are left out (``--no-plots``): drawing the round figures
reads the folder once more, a batch at a time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import load, negsim_run, versions  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"{versions()}; load average at start {load()}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for record in (False, True):
            out = Path(tmp) / ("rounds" if record else "plain")
            extra = ["--record", "rounds"] if record else []
            wall, cpu, peak, shown = negsim_run(args.runs, args.jobs, args.seed, out, extra)
            size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
            parts = list((out / "rounds").glob("*.parquet")) if record else []
            rsize = sum(p.stat().st_size for p in parts)
            rows.append((shown, wall, cpu, peak, size, rsize, len(parts)))
    for shown, wall, cpu, peak, size, rsize, nparts in rows:
        print(f"\n{shown}")
        print(f"  wall {wall:.1f} s, cpu {cpu:.1f} s, peak memory {peak / 2**20:.0f} MiB")
        print(
            f"  files {size / 2**20:.1f} MiB"
            + (f" (rounds/: {nparts} files, {rsize / 2**20:.1f} MiB)" if rsize else "")
        )
    (_, w0, c0, p0, *_), (_, w1, c1, p1, *_) = rows
    print(
        f"\nrecording rounds costs {w1 - w0:+.1f} s wall ({w1 / w0:.2f}x), "
        f"{c1 - c0:+.1f} s cpu, {(p1 - p0) / 2**20:+.0f} MiB peak memory"
    )
    print(f"load average at end {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
