"""What every simulating command shares: where results go, runs/seed/jobs from the
options, and the progress bar."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.errors import NegsimError
from sim.io import check_out_dir, default_run_dir

RESULTS_ROOT = Path("results")
PROGRESS_MIN_REPLICATES = 8192  # below this a run is quick: no bar


def jobs_from(args: argparse.Namespace) -> int:
    """``--jobs``, defaulting to every core; ``--scheduler`` only with ``--executor dask``."""
    from sim.executors import default_jobs

    if args.executor != "dask" and getattr(args, "scheduler", None):
        raise NegsimError("--scheduler needs --executor dask")
    return int(args.jobs or default_jobs())


def executor_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of the API's functions that say where the work runs."""
    return {"jobs": jobs_from(args), "executor": args.executor, "scheduler": args.scheduler}


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
        if not quiet and sys.stderr.isatty() and total > PROGRESS_MIN_REPLICATES:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="rep", desc=desc, file=sys.stderr, leave=False)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def finish(args: argparse.Namespace, text: str, target: Path, end: str = "\n") -> None:
    """Print the command's text and where its results are (nothing with --quiet)."""
    if not args.quiet:
        print(text, end=end)
        print(f"\nresults written to {target}/")
