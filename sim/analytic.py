"""Closed forms and reference solvers of bargaining theory, for the engine's tests.

Pure functions, no global state: the engine's tests compare the simulator against them,
and documentation may quote them. Everything here works on packages x in the box
[lower, upper] ⊂ [0, 1]^K (one coordinate per issue) and on separable utilities

    U_i(x) = 1 - sum_k s_ik * loss(|x_k - a_ik|) - sum_r p_ir * violation_r(x),

with saliences s_i normalised to sum 1, ideal points a_i in [0, 1]^K, ``loss(d) = d``
(linear) or ``d**2`` (quadratic), and soft red lines charged as hinges. Such utilities are
concave, so the Nash, Kalai–Smorodinsky and "best package for one party" problems are
convex programs. They are solved with an auxiliary variable ``t_ik >= |x_k - a_ik|`` per
party and issue and ``v_r >= violation_r`` per red line, which turns the kinks of linear
loss and of hinges into linear constraints: linear programs (HiGHS) when every loss is
linear, smooth programs (SLSQP from several starts) otherwise. The Nash solver is
additionally checked against every vertex of the box and a grid, because with linear loss
its solution often sits on a corner or an edge of the box (logrolling).

Public functions
----------------
utility, nash_bargaining_solution, kalai_smorodinsky_solution, pareto_frontier,
rubinstein_share, rubinstein_offer_fixed_point, fearon_range,
fearon_breakdown_probability, fsj_aspiration; and, from :mod:`sim.analytic_protocols`,
the multilateral protocols: rotation_offers, rotation_share, baron_ferejohn_shares,
baron_ferejohn_unanimity_offers,
finite_rotation_offer, finite_horizon_share, outside_option_share, fixed_cost_share.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from sim.analytic_protocols import (
    baron_ferejohn_shares,
    baron_ferejohn_unanimity_offers,
    finite_horizon_share,
    finite_rotation_offer,
    fixed_cost_share,
    outside_option_share,
    rotation_offers,
    rotation_share,
)

__all__ = [
    "FEASIBILITY_TOL",
    "baron_ferejohn_shares",
    "baron_ferejohn_unanimity_offers",
    "finite_horizon_share",
    "finite_rotation_offer",
    "fixed_cost_share",
    "outside_option_share",
    "rotation_offers",
    "rotation_share",
    "fearon_breakdown_probability",
    "fearon_range",
    "fsj_aspiration",
    "kalai_smorodinsky_solution",
    "nash_bargaining_solution",
    "pareto_frontier",
    "rubinstein_offer_fixed_point",
    "rubinstein_share",
    "utility",
]

Share = float  # in [0, 1]
RedLine = tuple[int, str, float, float]  # (issue index, "min" | "max", bound, penalty)

#: A bargaining problem is "feasible" when some package gives every party a surplus
#: U_i(x) - d_i above this (utility units).
FEASIBILITY_TOL = 1e-9

_LOSSES = ("linear", "quadratic")
_HIGHS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
_SLSQP = {"ftol": 1e-15, "maxiter": 2000}
_GRID_BUDGET = 50_000  # points of the automatic check grid
_MAX_VERTEX_DIM = 14  # enumerate the 2^K vertices of the box up to this K


# --------------------------------------------------------------------------- utilities


def _check_loss(loss: str) -> str:
    if loss not in _LOSSES:
        raise ValueError(f"loss must be 'linear' or 'quadratic' (got {loss!r})")
    return loss


def _check_unit(name: str, a: np.ndarray) -> None:
    if not np.all(np.isfinite(a)) or np.any(a < 0.0) or np.any(a > 1.0):
        raise ValueError(f"{name} must lie in [0, 1]")


def _normalise_salience(salience: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(salience)) or np.any(salience < 0.0):
        raise ValueError("saliences must be finite and non-negative")
    total = salience.sum(axis=-1, keepdims=True)
    if np.any(total <= 0.0):
        raise ValueError("saliences must have a positive sum")
    return salience / total


def _check_red_lines(red_lines: Sequence[RedLine], k: int) -> list[tuple[int, float, float, float]]:
    """Validate red lines; return (issue, sign, bound, penalty), sign +1 = max, -1 = min."""
    out = []
    for line in red_lines:
        if len(line) != 4:
            raise ValueError(f"a red line is (issue_index, kind, bound, penalty), got {line!r}")
        issue, kind, bound, penalty = line
        if isinstance(issue, bool) or not isinstance(issue, int | np.integer):
            raise ValueError(f"red line issue index must be an int (got {issue!r})")
        if not 0 <= issue < k:
            raise ValueError(f"red line issue index {issue} out of range for {k} issues")
        if kind not in ("min", "max"):
            raise ValueError(f"red line kind must be 'min' or 'max' (got {kind!r})")
        if not 0.0 <= float(bound) <= 1.0:
            raise ValueError(f"red line bound must lie in [0, 1] (got {bound!r})")
        if not (np.isfinite(penalty) and float(penalty) >= 0.0):
            raise ValueError(f"red line penalty must be finite and >= 0 (got {penalty!r})")
        out.append((int(issue), 1.0 if kind == "max" else -1.0, float(bound), float(penalty)))
    return out


def utility(
    x: np.ndarray | Sequence[float],
    ideal: np.ndarray | Sequence[float],
    salience: np.ndarray | Sequence[float],
    loss: str = "linear",
    red_lines: Sequence[RedLine] = (),
) -> float | np.ndarray:
    r"""Utility of one party for one or many packages.

    .. math::

        U(x) = 1 - \sum_k s_k\,\ell(|x_k - a_k|)
                 - \sum_r p_r \max(0, \mathrm{violation}_r(x)),

    with :math:`s` normalised to sum 1 and :math:`\ell(d) = d` (linear) or :math:`d^2`
    (quadratic). Before penalties :math:`U \in [0, 1]`: 1 at the ideal point, 0 only when
    every salient issue is at the far end of [0, 1] from the ideal. Penalties can push
    :math:`U` below 0 (by at most the sum of the penalties).

    Parameters
    ----------
    x : array_like, shape (K,) or (M, K)
        Package(s), each coordinate in [0, 1] (issue units: 0 and 1 are the ends of the
        issue's scale as defined in the scenario).
    ideal : array_like, shape (K,)
        The party's ideal package, in [0, 1]^K.
    salience : array_like, shape (K,)
        Non-negative weights of the issues, any positive sum (normalised here).
    loss : {"linear", "quadratic"}
        Loss of distance from the ideal on each issue.
    red_lines : sequence of (issue_index, kind, bound, penalty)
        Soft red lines. ``kind="min"`` requires ``x[issue_index] >= bound`` and ``"max"``
        requires ``x[issue_index] <= bound``; a violation by ``v`` issue units costs
        ``penalty * v`` utility (a hinge). ``bound`` in [0, 1], ``penalty >= 0``.

    Returns
    -------
    float or ndarray of shape (M,)
        Utility, in [0, 1] before penalties and in [-sum(penalty), 1] with them.

    Raises
    ------
    ValueError
        On shapes that do not match, coordinates outside [0, 1], negative or all-zero
        saliences, an unknown loss or a malformed red line.
    """
    xa = np.asarray(x, dtype=float)
    a = np.asarray(ideal, dtype=float)
    s = np.asarray(salience, dtype=float)
    if a.ndim != 1 or s.shape != a.shape:
        raise ValueError("ideal and salience must be 1-D arrays of the same length K")
    if xa.ndim not in (1, 2) or xa.shape[-1] != a.shape[0]:
        raise ValueError(f"x must have shape (K,) or (M, K) with K={a.shape[0]}")
    _check_unit("x", xa)
    _check_unit("ideal", a)
    s = _normalise_salience(s)
    _check_loss(loss)
    lines = _check_red_lines(red_lines, a.shape[0])

    dist = np.abs(xa - a)
    u = 1.0 - (dist if loss == "linear" else dist * dist) @ s
    for issue, sign, bound, penalty in lines:
        u = u - penalty * np.maximum(0.0, sign * (xa[..., issue] - bound))
    return float(u) if np.ndim(u) == 0 else u


# ------------------------------------------------------------- the bargaining problem


class _Problem:
    """n parties' utilities over a box, lifted to the auxiliary-variable space.

    Variables z = [x (K), t (n*K, t[i*K + k] >= |x_k - a_ik|), v (R, v_r >= violation_r)].
    Polytope: G z <= h plus the bounds. Surplus u_i(z) = 1 - d_i - sum_k s_ik l_i(t_ik)
    - sum_{r of i} p_r v_r, which equals U_i(x) - d_i when the auxiliaries are tight.
    """

    def __init__(
        self,
        ideals: np.ndarray | Sequence[Sequence[float]],
        saliences: np.ndarray | Sequence[Sequence[float]],
        loss: str | Sequence[str],
        red_lines: Sequence[Sequence[RedLine]] | None,
        lower: np.ndarray | Sequence[float] | float | None,
        upper: np.ndarray | Sequence[float] | float | None,
    ) -> None:
        a = np.asarray(ideals, dtype=float)
        s = np.asarray(saliences, dtype=float)
        if a.ndim != 2 or s.shape != a.shape:
            raise ValueError("ideals and saliences must be arrays of the same shape (n, K)")
        n, k = a.shape
        if n < 2 or k < 1:
            raise ValueError("need at least two parties and one issue")
        _check_unit("ideals", a)
        self.n, self.k = n, k
        self.a = a
        self.s = _normalise_salience(s)
        losses = [loss] * n if isinstance(loss, str) else list(loss)
        if len(losses) != n:
            raise ValueError(f"loss must be a string or one string per party ({n})")
        self.losses = [_check_loss(x) for x in losses]
        self.quad = np.array([x == "quadratic" for x in self.losses])
        self.linear = not self.quad.any()

        lo = np.zeros(k) if lower is None else np.broadcast_to(np.asarray(lower, float), (k,))
        hi = np.ones(k) if upper is None else np.broadcast_to(np.asarray(upper, float), (k,))
        _check_unit("lower", lo)
        _check_unit("upper", hi)
        if np.any(lo > hi):
            raise ValueError("lower must not exceed upper")
        self.lo, self.hi = lo.astype(float).copy(), hi.astype(float).copy()

        if red_lines is None:
            red_lines = [()] * n
        if len(red_lines) != n:
            raise ValueError(f"red_lines must hold one sequence per party ({n})")
        self.red_lines = [tuple(lines) for lines in red_lines]
        rows = []
        for i, lines in enumerate(self.red_lines):
            rows += [(i, *line) for line in _check_red_lines(lines, k)]
        self.r = len(rows)
        self.rl_party = np.array([row[0] for row in rows], dtype=int)
        self.rl_issue = np.array([row[1] for row in rows], dtype=int)
        self.rl_sign = np.array([row[2] for row in rows], dtype=float)
        self.rl_bound = np.array([row[3] for row in rows], dtype=float)
        self.rl_pen = np.array([row[4] for row in rows], dtype=float)

        self.nz = k + n * k + self.r
        self._build_polytope()

    # layout ------------------------------------------------------------------------
    def _build_polytope(self) -> None:
        n, k, r = self.n, self.k, self.r
        rows, rhs = [], []
        for i in range(n):
            for j in range(k):
                for sign in (1.0, -1.0):  # sign*(x_j - a_ij) - t_ij <= 0
                    row = np.zeros(self.nz)
                    row[j] = sign
                    row[k + i * k + j] = -1.0
                    rows.append(row)
                    rhs.append(sign * self.a[i, j])
        for q in range(r):  # sign*(x_j - b) - v_q <= 0
            row = np.zeros(self.nz)
            row[self.rl_issue[q]] = self.rl_sign[q]
            row[k + n * k + q] = -1.0
            rows.append(row)
            rhs.append(self.rl_sign[q] * self.rl_bound[q])
        self.G = np.array(rows)
        self.h = np.array(rhs)
        self.lb = np.concatenate([self.lo, np.zeros(n * k + r)])
        self.ub = np.concatenate([self.hi, np.ones(n * k + r)])
        # d u_i / d v_q
        self.dv = np.zeros((n, r))
        if r:
            self.dv[self.rl_party, np.arange(r)] = -self.rl_pen

    def lift(self, x: np.ndarray) -> np.ndarray:
        """Tight auxiliaries for a package x (clipped to the box)."""
        x = np.clip(x, self.lo, self.hi)
        t = np.abs(x[None, :] - self.a).ravel()
        v = np.maximum(0.0, self.rl_sign * (x[self.rl_issue] - self.rl_bound))
        return np.concatenate([x, t, v])

    def package(self, z: np.ndarray) -> np.ndarray:
        return np.clip(z[: self.k], self.lo, self.hi)

    # surplus in the lifted space -------------------------------------------------------
    def surplus(self, z: np.ndarray, d: np.ndarray) -> np.ndarray:
        k, n = self.k, self.n
        t = z[k : k + n * k].reshape(n, k)
        loss = np.where(self.quad[:, None], t * t, t)
        return 1.0 - d - (self.s * loss).sum(axis=1) + self.dv @ z[k + n * k :]

    def surplus_jac(self, z: np.ndarray) -> np.ndarray:
        k, n = self.k, self.n
        t = z[k : k + n * k].reshape(n, k)
        dl = np.where(self.quad[:, None], 2.0 * t, 1.0)
        jac = np.zeros((n, self.nz))
        for i in range(n):
            jac[i, k + i * k : k + (i + 1) * k] = -self.s[i] * dl[i]
        jac[:, k + n * k :] = self.dv
        return jac

    def linear_form(self, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """u(z) = c0 + C z (only when every loss is linear)."""
        return 1.0 - d, self.surplus_jac(np.zeros(self.nz))

    # true utilities of packages -----------------------------------------------------------
    def utilities(self, x: np.ndarray) -> np.ndarray:
        """U_i(x) for x of shape (K,) -> (n,) or (M, K) -> (M, n)."""
        cols = [
            utility(x, self.a[i], self.s[i], self.losses[i], self.red_lines[i])
            for i in range(self.n)
        ]
        return np.stack([np.asarray(c, dtype=float) for c in cols], axis=-1)

    def vertices(self) -> np.ndarray | None:
        if self.k > _MAX_VERTEX_DIM:
            return None
        corners = np.array(list(itertools.product((0, 1), repeat=self.k)), dtype=float)
        return self.lo + corners * (self.hi - self.lo)

    def grid(self, per_axis: int | None) -> np.ndarray | None:
        if per_axis is None:
            per_axis = int(min(101, np.floor(_GRID_BUDGET ** (1.0 / self.k) + 1e-9)))
            if per_axis < 3:
                return None
        elif per_axis == 0:
            return None
        elif per_axis < 2:
            raise ValueError("grid must be None, 0 or an integer >= 2")
        if per_axis**self.k > 10 * _GRID_BUDGET:
            raise ValueError(f"grid of {per_axis}^{self.k} points is too large")
        axes = [np.linspace(self.lo[j], self.hi[j], per_axis) for j in range(self.k)]
        mesh = np.meshgrid(*axes, indexing="ij")
        return np.stack([m.ravel() for m in mesh], axis=1)


def _minimize_slsqp(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    z0: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    constraints: list[dict],
) -> np.ndarray:
    """SLSQP with analytic gradients; the final iterate whatever the exit status."""
    from scipy import optimize  # the reference solvers only: a model run never loads it

    with warnings.catch_warnings():
        # SLSQP may step 1-2 ulp outside the bounds; scipy clips and warns (gh-11403).
        warnings.filterwarnings("ignore", message="Values in x were outside bounds")
        res = optimize.minimize(
            fun,
            np.clip(z0, lb, ub),
            jac=True,
            method="SLSQP",
            bounds=optimize.Bounds(lb, ub),
            constraints=constraints,
            options=_SLSQP,
        )
    return np.clip(res.x, lb, ub)


def _component(i: int) -> Callable[[np.ndarray], np.ndarray]:
    """The function u -> [u_i] (a one-element array)."""

    def pick(u: np.ndarray) -> np.ndarray:
        return np.array([u[i]])

    return pick


def _epigraph(
    prob: _Problem,
    d: np.ndarray,
    a_mat: np.ndarray,
    c: np.ndarray,
    mu_lo: np.ndarray,
    mu_hi: np.ndarray,
    starts: Sequence[np.ndarray],
    mu_start: Callable[[np.ndarray], np.ndarray],
    score: Callable[[np.ndarray], float],
) -> np.ndarray:
    """Maximise c @ mu over (x, mu) subject to U(x) - d >= a_mat @ mu, mu in bounds.

    A linear program when every loss is linear; otherwise SLSQP from each start (the
    problem is convex), keeping the package with the best ``score``. Returns x.
    """
    from scipy import optimize  # the reference solvers only: a model run never loads it

    m = c.shape[0]
    if prob.linear:
        c0, cm = prob.linear_form(d)
        a_ub = np.block([[prob.G, np.zeros((prob.G.shape[0], m))], [-cm, a_mat]])
        b_ub = np.concatenate([prob.h, c0])
        bounds = list(zip(prob.lb, prob.ub, strict=True)) + list(zip(mu_lo, mu_hi, strict=True))
        res = optimize.linprog(
            np.concatenate([np.zeros(prob.nz), -c]),
            A_ub=a_ub,
            b_ub=b_ub,
            bounds=bounds,
            method="highs",
            options=_HIGHS,
        )
        if res.status != 0:  # pragma: no cover - the callers pose feasible, bounded LPs
            raise RuntimeError(f"linear program failed: {res.message}")
        return prob.package(res.x)

    nz = prob.nz
    lb = np.concatenate([prob.lb, mu_lo])
    ub = np.concatenate([prob.ub, mu_hi])
    grad = np.concatenate([np.zeros(nz), -c])

    def fun(y: np.ndarray) -> tuple[float, np.ndarray]:
        return float(-c @ y[nz:]), grad

    def cons(y: np.ndarray) -> np.ndarray:
        z = y[:nz]
        return np.concatenate([prob.h - prob.G @ z, prob.surplus(z, d) - a_mat @ y[nz:]])

    def cons_jac(y: np.ndarray) -> np.ndarray:
        top = np.hstack([-prob.G, np.zeros((prob.G.shape[0], m))])
        bottom = np.hstack([prob.surplus_jac(y[:nz]), -a_mat])
        return np.vstack([top, bottom])

    best_x, best = None, -np.inf
    for x0 in starts:
        z0 = prob.lift(x0)
        y0 = np.concatenate([z0, np.clip(mu_start(prob.surplus(z0, d)), mu_lo, mu_hi)])
        y = _minimize_slsqp(fun, y0, lb, ub, [{"type": "ineq", "fun": cons, "jac": cons_jac}])
        for x in (prob.package(y), np.clip(x0, prob.lo, prob.hi)):
            value = score(x)
            if value > best:
                best_x, best = x, value
    assert best_x is not None
    return best_x


def _maximin(prob: _Problem, d: np.ndarray) -> tuple[np.ndarray, float]:
    """The package maximising min_i (U_i(x) - d_i), and that value."""
    n = prob.n
    floor = -1.0 - float(prob.rl_pen.sum()) - float(np.max(np.abs(d))) - 1.0
    starts = [np.clip(prob.a[i], prob.lo, prob.hi) for i in range(n)]
    starts.append(0.5 * (prob.lo + prob.hi))

    def score(x: np.ndarray) -> float:
        return float(np.min(prob.utilities(x) - d))

    ceiling = 1.0 - float(np.min(d)) + 1.0
    x = _epigraph(
        prob,
        d,
        np.ones((n, 1)),
        np.ones(1),
        np.array([floor]),
        np.array([ceiling]),
        starts,
        lambda u: np.array([u.min()]),
        score,
    )
    return x, score(x)


def _ext_log(u: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """log u for u >= eps, continued below eps by its second-order Taylor polynomial.

    The continuation is concave, C^2 at eps and lies above log, so a maximiser of the
    continued objective at which every u >= eps maximises the true one.
    """
    safe = np.maximum(u, eps)
    du = u - eps
    g = np.where(u >= eps, np.log(safe), np.log(eps) + du / eps - du * du / (2 * eps * eps))
    dg = np.where(u >= eps, 1.0 / safe, 1.0 / eps - du / (eps * eps))
    return g, dg


def _check_vector(name: str, v: np.ndarray | Sequence[float], n: int) -> np.ndarray:
    arr = np.asarray(v, dtype=float)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},)")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def nash_bargaining_solution(
    ideals: np.ndarray | Sequence[Sequence[float]],
    saliences: np.ndarray | Sequence[Sequence[float]],
    disagreement: np.ndarray | Sequence[float],
    weights: np.ndarray | Sequence[float] | None = None,
    loss: str | Sequence[str] = "linear",
    lower: np.ndarray | Sequence[float] | float | None = None,
    upper: np.ndarray | Sequence[float] | float | None = None,
    red_lines: Sequence[Sequence[RedLine]] | None = None,
    grid: int | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    r"""The (weighted) Nash bargaining solution over a box of packages.

    Maximises the (weighted) Nash product

    .. math:: \sum_i w_i \log\bigl(U_i(x) - d_i\bigr)

    over packages :math:`x \in [\mathrm{lower}, \mathrm{upper}] \subset [0, 1]^K`, where
    :math:`U_i` is :func:`utility` and :math:`d_i` the disagreement point (the BATNA read
    as the status quo of the Nash product). Reference solver: accuracy over
    speed. Every loss keeps :math:`U_i` concave, so the problem is convex; it is solved in
    the lifted space :math:`t_{ik} \ge |x_k - a_{ik}|` (smooth, linearly constrained) by
    SLSQP from several starts: the max–min package, each ideal point clipped to the box,
    the centre, and the best vertices and grid points of the box. The best package of the
    starts, the solver results and the grid is kept, so corner and edge solutions (which
    linear loss often produces) are found. Closed forms it reproduces (tests): one issue,
    linear utilities ``x`` and ``1 - x``: ``x = d_1 + w_1 (1 - d_1 - d_2)`` with weights
    summing to 1.

    Parameters
    ----------
    ideals : array_like, shape (n, K)
        Ideal packages of the n >= 2 parties, in [0, 1]^K.
    saliences : array_like, shape (n, K)
        Non-negative issue weights, normalised per party.
    disagreement : array_like, shape (n,)
        Disagreement utilities d_i (utility units, same scale as U).
    weights : array_like, shape (n,), optional
        Positive bargaining weights (normalised to sum 1; only ratios matter). Default
        equal weights (the symmetric Nash solution).
    loss : {"linear", "quadratic"} or sequence of them
        One loss for all parties or one per party.
    lower, upper : array_like, shape (K,) or float, optional
        The package box, within [0, 1]^K. Default [0, 1]^K.
    red_lines : sequence of n sequences of (issue_index, kind, bound, penalty), optional
        Soft red lines per party, as in :func:`utility`.
    grid : int, optional
        Points per axis of the check grid. ``None`` picks about 50,000 points in all
        (none when K > 9); ``0`` disables the grid. The 2^K vertices are always checked
        for K <= 14.

    Returns
    -------
    (x, utilities) or None
        ``x`` : ndarray (K,), the Nash package; ``utilities`` : ndarray (n,),
        :math:`U_i(x)`. ``None`` when no package of the box gives every party
        :math:`U_i(x) - d_i >` :data:`FEASIBILITY_TOL`: no zone of possible agreement,
        where the Nash solution is undefined.

    Notes
    -----
    The solution is unique in utilities but need not be in packages (for instance on an
    issue no party cares about, or along a flat edge of a linear frontier); compare
    utilities, not packages, when that can happen. Accuracy is about 1e-8 in utility
    units on the cases tested.
    """
    prob = _Problem(ideals, saliences, loss, red_lines, lower, upper)
    n = prob.n
    d = _check_vector("disagreement", disagreement, n)
    if weights is None:
        w = np.full(n, 1.0 / n)
    else:
        w = _check_vector("weights", weights, n)
        if np.any(w <= 0.0):
            raise ValueError("weights must be positive")
        w = w / w.sum()

    x_mm, z_star = _maximin(prob, d)
    if z_star <= FEASIBILITY_TOL:
        return None

    def score(xs: np.ndarray) -> np.ndarray:
        u = prob.utilities(xs) - d
        with np.errstate(divide="ignore", invalid="ignore"):
            val = np.log(np.where(u > 0.0, u, 1.0)) @ w
        return np.where(np.all(u > 0.0, axis=-1), val, -np.inf)

    # Candidate starts: max-min package, ideals, centre, best vertices and grid points.
    starts = [x_mm, 0.5 * (prob.lo + prob.hi)]
    starts += [np.clip(prob.a[i], prob.lo, prob.hi) for i in range(n)]
    cloud = [c for c in (prob.vertices(), prob.grid(grid)) if c is not None]
    best_cloud = None
    if cloud:
        pts = np.vstack(cloud)
        vals = score(pts)
        order = np.argsort(-vals, kind="stable")[:4]
        starts += [pts[j] for j in order if np.isfinite(vals[j])]
        best_cloud = pts[order[0]] if np.isfinite(vals[order[0]]) else None

    def run(x0: np.ndarray) -> np.ndarray:
        eps = 1e-3 * z_star
        x = x0
        for _ in range(8):

            def fun(z: np.ndarray, eps: float = eps) -> tuple[float, np.ndarray]:
                g, dg = _ext_log(prob.surplus(z, d), eps)
                return float(-w @ g), -(w * dg) @ prob.surplus_jac(z)

            z = _minimize_slsqp(
                fun,
                prob.lift(x),
                prob.lb,
                prob.ub,
                [{"type": "ineq", "fun": lambda z: prob.h - prob.G @ z, "jac": lambda z: -prob.G}],
            )
            x = prob.package(z)
            u_min = float(np.min(prob.utilities(x) - d))
            if u_min >= eps:
                break
            eps = 0.1 * u_min if u_min > 0.0 else 1e-3 * eps
        return x

    candidates = [np.clip(s, prob.lo, prob.hi) for s in starts]
    seen: list[np.ndarray] = []
    for x0 in candidates[:]:
        if np.isfinite(score(x0)) and not any(np.allclose(x0, y, atol=1e-12) for y in seen):
            seen.append(x0)
            candidates.append(run(x0))
    values = np.array([score(c) for c in candidates])
    best = int(np.argmax(values))
    x_best = candidates[best]
    # Polish once more from the best point; keep it only if it is no worse.
    x_pol = run(x_best)
    if score(x_pol) >= values[best]:
        x_best = x_pol
    if best_cloud is not None and score(best_cloud) > score(x_best):  # pragma: no cover
        x_best = best_cloud  # the grid beat the solver: never observed, kept as a guard
    return x_best, prob.utilities(x_best)


def kalai_smorodinsky_solution(
    ideals: np.ndarray | Sequence[Sequence[float]],
    saliences: np.ndarray | Sequence[Sequence[float]],
    disagreement: np.ndarray | Sequence[float],
    loss: str | Sequence[str] = "linear",
    lower: np.ndarray | Sequence[float] | float | None = None,
    upper: np.ndarray | Sequence[float] | float | None = None,
    red_lines: Sequence[Sequence[RedLine]] | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    r"""The Kalai–Smorodinsky solution over a box of packages.

    Let :math:`S = \{x \in \mathrm{box}: U_j(x) \ge d_j\ \forall j\}` be the
    individually rational packages and :math:`U_i^{\max} = \max_{x \in S} U_i(x)` the
    ideal ("utopia") point. The KS solution is the package on the frontier at which every
    party has the same share of its possible gain:

    .. math::

        \frac{U_1(x) - d_1}{U_1^{\max} - d_1} = \dots
        = \frac{U_n(x) - d_n}{U_n^{\max} - d_n} = \lambda^*,

    found as :math:`\lambda^* = \max_x \min_i (U_i(x) - d_i) / (U_i^{\max} - d_i)` (a
    linear program for linear loss, a convex program otherwise), followed by a Pareto
    polish (maximise the sum of the gain shares keeping each at least
    :math:`\lambda^* - 10^{-10}`), so the package returned is Pareto-optimal even where
    the frontier has flat parts; with two parties and a strictly decreasing frontier the
    shares are equal.

    Parameters
    ----------
    ideals, saliences, disagreement, loss, lower, upper, red_lines
        As in :func:`nash_bargaining_solution`.

    Returns
    -------
    (x, utilities) or None
        The KS package (K,) and :math:`U_i(x)` (n,); ``None`` when no package gives every
        party more than its disagreement utility (by :data:`FEASIBILITY_TOL`).
    """
    prob = _Problem(ideals, saliences, loss, red_lines, lower, upper)
    n = prob.n
    d = _check_vector("disagreement", disagreement, n)
    x_mm, z_star = _maximin(prob, d)
    if z_star <= FEASIBILITY_TOL:
        return None
    span = 1.0 - float(np.min(d)) + 1.0  # bounds every gain U_i - d_i

    u_max = np.empty(n)
    for i in range(n):
        a_mat = np.zeros((n, 1))
        a_mat[i, 0] = 1.0

        def score_i(x: np.ndarray, i: int = i) -> float:
            u = prob.utilities(x) - d
            return float(u[i]) if np.all(u >= -1e-12) else -np.inf

        x_i = _epigraph(
            prob,
            d,
            a_mat,
            np.ones(1),
            np.array([0.0]),
            np.array([span]),
            [x_mm, np.clip(prob.a[i], prob.lo, prob.hi)],
            _component(i),
            score_i,
        )
        u_max[i] = max(float(prob.utilities(x_i)[i]), d[i] + z_star)
    gain = u_max - d

    def ratio_min(x: np.ndarray) -> float:
        return float(np.min((prob.utilities(x) - d) / gain))

    x1 = _epigraph(
        prob,
        d,
        gain[:, None],
        np.ones(1),
        np.array([0.0]),
        np.array([1.0]),
        [x_mm],
        lambda u: np.array([np.min(u / gain)]),
        ratio_min,
    )
    lam = ratio_min(x1)
    floor = max(lam - 1e-10, 0.0)

    def ratio_sum(x: np.ndarray) -> float:
        r = (prob.utilities(x) - d) / gain
        return float(r.sum()) if r.min() >= floor - 1e-12 else -np.inf

    x2 = _epigraph(
        prob,
        d,
        np.diag(gain),
        np.ones(n),
        np.full(n, floor),
        np.ones(n),
        [x1],
        lambda u: u / gain,
        ratio_sum,
    )
    x = x2 if ratio_sum(x2) >= ratio_sum(x1) else x1
    return x, prob.utilities(x)


def pareto_frontier(
    ideals: np.ndarray | Sequence[Sequence[float]],
    saliences: np.ndarray | Sequence[Sequence[float]],
    loss: str | Sequence[str] = "linear",
    n: int = 201,
    lower: np.ndarray | Sequence[float] | float | None = None,
    upper: np.ndarray | Sequence[float] | float | None = None,
    red_lines: Sequence[Sequence[RedLine]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Pareto frontier of two parties over a box of packages.

    Weighted-sum scalarisation: for :math:`\theta \in [0, 1]`, maximise
    :math:`\theta U_1(x) + (1 - \theta) U_2(x)`. The utilities are concave, so every
    Pareto-optimal package maximises some weighted sum, and the sum separates into one
    one-dimensional concave problem per issue, solved exactly by comparing the kinks
    (ideals, red-line bounds, box ends) and the stationary point of each piece. At
    :math:`\theta \in \{0, 1\}` ties are broken for the other party (lexicographic), so
    the end points are Pareto-optimal too. Besides a uniform grid of n weights, the
    midpoints between the weights at which a per-issue choice switches are added, which
    makes the result contain every vertex of a piecewise-linear frontier (linear loss).
    With quadratic loss the frontier is curved and the points are a sample of it.

    Parameters
    ----------
    ideals, saliences : array_like, shape (2, K)
        As in :func:`nash_bargaining_solution`, for exactly two parties.
    loss : {"linear", "quadratic"} or sequence of two
        Loss per party.
    n : int, >= 2
        Number of uniformly spaced weights θ.
    lower, upper : array_like, optional
        The package box (default [0, 1]^K).
    red_lines : sequence of two sequences of red lines, optional
        As in :func:`utility`.

    Returns
    -------
    utilities : ndarray, shape (M, 2)
        Frontier points (U_1, U_2), deduplicated (to 1e-12) and sorted by increasing
        U_1, hence decreasing U_2 (dominated points removed).
    packages : ndarray, shape (M, K)
        A package achieving each point.
    """
    prob = _Problem(ideals, saliences, loss, red_lines, lower, upper)
    if prob.n != 2:
        raise ValueError("pareto_frontier is for exactly two parties")
    if n < 2:
        raise ValueError("n must be >= 2")
    k = prob.k

    # Per issue: the fixed candidate points (box ends, kinks) and the segments between.
    fixed: list[np.ndarray] = []
    for j in range(k):
        ends = [prob.lo[j], prob.hi[j]]
        ends += [prob.a[i, j] for i in range(2) if not prob.quad[i]]
        ends += list(prob.rl_bound[prob.rl_issue == j])
        fixed.append(np.unique(np.clip(ends, prob.lo[j], prob.hi[j])))

    def terms(i: int, j: int, c: np.ndarray) -> np.ndarray:
        """Party i's utility terms on issue j at points c."""
        dist = np.abs(c - prob.a[i, j])
        f = -prob.s[i, j] * (dist * dist if prob.quad[i] else dist)
        for q in np.flatnonzero((prob.rl_party == i) & (prob.rl_issue == j)):
            f = f - prob.rl_pen[q] * np.maximum(0.0, prob.rl_sign[q] * (c - prob.rl_bound[q]))
        return f

    # Weights at which two fixed candidates of an issue tie: add midpoints between them.
    ties = [0.0, 1.0]
    for j in range(k):
        f1, f2 = terms(0, j, fixed[j]), terms(1, j, fixed[j])
        df1 = f1[:, None] - f1[None, :]
        df2 = f2[:, None] - f2[None, :]
        den = df1 - df2
        with np.errstate(divide="ignore", invalid="ignore"):
            th = -df2 / den
        ties += list(th[np.isfinite(th) & (th > 0.0) & (th < 1.0)])
    crit = np.unique(np.array(ties))
    thetas = np.unique(np.concatenate([np.linspace(0.0, 1.0, n), 0.5 * (crit[1:] + crit[:-1])]))

    packages = np.empty((thetas.size, k))
    for j in range(k):
        pts = fixed[j]
        # Stationary point of each segment between consecutive fixed points, per theta.
        cands = [np.broadcast_to(pts, (thetas.size, pts.size))]
        for lo_s, hi_s in zip(pts[:-1], pts[1:], strict=True):
            mid = 0.5 * (lo_s + hi_s)
            curv = np.zeros(thetas.size)  # coefficient Q of -Q x^2
            lin = np.zeros(thetas.size)  # derivative at 0 of the rest: slope + 2 Q-weighted a
            for i, wt in ((0, thetas), (1, 1.0 - thetas)):
                if prob.quad[i]:
                    curv = curv + wt * prob.s[i, j]
                    lin = lin + 2.0 * wt * prob.s[i, j] * prob.a[i, j]
                else:
                    lin = lin - wt * prob.s[i, j] * np.sign(mid - prob.a[i, j])
                for q in np.flatnonzero((prob.rl_party == i) & (prob.rl_issue == j)):
                    sgn = prob.rl_sign[q]
                    if sgn * (mid - prob.rl_bound[q]) > 0.0:
                        lin = lin - wt * prob.rl_pen[q] * sgn
            with np.errstate(divide="ignore", invalid="ignore"):
                stat = np.where(curv > 0.0, lin / (2.0 * np.where(curv > 0, curv, 1.0)), mid)
            cands.append(np.clip(stat, lo_s, hi_s)[:, None])
        c = np.hstack(cands)  # (T, C)
        f1, f2 = terms(0, j, c), terms(1, j, c)
        th = thetas[:, None]
        primary = th * f1 + (1.0 - th) * f2
        secondary = (1.0 - th) * f1 + th * f2
        top = primary.max(axis=1, keepdims=True)
        tied = primary >= top - 1e-12 * (1.0 + np.abs(top))
        pick = np.argmax(np.where(tied, secondary, -np.inf), axis=1)
        packages[:, j] = c[np.arange(thetas.size), pick]

    utils = prob.utilities(packages)
    key = np.round(utils, 12)
    _, first = np.unique(key, axis=0, return_index=True)
    utils, packages = utils[first], packages[first]
    order = np.lexsort((utils[:, 1], utils[:, 0]))
    utils, packages = utils[order], packages[order]
    # Drop dominated points: keep i only if U2_i beats every later (higher-U1) point.
    later_max = np.concatenate([np.maximum.accumulate(utils[::-1, 1])[::-1][1:], [-np.inf]])
    keep = utils[:, 1] > later_max + 1e-12
    return utils[keep], packages[keep]


# ------------------------------------------------------------------- closed forms


def _out(a: np.ndarray) -> float | np.ndarray:
    return float(a) if np.ndim(a) == 0 else a


def rubinstein_share(d1: float | np.ndarray, d2: float | np.ndarray) -> float | np.ndarray:
    r"""First proposer's share in Rubinstein's (1982) alternating-offers game.

    Two parties split a unit pie; party 1 proposes first; discount factors per round
    :math:`\delta_1, \delta_2`. In the unique subgame-perfect equilibrium party 1 offers
    at once, and is accepted,

    .. math:: x_1^* = \frac{1 - \delta_2}{1 - \delta_1 \delta_2}.

    Parameters
    ----------
    d1, d2 : float or array_like
        Discount factors per round, in [0, 1], with ``d1 * d2 < 1``. Broadcast together.

    Returns
    -------
    float or ndarray
        The proposer's share, in [0, 1] (pie units).
    """
    a, b = np.asarray(d1, dtype=float), np.asarray(d2, dtype=float)
    if np.any(~np.isfinite(a)) or np.any(~np.isfinite(b)):
        raise ValueError("discount factors must be finite")
    if np.any((a < 0) | (a > 1) | (b < 0) | (b > 1)):
        raise ValueError("discount factors must lie in [0, 1]")
    if np.any(a * b >= 1.0):
        raise ValueError("d1 * d2 must be < 1")
    return _out((1.0 - b) / (1.0 - a * b))


def rubinstein_offer_fixed_point(
    ideals: np.ndarray | Sequence[Sequence[float]],
    saliences: np.ndarray | Sequence[Sequence[float]],
    discounts: np.ndarray | Sequence[float],
    loss: str | Sequence[str] = "linear",
    lower: np.ndarray | Sequence[float] | float | None = None,
    upper: np.ndarray | Sequence[float] | float | None = None,
    red_lines: Sequence[Sequence[RedLine]] | None = None,
    tol: float = 1e-12,
    max_iter: int = 10_000,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Stationary subgame-perfect offers of two-party alternating offers over packages.

    Party i, when proposing, offers the package that is best for it among those that
    give the responder j at least its discounted value of proposing next round:

    .. math::

        x_i = \arg\max_{x} U_i(x) \ \text{s.t.}\ U_j(x) \ge \delta_j\, U_j(x_j),

    where perpetual disagreement is worth 0. The pair (x_1, x_2) is found by fixed-point
    iteration on the proposers' values :math:`v_i = U_i(x_i)`, starting from each party's
    best package; the map is a contraction of rate :math:`\delta_1 \delta_2` on the
    frontier, so about ``log(tol) / log(d1 * d2)`` iterations are needed. With one issue
    and utilities ``x`` and ``1 - x`` it reproduces :func:`rubinstein_share`.

    Parameters
    ----------
    ideals, saliences, loss, lower, upper, red_lines
        As in :func:`nash_bargaining_solution`, for exactly two parties.
    discounts : array_like, shape (2,)
        Discount factors per round, in [0, 1), product < 1.
    tol : float
        Stop when both values move less than this (utility units).
    max_iter : int
        Iteration cap; ``RuntimeError`` if reached.

    Returns
    -------
    offers : ndarray, shape (2, K)
        Row i: the package party i proposes.
    utilities : ndarray, shape (2, 2)
        Row i: both parties' utilities of offer i.

    Notes
    -----
    The proposer's value is unique; the package need not be where the proposer is
    indifferent along a flat part of the frontier.
    """
    prob = _Problem(ideals, saliences, loss, red_lines, lower, upper)
    if prob.n != 2:
        raise ValueError("alternating offers here are for exactly two parties")
    delta = _check_vector("discounts", discounts, 2)
    if np.any((delta < 0) | (delta >= 1)):
        raise ValueError("discounts must lie in [0, 1)")
    span = 2.0 + float(prob.rl_pen.sum())

    def best_for(i: int, floor: float) -> np.ndarray:
        j = 1 - i
        d = np.zeros(2)
        d[j] = floor
        a_mat = np.zeros((2, 1))
        a_mat[i, 0] = 1.0

        def score(x: np.ndarray) -> float:
            u = prob.utilities(x)
            return float(u[i]) if u[j] >= floor - 1e-12 else -np.inf

        return _epigraph(
            prob,
            d,
            a_mat,
            np.ones(1),
            np.array([-span]),
            np.array([1.0]),
            [np.clip(prob.a[i], prob.lo, prob.hi), np.clip(prob.a[j], prob.lo, prob.hi)],
            lambda u: np.array([u[i]]),
            score,
        )

    v = np.array([prob.utilities(best_for(i, -span))[i] for i in range(2)])
    offers = np.empty((2, prob.k))
    for _ in range(max_iter):
        for i in range(2):
            j = 1 - i
            offers[i] = best_for(i, delta[j] * v[j])
        new = np.array([prob.utilities(offers[i])[i] for i in range(2)])
        if np.max(np.abs(new - v)) < tol:
            v = new
            break
        v = new
    else:
        raise RuntimeError(f"no convergence in {max_iter} iterations")
    return offers, prob.utilities(offers)


def fearon_range(
    p: float | np.ndarray, cost_a: float | np.ndarray, cost_b: float | np.ndarray
) -> tuple[float | np.ndarray, float | np.ndarray]:
    r"""Fearon's (1995) bargaining range for A's share of a unit good.

    States A and B dispute a good of value 1 (A's share x, B's 1 - x). War gives A the
    whole good with probability p, at cost :math:`c_A`, so A's expected war payoff is
    :math:`p - c_A` and B's is :math:`1 - p - c_B`. With risk-neutral (linear) utilities
    both prefer every settlement with

    .. math:: p - c_A \le x \le p + c_B

    to war, a range that is non-empty whenever war is costly (Fearon 1995, "Rationalist
    explanations for war", International Organization 49(3), p. 387-388).

    Parameters
    ----------
    p : float or array_like
        A's probability of winning a war, in [0, 1].
    cost_a, cost_b : float or array_like
        Costs of war in units of the good, >= 0.

    Returns
    -------
    (low, high) : floats or ndarrays
        Bounds of A's acceptable shares. They are not clipped to [0, 1]: intersect with
        [0, 1] for the settlements that exist.
    """
    pa = np.asarray(p, dtype=float)
    ca, cb = np.asarray(cost_a, dtype=float), np.asarray(cost_b, dtype=float)
    if np.any(~np.isfinite(pa)) or np.any((pa < 0) | (pa > 1)):
        raise ValueError("p must lie in [0, 1]")
    if np.any(~np.isfinite(ca)) or np.any(~np.isfinite(cb)) or np.any(ca < 0) or np.any(cb < 0):
        raise ValueError("costs of war must be finite and >= 0")
    return _out(pa - ca), _out(pa + cb)


def fearon_breakdown_probability(
    p: float | np.ndarray,
    cost_a: float | np.ndarray,
    cost_b_low: float | np.ndarray,
    cost_b_high: float | np.ndarray,
) -> tuple[float | np.ndarray, float | np.ndarray]:
    r"""Optimal demand and war probability in Fearon's one-shot risk–return trade-off.

    A makes B a take-it-or-leave-it offer, demanding share x for itself. B's cost of war
    :math:`c_B` is private, and A believes it uniform on :math:`[\underline c, \bar c]`;
    B accepts iff :math:`1 - x \ge 1 - p - c_B`, i.e. iff :math:`c_B \ge x - p`. A
    maximises :math:`P(\text{accept})\,x + (1 - P(\text{accept}))(p - c_A)`. Writing
    :math:`y = x - p`, the optimum is

    .. math::

        y^* = \operatorname{clip}\Bigl(\frac{\bar c - c_A}{2}, \underline c, \bar c\Bigr),
        \qquad P(\text{war}) = \frac{y^* - \underline c}{\bar c - \underline c}
        = \frac{\bar c - c_A - 2\underline c}{2(\bar c - \underline c)}
        \text{ when interior}

    (Fearon 1995, section "Private information and incentives to misrepresent"). With
    :math:`\underline c = \bar c` (complete information) A demands :math:`p + c_B` and
    war has probability 0.

    Parameters
    ----------
    p : float or array_like
        A's probability of winning, in [0, 1].
    cost_a : float or array_like
        A's cost of war, >= 0 (units of the good).
    cost_b_low, cost_b_high : float or array_like
        Support of B's cost, 0 <= low <= high.

    Returns
    -------
    (demand, probability) : floats or ndarrays
        A's optimal share ``x* = p + y*`` and the probability that B rejects (war), in
        [0, 1].
    """
    pa = np.asarray(p, dtype=float)
    ca = np.asarray(cost_a, dtype=float)
    lo, hi = np.asarray(cost_b_low, dtype=float), np.asarray(cost_b_high, dtype=float)
    if np.any((pa < 0) | (pa > 1)) or np.any(~np.isfinite(pa)):
        raise ValueError("p must lie in [0, 1]")
    if np.any(ca < 0) or np.any(lo < 0) or np.any(hi < lo):
        raise ValueError("need cost_a >= 0 and 0 <= cost_b_low <= cost_b_high")
    y = np.clip(0.5 * (hi - ca), lo, hi)
    width = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        prob = np.where(width > 0, (y - lo) / np.where(width > 0, width, 1.0), 0.0)
    return _out(pa + y), _out(prob)


def fsj_aspiration(
    t: float | np.ndarray,
    deadline: float | np.ndarray,
    beta: float | np.ndarray,
    reservation: float | np.ndarray,
    initial: float | np.ndarray = 0.0,
    max_utility: float | np.ndarray = 1.0,
) -> float | np.ndarray:
    r"""Faratin–Sierra–Jennings (1998) time-dependent concession tactic.

    .. math::

        \alpha(t) = \kappa + (1 - \kappa)
            \Bigl(\frac{\min(t, T)}{T}\Bigr)^{1/\beta},\qquad
        \text{aspiration}(t) = U_{\max} - \alpha(t)\,(U_{\max} - U_{\mathrm{res}}).

    :math:`\alpha` rises from :math:`\kappa` (``initial``) at t = 0 to 1 at the deadline
    T, so the aspiration falls from :math:`U_{\max} - \kappa (U_{\max} - U_{\mathrm{res}})`
    to the reservation utility and stays there. β < 1 is *Boulware* (holds out, concedes
    late), β > 1 *Conceder* (concedes early), β = 1 linear.

    Parameters
    ----------
    t : float or array_like
        Time (rounds), >= 0.
    deadline : float or array_like
        T > 0 (rounds).
    beta : float or array_like
        Concession exponent, > 0.
    reservation : float or array_like
        Reservation utility (e.g. the BATNA), utility units.
    initial : float or array_like
        κ in [0, 1]: the share of the range conceded at t = 0.
    max_utility : float or array_like
        Starting aspiration before the initial concession (1 for the utilities here).

    Returns
    -------
    float or ndarray
        The aspiration, broadcast over all arguments (utility units).
    """
    ta = np.asarray(t, dtype=float)
    big_t = np.asarray(deadline, dtype=float)
    b = np.asarray(beta, dtype=float)
    k = np.asarray(initial, dtype=float)
    if np.any(ta < 0) or np.any(~np.isfinite(ta)):
        raise ValueError("t must be finite and >= 0")
    if np.any(big_t <= 0) or np.any(b <= 0):
        raise ValueError("deadline and beta must be > 0")
    if np.any((k < 0) | (k > 1)):
        raise ValueError("initial must lie in [0, 1]")
    frac = np.minimum(ta, big_t) / big_t
    alpha = k + (1.0 - k) * frac ** (1.0 / b)
    top = np.asarray(max_utility, dtype=float)
    return _out(top - alpha * (top - np.asarray(reservation, dtype=float)))
