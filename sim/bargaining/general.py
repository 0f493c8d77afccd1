"""Proposals for three or more parties, each solved exactly as a concave programme.

The same questions the two-party frontier answers (:mod:`sim.bargaining.frontier`), asked of
:mod:`sim.bargaining.concave`: the mediator's Nash package within the estimated win-sets,
then ignoring them, then the max-min package; a proposer's best package under the others'
floors; the stationary alternating-offers offer. Every replicate is solved independently,
so the cost per replicate grows with parties n and issues K as n K^2 + K^3 per Newton step
and memory as n K.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.bargaining.concave import (
    BARRIER_LEVELS,
    LEVELS,
    Utilities,
    best_under_floors,
    max_min,
    nash,
)
from sim.bargaining.waiting import WaitingTerms, waiting_value

if TYPE_CHECKING:
    from sim.bargaining.frontier import Geometry

#: a start (or a max-min package) must leave every surplus at least this to start Newton
_ROOM = 1e-12
#: from last round's package, already solved at the finest level, only fine levels remain
WARM_LEVELS = LEVELS[3:]
#: from last round's package, the max-min search also skips the coarse barrier levels
WARM_MAX_MIN_LEVELS = BARRIER_LEVELS[4:]


#: estimated win-set values closer to zero than this are zero (a numerical guard)
WIN_SET_RESOLUTION = 1e-100


def win_set_constraints(winset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each party's win-set constraint coef . x + const >= 0 from its values on the affine
    probes of :meth:`Geometry._affine_probes` (the origin, then the unit packages).

    winset: (R, K + 1, n). Returns coef (R, C, K), const (R, C) for the C parties whose
    constraint can bind in some replicate (a constant positive value never binds).
    """
    # values of order 1e-215 would square to zero in the barrier's Hessian (a division
    # by zero); on a scale where utilities are of order one they are zero
    winset = np.where(np.abs(winset) < WIN_SET_RESOLUTION, 0.0, winset)
    const = winset[:, 0, :]
    coef = np.swapaxes(winset[:, 1:, :] - const[:, None, :], 1, 2)  # (R, n, K)
    binding = np.any(coef != 0.0, axis=(0, 2)) | np.any(const <= 0.0, axis=0)
    return coef[:, binding], const[:, binding]


