"""negsim's rules as a plain Mesa model: one model per replicate, scalar Python.

This is the bench's fair comparator (bench/README.md): what a Mesa user who wanted these
rules would write, one ``mesa.Model`` per replicate with ``mesa.Agent`` objects for the
parties and the mediator, floats and lists instead of arrays, and ``model.random`` for
its random numbers. It implements the rules of docs/model.md with linear loss: the front,
strikes through their six channels, truces, offensives and aid changes, BATNAs,
concession, beliefs, the mediator's Nash package with win-sets and (two parties) its own
interests, its frustration, pressure, ultimatum and exit, alternating offers between two
parties after the exit or without a mediator, staged agreements with vote delays,
collapse and veto players, signing with the anticipation of ratification, the vote and
walk-outs. With two parties it walks the frontier polyline as the ensemble does; with
three or more it finds the Nash and max-min packages with scipy (SLSQP and HiGHS), one
replicate at a time, as a Mesa user would. It is not part of negsim: the simulator
itself is the ensemble model of ``sim/model.py``.

Two sources of randomness:

* ``RandomDraws``: the model's own ``random.Random`` (``model.random``), with parameters
  drawn from the scenario's distributions by Python's ``random`` (how the bench times it);
* ``StreamDraws``: negsim's counter-based streams (``sim/streams.py``) reimplemented in
  pure Python, with the parameter values the ensemble drew for that replicate, so that
  the comparator and the ensemble can be compared replicate by replicate
  (``bench/scalar_check.py``).

Scenario features outside that set (quadratic loss, outside options and bargaining
costs, known deadlines, recognition, quotas, three or more parties without a mediator
or after its exit, a mediator's own interests with three or more parties) are refused.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Mapping
from typing import Any

from sim.mesa_import import mesa

INF = math.inf
NONE = -1
WAR, TRUCE, CEASEFIRE, SETTLEMENT, OVER = 0, 1, 2, 3, 4
# end states (sim.outcomes.Outcome)
O_SETTLEMENT, O_BREAKDOWN, O_MEDIATOR_EXIT, O_STALEMATE, O_CEASEFIRE = 0, 1, 2, 3, 4
OUTCOME_NAMES = ("settlement", "breakdown", "mediator_exit", "stalemate", "ceasefire")
TIE = 1e-9
SHIFTS = ("offensive", "aid_change")
RATIFICATION_TOLERANCE = 1e-9
DEFAULT_BELIEVED_DEADLINE = 26.0

# ---- random numbers -----------------------------------------------------------------------
_MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_TWO_M53 = 1.0 / (1 << 53)


def _mix(z: int) -> int:
    z &= _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _counter(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


class StreamDraws:
    """negsim's per-replicate streams (sim/streams.py), one replicate, in pure Python."""

    PARAMETERS, SHOCKS, BELIEFS = 1, 2, 3

    def __init__(self, seed: int, replicate: int) -> None:
        from scipy.special import ndtri  # the inverse CDF the ensemble uses, bit for bit

        self._ndtri = ndtri
        self.keys = {}
        for purpose in (self.PARAMETERS, self.SHOCKS, self.BELIEFS):
            base = _mix(_mix(seed) ^ _mix(purpose * 0x2545F4914F6CDD1D))
            self.keys[purpose] = _mix((base + replicate * _GAMMA) & _MASK)

    def _uniform(self, purpose: int, name: str) -> float:
        z = _mix((self.keys[purpose] + ((_counter(name) + 1) * _GAMMA)) & _MASK)
        return (float(z >> 11) + 0.5) * _TWO_M53

    def shock(self, name: str, t: int) -> float:
        return self._uniform(self.SHOCKS, f"{name}@{t}")

    def normal_shock(self, name: str, t: int) -> float:
        return float(self._ndtri(self.shock(name, t)))

    def belief(self, name: str) -> float:
        return float(self._ndtri(self._uniform(self.BELIEFS, name)))

    def parameter(self, name: str) -> float:
        return self._uniform(self.PARAMETERS, name)


class RandomDraws:
    """The model's own generator: a uniform or a normal per use."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def shock(self, name: str, t: int) -> float:
        return self.rng.random()

    def normal_shock(self, name: str, t: int) -> float:
        return self.rng.gauss(0.0, 1.0)

    def belief(self, name: str) -> float:
        return self.rng.gauss(0.0, 1.0)

    def parameter(self, name: str) -> float:
        return self.rng.random()


_PARAMETERS: dict[int, tuple[Any, list[tuple[str, Any]]]] = {}


def _parameters(scenario: Any) -> list[tuple[str, Any]]:
    """The scenario's parameters (path, number or distribution), listed once per scenario."""
    held = _PARAMETERS.get(id(scenario))
    if held is None or held[0] is not scenario:
        held = _PARAMETERS[id(scenario)] = (scenario, list(scenario.parameters().items()))
    return held[1]


def sample_parameters(scenario: Any, rng: random.Random) -> dict[str, float]:
    """One replicate's parameter values, drawn with Python's ``random`` (the way a Mesa
    model draws them) from the scenario's distributions."""
    out: dict[str, float] = {}
    for path, value in _parameters(scenario):
        if isinstance(value, int | float):
            out[path] = float(value)
            continue
        kind = value.kind
        if kind == "uniform":
            out[path] = rng.uniform(value.low, value.high)
        elif kind == "normal":
            while True:  # truncated by rejection where bounds are given
                v = rng.gauss(value.mean_, value.sd)
                if (value.low is None or v >= value.low) and (
                    value.high is None or v <= value.high
                ):
                    break
            out[path] = v
        elif kind == "beta":
            out[path] = value.low + (value.high - value.low) * rng.betavariate(value.a, value.b)
        elif kind == "triangular":
            out[path] = rng.triangular(value.low, value.high, value.mode)
        elif kind == "choice":
            out[path] = float(rng.choices(value.values, weights=value.weights)[0])
        else:
            out[path] = float(value.ppf(rng.random()))
    return out


def _div(a: float, b: float) -> float:
    """a / b with IEEE semantics (as numpy divides)."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or a != a:
            return math.nan
        return math.copysign(INF, a) * math.copysign(1.0, b)


def _clip(v: float, lo: float, hi: float) -> float:
    return lo if v < lo else hi if v > hi else v


def _log(s: float) -> float:
    return math.log(s) if s > 0 else 0.0


# ---- utilities ----------------------------------------------------------------------------
class Shape:
    """One actor's utility: 1 − Σ s_k |x_k − a_k| − Σ_r p_r max(0, violation_r)."""

    def __init__(
        self,
        ideal: list[float],
        salience: list[float],
        lines: list[tuple[int, float, float, float]],
    ) -> None:
        self.ideal, self.salience = ideal, salience
        self.lines = lines  # (issue, sign +1 max / -1 min, bound, penalty)

    def utility(self, x: list[float], penalties: bool = True) -> float:
        u = 0.0
        for s, xk, ak in zip(self.salience, x, self.ideal, strict=True):
            u += s * abs(xk - ak)
        u = 1.0 - u
        if penalties:
            pen = 0.0
            for k, sign, bound, p in self.lines:
                pen += p * max(0.0, (x[k] - bound) * sign)
            u -= pen
        return u

    def issue_value(self, k: int, c: float) -> float:
        f = -self.salience[k] * abs(c - self.ideal[k])
        for kk, sign, bound, p in self.lines:
            if kk == k:
                f -= p * max(0.0, sign * (c - bound))
        return f

    def issue_slope(self, k: int, c: float, side: int) -> float:
        diff = c - self.ideal[k]
        above = diff > 0 if side < 0 else diff >= 0
        d = (-1.0 if above else 1.0) * self.salience[k]
        for kk, sign, bound, p in self.lines:
            if kk == k:
                off = sign * (c - bound)
                violated = off > 0 if side * sign < 0 else off >= 0
                if violated:
                    d -= sign * p
        return d


class _Box:
    """Three or more parties: only whether absolute red lines leave a package."""

    def __init__(self, lower: list[float], upper: list[float]) -> None:
        self.feasible = all(lo <= hi + 1e-12 for lo, hi in zip(lower, upper, strict=True))
        self.vertices: list[list[float]] = []


