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

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.distributions import Param as Value
from sim.events.base import ROUND_KEYS, EventKind, RoundWorld, Tally
from sim.loader.kinds import (
    NONNEG,
    POSITIVE,
    REQUIRED,
    UNIT,
    Flag,
    Key,
    Param,
    Range,
    Ref,
    Section,
)
from sim.loader.tree import Node, _fail, _got, _node_at

if TYPE_CHECKING:
    from sim.model import NegotiationModel


@dataclass(frozen=True)
class StrikeChannels:
    """Which of a strike's channels act; each can be switched off alone."""

    coercion_cost: bool = True
    coercion_pace: bool = True
    backlash_aspiration: bool = True
    backlash_approval: bool = True
    postponement: bool = True
    walkout: bool = True


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
    coercion_pace: Value = 0.0  # concession pace multiplier 1 + coercion_pace x damage
    aspiration_bump: Value = 0.0
    approval_shift: Value = 0.0  # lowers the target public's approval logit in backlash
    backlash_duration: Value = 1.0
    postpone_prob: Value = 0.0  # chance a strike round's talks are put off a round
    walkout_hazard_bump: Value = 0.0
    channels: StrikeChannels = field(default_factory=StrikeChannels)
    type: str = "strike"


# The channels through which a strike acts; each can be switched off alone.
STRIKE_CHANNELS = (
    ("coercion_cost", "the target's cost of war rises with the damage"),
    ("coercion_pace", "the target concedes faster with the damage"),
    ("backlash_aspiration", "the target's aspiration rises after a strike"),
    ("backlash_approval", "the target's public approves concessions less after a strike"),
    ("postponement", "a strike round's talks may be put off"),
    ("walkout", "the target is readier to walk out after a strike"),
)

CHANNELS = Section(
    "channels",
    tuple(Key(name, Flag(), True, f"{doc} (switch)", "false") for name, doc in STRIKE_CHANNELS),
    intro="Which of a strike's channels act (all by default); switch one off to see its part.",
    spec=StrikeChannels,
)


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
            "approval_shift",
            Param(NONNEG),
            0.0,
            "fall of the logit of the target public's approval while the backlash lasts",
            "0.3",
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
            "coercion_pace",
            Param(NONNEG),
            0.0,
            "rise of the target's concession pace per unit of damage (pace 1 + this × damage)",
            "0.02",
        ),
        Key(
            "postpone_prob",
            Param(UNIT),
            0.0,
            "probability that a strike puts the round's talks off by one round",
            "0.02",
        ),
        Key(
            "backlash",
            BACKLASH,
            {},
            "hardening of the target (see below)",
            "{aspiration_bump: 0.05}",
            inline=True,
        ),
        Key(
            "channels",
            CHANNELS,
            {},
            "switch channels off (see below)",
            "{coercion_pace: false}",
        ),
    )
    title = "a strike event"
    intro = "Massive strikes by one party on another's energy system (`type: strike`)."
    counters = ("strikes",)
    violable = True  # a strike in a truce or under an agreement in force violates it
    tallied = ("strikes",)

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

    def tallies(self) -> list[Tally]:
        return [Tally("strikes", self.by, self.count_struck)]

    def notes(self, r: int) -> list[str]:
        names = self.model.negotiation.party_names
        by, target = names[self.by], names[self.target]
        out = [f"{self.name}: a strike by {by} on {target}"] if self.struck[r] else []
        if self.postponed[r]:
            out.append(f"{self.name}: the round is put off")
        return out
