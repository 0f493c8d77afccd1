"""Outcomes of an ensemble: one row per replicate, as aligned numpy arrays.

:class:`EnsembleResult` is what the model produces and what summaries, files and plots
consume. It is the experiments/outcomes pair of exploratory modelling in one object:
the drawn parameters (``params``, one array per dotted path) next to the outcomes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.events import COUNTERS, EVENT_COUNTER_PREFIXES

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]


class Outcome(IntEnum):
    """The state a replicate is in at the end of the window (or ended in). Never merged:
    each has its own cause, and every replicate is in exactly one."""

    SETTLEMENT = 0  # a settlement of every issue, ratified, in force
    BREAKDOWN = 1  # the talks left: a walk-out, an opt-out or the known deadline
    MEDIATOR_EXIT = 2  # the mediator left and the talks ended with it
    STALEMATE = 3  # war, talks still going, at the window's end
    CEASEFIRE = 4  # a ceasefire in force at the window's end (issues deferred)
    AGREEMENT = 0  # the first version's name of SETTLEMENT (an alias)

    @property
    def label(self) -> str:
        return self.name.lower()


OUTCOME_LABELS = tuple(o.label for o in Outcome)
OUTCOME_ALIASES = {"agreement": "settlement"}  # older spellings still accepted


def outcome_label(name: str) -> str:
    """The state's label for a name or one of its older spellings."""
    return OUTCOME_ALIASES.get(name, name)


NO_ONE = -1  # walkout_by when nobody walked out


def arrow_column(values: np.ndarray) -> pa.Array:
    """A column of numbers, booleans or text (an object array of str) as an Arrow array,
    built from its buffers: ``pyarrow.array`` imports pandas to rule out a pandas input,
    which costs a third of a CPU-second per process (:mod:`sim.mesa_import`)."""
    import pyarrow as pa

    n = len(values)
    if values.dtype == object:
        text = [v.encode("utf-8") for v in values.tolist()]
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum([len(t) for t in text], out=offsets[1:])
        buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(text))]
        return pa.Array.from_buffers(pa.string(), n, buffers)
    if values.dtype == bool:
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(bits)])
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), n, [None, pa.py_buffer(values)])


