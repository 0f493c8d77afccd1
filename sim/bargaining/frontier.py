"""Bargaining geometry over a whole ensemble at once: utilities, the frontier, proposals.

Every function works on arrays with a leading replicate axis N, so that one call serves
100,000 replicates or one. The parties' utilities are separable and concave:

    U_i(x) = 1 - sum_k s_ik * loss(|x_k - a_ik|) - sum_r p_ir * max(0, violation_r(x))

(linear or quadratic loss; soft red lines are hinges). Two facts make exact proposals
cheap:

* Every Pareto-optimal package maximises a weighted sum ``sum_i mu_i U_i`` over the box,
  and that maximisation splits into one-dimensional problems, one per issue, each
  solved exactly by checking kinks and stationary points (:meth:`Geometry.weighted_best`).
* With two parties and linear loss the frontier is a polyline whose vertices are the
  weighted-sum solutions between consecutive "breakpoint" weights; utilities are linear
  along each edge, so the Nash product along an edge has a closed-form maximiser. The
  frontier does not depend on the disagreement point, so it is built once per replicate
  and each round only picks the best point on it (:func:`select_nash`). Corners and edges
  of the box (logrolls) are therefore handled exactly, not by an optimiser that may stall.

With quadratic loss the same polyline is a dense sample of the curved frontier and the
pick is refined by root-finding on the weight (:meth:`Geometry.refine_nash`). With three
or more parties the frontier is sampled on a lattice of weights and the best sampled
package is taken (documented as an approximation in docs/model.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np

from sim.bargaining import general
from sim.bargaining.waiting import WaitingTerms, responder_floor, waiting_value
from sim.indexing import take_pairs, take_rows

_TINY = 1e-12


@dataclass
class PartyShape:
    """One party's utility parameters over the ensemble.

    ideal, salience: (N, K), saliences normalised to sum 1 per replicate.
    line_issue: (R,) issue index of each soft red line; line_sign: (R,) +1 for a max line
    (violated above the bound), -1 for a min line; line_bound, line_penalty: (N, R).
    """

    ideal: np.ndarray
    salience: np.ndarray
    quadratic: bool
    line_issue: np.ndarray
    line_sign: np.ndarray
    line_bound: np.ndarray
    line_penalty: np.ndarray

    def utility(
        self, x: np.ndarray, *, penalties: bool = True, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """U(x) for packages x of shape (N, K) or (N, M, K); result (N,) or (N, M).

        With ``rows``, x holds packages for those replicate positions only.
        """
        ideal, sal = self.ideal, self.salience
        b, p = self.line_bound, self.line_penalty
        if rows is not None:
            ideal, sal = take_rows(ideal, rows), take_rows(sal, rows)
            b, p = take_rows(b, rows), take_rows(p, rows)
        if x.ndim == 3:
            ideal, sal = ideal[:, None, :], sal[:, None, :]
        # in place where the arrays are our own temporaries (called thousands of times a
        # round, often on a few rows, where each array made costs as much as the arithmetic)
        dist = x - ideal
        np.abs(dist, out=dist)
        loss = dist * dist if self.quadratic else dist
        u = 1.0 - np.einsum("...k,...k->...", sal, loss)
        if penalties and self.line_issue.size:
            if x.ndim == 3:
                b, p = b[:, None, :], p[:, None, :]
            viol = x.take(self.line_issue, axis=-1) - b  # on the lines' issues
            viol *= self.line_sign
            np.maximum(0.0, viol, out=viol)
            u -= np.einsum("...r,...r->...", p, viol)
        return u

    def at_rows(self, rows: np.ndarray) -> PartyShape:
        """The same party's parameters at some replicate positions only: ``utility(x)`` of
        the result is ``utility(x, rows=rows)`` of this one, with the parameters gathered
        once for callers that evaluate the same rows several times."""
        return PartyShape(
            take_rows(self.ideal, rows),
            take_rows(self.salience, rows),
            self.quadratic,
            self.line_issue,
            self.line_sign,
            take_rows(self.line_bound, rows),
            take_rows(self.line_penalty, rows),
        )

    def issue_values(self, c: np.ndarray) -> np.ndarray:
        """Per-issue utility terms f_k(c) for candidates c of shape (N, K, C)."""
        dist = np.abs(c - self.ideal[:, :, None])
        f = -self.salience[:, :, None] * (dist * dist if self.quadratic else dist)
        for r, k in enumerate(self.line_issue):
            viol = np.maximum(0.0, self.line_sign[r] * (c[:, k, :] - self.line_bound[:, r, None]))
            f[:, k, :] -= self.line_penalty[:, r, None] * viol
        return f

    def issue_slopes(self, c: np.ndarray, side: int) -> np.ndarray:
        """One-sided derivatives of f_k at c (side -1: from the left, +1: from the right)."""
        diff = c - self.ideal[:, :, None]
        if self.quadratic:
            d = -2.0 * self.salience[:, :, None] * diff
        else:
            above = diff > 0 if side < 0 else diff >= 0
            d = np.where(above, -1.0, 1.0) * self.salience[:, :, None]
        for r, k in enumerate(self.line_issue):
            sign = self.line_sign[r]
            off = sign * (c[:, k, :] - self.line_bound[:, r, None])
            violated = off > 0 if side * sign < 0 else off >= 0
            d[:, k, :] -= np.where(violated, sign * self.line_penalty[:, r, None], 0.0)
        return d


class Geometry:
    """The bargaining space of an ensemble: the parties' utilities over a box.

    ``lower`` and ``upper`` (N, K) bound the packages (the absolute red lines of every
    party). ``feasible`` (N,) is False where absolute red lines leave no package.
    """

    THETA_GRID = 64  # weight samples added for curved (quadratic) frontiers

    def __init__(self, parties: list[PartyShape], lower: np.ndarray, upper: np.ndarray) -> None:
        self.parties = parties
        self.n_parties = len(parties)
        self.feasible = np.all(lower <= upper + 1e-12, axis=1)
        self.lower = lower
        self.upper = np.maximum(upper, lower)
        self.n, self.k = lower.shape
        self.quadratic = any(p.quadratic for p in parties)
        if self.n_parties == 2:
            self._candidates()
            self._build_frontier()
        else:
            self._affine_probes()

    # ---- weighted-sum oracle -------------------------------------------------------
    def _candidates(self) -> None:
        """Kinks of the per-issue utilities inside the box, sorted: (N, K, C)."""
        cols = [self.lower, self.upper]
        for p in self.parties:
            if not p.quadratic:
                cols.append(p.ideal)
            for r, k in enumerate(p.line_issue):
                col = np.full((self.n, self.k), np.nan)
                col[:, k] = p.line_bound[:, r]
                cols.append(col)
        c = np.stack(cols, axis=2)
        c = np.where(np.isnan(c), self.lower[:, :, None], c)
        c = np.clip(c, self.lower[:, :, None], self.upper[:, :, None])
        self.cand = np.sort(c, axis=2)
        self.cand_values = np.stack([p.issue_values(self.cand) for p in self.parties])  # (n,N,K,C)
        if self.quadratic:
            mid = 0.5 * (self.cand[:, :, 1:] + self.cand[:, :, :-1])
            self.mid = mid
            self.mid_slopes = np.stack([p.issue_slopes(mid, +1) for p in self.parties])
            self.curvature = np.stack(
                [
                    -2.0 * p.salience if p.quadratic else np.zeros_like(p.salience)
                    for p in self.parties
                ]
            )  # (n, N, K)

    def weighted_best(self, mu: np.ndarray) -> np.ndarray:
        """The package maximising sum_i mu_i U_i over the box; mu (N, n) -> x (N, K).

        Exact: the per-issue objective is concave and piecewise smooth, so its maximum is
        at a kink or at the stationary point of a quadratic piece, all of which are checked.
        """
        w = mu.T[:, :, None, None]  # (n, N, 1, 1)
        values = np.sum(w * self.cand_values, axis=0)  # (N, K, C)
        best = np.argmax(values, axis=2)
        x = np.take_along_axis(self.cand, best[:, :, None], axis=2)[:, :, 0]
        if not self.quadratic:
            return x
        slope = np.sum(w * self.mid_slopes, axis=0)  # (N, K, C-1) derivative at midpoints
        curv = np.sum(mu.T[:, :, None] * self.curvature, axis=0)[:, :, None]  # (N, K, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            root = np.where(curv < 0, self.mid - slope / curv, self.mid)
        root = np.clip(root, self.cand[:, :, :-1], self.cand[:, :, 1:])
        root_values = np.sum(w * np.stack([p.issue_values(root) for p in self.parties]), axis=0)
        best_root = np.argmax(root_values, axis=2)
        r_val = np.take_along_axis(root_values, best_root[:, :, None], axis=2)[:, :, 0]
        c_val = np.take_along_axis(values, best[:, :, None], axis=2)[:, :, 0]
        r_x = np.take_along_axis(root, best_root[:, :, None], axis=2)[:, :, 0]
        return np.where(r_val > c_val, r_x, x)

    # ---- the frontier ----------------------------------------------------------------
    def _breakpoints(self) -> np.ndarray:
        """Weights theta (on party 0) at which the weighted-sum solution can change."""
        d0l, d0r = (self.parties[0].issue_slopes(self.cand, s) for s in (-1, 1))
        d1l, d1r = (self.parties[1].issue_slopes(self.cand, s) for s in (-1, 1))
        thetas = []
        for a, b in ((d0l, d1l), (d0r, d1r)):
            with np.errstate(divide="ignore", invalid="ignore"):
                th = b / (b - a)
            ok = (a * b < 0) & np.isfinite(th)
            thetas.append(np.where(ok, th, np.nan).reshape(self.n, -1))
        th = np.concatenate(thetas, axis=1)
        if self.quadratic:
            grid = np.linspace(0.0, 1.0, self.THETA_GRID + 1)[1:-1]
            th = np.concatenate([th, np.broadcast_to(grid, (self.n, grid.size))], axis=1)
        th = np.where((th > _TINY) & (th < 1 - _TINY), th, np.nan)
        th = np.sort(th, axis=1)  # NaN last
        # drop repeats, so that each replicate keeps only its distinct breakpoints
        repeat = np.zeros_like(th, dtype=bool)
        repeat[:, 1:] = np.abs(np.diff(th, axis=1)) < 1e-12
        th = np.sort(np.where(repeat, np.nan, th), axis=1)
        # at least one column, so that the frontier has a segment (two coinciding vertices)
        # even where no replicate has a breakpoint (e.g. every party shares the ideal)
        width = max(int(np.max(np.sum(~np.isnan(th), axis=1), initial=0)), 1)
        th = th[:, :width]
        edge = 1.0 - 1e-9
        th = np.where(np.isnan(th), edge, th)
        bounds = np.concatenate(
            [np.full((self.n, 1), 1e-9), th, np.full((self.n, 1), edge)], axis=1
        )
        mids = 0.5 * (bounds[:, 1:] + bounds[:, :-1])  # midpoints: (N, J)
        if self.quadratic:
            # a curved frontier moves with every weight: keep its two ends (each party's
            # best package) as vertices too, or the polyline cuts them off and no proposer
            # can offer its own best package
            return np.concatenate([bounds[:, :1], mids, bounds[:, -1:]], axis=1)
        return mids

    def _build_frontier(self) -> None:
        """Two parties: the frontier polyline, one vertex per weight between breakpoints."""
        thetas = self._breakpoints()
        self.theta: np.ndarray | None = thetas
        weights = np.stack([thetas, 1.0 - thetas], axis=2)  # (N, J, 2)
        j = weights.shape[1]
        self.vertices = np.stack([self.weighted_best(weights[:, m, :]) for m in range(j)], axis=1)
        self.vertex_utility = self.utilities(self.vertices)  # (N, J, n)
        self.segments = True

    def _affine_probes(self) -> None:
        """Three or more parties: no frontier is built (proposals are solved exactly, see
        :mod:`sim.bargaining.concave`). ``vertices`` are then the origin and the unit
        packages, (N, K + 1, K): any affine function of a package evaluated on them (as the
        model does with the win-set constraints) gives back its coefficients exactly.
        """
        probes = np.vstack([np.zeros((1, self.k)), np.eye(self.k)])
        self.vertices = np.broadcast_to(probes, (self.n, self.k + 1, self.k))
        self.vertex_utility = self.utilities(self.vertices)
        self.segments = False
        self.theta = None
        self.warm = np.full((self.n, self.k), np.nan)  # last proposal, a start for the next

    def utilities(self, x: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Utilities of every party: x (N, K) -> (N, n); (N, M, K) -> (N, M, n).

        With ``rows``, x holds packages for those replicate positions only.
        """
        return np.stack([p.utility(x, rows=rows) for p in self.parties], axis=-1)

    # ---- picking a package on the frontier --------------------------------------------
    def ends(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Segment end packages and utilities: XP, XQ (N, S, K); UP, UQ (N, S, n).

        Contiguous copies, made once: callers gather a few rows of them many times a round,
        and numpy's ``take`` copies the whole of a non-contiguous array (a slice of the
        vertices) before it gathers (about 70 us against 0.4 us for 30 rows of 4,000)."""
        cached: tuple[np.ndarray, ...] | None = getattr(self, "_ends", None)
        if cached is None:
            v, u = self.vertices, self.vertex_utility
            ends = (v[:, :-1], v[:, 1:], u[:, :-1], u[:, 1:]) if self.segments else (v, v, u, u)
            cached = self._ends = tuple(np.ascontiguousarray(e) for e in ends)
        xp, xq, up, uq = cached
        return xp, xq, up, uq

    def pick_cache(self, winset: np.ndarray | None) -> dict[str, np.ndarray]:
        """Per-segment quantities that do not change between rounds (two parties)."""
        key = None if winset is None else id(winset)
        cached = getattr(self, "_pick_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        u = self.vertex_utility
        pre = {  # contiguous: rows of these are gathered every round (see ends)
            "u0p": np.ascontiguousarray(u[:, :-1, 0]),
            "u1p": np.ascontiguousarray(u[:, :-1, 1]),
            "b0": u[:, 1:, 0] - u[:, :-1, 0],
            "b1": u[:, 1:, 1] - u[:, :-1, 1],
        }
        pre["prod"] = pre["b0"] * pre["b1"]
        pre["sumb"] = pre["b0"] + pre["b1"]
        if winset is not None:
            la0, la1 = winset[:, :-1, 0], winset[:, :-1, 1]
            pre["wlo"], pre["whi"] = _interval2(
                la0, winset[:, 1:, 0] - la0, la1, winset[:, 1:, 1] - la1, 0.0
            )
        self._pick_cache = (key, pre)
        return pre

    def refine_nash(
        self,
        x: np.ndarray,
        d: np.ndarray,
        w: np.ndarray,
        rows: np.ndarray,
        seg: np.ndarray,
        iterations: int = 40,
    ) -> np.ndarray:
        """Polish a two-party Nash package on a curved frontier by bisection on the weight.

        At the Nash solution x* maximises mu_0 U_0 + mu_1 U_1 with mu_i = w_i/(U_i - d_i),
        so theta = mu_0/(mu_0 + mu_1) solves F(theta) = theta w_1 (U_0 - d_0)
        - (1 - theta) w_0 (U_1 - d_1) = 0, and F increases with theta.
        Only ``rows`` (replicate positions) are refined; others are returned unchanged.
        """
        if not self.quadratic or self.theta is None or rows.size == 0:
            return x
        th = self.theta[rows]
        j = seg[rows]
        lo = th[np.arange(rows.size), np.maximum(j - 1, 0)]
        hi = th[np.arange(rows.size), np.minimum(j + 2, th.shape[1] - 1)]
        lo = np.where(j - 1 < 0, 1e-9, lo)
        hi = np.where(j + 2 > th.shape[1] - 1, 1 - 1e-9, hi)
        # a view with the attributes Geometry's two methods read (duck-typed as one)
        sub = cast(Geometry, _SubGeometry(self, rows))
        dd, ww = d[rows], w[rows]

        def f(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            xx = sub.weighted_best(np.stack([theta, 1 - theta], axis=1))
            uu = sub.utilities(xx)
            return theta * ww[:, 1] * (uu[:, 0] - dd[:, 0]) - (1 - theta) * ww[:, 0] * (
                uu[:, 1] - dd[:, 1]
            ), xx

        f_lo, _ = f(lo)
        f_hi, _ = f(hi)
        # where a package is held over a range of weights (a corner of the box), many
        # vertices coincide and the pick may lie on a segment away from the Nash weight:
        # F increases with theta, so search the whole range there
        wide = ~((f_lo <= 0) & (f_hi >= 0))
        lo = np.where(wide, 1e-9, lo)
        hi = np.where(wide, 1 - 1e-9, hi)
        for _ in range(iterations):
            mid = 0.5 * (lo + hi)
            fm, _ = f(mid)
            lo = np.where(fm < 0, mid, lo)
            hi = np.where(fm < 0, hi, mid)
        _, x_ref = f(0.5 * (lo + hi))
        # keep the polished package only where it raises the Nash product: at a jump of
        # the weighted-sum solution (an edge of the frontier) the bisection ends on a
        # vertex, and without an estimated zone of agreement (max-min pick) F means nothing
        before = _nash_value(sub.utilities(x[rows]), dd, ww)
        better = _nash_value(sub.utilities(x_ref), dd, ww) > before
        out = x.copy()
        out[rows[better]] = x_ref[better]
        return out


def _nash_value(u: np.ndarray, d: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum_i w_i log(u_i - d_i) per row, -inf where some surplus is not positive."""
    s = u - d
    ok = np.all(s > 0, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.sum(w * np.log(np.where(s > 0, s, 1.0)), axis=1)
    return np.where(ok, v, -np.inf)


def _rows_of(p: PartyShape, rows: np.ndarray) -> PartyShape:
    """A party's utility parameters at some replicate positions."""
    return p.at_rows(rows)


class _SubGeometry:
    """A view of some replicates of a Geometry, for the weighted-sum oracle."""

    def __init__(self, g: Geometry, rows: np.ndarray) -> None:
        self.quadratic = g.quadratic
        self.parties = [_rows_of(p, rows) for p in g.parties]
        self.cand = g.cand[rows]
        self.cand_values = g.cand_values[:, rows]
        self.mid = g.mid[rows]
        self.mid_slopes = g.mid_slopes[:, rows]
        self.curvature = g.curvature[:, rows]

    weighted_best = Geometry.weighted_best
    utilities = Geometry.utilities


@dataclass
class Pick:
    """The package picked on the frontier, per replicate."""

    x: np.ndarray  # (N, K)
    segment: np.ndarray  # (N,) index of the frontier segment
    rule: np.ndarray  # (N,) 0 Nash within win-sets, 1 Nash ignoring win-sets, 2 max-min
    # two parties: per segment of the rows searched (R, S), the surpluses at the segment's
    # start (a0, a1) and the admissible interval of the edge parameter under the pick's
    # rule (lo, hi), for a search of the same segments (the mediator's interests)
    search: dict[str, np.ndarray] | None = None


def _interval(a: np.ndarray, b: np.ndarray, strict: bool) -> tuple[np.ndarray, np.ndarray]:
    """The t in [0, 1] with a + b t > 0 (strict) or >= 0 for every last-axis entry."""
    eps = 1e-12 if strict else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        root = (eps - a) / b
    lo = np.where(b > 0, root, -np.inf)
    hi = np.where(b < 0, root, np.inf)
    never = (b == 0) & (a < eps)
    lo = np.max(np.where(never, np.inf, lo), axis=2)
    hi = np.min(hi, axis=2)
    return np.maximum(lo, 0.0), np.minimum(hi, 1.0)


def _interval2(
    a0: np.ndarray, b0: np.ndarray, a1: np.ndarray, b1: np.ndarray, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """The t in [0, 1] with a_i + b_i t >= eps for both parties (2-D arrays)."""
    lo = np.zeros_like(a0)
    hi = np.ones_like(a0)
    for a, b in ((a0, b0), (a1, b1)):
        with np.errstate(divide="ignore", invalid="ignore"):
            root = (eps - a) / b
        lo = np.where(b > 0, np.maximum(lo, root), lo)
        hi = np.where(b < 0, np.minimum(hi, root), hi)
        hi = np.where((b == 0) & (a < eps), -1.0, hi)
    return lo, hi


def select_nash(
    geometry: Geometry, d: np.ndarray, w: np.ndarray, winset: np.ndarray | None, rows: np.ndarray
) -> Pick:
    """The (weighted) Nash package on the frontier for the replicates ``rows``.

    d: (N, n) disagreement points (estimated BATNAs); w: (N, n) Nash weights.
    winset: (N, J, n) the value at each frontier vertex of each party's ratification
    constraint (``>= 0`` means expected to ratify; linear along a segment), or None.
    Falls back, per replicate, to the Nash package ignoring win-sets, then to the
    package maximising the smallest surplus (when no package is estimated to beat every
    BATNA).
    """
    if geometry.n_parties != 2:
        x, rule = general.select_nash(geometry, d, w, winset, rows)
        return Pick(x=x, segment=np.zeros(rows.size, dtype=np.int64), rule=rule)
    pre = geometry.pick_cache(winset)
    every = rows.size == geometry.n

    def take(arr: np.ndarray) -> np.ndarray:
        return arr if every else take_rows(arr, rows)

    u0p, u1p, b0, b1 = take(pre["u0p"]), take(pre["u1p"]), take(pre["b0"]), take(pre["b1"])
    dd, ww = take(d), take(w)
    a0 = u0p - dd[:, 0:1]
    a1 = u1p - dd[:, 1:2]
    w0, w1 = ww[:, 0:1], ww[:, 1:2]
    lo, hi = _interval2(a0, b0, a1, b1, 1e-12)
    # the Nash product is concave along a segment: its maximiser on any sub-interval is
    # the unconstrained maximiser clipped to it
    prod = take(pre["prod"])
    with np.errstate(divide="ignore", invalid="ignore"):
        t_star = -(w0 * b0 * a1 + w1 * b1 * a0) / ((w0 + w1) * prod)
    t_star = np.where(prod < 0, t_star, np.where(take(pre["sumb"]) > 0, np.inf, -np.inf))

    def best_on(lo_: np.ndarray, hi_: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        t = np.minimum(np.maximum(t_star, lo_), hi_)
        s0 = a0 + b0 * t
        s1 = a1 + b1 * t
        ok = (hi_ >= lo_) & (s0 > 0) & (s1 > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            v = w0 * np.log(np.where(ok, s0, 1.0)) + w1 * np.log(np.where(ok, s1, 1.0))
        v = np.where(ok, v, -np.inf)
        j = np.argmax(v, axis=1)
        r = np.arange(j.size)
        v_best = take_pairs(v, r, j)
        return j, take_pairs(t, r, j), np.isfinite(v_best)

    best, t_best, found = best_on(lo, hi)
    rule = np.where(found, 1, 2).astype(np.int8)
    lo_rule, hi_rule = lo, hi
    if winset is not None:
        lo_w, hi_w = np.maximum(lo, take(pre["wlo"])), np.minimum(hi, take(pre["whi"]))
        jw, tw, fw = best_on(lo_w, hi_w)
        best = np.where(fw, jw, best)
        t_best = np.where(fw, tw, t_best)
        rule[fw] = 0
        lo_rule = np.where(fw[:, None], lo_w, lo)
        hi_rule = np.where(fw[:, None], hi_w, hi)
    if not np.all(found):
        lost = np.flatnonzero(~found)
        tm, vm = _maxmin2(*(take_rows(arr, lost) for arr in (a0, b0, a1, b1)))
        bm = np.argmax(vm, axis=1)
        best[lost] = bm
        t_best[lost] = take_pairs(tm, np.arange(lost.size), bm)
    v = geometry.vertices
    xp = take_pairs(v, rows, best)
    x = xp + t_best[:, None] * (take_pairs(v, rows, best + 1) - xp)
    search = {"a0": a0, "a1": a1, "b0": b0, "b1": b1, "lo": lo_rule, "hi": hi_rule}
    return Pick(x=x, segment=best, rule=rule, search=search)


def _maxmin2(
    a0: np.ndarray, b0: np.ndarray, a1: np.ndarray, b1: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two parties: maximise min(a0 + b0 t, a1 + b1 t) over t in [0, 1] on every segment.

    The minimum of two lines peaks at an end or where they cross. Returns (t, value).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = (a1 - a0) / (b0 - b1)
    cross = np.clip(np.where(np.isfinite(cross), cross, 0.0), 0.0, 1.0)
    t_best = np.zeros_like(a0)
    v_best = np.minimum(a0, a1)
    for t in (cross, np.ones_like(a0)):
        v = np.minimum(a0 + b0 * t, a1 + b1 * t)
        better = v > v_best
        t_best = np.where(better, t, t_best)
        v_best = np.where(better, v, v_best)
    return t_best, v_best


def best_for(
    geometry: Geometry,
    proposer: int,
    floors: np.ndarray,
    rows: np.ndarray,
    ends: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The package on the frontier best for ``proposer`` that gives every other party at
    least its floor; floors (R, n) for replicate positions ``rows``. ``ends``: the
    segment ends of :meth:`Geometry.ends` already taken at ``rows`` (two parties), for
    callers that search the same rows many times.

    Returns (x (R, K), found (R,)). Where no package meets the floors, returns the package
    that comes closest (maximising the smallest shortfall) and found = False.
    """
    if geometry.n_parties != 2:
        return general.best_for(geometry, proposer, floors, rows)
    if ends is None:
        xp, xq, up, uq = geometry.ends()
        xp, xq, up, uq = (take_rows(arr, rows) for arr in (xp, xq, up, uq))
    else:
        xp, xq, up, uq = ends
    o = 1 - proposer  # a slice, not a list: no copy of the (R, S) arrays
    a = up[..., o : o + 1] - floors[:, None, o : o + 1]
    b = uq[..., o : o + 1] - up[..., o : o + 1]
    lo, hi = _interval(a, b, strict=False)
    ok = hi >= lo
    # own utility is linear along a segment (linear loss) or nearly so: check its ends
    # (lo is +inf on a segment that can never meet the floors, and 0 * inf is NaN there;
    # such segments are dropped by ``ok`` below)
    with np.errstate(invalid="ignore"):
        own_p = up[..., proposer] + (uq[..., proposer] - up[..., proposer]) * lo
        own_q = up[..., proposer] + (uq[..., proposer] - up[..., proposer]) * hi
    t = np.where(own_q > own_p, hi, lo)
    own = np.where(ok, np.maximum(own_p, own_q), -np.inf)
    best = np.argmax(own, axis=1)
    i = np.arange(rows.size)
    found = np.isfinite(take_pairs(own, i, best))
    t_best = np.where(found, take_pairs(t, i, best), 0.0)
    if not np.all(found):
        # the package coming closest to the other party's floor: a segment end
        at_q = a[..., 0] + b[..., 0] * 1.0
        vm = np.maximum(a[..., 0], at_q)
        tm = np.where(at_q > a[..., 0], 1.0, 0.0)
        bm = np.argmax(vm, axis=1)
        best = np.where(found, best, bm)
        t_best = np.where(found, t_best, take_pairs(tm, i, bm))
    at_best = take_pairs(xp, i, best)
    x = at_best + t_best[:, None] * (take_pairs(xq, i, best) - at_best)
    return x, found


def stationary_offer(
    geometry: Geometry,
    proposer: int,
    d: np.ndarray,
    delta: np.ndarray,
    rows: np.ndarray,
    iterations: int = 42,
    terms: WaitingTerms | None = None,
) -> np.ndarray:
    """The proposer's stationary subgame-perfect offer in alternating offers (docs/model.md).

    Each proposer offers the package best for itself that leaves every responder exactly
    its value of proposing next round, d_j + delta_j (U_j(x_j) - d_j), where x_j is the
    responder's own offer (with ``terms``: less its cost of a round, at least d_j, and at
    least its outside option; :func:`responder_floor`). With two parties this is a fixed
    point in the proposer's own utility u, u = T(u), solved by regula falsi on T(u) - u
    (T rises with slope at most delta_0 delta_1 <= 1); with more parties by iterating the
    responders' values. d, delta: (R, n) for replicate positions ``rows`` (d as the
    proposer believes it); ``terms`` at the same positions. Returns the offer, (R, K).
    """
    n = geometry.n_parties
    if n != 2:
        return general.stationary_offer(geometry, proposer, d, delta, rows, iterations, terms)
    me, other = proposer, 1 - proposer
    util = take_rows(geometry.vertex_utility, rows)  # (R, J, 2)
    lo = np.min(util[..., me], axis=1)
    hi = np.max(util[..., me], axis=1)
    # the root search evaluates the same rows several times, often few of them, so that
    # numpy's per-call cost dominates: take the rows once and keep the search lean
    # (the same arithmetic as best_for, hence the same packages)
    xp, xq, up, uq = geometry.ends()
    xp, xq, up, uq = (take_rows(arr, rows) for arr in (xp, xq, up, uq))
    dx = xq - xp
    shape_me, shape_other = (_rows_of(geometry.parties[i], rows) for i in (me, other))
    i_rows = np.arange(rows.size)
    search = {}
    for who in (me, other):
        oth_d = uq[..., 1 - who] - up[..., 1 - who]
        # the other party's utility along each segment: its start and slope, and where
        # the slope rises, falls or is flat (fixed for the search)
        search[who] = (
            up[..., who],
            uq[..., who] - up[..., who],
            up[..., 1 - who],
            oth_d,
            oth_d > 0,
            oth_d < 0,
            oth_d == 0,
        )

    def best(who: int, floor: np.ndarray, at: np.ndarray) -> np.ndarray:
        # best_for(geometry, who, floors, rows[at])[0] with the floor of the other party
        whole = at.size == i_rows.size  # every row: no copies
        own_p0, own_d, oth_p, oth_d, rises, falls, flat = (
            search[who] if whole else (take_rows(arr, at) for arr in search[who])
        )
        i_at = i_rows[: at.size]
        a = oth_p - floor[:, None]
        # (divisions by a flat slope, and 0 * inf, are masked out: the caller silences them)
        root = (0.0 - a) / oth_d
        lo = np.where(rises, root, -np.inf)
        hi = np.where(falls, root, np.inf)
        lo = np.where(flat & (a < 0.0), np.inf, lo)
        lo = np.maximum(lo, 0.0)
        hi = np.minimum(hi, 1.0)
        own_p = own_p0 + own_d * lo
        own_q = own_p0 + own_d * hi
        t = np.where(own_q > own_p, hi, lo)
        own = np.where(hi >= lo, np.maximum(own_p, own_q), -np.inf)
        j = np.argmax(own, axis=1)
        found = np.isfinite(own[i_at, j])
        t_best = np.where(found, t[i_at, j], 0.0)
        if not found.all():
            at_q = a + oth_d * 1.0
            bm = np.argmax(np.maximum(a, at_q), axis=1)
            tm = np.where(at_q > a, 1.0, 0.0)
            j = np.where(found, j, bm)
            t_best = np.where(found, t_best, tm[i_at, bm])
        if whole:
            return xp[i_at, j] + t_best[:, None] * dx[i_at, j]
        return xp[at, j] + t_best[:, None] * dx[at, j]

    def t_of(u: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        whole = at.size == i_rows.size
        d_at, delta_at = (d, delta) if whole else (take_rows(d, at), take_rows(delta, at))
        r_at = None if whole else at
        t_at = None if terms is None else terms.at(r_at)
        floor_me = responder_floor(u, d_at[:, me], delta_at[:, me], t_at, me)
        x_other = best(other, floor_me, at)
        u_other = shape_other.utility(x_other, rows=r_at)
        floor_other = responder_floor(u_other, d_at[:, other], delta_at[:, other], t_at, other)
        x_me = best(me, floor_other, at)
        return shape_me.utility(x_me, rows=r_at), x_me

    # one warning filter for the whole search, not one per evaluation (entering numpy's
    # errstate costs about as much as an arithmetic step on a few rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = _fixed_point(lambda u, at: t_of(u, at)[0], lo, hi, iterations)
        _, x = t_of(u, i_rows)
    return x


def deadline_offer(
    geometry: Geometry,
    proposers: list[int],
    d: np.ndarray,
    delta: np.ndarray,
    rows: np.ndarray,
    terms: WaitingTerms | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """This round's subgame-perfect offer when every party knows the last round of talks:
    ``proposers`` are the proposers of this round, the next, ..., the last. By backward
    induction (Stahl 1972): the last proposer offers the package best for itself that
    gives each responder its value of no agreement (or its outside option); each earlier
    proposer gives each responder j its value of waiting for the next round's offer
    x_{t+1}, d_j + delta_j (U_j(x_{t+1}) - d_j) less its cost of a round, at least d_j
    and at least its outside option. Two or more parties; d, delta (R, n) at ``rows``.

    Returns the offer (R, K) and each party's value of rejecting it and waiting (R, n),
    without outside options (d in the last round): what an opt-out is weighed against.
    """
    n = geometry.n_parties
    cost = np.zeros_like(d) if terms is None else terms.cost
    waiting = d.copy()
    x = np.full((rows.size, geometry.k), np.nan)
    for step, proposer in enumerate(reversed(proposers)):
        if step:
            values = np.stack([p.utility(x, rows=rows) for p in geometry.parties], axis=1)
            waiting = waiting_value(values, d, delta, cost)
        floors = waiting if terms is None else np.maximum(waiting, terms.outside)
        if n == 2:
            x, _ = best_for(geometry, proposer, floors, rows)
        else:
            x, _ = general.best_for(geometry, proposer, floors, rows)
    return x, waiting


def _fixed_point(
    t_of: Callable[[np.ndarray, np.ndarray], np.ndarray],
    lo: np.ndarray,
    hi: np.ndarray,
    iterations: int,
) -> np.ndarray:
    """The u in [lo, hi] with T(u) = u, per replicate, where T(u) - u falls through zero
    once (T(lo) >= lo, T(hi) <= hi); ``t_of(u, at)`` gives T at the positions ``at``.

    By regula falsi with the Illinois rule (an end of the bracket kept twice in a row has
    its value halved, so that both ends close in): T is piecewise linear or nearly so, and
    the root is found in a handful of steps (about 4 typically, 20 at most in the shipped
    scenarios) where bisection always took ``iterations``. A replicate stops when T(u) = u
    to 1e-15 or its bracket is narrower than ``2**-iterations`` of the start (the
    bisection's precision); only the replicates still searching are evaluated, so a
    replicate's answer never depends on the rest of the ensemble. After ``4 *
    iterations`` steps (never reached in practice) the bracket's midpoint is taken.
    """
    a, b = lo.copy(), hi.copy()
    every = np.arange(lo.size)
    fa = t_of(a, every) - a
    fb = t_of(b, every) - b
    # a root at an end of the box (T(lo) <= lo or T(hi) >= hi) is that end
    u = np.where(fa <= 0, a, np.where(fb >= 0, b, 0.5 * (a + b)))
    tol = np.ldexp(np.maximum(hi - lo, 0.0), -iterations)
    active = np.flatnonzero((fa > 0) & (fb < 0) & (b - a > tol))
    side = np.zeros(lo.size, dtype=np.int8)  # -1: b was kept last step, +1: a was
    for _ in range(4 * iterations):
        if active.size == 0:
            return u
        ia, ib, ja, jb = a[active], b[active], fa[active], fb[active]
        c = ib - jb * (ib - ia) / (jb - ja)  # ja > 0 > jb: c lies inside [ia, ib]
        c = np.where((c > ia) & (c < ib), c, 0.5 * (ia + ib))
        fc = t_of(c, active) - c
        right = fc > 0  # the root lies above c: c becomes the low end, b is kept
        kept = np.where(right, -1, 1).astype(np.int8)
        stale = side[active] == kept
        a[active] = np.where(right, c, ia)
        b[active] = np.where(right, ib, c)
        fa[active] = np.where(right, fc, np.where(stale, 0.5 * ja, ja))
        fb[active] = np.where(right, np.where(stale, 0.5 * jb, jb), fc)
        side[active] = kept
        u[active] = c
        settled = np.abs(fc) <= 1e-15
        narrow = b[active] - a[active] <= tol[active]
        u[active[narrow & ~settled]] = 0.5 * (a[active] + b[active])[narrow & ~settled]
        active = active[~(settled | narrow)]
    u[active] = 0.5 * (a[active] + b[active])
    return u
