"""The mediator's own interests in its proposal.

With interest weight omega the mediator proposes, among the packages on the parties'
frontier, the maximiser of

    (1 - omega) * sum_i w_i log(U_i(x) - d_i)  +  omega * U_m(x)

(its Nash-product objective, weighted by its bias w, plus its own utility U_m), within
the same set the Nash rule searches: packages every party prefers to its estimated
BATNA, inside the expected win-sets where the Nash rule found one there. With omega = 0
this is the Nash package itself, and the rule does not call this module.

Two parties: along each edge of the frontier polyline the parties' utilities are
linear in the edge parameter t and the mediator's utility is taken as linear between
the edge's ends (exact at the vertices; for a concave U_m a slight underestimate
inside the edge), so the objective is concave on each edge and its maximiser is the
root of a quadratic, clipped to the edge's admissible interval: one closed form per
edge, like the Nash pick itself. The best edge wins; the parties' Nash package is kept
as a candidate, so the result is never worse by the objective than the Nash package.
Three or more parties: the sampled frontier points and the Nash package are compared.
"""

from __future__ import annotations

import numpy as np

from sim.bargaining import Geometry, PartyShape
from sim.indexing import take_pairs, take_rows


def _log_surplus(s: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.where(s > 0, s, 1.0))


class InterestChooser:
    """Picks the mediator's package for one model's geometry (built once per model)."""

    def __init__(self, geometry: Geometry, mediator: PartyShape) -> None:
        self.geometry = geometry
        self.mediator = mediator
        mv = mediator.utility(geometry.vertices)  # (N, J): the mediator's value at vertices
        if geometry.segments:
            self.m_p = np.ascontiguousarray(mv[:, :-1])  # gathered by rows every round
            self.m_b = mv[:, 1:] - mv[:, :-1]
        else:
            self.m_p = mv
            self.m_b = np.zeros_like(mv)

    def choose(
        self,
        rows: np.ndarray,
        nash_x: np.ndarray,
        rule: np.ndarray,
        d: np.ndarray,
        w: np.ndarray,
        omega: np.ndarray,
        winset: np.ndarray | None,
        search: dict[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        """The mediator's package for replicate positions ``rows`` (R,).

        nash_x (R, K): the parties' Nash package; rule (R,): the Nash rule's basis (0 within
        win-sets, 1 ignoring them, 2 no package beats every BATNA: kept as it is);
        d, w (N, n): estimated BATNAs and bias; omega (N,); winset as for the Nash rule.
        search: the Nash pick's per-segment surpluses and intervals at ``rows``
        (:class:`sim.bargaining.Pick`), reused rather than computed again.
        """
        g = self.geometry
        out = nash_x.copy()
        sel = np.flatnonzero((rule != 2) & (omega[rows] > 0))
        if sel.size == 0:
            return out
        r = rows[sel]
        dd, ww, om = take_rows(d, r), take_rows(w, r), omega[r][:, None]
        # the objective is evaluated at two packages per row (the Nash package and the
        # mediator's pick): gather the utility parameters at these rows once for both
        shapes = [p.at_rows(r) for p in g.parties] + [self.mediator.at_rows(r)]
        # the objective at the Nash package: the candidate to beat
        best_v = self._objective(shapes, take_rows(nash_x, sel), dd, ww, om)
        if g.n_parties == 2 and g.segments:
            x_new = self._two_party(r, dd, ww, om, rule[sel], winset, search, sel)
            v_new = self._objective(shapes, x_new, dd, ww, om)
        else:
            x_new, v_new = self._sampled(r, dd, ww, om, rule[sel], winset)
        better = v_new > best_v + 1e-12
        out[sel[better]] = x_new[better]
        return out

    @staticmethod
    def _objective(
        shapes: list[PartyShape], x: np.ndarray, dd: np.ndarray, ww: np.ndarray, om: np.ndarray
    ) -> np.ndarray:
        """The mediator's objective at packages x (R, K), -inf where some party's surplus
        is not positive; ``shapes``: the parties' and then the mediator's parameters at
        the rows of x."""
        *parties, mediator = shapes
        s = np.stack([p.utility(x) for p in parties], axis=-1) - dd
        value = (1 - om[:, 0]) * np.sum(ww * _log_surplus(s), axis=1) + om[:, 0] * mediator.utility(
            x
        )
        return np.where(np.all(s > 0, axis=1), value, -np.inf)

    def _two_party(
        self,
        r: np.ndarray,
        dd: np.ndarray,
        ww: np.ndarray,
        om: np.ndarray,
        rule: np.ndarray,
        winset: np.ndarray | None,
        search: dict[str, np.ndarray] | None = None,
        sel: np.ndarray | None = None,
    ) -> np.ndarray:
        g = self.geometry
        mp, mb = take_rows(self.m_p, r), take_rows(self.m_b, r)
        c0 = (1 - om) * ww[:, 0:1]
        c1 = (1 - om) * ww[:, 1:2]
        mm = om * mb
        if search is not None and sel is not None:
            # the Nash pick searched the same segments under the same rule: its surpluses
            # and admissible intervals are these (same arithmetic, same numbers)
            every = sel.size == search["a0"].shape[0]
            a0, a1, b0, b1, lo, hi = (
                search[k] if every else take_rows(search[k], sel)
                for k in ("a0", "a1", "b0", "b1", "lo", "hi")
            )
        else:
            pre = g.pick_cache(winset)
            a0 = pre["u0p"][r] - dd[:, 0:1]
            a1 = pre["u1p"][r] - dd[:, 1:2]
            b0, b1 = pre["b0"][r], pre["b1"][r]
            # admissible t on each edge: positive surpluses, and the win-sets where required
            lo = np.zeros_like(a0)
            hi = np.ones_like(a0)
            for a, b in ((a0, b0), (a1, b1)):
                with np.errstate(divide="ignore", invalid="ignore"):
                    root = (1e-12 - a) / b
                lo = np.where(b > 0, np.maximum(lo, root), lo)
                hi = np.where(b < 0, np.minimum(hi, root), hi)
                hi = np.where((b == 0) & (a < 1e-12), -1.0, hi)
            if winset is not None:
                inside = (rule == 0)[:, None]
                lo = np.where(inside, np.maximum(lo, pre["wlo"][r]), lo)
                hi = np.where(inside, np.minimum(hi, pre["whi"][r]), hi)
        # f'(t) = c0 b0/(a0 + b0 t) + c1 b1/(a1 + b1 t) + mm = 0, times both surpluses:
        # mm b0 b1 t^2 + (c0 b0 b1 + c1 b1 b0 + mm (a0 b1 + a1 b0)) t
        #   + (c0 b0 a1 + c1 b1 a0 + mm a0 a1) = 0
        qa = mm * b0 * b1
        qb = (c0 + c1) * b0 * b1 + mm * (a0 * b1 + a1 * b0)
        qc = c0 * b0 * a1 + c1 * b1 * a0 + mm * a0 * a1
        # f' has the sign of Q on the admissible interval (both surpluses positive) and f
        # is concave there, so Q falls through zero at most once: the maximiser is lo where
        # Q(lo) <= 0, hi where Q(hi) >= 0, else the one root of Q between them
        q_lo = (qa * lo + qb) * lo + qc
        q_hi = (qa * hi + qb) * hi + qc
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            disc = np.sqrt(np.maximum(qb * qb - 4 * qa * qc, 0.0))
            q = -0.5 * (qb + np.copysign(disc, qb))
            r1 = np.where(np.abs(qa) > 1e-15, q / qa, -qc / qb)
            r2 = qc / q
        inside1 = (r1 >= lo) & (r1 <= hi)
        root = np.where(inside1, r1, r2)
        t = np.where(q_lo <= 0, lo, np.where(q_hi >= 0, hi, root))
        t = np.where(np.isfinite(t), np.clip(t, lo, hi), lo)
        s0 = a0 + b0 * t
        s1 = a1 + b1 * t
        ok = (hi >= lo) & (s0 > 0) & (s1 > 0)
        best_v = c0 * _log_surplus(s0) + c1 * _log_surplus(s1) + om * (mp + mb * t)
        best_v = np.where(ok, best_v, -np.inf)
        best_t = t
        j = np.argmax(best_v, axis=1)
        i = np.arange(r.size)
        t = take_pairs(best_t, i, j)
        v = g.vertices
        xp = take_pairs(v, r, j)
        # the caller evaluates the objective at the package itself (the mediator's exact
        # utility there)
        return xp + t[:, None] * (take_pairs(v, r, j + 1) - xp)

    def _sampled(
        self,
        r: np.ndarray,
        dd: np.ndarray,
        ww: np.ndarray,
        om: np.ndarray,
        rule: np.ndarray,
        winset: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        g = self.geometry
        u = g.vertex_utility[r]  # (R, J, n)
        s = u - dd[:, None, :]
        ok = np.all(s > 0, axis=2)
        if winset is not None:
            ok &= ~(rule == 0)[:, None] | np.all(winset[r] >= 0, axis=2)
        m = self.m_p[r]
        v = (1 - om) * np.sum(ww[:, None, :] * _log_surplus(s), axis=2) + om * m
        v = np.where(ok, v, -np.inf)
        j = np.argmax(v, axis=1)
        i = np.arange(r.size)
        return g.vertices[r, j], v[i, j]
