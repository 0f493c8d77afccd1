"""Round-by-round data of a whole ensemble (``negsim run --record rounds``).

A :class:`RoundRecorder` is handed to :class:`~sim.model.NegotiationModel` when rounds are
recorded; the model calls :meth:`RoundRecorder.record` once at the end of every step, with
the round's :class:`~sim.rounds.RoundState`. The recorder copies out, for every replicate
that negotiated in that round, one row: the front line, each party's BATNA, aspiration,
value of the proposal, response, public approval, cost and the pressure on it, the
proposal per issue, the events of the round (counts by event counter), the state of the
talks after the round (``talking`` or how they ended) and the stage of the agreements then
(``war``, ``truce``, ``ceasefire``, ``settlement`` or ``over``, as in the ``stages`` column
of ``replicates.csv``). :meth:`RoundRecorder.table` turns a chunk's rows into one Arrow
table, sorted by replicate and round, which :class:`RoundsWriter` writes as one file of the
Parquet dataset folder ``rounds/`` (``rounds/part-00000.parquet``, one file per chunk, in
replicate order): memory is bounded by the chunks in flight, never by the run.
:func:`read_rounds` and :func:`iter_round_batches` read the folder back, ordered by
replicate and round.

The numbers are the ones the trace prints for the same replicate (``negsim trace``): the
recorder reads the same arrays the trace's :class:`~sim.rounds.RoundRecord` is made from.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.agreements.stages import STAGE_NAMES
from sim.events import COUNTERS
from sim.outcomes import OUTCOME_LABELS

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import pandas
    import pyarrow

    from sim.model import NegotiationModel
    from sim.rounds import RoundState

ROUNDS_DIR = "rounds"  # the Parquet dataset folder of a run: one file per chunk
LEGACY_ROUNDS_FILE = "rounds.parquet"  # the single file runs wrote before the folder
PART = "part-{:05d}.parquet"
TALKING = "talking"
STATES = (TALKING, *OUTCOME_LABELS)  # the ``state`` column's values, codes 0..4
MEDIATOR = "mediator"
# small-integer columns stored as dictionaries of their names
CODED = {"state": STATES, "stage": STAGE_NAMES}


def party_columns(parties: tuple[str, ...] | list[str]) -> list[str]:
    """The per-party column stems, ``<stem>.<party>``, in table order."""
    stems = ("batna", "aspiration", "utility", "accept", "vote", "cost", "pressure")
    return [f"{s}.{p}" for s in stems for p in parties]


class RoundRecorder:
    """Collects the rows of every round of one ensemble model (one chunk of a run)."""

    def __init__(self, model: NegotiationModel) -> None:
        self.parties = tuple(model.negotiation.party_names)
        self.issues = tuple(model.negotiation.issue_names)
        self._columns: dict[str, list[np.ndarray]] = {}
        # event counters are cumulative per replicate: a round's events are the increments
        self._seen = {name: np.zeros(model.n, dtype=np.int64) for name in COUNTERS}

    def _add(self, name: str, values: np.ndarray) -> None:
        self._columns.setdefault(name, []).append(values)

    def record(self, model: NegotiationModel, now: RoundState) -> None:
        """Keep the round just played, for the replicates that negotiated in it."""
        rows = np.flatnonzero(now.live)
        self._add("replicate", model.replicates[rows])
        self._add("round", np.full(rows.size, model.round, dtype=np.int16))
        front = np.full(model.n, np.nan) if model.front is None else model.front
        self._add("front", front[rows])
        self._add("move", model.move[rows])
        talking = now.talking[rows]
        self._add("talking", talking)
        names = np.array([*self.parties, MEDIATOR], dtype=object)
        assert now.proposed_by is not None, "set by the proposal phase"
        self._add("proposer", np.where(talking, names[now.proposed_by[rows]], "").astype(object))
        for k, issue in enumerate(self.issues):
            self._add(f"proposal.{issue}", now.proposal.x[rows, k])
        no_offer = np.where(talking, 0.0, np.nan)
        for i, party in enumerate(self.parties):
            agent = model.party_agents[i]
            self._add(f"batna.{party}", now.batna[rows, i])
            self._add(f"aspiration.{party}", now.aspiration[rows, i])
            self._add(f"utility.{party}", now.utility[rows, i] + no_offer)
            self._add(f"accept.{party}", now.accept[rows, i])
            self._add(f"vote.{party}", now.votes[rows, i])
            self._add(f"cost.{party}", agent.accumulated_cost[rows])
            self._add(f"pressure.{party}", agent.pressure[rows])
        for name in COUNTERS:
            count = model.counters[name]
            self._add(f"events.{name}", (count - self._seen[name])[rows].astype(np.int32))
            self._seen[name] = count.copy()
        self._add("ratification_failed", now.failed[rows])
        ended = ~model.active[rows]
        state = np.where(ended, model.outcome[rows].astype(np.int8) + 1, 0).astype(np.int8)
        self._add("state", state)
        # the agreements' stage after the round, as recorded for replicates.csv's stages
        self._add("stage", model.agreements.stage[rows, model.round - 1].astype(np.int8))

    def table(self) -> pyarrow.Table:
        """The recorded rows as one Arrow table, sorted by replicate, then round."""
        import pyarrow as pa

        if not self._columns:
            return empty_table(self.parties, self.issues)
        # one column at a time, each freed as soon as it is an Arrow array: the peak is
        # the recorded rounds plus one column, not two copies of the table
        columns = self._columns
        order = np.lexsort((np.concatenate(columns["round"]), np.concatenate(columns["replicate"])))
        arrays: dict[str, Any] = {}
        for name in list(columns):
            values = np.concatenate(columns.pop(name))[order]
            if name in CODED:
                arrays[name] = pa.DictionaryArray.from_arrays(
                    pa.array(values, pa.int8()), pa.array(CODED[name])
                )
            elif name == "proposer":
                arrays[name] = pa.array(values, pa.string()).dictionary_encode()
            else:
                arrays[name] = pa.array(values)
            del values
        return pa.table(arrays)


def empty_table(parties: tuple[str, ...], issues: tuple[str, ...]) -> pyarrow.Table:
    """A table with no rows and the recorder's columns (a chunk where no round was played)."""
    import pyarrow as pa

    floats = ["front", "move", *(f"proposal.{k}" for k in issues)]
    fields: list[tuple[str, Any]] = [("replicate", pa.int64()), ("round", pa.int16())]
    fields += [(f, pa.float64()) for f in floats[:2]]
    fields += [("talking", pa.bool_()), ("proposer", pa.dictionary(pa.int32(), pa.string()))]
    fields += [(f, pa.float64()) for f in floats[2:]]
    for col in party_columns(parties):
        fields.append((col, pa.bool_() if col.startswith("accept.") else pa.float64()))
    fields += [(f"events.{c}", pa.int32()) for c in COUNTERS]
    fields += [("ratification_failed", pa.bool_())]
    fields += [(name, pa.dictionary(pa.int8(), pa.string())) for name in CODED]
    return pa.schema(fields).empty_table()


