"""Truces: while in force, a truce replaces the probability of every strike it covers (by
either side), and other salient violations (alleged by either side) may happen each
round."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.distributions import Param as Value
from sim.events.base import ROUND_KEYS, EventKind, RoundWorld, Tally
from sim.events.strike import StrikeEvent
from sim.loader.kinds import REQUIRED, UNIT, Key, Param, RefList

if TYPE_CHECKING:
    from sim.model import NegotiationModel


@dataclass(frozen=True)
class Truce:
    """A truce over strike events (by either side): while in force each covered
    strike's probability is ``strike_prob``; each strike, and each other salient
    violation (probability ``violation_prob`` per round), is a violation the mediator
    may respond to."""

    name: str
    covers: tuple[str, ...]
    strike_prob: Value = 0.0
    violation_prob: Value = 0.0
    start_round: Value = 1.0
    end_round: Value | None = None
    type: str = "truce"
    # the parties bound by it, who may commit the other violations; None: the covered
    # strikes' strikers and targets, in file order
    parties: tuple[str, ...] | None = None


class TruceEvent(EventKind[Truce]):
    sections = ("truce",)
    spec_type = Truce
    keys = (
        Key(
            "covers",
            RefList("strike event"),
            REQUIRED,
            "the strike event(s) it restrains, by either side",
            "[energy_strikes, refinery_strikes]",
        ),
        Key(
            "strike_prob",
            Param(UNIT),
            0.0,
            "strike probability per round while it holds",
            "0.1",
        ),
        Key(
            "violation_prob",
            Param(UNIT),
            0.0,
            "probability per round of another salient violation",
            "0.05",
        ),
        *ROUND_KEYS,
        Key(
            "parties",
            RefList("party"),
            None,
            "the parties bound by it; each other violation is one of theirs, drawn with "
            "equal chances",
            "[upland, midland, delta]",
            default_doc="the strikers and targets of the strikes it covers",
        ),
    )
    title = "a truce event"
    violable = True
    tallied = ("violations",)
    intro = "A truce over strike events, by either side (`type: truce`)."

    def __init__(self, model: NegotiationModel, spec: Truce) -> None:
        super().__init__(model, spec)
        n = model.n
        self.strike_prob = model.param(f"{self.path}.strike_prob")
        self.violation_prob = model.param(f"{self.path}.violation_prob")
        # the last round, per replicate: in force, the parties it saw violate it
        self.force = np.zeros(n, dtype=bool)
        self.blamed = np.zeros((n, model.n_parties), dtype=bool)
        self.count_violations = np.zeros(n, dtype=np.int64)  # its violations so far

    def link(self, events: Sequence[EventKind[Any]]) -> None:
        names = (self.spec.covers,) if isinstance(self.spec.covers, str) else self.spec.covers
        self.strikes: list[StrikeEvent] = []
        for name in names:
            covered = [e for e in events if isinstance(e, StrikeEvent) and e.name == name]
            if not covered:
                raise ValueError(f"truce {self.name} covers no strike event {name}")
            covered[0].cover(self, self.strike_prob)
            self.strikes.append(covered[0])
        # who may commit the other salient violations: the declared parties, or else every
        # side of the strikes it covers
        parties = self.model.negotiation.party_names
        bound = [parties.index(p) for p in self.spec.parties or ()]
        if not bound:
            for s in self.strikes:
                bound += [i for i in (s.by, s.target) if i not in bound]
        self.bound = np.array(bound, dtype=np.int64)

    def apply(self, world: RoundWorld) -> None:
        model = self.model
        self.force = world.live & self.in_window(world.round)
        other = self.force & (model.shock(f"violation.{self.name}") < self.violation_prob)
        # every bound party alleges the others' violations: each is one party's, drawn
        # with equal chances (for two sides: the striker below 1/2, as it always was)
        draw = model.shock(f"violator.{self.name}")
        who = self.bound[np.minimum((draw * self.bound.size).astype(np.int64), self.bound.size - 1)]
        blamed = np.zeros_like(self.blamed)
        blamed[np.flatnonzero(other), who[other]] = True
        world.violator |= blamed
        # its covered strikes made in force (the strike itself marks the striker)
        for s in self.strikes:
            blamed[:, s.by] |= s.struck & self.force
        self.blamed = blamed
        self.count_violations += blamed.sum(axis=1)

    def tallies(self) -> list[Tally]:
        # by each party: the model's ``violations_by`` (truces and agreements alike)
        return [Tally("violations", None, self.count_violations)]

    def notes(self, r: int) -> list[str]:
        names = self.model.negotiation.party_names
        return [
            f"{self.name}: a violation attributed to {names[i]}"
            for i in np.flatnonzero(self.blamed[r])
        ]
