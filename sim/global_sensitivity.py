"""Global sensitivity analysis of an outcome's probability (Sobol or Morris, with SALib).

The inputs are the scenario's uncertain parameters (those given as distributions). SALib
samples the unit hypercube; each column is mapped through its parameter's own quantile
function (``ppf``), as every Monte Carlo draw is, so discrete (``choice``) parameters work
too. The model is stochastic: besides the parameters, each replicate sees its own shocks
(strikes, front-line noise, votes, walk-outs). The quantity analysed is therefore the
*probability* of the outcome as a function of the parameters,

    f(x) = P(outcome | parameters = x),

and the design runs ``R`` replicates (``--runs``) at every design point:

* **Replicates.** Design row ``m`` runs replicate indices ``s*R .. s*R + R - 1`` of the
  user's seed, where ``s`` is the row's *replicate set*. With Sobol, base sample ``j``
  has two sets: one shared by A_j and every AB_ij (so a difference A - AB_i sees the same
  shocks, and a parameter that does nothing changes nothing), one for B_j (independent of
  A_j, as the estimators require). With Morris, all the points of a trajectory share one
  set (common random numbers along the trajectory: an elementary effect is a paired
  difference, and a parameter that does nothing has an effect of exactly 0).
* **The shocks' share.** The variance of a single replicate's outcome (1 if it ends in
  the class, else 0) splits into Var(f(X)), which the parameters explain, and
  E[Var(outcome | X)], which only the shocks explain. The second is estimated from the
  spread among the R replicates of each point (unbiased sample variance); its share is
  reported with a bootstrap 95% interval. For Morris the points lie on the design grid,
  so the split is an approximation.
* **Sobol indices** are shares of Var(f(X)), the variance of the probability. SALib's
  estimators (Saltelli 2010 first order, Jansen total) run on the point means; the
  point means carry sampling noise of variance f(1-f)/R, which inflates the denominator
  and the total-order numerator. Both are corrected with the within-point variances:

      Var f  = Var(mean_A, mean_B) - E[s^2] / R
      V_i    = S1_salib * Var(mean_A, mean_B)            (unbiased: B's noise is independent)
      V_Ti   = ST_salib * Var(mean_A, mean_B) - E[s_d^2] / (2R)
      S1_i = V_i / Var f,   ST_i = V_Ti / Var f

  where s_d^2 is the sample variance of the R paired differences A_j - AB_ij. SALib's
  bootstrap half-widths are rescaled by the same factor (the uncertainty of the
  correction itself is small and not included). If the parameters explain no detectable
  variance (Var f <= 0), the indices are undefined and reported as such.
* **Morris** mu* and sigma are given per *step*: the mean absolute change (and the
  spread of the change) in P(outcome) when one parameter moves by one grid step with the
  others fixed. With 4 levels the grid lies at the 1/8, 3/8, 5/8 and 7/8 quantiles of
  each parameter's distribution and a step is 2 levels (e.g. from the 1/8 to the 5/8
  quantile), so the numbers compare across parameters whatever their units.
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import NegsimError
from sim.stats import json_float as _f

__all__ = [
    "DEFAULTS",
    "Design",
    "Problem",
    "SensitivityResult",
    "analyze",
    "derived_seed",
    "evaluate_model",
    "format_sensitivity",
    "make_design",
    "problem_from_scenario",
    "sensitivity_csv",
    "sensitivity_json",
    "variance_split",
]

DEFAULTS = {
    # method: (base samples N or trajectories r, replicates per design point R)
    "sobol": (128, 16),
    "morris": (20, 32),
}
MORRIS_LEVELS = 4
CONF_LEVEL = 0.95
RESAMPLES = 1000
_EPS_U = 2.0**-40  # Sobol points are clipped to [eps, 1 - eps] so unbounded ppf stays finite
_CONST_WARNING = "Constant values encountered"


# ---- the problem and the design ------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """The uncertain parameters: dotted paths and their distributions (with ``ppf``)."""

    names: tuple[str, ...]
    dists: tuple[Any, ...]

    @property
    def d(self) -> int:
        return len(self.names)

    def salib(self) -> dict[str, Any]:
        """SALib's problem: every input on the unit interval (mapped by ``ppf`` later)."""
        return {"num_vars": self.d, "names": list(self.names), "bounds": [[0.0, 1.0]] * self.d}

    def values(self, u: np.ndarray) -> np.ndarray:
        """Parameter values of unit-cube points ``u`` (shape (M, D))."""
        return (
            np.column_stack(
                [np.asarray(dist.ppf(u[:, k]), dtype=float) for k, dist in enumerate(self.dists)]
            )
            if self.d
            else u
        )


