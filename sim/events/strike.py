"""Strikes: one party's massive strikes on another's energy system.

A strike knocks out capacity that is repaired with a half-life; the lost capacity costs
the target (coercion), and each strike hardens the target for a while (its aspiration
rises and it is readier to walk out). A truce covering the strike replaces its
probability while in force, and a strike during a truce is a violation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.distributions import Param as Value
from sim.events.base import ROUND_KEYS, EventKind, RoundWorld
from sim.loader.kinds import NONNEG, POSITIVE, REQUIRED, UNIT, Key, Param, Range, Ref, Section
from sim.loader.tree import Node, _fail, _got, _node_at

if TYPE_CHECKING:
    from sim.model import NegotiationModel


@dataclass(frozen=True)
class Strike:
    """Massive strikes by ``by`` on ``target``'s energy system."""

    name: str
    by: str
    target: str
    prob_per_round: Value
    start_round: Value = 1.0
    end_round: Value | None = None
    capacity_loss: Value = 1.0
    repair_halflife: Value = 4.0
    coercion_cost: Value = 0.0
    aspiration_bump: Value = 0.0
    backlash_duration: Value = 1.0
    walkout_hazard_bump: Value = 0.0
    type: str = "strike"


BACKLASH = Section(
    "backlash",
    (
        Key(
            "aspiration_bump",
            Param(NONNEG),
            0.0,
            "rise of the target's aspiration after a strike",
            "0.05",
        ),
        Key(
            "duration",
            Param(Range(1.0), whole=True),
            1.0,
            "rounds the backlash lasts",
            "2",
            attr="backlash_duration",
        ),
        Key(
            "walkout_hazard_bump",
            Param(UNIT),
            0.0,
            "rise of the target's walk-out hazard",
            "0.05",
        ),
    ),
    intro="How a strike hardens the target's stance.",
)


class StrikeEvent(EventKind[Strike]):
    sections = ("strike",)
    spec_type = Strike
    keys = (
        Key("by", Ref("party"), REQUIRED, "the party that strikes", "upland"),
        Key("target", Ref("party"), REQUIRED, "the party struck", "delta"),
        Key("prob_per_round", Param(UNIT), REQUIRED, "probability of a strike each round", "0.5"),
        *ROUND_KEYS,
        Key("capacity_loss", Param(NONNEG), 1.0, "damage of one strike", "1.0"),
        Key(
            "repair_halflife",
            Param(POSITIVE),
            4.0,
            "rounds for half the damage to be repaired",
            "4",
        ),
        Key(
            "coercion_cost",
            Param(NONNEG),
            0.0,
            "rise of the target's cost of war per unit of damage",
            "0.01",
        ),
        Key(
            "backlash",
            BACKLASH,
            {},
            "hardening of the target (see below)",
            "{aspiration_bump: 0.05}",
            inline=True,
        ),
    )
    title = "a strike event"
    intro = "Massive strikes by one party on another's energy system (`type: strike`)."
    counters = ("strikes",)

    @staticmethod
    def check_keys(name: str, values: dict[str, Any], root: Node) -> None:
        if values["by"] == values["target"]:
            path = f"events.{name}.target"
            node = _node_at(root, path)
            _fail(f"a party cannot strike itself (got {_got(node)})", node.mark, path)

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
