"""The mediator's Nash rule: the weighted Nash bargaining solution over its estimates of
the parties' BATNAs, within the win-sets it expects each public to ratify; with an
interest weight omega > 0 the mediator's own utility enters with that weight
(:mod:`sim.mediation.interest`)."""

from __future__ import annotations

import numpy as np

from sim.bargaining import select_nash
from sim.mediation.base import Proposal, ProposalRule
from sim.mediation.interest import InterestChooser

_BASIS = {
    0: "Nash package within the expected win-sets",
    1: "Nash package (no package expected to ratify, so win-sets ignored)",
    2: "no package beats every estimated BATNA; the one with the largest smallest surplus",
}


class NashRule(ProposalRule):
    name = "nash"

    def propose(self, rows: np.ndarray, batna: np.ndarray) -> Proposal:
        model = self.model
        mediator = model.mediator
        assert mediator is not None, "the Nash rule is the mediator's"
        out = self.empty()
        n, k = model.n, model.k
        seen = batna + model.belief_error[:, -1, :].T
        w = mediator.weights(model.round)
        winset = mediator.respect_win_sets and model.any_win_set
        pick = select_nash(model.geometry, seen, w, model.vertex_winset if winset else None, rows)
        free = np.flatnonzero(pick.rule == 1) if winset else np.arange(rows.size)
        start = np.full((n, k), np.nan)
        start[rows] = pick.x
        segment = np.zeros(n, dtype=np.int64)
        segment[rows] = pick.segment
        refined = model.geometry.refine_nash(start, seen, w, rows[free], segment)
        x = refined[rows]
        omega = mediator.interest_weight
        if np.any(omega[rows] > 0):
            chooser = getattr(self, "_chooser", None)
            if chooser is None:
                chooser = self._chooser = InterestChooser(model.geometry, mediator.shape)
            ws = model.vertex_winset if winset else None
            x = chooser.choose(rows, x, pick.rule, seen, w, omega, ws)
        out.x[rows] = x
        out.basis[rows] = pick.rule
        return out

    def explain(self, basis: int) -> str:
        return _BASIS.get(basis, "")