class Frontier:
    """Two parties, linear loss: the Pareto frontier as a polyline of weighted-sum
    solutions between breakpoint weights (docs/model.md §5), built once per replicate."""

    def __init__(self, parties: list[Shape], lower: list[float], upper: list[float]) -> None:
        self.parties = parties
        k_n = len(lower)
        self.feasible = all(lo <= hi + 1e-12 for lo, hi in zip(lower, upper, strict=True))
        upper = [max(hi, lo) for lo, hi in zip(lower, upper, strict=True)]
        cand = []
        for k in range(k_n):
            cols = [lower[k], upper[k]] + [p.ideal[k] for p in parties]
            for p in parties:
                for kk, _, bound, _ in p.lines:
                    cols.append(bound if kk == k else lower[k])
            cand.append(sorted(_clip(c, lower[k], upper[k]) for c in cols))
        self.cand = cand
        self.values = [
            [[p.issue_value(k, c) for c in cand[k]] for k in range(k_n)] for p in parties
        ]
        thetas = []
        for k in range(k_n):
            for c in cand[k]:
                for side in (-1, 1):
                    a = parties[0].issue_slope(k, c, side)
                    b = parties[1].issue_slope(k, c, side)
                    if a * b < 0:
                        th = b / (b - a)
                        if 1e-12 < th < 1 - 1e-12:
                            thetas.append(th)
        thetas.sort()
        kept = []
        for i, th in enumerate(thetas):
            if i == 0 or abs(th - thetas[i - 1]) >= 1e-12:
                kept.append(th)
        edge = 1.0 - 1e-9
        bounds = [1e-9] + kept + [edge] if kept else [1e-9, edge, edge]
        mids = [0.5 * (bounds[i + 1] + bounds[i]) for i in range(len(bounds) - 1)]
        self.vertices = [self.weighted_best(th) for th in mids]
        self.vutil = [[p.utility(v) for p in parties] for v in self.vertices]

    def weighted_best(self, theta: float) -> list[float]:
        x = []
        v0, v1 = self.values
        for k, cands in enumerate(self.cand):
            best, best_v = 0, -INF
            for c in range(len(cands)):
                v = theta * v0[k][c] + (1.0 - theta) * v1[k][c]
                if v > best_v:
                    best, best_v = c, v
            x.append(cands[best])
        return x

    def point(self, j: int, t: float) -> list[float]:
        p, q = self.vertices[j], self.vertices[j + 1]
        return [pk + t * (qk - pk) for pk, qk in zip(p, q, strict=True)]

    def segments(self) -> range:
        return range(len(self.vertices) - 1)

    def best_for(self, who: int, floor: float) -> tuple[list[float], bool]:
        """The package best for ``who`` that gives the other party at least ``floor``;
        where none does, the one that comes closest (found False)."""
        o = 1 - who
        best_j, best_t, best_own = 0, 0.0, -INF
        close_j, close_t, close_v = 0, 0.0, -INF
        for j in self.segments():
            up, uq = self.vutil[j], self.vutil[j + 1]
            a = up[o] - floor
            b = uq[o] - up[o]
            if b > 0:
                lo, hi = _div(0.0 - a, b), INF
            elif b < 0:
                lo, hi = -INF, _div(0.0 - a, b)
            else:
                lo, hi = (INF if a < 0 else -INF), INF
            lo, hi = max(lo, 0.0), min(hi, 1.0)
            if hi >= lo:
                own_p = up[who] + (uq[who] - up[who]) * lo
                own_q = up[who] + (uq[who] - up[who]) * hi
                t = hi if own_q > own_p else lo
                own = max(own_p, own_q)
                if own > best_own:
                    best_j, best_t, best_own = j, t, own
            at_q = a + b * 1.0
            vm = max(a, at_q)
            if vm > close_v:
                close_j, close_t, close_v = j, (1.0 if at_q > a else 0.0), vm
        if best_own > -INF:
            return self.point(best_j, best_t), True
        return self.point(close_j, close_t), False


# ---- agents -------------------------------------------------------------------------------
class Party(mesa.Agent):
    """A party: values continued war, concedes, signs, may walk out."""

    def __init__(self, model: ScalarNegotiation, spec: Any, index: int) -> None:
        super().__init__(model)
        p = model.param
        self.name, self.index, self.spec = spec.name, index, spec
        pre = f"actors.{spec.name}"
        issues = model.issues
        self.ideal = [p(f"{pre}.ideal.{k}") for k in issues]
        raw = [p(f"{pre}.salience.{k}", 0.0) for k in issues]
        total = max(sum(raw), 1e-300)
        self.salience = [r / total for r in raw]
        lines = []
        for i, r in enumerate(spec.red_lines):
            if not r.absolute:
                sign = 1.0 if r.kind == "max" else -1.0
                lines.append(
                    (
                        issues.index(r.issue),
                        sign,
                        p(f"{pre}.red_lines.{i}.bound"),
                        p(f"{pre}.red_lines.{i}.penalty"),
                    )
                )
        self.shape = Shape(self.ideal, self.salience, lines)
        self.fixed_batna = p(f"{pre}.batna") if spec.batna is not None else None
        self.cost_per_round = p(f"{pre}.war.cost_per_round")
        self.cost_per_gain = p(f"{pre}.war.cost_per_gain")
        self.horizon = max(1.0, float(round(p(f"{pre}.war.horizon"))))
        self.optimism = p(f"{pre}.war.optimism")
        self.patience = p(f"{pre}.patience")
        d = self.patience
        self.discounted_rounds = self.horizon if d >= 1.0 else (1.0 - d**self.horizon) / (1.0 - d)
        c = f"{pre}.concession"
        self.strategy = spec.concession.strategy
        self.beta = p(f"{c}.beta")
        self.deadline = max(1.0, float(round(p(f"{c}.deadline", DEFAULT_BELIEVED_DEADLINE))))
        self.initial = _clip(p(f"{c}.initial"), 0.0, 1.0)
        w = [p(f"{c}.weights.time", 1.0), p(f"{c}.weights.resource", 0.0)]
        w.append(p(f"{c}.weights.behaviour", 0.0))
        for _ in range(2):  # normalised twice, as the ensemble does
            total = w[0] + w[1] + w[2]
            w = [v / total for v in w]
        self.weights = w
        self.cost_tolerance = p(f"{c}.cost_tolerance", 1.0)
        self.front_sensitivity = p(f"{c}.front.sensitivity", 0.0)
        self.front_halflife = p(f"{c}.front.halflife", 2.0)
        self.reciprocity = p(f"{c}.reciprocity", 0.0)
        self.rebound_share = p(f"{c}.rebound.failed_ratification", 0.5)
        self.belief_noise_sd = p(f"{pre}.belief_noise_sd")
        self.walkout_gap = p(f"{pre}.walkout.gap")
        self.walkout_hazard = p(f"{pre}.walkout.hazard")
        rat = spec.ratification
        self.ratifies_always = rat is None
        if rat is not None:
            self.rat_intercept = p(f"{pre}.ratification.intercept")
            self.rat_coef = [p(f"{pre}.ratification.coefficients.{k}", 0.0) for k in issues]
            thr = _clip(p(f"{pre}.ratification.threshold"), 1e-9, 1 - 1e-9)
            self.rat_logit_threshold = math.log(thr / (1 - thr))
            self.vote_noise_sd = p(f"{pre}.ratification.vote_noise_sd")
            self.lost_rounds = max(0.0, float(round(p(f"{pre}.ratification.lost_rounds"))))
            self.anticipates = rat.anticipate
        self.conceded = self.initial
        self.trend = 0.0
        self.cost_seen = 0.0
        self.last_share = 0.0
        self.next_share = 0.0
        self.accumulated_cost = 0.0
        self.batna = 0.0
        self.aspiration = 1.0
        self.pressure = 0.0
        self.direction: list[float] = []
        self.clear_event_effects()

    def clear_event_effects(self) -> None:
        self.cost_multiplier = 1.0
        self.extra_optimism = 0.0
        self.extra_cost = 0.0
        self.backlash = 0.0
        self.walkout_bump = 0.0
        self.concession_pace = 1.0
        self.approval_shift = 0.0

    def expected_cost(self, gain: float) -> float:
        return (
            self.cost_per_round * self.cost_multiplier + self.cost_per_gain * gain + self.extra_cost
        )

    def update_batna(self) -> None:
        m = self.model
        if self.fixed_batna is not None:
            value = self.fixed_batna
        else:
            drift = m.expected_drifts()
            projected = [
                _clip(f + d * self.horizon, 0.0, 1.0)
                for f, d in zip(m.positions, drift, strict=True)
            ]
            war = m.war_package(projected)
            gain = sum(max(0.0, s * d) for s, d in zip(self.direction, drift, strict=True))
            value = (
                self.shape.utility(war, penalties=False)
                - self.expected_cost(gain) * self.discounted_rounds
                + self.optimism
                + self.extra_optimism
            )
        self.batna = value - self.pressure

    def update_aspiration(self, others_last: list[float]) -> None:
        m = self.model
        if self.strategy == "none":
            self.conceded, self.next_share = 1.0, 0.0
            self.aspiration = self.batna + self.backlash
            return
        round_cost = self.accumulated_cost - self.cost_seen
        gained = sum(s * mv for s, mv in zip(self.direction, m.moves, strict=True))
        lam = 1.0 - 2.0 ** (-1.0 / self.front_halflife)
        self.trend = (1.0 - lam) * self.trend + lam * gained
        # time: the share of the remaining range the FSJ curve closes this round
        t, big_t = m.round - 1.0, max(self.deadline - 1.0, 1.0)
        inv = 1.0 / self.beta
        now = (min(t, big_t) / big_t) ** inv
        before = (min(max(t - 1.0, 0.0), big_t) / big_t) ** inv
        left = 1.0 - before
        h_time = 0.0 if t <= 0.0 else _clip((now - before) / left if left > 0 else 1.0, 0.0, 1.0)
        # resource: cost eats into the tolerance; an adverse front trend
        c = max(round_cost, 0.0)
        room = max(self.cost_tolerance - self.cost_seen, 0.0)
        h_cost = min(c / room if room > 0 else (1.0 if c > 0 else 0.0), 1.0)
        h_front = -math.expm1(-self.front_sensitivity * max(-self.trend, 0.0))
        h_res = 1.0 - (1.0 - h_cost) * (1.0 - h_front)
        # behaviour: relative tit-for-tat
        mean = sum(max(0.0, s) for s in others_last) / len(others_last)
        h_beh = min(self.reciprocity * mean, 1.0)
        w = self.weights
        mixed = _clip(w[0] * h_time + w[1] * h_res + w[2] * h_beh, 0.0, 1.0)
        pace = self.concession_pace
        sped = mixed if pace == 1.0 else 1.0 - (1.0 - mixed) ** pace
        a = self.conceded
        new = min(a + (1.0 - a) * sped, 1.0)
        self.next_share = (new - a) / (1.0 - a) if 1.0 - a > 0 else 0.0
        self.conceded = new
        self.cost_seen = self.accumulated_cost
        b = self.batna
        level = 1.0 - new * (1.0 - b) + 0.0
        self.aspiration = min(max(level, b), max(1.0, b)) + self.backlash

    def approval_logit(self, x: list[float]) -> float:
        dot = sum(c * v for c, v in zip(self.rat_coef, x, strict=True))
        return self.rat_intercept + dot + self.approval_shift

    def signing_probability(self, x: list[float]) -> float:
        if self.ratifies_always or not self.anticipates:
            return 1.0
        gap = self.approval_logit(x) - self.rat_logit_threshold
        sd = self.vote_noise_sd
        if sd > 0:
            return 0.5 * math.erfc(-gap / sd / math.sqrt(2.0))
        return 1.0 if gap >= 0 else 0.0

    def rebound(self) -> None:
        self.conceded -= self.rebound_share * max(self.conceded - self.initial, 0.0)
        self.next_share = 0.0


