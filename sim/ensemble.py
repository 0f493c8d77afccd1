"""Planning and executing a Monte Carlo run: fixed-size chunks, gathered in index order.

A run of R replicates is cut into chunks of at most ``CHUNK_SIZE`` consecutive replicate
indices, of equal sizes (within one), as many as a multiple of the cores of a usual
machine (:func:`plan_chunks`).
Each chunk is one :class:`~sim.model.NegotiationModel` (an ensemble) whose Mesa ``rng`` is
seeded from the run's seed and the chunk's index, and whose replicates draw from their
own streams (``sim.streams``). Chunks may run in this process, in worker processes or on
a dask cluster; results are gathered by chunk index, so the numbers are identical
whatever the number of workers or the executor.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from sim.outcomes import EnsembleResult
from sim.scenario import Scenario

#: replicates per chunk. The numbers never depend on it (each replicate draws from its own
#: streams); a larger chunk spreads numpy's cost per call over more replicates (each of a
#: scenario's readings is a model of its own share of the chunk), a smaller one holds less
#: memory per worker and splits short runs among more workers. At 16,384 the baseline runs
#: about 15 % faster than at 8,192, for about 50 MiB more peak memory per worker.
CHUNK_SIZE = 16384
#: the number of chunks of a run of several is a multiple of this (two if it is two or
#: three): two or four workers then finish together, where with equal chunks and a short
#: last one, one worker ran its last chunk while the other waited (up to 1.8 s of a
#: million-replicate run on two cores). The plan depends on the number of replicates only,
#: never on ``--jobs``, so the files are the same bytes whatever the number of workers.
CHUNKS_MULTIPLE = 4


@dataclass(frozen=True)
class Chunk:
    """A planned piece of work: replicates [start, stop) of a run."""

    index: int
    start: int
    stop: int


@dataclass(frozen=True)
class ChunkOutput:
    """What a worker sends back: the outcomes without the drawn parameters (kept small)
    and the chunk's rows of ``replicates.csv`` already formatted, as UTF-8 bytes (the
    first chunk's with the header line)."""

    index: int
    result: EnsembleResult
    csv_rows: bytes
    # the same columns as a pyarrow table, for ``replicates.parquet`` (when asked for)
    table: Any = None
    rounds: Any = None  # the chunk's rounds (a pyarrow Table) when they are recorded
    # with ``spill``: the files holding ``csv_rows`` and ``table`` instead (see run_chunk)
    csv_file: str | None = None
    table_file: str | None = None


