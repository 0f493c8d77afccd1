"""Limits on the work a command may start: option values, and the size of a run.

Small inputs must not start unbounded work. The option values ``--runs``, ``--seed``,
``--jobs`` and sweep points are checked here (one line, exit 2, before anything runs),
and :func:`estimate` predicts the memory and time of a run from the numbers that drive
its cost, so :func:`check_affordable` can refuse a run the machine cannot hold before it
starts, showing the estimate, unless the user insists (``--force-size``).

The cost model is deliberately simple and conservative. The bargaining solver
(``sim.bargaining``) solves each replicate's concave problem with Newton steps over
(parties + issues) variables, so a chunk of replicates holds a few dozen arrays of
(replicates x (parties x issues + issues^2)) numbers, and a round costs about
(parties + issues) x issues operations per replicate. The constants bound the figures of
``bench/parties.py`` (2 to 20 parties, 6 issues, 26 rounds, one core) from above by a
factor of two to eight: re-calibrate them from that script's table.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.errors import NegsimError

MAX_SEED = 2**64 - 1  # seeds are used as unsigned 64-bit words: never wrapped
MAX_RUNS = 10**9
MAX_JOBS = 1024

BASE_BYTES = 200 * 2**20  # an idle worker: interpreter, numpy, scipy, mesa
BYTES_PER_CELL = 512  # per replicate x solver cell (64 float64 temporaries)
SECONDS_PER_CELL_ROUND = 2e-6  # per replicate x round x (parties + issues) x issues / 2
MEMORY_SHARE = 0.8  # of the memory available now that a run may plan to use
MAX_SECONDS = 6 * 3600.0  # longer runs are refused unless the user insists
CHUNK_REPLICATES = 16384  # as sim.ensemble.CHUNK_SIZE


# ---- option values -------------------------------------------------------------------


def _whole(text: str | int, option: str) -> int:
    if isinstance(text, int):
        return text
    try:
        return int(str(text).strip().replace("_", ""))
    except ValueError:
        raise NegsimError(f"{option}: expected a whole number (got {text!r})") from None


def checked_runs(value: str | int, option: str = "--runs") -> int:
    """A number of replicates: 1 to ``MAX_RUNS``."""
    n = _whole(value, option)
    if not 1 <= n <= MAX_RUNS:
        raise NegsimError(f"{option}: must be between 1 and {MAX_RUNS:,} (got {n})")
    return n


def checked_seed(value: str | int, option: str = "--seed") -> int:
    """A seed: 0 to 2**64 - 1 (a larger one would silently wrap onto a smaller one)."""
    n = _whole(value, option)
    if not 0 <= n <= MAX_SEED:
        raise NegsimError(f"{option}: must be between 0 and 2**64 - 1 (got {n})")
    return n


def checked_jobs(value: str | int, option: str = "--jobs") -> int:
    """A number of worker processes: 1 to ``MAX_JOBS``."""
    n = _whole(value, option)
    if not 1 <= n <= MAX_JOBS:
        raise NegsimError(f"{option}: must be between 1 and {MAX_JOBS} (got {n})")
    return n


def checked_index(value: str | int, option: str = "--replicate") -> int:
    """A replicate index: 0 to ``MAX_RUNS - 1``."""
    n = _whole(value, option)
    if not 0 <= n < MAX_RUNS:
        raise NegsimError(f"{option}: must be between 0 and {MAX_RUNS - 1:,} (got {n})")
    return n


def check_sweep_values(param: str, values: Sequence[float], texts: Sequence[str] = ()) -> None:
    """Sweep points of one parameter: finite and distinct (``--range 0:1e-20:5`` or
    ``--values 0.5,0.50`` would run the same point twice and plot a flat line)."""
    seen: dict[float, int] = {}
    for i, v in enumerate(values):
        shown = texts[i] if i < len(texts) else repr(v)
        if not math.isfinite(float(v)):
            raise NegsimError(f"--param {param}: values must be finite numbers (got {shown})")
        if float(v) in seen:
            first = seen[float(v)]
            other = texts[first] if first < len(texts) else repr(values[first])
            raise NegsimError(
                f"--param {param}: points {first + 1} and {i + 1} are the same value "
                f"({other} and {shown}); give distinct values"
            )
        seen[float(v)] = i


# ---- the size of a run ---------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """Predicted peak memory (all workers together) and CPU time of a run."""

    memory_bytes: float
    seconds: float
    workers: int

    def describe(self) -> str:
        return f"about {_bytes(self.memory_bytes)} of memory and {_duration(self.seconds)}"


def solver_cells(parties: int, issues: int) -> int:
    """Numbers the solver holds per replicate: utilities' gradients and the Newton
    system (parties x issues + issues^2), with the box and the parties' terms."""
    return parties * issues + issues * issues + parties + issues


def estimate(parties: int, issues: int, replicates: int, rounds: int, jobs: int = 1) -> Estimate:
    """Memory and time of ``replicates`` replicates of ``rounds`` rounds, on ``jobs``
    workers, for a negotiation of ``parties`` parties over ``issues`` issues."""
    chunks = max(1, math.ceil(replicates / CHUNK_REPLICATES))
    workers = max(1, min(jobs, chunks))
    per_chunk = min(replicates, CHUNK_REPLICATES) * solver_cells(parties, issues) * BYTES_PER_CELL
    memory = workers * (BASE_BYTES + per_chunk)
    work = (parties + issues) * max(issues, 2) / 2
    cpu = replicates * rounds * work * SECONDS_PER_CELL_ROUND
    return Estimate(float(memory), cpu / workers, workers)


def available_memory() -> float:
    """Bytes of memory available to a new run now (MemAvailable), else the total."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return math.inf


def check_affordable(
    scenario: Any, runs: int, jobs: int = 1, *, insist: bool = False, points: int = 1
) -> Estimate:
    """Refuse, with the estimate, a run (``points`` sweep or design points of ``runs``
    replicates each) whose memory exceeds what the machine has or whose time exceeds
    ``MAX_SECONDS``, unless ``insist``. Returns the estimate."""
    parties, issues = len(scenario.parties), len(scenario.issues)
    est = estimate(parties, issues, runs * max(1, points), int(scenario.rounds), jobs)
    if insist:
        return est
    memory = available_memory() * MEMORY_SHARE
    what = (
        f"{parties} parties, {issues} issues, {runs * max(1, points):,} replicates of "
        f"{scenario.rounds} rounds on {est.workers} worker{'s' * (est.workers > 1)}"
    )
    if est.memory_bytes > memory:
        raise NegsimError(
            f"{scenario.name}: this run needs {est.describe()} ({what}); this machine has "
            f"{_bytes(memory)} to give it: refused (fewer --jobs or --runs, or --force-size "
            "to run it anyway)"
        )
    if est.seconds > MAX_SECONDS:
        raise NegsimError(
            f"{scenario.name}: this run needs {est.describe()} ({what}), more than "
            f"{_duration(MAX_SECONDS)}: refused (fewer --runs, or --force-size to run it anyway)"
        )
    return est


def _bytes(n: float) -> str:
    if not math.isfinite(n):
        return "unlimited memory"
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n / 2**10:.0f} KiB"


def _duration(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"