def problem_from_scenario(scenario: Any) -> Problem:
    """The scenario's uncertain parameters, in file order, then its reading (if it
    declares alternative readings of its source: a factor like any other)."""
    from sim.readings import reading_factor

    params = dict(scenario.uncertain_parameters())
    extra = reading_factor(scenario)
    if extra is not None:
        params[extra[0]] = extra[1]
    return Problem(tuple(params), tuple(params.values()))


def derived_seed(seed: int, purpose: int) -> int:
    """A positive 32-bit seed for SALib derived from the user's seed and a purpose number
    (never 0: SALib's analysers treat a zero seed as "unseeded")."""
    state = np.random.SeedSequence(seed, spawn_key=(0x5A11B, purpose)).generate_state(1)[0]
    return int(state) or 1


@dataclass(frozen=True, eq=False)
class Design:
    """Design points and the replicates that run at each.

    Attributes
    ----------
    method : {"sobol", "morris"}
    n : int
        Sobol base samples N, or Morris trajectories r.
    runs : int
        Replicates per design point R.
    u : ndarray, shape (M, D)
        The design as SALib produced it (unit cube; Morris on its level grid).
    x : ndarray, shape (M, D)
        The parameter values run (``u`` mapped through each distribution's ``ppf``).
    sets : ndarray, shape (M,)
        Replicate set of each row: row m runs replicates ``sets[m]*runs + 0..runs-1``.
    """

    method: str
    n: int
    runs: int
    u: np.ndarray
    x: np.ndarray
    sets: np.ndarray

    @property
    def points(self) -> int:
        return int(self.u.shape[0])

    @property
    def evaluations(self) -> int:
        return self.points * self.runs

    def replicates(self, rows: slice | np.ndarray = slice(None)) -> np.ndarray:
        """(rows, R) replicate indices."""
        return self.sets[rows][:, None] * self.runs + np.arange(self.runs)[None, :]


def design_points(method: str, n: int, d: int) -> int:
    """Rows of a design of ``d`` parameters: N(D+2) for Sobol (first and total order),
    r(D+1) for Morris (as :func:`make_design` makes them)."""
    return n * (d + 2) if method == "sobol" else n * (d + 1)


def make_design(problem: Problem, method: str, n: int, runs: int, seed: int) -> Design:
    """SALib's Sobol (Saltelli, first and total order) or Morris design, mapped through
    the distributions, with the replicate sets described in the module docstring."""
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    d = problem.d
    if d == 0:
        raise NegsimError(
            "the scenario has no uncertain parameters (give some as distributions, "
            "e.g. --set 'PATH={dist: uniform, low: 0, high: 1}')"
        )
    if runs < 2:
        raise NegsimError(
            "sensitivity needs --runs >= 2 replicates per design point, to tell "
            "the shocks from the parameters"
        )
    if method == "sobol":
        if n < 2 or n & (n - 1):
            low = 1 << max(1, int(math.log2(max(n, 2))))
            raise NegsimError(
                f"--n must be a power of 2 for Sobol (got {n}; try {low} or {low * 2})"
            )
        u = sobol_sample.sample(
            problem.salib(), n, calc_second_order=False, scramble=True, seed=derived_seed(seed, 1)
        )
        u_run = np.clip(u, _EPS_U, 1.0 - _EPS_U)
        step = d + 2
        j = np.arange(u.shape[0]) // step
        is_b = np.arange(u.shape[0]) % step == step - 1
        sets = 2 * j + is_b
    elif method == "morris":
        if n < 2:
            raise NegsimError(f"--n must be at least 2 trajectories for Morris (got {n})")
        u = morris_sample.sample(
            problem.salib(), n, num_levels=MORRIS_LEVELS, seed=derived_seed(seed, 2)
        )
        # levels 0, 1/3, 2/3, 1 -> the midpoints 1/8, 3/8, 5/8, 7/8 of four equal-probability bins
        u_run = (u * (MORRIS_LEVELS - 1) + 0.5) / MORRIS_LEVELS
        sets = np.arange(u.shape[0]) // (d + 1)
    else:
        raise NegsimError(f"unknown method {method!r} (expected sobol or morris)")
    return Design(method, n, runs, u, problem.values(u_run), sets.astype(np.int64))