class Lever:
    def __init__(self, name: str, target: int, effect: float, duration: float, use_prob: float):
        self.name, self.target, self.effect = name, target, effect
        self.duration, self.use_prob = duration, use_prob
        self.start, self.until = 0.0, 0.0


class Mediator(mesa.Agent):
    """The mediator: proposes, presses the blocking party once frustrated, issues its
    ultimatum, and leaves once pressure has failed."""

    def __init__(self, model: ScalarNegotiation, spec: Any) -> None:
        super().__init__(model)
        p = model.param
        pre = f"actors.{spec.name}"
        issues = model.issues
        ideal = [p(f"{pre}.ideal.{k}") for k in issues]
        raw = [p(f"{pre}.salience.{k}", 0.0) for k in issues]
        total = max(sum(raw), 1e-300)
        self.shape = Shape(ideal, [r / total for r in raw], [])
        names = model.party_names
        listed = {k: p(f"{pre}.bias.{k}") for k in spec.bias}
        rest = max(len(names) - len(listed), 0)
        remaining = 1.0 - (sum(listed.values()) if listed else 0.0)
        w = [
            listed[k] if k in listed else (max(remaining, 0.0) / rest if rest else 0.0)
            for k in names
        ]
        total = max(sum(w), 1e-300)
        self.base_weights = [v / total for v in w]
        self.respect_win_sets = spec.respect_win_sets
        self.interest_weight = _clip(p(f"{pre}.interest_weight", 0.0), 0.0, 1.0)
        self.budget = float(round(p(f"{pre}.budget")))
        self.levers = [
            Lever(
                lv.name,
                names.index(lv.target),
                p(f"{pre}.levers.{lv.name}.effect"),
                max(1.0, float(round(p(f"{pre}.levers.{lv.name}.duration")))),
                p(f"{pre}.levers.{lv.name}.use_prob"),
            )
            for lv in spec.levers
        ]
        self.deadline = float(round(p(f"{pre}.deadline"))) if spec.deadline is not None else INF
        self.deadline_interval = self.deadline
        self.extension_prob = p(f"{pre}.extension_prob")
        self.exit_hazard = p(f"{pre}.exit_hazard")
        self.progress_tolerance = p(f"{pre}.progress_tolerance", 0.01)
        self.rounds_to_press = max(1.0, float(round(p(f"{pre}.rounds_to_press", 1.0))))
        self.after_exit = spec.after_exit
        self.attribution_noise = p(f"{pre}.attribution_noise")
        self.response_prob = p(f"{pre}.response_prob")
        self.response_lag = max(0.0, float(round(p(f"{pre}.response_lag"))))
        self.bias_shift = p(f"{pre}.bias_shift")
        n = len(names)
        self.respond_from = [INF] * n
        self.frustration = [0.0] * n
        self.pressed = [False] * n
        self.last_gap = [INF] * n
        self.gone = False
        self.pressure_used = 0
        self.rank = [sorted(names).index(name) for name in names]
        self.vertex_values: list[float] = []  # set once the model has built its frontier

    def weights(self, t: int) -> list[float]:
        w = [
            max(b - (self.bias_shift if rf <= t else 0.0), 0.02)
            for b, rf in zip(self.base_weights, self.respond_from, strict=True)
        ]
        total = sum(w)
        return [v / total for v in w]

    def notice_violations(self, violator: list[bool]) -> None:
        m, t = self.model, self.model.round
        for i, party in enumerate(m.parties):
            if not violator[i]:
                continue
            if m.draws.shock(f"attribution.{party.name}", t) < self.attribution_noise:
                continue
            if m.draws.shock(f"response.{party.name}", t) < self.response_prob:
                self.respond_from[i] = min(self.respond_from[i], t + self.response_lag)

    def apply_pressure(self) -> None:
        t = self.model.round
        for lv in self.levers:
            if lv.start <= t <= lv.until and lv.start > 0:
                self.model.parties[lv.target].pressure += lv.effect

    def blocking_party(self, accept: list[bool], gap: list[float]) -> int:
        short = [-INF if a else g for a, g in zip(accept, gap, strict=True)]
        top = max(short)
        tied = [i for i, s in enumerate(short) if s >= top - TIE]
        return min(tied, key=lambda i: self.rank[i])

    def press(self, rejected: bool, gap: list[float], b: int) -> None:
        m, t = self.model, self.model.round
        if rejected:
            progress = gap[b] < self.last_gap[b] - self.progress_tolerance
            self.frustration[b] = 0.0 if progress else self.frustration[b] + 1.0
            if progress:
                self.pressed[b] = False
            self.last_gap = list(gap)
        frustrated = self.frustration[b] >= self.rounds_to_press
        carry = False
        if rejected and t >= self.deadline:
            carry = m.draws.shock("ultimatum", t) >= self.extension_prob
            self.deadline = INF if carry else t + self.deadline_interval
        used = False
        for lv in self.levers:
            if not (rejected and (frustrated or carry) and not used):
                continue
            if not (lv.until < t + 1 and self.budget > 0 and b == lv.target):
                continue
            provoked = self.respond_from[lv.target] <= t or carry
            prob = 1.0 if provoked else lv.use_prob
            if m.draws.shock(f"lever.{lv.name}", t) < prob:
                lv.start, lv.until = t + 1.0, t + lv.duration
                self.budget -= 1
                self.pressure_used += 1
                used = True
        if used or carry:
            self.frustration[b] = 0.0
            self.pressed[b] = True

    def consider_exit(self, rejected: bool, b: int) -> bool:
        t = self.model.round
        frustrated = self.frustration[b] >= self.rounds_to_press
        can_press = any(lv.target == b for lv in self.levers) and self.budget > 0
        failed = self.pressed[b] or not can_press
        if rejected and frustrated and failed:
            if self.model.draws.shock("exit", t) < self.exit_hazard:
                self.gone = True
                return True
        return False

    # ---- the proposal: the Nash package, with win-sets and the mediator's interests ----
    def propose(self, batna: list[float]) -> tuple[list[float], int]:
        m = self.model
        if len(m.parties) > 2:
            return self._propose_n(batna)
        fr = m.frontier
        seen = [b + m.belief_error[i][-1] for i, b in enumerate(batna)]
        w0, w1 = self.weights(m.round)
        ws = m.vertex_winset if (self.respect_win_sets and m.any_win_set) else None
        segs = []
        for j in fr.segments():
            up, uq = fr.vutil[j], fr.vutil[j + 1]
            a0, a1 = up[0] - seen[0], up[1] - seen[1]
            b0, b1 = uq[0] - up[0], uq[1] - up[1]
            lo, hi = _interval2(a0, b0, a1, b1, 1e-12)
            prod = b0 * b1
            if prod < 0:
                t_star = -(w0 * b0 * a1 + w1 * b1 * a0) / ((w0 + w1) * prod)
            else:
                t_star = INF if b0 + b1 > 0 else -INF
            segs.append((a0, a1, b0, b1, lo, hi, t_star))

        def best_on(bounds: list[tuple[float, float]]) -> tuple[int, float, bool]:
            best_j, best_t, best_v = 0, 0.0, -INF
            for j, (a0, a1, b0, b1, _, _, t_star) in enumerate(segs):
                lo, hi = bounds[j]
                t = min(max(t_star, lo), hi)
                s0, s1 = a0 + b0 * t, a1 + b1 * t
                if hi >= lo and s0 > 0 and s1 > 0:
                    v = w0 * math.log(s0) + w1 * math.log(s1)
                    if v > best_v:
                        best_j, best_t, best_v = j, t, v
            return best_j, best_t, best_v > -INF

        plain = [(s[4], s[5]) for s in segs]
        j, t, found = best_on(plain)
        rule = 1 if found else 2
        bounds = plain
        if ws is not None:
            inside = []
            for jj, s in enumerate(segs):
                la0, la1 = ws[jj][0], ws[jj][1]
                wlo, whi = _interval2(la0, ws[jj + 1][0] - la0, la1, ws[jj + 1][1] - la1, 0.0)
                inside.append((max(s[4], wlo), min(s[5], whi)))
            jw, tw, fw = best_on(inside)
            if fw:
                j, t, rule, bounds = jw, tw, 0, inside
        if rule == 2:
            j, t = _maxmin(segs)
        x = fr.point(j, t)
        if self.interest_weight > 0 and rule != 2:
            x = self._with_interest(x, seen, (w0, w1), segs, bounds)
        return x, rule

    def _propose_n(self, batna: list[float]) -> tuple[list[float], int]:
        """Three or more parties: Nash within the expected win-sets, else ignoring them,
        else the max-min package (docs/model.md §5)."""
        m = self.model
        seen = [b + m.belief_error[i][-1] for i, b in enumerate(batna)]
        w = self.weights(m.round)
        prog = m.programme
        stages = []
        if self.respect_win_sets and m.any_win_set:
            stages.append((0, m.win_set_constraints))
        stages.append((1, None))
        fallback = None
        for rule, ws in stages:
            x, margin, z = prog.max_min(seen, ws)
            if ws is None:
                fallback = x
            if margin > 1e-9:
                return prog.nash(seen, w, z, ws), rule
        assert fallback is not None
        return fallback, 2

    def _objective(self, x: list[float], seen: list[float], w: tuple[float, float]) -> float:
        parties = self.model.parties
        s0 = parties[0].shape.utility(x) - seen[0]
        s1 = parties[1].shape.utility(x) - seen[1]
        if not (s0 > 0 and s1 > 0):
            return -INF
        om = self.interest_weight
        return (1 - om) * (w[0] * math.log(s0) + w[1] * math.log(s1)) + om * self.shape.utility(x)

    def _with_interest(
        self,
        nash_x: list[float],
        seen: list[float],
        w: tuple[float, float],
        segs: list[tuple[float, ...]],
        bounds: list[tuple[float, float]],
    ) -> list[float]:
        """(1 − ω) Σ w_i log(U_i − d_i) + ω U_m along each edge, U_m linear between the
        edge's ends: the maximiser is a root of a quadratic (docs/model.md §5a)."""
        fr = self.model.frontier
        om = self.interest_weight
        c0, c1 = (1 - om) * w[0], (1 - om) * w[1]
        mvals = self.vertex_values  # its utility at the frontier's vertices
        best_j, best_t, best_v = 0, 0.0, -INF
        for j, (a0, a1, b0, b1, _, _, _) in enumerate(segs):
            lo, hi = bounds[j]
            mp, mb = mvals[j], mvals[j + 1] - mvals[j]
            mm = om * mb
            qa = mm * b0 * b1
            qb = (c0 + c1) * b0 * b1 + mm * (a0 * b1 + a1 * b0)
            qc = c0 * b0 * a1 + c1 * b1 * a0 + mm * a0 * a1
            q_lo = (qa * lo + qb) * lo + qc
            q_hi = (qa * hi + qb) * hi + qc
            disc = math.sqrt(max(qb * qb - 4 * qa * qc, 0.0))
            q = -0.5 * (qb + math.copysign(disc, qb))
            r1 = _div(q, qa) if abs(qa) > 1e-15 else _div(-qc, qb)
            r2 = _div(qc, q)
            root = r1 if lo <= r1 <= hi else r2
            t = lo if q_lo <= 0 else hi if q_hi >= 0 else root
            t = _clip(t, lo, hi) if math.isfinite(t) else lo
            s0, s1 = a0 + b0 * t, a1 + b1 * t
            if hi >= lo and s0 > 0 and s1 > 0:
                v = c0 * math.log(s0) + c1 * math.log(s1) + om * (mp + mb * t)
                if v > best_v:
                    best_j, best_t, best_v = j, t, v
        x_new = fr.point(best_j, best_t)
        if self._objective(x_new, seen, w) > self._objective(nash_x, seen, w) + 1e-12:
            return x_new
        return nash_x


