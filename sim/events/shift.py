"""Shifts: an offensive or a change of aid. If it happens (with its probability, once per
replicate), from its start to its end round it multiplies the front line's drift and the
named parties' costs of war, and moves their optimism."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.distributions import Param as Value
from sim.events.base import ROUND_KEYS, EventKind, RoundWorld, Tally
from sim.loader.kinds import NONNEG, UNIT, Key, Kind, Param, Ref, Table
from sim.loader.tree import SOURCE, Node, _fail, _got, _join, _node_at
from sim.streams import Purpose

if TYPE_CHECKING:
    from sim.loader.kinds import _Ctx
    from sim.model import NegotiationModel


@dataclass(frozen=True)
class Shift:
    """An offensive or an aid change: from ``start_round`` to ``end_round`` (if it
    happens, with ``probability`` per replicate) it multiplies the front-line drift and
    parties' costs, and moves parties' optimism."""

    name: str
    type: str  # "offensive" or "aid_change"
    start_round: Value = 1.0
    end_round: Value | None = None
    probability: Value = 1.0
    drift_multiplier: Value = 1.0
    cost_multiplier: Mapping[str, Value] = field(default_factory=dict)
    optimism: Mapping[str, Value] = field(default_factory=dict)
    by: str | None = None  # the party that makes it (its offensive, its aid change)
    fronts: tuple[str, ...] | None = None  # the fronts it speeds; None: every front


class FrontNames(Kind):
    """A front's name or a list of them (``front_line`` is ``world.front_line``), checked
    against the fronts the file declares once every key is read (:meth:`ShiftEvent.check_keys`)."""

    def check(self, node: Node, path: str, ctx: _Ctx) -> tuple[str, ...]:
        if not isinstance(node.value, list):
            children, paths = [node], [path]
        elif not node.value:
            _fail(f"expected at least one front name (got {_got(node)})", node.mark, path)
        else:
            children = node.value
            paths = [_join(path, i) for i in range(len(children))]
        for child, sub in zip(children, paths, strict=True):
            if not isinstance(child.value, str):
                _fail(f"expected the name of a front (got {_got(child)})", child.mark, sub)
        return tuple(c.value for c in children)

    def doc(self) -> str:
        return "front name or list of names"


def declared_fronts(root: Node) -> list[str]:
    """The fronts a file declares: ``front_line`` (if any), then ``world.fronts``'s names."""
    world = root.value.get("world") if isinstance(root.value, dict) else None
    if world is None or not isinstance(world.value, dict):
        return []
    names = ["front_line"] if "front_line" in world.value else []
    more = world.value.get("fronts")
    if more is not None and isinstance(more.value, dict):
        names += [k for k in more.value if k != SOURCE]
    return names


class ShiftEvent(EventKind[Shift]):
    sections = ("offensive", "aid_change")
    spec_type = Shift
    keys = (
        Key(
            "by",
            Ref("party"),
            None,
            "the party that makes it: counted as its offensive or aid change",
            "upland",
            default_doc="absent: no party's",
        ),
        *ROUND_KEYS,
        Key(
            "probability",
            Param(UNIT),
            1.0,
            "probability that it happens in a replicate",
            "0.5",
        ),
        Key("drift_multiplier", Param(NONNEG), 1.0, "multiplies the front-line drift", "1.5"),
        Key(
            "fronts",
            FrontNames(),
            None,
            "the fronts whose drift it multiplies (`front_line`, or a name under `world.fronts`)",
            "[front_line]",
            default_doc="absent: every front",
        ),
        Key(
            "cost_multiplier",
            Table("party", Param(NONNEG)),
            {},
            "multiplies parties' cost of war",
            "{upland: 1.3}",
        ),
        Key(
            "optimism",
            Table("party", Param()),
            {},
            "added to parties' optimism",
            "{upland: 0.05}",
        ),
    )
    title = "an offensive or aid_change event"
    tallied = ("offensives", "aid_changes")

    @staticmethod
    def check_keys(name: str, values: dict[str, Any], root: Node) -> None:
        declared = declared_fronts(root)
        for i, front in enumerate(values.get("fronts") or ()):
            if front in declared:
                continue
            path = f"events.{name}.fronts"
            node = _node_at(root, path)
            if isinstance(node.value, list):
                path, node = f"{path}.{i}", node.value[i]
            known = f"declared: {', '.join(declared)}" if declared else "there are no fronts"
            _fail(f"not a declared front; {known} (got {_got(node)})", node.mark, path)

    intro = "An offensive or a change of aid (`type: offensive` or `type: aid_change`)."

    def __init__(self, model: NegotiationModel, spec: Shift) -> None:
        super().__init__(model, spec)
        names = model.negotiation.party_names
        p, path = model.param, self.path
        draw = model.streams.uniform(Purpose.PARAMETERS, f"{path}.occurs")
        self.occurs = draw < p(f"{path}.probability")
        self.drift = p(f"{path}.drift_multiplier")
        fronts = [f.name for f in model.negotiation.all_fronts]
        # the fronts it speeds (None: all, through the model's common multiplier)
        self.fronts = None if spec.fronts is None else [fronts.index(f) for f in spec.fronts]
        self.cost = {names.index(k): p(f"{path}.cost_multiplier.{k}") for k in spec.cost_multiplier}
        self.optimism = {names.index(k): p(f"{path}.optimism.{k}") for k in spec.optimism}
        self.on = np.zeros(model.n, dtype=bool)  # under way in the last round
        self.by = None if spec.by is None else names.index(spec.by)
        # 1 once it got under way in a replicate (it happens at most once)
        self.count_made = np.zeros(model.n, dtype=np.int64)

    def apply(self, world: RoundWorld) -> None:
        model, parties = self.model, self.model.party_agents
        on = self.occurs & self.in_window(world.round)
        if self.fronts is None:
            model.drift_multiplier = np.where(
                on, model.drift_multiplier * self.drift, model.drift_multiplier
            )
        for j in self.fronts or ():
            fm = model.front_multiplier
            fm[:, j] = np.where(on, fm[:, j] * self.drift, fm[:, j])
        for i, m in self.cost.items():
            parties[i].cost_multiplier = np.where(
                on, parties[i].cost_multiplier * m, parties[i].cost_multiplier
            )
        for i, o in self.optimism.items():
            parties[i].extra_optimism = parties[i].extra_optimism + np.where(on, o, 0.0)
        self.on = on
        self.count_made = np.maximum(self.count_made, on & world.live)

    def tallies(self) -> list[Tally]:
        # ``offensives`` or ``aid_changes``: 1 where it got under way
        return [Tally(f"{self.spec.type}s", self.by, self.count_made)]

    def notes(self, r: int) -> list[str]:
        if not self.on[r]:
            return []
        by = "" if self.by is None else f" ({self.model.negotiation.party_names[self.by]}'s)"
        return [f"{self.name} under way{by}"]
