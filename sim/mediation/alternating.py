"""Without a mediator: the parties take turns, each offering its stationary
subgame-perfect package (Rubinstein, with several parties), never below its aspiration."""

from __future__ import annotations

import numpy as np

from sim.bargaining import best_for, stationary_offer
from sim.bargaining.frontier import deadline_offer
from sim.bargaining.general import rotation_values
from sim.bargaining.waiting import WaitingTerms, waiting_value
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
        terms = None if model.waiting_terms is None else model.waiting_terms.at(rows)
        deadline = scenario.deadline
        waiting = None
        if deadline is not None and model.round <= deadline:
            # a last round every party knows: backward induction from it
            order = [(first + r - 1) % model.n_parties for r in range(model.round, deadline + 1)]
            offer, waiting = deadline_offer(
                model.geometry, order, seen[rows], model.delta[rows], rows, terms
            )
        else:
            offer = stationary_offer(
                model.geometry, proposer, seen[rows], model.delta[rows], rows, terms=terms
            )
        if model.has_outside_options:
            if waiting is None:
                assert terms is not None
                waiting = self._waiting(proposer, seen[rows], rows, terms)
            out.waiting = np.full((model.n, model.n_parties), np.nan)
            out.waiting[rows] = waiting
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

    def _waiting(
        self, proposer: int, d: np.ndarray, rows: np.ndarray, terms: WaitingTerms
    ) -> np.ndarray:
        """Each party's value of rejecting this round's offer and waiting for the next
        proposer's stationary offer (as this round's proposer computes it), (R, n)."""
        model = self.model
        following = (proposer + 1) % model.n_parties
        delta = model.delta[rows]
        if model.n_parties == 2:
            x = stationary_offer(model.geometry, following, d, delta, rows, terms=terms)
        else:
            offers, _, _ = rotation_values(model.geometry, d, delta, rows, terms=terms)
            x = offers[:, following, :]
        values = np.stack([p.shape.utility(x, rows=rows) for p in model.party_agents], axis=1)
        return waiting_value(values, d, delta, terms.cost)

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