class Programme:
    """Three or more parties: the Nash package (or the max-min package) as a plain Mesa
    model would find it, one replicate at a time with scipy: the max-min package by a
    linear programme (HiGHS), the Nash package by SLSQP from it. Each party's utility
    is concave and piecewise linear, so both are written over its epigraph: e_ik >=
    |x_k − a_ik| and v_r >= the red line's violation, which makes them smooth."""

    def __init__(self, parties: list[Shape], lower: list[float], upper: list[float]) -> None:
        import numpy as np

        self.np = np
        k_n, n = len(lower), len(parties)
        lines = [(i, line) for i, p in enumerate(parties) for line in p.lines]
        self.size = k_n + n * k_n + len(lines)  # x, e, v
        rows, rhs = [], []
        for i, p in enumerate(parties):
            for k in range(k_n):
                e = k_n + i * k_n + k
                for sign in (1.0, -1.0):  # sign (x_k − a_ik) − e_ik <= 0
                    row = np.zeros(self.size)
                    row[k], row[e] = sign, -1.0
                    rows.append(row)
                    rhs.append(sign * p.ideal[k])
        for r, (_, (k, sign, bound, _)) in enumerate(lines):
            row = np.zeros(self.size)  # sign (x_k − bound) − v_r <= 0
            row[k], row[k_n + n * k_n + r] = sign, -1.0
            rows.append(row)
            rhs.append(sign * bound)
        self.a_ub, self.b_ub = np.array(rows), np.array(rhs)
        # U_i = 1 − g_i · z: g holds the saliences on e and the penalties on v
        g = np.zeros((n, self.size))
        for i, p in enumerate(parties):
            g[i, k_n + i * k_n : k_n + (i + 1) * k_n] = p.salience
        for r, (i, (_, _, _, pen)) in enumerate(lines):
            g[i, k_n + n * k_n + r] = pen
        self.g = g
        self.bounds = list(zip(lower, upper, strict=True)) + [(0.0, None)] * (self.size - k_n)
        self.k_n, self.n = k_n, n

    def _constraints(self, winset: list[tuple[list[float], float]] | None) -> tuple[Any, Any]:
        np = self.np
        if not winset:
            return self.a_ub, self.b_ub
        extra = np.zeros((len(winset), self.size))  # −coef · x <= const
        for c, (coef, _) in enumerate(winset):
            extra[c, : self.k_n] = -np.asarray(coef)
        return np.vstack([self.a_ub, extra]), np.concatenate(
            [self.b_ub, [const for _, const in winset]]
        )

    def max_min(self, d: list[float], winset: Any = None) -> tuple[list[float], float, Any]:
        """The package maximising the smallest surplus U_i − d_i: (x, that surplus, z)."""
        from scipy.optimize import linprog

        np = self.np
        a, b = self._constraints(winset)
        # variables z and m: maximise m subject to m + g_i · z <= 1 − d_i
        top = np.hstack([self.g, np.ones((self.n, 1))])
        a_all = np.vstack([np.hstack([a, np.zeros((a.shape[0], 1))]), top])
        b_all = np.concatenate([b, 1.0 - np.asarray(d)])
        cost = np.zeros(self.size + 1)
        cost[-1] = -1.0
        res = linprog(cost, A_ub=a_all, b_ub=b_all, bounds=[*self.bounds, (None, None)])
        if res.status != 0:
            return [], -INF, None
        z = res.x[:-1]
        return [float(v) for v in z[: self.k_n]], float(res.x[-1]), z

    def nash(self, d: list[float], w: list[float], z0: Any, winset: Any = None) -> list[float]:
        """The (weighted) Nash package, by SLSQP from a package with every surplus > 0."""
        from scipy.optimize import minimize

        np = self.np
        a, b = self._constraints(winset)
        g, dd, ww = self.g, np.asarray(d), np.asarray(w)

        def surplus(z: Any) -> Any:
            return 1.0 - g @ z - dd

        def f(z: Any) -> float:
            s = surplus(z)
            return 1e10 if np.any(s <= 0) else -float(ww @ np.log(s))

        def grad(z: Any) -> Any:
            s = np.maximum(surplus(z), 1e-12)
            return (ww / s) @ g

        res = minimize(
            f,
            z0,
            jac=grad,
            method="SLSQP",
            bounds=self.bounds,
            constraints=[{"type": "ineq", "fun": lambda z: b - a @ z, "jac": lambda z: -a}],
            options={"ftol": 1e-13, "maxiter": 200},
        )
        z = res.x if f(res.x) <= f(z0) else z0
        lo = [lo_ for lo_, _ in self.bounds[: self.k_n]]
        hi = [hi_ for _, hi_ in self.bounds[: self.k_n]]
        return [_clip(float(v), l_, h_) for v, l_, h_ in zip(z[: self.k_n], lo, hi, strict=True)]


