"""What waiting and leaving are worth to a responder in alternating offers: the value of
the next round's offer, discounted, less a fixed cost of bargaining, and an outside option
it could take instead of answering (docs/model.md, "Protocols")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class WaitingTerms:
    """What waiting and leaving are worth to the parties of alternating offers, beyond
    discounting: ``outside`` (R, n), the value of opting out (-inf: no option), and
    ``cost`` (R, n), a fixed cost per round of bargaining."""

    outside: np.ndarray
    cost: np.ndarray

    def at(self, at: np.ndarray | None) -> WaitingTerms:
        return self if at is None else WaitingTerms(self.outside[at], self.cost[at])


def waiting_value(
    value: np.ndarray, d: np.ndarray, delta: np.ndarray, cost: np.ndarray | None = None
) -> np.ndarray:
    """A responder's value of rejecting and going on to a next round worth ``value``:
    d + delta (value - d), less the fixed cost of the round and never below d (a
    responder can always hold out for no agreement); without a cost, the discounted
    value alone (the stationary offers as they have always been computed)."""
    base = d + delta * (value - d)
    if cost is None:
        return base
    return np.maximum(base - cost, d)


def responder_floor(
    value: np.ndarray,
    d: np.ndarray,
    delta: np.ndarray,
    terms: WaitingTerms | None,
    j: int | slice,
) -> np.ndarray:
    """What responder(s) ``j`` must be offered: the waiting value and, where it has one,
    the outside option it could take instead of answering (the outside-option principle:
    the option binds only where it beats waiting)."""
    if terms is None:
        return waiting_value(value, d, delta)
    return np.maximum(waiting_value(value, d, delta, terms.cost[..., j]), terms.outside[..., j])