def plan_chunks(runs: int, chunk_size: int = CHUNK_SIZE) -> list[Chunk]:
    """Chunks covering replicates 0..runs-1 in order: at most ``chunk_size`` replicates
    each, of sizes that differ by one at most, and (where there are several) as many as a
    multiple of :data:`CHUNKS_MULTIPLE` (of two where two or three would do), as long as
    there are replicates for them."""
    if runs <= 0:
        return []
    count = -(-runs // chunk_size)
    if count > 1:
        step = 2 if count < CHUNKS_MULTIPLE else CHUNKS_MULTIPLE
        count = min(-(-count // step) * step, runs)
    base, extra = divmod(runs, count)
    chunks, start = [], 0
    for i in range(count):
        stop = start + base + (1 if i < extra else 0)
        chunks.append(Chunk(i, start, stop))
        start = stop
    return chunks


def run_chunk(
    scenario: Scenario,
    seed: int,
    chunk: Chunk,
    *,
    with_csv: bool = True,
    keep_params: bool = False,
    with_table: bool = False,
    record_rounds: bool = False,
    spill: str | None = None,
) -> ChunkOutput:
    """Run one chunk as one ensemble model (built, run and freed by :mod:`sim.runner`).
    With ``with_table`` (pyarrow installed) the CSV rows and the returned table come from
    the same columns.

    ``spill`` (a path prefix in the output folder, for worker processes on this machine):
    the CSV rows go to the file ``<spill><index>.csv`` and the table to
    ``<spill><index>.arrow`` (Arrow IPC) instead of into the returned output, which names
    them; the caller appends and removes them. The pipe to the parent then carries a few
    MiB a chunk, not the 30 MiB of CSV and 17 MiB of table of the baseline's chunk, which
    the parent had to receive, copy and unpickle while the workers needed its core.
    """
    from sim.runner import run_model

    sink: list[Any] | None = [] if record_rounds else None
    result = run_model(
        scenario,
        seed,
        np.arange(chunk.start, chunk.stop),
        rng=np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(chunk.index,))),
        rounds_sink=sink,
    )
    table = None
    if with_table:
        from sim.outcomes import csv_bytes

        table = result.to_arrow()
        rows = csv_bytes(table, header=chunk.index == 0) if with_csv else b""
    else:
        rows = result.to_csv_text(header=chunk.index == 0).encode("utf-8") if with_csv else b""
    if not keep_params:
        result = result.without_params()
    rounds = sink[0] if sink else None
    if spill is None:
        return ChunkOutput(chunk.index, result, rows, table, rounds)
    csv_file = table_file = None
    if with_csv:
        csv_file = f"{spill}{chunk.index}.csv"
        write_new_file(csv_file, rows)
    if table is not None:
        table_file = f"{spill}{chunk.index}.arrow"
        write_arrow_file(table_file, table)
    return ChunkOutput(chunk.index, result, b"", None, rounds, csv_file, table_file)


def _open_new(path: str) -> int:
    """A new file for writing (one left by an earlier run under the same name replaced; a
    link there removed, never followed)."""
    import os

    with suppress(FileNotFoundError):
        os.unlink(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    return os.open(path, flags, 0o600)


def write_new_file(path: str, data: bytes) -> None:
    """``data`` into a new file at ``path``."""
    with open(_open_new(path), "wb") as fh:
        fh.write(data)


def write_arrow_file(path: str, table: Any) -> None:
    """``table`` into a new Arrow IPC file at ``path`` (read back by
    :func:`read_arrow_file` without a copy)."""
    import pyarrow as pa

    with open(_open_new(path), "wb") as fh, pa.ipc.new_file(fh, table.schema) as writer:
        writer.write_table(table)


def read_arrow_file(path: str) -> Any:
    """The table of an Arrow IPC file, memory-mapped (its pages are read as used)."""
    import pyarrow as pa

    # not closed here: the table's buffers keep the mapping alive, the file is closed
    # when its object goes
    return pa.ipc.open_file(pa.memory_map(path)).read_all()


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
    with_table: bool = False,
    record_rounds: bool = False,
    spill: str | None = None,
) -> Generator[ChunkOutput, None, None]:
    """Run every chunk and yield the outputs in chunk order. ``spill``: see
    :func:`run_chunk`; used only when the chunks run in worker processes on this
    machine (:func:`spills`)."""
    from sim.executors import map_ordered

    chunks = plan_chunks(runs, chunk_size)
    if not spills(len(chunks), jobs=jobs, executor=executor):
        spill = None
    work = partial(
        run_chunk,
        with_csv=with_csv,
        keep_params=keep_params,
        with_table=with_table,
        record_rounds=record_rounds,
        spill=spill,
    )
    tasks = [(scenario, seed, chunk) for chunk in chunks]
    yield from map_ordered(work, tasks, jobs=jobs, executor=executor, scheduler=scheduler)


def spills(chunks: int, *, jobs: int, executor: str) -> bool:
    """Whether chunks handed to :func:`iter_chunks` with ``spill`` come back in files:
    only from worker processes on this machine (in this process nothing is copied; a
    dask worker may not share the output folder)."""
    from sim.executors import worker_processes

    return worker_processes(jobs, chunks, executor=executor) > 0


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
    from sim.runner import run_replicates

    seed = scenario.seed if seed is None else seed
    return run_replicates(
        scenario,
        runs,
        seed,
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
        keep_params=True,
        progress=progress,
    )