# ---- running the model ---------------------------------------------------------------


def _evaluate_block(
    scenario: Any,
    seed: int,
    names: tuple[str, ...],
    x: np.ndarray,
    replicates: np.ndarray,
    event: str | None = None,
) -> np.ndarray:
    """Outcome codes (rows, R) of design rows ``x`` (rows, D) at their replicates; for an
    event outcome (``ceasefire_by:DATE``), its 0/1 indicator instead."""
    from sim.outcomes import indicator
    from sim.runner import run_model

    rows, runs = replicates.shape
    values = {name: np.repeat(x[:, k], runs) for k, name in enumerate(names)}
    result = run_model(scenario, seed, replicates.ravel(), parameter_values=values)
    if event is not None:
        return indicator(result, event).astype(np.int8).reshape(rows, runs)
    return result.outcome.reshape(rows, runs)


def evaluate_model(
    scenario: Any,
    problem: Problem,
    design: Design,
    seed: int,
    *,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    block: int | None = None,
    event: str | None = None,
) -> np.ndarray:
    """Outcome codes of every replicate of every design row, shape (M, R) (with
    ``event``, its 0/1 indicator).

    Rows run in blocks of about ``CHUNK_SIZE`` replicates; each row's replicate indices
    are fixed by the design, so the result does not depend on the blocks or the workers.
    """
    from sim.ensemble import CHUNK_SIZE
    from sim.executors import map_ordered
    from sim.sweep_grid import PARALLEL_MIN_REPLICATES

    per = block or max(1, CHUNK_SIZE // design.runs)
    tasks = [
        (
            scenario,
            seed,
            problem.names,
            design.x[a : a + per],
            design.replicates(slice(a, a + per)),
            event,
        )
        for a in range(0, design.points, per)
    ]
    parts = []
    for out in map_ordered(
        _evaluate_block,
        tasks,
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
        serial=design.evaluations < PARALLEL_MIN_REPLICATES,
    ):
        parts.append(out)
        if progress is not None:
            progress(out.size)
    return np.concatenate(parts, axis=0)


# ---- analysis ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class VarianceSplit:
    """Var(single replicate's outcome) = Var(f(X)) [parameters] + E[Var(Y | X)] [shocks]."""

    mean: float  # P(outcome) over the points used
    var_probability: float  # Var f(X): explained by the parameters
    var_shocks: float  # E[Var(Y | X)]: explained by no parameter
    shock_share: float
    shock_share_ci95: tuple[float, float]

    @property
    def var_outcome(self) -> float:
        return self.var_probability + self.var_shocks


def _split(y: np.ndarray) -> tuple[float, float, float]:
    r = y.shape[1]
    within = float(y.var(axis=1, ddof=1).mean())
    between = float(y.mean(axis=1).var(ddof=1)) - within / r if y.shape[0] > 1 else float("nan")
    return float(y.mean()), between, within


def variance_split(
    y: np.ndarray, clusters: np.ndarray, seed: int, resamples: int = RESAMPLES
) -> VarianceSplit:
    """Split the outcome's variance between the parameters and the shocks.

    Parameters
    ----------
    y : ndarray, shape (M, R)
        Outcomes (0/1, or any numbers) of R replicates at each of M points whose
        parameters are draws of X.
    clusters : ndarray, shape (M,)
        Points resampled together in the bootstrap (the A and B point of a Sobol base
        sample; a Morris trajectory).
    """
    mean, between, within = _split(y)
    total = between + within
    share = within / total if total > 0 else float("nan")
    ids = np.unique(clusters)
    members = [np.flatnonzero(clusters == c) for c in ids]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x5A11B, 3)))
    shares = []
    for _ in range(resamples):
        pick = rng.integers(len(ids), size=len(ids))
        rows = np.concatenate([members[i] for i in pick])
        _, b, w = _split(y[rows])
        if b + w > 0:
            shares.append(w / (b + w))
    if shares:
        lo, hi = np.percentile(shares, [2.5, 97.5])
        ci = (float(np.clip(lo, 0, 1)), float(np.clip(hi, 0, 1)))
    else:
        ci = (float("nan"), float("nan"))
    if np.isfinite(share):
        share = float(np.clip(share, 0, 1))
    return VarianceSplit(mean, between, within, share, ci)


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """Indices of one outcome's probability, in the problem's order.

    ``indices``/``conf``: ``S1``, ``ST`` (Sobol; shares of Var f) or ``mu_star``,
    ``sigma``, ``mu`` (Morris; change in probability per step); ``conf`` holds 95%
    half-widths (None where the method gives none). ``defined`` is False when the
    parameters explain no detectable variance (Sobol indices are then NaN).
    """

    method: str
    outcome: str
    names: tuple[str, ...]
    labels: tuple[str, ...]
    indices: dict[str, np.ndarray]
    conf: dict[str, np.ndarray | None]
    n: int
    runs: int
    points: int
    split: VarianceSplit
    defined: bool = True
    scenario: str = ""
    seed: int = 0
    file_keys: tuple[str, ...] = field(default_factory=tuple)

    @property
    def evaluations(self) -> int:
        return self.points * self.runs

    @property
    def primary(self) -> str:
        return "ST" if self.method == "sobol" else "mu_star"

    def order(self) -> np.ndarray:
        """Parameter positions, largest primary index first (NaN last)."""
        v = np.nan_to_num(self.indices[self.primary], nan=-np.inf)
        return np.argsort(-v, kind="stable")

    def plot_data(self, top: int | None = None) -> Any:
        """The bar chart's data (:class:`sim.plot_data.SensitivityData`), the ``top``
        largest parameters only when given."""
        from sim.plot_data import prepare_sensitivity

        keep = self.order()[: top or len(self.names)]
        analysis: dict[str, Any] = {}
        for key, vals in self.indices.items():
            analysis[key] = np.nan_to_num(vals[keep], nan=0.0)
            half = self.conf.get(key)
            if half is not None:
                analysis[f"{key}_conf"] = np.nan_to_num(half[keep], nan=0.0)
        return prepare_sensitivity(
            analysis,
            [self.labels[i] for i in keep],
            method=self.method,
            outcome=self.outcome,
            scenario=self.scenario,
            n=self.evaluations,
        )


