"""The one ensemble runner: build each chunk's model, run it, free it, stream the CSV.

Every command that simulates (``run``, ``compare``, ``sweep``, ``sensitivity``,
``discover``) and the Python API go through this module: :func:`run_model` is the only
place an ensemble :class:`~sim.model.NegotiationModel` is built, run and freed, and
:func:`run_replicates` runs a whole scenario chunk by chunk (see :mod:`sim.ensemble`),
streaming ``replicates.csv`` into a folder as the chunks arrive so that memory stays
bounded by the chunks in flight.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

import numpy as np

from sim.allocator import reuse_large_blocks
from sim.outcomes import EnsembleResult
from sim.scenario import Scenario

REPLICATES_CSV = "replicates.csv"
REPLICATES_PARQUET = "replicates.parquet"


def run_model(
    scenario: Scenario,
    seed: int,
    replicates: np.ndarray,
    *,
    rng: np.random.Generator | None = None,
    parameter_values: Mapping[str, np.ndarray] | None = None,
    rounds_sink: list[Any] | None = None,
) -> EnsembleResult:
    """Build one ensemble model over ``replicates``, run it to the end and free it.

    ``rng`` seeds Mesa's own generator (chunks pass one derived from the seed and the
    chunk index); ``parameter_values`` fixes uncertain parameters per replicate instead of
    drawing them (sensitivity designs). With ``rounds_sink`` the model records every round
    (:mod:`sim.recorder`) and the rounds' Arrow table is appended to that list. The model
    is freed before returning, so nothing but the returned arrays outlives the call.
    """
    from sim.model import NegotiationModel
    from sim.readings import needs_drawing, run_drawn

    reuse_large_blocks()
    if needs_drawing(scenario):  # readings or a parameter sample: split, run, merge
        return run_drawn(
            scenario,
            seed,
            replicates,
            rng=rng,
            parameter_values=parameter_values,
            rounds_sink=rounds_sink,
        )
    kwargs: dict[str, Any] = {}
    if rng is not None:
        kwargs["rng"] = rng
    if parameter_values is not None:
        kwargs["parameter_values"] = dict(parameter_values)
    if rounds_sink is not None:
        kwargs["record_rounds"] = True
    model = NegotiationModel(scenario, seed=seed, replicates=replicates, **kwargs)
    try:
        result = model.run()
        if rounds_sink is not None and model.recorder is not None:
            rounds_sink.append(model.recorder.table())
        return result
    finally:
        free_model(model)


def free_model(model: Any) -> None:
    """Free a finished model's memory now.

    Mesa 3.3 keeps every model ever built as a key of ``mesa.Agent._ids``, so a worker
    would keep every chunk's arrays alive (about 33 MB a chunk, 5 GiB over a million
    replicates on two workers); and a model and its agents form reference cycles that only
    a full garbage collection frees, about ten chunks late. Dropping the registry entry
    and the attributes frees the arrays at once.
    """
    from sim.mesa_import import mesa

    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)
    for agent in list(getattr(model, "agents", ())):
        agent.__dict__.clear()
    model.__dict__.clear()


def run_replicates(
    scenario: Scenario,
    runs: int,
    seed: int,
    *,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    out_dir: Path | None = None,
    keep_params: bool = False,
    parquet: bool = True,
    progress: Callable[[int], None] | None = None,
    rounds_to: Path | None = None,
) -> EnsembleResult:
    """Run ``runs`` replicates of ``scenario`` and return them, in replicate order.

    With ``out_dir``, ``replicates.csv`` (every column, drawn parameters included) is
    streamed there chunk by chunk and moved into place when complete, with
    ``replicates.parquet`` beside it when ``parquet`` and pyarrow is installed. The
    returned result keeps the drawn parameters only with ``keep_params`` (they are the
    bulk of the memory). With ``rounds_to`` every round of every replicate is recorded
    and written chunk by chunk, one Parquet file per chunk, into that dataset folder
    (:mod:`sim.recorder`).
    ``progress`` is called with each finished chunk's size. The
    numbers depend on the scenario, ``runs`` and ``seed`` only, never on ``jobs`` or
    ``executor``.
    """
    from sim.ensemble import iter_chunks, read_arrow_file
    from sim.recorder import RoundsWriter

    parts = []
    fh = None
    tmp = None
    spill = None  # the prefix of the files worker processes leave each chunk's rows in
    # replicates.parquet is written from the same columns as replicates.csv, chunk by chunk
    with_table = out_dir is not None and parquet and _has_pyarrow()
    pq_writer: Any = None
    pq_tmp = None if out_dir is None else out_dir / f".{REPLICATES_PARQUET}.tmp"
    rounds = None if rounds_to is None else RoundsWriter(rounds_to)
    chunks = None
    try:
        if out_dir is not None:
            tmp = out_dir / f".{REPLICATES_CSV}.tmp"
            fh = open(tmp, "wb")  # the chunks come formatted, as UTF-8 bytes
            spill = str(out_dir / f".{REPLICATES_CSV}.part-{os.getpid()}-")
        chunks = iter_chunks(
            scenario,
            seed,
            runs,
            jobs=jobs,
            executor=executor,
            scheduler=scheduler,
            with_csv=out_dir is not None,
            keep_params=keep_params,
            with_table=with_table,
            record_rounds=rounds is not None,
            spill=spill,
        )
        for out in chunks:
            parts.append(out.result)
            if fh is not None:
                if out.csv_file is not None:
                    append_file(fh, out.csv_file)
                else:
                    fh.write(out.csv_rows)
            table = out.table
            if out.table_file is not None:
                table = read_arrow_file(out.table_file)
                os.unlink(out.table_file)  # its pages stay mapped until the table goes
            if table is not None:
                if pq_writer is None:
                    import pyarrow.parquet as pq  # type: ignore[import-untyped]

                    pq_writer = pq.ParquetWriter(
                        pq_tmp, table.schema, use_dictionary=dictionary_columns(table)
                    )
                pq_writer.write_table(table)
            del table
            if rounds is not None:
                rounds.write(out.rounds)
            if progress is not None:
                progress(len(out.result))
    except BaseException:
        try:
            if chunks is not None:
                chunks.close()  # the workers are stopped before their files are removed
        finally:
            if spill is not None:
                remove_spilled(spill)
        if rounds is not None:
            rounds.abort()
        if fh is not None:
            fh.close()
            fh = None
        if pq_writer is not None:
            pq_writer.close()
            pq_writer = None
        for path in (tmp, pq_tmp):
            if path is not None:
                path.unlink(missing_ok=True)
        raise
    finally:
        if fh is not None:
            fh.close()
        if pq_writer is not None:
            pq_writer.close()
    if rounds is not None:
        rounds.close()
    if out_dir is not None and tmp is not None:
        tmp.replace(out_dir / REPLICATES_CSV)
        if pq_writer is not None and pq_tmp is not None:
            pq_tmp.replace(out_dir / REPLICATES_PARQUET)
        elif parquet:
            write_parquet_copy(out_dir)
    return EnsembleResult.concatenate(parts)


def append_file(fh: Any, path: str) -> None:
    """Append the file at ``path`` to the open file ``fh`` and remove it; the kernel
    copies the bytes where it can (``copy_file_range``, ``sendfile``)."""
    fh.flush()
    out = fh.fileno()
    with open(path, "rb") as src:
        size = os.fstat(src.fileno()).st_size
        done = 0
        for copy in (_copy_file_range, _sendfile):
            try:
                while done < size:
                    n = copy(src.fileno(), out, size - done)
                    if n == 0:
                        break
                    done += n
                break
            except (AttributeError, OSError) as exc:
                if isinstance(exc, OSError) and exc.errno not in _NO_KERNEL_COPY:
                    raise
        if done < size:  # no kernel copy here (or the file changed under us)
            src.seek(done)
            for block in iter(lambda: src.read(1 << 20), b""):
                fh.write(block)
                done += len(block)
        if done != size:
            raise OSError(errno.EIO, f"{path}: {size} bytes expected, {done} copied")
    os.unlink(path)


_NO_KERNEL_COPY = (errno.ENOSYS, errno.EXDEV, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP)


def _copy_file_range(src: int, dst: int, count: int) -> int:
    return os.copy_file_range(src, dst, count)  # AttributeError where it is missing


def _sendfile(src: int, dst: int, count: int) -> int:
    return os.sendfile(dst, src, None, count)


def remove_spilled(prefix: str) -> None:
    """Remove every file a run's workers left under ``prefix`` (see sim.ensemble.run_chunk)."""
    folder, name = os.path.split(prefix)
    with suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(name):
                with suppress(FileNotFoundError):
                    os.unlink(entry.path)


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def write_parquet_copy(folder: Path) -> None:
    """``replicates.parquet`` beside ``replicates.csv`` when pyarrow is installed."""
    try:
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq
    except ImportError:
        return
    table = pacsv.read_csv(folder / REPLICATES_CSV)
    tmp = folder / f".{REPLICATES_PARQUET}.tmp"
    pq.write_table(table, tmp, use_dictionary=dictionary_columns(table))
    tmp.replace(folder / REPLICATES_PARQUET)


def dictionary_columns(table: Any) -> list[str]:
    """The columns of ``replicates.parquet`` worth a dictionary: labels and counts. A
    float column (utilities, costs, drawn parameters) holds nearly as many values as rows,
    so that pyarrow would build its dictionary only to drop it at the page's limit: that
    attempt cost 60 % of the file's writing time and made the file larger."""
    import pyarrow as pa

    return [f.name for f in table.schema if not pa.types.is_floating(f.type)]
