"""Truces: while in force, a truce replaces the probability of every strike it covers (by
either side), and other salient violations (alleged by either side) may happen each
round."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.distributions import Param as Value
from sim.events.base import ROUND_KEYS, EventKind, RoundWorld
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
    )
    title = "a truce event"
    intro = "A truce over strike events, by either side (`type: truce`)."

    def __init__(self, model: NegotiationModel, spec: Truce) -> None:
        super().__init__(model, spec)
        n = model.n
        self.strike_prob = model.param(f"{self.path}.strike_prob")
        self.violation_prob = model.param(f"{self.path}.violation_prob")
        # the last round, per replicate: in force, another violation, alleged by the striker
        self.force = np.zeros(n, dtype=bool)
        self.other = np.zeros(n, dtype=bool)
        self.by_striker = np.zeros(n, dtype=bool)

    def link(self, events: Sequence[EventKind[Any]]) -> None:
        names = (self.spec.covers,) if isinstance(self.spec.covers, str) else self.spec.covers
        self.strikes: list[StrikeEvent] = []
        for name in names:
            covered = [e for e in events if isinstance(e, StrikeEvent) and e.name == name]
            if not covered:
                raise ValueError(f"truce {self.name} covers no strike event {name}")
            covered[0].cover(self, self.strike_prob)
            self.strikes.append(covered[0])
        # the other salient violations are alleged between the first covered strike's sides
        self.strike = self.strikes[0]

    def apply(self, world: RoundWorld) -> None:
        model = self.model
        self.force = world.live & self.in_window(world.round)
        self.other = self.force & (model.shock(f"violation.{self.name}") < self.violation_prob)
        # both sides allege violations: the other salient violation is either side's
        self.by_striker = model.shock(f"violator.{self.name}") < 0.5
        world.violator[:, self.strike.by] |= self.other & self.by_striker
        world.violator[:, self.strike.target] |= self.other & ~self.by_striker

    def notes(self, r: int) -> list[str]:
        strike = self.strike
        violators = set()
        if self.other[r]:
            violators.add(strike.by if self.by_striker[r] else strike.target)
        for s in self.strikes:
            if s.struck[r] and self.in_window(self.model.round)[r]:
                violators.add(s.by)
        names = self.model.negotiation.party_names
        return [f"a truce violation attributed to {names[i]}" for i in sorted(violators)]
