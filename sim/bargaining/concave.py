"""Exact proposals for any number of parties: batched Newton on the concave programmes.

With three or more parties the mediator's (weighted) Nash package, the max-min fallback
and a proposer's best package under the others' floors are each the maximum of a concave
function over the box of packages, possibly under linear constraints (the mediator's
estimate of each party's win-set, ``coef . x + const >= 0``). They are solved here as such,
for every replicate at once, by one projected Newton method:

* The utilities are separable and concave, U_i(x) = 1 - sum_k s_ik loss(|x_k - a_ik|) minus
  hinge penalties of soft red lines. The kinks of linear loss and of the hinges are
  replaced by Huber pieces of width ``eps`` (quadratic inside, exact outside); the
  smoothed utility differs from the true one by at most ``eps / 2`` and converges to it.
* Constraints (surpluses above a floor, win-sets) enter through log barriers of weight
  ``tau``; the max-min value is an epigraph variable t, maximised with every surplus kept
  above t by its barrier.
* ``eps`` and ``tau`` shrink together along :data:`LEVELS`, each level warm-started from
  the last (a path-following method). At each level a projected Newton step on the free
  coordinates (Levenberg-regularised, since with linear loss the Hessian has rank at most
  the number of parties) with an Armijo search along the projection arc; after a failed
  full step the search tries the step that first reaches a kink or the edge of its
  smoothed band (near a kink the smoothed objective is almost piecewise linear and the
  Newton step overshoots it). A narrower level lowers every smoothed utility, so the
  max-min's epigraph variable is moved back below its barriers where it no longer is.

At the last level the smoothing and barrier error is about 1e-10 in utility; the barrier
of a win-set constraint passing near the package shrinks further (:func:`nash`). With
linear loss the max-min search can still end short of its optimum, crawling along a kink;
the optimum being a vertex of a linear programme, it is then solved for exactly at the end
(:func:`_polish`). A narrower level can leave a package outside the barriers (the
smoothing raised utilities); it steps back towards the path's start (:func:`_back_inside`).
A Nash search that stalls beside kinks (out of steps, or stopped while Newton still
promises a gain) is restarted there and on the kinks nearby (:func:`_unstall`). Where
only whether some package clears every floor matters, the max-min search stops as soon
as one does or a Lagrangian bound proves none can (:func:`_decide`). Each replicate is an
independent row, so the cost per replicate is O(n K^2 + K^3) per Newton step (n parties,
K issues) and the memory O(n K) per replicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.bargaining.frontier import PartyShape

#: smoothing width and barrier weight, shrinking together
LEVELS: tuple[float, ...] = (1e-2, 1e-4, 1e-6, 1e-8, 1e-10)
#: barrier programmes (max-min, floors) follow the central path more closely
BARRIER_LEVELS: tuple[float, ...] = tuple(10.0**-e for e in range(1, 11))
#: the win-set constraints' barrier weight after the last level, as multiples of tau
CONSTRAINT_SCALES: tuple[float, ...] = (1e-2, 1e-4)
#: a constraint further than this from its bound moves the package by under 1e-7
_NEAR_BOUND = 1e-3
MAX_STEPS = 30  # Newton steps per level (rows stop earlier when converged)
#: barrier levels of the max-min search for a start that clears the floors
_START_LEVELS = 3
_STOP = 1e-14
REG = 1e-2  # Levenberg term: REG |g| min(|g|, 1) on the diagonal
BACKTRACKS = 20  # the step shrinks fivefold each time, to 1e-14 of the Newton step
SHRINK = 0.2
#: a level before the last is left once the predicted gain is below level * LOOSE
LOOSE = 1e-2
_SNAP_CHECK_LEVEL = 1e-12  # a snapped point must be inside the barriers at this width
#: how close to a kink a coordinate of the approximate max-min package is taken to be on it
_POLISH_TOLERANCES = (1e-3, 1e-4, 1e-5, 1e-6)
#: a polished vertex replaces the search's package only when better by more than the
#: barrier's own error: where the optimum is not unique the search ends near the middle
#: of the optimal face, and a vertex of equal value is no reason to move to its corner
_POLISH_GAIN = 1e-9
#: how far back towards the start of the path a package outside the barriers moves
_BACK_SHARES = (1e-3, 1e-2, 0.1, 0.5, 1.0)
#: a row that stops while Newton promises more than this has stalled
_STUCK = 1e-12
#: Newton steps of each restart of a stalled row (:func:`_unstall`)
_UNSTALL_STEPS = 10 * MAX_STEPS
#: bisection steps of :meth:`Utilities.weighted_bound`: brackets of 2^-44 of the box
_BISECTIONS = 44
#: a max-min search asked only whether there is room (``decide``) stops at this value
DECIDED = 1e-6


@dataclass
class Utilities:
    """The parties' utilities on a set of replicates, stacked: (N, n, K) arrays."""

    ideal: np.ndarray
    salience: np.ndarray
    quadratic: np.ndarray  # (1, n, 1) bool
    line_party: np.ndarray  # (L,) the party each soft red line belongs to
    line_issue: np.ndarray  # (L,)
    line_sign: np.ndarray  # (L,) +1 max line, -1 min line
    line_bound: np.ndarray  # (N, L)
    line_penalty: np.ndarray  # (N, L)

    @classmethod
    def of(cls, parties: Sequence[PartyShape], rows: np.ndarray) -> Utilities:
        lines = [(i, r) for i, p in enumerate(parties) for r in range(p.line_issue.size)]
        n = rows.size

        def col(attr: str) -> np.ndarray:
            if not lines:
                return np.zeros((n, 0))
            return np.stack([getattr(parties[i], attr)[rows, r] for i, r in lines], axis=1)

        return cls(
            ideal=np.stack([p.ideal[rows] for p in parties], axis=1),
            salience=np.stack([p.salience[rows] for p in parties], axis=1),
            quadratic=np.array([p.quadratic for p in parties])[None, :, None],
            line_party=np.array([i for i, _ in lines], dtype=np.int64),
            line_issue=np.array([parties[i].line_issue[r] for i, r in lines], dtype=np.int64),
            line_sign=np.array([parties[i].line_sign[r] for i, r in lines], dtype=float),
            line_bound=col("line_bound"),
            line_penalty=col("line_penalty"),
        )

    def take(self, idx: np.ndarray) -> Utilities:
        return replace(
            self,
            ideal=self.ideal[idx],
            salience=self.salience[idx],
            line_bound=self.line_bound[idx],
            line_penalty=self.line_penalty[idx],
        )

    def kinks(self, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """Where each issue's utilities bend inside the box, with the box bounds: (N, C, K),
        NaN padded."""
        cols = [lower[:, None, :], upper[:, None, :]]
        if not np.all(self.quadratic):
            cols.append(np.where(self.quadratic, np.nan, self.ideal))
        if self.line_party.size:
            lines = np.full((lower.shape[0], self.line_party.size, lower.shape[1]), np.nan)
            lines[:, np.arange(self.line_party.size), self.line_issue] = self.line_bound
            cols.append(lines)
        kinks = np.concatenate(cols, axis=1)
        # a kink outside the box bends nothing a package can reach; a snap or a polish
        # pinning a coordinate on it would put the coordinate outside the box
        outside = (kinks < lower[:, None, :]) | (kinks > upper[:, None, :])
        return np.where(outside, np.nan, kinks)

    def exact(self, x: np.ndarray) -> np.ndarray:
        """U(x): x (N, K) -> (N, n)."""
        r = x[:, None, :] - self.ideal
        loss = np.where(self.quadratic, r * r, np.abs(r))
        u = 1.0 - np.sum(self.salience * loss, axis=2)
        if self.line_party.size:
            v = self.line_sign * (x[:, self.line_issue] - self.line_bound)
            u -= (self.line_penalty * np.maximum(v, 0.0)) @ self._line_to_party()
        return u

    def weighted_bound(
        self, mu: np.ndarray, c: np.ndarray, lower: np.ndarray, upper: np.ndarray
    ) -> np.ndarray:
        """An upper bound on the maximum over the box of sum_i mu_i U_i(x) + c . x, for
        weights mu >= 0 (N, n) and c (N, K), within about 1e-12 of it.

        The function is concave and separable, so each issue's maximum is found by
        bisection on the right derivative; concavity bounds the function on the last
        bracket [a, b] by its value at a plus its slope there times b - a.
        """
        k = lower.shape[1]
        ms = mu[:, :, None] * self.salience
        to_issue = (self.line_issue[:, None] == np.arange(k)[None, :]).astype(float)
        on_line = mu[:, self.line_party] * self.line_penalty  # (N, L)

        def issue_terms(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            r = x[:, None, :] - self.ideal
            loss = np.where(self.quadratic, r * r, np.abs(r))
            slope = np.where(self.quadratic, 2.0 * r, np.where(r >= 0.0, 1.0, -1.0))
            phi = c * x - np.sum(ms * loss, axis=1)
            right = c - np.sum(ms * slope, axis=1)
            if self.line_party.size:
                xl, bound = x[:, self.line_issue], self.line_bound
                phi -= (on_line * np.maximum(self.line_sign * (xl - bound), 0.0)) @ to_issue
                past = np.where(self.line_sign > 0, xl >= bound, -1.0 * (xl < bound))
                right -= (on_line * past) @ to_issue
            return phi, right

        phi_lo, right_lo = issue_terms(lower)
        a, b = lower, upper
        for _ in range(_BISECTIONS):
            mid = 0.5 * (a + b)
            up = issue_terms(mid)[1] > 0.0
            a, b = np.where(up, mid, a), np.where(up, b, mid)
        phi_a, right_a = issue_terms(a)
        top = np.where(right_lo > 0.0, phi_a + np.maximum(right_a, 0.0) * (b - a), phi_lo)
        return np.sum(mu, axis=1) + np.sum(top, axis=1)

    def linear_slope(self, x: np.ndarray) -> np.ndarray:
        """dU/dx of linear-loss utilities at x (N, K) -> (N, n, K): the slope of the piece
        each coordinate lies on (0 from a party's own ideal where x is at it)."""
        slope = -self.salience * np.sign(x[:, None, :] - self.ideal)
        if self.line_party.size:
            v = self.line_sign * (x[:, self.line_issue] - self.line_bound)
            push = self.line_penalty * self.line_sign * (v > 0)
            slope = slope - (push @ self._line_to_cell()).reshape(slope.shape)
        return slope

    def _line_to_party(self) -> np.ndarray:
        """(L, n) 0/1: which party each soft red line penalises (a sum over lines as one
        matrix product instead of a Python loop)."""
        n = self.ideal.shape[1]
        return (self.line_party[:, None] == np.arange(n)[None, :]).astype(float)

    def _line_to_cell(self) -> np.ndarray:
        """(L, n K) 0/1: the (party, issue) cell of each soft red line, flattened."""
        n, k = self.ideal.shape[1], self.ideal.shape[2]
        cell = self.line_party * k + self.line_issue
        return (cell[:, None] == np.arange(n * k)[None, :]).astype(float)

    def smooth(
        self, x: np.ndarray, eps: float, derivatives: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Huber-smoothed U, its gradient (N, n, K) and diagonal Hessian (N, n, K).

        Huber loss of width eps: with c = clip(r / eps, -1, 1), loss = r c - eps c^2 / 2
        (r^2 / 2 eps inside the width, |r| - eps / 2 outside), slope c, curvature 1/eps
        inside and 0 outside.
        """
        r = x[:, None, :] - self.ideal
        every_quadratic = bool(np.all(self.quadratic))
        if every_quadratic:
            c = r
            loss = r * r
        else:
            c = np.clip(r * (1.0 / eps), -1.0, 1.0)
            loss = r * c - (0.5 * eps) * (c * c)
            if np.any(self.quadratic):
                loss = np.where(self.quadratic, r * r, loss)
        u = 1.0 - np.einsum("nik,nik->ni", self.salience, loss)
        if not derivatives:
            g = h = np.empty(0)
        else:
            if every_quadratic:
                g = -2.0 * self.salience * r
                h = -2.0 * self.salience
            else:
                slope = c if not np.any(self.quadratic) else np.where(self.quadratic, 2 * r, c)
                g = -self.salience * slope
                h = np.where(np.abs(c) < 1.0, self.salience * (-1.0 / eps), 0.0)
                if np.any(self.quadratic):
                    h = np.where(self.quadratic, -2.0 * self.salience, h)
        if self.line_party.size:
            # a soft red line is a hinge on one issue, smoothed like linear loss
            v = self.line_sign * (x[:, self.line_issue] - self.line_bound)
            cv = np.clip(v * (1.0 / eps), 0.0, 1.0)
            pen = self.line_penalty
            u = u - (pen * (v * cv - (0.5 * eps) * cv * cv)) @ self._line_to_party()
            if derivatives:
                cells = self._line_to_cell()
                shape = g.shape
                g = g.reshape(shape[0], -1) - (pen * self.line_sign * cv) @ cells
                # at the kink itself (where the snap puts a coordinate) the curvature is
                # the band's: with the flat side's 0 there, Newton would step across the
                # kink as if the hinge were not there, and Armijo cut every step to a crawl
                inside = (v >= 0) & (cv < 1)
                h = h.reshape(shape[0], -1) - (pen * np.where(inside, 1.0 / eps, 0.0)) @ cells
                g, h = g.reshape(shape), h.reshape(shape)
        return u, g, h


@dataclass
class Programme:
    """maximise  sum_i alpha_i U_i + t + sum_i b_i log(U_i - d_i - t)
    + tau sum_c log(coef_c . x + const_c - t)  over x in [lower, upper] (and t free),

    with b_i = beta_i + tau * barrier_i; t appears only when ``epigraph`` (max-min).
    Log terms with zero weight are left out (their argument may be negative).
    """

    util: Utilities
    lower: np.ndarray  # (N, K)
    upper: np.ndarray
    d: np.ndarray  # (N, n)
    beta: np.ndarray  # (N, n) fixed log weights (Nash weights)
    barrier: np.ndarray  # (N, n) log weights that shrink with tau
    alpha: np.ndarray | None = None  # (N, n) linear weights on utilities
    coef: np.ndarray | None = None  # (N, C, K)
    const: np.ndarray | None = None  # (N, C)
    epigraph: bool = False
    #: the constraints' barrier weight as a multiple of tau (see :func:`nash`)
    constraint_scale: float = 1.0

    def take(self, idx: np.ndarray) -> Programme:
        return Programme(
            self.util.take(idx),
            self.lower[idx],
            self.upper[idx],
            self.d[idx],
            self.beta[idx],
            self.barrier[idx],
            None if self.alpha is None else self.alpha[idx],
            None if self.coef is None else self.coef[idx],
            None if self.const is None else self.const[idx],
            self.epigraph,
            self.constraint_scale,
        )

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.epigraph:
            return self.lower, self.upper
        inf = np.full((self.lower.shape[0], 1), np.inf)
        return np.hstack([self.lower, -inf]), np.hstack([self.upper, inf])

    def evaluate(
        self, z: np.ndarray, level: float, derivatives: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Objective (N,), gradient (N, D) and Hessian (N, D, D) at z = (x[, t])."""
        k = self.lower.shape[1]
        x = z[:, :k]
        t = z[:, k] if self.epigraph else np.zeros(z.shape[0])
        u, g, h = self.util.smooth(x, level, derivatives)
        b = self.beta + level * self.barrier
        s = u - self.d - t[:, None]
        used = b > 0
        bad = np.any(used & (s <= 0), axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.where(used, b * np.log(np.where(used & (s > 0), s, 1.0)), 0.0)
        f = np.sum(logs, axis=1) + (t if self.epigraph else 0.0)
        if self.alpha is not None:
            f = f + np.sum(self.alpha * u, axis=1)
        q = np.empty(0)
        tau_c = level * self.constraint_scale
        if self.coef is not None and self.const is not None:
            q = np.einsum("nck,nk->nc", self.coef, x) + self.const - t[:, None]
            bad |= np.any(q <= 0, axis=1)
            f = f + tau_c * np.sum(np.log(np.where(q > 0, q, 1.0)), axis=1)
        f = np.where(bad, -np.inf, f)
        if not derivatives:
            return f, np.empty(0), np.empty(0)
        ss = np.where(used & (s > 0), s, 1.0)
        lin = np.where(used, b / ss, 0.0)  # d f / d U_i from the logs
        quad = np.where(used, b / (ss * ss), 0.0)
        first = lin if self.alpha is None else lin + self.alpha
        dim = k + 1 if self.epigraph else k
        grad = np.zeros((z.shape[0], dim))
        hess = np.zeros((z.shape[0], dim, dim))
        grad[:, :k] = np.einsum("ni,nik->nk", first, g)
        root = g * np.sqrt(quad)[:, :, None]
        hxx = hess[:, :k, :k]
        hxx -= np.matmul(np.swapaxes(root, 1, 2), root)
        diag = np.einsum("ni,nik->nk", first, h)
        hxx[:, np.arange(k), np.arange(k)] += diag
        coef = self.coef if self.coef is not None else np.zeros((z.shape[0], 0, k))
        qq = np.where(q > 0, q, 1.0) if q.size else np.ones((z.shape[0], 0))
        if q.size:
            grad[:, :k] += tau_c * np.einsum("nc,nck->nk", 1.0 / qq, coef)
            hxx -= tau_c * np.einsum("nc,nck,ncl->nkl", 1.0 / (qq * qq), coef, coef)
        if self.epigraph:
            grad[:, k] = 1.0 - np.sum(lin, axis=1)
            cross = np.einsum("ni,nik->nk", quad, g)
            tt = -np.sum(quad, axis=1)
            if q.size:
                grad[:, k] -= tau_c * np.sum(1.0 / qq, axis=1)
                cross += tau_c * np.einsum("nc,nck->nk", 1.0 / (qq * qq), coef)
                tt -= tau_c * np.sum(1.0 / (qq * qq), axis=1)
            hess[:, :k, k] = cross
            hess[:, k, :k] = cross
            hess[:, k, k] = tt
        return f, grad, hess


def maximise(
    prog: Programme,
    z: np.ndarray,
    levels: Sequence[float] = LEVELS,
    max_steps: int = MAX_STEPS,
    kink_steps: bool = False,
) -> np.ndarray:
    """Path-following projected Newton from a start z where the objective is finite
    (:func:`_path`), the packages only."""
    return _path(prog, z, levels, max_steps, kink_steps)[0]


def _path(
    prog: Programme,
    z: np.ndarray,
    levels: Sequence[float] = LEVELS,
    max_steps: int = MAX_STEPS,
    kink_steps: bool = False,
    final: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Path-following projected Newton from a start z where the objective is finite.
    Returns the packages and which rows stalled at the last level: still moving after
    ``max_steps``, or stopped while Newton still promised more than :data:`_STUCK`. Not
    ``final``: the path goes on in another call, so its last level here is left as the
    others are.

    Every decision is taken row by row (which rows are still moving, how far each
    backtracks), so a replicate's result does not depend on the others in the array.
    A level before the last only places the start of the next: a row leaves it once its
    predicted gain is below ``level * LOOSE``; at the last level, below ``_STOP``.
    """
    z = z.copy()
    lower, upper = prog.bounds()
    dim = z.shape[1]
    diag = np.arange(dim)
    # ``kink_steps``: a failed full step is retried at the first kink ahead, for the
    # mediator's max-min fallback, whose rows can crawl along a barrier towards a kink;
    # every other search keeps plain backtracking (a max-min start for the floor search
    # found that way put the rotation's offers off their closed forms)
    kinks = prog.util.kinks(prog.lower, prog.upper) if kink_steps else None
    anchor = z.copy()
    stalled = np.zeros(z.shape[0], dtype=bool)
    for number, level in enumerate(levels):
        last = final and number == len(levels) - 1
        stop = _STOP if last else max(_STOP, level * LOOSE)
        if prog.epigraph:
            z = _lower_epigraph(prog, z, level)
        elif number:
            z = _back_inside(prog, z, anchor, level)
        live = np.arange(z.shape[0])
        stuck = np.zeros(z.shape[0], dtype=bool)
        sub, sub_lo, sub_hi = prog, lower, upper
        for _ in range(max_steps):
            if live.size == 0:
                break
            zz = z[live]
            f, grad, hess = sub.evaluate(zz, level)
            fixed = ((zz <= sub_lo + 1e-15) & (grad < 0)) | ((zz >= sub_hi - 1e-15) & (grad > 0))
            gf = np.where(fixed, 0.0, grad)
            keep = ~fixed
            a = -hess * (keep[:, :, None] & keep[:, None, :])
            norm = np.sqrt(np.sum(gf * gf, axis=1))
            reg = 1e-12 + REG * norm * np.minimum(norm, 1.0)
            a[:, diag, diag] += np.where(keep, 0.0, 1.0) + reg[:, None]
            step = _newton_step(a, gf)
            step /= np.maximum(1.0, np.max(np.abs(step), axis=1))[:, None]
            # the Newton decrement, not the gain of the projected full step: a full step
            # that the box cuts short can promise a loss while a shorter one along the
            # projection arc still gains (the row would stop short of its optimum)
            promise = np.sum(gf * step, axis=1)
            new, gain = _armijo(
                sub, zz, f, grad, step, sub_lo, sub_hi, level, promise > stop, kinks, live
            )
            z[live] = new
            going = (gain > stop) & (np.max(np.abs(new - zz), axis=1) > 1e-13)
            # a row stopping where Newton still promised a gain has not converged: its line
            # search cut the step to almost nothing (beside a kink whose band every trial
            # step leaves, or where the step runs across kinks of other coordinates)
            stuck[live[~going & (promise > _STUCK)]] = True
            if not np.all(going):
                live = live[going]
                sub, sub_lo, sub_hi = prog.take(live), lower[live], upper[live]
        stalled = stuck.copy()
        stalled[live] = True
        z = _snap(prog, z, level)
    return z, stalled


def _unstall(prog: Programme, z: np.ndarray, rows: np.ndarray, level: float) -> np.ndarray:
    """Restart stalled ``rows`` from their packages, as they are and with the coordinates
    near a kink put on it (for a few distances, from the best package so far), with more
    steps and a failed full step retried at the first kink ahead, keeping a restart only
    where it ends higher.

    Where the optimum has coordinates at kinks (with linear loss it often has), a row
    whose coordinates hover just outside the kinks' narrow bands sees no curvature there:
    each Newton step overshoots across a kink, backtracking cuts it to a crawl, and the
    row stops short by up to 1e-2 in utility. Started on the kinks, Newton sees their
    curvature and converges in a few steps.
    """
    if rows.size == 0:
        return z
    z = z.copy()
    sub = prog.take(rows)
    k = prog.lower.shape[1]
    best = z[rows]
    value, _, _ = sub.evaluate(best, level, derivatives=False)
    kinks = sub.util.kinks(sub.lower, sub.upper)
    for tol in (0.0, *_POLISH_TOLERANCES):
        start = best.copy()
        to, dist = _nearest_kink(kinks, best[:, :k])
        start[:, :k] = np.where(dist < tol, to, best[:, :k])
        ok = np.isfinite(sub.evaluate(start, level, derivatives=False)[0])
        if not np.any(ok):
            continue
        go = np.flatnonzero(ok)
        tried = maximise(sub.take(go), start[go], (level,), _UNSTALL_STEPS, kink_steps=True)
        got, _, _ = sub.take(go).evaluate(tried, level, derivatives=False)
        better = got > value[go]
        best[go[better]] = tried[better]
        value[go[better]] = got[better]
    z[rows] = best
    return z


def _lower_epigraph(prog: Programme, z: np.ndarray, level: float) -> np.ndarray:
    """Put the epigraph variable back below every barrier's argument where it is not.

    A narrower smoothing lowers every utility by up to half the change of width, so a
    point held close to its barriers at one level can lie outside them at the next; there
    every trial step has a value of -inf and Newton would stop where it is, far from the
    optimum. Such a row restarts with t a few widths below its smallest argument.
    """
    f, _, _ = prog.evaluate(z, level, derivatives=False)
    out = np.flatnonzero(~np.isfinite(f))
    if out.size == 0:
        return z
    sub = prog.take(out)
    k = prog.lower.shape[1]
    x = z[out, :k]
    u, _, _ = sub.util.smooth(x, level, derivatives=False)
    used = (sub.beta + level * sub.barrier) > 0
    low = np.min(np.where(used, u - sub.d, np.inf), axis=1)
    terms = np.sum(used, axis=1).astype(float)
    if sub.coef is not None and sub.const is not None:
        q = np.einsum("nck,nk->nc", sub.coef, x) + sub.const
        low = np.minimum(low, np.min(q, axis=1, initial=np.inf))
        terms += q.shape[1]
    z = z.copy()
    z[out, k] = low - level * np.maximum(terms, 1.0)
    return z


def _back_inside(prog: Programme, z: np.ndarray, anchor: np.ndarray, level: float) -> np.ndarray:
    """Move the rows that lie outside the barriers at this level back towards the start.

    A narrower smoothing lowers the utilities, so a package that left a party a small
    surplus at one level can leave it none at the next; every trial step then has a value
    of -inf and Newton would stop there, with that party below its floor (by up to 0.004
    in the river basin). The start of the path gives every party a surplus in exact terms,
    so at every level: the first of a few points towards it that does is taken.
    """
    f, _, _ = prog.evaluate(z, level, derivatives=False)
    out = np.flatnonzero(~np.isfinite(f))
    if out.size == 0:
        return z
    z = z.copy()
    sub = prog.take(out)
    for share in _BACK_SHARES:
        trial = z[out] + share * (anchor[out] - z[out])
        ok = np.isfinite(sub.evaluate(trial, level, derivatives=False)[0])
        z[out[ok]] = trial[ok]
        out, sub = out[~ok], sub.take(np.flatnonzero(~ok))
        if out.size == 0:
            break
    return z


def _newton_step(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Solve a x = g for each row; a row whose system is singular in floating point (a
    flat, fully kinked face) takes the least-squares step of its pseudo-inverse instead,
    so one degenerate replicate never stops the others."""
    try:
        return np.linalg.solve(a, g[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        out = np.empty_like(g)
        for i in range(g.shape[0]):
            try:
                out[i] = np.linalg.solve(a[i], g[i])
            except np.linalg.LinAlgError:
                out[i] = np.linalg.pinv(a[i]) @ g[i]
        return out


def _nearest_kink(kinks: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each coordinate's nearest kink or bound (``kinks`` (N, M, K), NaN where none) and
    its distance from x (N, K): two (N, K) arrays."""
    gap = np.abs(kinks - x[:, None, :])
    gap = np.where(np.isnan(gap), np.inf, gap)
    near = np.argmin(gap, axis=1)[:, None, :]
    return (
        np.take_along_axis(kinks, near, axis=1)[:, 0, :],
        np.take_along_axis(gap, near, axis=1)[:, 0, :],
    )


def _snap(prog: Programme, z: np.ndarray, level: float) -> np.ndarray:
    """Move each coordinate lying within ``level`` of a kink onto it.

    At the next, narrower level the optimum of a coordinate held at a kink lies within the
    new width of it: starting there spares Newton from zig-zagging across the kink.
    """
    k = prog.lower.shape[1]
    x = z[:, :k]
    to, dist = _nearest_kink(prog.util.kinks(prog.lower, prog.upper), x)
    close = dist < level
    snapped = z.copy()
    snapped[:, :k] = np.where(close, to, x)
    f, _, _ = prog.evaluate(snapped, level, derivatives=False)
    # inside the barriers at the narrow end too: a snap that the smoothing of this level
    # lets through but the exact utilities do not (a floor then missed by up to the
    # level) would leave every later level a start of value -inf, which Newton cannot leave
    narrow, _, _ = prog.evaluate(snapped, _SNAP_CHECK_LEVEL, derivatives=False)
    return np.where((np.isfinite(f) & np.isfinite(narrow))[:, None], snapped, z)


def _armijo(
    prog: Programme,
    z: np.ndarray,
    f: np.ndarray,
    grad: np.ndarray,
    step: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    level: float,
    todo_mask: np.ndarray,
    kinks: np.ndarray | None,
    rows: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Backtrack along the projection arc for the rows of ``todo_mask`` (the others have
    converged); returns the new points and their gains.

    After the first trial a row tries the step length where a coordinate first reaches a
    kink (``kinks`` of the programme's rows, these being ``rows`` of it) when shorter than
    its next trial: near a kink the smoothed objective
    is nearly piecewise linear, the Newton step overshoots the kink by far, and landing on
    it puts the coordinate where its curvature is known."""
    new = z.copy()
    gain = np.zeros(z.shape[0])
    todo = np.flatnonzero(todo_mask)
    alpha = np.ones(z.shape[0])
    ahead = np.full(z.shape[0], np.inf)
    for attempt in range(BACKTRACKS):
        if todo.size == 0:
            break
        at = alpha[todo]
        trial = np.clip(z[todo] + at[:, None] * step[todo], lo[todo], hi[todo])
        predicted = np.sum(grad[todo] * (trial - z[todo]), axis=1)
        sub = prog if todo.size == z.shape[0] else prog.take(todo)
        ft, _, _ = sub.evaluate(trial, level, derivatives=False)
        ok = (ft >= f[todo] + 1e-4 * predicted) & np.isfinite(ft) & (predicted > 0)
        done = todo[ok]
        new[done] = trial[ok]
        gain[done] = predicted[ok]
        todo = todo[~ok]
        if attempt == 0 and todo.size and kinks is not None:
            k = kinks.shape[2]
            ahead[todo] = _first_kink(kinks[rows[todo]], z[todo, :k], step[todo], level)
        shorter = alpha[todo] * SHRINK
        alpha[todo] = np.where(ahead[todo] < alpha[todo], ahead[todo], shorter)
        ahead[todo] = np.inf
    return new, gain


def _first_kink(kinks: np.ndarray, x: np.ndarray, step: np.ndarray, level: float) -> np.ndarray:
    """The step length along ``step`` at which some coordinate of x first reaches a kink
    or an edge of its smoothed band (kink +- ``level``), where the curvature the Newton
    step assumed changes; inf where none lies ahead."""
    p = step[:, None, : x.shape[1]]
    best = np.full(x.shape[0], np.inf)
    for offset in (-level, 0.0, level):
        dist = kinks + offset - x[:, None, :]
        # a subnormal step component (a win-set coefficient of 1e-311) overflows the
        # ratio to inf, which is no kink ahead, as wanted
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = dist / p
        ratio = np.where((np.abs(dist) > 1e-15) & (ratio > 0), ratio, np.inf)
        best = np.minimum(best, np.min(ratio, axis=(1, 2)))
    return best


# ---------------------------------------------------------------- the three searches


def _start(util: Utilities, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """A neutral start: the parties' mean ideal, in the box."""
    return np.clip(np.mean(util.ideal, axis=1), lower, upper)


def max_min(
    util: Utilities,
    lower: np.ndarray,
    upper: np.ndarray,
    d: np.ndarray,
    who: np.ndarray,
    coef: np.ndarray | None = None,
    const: np.ndarray | None = None,
    start: np.ndarray | None = None,
    levels: Sequence[float] = BARRIER_LEVELS,
    max_steps: int = MAX_STEPS,
    margin: float = 1.0,
    kink_steps: bool = True,
    decide: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The package maximising the smallest of U_i - d_i (parties with ``who``, (N, n) bool)
    and of the constraint values coef_c . x + const_c. Returns (x (N, K), value (N,)).

    Shorter ``levels`` give a package near the max-min one (a start for other searches).
    The epigraph variable starts ``margin`` below the start's smallest value: from a start
    already near the optimum (last round's package) with fine ``levels``, a margin of the
    order of the first level puts it near the central path.

    With ``decide``, only whether the max-min value is above ``decide`` is asked: a row
    leaves the search once that is settled, with a package whose value is above
    :data:`DECIDED`, or with a proof that no package's is above ``decide`` (a Lagrangian
    bound, :func:`_max_min_bound`). Such a row's package is not the max-min one.
    """
    x0 = _start(util, lower, upper) if start is None else start
    u = util.exact(x0)
    low = np.min(np.where(who, u - d, np.inf), axis=1)
    if coef is not None and const is not None:
        low = np.minimum(low, np.min(np.einsum("nck,nk->nc", coef, x0) + const, axis=1))
    z0 = np.hstack([x0, (low - margin)[:, None]])
    prog = Programme(
        util, lower, upper, d, np.zeros_like(d), who.astype(float), None, coef, const, True
    )
    if decide is None:
        z = maximise(prog, z0, levels, max_steps, kink_steps)
        settled = np.zeros(z.shape[0], dtype=bool)
    else:
        z, settled = _decide(prog, z0, levels, max_steps, kink_steps, decide)
    x = z[:, :-1]
    value = _max_min_value(util, d, who, coef, const, x)
    if not (len(levels) and levels[-1] == BARRIER_LEVELS[-1]):
        return x, value
    if decide is None:
        return _polish(util, lower, upper, d, who, coef, const, x, value)
    todo = np.flatnonzero(~settled)  # a settled row's package is not the max-min one
    if todo.size:
        x[todo], value[todo] = _polish(
            util.take(todo),
            lower[todo],
            upper[todo],
            d[todo],
            who[todo],
            None if coef is None else coef[todo],
            None if const is None else const[todo],
            x[todo],
            value[todo],
        )
    return x, value


def _decide(
    prog: Programme,
    z: np.ndarray,
    levels: Sequence[float],
    max_steps: int,
    kink_steps: bool,
    floor: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The max-min search level by level, each row leaving it once the sign of its value
    against ``floor`` is settled (see :func:`max_min`). Returns (z, settled)."""
    z = z.copy()
    settled = np.zeros(z.shape[0], dtype=bool)
    rows = np.arange(z.shape[0])
    k = prog.lower.shape[1]
    for number, level in enumerate(levels):
        sub = prog if rows.size == z.shape[0] else prog.take(rows)
        last = number == len(levels) - 1
        z[rows] = _path(sub, z[rows], (level,), max_steps, kink_steps, final=last)[0]
        if last:
            break
        x = z[rows, :k]
        who = sub.barrier > 0
        above = _max_min_value(sub.util, sub.d, who, sub.coef, sub.const, x) > DECIDED
        below = _max_min_bound(sub, who, x, z[rows, k]) < floor
        done = above | below
        settled[rows[done]] = True
        rows = rows[~done]
        if rows.size == 0:
            break
    return z, settled


def _max_min_bound(prog: Programme, who: np.ndarray, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """An upper bound on the max-min value: for any weights mu on the terms (surpluses
    and constraint values) summing to one, max_x min_j g_j(x) <= max_x sum_j mu_j g_j(x),
    a separable concave maximum (:meth:`Utilities.weighted_bound`). The weights are the
    log barriers' multipliers at the package, 1 / (g_j - t): at the central point they
    are the optimal ones, and the bound meets the max-min value as tau shrinks."""
    tiny = 1e-300
    gap = prog.util.exact(x) - prog.d - t[:, None]
    mu = np.where(who, 1.0 / np.maximum(gap, tiny), 0.0)
    total = np.sum(mu, axis=1)
    shift = -np.sum(mu * prog.d, axis=1)
    c = np.zeros_like(x)
    if prog.coef is not None and prog.const is not None:
        q = np.einsum("nck,nk->nc", prog.coef, x) + prog.const - t[:, None]
        nu = 1.0 / np.maximum(q, tiny)
        total = total + np.sum(nu, axis=1)
        c = np.einsum("nc,nck->nk", nu, prog.coef)
        shift = shift + np.sum(nu * prog.const, axis=1)
    scale = 1.0 / total
    bound = prog.util.weighted_bound(
        mu * scale[:, None], c * scale[:, None], prog.lower, prog.upper
    )
    return bound + shift * scale


def _max_min_value(
    util: Utilities,
    d: np.ndarray,
    who: np.ndarray,
    coef: np.ndarray | None,
    const: np.ndarray | None,
    x: np.ndarray,
) -> np.ndarray:
    value = np.min(np.where(who, util.exact(x) - d, np.inf), axis=1)
    if coef is not None and const is not None:
        value = np.minimum(value, np.min(np.einsum("nck,nk->nc", coef, x) + const, axis=1))
    return value


def _polish(
    util: Utilities,
    lower: np.ndarray,
    upper: np.ndarray,
    d: np.ndarray,
    who: np.ndarray,
    coef: np.ndarray | None,
    const: np.ndarray | None,
    x: np.ndarray,
    value: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The vertex of the max-min's linear programme that the path-following search
    approaches, solved for exactly.

    With piecewise linear utilities the barrier path can crawl along a kink for many
    Newton steps and end short of the optimum by more than its own error (up to 1e-5 in
    utility). The optimum is a vertex: some coordinates at kinks or box bounds, and among
    the surpluses (and constraint values) the smallest ones equal, as many as the free
    coordinates plus one. Both are guessed from the approximate package (the coordinates
    within a tolerance of a kink, for a few tolerances) and the equations solved; a guess
    is kept only where its package's exact value is higher (by ``_POLISH_GAIN``), so a
    wrong one changes nothing.
    """
    # with a quadratic utility the optimum need not be a vertex; there the objective is
    # smooth away from the other parties' kinks and Newton's own convergence is kept
    if np.any(util.quadratic):
        return x, value
    n_rows, k = x.shape
    x, value = x.copy(), value.copy()
    to, dist = _nearest_kink(util.kinks(lower, upper), x)
    before = np.zeros((n_rows, k), dtype=bool)
    for number, tol in enumerate(_POLISH_TOLERANCES):
        near_kink = dist < tol
        # a narrower tolerance that pins the same coordinates poses the same equations
        go = np.flatnonzero(np.any(near_kink != before, axis=1) | (number == 0))
        before = near_kink
        if go.size == 0:
            continue
        sub = util.take(go)
        lo, hi, dd, ww = lower[go], upper[go], d[go], who[go]
        cc = None if coef is None else coef[go]
        kk = None if const is None else const[go]
        pinned = near_kink[go]
        xp = np.where(pinned, to[go], x[go])
        terms = np.where(ww, sub.exact(xp) - dd, np.inf)
        slope = sub.linear_slope(xp)
        if cc is not None and kk is not None:
            terms = np.hstack([terms, np.einsum("nck,nk->nc", cc, xp) + kk])
            slope = np.concatenate([slope, cc], axis=1)
        need = k + 1 - np.sum(pinned, axis=1)
        rank = np.argsort(np.argsort(terms, axis=1), axis=1)
        use = (rank < need[:, None]) & np.isfinite(terms)
        # s_j(xp) + slope_j . dx = t for the terms used, dx_k = 0 where pinned
        rows = np.concatenate([slope, -np.ones(terms.shape + (1,))], axis=2)
        eye = np.broadcast_to(np.eye(k, k + 1), (go.size, k, k + 1))
        a = np.concatenate([eye * pinned[:, :, None], rows * use[:, :, None]], axis=1)
        b = np.concatenate([np.zeros((go.size, k)), np.where(use, -terms, 0.0)], axis=1)
        sol = np.matmul(np.linalg.pinv(a), b[:, :, None])[:, :, 0]
        cand = np.clip(xp + np.where(pinned, 0.0, sol[:, :k]), lo, hi)
        got = _max_min_value(sub, dd, ww, cc, kk, cand)
        better = got > value[go] + _POLISH_GAIN
        x[go[better]] = cand[better]
        value[go[better]] = got[better]
    return x, value


def nash(
    util: Utilities,
    lower: np.ndarray,
    upper: np.ndarray,
    d: np.ndarray,
    w: np.ndarray,
    start: np.ndarray,
    coef: np.ndarray | None = None,
    const: np.ndarray | None = None,
    levels: Sequence[float] = LEVELS,
) -> np.ndarray:
    """The weighted Nash package from a start where every surplus (and constraint) is > 0.

    From a start already near the solution (last round's package) the coarse ``levels``
    can be skipped."""
    w = w / np.sum(w, axis=1, keepdims=True)
    prog = Programme(util, lower, upper, d, w, np.zeros_like(d), None, coef, const)
    x, stalled = _path(prog, start, levels)
    if coef is None or levels[-1] != LEVELS[-1]:
        return _unstall(prog, x, np.flatnonzero(stalled), levels[-1])
    # a constraint's barrier of weight tau pushes the package by about tau / q (q the
    # constraint's value), up to sqrt(tau / curvature), 1e-5 at the last level: above the
    # solver's 1e-6 in utility where a win-set's bound passes near the package. There the
    # constraints' weight alone goes on shrinking, at the last smoothing width
    q = np.einsum("nck,nk->nc", coef, x) + const
    near = np.flatnonzero(np.min(q, axis=1, initial=np.inf) < _NEAR_BOUND)
    if near.size:
        sub = prog.take(near)
        for scale in CONSTRAINT_SCALES:
            x[near], again = _path(replace(sub, constraint_scale=scale), x[near], levels[-1:])
            stalled[near] |= again
        prog = replace(prog, constraint_scale=CONSTRAINT_SCALES[-1])
    return _unstall(prog, x, np.flatnonzero(stalled), levels[-1])


def best_under_floors(
    util: Utilities,
    lower: np.ndarray,
    upper: np.ndarray,
    proposer: int | np.ndarray,
    floors: np.ndarray,
    start: np.ndarray | None = None,
    levels: Sequence[float] = BARRIER_LEVELS,
    max_steps: int = MAX_STEPS,
) -> tuple[np.ndarray, np.ndarray]:
    """The package best for ``proposer`` (one party, or one per row) giving every other
    party at least its floor (coarse ``levels`` and few ``max_steps`` for a rough one).

    Where the floors cannot all be met, the package maximising the smallest margin over
    them, with found False. Returns (x (N, K), found (N,)). A ``start`` (N, K) that
    already clears every floor spares the max-min search of its rows.
    """
    n_rows, n = floors.shape
    me = np.broadcast_to(np.asarray(proposer), (n_rows,))
    who = np.arange(n)[None, :] != me[:, None]
    x = np.empty((n_rows, lower.shape[1]))
    value = np.full(n_rows, -np.inf)
    x0 = None
    if start is not None:
        ok = np.all(np.isfinite(start), axis=1)
        x0 = np.where(ok[:, None], start, _start(util, lower, upper))
        margin = np.min(np.where(who, util.exact(x0) - floors, np.inf), axis=1)
        ok &= margin > 1e-9
        x[ok], value[ok] = x0[ok], margin[ok]
    cold = np.flatnonzero(~np.isfinite(value))
    if cold.size:
        # a start that clears every floor is all the search below needs: the coarse
        # levels find one where there is room; only rows left without (the floors cannot
        # all be met, or barely) go on to the exact max-min, their package then
        x[cold], value[cold] = max_min(
            util.take(cold),
            lower[cold],
            upper[cold],
            floors[cold],
            who[cold],
            start=None if x0 is None else x0[cold],
            levels=levels[:_START_LEVELS],
            max_steps=max_steps,
            kink_steps=False,
        )
        tight = cold[value[cold] <= 1e-9]
        if tight.size and len(levels) > _START_LEVELS:
            x[tight], value[tight] = max_min(
                util.take(tight),
                lower[tight],
                upper[tight],
                floors[tight],
                who[tight],
                start=x[tight],
                levels=levels,
                max_steps=max_steps,
                kink_steps=False,
            )
    found = value >= -1e-12
    room = np.flatnonzero(value > 1e-12)
    if room.size:
        prog = Programme(
            util.take(room),
            lower[room],
            upper[room],
            floors[room],
            np.zeros((room.size, n)),
            who[room].astype(float),
            (~who[room]).astype(float),
        )
        x[room] = maximise(prog, x[room], levels, max_steps)
    return x, found
