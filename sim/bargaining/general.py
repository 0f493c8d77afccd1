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

if TYPE_CHECKING:
    from sim.bargaining.frontier import Geometry

#: a start (or a max-min package) must leave every surplus at least this to start Newton
_ROOM = 1e-12
#: from last round's package, already solved at the finest level, only fine levels remain
WARM_LEVELS = LEVELS[3:]
#: from last round's package, the max-min search also skips the coarse barrier levels
WARM_MAX_MIN_LEVELS = BARRIER_LEVELS[4:]
#: the responders' values are iterated at a coarser accuracy; the final offer is exact
ROUGH_LEVELS = (1e-3,)


def win_set_constraints(winset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each party's win-set constraint coef . x + const >= 0 from its values on the affine
    probes of :meth:`Geometry._affine_probes` (the origin, then the unit packages).

    winset: (R, K + 1, n). Returns coef (R, C, K), const (R, C) for the C parties whose
    constraint can bind in some replicate (a constant positive value never binds).
    """
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


def stationary_offer(
    geometry: Geometry,
    proposer: int,
    d: np.ndarray,
    delta: np.ndarray,
    rows: np.ndarray,
    iterations: int = 42,
) -> np.ndarray:
    """The offer of :func:`~sim.bargaining.frontier.stationary_offer` for three or more
    parties: each responder is held to its value of proposing next round, those values
    found by iteration (stopping early once no value moves by more than 1e-6), every
    proposer's search of a pass solved in one batch."""
    n, r = geometry.n_parties, rows.size
    # every proposer's search at once: block j of n * R rows is proposer j's
    util = Utilities.of(geometry.parties, np.tile(rows, n))
    lower, upper = np.tile(geometry.lower[rows], (n, 1)), np.tile(geometry.upper[rows], (n, 1))
    me = np.repeat(np.arange(n), r)
    own = np.arange(n)[None, :] == me[:, None]
    values = d.copy()
    offers = None
    for _ in range(iterations):
        offers, _ = best_under_floors(
            util, lower, upper, me, np.tile(values, (n, 1)), offers, ROUGH_LEVELS, 4
        )
        mine = np.sum(np.where(own, util.exact(offers), 0.0), axis=1).reshape(n, r).T
        new = d + delta * (mine - d)
        moved = np.max(np.abs(new - values), initial=0.0)
        values = new
        if moved < 1e-6:
            break
    block = slice(proposer * r, (proposer + 1) * r)
    start = None if offers is None else offers[block]
    x, _ = best_under_floors(
        util.take(np.arange(r) + proposer * r),
        lower[block],
        upper[block],
        proposer,
        values,
        start,
        max_steps=8,
    )
    return x