@dataclass(frozen=True)
class EnsembleResult:
    """Per-replicate outcomes of one scenario run.

    Shapes: N replicates, K issues, P parties, A actors (parties, then the mediator).
    ``terms`` is NaN where there was no agreement. ``utility`` is each actor's utility of
    the end state: the agreed package, or (without agreement) the package that the war
    leaves at the final front line; costs are reported separately.

    ``net_gain`` (N, A) answers "who gains" at one date, the end of the window: the
    utility of the state at the window's end net of the cost of war the party paid until
    then. A deal is valued at its terms, net of the cost paid until it was made; a war
    ending (breakdown, mediator exit, stalemate) at the war's package at the window's end,
    the front carried forward at its expected drift and the cost at its expected rate
    from the round the talks ended (``NegotiationModel.result``). The mediator pays no cost.
    ``signed_rejected`` (N,) is the first round in which the governments signed a package
    that a public then rejected (0: never); ``failed_ratifications`` counts them.
    """

    scenario: str
    issues: tuple[str, ...]
    parties: tuple[str, ...]
    actors: tuple[str, ...]
    rounds: int
    round_days: float
    replicate: np.ndarray  # (N,) int64, global replicate index
    outcome: np.ndarray  # (N,) int8, Outcome codes
    end_round: np.ndarray  # (N,) int16, 1-based round in which it ended
    terms: np.ndarray  # (N, K)
    utility: np.ndarray  # (N, A)
    front_line: np.ndarray  # (N,)
    cost: np.ndarray  # (N, P) accumulated cost of war
    counters: Mapping[str, np.ndarray]  # name -> (N,) int, in the order of sim.events
    failed_ratifications: np.ndarray  # (N,) int
    pressure_used: np.ndarray  # (N,) int, lever uses
    walkout_by: np.ndarray  # (N,) int8, party index or NO_ONE
    compromise: np.ndarray  # (N, K) salience-weighted mean of the parties' ideals
    params: Mapping[str, np.ndarray] = field(default_factory=dict)  # path -> (N,)
    # (N,) float: the round the mediator left, NaN where it did not (None: not recorded)
    mediator_exit_round: np.ndarray | None = None
    # per-event and per-actor counts (``strikes.<event>``, ``strikes_by.<party>``, ...; see
    # EVENT_COUNTER_PREFIXES) -> (N,)
    event_counters: Mapping[str, np.ndarray] = field(default_factory=dict)
    # the further fronts' lines at the end (``world.fronts``): name -> (N,), in
    # replicates.csv as ``front_line.<name>`` (``front_line`` is the first front's)
    fronts: Mapping[str, np.ndarray] = field(default_factory=dict)
    net_gain: np.ndarray | None = None  # (N, A); None: the utility (no cost known)
    signed_rejected: np.ndarray | None = None  # (N,) int16; None: unknown, as never
    # the stage at the end of each round (N, R), codes of sim.agreements.stages; None for
    # results built without it (every replicate then counts as at war)
    stage: np.ndarray | None = None
    start_date: str | None = None  # ISO date of round 1
    report_dates: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.net_gain is None:
            object.__setattr__(self, "net_gain", np.asarray(self.utility, dtype=float).copy())
        if self.signed_rejected is None:
            n = int(np.asarray(self.outcome).shape[0])
            object.__setattr__(self, "signed_rejected", np.zeros(n, dtype=np.int16))

    @property
    def stages(self) -> np.ndarray:
        """The stage record (N, R), all war where the result carries none."""
        if self.stage is None:
            return np.zeros((len(self), self.rounds), dtype=np.int8)
        return self.stage

    def counter(self, name: str) -> np.ndarray:
        """One of the event counters (``strikes``, ``violations``, ...), per replicate."""
        return self.counters[name]

    def __len__(self) -> int:
        return int(self.outcome.shape[0])

    def counts(self) -> dict[str, int]:
        """Replicates per outcome class."""
        c = np.bincount(self.outcome.astype(np.int64), minlength=len(Outcome))
        return {o.label: int(c[o]) for o in Outcome}

    def take(self, mask_or_index: np.ndarray) -> EnsembleResult:
        """The replicates selected by a boolean mask or an index array."""
        sel = np.asarray(mask_or_index)
        kw = {name: getattr(self, name)[sel] for name in _ARRAY_FIELDS}
        mer = self.mediator_exit_round
        return EnsembleResult(
            mediator_exit_round=None if mer is None else mer[sel],
            event_counters={k: v[sel] for k, v in self.event_counters.items()},
            fronts={k: v[sel] for k, v in self.fronts.items()},
            counters={k: v[sel] for k, v in self.counters.items()},
            scenario=self.scenario,
            issues=self.issues,
            parties=self.parties,
            actors=self.actors,
            rounds=self.rounds,
            round_days=self.round_days,
            params={k: v[sel] for k, v in self.params.items()},
            stage=None if self.stage is None else self.stage[sel],
            start_date=self.start_date,
            report_dates=self.report_dates,
            **kw,
        )

    def without_params(self) -> EnsembleResult:
        """The same outcomes without the drawn parameters (to keep memory small)."""
        return replace(self, params={})

    @staticmethod
    def concatenate(parts: Sequence[EnsembleResult]) -> EnsembleResult:
        """Join chunks, in the order given (callers sort by chunk index first)."""
        first = parts[0]
        kw = {name: np.concatenate([getattr(p, name) for p in parts]) for name in _ARRAY_FIELDS}
        params = {
            k: np.concatenate([p.params[k] for p in parts])
            for k in first.params
            if all(k in p.params for p in parts)
        }
        mers = [p.mediator_exit_round for p in parts]
        return EnsembleResult(
            mediator_exit_round=(
                None if any(m is None for m in mers) else np.concatenate(mers)  # type: ignore[arg-type]
            ),
            event_counters={
                k: np.concatenate([p.event_counters[k] for p in parts])
                for k in first.event_counters
                if all(k in p.event_counters for p in parts)
            },
            fronts={
                k: np.concatenate([p.fronts[k] for p in parts])
                for k in first.fronts
                if all(k in p.fronts for p in parts)
            },
            counters={k: np.concatenate([p.counters[k] for p in parts]) for k in first.counters},
            scenario=first.scenario,
            issues=first.issues,
            parties=first.parties,
            actors=first.actors,
            rounds=first.rounds,
            round_days=first.round_days,
            params=params,
            stage=(
                None
                if any(p.stage is None for p in parts)
                else np.concatenate([p.stage for p in parts if p.stage is not None])
            ),
            start_date=first.start_date,
            report_dates=first.report_dates,
            **kw,
        )

    # ---- tabular form -------------------------------------------------------------
    def columns(self) -> dict[str, np.ndarray]:
        """Column name -> 1-D array, in the order of ``replicates.csv``."""
        cols: dict[str, np.ndarray] = {
            "replicate": self.replicate,
            "outcome": np.asarray(OUTCOME_LABELS, dtype=object)[self.outcome.astype(np.int64)],
            "end_round": self.end_round,
        }
        for k, issue in enumerate(self.issues):
            cols[f"terms.{issue}"] = self.terms[:, k]
        for a, actor in enumerate(self.actors):
            cols[f"utility.{actor}"] = self.utility[:, a]
        cols["front_line"] = self.front_line
        for name, line in self.fronts.items():
            cols[f"front_line.{name}"] = line
        for p, party in enumerate(self.parties):
            cols[f"cost.{party}"] = self.cost[:, p]
        for name, counts in self.counters.items():
            cols[name] = counts
        for name, counts in self.event_counters.items():
            cols[name] = counts
        cols["failed_ratifications"] = self.failed_ratifications
        assert self.net_gain is not None and self.signed_rejected is not None
        cols["signed_rejected"] = self.signed_rejected
        for a, actor in enumerate(self.actors):
            cols[f"net_gain.{actor}"] = self.net_gain[:, a]
        cols["pressure_used"] = self.pressure_used
        if self.mediator_exit_round is not None:
            cols["mediator_exit_round"] = self.mediator_exit_round
        names = np.asarray(("",) + self.parties, dtype=object)
        cols["walkout_by"] = names[self.walkout_by.astype(np.int64) + 1]
        cols.update(staged_columns(self))
        for k, issue in enumerate(self.issues):
            cols[f"compromise.{issue}"] = self.compromise[:, k]
        for path, values in self.params.items():
            cols[f"param.{path}"] = values
        return cols

    def to_arrow(self) -> pa.Table:
        """The columns of ``replicates.csv`` as a pyarrow table (pyarrow must be installed):
        the one source of both ``replicates.csv`` and ``replicates.parquet``."""
        import pyarrow as pa  # type: ignore[import-untyped]

        return pa.table({name: arrow_column(v) for name, v in self.columns().items()})

    def to_csv_text(self, header: bool = True) -> str:
        """The replicates as CSV, ``nan`` for none. Written column by column by pyarrow
        (floats in their shortest round-trip form, so the file holds every value exactly);
        without pyarrow, row by row with 10 significant digits."""
        try:
            table = self.to_arrow()
        except ImportError:
            return self._to_csv_text_rows(header)
        return csv_text(table, header)

    def _to_csv_text_rows(self, header: bool = True) -> str:
        cols = self.columns()
        formats = []
        for values in cols.values():
            if values.dtype == object:
                formats.append("%s")
            elif np.issubdtype(values.dtype, np.integer):
                formats.append("%d")
            else:
                formats.append("%.10g")
        row = ",".join(formats)
        lines = [row % r for r in zip(*(v.tolist() for v in cols.values()), strict=True)]
        text = "\n".join(lines) + ("\n" if lines else "")
        return (",".join(cols) + "\n" + text) if header else text


