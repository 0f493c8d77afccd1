"""History matching: which of a scenario's uncertain parameters (and readings) are not
ruled out by the targets.

Each wave runs a space-filling design (a Latin hypercube on the unit cube of the
parameters' quantiles, mapped through each distribution's quantile function, so the design
covers the prior) with R replicates per point on common random numbers, estimates every
target's observable at every point (mean and Monte Carlo variance), and computes the
implausibility of each target at each point::

    I_t(x) = |E_t(x) - z_t| / sqrt(V_mc,t(x) + sd_t^2)

where z_t and sd_t are the target's value and its own uncertainty (a band's centre and a
third of its half-width). A point is non-implausible when every I_t <= 3 (the cut-off of
Pukelsheim's three-sigma rule). The next wave samples the box around the non-implausible
points, keeps the candidates whose nearest point of the earlier waves was
non-implausible (a nearest-neighbour stand-in for an emulator: the model is cheap to
run, so it is run rather than emulated), and doubles the replicates per point so that
the Monte Carlo error shrinks as the region does. The fraction of the prior that
survives a wave is the box's prior mass times the share of candidates kept times the
share of run points that are non-implausible.

Every wave's numbers are a function of the seed and the wave: the design's seed is
derived from both, and point m of wave w runs replicates ``w * WAVE_STRIDE + 0..R-1``
(the same at every point of the wave, common random numbers), whatever ``jobs``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.calibration.targets import Target, TargetSet
from sim.errors import NegsimError

CUTOFF = 3.0
WAVE_STRIDE = 1 << 40  # replicate indices of wave w start here (waves never share streams)
CANDIDATES_PER_POINT = 20
BOX_MARGIN = 0.1  # the refined box is widened by this share of its width on each side
_EPS = 1e-9


@dataclass(frozen=True)
class Factor:
    """One input of the design: a parameter path (or the reading) and its distribution."""

    name: str
    dist: Any  # has .ppf
    labels: tuple[str, ...] = ()  # for the reading: the readings' names


def factors_of(scenario: Any) -> list[Factor]:
    """The scenario's uncertain parameters in file order, then its reading (if any)."""
    from sim.readings import reading_factor

    out = [Factor(k, v) for k, v in scenario.uncertain_parameters().items()]
    extra = reading_factor(scenario)
    if extra is not None:
        out.append(Factor(extra[0], extra[1], tuple(r.name for r in scenario.readings)))
    return out


@dataclass(frozen=True)
class TargetPlan:
    """A target as it is evaluated: on a run of ``horizon`` rounds, up to ``by_round``."""

    target: Target
    horizon: int
    by_round: int | None


def plan_targets(
    targets: TargetSet, scenario: Any, *, all_targets: bool = False
) -> list[TargetPlan]:
    chosen = targets.targets if all_targets else targets.for_calibration()
    return [
        TargetPlan(t, t.horizon(scenario.rounds), targets.round_of(t, scenario)) for t in chosen
    ]


def _fixed(scenario: Any) -> dict[str, float]:
    return {k: float(v) for k, v in scenario.parameters().items() if isinstance(v, int | float)}