def analyze(
    problem: Problem,
    design: Design,
    y: np.ndarray,
    *,
    seed: int,
    outcome: str = "settlement",
    labels: Sequence[str] | None = None,
    scenario: str = "",
    file_keys: Sequence[str] = (),
) -> SensitivityResult:
    """Sobol or Morris indices of the mean of ``y`` (shape (M, R): R replicates per
    design row, 0/1 outcomes or any numbers), corrected for the replicates' noise as the
    module docstring explains."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    y = np.asarray(y, dtype=float)
    if y.shape != (design.points, design.runs):
        raise ValueError(f"y must have shape {(design.points, design.runs)} (got {y.shape})")
    d = problem.d
    labels = tuple(labels) if labels is not None else problem.names
    ybar = y.mean(axis=1)
    r = design.runs
    if design.method == "sobol":
        step = d + 2
        a_rows = np.arange(0, design.points, step)
        b_rows = a_rows + step - 1
        ab = np.r_[ybar[a_rows], ybar[b_rows]]
        rows = np.r_[a_rows, b_rows]
        split = variance_split(y[rows], np.r_[np.arange(len(a_rows)), np.arange(len(a_rows))], seed)
    else:
        ab = ybar
        split = variance_split(y, design.sets, seed)
    if np.ptp(y) == 0:
        raise NegsimError(
            f"{outcome} {'never' if y.flat[0] == 0 else 'always'} happened in the "
            f"{design.evaluations:,} replicates of the design: its probability does not vary, "
            "so the indices are undefined (try another --outcome or more --runs)"
        )
    with warnings.catch_warnings():
        # bootstrap resamples of a rare outcome may be constant; SALib then warns and
        # returns 0 for that resample, which is the right value
        warnings.filterwarnings("ignore", message=_CONST_WARNING, category=UserWarning)
        if design.method == "sobol":
            si = sobol_analyze.analyze(
                problem.salib(),
                ybar,
                calc_second_order=False,
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                seed=derived_seed(seed, 4),
            )
        else:
            si = morris_analyze.analyze(
                problem.salib(),
                design.u,
                ybar,
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                num_levels=MORRIS_LEVELS,
                seed=derived_seed(seed, 5),
            )
    defined = True
    if design.method == "sobol":
        v0 = float(np.var(ab))
        var_f = split.var_probability
        a_y = y[a_rows]
        ab_y = np.stack([y[a_rows + 1 + k] for k in range(d)], axis=1)  # (N, D, R)
        bias_t = 0.5 * (a_y[:, None, :] - ab_y).var(axis=2, ddof=1).mean(axis=0) / r
        if var_f > 0 and v0 > 0:
            scale = v0 / var_f
            indices = {
                "ST": (np.asarray(si["ST"]) * v0 - bias_t) / var_f,
                "S1": np.asarray(si["S1"]) * scale,
            }
            conf: dict[str, np.ndarray | None] = {
                "ST": np.asarray(si["ST_conf"]) * scale,
                "S1": np.asarray(si["S1_conf"]) * scale,
            }
        else:
            defined = False
            nan = np.full(d, np.nan)
            indices = {"ST": nan, "S1": nan.copy()}
            conf = {"ST": nan.copy(), "S1": nan.copy()}
    else:
        step_size = MORRIS_LEVELS / (2 * (MORRIS_LEVELS - 1))  # SALib divides by this
        indices = {
            "mu_star": np.asarray(si["mu_star"], dtype=float) * step_size,
            "sigma": np.asarray(si["sigma"], dtype=float) * step_size,
            "mu": np.asarray(si["mu"], dtype=float) * step_size,
        }
        conf = {
            "mu_star": np.asarray(si["mu_star_conf"], dtype=float) * step_size,
            "sigma": None,
            "mu": None,
        }
    return SensitivityResult(
        design.method,
        outcome,
        problem.names,
        labels,
        indices,
        conf,
        design.n,
        r,
        design.points,
        split,
        defined,
        scenario,
        seed,
        tuple(file_keys) or problem.names,
    )


# ---- text and files ------------------------------------------------------------------


def sensitivity_csv(res: SensitivityResult) -> str:
    """One row per parameter, largest primary index first."""
    keys = ["ST", "S1"] if res.method == "sobol" else ["mu_star", "sigma", "mu"]
    head = ["parameter", "file_key", "label"]
    for k in keys:
        head.append(k)
        if res.conf.get(k) is not None:
            head.append(f"{k}_conf")
    lines = [",".join(head)]
    for i in res.order():
        cells = [res.names[i], res.file_keys[i], _quote(res.labels[i])]
        for k in keys:
            cells.append(_num(res.indices[k][i]))
            half = res.conf.get(k)
            if half is not None:
                cells.append(_num(half[i]))
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def _num(v: float) -> str:
    return f"{v:.6g}" if np.isfinite(v) else ""


def sensitivity_json(res: SensitivityResult) -> dict[str, Any]:
    s = res.split
    return {
        "scenario": res.scenario,
        "method": res.method,
        "outcome": res.outcome,
        "seed": res.seed,
        "design": {
            "n": res.n,
            "points": res.points,
            "runs_per_point": res.runs,
            "replicates": res.evaluations,
        },
        "probability": _f(s.mean),
        "variance": {
            "outcome": _f(s.var_outcome),
            "parameters": _f(s.var_probability),
            "shocks": _f(s.var_shocks),
            "shock_share": _f(s.shock_share),
            "shock_share_ci95": [_f(s.shock_share_ci95[0]), _f(s.shock_share_ci95[1])],
        },
        "indices_defined": res.defined,
        "parameters": [
            {
                "parameter": res.names[i],
                "file_key": res.file_keys[i],
                "label": res.labels[i],
                **{k: _f(v[i]) for k, v in res.indices.items()},
                **{f"{k}_conf": _f(v[i]) for k, v in res.conf.items() if v is not None},
            }
            for i in res.order()
        ],
    }


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.0f}%"


def format_sensitivity(res: SensitivityResult, top: int | None = None) -> str:
    """The terminal report: the shocks' share, then one line per parameter."""
    o = res.outcome.replace("_", " ")
    s = res.split
    lo, hi = s.shock_share_ci95
    if res.method == "sobol":
        what = (
            f"Sobol indices: N = {res.n} base samples, {res.points:,} design points x "
            f"{res.runs} replicates = {res.evaluations:,} replicates"
        )
    else:
        what = (
            f"Morris screening: {res.n} trajectories, {res.points:,} design points x "
            f"{res.runs} replicates = {res.evaluations:,} replicates"
        )
    shocks = (
        f"Shocks: {_pct(s.shock_share)} [95%: {_pct(lo)}, {_pct(hi)}] of the variance of a "
        f"single replicate's outcome ({o} or not) comes from the shocks (strikes, front-line "
        f"noise, votes, walk-outs), which no parameter explains; the parameters explain the other "
        f"{_pct(1 - s.shock_share) if np.isfinite(s.shock_share) else 'n/a'}"
        + (" (approximate on the Morris grid)." if res.method == "morris" else ".")
    )
    if res.method == "sobol":
        reading = (
            f"ST (total, with interactions) and S1 (first order) are shares of the variance "
            f"of P({o}) across parameter settings; +- is a 95% half-width."
        )
    else:
        reading = (
            f"mu* = mean absolute change in P({o}) when the parameter alone moves one step "
            f"(half of its distribution, e.g. from its 1/8 to its 5/8 quantile), +- a 95% "
            f"half-width; sigma = spread of that change (large: interactions or "
            f"non-linearity); mu = mean signed change."
        )
    lines = [
        f"{res.scenario}: what drives P({o}) over {len(res.names)} uncertain parameters",
        f"{what} (seed {res.seed})",
        f"P({o}) = {s.mean:.3f} over the design.",
        "",
        textwrap.fill(shocks, 100),
        textwrap.fill(reading, 100),
    ]
    if np.isfinite(hi) and hi >= 0.999:
        lines.append(
            textwrap.fill(
                "Caution: at this sample size the parameters' share cannot be told from zero, so "
                "the indices below are dominated by noise; more --runs (replicates per point) or a "
                "larger --n may help.",
                100,
            )
        )
    lines.append("")
    if not res.defined:
        lines.append(
            f"The parameters explain no detectable variance of P({o}) at this sample "
            "size: the Sobol indices are undefined. More --runs or a larger --n may help."
        )
        return "\n".join(lines)
    width = min(60, max(len("parameter"), *(len(lab) for lab in res.labels)) + 2)
    if res.method == "sobol":
        lines.append(f"{'parameter':<{width}}{'ST':>16}{'S1':>16}")
        fmt: tuple[str, ...] = ("ST", "S1")
    else:
        lines.append(f"{'parameter':<{width}}{'mu*':>16}{'sigma':>10}{'mu':>10}")
        fmt = ("mu_star",)
    order = res.order()[: top or len(res.names)]
    for i in order:
        lab = res.labels[i]
        lab = lab if len(lab) < width - 1 else lab[: width - 4] + "..."
        cells = ""
        for k in fmt:
            half = res.conf[k]
            cells += f"{res.indices[k][i]:>8.3f} +-{half[i]:.3f}" if half is not None else ""
        if res.method == "morris":
            cells += f"{res.indices['sigma'][i]:>10.3f}{res.indices['mu'][i]:>+10.3f}"
        lines.append(f"{lab:<{width}}{cells}")
    if top is not None and top < len(res.names):
        lines.append(f"... and {len(res.names) - top} more in sensitivity.csv")
    return "\n".join(lines)
