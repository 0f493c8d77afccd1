"""Round-by-round data of a whole ensemble (``negsim run --record rounds``).

A :class:`RoundRecorder` is handed to :class:`~sim.model.NegotiationModel` when rounds are
recorded; the model calls :meth:`RoundRecorder.record` once at the end of every step, with
the round's :class:`~sim.rounds.RoundState`. The recorder copies out, for every replicate
that negotiated in that round, one row: the front line, each party's BATNA, aspiration,
value of the proposal, response, public approval, cost and the pressure on it, the
proposal per issue, the events of the round (counts by event counter), and the state of
the talks after the round (``talking`` or how they ended). :meth:`RoundRecorder.table`
turns a chunk's rows into one Arrow table, sorted by replicate and round, which the runner
appends to ``rounds.parquet`` chunk by chunk: memory is bounded by the chunks in flight,
never by the run.

The numbers are the ones the trace prints for the same replicate (``negsim trace``): the
recorder reads the same arrays the trace's :class:`~sim.rounds.RoundRecord` is made from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.events import COUNTERS
from sim.outcomes import OUTCOME_LABELS

if TYPE_CHECKING:
    import pyarrow

    from sim.model import NegotiationModel
    from sim.rounds import RoundState

ROUNDS_PARQUET = "rounds.parquet"
TALKING = "talking"
STATES = (TALKING, *OUTCOME_LABELS)  # the ``state`` column's values, codes 0..4
MEDIATOR = "mediator"


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
        proposer = (
            MEDIATOR if now.proposal.proposer is None else self.parties[now.proposal.proposer]
        )
        self._add("proposer", np.where(talking, proposer, "").astype(object))
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
            if name == "state":
                arrays[name] = pa.DictionaryArray.from_arrays(
                    pa.array(values, pa.int8()), pa.array(STATES)
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
    fields += [("state", pa.dictionary(pa.int8(), pa.string()))]
    return pa.schema(fields).empty_table()


class RoundsWriter:
    """Appends each chunk's table to one Parquet file, under a temporary name until
    :meth:`close` moves it into place (an interrupted run leaves no partial file)."""

    def __init__(self, path: Any) -> None:
        from pathlib import Path

        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.name}.tmp")
        self._writer: Any = None

    def write(self, table: pyarrow.Table) -> None:
        import pyarrow.parquet as pq

        if self._writer is None:
            self._writer = pq.ParquetWriter(self.tmp, table.schema, compression="zstd")
        self._writer.write_table(table.cast(self._writer.schema))

    def close(self) -> None:
        """Finish the file and move it into place."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self.tmp.replace(self.path)

    def abort(self) -> None:
        """Drop the partial file."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.tmp.unlink(missing_ok=True)