def evaluate_block(
    scenarios: dict[int, Any],
    plans: Sequence[TargetPlan],
    names: tuple[str, ...],
    x: np.ndarray,
    replicates: np.ndarray,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and Monte Carlo variance of every target at design rows ``x`` (rows, D), each
    row run on ``replicates`` (R,): two arrays of shape (rows, T)."""
    from sim.runner import run_model

    rows, runs = x.shape[0], replicates.size
    mean = np.zeros((rows, len(plans)))
    var = np.zeros((rows, len(plans)))
    for horizon, scenario in scenarios.items():
        todo = [i for i, p in enumerate(plans) if p.horizon == horizon]
        if not todo:
            continue
        values = {name: np.repeat(x[:, k], runs) for k, name in enumerate(names)}
        result = run_model(scenario, seed, np.tile(replicates, rows), parameter_values=values)
        columns = result.columns()
        fixed = _fixed(scenario)
        for i in todo:
            p = plans[i]
            obs = p.target.observe(columns, fixed, p.by_round).reshape(rows, runs)
            m = obs.mean(axis=1)
            if p.target.kind == "probability":
                # a smoothed proportion, so that 0 of R still carries Monte Carlo error
                q = (obs.sum(axis=1) + 0.5) / (runs + 1.0)
                v = q * (1 - q) / runs
            else:
                v = obs.var(axis=1, ddof=1) / runs if runs > 1 else np.zeros(rows)
            mean[:, i], var[:, i] = m, v
    return mean, var


def implausibility(mean: np.ndarray, var: np.ndarray, plans: Sequence[TargetPlan]) -> np.ndarray:
    """I (rows, T): distance to each target in units of the combined uncertainty."""
    z = np.array([p.target.centre for p in plans])
    sd = np.array([p.target.sd for p in plans])
    return np.abs(mean - z) / np.sqrt(var + sd**2)


@dataclass(eq=False)
class Wave:
    """One wave: its design, estimates, implausibilities and what survived."""

    index: int
    runs: int
    box_lo: np.ndarray
    box_hi: np.ndarray
    kept_share: float  # share of candidates in the box kept by the nearest-neighbour screen
    u: np.ndarray  # (M, D) unit-cube design
    x: np.ndarray  # (M, D) parameter values
    mean: np.ndarray  # (M, T)
    var: np.ndarray  # (M, T)
    impl: np.ndarray  # (M, T)

    @property
    def points(self) -> int:
        return int(self.u.shape[0])

    @property
    def max_impl(self) -> np.ndarray:
        return self.impl.max(axis=1) if self.impl.shape[1] else np.zeros(self.points)

    @property
    def keep(self) -> np.ndarray:
        return self.max_impl <= CUTOFF

    @property
    def box_mass(self) -> float:
        return float(np.prod(self.box_hi - self.box_lo))

    @property
    def surviving_fraction(self) -> float:
        """Estimated share of the prior that is non-implausible after this wave."""
        if not self.points:
            return 0.0
        return self.box_mass * self.kept_share * float(self.keep.mean())


@dataclass(eq=False)
class Conflict:
    """Why nothing survived: each target's share of points it alone allows, and the pairs
    of targets that each allow some points but never the same ones."""

    alone: dict[str, float]
    pairs: list[tuple[str, str]]


@dataclass(eq=False)
class CalibrationResult:
    scenario: str
    scenario_file: str
    targets_file: str
    seed: int
    factors: list[Factor]
    plans: list[TargetPlan]
    waves: list[Wave] = field(default_factory=list)
    overrides: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.factors)

    @property
    def final(self) -> Wave:
        return self.waves[-1]

    @property
    def accepted(self) -> np.ndarray:
        """Indices of the last wave's non-implausible points."""
        return np.flatnonzero(self.final.keep)

    @property
    def survived(self) -> bool:
        return bool(self.accepted.size)

    def conflict(self) -> Conflict:
        """Which targets rule each other out, on the last wave's points."""
        ok = self.final.impl <= CUTOFF
        names = [p.target.name for p in self.plans]
        alone = {n: float(ok[:, i].mean()) for i, n in enumerate(names)}
        pairs = []
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                if ok[:, i].any() and ok[:, j].any() and not (ok[:, i] & ok[:, j]).any():
                    pairs.append((names[i], names[j]))
        return Conflict(alone, pairs)


def _lhs(d: int, n: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc  # type: ignore[import-untyped]

    if d == 0:
        return np.zeros((n, 0))
    return qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed)).random(n)


def wave_seed(seed: int, wave: int) -> int:
    state = np.random.SeedSequence(seed, spawn_key=(0xCA11B, wave)).generate_state(1)[0]
    return int(state)


