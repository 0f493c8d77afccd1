"""Planning and executing a Monte Carlo run: fixed-size chunks, gathered in index order.

A run of R replicates is cut into chunks of ``CHUNK_SIZE`` consecutive replicate indices.
Each chunk is one :class:`~sim.model.NegotiationModel` (an ensemble) whose Mesa ``rng`` is
seeded from the run's seed and the chunk's index, and whose replicates draw from their
own streams (``sim.streams``). Chunks may run in this process, in worker processes or on
a dask cluster; results are gathered by chunk index, so the numbers are identical
whatever the number of workers or the executor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from sim.outcomes import EnsembleResult
from sim.scenario import Scenario

CHUNK_SIZE = 8192


@dataclass(frozen=True)
class Chunk:
    """A planned piece of work: replicates [start, stop) of a run."""

    index: int
    start: int
    stop: int


@dataclass(frozen=True)
class ChunkOutput:
    """What a worker sends back: the outcomes without the drawn parameters (kept small)
    and the chunk's rows of ``replicates.csv`` already formatted (the first chunk's with
    the header line)."""

    index: int
    result: EnsembleResult
    csv_rows: str


def plan_chunks(runs: int, chunk_size: int = CHUNK_SIZE) -> list[Chunk]:
    """Chunks covering replicates 0..runs-1 in order."""
    return [
        Chunk(i, start, min(start + chunk_size, runs))
        for i, start in enumerate(range(0, runs, chunk_size))
    ]


def run_chunk(
    scenario: Scenario, seed: int, chunk: Chunk, *, with_csv: bool = True, keep_params: bool = False
) -> ChunkOutput:
    """Run one chunk as one ensemble model."""
    from sim.model import NegotiationModel

    model = NegotiationModel(
        scenario,
        seed=seed,
        replicates=np.arange(chunk.start, chunk.stop),
        rng=np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(chunk.index,))),
    )
    result = model.run()
    _forget_model(model)
    rows = result.to_csv_text(header=chunk.index == 0) if with_csv else ""
    if not keep_params:
        result = result.without_params()
    return ChunkOutput(chunk.index, result, rows)


def _forget_model(model: Any) -> None:
    """Free a finished model's memory now.

    Mesa 3.3 keeps every model ever built as a key of ``mesa.Agent._ids`` (PLATFORM_NOTES),
    so a worker kept every chunk's arrays alive (about 33 MB a chunk, 5 GiB over a million
    replicates on two workers); and a model and its agents form reference cycles that only
    a full garbage collection frees, about ten chunks late. Dropping the registry entry and
    the attributes frees the arrays at once.
    """
    import mesa

    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)
    for agent in list(model.agents):
        agent.__dict__.clear()
    model.__dict__.clear()


def iter_chunks(
    scenario: Scenario,
    seed: int,
    runs: int,
    *,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    with_csv: bool = True,
    keep_params: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[ChunkOutput]:
    """Run every chunk and yield the outputs in chunk order."""
    from sim.executors import map_ordered

    work = partial(run_chunk, with_csv=with_csv, keep_params=keep_params)
    tasks = [(scenario, seed, chunk) for chunk in plan_chunks(runs, chunk_size)]
    yield from map_ordered(work, tasks, jobs=jobs, executor=executor, scheduler=scheduler)


def run_ensemble(
    scenario: Scenario,
    runs: int,
    seed: int | None = None,
    *,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> EnsembleResult:
    """Run a scenario in memory and return every replicate, drawn parameters included."""
    seed = scenario.seed if seed is None else seed
    parts = []
    for out in iter_chunks(
        scenario,
        seed,
        runs,
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
        with_csv=False,
        keep_params=True,
    ):
        parts.append(out.result)
        if progress is not None:
            progress(len(out.result))
    return EnsembleResult.concatenate(parts)
