"""Bargaining geometry over a whole ensemble: utilities, the frontier, proposals.

Two parties use the exact frontier polyline (:mod:`sim.bargaining.frontier`); three or more
solve each proposal as the concave programme it is (:mod:`sim.bargaining.concave`).
"""

from sim.bargaining.frontier import (
    Geometry,
    PartyShape,
    Pick,
    best_for,
    select_nash,
    stationary_offer,
)

__all__ = ["Geometry", "PartyShape", "Pick", "best_for", "select_nash", "stationary_offer"]
