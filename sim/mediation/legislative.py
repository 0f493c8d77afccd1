"""Without a mediator, Baron-Ferejohn legislative bargaining: each round one party,
recognised at random with the scenario's probabilities (``protocol.recognition``),
proposes a package to the quota of signatories it needs (``protocol.quota``, closed rule:
no amendments), never below its aspiration.

The stationary equilibrium (Baron and Ferejohn 1989, with packages in a box instead of a
pie): a party's value before recognition is

    v_j = sum_i p_i E[U_j(x_i)],

and a recognised proposer i offers, to each coalition C of the quota's other signatories
(every ``needed`` party among them), the package best for itself that gives each member j
its discounted continuation value, f_j = d_j + delta_j (v_j - d_j); it forms the coalition
whose package it likes best, choosing uniformly among equally good ones (the symmetric
equilibrium's mixing). The values are the fixed point of that map, found per replicate by
accelerated iteration (:func:`legislative_values`). The recognition draw and the choice
among equal coalitions use the replicate's own counter-based stream, keyed by the round,
so a replicate's proposer does not depend on the ensemble or its chunking; proposers are
drawn in the order of their names, not the order they are listed in.
"""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np

from sim.bargaining.concave import BARRIER_LEVELS, Utilities, best_under_floors
from sim.bargaining.general import ROUGH, _anderson
from sim.bargaining.waiting import WaitingTerms, waiting_value
from sim.mediation.alternating import AlternatingOffers
from sim.mediation.base import Proposal

if TYPE_CHECKING:
    from sim.model import NegotiationModel

#: a non-member's floor: far below any utility, so it never binds
_NO_FLOOR = -1e3
#: coalitions within this of the best are equally good to the proposer
_TIE = 1e-9


def coalitions(proposer: int, n: int, quota: int, needed: list[int] | np.ndarray) -> list[tuple]:
    """Every set of other parties proposer ``proposer`` may need: the ``needed`` ones and
    enough others to reach ``quota`` signatures with its own."""
    must = tuple(sorted(j for j in set(int(k) for k in needed) if j != proposer))
    free = [j for j in range(n) if j != proposer and j not in must]
    extra = max(0, quota - 1 - len(must))
    return [tuple(sorted(must + c)) for c in combinations(free, min(extra, len(free)))]


def legislative_values(
    util: Utilities,
    lower: np.ndarray,
    upper: np.ndarray,
    d: np.ndarray,
    delta: np.ndarray,
    prob: np.ndarray,
    quota: int,
    needed: list[int] | np.ndarray,
    tol: float = 1e-9,
    max_passes: int = 400,
    memory: int = 8,
    terms: WaitingTerms | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, tuple]]]:
    """The stationary values and offers of legislative bargaining, for R replicates.

    util, lower, upper: the R replicates' utilities and boxes; d, delta: (R, n)
    disagreement values and discount factors; prob: (n,) recognition probabilities;
    ``terms`` (at the same R rows): each member's cost of a round and outside option
    enter its floor as in alternating offers (:func:`sim.bargaining.waiting.
    responder_floor`). Returns (values (R, n), offers (R, T, K), the proposer's best
    choices (R, T) bool, and the T (proposer, coalition) programmes).
    """
    if terms is not None:
        # an outside option's kink throws the rough, extrapolated passes into cycles:
        # exact plain passes only (a contraction of rate max delta)
        memory = 1
    r, n = d.shape
    k = lower.shape[1]
    plan = [(i, c) for i in range(n) for c in coalitions(i, n, quota, needed)]
    t = len(plan)
    who = np.array([i for i, _ in plan])
    member = np.zeros((t, n), dtype=bool)
    for row, (_, c) in enumerate(plan):
        member[row, list(c)] = True
    tiled = util.take(np.tile(np.arange(r), t))  # block row: programme row's replicates
    lo, hi = np.tile(lower, (t, 1)), np.tile(upper, (t, 1))
    me = np.repeat(who, r)
    offers = np.full((r, t, k), np.nan)
    best = np.zeros((r, t), dtype=bool)

    def solve(v: np.ndarray, go: np.ndarray, exact: bool) -> np.ndarray:
        """One pass for rows ``go``: every programme under the floors values v (G, n) give
        (roughly, on a coarse barrier, or exactly); the values that follow (G, n)."""
        if terms is None:
            f = d[go] + delta[go] * (v - d[go])
        else:
            f = np.maximum(waiting_value(v, d[go], delta[go], terms.cost[go]), terms.outside[go])
        floors = np.where(member[:, None, :], f[None, :, :], _NO_FLOOR)  # (T, G, n)
        pick = (np.arange(t)[:, None] * r + go[None, :]).ravel()
        start = offers[go].transpose(1, 0, 2).reshape(-1, k)
        x, _ = best_under_floors(
            tiled.take(pick),
            lo[pick],
            hi[pick],
            me[pick],
            floors.reshape(-1, n),
            start,
            **(
                {"levels": BARRIER_LEVELS[3:]}
                if exact
                else {"levels": ROUGH[0], "max_steps": ROUGH[1]}
            ),
        )
        offers[go] = x.reshape(t, go.size, k).transpose(1, 0, 2)
        u = tiled.take(pick).exact(x).reshape(t, go.size, n).transpose(1, 0, 2)  # (G, T, n)
        own = u[:, np.arange(t), who]  # (G, T)
        top = np.full((go.size, n), -np.inf)
        np.maximum.at(top.T, who, own.T)
        chosen = own >= top[:, who] - _TIE
        best[go] = chosen
        share = chosen / np.add.reduceat(chosen, _starts(who), axis=1)[:, _block(who)]
        return np.einsum("gt,gtj->gj", share * prob[who][None, :], u)

    v = d.copy()
    # rough passes (a coarse barrier) to 1e-5, then exact ones from there
    passes = ((False, ROUGH[2], ROUGH[2]), (True, tol, 1e-7))
    for exact, limit, stall in passes if terms is None else passes[1:]:
        go = np.arange(r)
        history: list[tuple[np.ndarray, np.ndarray]] = []
        last = np.full(r, np.inf)
        for _ in range(max_passes):
            if not go.size:
                break
            g = solve(v[go], go, exact)
            moved = np.max(np.abs(g - v[go]), axis=1)
            worse = moved > last[go]
            history.append((v[go], g))
            history = [
                (np.where(worse[:, None], v[go], a), np.where(worse[:, None], g, b))
                for a, b in history[-memory:]
            ]
            # extrapolated (the values converge monotonically at the rate of delta, so the
            # fixed point lies beyond the values seen); a pass whose residual grew restarts
            step = _anderson(history) if len(history) >= 2 else g
            # at the solver's own accuracy the residual stops falling: the row is done too
            done = (moved < limit) | (worse & (moved < stall))
            v[go] = np.where(done[:, None], g, np.where(np.isfinite(step), step, g))
            last[go] = moved
            go, history = go[~done], [(a[~done], b[~done]) for a, b in history]
    return v, offers, best, plan