def _next_design(
    previous: list[Wave], d: int, n: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Candidates in the box around the last wave's survivors, screened by the nearest
    point of every earlier wave; the first ``n`` kept (Latin hypercube order is random)."""
    from scipy.spatial import cKDTree  # type: ignore[import-untyped]

    last = previous[-1]
    alive = last.u[last.keep]
    lo, hi = alive.min(axis=0), alive.max(axis=0)
    width = np.maximum(hi - lo, 1.0 / max(last.points, 1))
    # n points spread over an interval leave about width / (n - 1) uncovered at each end
    # (the unbiased range of a uniform sample): without it, a few survivors in many
    # dimensions would shrink the box in dimensions the targets do not constrain at all
    margin = max(BOX_MARGIN, 1.0 / max(alive.shape[0] - 1, 1)) * width
    lo = np.clip(lo - margin, 0.0, 1.0)
    hi = np.clip(hi + margin, 0.0, 1.0)
    cand = lo + (hi - lo) * _lhs(d, n * CANDIDATES_PER_POINT, seed)
    u_all = np.concatenate([w.u for w in previous])
    ok_all = np.concatenate([w.keep for w in previous])
    # a later wave's verdict on a point supersedes nothing: every wave's points vote by
    # nearness, and a candidate is kept when its nearest evaluated point was non-implausible
    _, nearest = cKDTree(u_all).query(cand)
    kept = cand[ok_all[nearest]]
    share = kept.shape[0] / cand.shape[0]
    return kept[:n], lo, hi, share


def history_match(
    scenario: Any,
    targets: TargetSet,
    *,
    load_horizon: Callable[[int], Any],
    waves: int = 3,
    points: int = 256,
    runs: int = 32,
    growth: int = 2,
    seed: int | None = None,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Callable[[int, int, int], Callable[[int], None]] | None = None,
    scenario_file: str = "",
    overrides: Sequence[str] = (),
) -> CalibrationResult:
    """Run the waves (see the module docstring).

    ``load_horizon(h)`` gives the scenario run for ``h`` rounds (the scenario itself when
    ``h`` is its own rounds). ``progress(wave, waves, total)`` returns the callable a wave
    reports finished replicates to.
    """
    from sim.ensemble import CHUNK_SIZE
    from sim.executors import map_ordered

    seed = scenario.seed if seed is None else int(seed)
    factors = factors_of(scenario)
    plans = plan_targets(targets, scenario)
    if not plans:
        raise NegsimError(f"{targets.path}: no targets to calibrate against (all out of sample)")
    if not factors:
        raise NegsimError(
            "the scenario has no uncertain parameters or readings to calibrate; give some as "
            "distributions or name them with --factor PATH=LOW:HIGH"
        )
    horizons = sorted({p.horizon for p in plans})
    scenarios = {h: (scenario if h == scenario.rounds else load_horizon(h)) for h in horizons}
    names = tuple(f.name for f in factors)
    d = len(factors)
    result = CalibrationResult(
        scenario.name, scenario_file, targets.path, seed, factors, plans, overrides=tuple(overrides)
    )
    for w in range(waves):
        r = runs * growth**w
        if w == 0:
            u = _lhs(d, points, wave_seed(seed, w))
            lo, hi, share = np.zeros(d), np.ones(d), 1.0
        else:
            if not result.waves[-1].keep.any():
                break
            u, lo, hi, share = _next_design(result.waves, d, points, wave_seed(seed, w))
            if u.shape[0] == 0:
                break
        u = np.clip(u, _EPS, 1 - _EPS)
        x = np.column_stack([f.dist.ppf(u[:, k]) for k, f in enumerate(factors)])
        replicates = w * WAVE_STRIDE + np.arange(r, dtype=np.int64)
        per = max(1, CHUNK_SIZE // r)
        tasks = [
            (scenarios, plans, names, x[a : a + per], replicates, seed)
            for a in range(0, u.shape[0], per)
        ]
        report = progress(w, waves, u.shape[0] * r * len(horizons)) if progress else None
        means, variances = [], []
        for m, v in map_ordered(
            evaluate_block, tasks, jobs=jobs, executor=executor, scheduler=scheduler
        ):
            means.append(m)
            variances.append(v)
            if report is not None:
                report(m.shape[0] * r * len(horizons))
        mean, var = np.concatenate(means), np.concatenate(variances)
        result.waves.append(
            Wave(w, r, lo, hi, share, u, x, mean, var, implausibility(mean, var, plans))
        )
    return result


def abc_accept(result: CalibrationResult, quantile: float) -> np.ndarray:
    """Rejection ABC on the first wave (a Latin hypercube that follows the prior): the
    points whose distance to the targets, the root mean square of
    (estimate - target) / target sd, is within the ``quantile`` of all distances. Returns
    their indices in the first wave; the accepted points approximate the posterior under
    a uniform kernel of that width (Monte Carlo error adds to the kernel's width)."""
    if not 0 < quantile <= 1:
        raise NegsimError(f"--abc must be a share in (0, 1] (got {quantile})")
    first = result.waves[0]
    z = np.array([p.target.centre for p in result.plans])
    sd = np.array([p.target.sd for p in result.plans])
    distance = np.sqrt(np.mean(((first.mean - z) / sd) ** 2, axis=1))
    eps = np.quantile(distance, quantile)
    return np.flatnonzero(distance <= eps)