def csv_text(table: pa.Table, header: bool) -> str:
    """A table's rows as CSV text (no quoting: labels and names hold no commas)."""
    return csv_bytes(table, header).decode("utf-8")


def csv_bytes(table: pa.Table, header: bool) -> bytes:
    """:func:`csv_text` encoded in UTF-8, as pyarrow writes it: for a file, without the
    round trip through a str (decoding and encoding again cost more than the write)."""
    import pyarrow.csv as pacsv  # type: ignore[import-untyped]

    sink = io.BytesIO()
    if header:
        sink.write((",".join(table.column_names) + "\n").encode("utf-8"))
    if table.num_rows:
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return sink.getvalue()


_ARRAY_FIELDS = (
    "replicate",
    "outcome",
    "end_round",
    "terms",
    "utility",
    "front_line",
    "cost",
    "failed_ratifications",
    "pressure_used",
    "walkout_by",
    "compromise",
    "net_gain",
    "signed_rejected",
)


def staged_columns(result: EnsembleResult) -> dict[str, np.ndarray]:
    """The staged-agreement columns: first ceasefire round, ceasefires, collapses, days
    under ceasefire, settlement round, the per-date indicators and the stage record."""
    from sim.agreements import stages as st
    from sim.agreements.calendar import Calendar

    stage = result.stages
    cols = st.per_replicate(stage)
    days = cols.pop("ceasefire_rounds").astype(float) * result.round_days
    out: dict[str, np.ndarray] = {
        "first_ceasefire_round": cols["first_ceasefire_round"],
        "ceasefires": cols["ceasefires"],
        "collapses": cols["collapses"],
        "ceasefire_days": days,
        "settlement_round": cols["settlement_round"],
    }
    if result.start_date is not None:
        cal = Calendar(result.start_date, result.round_days, result.rounds)
        for date in result.report_dates:
            for name, values in cal.indicators(stage, date).items():
                out[f"{name}.{date}"] = values.astype(np.int64)
    out["stages"] = st.encode(stage)
    return out