def _interval2(a0: float, b0: float, a1: float, b1: float, eps: float) -> tuple[float, float]:
    lo, hi = 0.0, 1.0
    for a, b in ((a0, b0), (a1, b1)):
        if b > 0:
            lo = max(lo, (eps - a) / b)
        elif b < 0:
            hi = min(hi, (eps - a) / b)
        elif a < eps:
            hi = -1.0
    return lo, hi


def _maxmin(segs: list[tuple[float, ...]]) -> tuple[int, float]:
    """The package maximising the smallest estimated surplus (no zone of agreement)."""
    best_j, best_t, best_v = 0, 0.0, -INF
    for j, (a0, a1, b0, b1, *_rest) in enumerate(segs):
        cross = _div(a1 - a0, b0 - b1)
        cross = _clip(cross if math.isfinite(cross) else 0.0, 0.0, 1.0)
        t_b, v_b = 0.0, min(a0, a1)
        for t in (cross, 1.0):
            v = min(a0 + b0 * t, a1 + b1 * t)
            if v > v_b:
                t_b, v_b = t, v
        if v_b > best_v:
            best_j, best_t, best_v = j, t_b, v_b
    return best_j, best_t


def alternating_offer(model: ScalarNegotiation, batna: list[float]) -> tuple[list[float], int]:
    """The round's proposer offers its stationary subgame-perfect package (Rubinstein with a
    breakdown point), found as a fixed point by regula falsi; never below its aspiration."""
    first = model.first_proposer
    proposer = (first + model.round - 1) % 2
    me, other = proposer, 1 - proposer
    d = [b + model.belief_error[i][proposer] for i, b in enumerate(batna)]
    d[proposer] = batna[proposer]
    fr = model.frontier
    parties = model.parties
    delta = [p.patience for p in parties]
    u_me = [u[me] for u in fr.vutil]
    lo, hi = min(u_me), max(u_me)

    def t_of(u: float) -> tuple[float, list[float]]:
        floor_me = d[me] + delta[me] * (u - d[me])
        x_other, _ = fr.best_for(other, floor_me)
        u_other = parties[other].shape.utility(x_other)
        floor_other = d[other] + delta[other] * (u_other - d[other])
        x_me, _ = fr.best_for(me, floor_other)
        return parties[me].shape.utility(x_me), x_me

    u = _fixed_point(lambda v: t_of(v)[0], lo, hi, 42)
    _, offer = t_of(u)
    own = parties[proposer]
    if own.shape.utility(offer) < own.aspiration - 1e-12:
        offer, _ = fr.best_for(1 - proposer, own.aspiration)
    return offer, proposer


def _fixed_point(t_of: Callable[[float], float], lo: float, hi: float, iterations: int) -> float:
    """The u in [lo, hi] with T(u) = u: regula falsi with the Illinois rule."""
    a, b = lo, hi
    fa, fb = t_of(a) - a, t_of(b) - b
    u = a if fa <= 0 else b if fb >= 0 else 0.5 * (a + b)
    tol = math.ldexp(max(hi - lo, 0.0), -iterations)
    if not (fa > 0 and fb < 0 and b - a > tol):
        return u
    side = 0
    for _ in range(4 * iterations):
        c = b - fb * (b - a) / (fb - fa)
        if not a < c < b:
            c = 0.5 * (a + b)
        fc = t_of(c) - c
        right = fc > 0
        kept = -1 if right else 1
        stale = side == kept
        if right:
            a, fa = c, fc
            if stale:
                fb = 0.5 * fb
        else:
            b, fb = c, fc
            if stale:
                fa = 0.5 * fa
        side = kept
        u = c
        if abs(fc) <= 1e-15:
            return u
        if b - a <= tol:
            return 0.5 * (a + b)
    return 0.5 * (a + b)


# ---- the model ----------------------------------------------------------------------------
class Kind:
    """One kind of agreement, its parameters drawn for this replicate."""

    def __init__(self, model: ScalarNegotiation, spec: Any, index: int) -> None:
        p = model.param
        path = f"agreements.kinds.{spec.name}"
        self.spec, self.index = spec, index
        self.settled = [spec.settles == "all" or k in spec.settles for k in model.issues]
        self.full = all(self.settled)
        self.stage = SETTLEMENT if self.full else (CEASEFIRE if spec.fighting != 1.0 else TRUCE)
        self.rank = self.stage * 100 + sum(self.settled)
        self.fighting = p(f"{path}.fighting", 0.0)
        self.cost = p(f"{path}.cost", 0.0)
        hazard = p(f"{path}.collapse.hazard", 0.0)
        for name in spec.collapse.multipliers:
            hazard *= p(f"{path}.collapse.multipliers.{name}")
        self.hazard = hazard
        self.per_violation = p(f"{path}.collapse.per_violation", 1.0)
        self.stops = {e: p(f"{path}.stops.{e}") for e in spec.stops}
        self.ratified = spec.ratified and any(not a.ratifies_always for a in model.parties)
        self.delay = float(round(p(f"{path}.vote_delay", 0.0)))


