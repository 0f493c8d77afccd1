"""Strikes: one party's massive strikes on another's energy system.

A strike knocks out capacity that is repaired with a half-life; the lost capacity costs
the target (coercion), and each strike hardens the target for a while (its aspiration
rises and it is readier to walk out). A truce covering the strike replaces its
probability while in force, and a strike during a truce is a violation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.events.base import EventKind, RoundWorld
from sim.scenario import Strike

if TYPE_CHECKING:
    from sim.model import NegotiationModel


class StrikeEvent(EventKind[Strike]):
    sections = ("strike",)
    spec_type = Strike
    counters = ("strikes",)

    def __init__(self, model: NegotiationModel, spec: Strike) -> None:
        super().__init__(model, spec)
        names = model.negotiation.party_names
        p, path, n = model.param, self.path, model.n
        self.by = names.index(spec.by)
        self.target = names.index(spec.target)
        self.prob = p(f"{path}.prob_per_round")
        self.loss = p(f"{path}.capacity_loss")
        self.repair = 0.5 ** (1.0 / np.maximum(p(f"{path}.repair_halflife"), 1e-9))
        self.coercion = p(f"{path}.coercion_cost")
        self.bump = p(f"{path}.aspiration_bump")
        self.duration = np.maximum(1, np.rint(p(f"{path}.backlash_duration")))
        self.hazard_bump = p(f"{path}.walkout_hazard_bump")
        # state, per replicate
        self.capacity_out = np.zeros(n)
        self.backlash_until = np.zeros(n)
        self.struck = np.zeros(n, dtype=bool)  # in the last round
        # truces over this strike, in scenario order: (truce, strike probability under it)
        self.truces: list[tuple[EventKind[Any], np.ndarray]] = []

    def cover(self, truce: EventKind[Any], strike_prob: np.ndarray) -> None:
        """A truce over this strike: while in force, strikes have ``strike_prob``."""
        self.truces.append((truce, strike_prob))

    def apply(self, world: RoundWorld) -> None:
        t, model = world.round, self.model
        prob = self.prob
        in_truce = np.zeros(model.n, dtype=bool)
        for truce, strike_prob in self.truces:
            force = truce.in_window(t)
            prob = np.where(force, strike_prob, prob)
            in_truce |= force
        struck = world.live & self.in_window(t) & (model.shock(f"strike.{self.name}") < prob)
        self.capacity_out = self.capacity_out * self.repair + np.where(struck, self.loss, 0.0)
        self.backlash_until = np.where(struck, t + self.duration - 1, self.backlash_until)
        self.count("strikes", struck)
        target = model.party_agents[self.target]
        target.extra_cost = target.extra_cost + self.coercion * self.capacity_out
        hardened = self.backlash_until >= t
        target.backlash = target.backlash + np.where(hardened, self.bump, 0.0)
        target.walkout_bump = target.walkout_bump + np.where(hardened, self.hazard_bump, 0.0)
        world.violator[:, self.by] |= struck & in_truce
        self.struck = struck

    def notes(self, r: int) -> list[str]:
        return [f"{self.name}: a massive strike"] if self.struck[r] else []
