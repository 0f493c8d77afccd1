"""Events as a registry: one class per kind, in the order the kinds act within a round.

To add a kind, write its module (a subclass of :class:`EventKind`) and list its class in
``EVENT_KINDS``; the model, the outcomes, the summary and the trace read it from here
(see ``docs/development.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.events.base import EventKind, EventSpec, RoundWorld, Tally
from sim.events.shift import ShiftEvent
from sim.events.strike import StrikeEvent
from sim.events.truce import TruceEvent

if TYPE_CHECKING:
    from sim.model import NegotiationModel

# the order in which the kinds act in a round (a truce reads its strike's outcome)
EVENT_KINDS: tuple[type[EventKind[Any]], ...] = (StrikeEvent, TruceEvent, ShiftEvent)

# counted for every replicate whatever the scenario holds: the kinds' counters, then the
# violations of the round (a channel any kind may feed)
VIOLATIONS = "violations"
COUNTERS: tuple[str, ...] = tuple(c for kind in EVENT_KINDS for c in kind.counters) + (VIOLATIONS,)


# the columns of replicates.csv that count what events made, per event and per party
# (``<tally>.<event>``, ``<tally>_by.<party>``, and ``violations_by.<party>``)
EVENT_COUNTER_PREFIXES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [p for kind in EVENT_KINDS for t in kind.tallied for p in (f"{t}.", f"{t}_by.")]
        + [f"{VIOLATIONS}_by."]
    )
)


def kind_of(spec: EventSpec) -> type[EventKind[Any]]:
    """The registered kind of a scenario event."""
    for kind in EVENT_KINDS:
        if isinstance(spec, kind.spec_type) and spec.type in kind.sections:
            return kind
    raise TypeError(f"no event kind reads {type(spec).__name__} of type {spec.type}")


def build_events(model: NegotiationModel) -> list[EventKind[Any]]:
    """The scenario's events, grouped by kind in registry order, each kind in file order."""
    specs = model.negotiation.events
    events = [kind(model, s) for kind in EVENT_KINDS for s in specs if kind_of(s) is kind]
    for event in events:
        event.link(events)
    return events


def apply_events(model: NegotiationModel, live: np.ndarray) -> RoundWorld:
    """Every event's effect in this round, after clearing last round's; counts violations."""
    world = RoundWorld(
        round=model.round,
        live=live,
        violator=np.zeros((model.n, model.n_parties), dtype=bool),
    )
    model.drift_multiplier = np.ones(model.n)
    model.front_multiplier = np.ones_like(model.moves)  # an event's on one front only
    for party in model.party_agents:
        party.clear_event_effects()
    for event in model.events:
        event.apply(world)
    model.counters[VIOLATIONS] += world.violator.sum(axis=1)
    return world


__all__ = [
    "COUNTERS",
    "EVENT_COUNTER_PREFIXES",
    "EVENT_KINDS",
    "VIOLATIONS",
    "EventKind",
    "EventSpec",
    "RoundWorld",
    "Tally",
    "apply_events",
    "build_events",
    "kind_of",
]
