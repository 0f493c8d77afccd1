"""Strikes: one party's massive strikes on another's energy system (either side may strike).

A strike knocks out capacity that is repaired with a half-life. It acts on the target
through separate channels, each of which the scenario can switch off alone
(``channels``):

* coercion on cost: the damage still out adds ``coercion_cost`` per unit to the
  target's per-round cost of war;
* coercion on pace: the target's concession pace is multiplied by
  ``1 + coercion_pace * damage`` (the party side reads ``concession_pace``);
* backlash on aspiration: for ``duration`` rounds after a strike the target's
  aspiration is raised by ``aspiration_bump``;
* backlash on approval: for those rounds the target public's approval logit falls by
  ``approval_shift`` (the party side reads ``approval_shift``);
* postponement: with ``postpone_prob`` a strike puts the round's talks off by one round;
* walk-out: for those rounds the target's walk-out hazard rises by
  ``walkout_hazard_bump``.

A truce covering the strike replaces its probability while in force, and a strike
during a truce is a violation by the striker. Effects of several strike events on one
party add up (pace multipliers multiply).
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
        on = spec.channels
        self.prob = p(f"{path}.prob_per_round")
        self.loss = p(f"{path}.capacity_loss")
        self.repair = 0.5 ** (1.0 / np.maximum(p(f"{path}.repair_halflife"), 1e-9))
        # a switched-off channel acts with size 0, whatever was drawn for it
        self.coercion = p(f"{path}.coercion_cost") * on.coercion_cost
        self.pace = p(f"{path}.coercion_pace", 0.0) * on.coercion_pace
        self.bump = p(f"{path}.aspiration_bump") * on.backlash_aspiration
        self.approval = p(f"{path}.approval_shift", 0.0) * on.backlash_approval
        self.postpone = p(f"{path}.postpone_prob", 0.0) * on.postponement
        self.duration = np.maximum(1, np.rint(p(f"{path}.backlash_duration")))
        self.hazard_bump = p(f"{path}.walkout_hazard_bump") * on.walkout
        # state, per replicate
        self.capacity_out = np.zeros(n)
        self.backlash_until = np.zeros(n)
        self.struck = np.zeros(n, dtype=bool)  # in the last round
        self.postponed = np.zeros(n, dtype=bool)  # in the last round
        self.count_struck = np.zeros(n, dtype=np.int64)  # this event's strikes so far
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
        self.count_struck += struck
        target = model.party_agents[self.target]
        target.extra_cost = target.extra_cost + self.coercion * self.capacity_out
        target.concession_pace = target.concession_pace * (1.0 + self.pace * self.capacity_out)
        hardened = self.backlash_until >= t
        target.backlash = target.backlash + np.where(hardened, self.bump, 0.0)
        target.approval_shift = target.approval_shift - np.where(hardened, self.approval, 0.0)
        target.walkout_bump = target.walkout_bump + np.where(hardened, self.hazard_bump, 0.0)
        # a postponed round: no talks this round (the model's pause)
        self.postponed = struck & (model.shock(f"postpone.{self.name}") < self.postpone)
        model.paused_until = np.where(
            self.postponed, np.maximum(model.paused_until, t), model.paused_until
        )
        world.violator[:, self.by] |= struck & in_truce
        self.struck = struck

    def notes(self, r: int) -> list[str]:
        out = [f"{self.name}: a massive strike"] if self.struck[r] else []
        if self.postponed[r]:
            out.append(f"{self.name}: the round is put off")
        return out