class Strike:
    """Strikes by one party on another's energy system, through six channels."""

    def __init__(self, model: ScalarNegotiation, spec: Any) -> None:
        p, path = model.param, f"events.{spec.name}"
        names = model.party_names
        on = spec.channels
        self.name = spec.name
        self.by, self.target = names.index(spec.by), names.index(spec.target)
        self.start = float(round(p(f"{path}.start_round", 1.0)))
        self.end = float(round(p(f"{path}.end_round"))) if spec.end_round is not None else INF
        self.prob = p(f"{path}.prob_per_round")
        self.loss = p(f"{path}.capacity_loss")
        self.repair = 0.5 ** (1.0 / max(p(f"{path}.repair_halflife"), 1e-9))
        self.coercion = p(f"{path}.coercion_cost") * on.coercion_cost
        self.pace = p(f"{path}.coercion_pace", 0.0) * on.coercion_pace
        self.bump = p(f"{path}.aspiration_bump") * on.backlash_aspiration
        self.approval = p(f"{path}.approval_shift", 0.0) * on.backlash_approval
        self.postpone = p(f"{path}.postpone_prob", 0.0) * on.postponement
        self.duration = max(1.0, float(round(p(f"{path}.backlash_duration"))))
        self.hazard_bump = p(f"{path}.walkout_hazard_bump") * on.walkout
        self.capacity_out = 0.0
        self.backlash_until = 0.0
        self.struck = False
        self.count = 0
        # (whether a truce or an agreement that stops it is in force, its probability then)
        self.covered_by: list[tuple[Callable[[ScalarNegotiation], bool], float]] = []

    def apply(self, model: ScalarNegotiation, violator: list[bool]) -> None:
        t = model.round
        prob, in_truce = self.prob, False
        for in_force, strike_prob in self.covered_by:
            if in_force(model):
                prob, in_truce = strike_prob, True
        struck = self.start <= t <= self.end and model.draws.shock(f"strike.{self.name}", t) < prob
        self.capacity_out = self.capacity_out * self.repair + (self.loss if struck else 0.0)
        if struck:
            self.backlash_until = t + self.duration - 1
            self.count += 1
        target = model.parties[self.target]
        target.extra_cost += self.coercion * self.capacity_out
        target.concession_pace *= 1.0 + self.pace * self.capacity_out
        if self.backlash_until >= t:
            target.backlash += self.bump
            target.approval_shift -= self.approval
            target.walkout_bump += self.hazard_bump
        if struck and model.draws.shock(f"postpone.{self.name}", t) < self.postpone:
            model.paused_until = max(model.paused_until, t)
        if struck and in_truce:
            violator[self.by] = True
        self.struck = struck


def _kind_in_force(index: int) -> Callable[[ScalarNegotiation], bool]:
    return lambda model: model.in_force == index


class Truce:
    """While in force, the strikes it covers have its probability, and other salient
    violations fall on one of the parties it binds."""

    def __init__(self, model: ScalarNegotiation, spec: Any, strikes: list[Strike]) -> None:
        p, path = model.param, f"events.{spec.name}"
        names = model.party_names
        self.name = spec.name
        self.start = float(round(p(f"{path}.start_round", 1.0)))
        self.end = float(round(p(f"{path}.end_round"))) if spec.end_round is not None else INF
        self.violation_prob = p(f"{path}.violation_prob")
        covers = (spec.covers,) if isinstance(spec.covers, str) else spec.covers
        self.strikes = [s for name in covers for s in strikes if s.name == name]
        for strike in self.strikes:
            strike.covered_by.append((self.in_force, p(f"{path}.strike_prob")))
        bound = [names.index(q) for q in spec.parties or ()]
        if not bound:
            for s in self.strikes:
                bound += [i for i in (s.by, s.target) if i not in bound]
        self.bound = bound

    def in_force(self, model: ScalarNegotiation) -> bool:
        return self.start <= model.round <= self.end

    def apply(self, model: ScalarNegotiation, violator: list[bool]) -> None:
        t = model.round
        if not self.in_force(model):
            return
        if model.draws.shock(f"violation.{self.name}", t) < self.violation_prob:
            draw = model.draws.shock(f"violator.{self.name}", t)
            n = len(self.bound)
            violator[self.bound[min(int(draw * n), n - 1)]] = True


class Shift:
    """An offensive or a change of aid: if it happens (once per replicate), it multiplies
    the front's drift and parties' costs, and moves their optimism, in its rounds."""

    def __init__(self, model: ScalarNegotiation, spec: Any) -> None:
        p, path = model.param, f"events.{spec.name}"
        names = model.party_names
        self.start = float(round(p(f"{path}.start_round", 1.0)))
        self.end = float(round(p(f"{path}.end_round"))) if spec.end_round is not None else INF
        self.occurs = model.draws.parameter(f"{path}.occurs") < p(f"{path}.probability")
        self.drift = p(f"{path}.drift_multiplier")
        fronts = [f.name for f in model.negotiation.all_fronts]
        self.fronts = None if spec.fronts is None else [fronts.index(f) for f in spec.fronts]
        self.cost = {names.index(k): p(f"{path}.cost_multiplier.{k}") for k in spec.cost_multiplier}
        self.optimism = {names.index(k): p(f"{path}.optimism.{k}") for k in spec.optimism}

    def apply(self, model: ScalarNegotiation, violator: list[bool]) -> None:
        if not (self.occurs and self.start <= model.round <= self.end):
            return
        if self.fronts is None:
            model.drift_multiplier *= self.drift
        for j in self.fronts or ():
            model.front_multiplier[j] *= self.drift
        for i, m in self.cost.items():
            model.parties[i].cost_multiplier *= m
        for i, o in self.optimism.items():
            model.parties[i].extra_optimism += o