def read_replicates_csv(
    path: str | Path,
    *,
    scenario: str,
    issues: Sequence[str],
    parties: Sequence[str],
    actors: Sequence[str],
    rounds: int,
    round_days: float,
) -> EnsembleResult:
    """Read ``replicates.csv`` back into an :class:`EnsembleResult`."""
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    data = {name: [r[i] for r in rows] for i, name in enumerate(header)}

    def num(name: str, dtype: type = float) -> np.ndarray:
        vals = data[name]
        if dtype is float:
            return np.array(
                [float(v) if v not in ("", "nan") else np.nan for v in vals], dtype=float
            )
        return np.array([int(v) for v in vals], dtype=dtype)

    label_code = {label: i for i, label in enumerate(OUTCOME_LABELS)}
    label_code.update({old: label_code[new] for old, new in OUTCOME_ALIASES.items()})
    party_code = {p: i for i, p in enumerate(parties)}
    n = len(rows)
    return EnsembleResult(
        scenario=scenario,
        issues=tuple(issues),
        parties=tuple(parties),
        actors=tuple(actors),
        rounds=rounds,
        round_days=round_days,
        replicate=num("replicate", np.int64),
        outcome=np.array([label_code[v] for v in data["outcome"]], dtype=np.int8),
        end_round=num("end_round", np.int16),
        terms=np.column_stack([num(f"terms.{i}") for i in issues]) if issues else np.zeros((n, 0)),
        utility=np.column_stack([num(f"utility.{a}") for a in actors]),
        front_line=num("front_line"),
        cost=np.column_stack([num(f"cost.{p}") for p in parties]),
        counters={name: num(name, np.int64) for name in COUNTERS},
        failed_ratifications=num("failed_ratifications", np.int64),
        pressure_used=num("pressure_used", np.int64),
        walkout_by=np.array([party_code.get(v, NO_ONE) for v in data["walkout_by"]], dtype=np.int8),
        compromise=np.column_stack([num(f"compromise.{i}") for i in issues]),
        mediator_exit_round=(
            num("mediator_exit_round") if "mediator_exit_round" in header else None
        ),
        event_counters={
            name: num(name, np.int64) for name in header if name.startswith(EVENT_COUNTER_PREFIXES)
        },
        fronts={
            name[len("front_line.") :]: num(name)
            for name in header
            if name.startswith("front_line.")
        },
        params={name[len("param.") :]: num(name) for name in header if name.startswith("param.")},
        net_gain=(
            np.column_stack([num(f"net_gain.{a}") for a in actors])
            if all(f"net_gain.{a}" in data for a in actors)
            else None
        ),
        signed_rejected=num("signed_rejected", np.int16) if "signed_rejected" in data else None,
        stage=_stages(data, rounds, n),
    )


