"""Without a mediator: the parties take turns, each offering its stationary
subgame-perfect package (Rubinstein, with several parties), never below its aspiration."""

from __future__ import annotations

import numpy as np

from sim.bargaining import best_for, stationary_offer
from sim.mediation.base import Proposal, ProposalRule

#: bisection steps of a holding-out proposer's common margin (range 4: 2.4e-4 at the end)
_HOLD_OUT_STEPS = 14


class AlternatingOffers(ProposalRule):
    name = "alternating_offers"

    def propose(self, rows: np.ndarray, batna: np.ndarray) -> Proposal:
        model = self.model
        scenario = model.negotiation
        # after a mediator's exit without a named first proposer, the first party listed
        names = scenario.party_names
        first = names.index(scenario.first_proposer) if scenario.first_proposer in names else 0
        proposer = (first + model.round - 1) % model.n_parties
        out = self.empty()
        out.proposer = proposer
        seen = batna + model.belief_error[:, proposer, :].T
        seen[:, proposer] = batna[:, proposer]
        offer = stationary_offer(model.geometry, proposer, seen[rows], model.delta[rows], rows)
        # a proposer never offers what it would itself reject: where the subgame-perfect
        # offer is worth less to it than its aspiration, it offers the package that gives
        # it its aspiration and the others the most
        own = model.party_agents[proposer]
        short = own.shape.utility(offer, rows=rows) < own.aspiration[rows] - 1e-12
        if np.any(short) and model.n_parties == 2:
            sub = rows[short]
            floors = np.zeros((sub.size, model.n_parties))
            floors[:, proposer] = own.aspiration[sub]
            offer[short], _ = best_for(model.geometry, 1 - proposer, floors, sub)
        elif np.any(short):
            offer[short] = self._holding_out(proposer, seen[rows][short], rows[short])
        out.x[rows] = offer
        return out

    def _holding_out(self, proposer: int, d: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """With three or more parties, a proposer holding out for its aspiration treats
        every responder by one rule, whatever the listing order: the package best for it
        that gives each responder the same margin t over its disagreement value d_j, with
        t the largest margin that still leaves the proposer its aspiration (bisection).
        Where even t far below zero cannot, its own best package."""
        model = self.model
        aspiration = model.party_agents[proposer].aspiration[rows]
        lo, hi = np.full(rows.size, -2.0), np.full(rows.size, 2.0)
        offer = None
        for _ in range(_HOLD_OUT_STEPS):
            mid = 0.5 * (lo + hi)
            floors = d + mid[:, None]
            x, found = best_for(model.geometry, proposer, floors, rows)
            enough = found & (
                model.party_agents[proposer].shape.utility(x, rows=rows) >= aspiration - 1e-12
            )
            lo, hi = np.where(enough, mid, lo), np.where(enough, hi, mid)
        floors = d + lo[:, None]
        offer, _ = best_for(model.geometry, proposer, floors, rows)
        return offer