def _nash_or_max_min(
    util: Utilities,
    lower: np.ndarray,
    upper: np.ndarray,
    d: np.ndarray,
    w: np.ndarray,
    start: np.ndarray,
    coef: np.ndarray | None = None,
    const: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The Nash package where some package gives every party a surplus (and meets every
    constraint); elsewhere the max-min package. Returns (x, found)."""
    warm = np.all(np.isfinite(start), axis=1)
    x = np.where(warm[:, None], start, lower)
    margin = np.min(util.exact(x) - d, axis=1)
    if coef is not None and const is not None:
        margin = np.minimum(margin, np.min(np.einsum("nck,nk->nc", coef, x) + const, axis=1))
    warm &= margin > 1e-9
    found = warm.copy()
    cold = np.flatnonzero(~warm)
    if cold.size:
        # where last round's package exists but no longer gives every party a surplus,
        # the max-min package is searched from it at the fine levels only (the value
        # found says whether a Nash package exists); elsewhere a coarse max-min search
        # finds a start where one exists, and only where it does not is the max-min
        # package (the fallback) searched for exactly
        sub = _rows(cold, util, lower, upper, d, coef, const)
        who = np.ones((cold.size, d.shape[1]), dtype=bool)
        # within the win-sets only whether there is room matters: a row without goes on
        # to the search without them, which gives its package
        decide = None if coef is None else _ROOM
        xm = np.empty((cold.size, lower.shape[1]))
        vm = np.empty(cold.size)
        known = np.all(np.isfinite(start[cold]), axis=1)
        again, new = np.flatnonzero(known), np.flatnonzero(~known)
        if again.size:
            rest = _rows(again, *sub)
            xm[again], vm[again] = max_min(
                *rest[:4],
                who[again],
                *rest[4:],
                start=start[cold[again]],
                levels=WARM_MAX_MIN_LEVELS,
                margin=d.shape[1] * WARM_MAX_MIN_LEVELS[0],
                decide=decide,
            )
        if new.size:
            rest = _rows(new, *sub)
            xn, vn = max_min(*rest[:4], who[new], *rest[4:], levels=BARRIER_LEVELS[:2])
            short = np.flatnonzero(vn <= _ROOM)
            if short.size:
                more = _rows(short, *rest)
                xn[short], vn[short] = max_min(
                    *more[:4],
                    who[new[short]],
                    *more[4:],
                    start=xn[short],
                    levels=BARRIER_LEVELS[2:],
                    decide=decide,
                )
            xm[new], vm[new] = xn, vn
        x[cold] = xm
        found[cold] = vm > _ROOM
    for go, levels in (
        (np.flatnonzero(warm), WARM_LEVELS),
        (np.flatnonzero(found & ~warm), LEVELS),
    ):
        if go.size:
            sub = _rows(go, util, lower, upper, d, coef, const)
            x[go] = nash(*sub[:4], w[go], x[go], *sub[4:], levels=levels)
    return x, found


def _rows(
    idx: np.ndarray,
    util: Utilities,
    lower: np.ndarray,
    upper: np.ndarray,
    d: np.ndarray,
    coef: np.ndarray | None,
    const: np.ndarray | None,
) -> tuple[Utilities, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The programme's data for some of its rows."""
    return (
        util.take(idx),
        lower[idx],
        upper[idx],
        d[idx],
        None if coef is None else coef[idx],
        None if const is None else const[idx],
    )


def select_nash(
    geometry: Geometry, d: np.ndarray, w: np.ndarray, winset: np.ndarray | None, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The mediator's package for ``rows`` and the rule that gave it (0 Nash within the
    win-sets, 1 Nash ignoring them, 2 max-min); arguments as :func:`select_nash` of the
    frontier, with ``winset`` on the affine probes. Returns (x (R, K), rule (R,))."""
    util = Utilities.of(geometry.parties, rows)
    lower, upper = geometry.lower[rows], geometry.upper[rows]
    dd, ww = d[rows], w[rows]
    start = geometry.warm[rows]
    x = np.empty((rows.size, geometry.k))
    rule = np.full(rows.size, 2, dtype=np.int8)
    pending = np.arange(rows.size)
    if winset is not None:
        coef, const = win_set_constraints(winset[rows])
        if coef.shape[1]:
            xw, ok = _nash_or_max_min(util, lower, upper, dd, ww, start, coef, const)
            x[ok] = xw[ok]
            rule[ok] = 0
            pending = np.flatnonzero(~ok)
    if pending.size:
        sub = util if pending.size == rows.size else util.take(pending)
        xf, ok = _nash_or_max_min(
            sub, lower[pending], upper[pending], dd[pending], ww[pending], start[pending]
        )
        x[pending] = xf
        rule[pending[ok]] = 1
    geometry.warm[rows] = x
    return x, rule


def best_for(
    geometry: Geometry, proposer: int, floors: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The package best for ``proposer`` giving every other party its floor (R, n), or the
    one maximising the smallest margin over the floors (found False)."""
    util = Utilities.of(geometry.parties, rows)
    return best_under_floors(util, geometry.lower[rows], geometry.upper[rows], proposer, floors)


def _anderson(history: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Anderson's extrapolation of a fixed-point iteration v -> G(v), row by row, from the
    last few pairs (v, G(v)): the combination of the G(v) whose residuals G(v) - v cancel
    best (least squares, lightly regularised). (R, m) arrays in, (R, m) out."""
    vs = np.stack([v for v, _ in history], axis=2)  # (R, m, h)
    gs = np.stack([g for _, g in history], axis=2)
    f = gs - vs
    df, dg = np.diff(f, axis=2), np.diff(gs, axis=2)  # (R, m, h - 1)
    gram = np.einsum("rmi,rmj->rij", df, df)
    scale = np.trace(gram, axis1=1, axis2=2)[:, None, None] + 1e-300
    gram = gram + 1e-10 * scale * np.eye(gram.shape[1])
    gamma = np.linalg.solve(gram, np.einsum("rmi,rm->ri", df, f[..., -1])[..., None])[..., 0]
    return gs[..., -1] - np.einsum("rmi,ri->rm", dg, gamma)


#: the rough passes' barrier levels and Newton steps, then their convergence tolerance
ROUGH = ((1e-3,), 4, 1e-5)
#: the most exact passes with outside options or costs (0.9^150 is 1.4e-7)
OUTSIDE_OPTION_PASSES = 400


def rotation_values(
    geometry: Geometry,
    d: np.ndarray,
    delta: np.ndarray,
    rows: np.ndarray,
    tol: float = 1e-7,
    max_passes: int = 100,
    exact_passes: int = 6,
    memory: int = 12,
    terms: WaitingTerms | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stationary subgame-perfect offers of alternating offers with the rotation
    0, 1, ..., n - 1, 0, ... and unanimity (docs/model.md, "Protocols").

    Proposer i offers the package best for itself that gives every responder j its
    discounted value of the continuation, in which the NEXT proposer i + 1 proposes:
    floor_ij = d_j + delta_j (U_j(x_{i+1}) - d_j). A responder's value thus depends on its
    own position in the rotation (how many places it stands behind the next proposer),
    not on its value of proposing itself.

    The values W_ij = U_j(x_i) are the fixed point of that map (a contraction, of rate
    about max delta). Each pass solves every proposer's programme in one batch; the passes
    are accelerated (Anderson, kept within the range of values seen and restarted wherever
    the residual grows). Rough passes (a coarse barrier) run until the values move less
    than 1e-5, exact ones from there until they move less than ``tol``. A row stops when it
    converges; when, exact, its residual stops falling below 1e-5 (the solver's own
    accuracy); when some proposer cannot meet the floors in two passes in a row (no
    stationary agreement: its offers are then the max-min packages of those floors); or
    after ``max_passes`` rough and ``exact_passes`` exact passes (not converged).

    d, delta: (R, n) for replicate positions ``rows``; ``terms``, at the same positions,
    adds each responder's cost of a round and outside option to its floor
    (:func:`sim.bargaining.waiting.responder_floor`). Returns offers (R, n, K) (row i:
    proposer i's), values W (R, n, n) and whether each row converged (R,).
    """
    if terms is not None:
        # an outside option's kink throws the rough, extrapolated passes into cycles;
        # plain exact passes converge (the map is a contraction of rate max delta)
        max_passes, exact_passes, memory = 0, max(exact_passes, OUTSIDE_OPTION_PASSES), 1
    n, r, k = geometry.n_parties, rows.size, geometry.k
    util = Utilities.of(geometry.parties, np.tile(rows, n))  # block i: proposer i's
    lower, upper = np.tile(geometry.lower[rows], (n, 1)), np.tile(geometry.upper[rows], (n, 1))
    me = np.repeat(np.arange(n), r)
    after = (np.arange(n) + 1) % n
    offers = np.full((r, n, k), np.nan)
    converged = np.zeros(r, dtype=bool)

    def solve(w: np.ndarray, go: np.ndarray, exact: bool) -> tuple[np.ndarray, np.ndarray]:
        """One pass for rows ``go``: every proposer's offer under the floors values w
        (G, n, n) give. Returns the new values and whether every floor was met."""
        dd, dl = d[go][:, None, :], delta[go][:, None, :]
        if terms is None:
            floors = dd + dl * (w[:, after, :] - dd)
        else:  # less the cost of a round, at least d, at least the outside option
            cost, outside = terms.cost[go][:, None, :], terms.outside[go][:, None, :]
            floors = np.maximum(waiting_value(w[:, after, :], dd, dl, cost), outside)
        pick = (np.arange(n)[:, None] * r + go[None, :]).ravel()  # proposer-major
        flat = floors.transpose(1, 0, 2).reshape(-1, n)
        start = offers[go].transpose(1, 0, 2).reshape(-1, k)
        sub = util.take(pick)
        # the exact passes start from the rough fixed point: the coarse levels are spent
        extra = (
            {"levels": BARRIER_LEVELS[3:]} if exact else {"levels": ROUGH[0], "max_steps": ROUGH[1]}
        )
        x, found = best_under_floors(sub, lower[pick], upper[pick], me[pick], flat, start, **extra)
        offers[go] = x.reshape(n, go.size, k).transpose(1, 0, 2)
        met = np.all(found.reshape(n, go.size), axis=0)
        return sub.exact(x).reshape(n, go.size, n).transpose(1, 0, 2), met

    everyone = np.arange(r)
    w, _ = solve(np.broadcast_to(d[:, None, :], (r, n, n)).copy(), everyone, False)
    for exact, limit, cap in ((False, ROUGH[2], max_passes), (True, tol, exact_passes)):
        last = np.full(r, np.inf)
        missed = np.zeros(r, dtype=bool)
        go = everyone
        history: list[tuple[np.ndarray, np.ndarray]] = []
        for _ in range(cap):
            if not go.size:
                break
            v = w[go].reshape(go.size, -1)
            g3, met = solve(w[go], go, exact)
            g = g3.reshape(go.size, -1)
            moved = np.max(np.abs(g - v), axis=1)
            done = moved < limit
            if exact:
                converged[go[done]] = True
            stuck = ~met & missed[go]
            missed[go] = ~met
            # where the residual grew, the extrapolation overshot: forget the history there
            worse = moved > last[go]
            history.append((v, g))
            history = [
                (np.where(worse[:, None], v, a), np.where(worse[:, None], g, b))
                for a, b in history[-memory:]
            ]
            step = _anderson(history) if len(history) >= 2 else g
            seen = np.stack([b for _, b in history])
            step = np.clip(step, seen.min(axis=0), seen.max(axis=0))
            step = np.where(np.isfinite(step), step, g)
            # at the solver's own accuracy the residual stops falling: the row is done
            stalled = exact & worse & (moved < ROUGH[2])
            stop = done | stuck | stalled
            w[go] = np.where(stop[:, None], g, step).reshape(go.size, n, n)
            last[go] = moved
            keep = ~stop
            go = go[keep]
            history = [(a[keep], b[keep]) for a, b in history]
    return offers, w, converged


def stationary_offer(
    geometry: Geometry,
    proposer: int,
    d: np.ndarray,
    delta: np.ndarray,
    rows: np.ndarray,
    iterations: int | None = None,
    terms: WaitingTerms | None = None,
) -> np.ndarray:
    """The offer of :func:`~sim.bargaining.frontier.stationary_offer` for three or more
    parties, with the rotation 0, 1, ..., n - 1: proposer ``proposer``'s package of
    :func:`rotation_values`, which stops by its convergence test (``iterations``, the
    two-party bisection's step count, is not used here). Returns (R, K)."""
    del iterations
    offers, _, _ = rotation_values(geometry, d, delta, rows, terms=terms)
    return offers[:, proposer, :]