def _stages(data: dict[str, list[str]], rounds: int, n: int) -> np.ndarray | None:
    """The stage record from the ``stages`` column (None in files written without it)."""
    from sim.agreements.stages import decode

    if "stages" not in data:
        return None
    return decode(data["stages"], rounds)


# ---- outcomes by name: the end states, and events along the way ------------------------

EVENT_PREFIXES = ("ceasefire_by", "settlement_by", "ceasefire_on")


def is_event(name: str) -> bool:
    """Whether an outcome name is an event along the way (``ceasefire_by:2026-03-31``)."""
    return name.partition(":")[0] in EVENT_PREFIXES and ":" in name


def check_outcome_name(name: str) -> str:
    """The canonical outcome name: an end state (or an older spelling of one), or an event
    ``ceasefire_by:WHEN``, ``settlement_by:WHEN``, ``ceasefire_on:WHEN`` with WHEN a date
    YYYY-MM-DD or a round number. Raises ValueError with the choices otherwise."""
    import datetime as dt

    label = outcome_label(name)
    if label in OUTCOME_LABELS:
        return label
    if is_event(name):
        when = name.partition(":")[2]
        if when.isdigit():
            return name
        try:
            dt.date.fromisoformat(when)
            return name
        except ValueError:
            pass
    raise ValueError(
        f"unknown outcome class {name!r} (expected one of {', '.join(OUTCOME_LABELS)}, or an "
        f"event {', '.join(p + ':DATE' for p in EVENT_PREFIXES)} (DATE YYYY-MM-DD or a "
        "round number))"
    )


def event_names(result: EnsembleResult) -> list[str]:
    """The events the scenario's report dates ask for, e.g. ``ceasefire_by:2026-03-31``."""
    if result.start_date is None:
        return []
    return [f"{p}:{d}" for d in result.report_dates for p in EVENT_PREFIXES]


def indicator(result: EnsembleResult, name: str) -> np.ndarray:
    """Per replicate, whether the named outcome (an end state or an event) happened."""
    from sim.agreements.calendar import Calendar, event_indicator

    label = check_outcome_name(name)
    if label in OUTCOME_LABELS:
        return result.outcome == OUTCOME_LABELS.index(label)
    cal = (
        Calendar(result.start_date, result.round_days, result.rounds)
        if result.start_date is not None
        else None
    )
    return event_indicator(result.stages, label, cal)


def hits(codes: np.ndarray, name: str) -> np.ndarray:
    """Whether each outcome code is the named end state; for an event, ``codes`` already
    holds its 0/1 indicator (as the exploration commands store it)."""
    label = check_outcome_name(name)
    if label in OUTCOME_LABELS:
        return codes == OUTCOME_LABELS.index(label)
    return codes == 1
