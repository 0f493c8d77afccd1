"""The interface every event kind implements, and the world a round's events act on.

An event kind is one module holding its scenario dataclass and one class: the class
declares the scenario keys the loader reads (in the schema language of
:mod:`sim.loader.kinds`), holds its per-replicate state as arrays over the model's
replicates, applies itself once per round, declares the counters it adds to (columns of
``replicates.csv`` and lines of the summary) and says in plain words what it did (the
trace). The loader (:mod:`sim.loader.events`) and the model read the kinds from
``sim.events.EVENT_KINDS``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import numpy as np

from sim.loader.kinds import Key, Param, Range
from sim.scenario import EventSpec

if TYPE_CHECKING:
    from sim.loader.tree import Node
    from sim.model import NegotiationModel

# The rounds an event applies in: every kind places these keys among its own (the loader
# then checks end_round >= start_round), and :class:`EventKind` reads them.
ROUND_KEYS = (
    Key("start_round", Param(Range(1.0), whole=True), 1.0, "first round it applies", "3"),
    Key(
        "end_round",
        Param(Range(1.0), whole=True),
        None,
        "last round it applies",
        "10",
        default_doc="absent: to the end",
    ),
)

SpecT = TypeVar("SpecT", bound=EventSpec)


@dataclass
class RoundWorld:
    """What the events of one round share: the round, which replicates are live, and the
    violations they commit (a channel any kind may feed and the mediator responds to)."""

    round: int
    live: np.ndarray  # (N,) bool: replicates still negotiating
    violator: np.ndarray  # (N, P) bool: parties seen to violate a truce this round


@dataclass(frozen=True)
class Tally:
    """What one event made so far, per replicate: ``counts`` (N,) of ``name`` (a column
    ``<name>.<event>`` of replicates.csv), made by the party ``by`` (an index; None: no
    party's), summed per party as ``<name>_by.<party>``."""

    name: str
    by: int | None
    counts: np.ndarray


class EventKind(ABC, Generic[SpecT]):
    """One event of a scenario, for every replicate of the model.

    Subclasses set the class attributes and implement :meth:`apply`; they may override
    :meth:`check_keys` (a cross-field check of the file), :meth:`link` (to find the events
    they refer to) and :meth:`notes` (the trace).
    """

    # the scenario side, read by the loader
    sections: ClassVar[tuple[str, ...]]  # the scenario's ``type`` values this kind reads
    spec_type: ClassVar[type]  # its dataclass: spec_type(name=..., type=..., **fields)
    keys: ClassVar[tuple[Key, ...]]  # the keys after ``type:``, in file order
    title: ClassVar[str]  # the section's name in errors: "a strike event"
    intro: ClassVar[str]  # its line in docs/scenarios.md
    # the model side
    counters: ClassVar[tuple[str, ...]] = ()  # per-replicate counts this kind adds to
    violable: ClassVar[bool] = False  # whether it makes truce or agreement violations
    tallied: ClassVar[tuple[str, ...]] = ()  # the names of its tallies (``tallies()``)

    @staticmethod
    def check_keys(name: str, values: dict[str, Any], root: Node) -> None:
        """A cross-field check of one event in the file, once its keys are valid.

        ``values`` maps each key to its checked value; a failure raises the one-line
        error with :func:`sim.loader.tree._fail` (``root`` locates the key's node).
        """

    def __init__(self, model: NegotiationModel, spec: SpecT) -> None:
        self.model = model
        self.spec = spec
        self.name = spec.name
        self.path = f"events.{self.name}"
        self.start = np.rint(model.param(f"{self.path}.start_round", 1.0))
        self.end = (
            np.rint(model.param(f"{self.path}.end_round"))
            if spec.end_round is not None
            else np.full(model.n, np.inf)
        )

    def link(self, events: Sequence[EventKind[Any]]) -> None:
        """Find the other events this one refers to (called once all are built)."""

    def in_window(self, t: int) -> np.ndarray:
        """Whether round t lies in the event's window, per replicate."""
        return (self.start <= t) & (t <= self.end)

    def count(self, counter: str, happened: np.ndarray) -> None:
        """Add this round's occurrences to one of the kind's counters."""
        self.model.counters[counter] += happened

    @abstractmethod
    def apply(self, world: RoundWorld) -> None:
        """Act on the model's agents and world in this round (before valuations)."""

    def tallies(self) -> list[Tally]:
        """What the event made so far, per replicate and by whom (columns of
        replicates.csv and lines of the summary, per event and per party)."""
        return []

    def notes(self, r: int) -> list[str]:
        """What the event did in the last round to replicate r, in plain words."""
        return []