class ScalarNegotiation(mesa.Model):
    """One replicate of a two-party scenario, round by round, in scalar Python."""

    def __init__(
        self,
        scenario: Any,
        *,
        seed: int = 0,
        params: Mapping[str, float] | None = None,
        draws: Any = None,
    ) -> None:
        super().__init__(rng=seed)
        _refuse_unsupported(scenario)
        # not ``self.scenario``: Mesa 3.5 reserves that name for its own Scenario object
        self.negotiation = scenario
        self.issues = list(scenario.issue_names)
        self.party_names = list(scenario.party_names)
        self.draws = draws if draws is not None else RandomDraws(self.random)
        self.values = (
            dict(params) if params is not None else sample_parameters(scenario, self.random)
        )
        self.round = 0
        self.parties = [Party(self, spec, i) for i, spec in enumerate(scenario.parties)]
        self.mediator = Mediator(self, scenario.mediator) if scenario.mediator is not None else None
        names = self.party_names
        fp = scenario.first_proposer
        self.first_proposer = names.index(fp) if fp in names else 0
        # the fronts
        fronts = scenario.all_fronts
        self.front_issues = [self.issues.index(f.issue) for f in fronts]
        self.positions = [_clip(self.param(f"{f.path}.initial"), 0.0, 1.0) for f in fronts]
        self.drift = [self.param(f"{f.path}.drift") for f in fronts]
        self.noise_sd = [self.param(f"{f.path}.noise_sd") for f in fronts]
        self.slowdown = [self.param(f"{f.path}.urban_slowdown") for f in fronts]
        self.bounds_table = [f.bounds_table for f in fronts]
        self.moves = [0.0] * len(fronts)
        self.drift_multiplier = 1.0
        self.front_multiplier = [1.0] * len(fronts)
        self.under_war = [self.param(f"issues.{k}.under_war", 0.0) for k in self.issues]
        for party in self.parties:
            party.direction = [float(f.side_of(party.name, names)) for f in fronts]
        # events in negsim's order: strikes, truces, shifts (each kind in file order)
        self.strikes = [Strike(self, e) for e in scenario.events if e.type == "strike"]
        truces = [Truce(self, e, self.strikes) for e in scenario.events if e.type == "truce"]
        shifts = [Shift(self, e) for e in scenario.events if e.type in SHIFTS]
        self.events: list[Any] = [*self.strikes, *truces, *shifts]
        # the box: absolute red lines
        lower, upper = [0.0] * len(self.issues), [1.0] * len(self.issues)
        for party in self.parties:
            for i, line in enumerate(party.spec.red_lines):
                if line.absolute:
                    k = self.issues.index(line.issue)
                    bound = self.param(f"actors.{party.name}.red_lines.{i}.bound")
                    if line.kind == "min":
                        lower[k] = max(lower[k], bound)
                    else:
                        upper[k] = min(upper[k], bound)
        shapes = [p.shape for p in self.parties]
        if len(self.parties) == 2:
            self.frontier = Frontier(shapes, lower, upper)
        else:
            self.frontier = _Box(lower, upper)
            self.programme = Programme(
                shapes, lower, [max(h, lo) for lo, h in zip(lower, upper, strict=True)]
            )
            self.win_set_constraints = [
                (p.rat_coef, p.rat_intercept - p.rat_logit_threshold)
                for p in self.parties
                if not p.ratifies_always
            ]
        if self.mediator is not None:
            self.mediator.vertex_values = [
                self.mediator.shape.utility(v) for v in self.frontier.vertices
            ]
        # the win-sets, at each frontier vertex: coef . x + const >= 0
        self.any_win_set = any(not p.ratifies_always for p in self.parties)
        self.vertex_winset = (
            []
            if len(self.parties) > 2
            else [
                [
                    1.0
                    if p.ratifies_always
                    else sum(c * v for c, v in zip(p.rat_coef, vert, strict=True))
                    + (p.rat_intercept - p.rat_logit_threshold)
                    for p in self.parties
                ]
                for vert in self.frontier.vertices
            ]
        )
        # beliefs: belief_error[seen][seer], the mediator last
        observers = [*names, "mediator"]
        self.belief_error = [
            [
                0.0 if j == i else p.belief_noise_sd * self.draws.belief(f"{p.name}.seen_by.{seer}")
                for j, seer in enumerate(observers)
            ]
            for i, p in enumerate(self.parties)
        ]
        # agreements
        spec = scenario.agreements
        if spec is None:
            from sim.agreements.spec import default_agreements

            spec = default_agreements()
        self.choice = spec.choice
        self.kinds = [Kind(self, k, i) for i, k in enumerate(spec.kinds)]
        self.single = len(self.kinds) == 1 and self.kinds[0].full
        self.widest = max(k.rank for k in self.kinds)
        ceasefires = [k.index for k in self.kinds if k.stage == CEASEFIRE]
        self.interim = ceasefires[0] if ceasefires else NONE
        self.vetoes = []
        for v in spec.veto_players:
            path = f"agreements.veto_players.{v.name}"
            idx = [self.issues.index(k) for k in v.ideal]
            ideal = [self.param(f"{path}.ideal.{k}") for k in v.ideal]
            raw = [self.param(f"{path}.salience.{k}", 0.0) for k in v.ideal]
            total = max(sum(raw), 1e-300)
            self.vetoes.append(
                (idx, ideal, [r / total for r in raw], self.param(f"{path}.tolerance"))
            )
        by_name = {s.name: s for s in self.strikes}
        for kind in self.kinds:
            for event, prob in kind.stops.items():
                by_name[event].covered_by.append((_kind_in_force(kind.index), prob))
        self.in_force, self.in_force_stage, self.since = NONE, WAR, 0.0
        for kind in self.kinds:
            if kind.spec.in_force_at_start:
                self.in_force, self.in_force_stage = kind.index, kind.stage
        self.pending, self.pending_x = NONE, None
        self.final = NONE
        self.fighting = 1.0
        self.signatories = [False] * len(self.parties)
        self.paused_until = 0.0
        self.outcome = O_STALEMATE
        self.end_round = 0
        self.walkout_by = NONE
        self.mediator_exit_round: int | None = None
        self.failed_ratifications = 0
        self.terms = [math.nan] * len(self.issues)
        self.stages: list[int] = []
        self.active = True
        self.running = True

    def param(self, path: str, default: float | None = None) -> float:
        if path in self.values:
            return float(self.values[path])
        if default is None:
            raise KeyError(f"scenario has no parameter {path}")
        return float(default)

    def expected_drifts(self) -> list[float]:
        return [
            d * self.drift_multiplier * m * (1.0 - s * f)
            for d, m, s, f in zip(
                self.drift, self.front_multiplier, self.slowdown, self.positions, strict=True
            )
        ]

    def war_package(self, positions: list[float]) -> list[float]:
        war = list(self.under_war)
        for j, k in enumerate(self.front_issues):
            war[k] = positions[j]
        return war

    # ---- one round --------------------------------------------------------------------
    def step(self) -> None:
        if not self.active:
            return
        self.round += 1
        t = self.round
        self._world()
        for party in self.parties:
            party.update_batna()
        last = [p.last_share for p in self.parties]
        for i, party in enumerate(self.parties):
            party.update_aspiration([s for j, s in enumerate(last) if j != i])
        for party in self.parties:
            party.last_share = party.next_share
        still = True
        talking = self.paused_until < t and self.frontier.feasible and self._talks_on()
        x, kind, utility, accept = None, NONE, [0.0, 0.0], [False, False]
        if talking:
            x, kind = self._proposal()
            talking = kind != NONE
        if talking:
            for j, k in enumerate(self.front_issues):
                if self.bounds_table[j]:
                    x[k] = max(x[k], self.positions[j])
            utility, accept, vetoed = self._responses(x, kind)
            ended = self._ratification(x, kind, accept, vetoed)
            if ended:
                still = False
        elif self.pending != NONE:
            ended = self._ratification(None, NONE, [False, False], False)
            if ended:
                still = False
        if still and talking:
            still = not self._walkouts(utility, accept)
        if still and talking and self.mediator is not None and not self.mediator.gone:
            still = self._mediator_moves(utility, accept)
        self._close(still)

    def _world(self) -> None:
        t = self.round
        violator = [False] * len(self.parties)
        self.drift_multiplier = 1.0
        self.front_multiplier = [1.0] * len(self.positions)
        for party in self.parties:
            party.clear_event_effects()
            party.pressure = 0.0
        for event in self.events:
            event.apply(self, violator)
        # an agreement in force: violations, collapse, what holds slows the war
        self.fighting = 1.0
        if self.in_force != NONE:
            kind = self.kinds[self.in_force]
            if self.in_force_stage != TRUCE:
                for s in self.strikes:
                    if s.struck:
                        violator[s.by] = True
            offensive = self.in_force_stage != TRUCE and (
                self.drift_multiplier > 1.0 or any(m > 1.0 for m in self.front_multiplier)
            )
            violations = sum(violator) + offensive
            h = _clip(kind.hazard * kind.per_violation**violations, 0.0, 1.0)
            if self.draws.shock("collapse", t) < h:
                self.paused_until = max(self.paused_until, t)
                self.in_force, self.in_force_stage, self.pending = NONE, WAR, NONE
                self.terms = [math.nan] * len(self.issues)
            else:
                self.fighting = kind.fighting
                self.drift_multiplier *= kind.fighting
                for party in self.parties:
                    party.cost_multiplier *= kind.cost
        if self.mediator is not None and any(violator):
            self.mediator.notice_violations(violator)
        if self.positions:
            drift = self.expected_drifts()
            moves = []
            for j in range(len(self.positions)):
                name = "front" if j == 0 else f"front.{self.negotiation.all_fronts[j].name}"
                noise = self.noise_sd[j] * self.fighting * self.draws.normal_shock(name, t)
                new = _clip(self.positions[j] + drift[j] + noise, 0.0, 1.0)
                moves.append(new - self.positions[j])
            self.moves = moves
            self.positions = [f + mv for f, mv in zip(self.positions, moves, strict=True)]
        for party in self.parties:
            gain = sum(max(0.0, s * mv) for s, mv in zip(party.direction, self.moves, strict=True))
            party.accumulated_cost += party.expected_cost(gain)
        if self.mediator is not None:
            self.mediator.apply_pressure()

    def _talks_on(self) -> bool:
        if self.single:
            return self.in_force == NONE
        if self.in_force != NONE and self.kinds[self.in_force].rank == self.widest:
            return False
        return self.pending == NONE

    def _proposal(self) -> tuple[list[float], int]:
        batna = [p.batna for p in self.parties]
        if self.mediator is not None and not self.mediator.gone:
            x, _ = self.mediator.propose(batna)
            observer = len(self.parties)
        else:
            x, observer = alternating_offer(self, batna)
        if self.single:
            return x, 0
        return self._choose(x, observer, batna)

    def status_quo(self) -> list[float]:
        return self.war_package(self.positions)

    def _package(self, kind: Kind, x: list[float]) -> list[float]:
        if kind.full:
            return x
        sq = self.status_quo()
        return [xk if s else q for xk, s, q in zip(x, kind.settled, sq, strict=True)]

    def _choose(self, x: list[float], observer: int, batna: list[float]) -> tuple[list[float], int]:
        rank_now = self.kinds[self.in_force].rank if self.in_force != NONE else -1
        if self.choice == "in_order":
            chosen = next((k for k in self.kinds if k.rank > rank_now), None)
        else:
            seen = [b + self.belief_error[i][observer] for i, b in enumerate(batna)]
            chosen = fallback = None
            for kind in sorted(self.kinds, key=lambda k: (-k.stage, -sum(k.settled), k.index)):
                if kind.rank <= rank_now:
                    continue
                fallback = fallback or kind
                xk = self._package(kind, x)
                values = self._values(kind, xk)
                enough = all(v >= s - 1e-12 for v, s in zip(values, seen, strict=True))
                if kind.full:
                    enough = enough and all(
                        v >= p.aspiration - 1e-12 for v, p in zip(values, self.parties, strict=True)
                    )
                if enough and self._veto_ok(xk):
                    chosen = kind
                    break
            chosen = chosen or fallback
        if chosen is None:
            return x, NONE
        return self._package(chosen, x), chosen.index

    def _values(self, kind: Kind, x: list[float]) -> list[float]:
        if kind.full:
            return [p.shape.utility(x) for p in self.parties]
        drift = self.expected_drifts()
        out = []
        for p in self.parties:
            xa = list(x)
            for j, f in enumerate(self.front_issues):
                if not kind.settled[f]:
                    xa[f] = _clip(
                        self.positions[j] + kind.fighting * drift[j] * p.horizon, 0.0, 1.0
                    )
            u = p.shape.utility(xa, penalties=False)
            pen = 0.0
            for k, sign, bound, pen_k in p.shape.lines:
                if kind.settled[k]:
                    pen += pen_k * max(0.0, sign * (x[k] - bound))
            u -= pen
            going_on = p.cost_per_round * p.cost_multiplier * kind.cost + p.extra_cost * kind.cost
            out.append(u - going_on * p.discounted_rounds)
        return out

    def _veto_ok(self, x: list[float]) -> bool:
        sq = self.status_quo()
        for idx, ideal, sal, tol in self.vetoes:
            moves = any(abs(x[k] - sq[k]) > 1e-9 for k in idx)
            loss = sum(s * abs(x[k] - a) for k, a, s in zip(idx, ideal, sal, strict=True))
            if moves and loss > tol + 1e-12:
                return False
        return True

    def _responses(self, x: list[float], k: int) -> tuple[list[float], list[bool], bool]:
        kind = self.kinds[k]
        utility = self._values(kind, x)
        accept = []
        for p, v in zip(self.parties, utility, strict=True):
            if kind.full:
                yes = v >= p.aspiration - 1e-12 and v >= p.batna - 1e-12
            else:
                yes = v >= p.batna - 1e-12
            if yes and kind.ratified and not p.ratifies_always:
                if p.anticipates:
                    prob = p.signing_probability(x)
                    loss = p.lost_rounds * p.expected_cost(0.0)
                    value = prob * v + (1.0 - prob) * (p.batna - loss)
                    yes = v >= p.aspiration - 1e-12 and value >= p.aspiration - 1e-12
            accept.append(yes)
        vetoed = bool(self.vetoes) and not self._veto_ok(x)
        return utility, accept, vetoed

    def _take_force(
        self, kind: Kind, stage: int | None = None, package: list[float] | None = None
    ) -> None:
        self.in_force = kind.index
        self.in_force_stage = kind.stage if stage is None else stage
        self.since = float(self.round)
        if package is not None:  # the agreed terms: the issues it settles
            self.terms = [x if s else math.nan for x, s in zip(package, kind.settled, strict=True)]

    def _ratification(
        self, x: list[float] | None, k: int, accept: list[bool], vetoed: bool
    ) -> bool:
        """Signing, the vote (now or after the kind's delay); True where the replicate ends
        with a settlement that cannot collapse."""
        t = self.round
        signed = all(accept) and not vetoed and x is not None
        if signed:
            self.signatories = list(accept)
        due = vote = False
        which, package = NONE, x
        if signed:
            kind = self.kinds[k]
            if not kind.ratified:
                due, which = True, k
            else:
                held = self.in_force_stage == CEASEFIRE and t - self.since >= kind.delay
                if held or kind.delay <= 0:
                    due = vote = True
                    which = k
                else:
                    self.pending, self.pending_x = k, list(x)
                    if self.in_force_stage != CEASEFIRE:
                        interim = self.kinds[self.interim] if self.interim != NONE else kind
                        self._take_force(interim, stage=CEASEFIRE)
        elif self.pending != NONE:
            kind = self.kinds[self.pending]
            if self.in_force_stage == CEASEFIRE and t - self.since >= kind.delay:
                due = vote = True
                which, package = self.pending, self.pending_x
        if due:
            self.pending = NONE
        if not due:
            return False
        assert package is not None
        ratified = True
        failing = []
        if vote:
            for i, p in enumerate(self.parties):
                if p.ratifies_always or not self.signatories[i]:
                    continue
                z = self.draws.normal_shock(f"vote.{p.name}", t)
                logit = p.approval_logit(package) + p.vote_noise_sd * z
                if logit < p.rat_logit_threshold - RATIFICATION_TOLERANCE:
                    ratified = False
                    failing.append(p)
        if ratified:
            kind = self.kinds[which]
            self._take_force(kind, package=package)
            if kind.full and kind.hazard <= 0.0:
                self.final = SETTLEMENT
                self._end(O_SETTLEMENT)
                return True
            return False
        self.failed_ratifications += 1
        for p in failing:
            self.paused_until = max(self.paused_until, t + p.lost_rounds)
        for p in self.parties:
            p.rebound()
        return False

    def _walkouts(self, utility: list[float], accept: list[bool]) -> bool:
        t = self.round
        best, who = INF, NONE
        for i, p in enumerate(self.parties):
            if accept[i]:
                continue
            gap = p.aspiration - utility[i]
            hazard = p.walkout_hazard + p.walkout_bump if gap > p.walkout_gap else 0.0
            draw = self.draws.shock(f"walkout.{p.name}", t)
            if draw < hazard and draw / hazard < best:
                best, who = draw / hazard, i
        if who == NONE:
            return False
        self.walkout_by = who
        self._end(O_BREAKDOWN)
        if self.final == NONE:
            self.final = OVER
        return True

    def _mediator_moves(self, utility: list[float], accept: list[bool]) -> bool:
        med = self.mediator
        assert med is not None
        gap = [p.aspiration - u for p, u in zip(self.parties, utility, strict=True)]
        rejected = not all(accept)
        b = med.blocking_party(accept, gap)
        med.press(rejected, gap, b)
        negotiating = self.in_force_stage != SETTLEMENT
        if med.consider_exit(rejected and negotiating, b):
            self.mediator_exit_round = self.round
            if med.after_exit != "bilateral":
                self._end(O_MEDIATOR_EXIT)
                if self.final == NONE:
                    self.final = OVER
                return False
        return True

    def _close(self, still: bool) -> None:
        self.active = still
        self.stages.append(self.final if self.final != NONE else self.in_force_stage)
        if still and self.round >= self.negotiation.rounds:
            stage = self.in_force_stage
            outcome = (
                O_SETTLEMENT
                if stage == SETTLEMENT
                else O_CEASEFIRE
                if stage == CEASEFIRE
                else O_STALEMATE
            )
            self._end(outcome)
            self.active = False
        self.running = self.active

    def _end(self, outcome: int) -> None:
        self.outcome = outcome
        self.end_round = self.round

    def stage_record(self) -> list[int]:
        """The stage of every round of the window (rounds after the end keep the last)."""
        rounds = self.negotiation.rounds
        last = self.stages[-1] if self.stages else WAR
        return (self.stages + [last] * rounds)[:rounds]

    def run(self) -> ScalarNegotiation:
        while self.running:
            self.step()
        return self


def _refuse_unsupported(scenario: Any) -> None:
    why = []
    many = len(scenario.parties) > 2
    if many and (scenario.mediator is None or scenario.mediator.after_exit == "bilateral"):
        why.append("alternating offers between two parties only")
    if many and scenario.mediator is not None and scenario.mediator.interest_weight != 0.0:
        why.append("a mediator's own interests with two parties only")
    if any(p.loss == "quadratic" for p in scenario.parties):
        why.append("linear loss only")
    if any(e.type not in ("strike", "truce", *SHIFTS) for e in scenario.events):
        why.append("strikes, truces, offensives and aid changes only")
    if scenario.deadline is not None or scenario.recognition or scenario.quota is not None:
        why.append("no known deadline, recognition or quota")
    if any(p.outside_option is not None or p.bargaining_cost != 0.0 for p in scenario.parties):
        why.append("no outside options or bargaining costs")
    if scenario.mediator is not None and (
        scenario.mediator.rule != "nash" or scenario.mediator.loss == "quadratic"
    ):
        why.append("a mediator with the Nash rule and linear loss only")
    if why:
        raise ValueError(f"the scalar comparator does not model this scenario: {'; '.join(why)}")
