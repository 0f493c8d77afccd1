"""A scipy reference for the N-party concave programmes (epigraph form of the kinks).

Independent of sim.bargaining.concave: linear loss |x_k - a_ik| and red-line hinges become
auxiliary variables e >= +-(x - a), h >= 0, h >= sign (x - b), and SLSQP solves the smooth
constrained programme from several starts.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize


class Case:
    """One replicate: ideals, saliences (n, K), quadratic flags (n,), box, soft lines."""

    def __init__(self, ideal, salience, quadratic, lower, upper, lines=()):
        self.ideal = np.asarray(ideal, float)
        self.salience = np.asarray(salience, float)
        self.quadratic = np.asarray(quadratic, bool)
        self.lower = np.asarray(lower, float)
        self.upper = np.asarray(upper, float)
        self.lines = list(lines)  # (party, issue, sign, bound, penalty)
        self.n, self.k = self.ideal.shape

    def utility(self, x):
        r = x[None, :] - self.ideal
        loss = np.where(self.quadratic[:, None], r * r, np.abs(r))
        u = 1.0 - np.sum(self.salience * loss, axis=1)
        for i, k, sign, bound, pen in self.lines:
            u[i] -= pen * max(0.0, sign * (x[k] - bound))
        return u

    # variables: x (K), e (n K) for linear parties' distances, h (L) for hinges
    def _split(self, v):
        k, n = self.k, self.n
        return v[:k], v[k : k + n * k].reshape(n, k), v[k + n * k :]

    def _u_epi(self, v):
        x, e, h = self._split(v)
        r = x[None, :] - self.ideal
        loss = np.where(self.quadratic[:, None], r * r, e)
        u = 1.0 - np.sum(self.salience * loss, axis=1)
        for j, (i, _k, _s, _b, pen) in enumerate(self.lines):
            u[i] -= pen * h[j]
        return u

    def _constraints(self, extra):
        cons = []
        lin = ~self.quadratic
        k = self.k

        def kinks(v):
            x, e, h = self._split(v)
            out = [
                (e - (x[None, :] - self.ideal))[lin].ravel(),
                (e + (x[None, :] - self.ideal))[lin].ravel(),
            ]
            for j, (_i, kk, sign, bound, _p) in enumerate(self.lines):
                out.append(np.array([h[j], h[j] - sign * (x[kk] - bound)]))
            return np.concatenate(out) if out else np.zeros(0)

        cons.append({"type": "ineq", "fun": kinks})
        cons += extra
        bounds = [(lo, hi) for lo, hi in zip(self.lower, self.upper, strict=True)]
        bounds += [(0.0, 2.0)] * (self.n * k) + [(0.0, 2.0)] * len(self.lines)
        return cons, bounds

    def _v0(self, x):
        e = np.abs(x[None, :] - self.ideal).ravel()
        h = [max(0.0, s * (x[kk] - b)) for (_i, kk, s, b, _p) in self.lines]
        return np.concatenate([x, e, np.array(h, float)])

    def _starts(self, rng):
        yield np.clip(self.ideal.mean(axis=0), self.lower, self.upper)
        for _ in range(4):
            yield rng.uniform(self.lower, self.upper)

    def nash(self, d, w, coef=None, const=None, seed=0):
        """max sum w log(U - d) (under coef.x + const >= 0), or None when infeasible."""
        w = np.asarray(w, float) / np.sum(w)
        extra = [{"type": "ineq", "fun": lambda v: self._u_epi(v) - d - 1e-12}]
        if coef is not None:
            extra.append({"type": "ineq", "fun": lambda v: coef @ v[: self.k] + const})
        cons, bounds = self._constraints(extra)
        best = None
        mm, val = self.max_min(d, coef=coef, const=const)
        if val <= 1e-9:
            return None
        starts = [mm] + list(self._starts(np.random.default_rng(seed)))
        for x0 in starts:
            res = minimize(
                lambda v: -np.sum(w * np.log(np.maximum(self._u_epi(v) - d, 1e-300))),
                self._v0(x0),
                method="SLSQP",
                bounds=bounds,
                constraints=cons,
                options={"ftol": 1e-15, "maxiter": 1000},
            )
            x = np.clip(res.x[: self.k], self.lower, self.upper)
            s = self.utility(x) - d
            if np.all(s > 0) and (coef is None or np.all(coef @ x + const >= -1e-9)):
                v = np.sum(w * np.log(s))
                if best is None or v > best[0]:
                    best = (v, x)
        return None if best is None else best[1]

    def max_min(self, d, who=None, coef=None, const=None):
        """max over x of min_i (U_i - d_i) [i in who] and of coef.x + const: an epigraph."""
        who = np.ones(self.n, bool) if who is None else np.asarray(who, bool)
        nv = self.k + self.n * self.k + len(self.lines)
        extra = [{"type": "ineq", "fun": lambda v: (self._u_epi(v[:-1]) - d)[who] - v[-1]}]
        if coef is not None:
            extra.append({"type": "ineq", "fun": lambda v: coef @ v[: self.k] + const - v[-1]})
        cons, bounds = self._constraints([])
        kinks = cons[0]["fun"]
        cons = [{"type": "ineq", "fun": lambda v: kinks(v[:-1])}] + extra
        bounds = bounds + [(-5.0, 5.0)]
        best = None
        for x0 in self._starts(np.random.default_rng(1)):
            v0 = np.concatenate([self._v0(x0), [-2.0]])
            res = minimize(
                lambda v: -v[-1],
                v0,
                method="SLSQP",
                bounds=bounds,
                constraints=cons,
                options={"ftol": 1e-15, "maxiter": 1000},
            )
            x = np.clip(res.x[: self.k], self.lower, self.upper)
            val = np.min((self.utility(x) - d)[who])
            if coef is not None:
                val = min(val, np.min(coef @ x + const))
            if best is None or val > best[1]:
                best = (x, val)
            assert nv  # keep linters quiet about nv
        return best


def _best_for(self, proposer, floors):
    """max U_proposer subject to U_j >= floor_j for the others (floors met by some x)."""
    others = np.arange(self.n) != proposer
    extra = [{"type": "ineq", "fun": lambda v: (self._u_epi(v) - floors)[others]}]
    cons, bounds = self._constraints(extra)
    start, _ = self.max_min(floors, who=others)
    best = None
    for x0 in [start] + list(self._starts(np.random.default_rng(2))):
        res = minimize(
            lambda v: -self._u_epi(v)[proposer],
            self._v0(x0),
            method="SLSQP",
            bounds=bounds,
            constraints=cons,
            options={"ftol": 1e-15, "maxiter": 1000},
        )
        x = np.clip(res.x[: self.k], self.lower, self.upper)
        u = self.utility(x)
        if np.all((u - floors)[others] >= -1e-9) and (best is None or u[proposer] > best[0]):
            best = (u[proposer], x)
    return start if best is None else best[1]


Case.best_for = _best_for
