"""The interface every event kind implements, and the world a round's events act on.

An event kind is one class: it names the scenario sections it reads and their spec
dataclass, holds its per-replicate state as arrays over the model's replicates, applies
itself once per round, declares the counters it adds to (columns of ``replicates.csv``
and lines of the summary) and says in plain words what it did (the trace).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

import numpy as np

from sim.distributions import Param

if TYPE_CHECKING:
    from sim.model import NegotiationModel


class EventSpec(Protocol):
    """What every event's scenario dataclass has: a name, a type and a window."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def end_round(self) -> Param | None: ...


SpecT = TypeVar("SpecT", bound=EventSpec)


@dataclass
class RoundWorld:
    """What the events of one round share: the round, which replicates are live, and the
    violations they commit (a channel any kind may feed and the mediator responds to)."""

    round: int
    live: np.ndarray  # (N,) bool: replicates still negotiating
    violator: np.ndarray  # (N, P) bool: parties seen to violate a truce this round


class EventKind(ABC, Generic[SpecT]):
    """One event of a scenario, for every replicate of the model.

    Subclasses set the class attributes and implement :meth:`apply`; they may override
    :meth:`link` (to find the events they refer to) and :meth:`notes` (the trace).
    """

    sections: ClassVar[tuple[str, ...]]  # the scenario's ``type`` values this kind reads
    spec_type: ClassVar[type]  # the scenario dataclass of one such event
    counters: ClassVar[tuple[str, ...]] = ()  # per-replicate counts this kind adds to

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

    def notes(self, r: int) -> list[str]:
        """What the event did in the last round to replicate r, in plain words."""
        return []
