"""Without a mediator: the parties take turns, each offering its stationary
subgame-perfect package (Rubinstein, with several parties), never below its aspiration."""

from __future__ import annotations

import numpy as np

from sim.bargaining import best_for, stationary_offer
from sim.mediation.base import Proposal, ProposalRule


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
        if np.any(short):
            sub = rows[short]
            floors = np.zeros((sub.size, model.n_parties))
            floors[:, proposer] = own.aspiration[sub]
            other = (proposer + 1) % model.n_parties
            offer[short], _ = best_for(model.geometry, other, floors, sub)
        out.x[rows] = offer
        return out