def _starts(who: np.ndarray) -> np.ndarray:
    """Where each proposer's programmes start (they are grouped by proposer)."""
    return np.flatnonzero(np.r_[True, who[1:] != who[:-1]])


def _block(who: np.ndarray) -> np.ndarray:
    """For each programme, the index of its proposer's block."""
    return np.cumsum(np.r_[True, who[1:] != who[:-1]]) - 1


class LegislativeBargaining(AlternatingOffers):
    name = "legislative"

    def __init__(self, model: NegotiationModel) -> None:
        super().__init__(model)
        names = model.negotiation.party_names
        recognition = model.negotiation.recognition or {}
        self.prob = np.array([float(recognition[p]) for p in names])
        # the draw maps onto parties in the order of their names: listing order is moot
        self.by_name = np.array(sorted(range(len(names)), key=lambda i: names[i]))
        # equal coalitions are told apart by their members' names, for the same reason
        plan = [
            (i, c)
            for i in range(len(names))
            for c in coalitions(i, len(names), model.quota, model.needed)
        ]
        labels = [(names[i], sorted(names[j] for j in c)) for i, c in plan]
        self.rank = np.argsort(np.argsort([str(x) for x in labels], kind="stable"))
        self.proposers = np.full(model.n, -1, dtype=np.int64)

    def recognise(self) -> np.ndarray:
        """Each replicate's proposer this round (N,), from its own stream."""
        u = self.model.shock("recognition")
        edges = np.cumsum(self.prob[self.by_name])
        slot = np.minimum(np.searchsorted(edges, u, side="right"), edges.size - 1)
        return self.by_name[slot]

    def propose(self, rows: np.ndarray, batna: np.ndarray) -> Proposal:
        model = self.model
        out = self.empty()
        proposer = self.recognise()
        self.proposers = np.where(np.isin(np.arange(model.n), rows), proposer, -1)
        out.proposers = self.proposers.copy()
        if not rows.size:
            return out
        mine = proposer[rows]
        # each replicate's proposer sees the others' BATNAs through its own beliefs
        seen = batna[rows] + model.belief_error[:, mine, rows].T
        seen[np.arange(rows.size), mine] = batna[rows, mine]
        g = model.geometry
        util = Utilities.of(g.parties, rows)
        terms = None if model.waiting_terms is None else model.waiting_terms.at(rows)
        values, offers, best, plan = legislative_values(
            util,
            g.lower[rows],
            g.upper[rows],
            seen,
            model.delta[rows],
            self.prob,
            model.quota,
            model.needed,
            terms=terms,
        )
        if model.has_outside_options:
            # rejecting means waiting for the next recognition, worth each its value
            assert terms is not None
            out.waiting = np.full((model.n, model.n_parties), np.nan)
            out.waiting[rows] = waiting_value(values, seen, model.delta[rows], terms.cost)
        # the proposer forms one of its best coalitions, uniformly at random
        who = np.array([i for i, _ in plan])
        eligible = best & (who[None, :] == mine[:, None])
        count = eligible.sum(axis=1)
        draw = model.shock("coalition")[rows]
        nth = np.minimum((draw * count).astype(np.int64), count - 1)
        by_label = np.argsort(self.rank)  # programmes in the order of their labels
        order = np.empty_like(eligible, dtype=np.int64)
        order[:, by_label] = np.cumsum(eligible[:, by_label], axis=1) - 1
        chosen = np.argmax(eligible & (order == nth[:, None]), axis=1)
        offer = offers[np.arange(rows.size), chosen]
        short = np.zeros(rows.size, dtype=bool)
        for i in np.unique(mine):
            at = mine == i
            own = model.party_agents[i]
            short[at] = (
                own.shape.utility(offer[at], rows=rows[at]) < own.aspiration[rows[at]] - 1e-12
            )
            hold = np.flatnonzero(at & short)
            if hold.size:
                offer[hold] = self._holding_out(i, seen[hold], rows[hold])
        out.x[rows] = offer
        return out