class RoundsWriter:
    """Writes each chunk's table as the next file of the dataset folder ``path``
    (``part-00000.parquet``, ``part-00001.parquet``, ... in chunk order), under a
    temporary name until :meth:`close` moves the folder into place (an interrupted run
    leaves no partial data)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.name}.tmp")
        self.schema: pyarrow.Schema | None = None
        self.parts = 0

    def write(self, table: pyarrow.Table) -> None:
        import pyarrow.parquet as pq

        if self.schema is None:
            shutil.rmtree(self.tmp, ignore_errors=True)  # left by a run that was killed
            self.tmp.mkdir(parents=True)
            self.schema = table.schema
        part = self.tmp / PART.format(self.parts)
        pq.write_table(table.cast(self.schema), part, compression="zstd")
        self.parts += 1

    def close(self) -> None:
        """Move the finished folder into place (replacing an older one)."""
        if self.schema is None:
            return
        if self.path.is_dir():
            shutil.rmtree(self.path)
        self.tmp.replace(self.path)
        self.schema = None

    def abort(self) -> None:
        """Drop the partial folder."""
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.schema = None


def rounds_path(folder: str | os.PathLike[str]) -> Path | None:
    """A results folder's round-by-round data: its ``rounds/`` dataset, else the single
    ``rounds.parquet`` of a run saved before the folder layout; None when not recorded."""
    base = Path(folder)
    if (base / ROUNDS_DIR).is_dir():
        return base / ROUNDS_DIR
    if (base / LEGACY_ROUNDS_FILE).is_file():
        return base / LEGACY_ROUNDS_FILE
    return None


def _dataset(path: str | os.PathLike[str]) -> Any:
    import pyarrow.dataset as ds

    # the part files' names sort in chunk order (zero-padded), hence in replicate order
    return ds.dataset(str(path), format="parquet")


def read_rounds_table(
    path: str | os.PathLike[str],
    columns: Sequence[str] | None = None,
    replicate: int | None = None,
) -> pyarrow.Table:
    """The rows of a ``rounds/`` folder (or a single file) as one Arrow table, ordered by
    replicate and round; ``replicate`` keeps that replicate's rows only."""
    import pyarrow.dataset as ds

    flt = None if replicate is None else ds.field("replicate") == int(replicate)
    keys = ["replicate", "round"]
    cols = None if columns is None else list(dict.fromkeys([*keys, *columns]))
    table = _dataset(path).to_table(columns=cols, filter=flt)
    reps = table.column("replicate").to_numpy().astype(np.int64)
    rounds = table.column("round").to_numpy().astype(np.int64)
    order = np.lexsort((rounds, reps))
    if np.any(order != np.arange(order.size)):  # never for files this recorder wrote
        table = table.take(order)
    return table if columns is None else table.select(list(columns))


def read_rounds(
    path: str | os.PathLike[str], columns: Sequence[str] | None = None
) -> pandas.DataFrame:
    """The rows of a ``rounds/`` folder (or a single file) as a DataFrame, ordered by
    replicate and round."""
    return read_rounds_table(path, columns).to_pandas()


def iter_round_batches(
    path: str | os.PathLike[str], columns: Sequence[str], batch_size: int = 1 << 18
) -> Iterator[pyarrow.RecordBatch]:
    """The chosen columns of a ``rounds/`` folder (or a single file), a batch at a time:
    memory bounded by the batch, whatever the size of the run."""
    yield from _dataset(path).to_batches(columns=list(columns), batch_size=batch_size)
