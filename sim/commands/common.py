"""What every simulating command shares: where results go (and what their folder's name
says), runs/seed/jobs from the options, the progress bar and the final printing."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.errors import NegsimError
from sim.io import check_out_dir, default_run_dir

RESULTS_ROOT = Path("results")
TICK_SECONDS = 0.5  # the bar's clock moves this often even while a chunk or a figure is busy


def jobs_from(args: argparse.Namespace) -> int:
    """``--jobs``, defaulting to every core; ``--scheduler`` only with ``--executor dask``."""
    from sim.executors import default_jobs

    if args.executor != "dask" and getattr(args, "scheduler", None):
        raise NegsimError("--scheduler needs --executor dask")
    return int(args.jobs or default_jobs())


def executor_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of the API's functions that say where the work runs."""
    return {"jobs": jobs_from(args), "executor": args.executor, "scheduler": args.scheduler}


def folder_name(name: str, file: str | Path | None, overrides: Sequence[str]) -> str:
    """The results folder's name for a scenario: its ``name``, marked with what makes
    the run differ from the file of that name, so that a changed scenario never lands
    unmarked among the unchanged one's results:

    * ``+<file stem>`` when the file is not named after the scenario (a copy of
      ``baseline.yaml`` that keeps ``name: baseline``);
    * ``+set-<8 hex digits>`` when ``--set`` overrides were given (a hash of them, in
      order; ``manifest.json`` lists them in full).
    """
    out = name
    if file is not None and Path(file).is_file() and Path(file).stem != name:
        out += f"+{Path(file).stem}"
    if overrides:
        digest = hashlib.sha256("\n".join(overrides).encode("utf-8")).hexdigest()[:8]
        out += f"+set-{digest}"
    return out


def target_dir(args: argparse.Namespace, name: str, seed: int) -> Path:
    """Where results go: --out exactly (checked), or a new folder under results/."""
    if args.out:
        out = Path(args.out)
        check_out_dir(out, args.force)
        return out
    return default_run_dir(RESULTS_ROOT, name, seed)


class Progress:
    """A progress bar on stderr whenever it is a terminal (never otherwise, never with
    ``--quiet``), whatever the size of the run.

    The bar counts replicates as chunks finish; a clock thread redraws it every
    :data:`TICK_SECONDS` so that the elapsed time moves while a chunk is running. After
    the simulation, :meth:`stage` turns it into a timer of the next step (writing files,
    drawing figures), so the bar stays until the command is done.
    """

    def __init__(self, total: int, quiet: bool, desc: str) -> None:
        self.bar: Any = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._clock: threading.Thread | None = None
        if quiet or not sys.stderr.isatty():
            return
        from tqdm import tqdm

        self.bar = tqdm(
            total=total or None,
            unit="rep",
            desc=desc,
            file=sys.stderr,
            leave=False,
            dynamic_ncols=True,
        )
        self._clock = threading.Thread(target=self._tick, daemon=True)
        self._clock.start()

    def _tick(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            with self._lock:
                if self.bar is not None:
                    self.bar.refresh()

    def update(self, n: int) -> None:
        if self.bar is not None:
            with self._lock:
                self.bar.update(n)

    def stage(self, desc: str) -> None:
        """The simulation is done; show ``desc`` and the time it takes."""
        if self.bar is None:
            return
        with self._lock:
            self.bar.bar_format = "{desc}: {elapsed}"
            self.bar.set_description_str(desc, refresh=False)
            self.bar.reset(total=None)

    def close(self) -> None:
        self._stop.set()
        if self._clock is not None:
            self._clock.join()
            self._clock = None
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


WRITING = "writing files, figures and report.html"


def finish(
    args: argparse.Namespace,
    text: str,
    target: Path,
    summary: Any = None,
    end: str = "\n",
) -> None:
    """Print what the command found and where its results are.

    ``--json``: one JSON object on stdout, ``{"results": folder, "summary": ...}``;
    ``--quiet``: only the folder, one line on stdout; otherwise the text and the folder.
    """
    if getattr(args, "json", False):
        data = {"results": str(target), "summary": jsonable(summary)}
        print(json.dumps(data, allow_nan=False))
    elif args.quiet:
        print(target)
    else:
        print(text, end=end)
        print(f"\nresults written to {target}/")


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars made plain and NaN or infinity made null (strict JSON)."""
    import math

    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
