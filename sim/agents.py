"""Mesa agents: the parties and the mediator, each holding its state for every replicate.

An agent's attributes are numpy arrays over the model's replicates (N), so one agent
object stands for that actor in the whole ensemble. The model calls the agents' methods
once per round through Mesa's ``AgentSet.do``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim import concession
from sim.bargaining import PartyShape
from sim.mediation import PROPOSAL_RULES, ProposalRule
from sim.mesa_import import mesa
from sim.scenario import DEFAULT_BELIEVED_DEADLINE

if TYPE_CHECKING:
    from sim.model import NegotiationModel
    from sim.scenario import Mediator, Party

#: gaps (utility) this close are a tie for the mediator's choice of the blocking party
TIE = 1e-9


def _expit(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


class PartyAgent(mesa.Agent):
    """A party: values continued war, concedes over time, accepts, ratifies, may walk out."""

    def __init__(self, model: NegotiationModel, spec: Party, position: int) -> None:
        super().__init__(model)
        self.spec = spec
        self.name = spec.name
        self.position = position
        p = model.param
        prefix = f"actors.{spec.name}"
        issues = model.negotiation.issue_names
        n = model.n
        self.ideal = np.stack([p(f"{prefix}.ideal.{k}") for k in issues], axis=1)
        raw = np.stack([p(f"{prefix}.salience.{k}", 0.0) for k in issues], axis=1)
        self.salience = raw / np.maximum(raw.sum(axis=1, keepdims=True), 1e-300)
        self.quadratic = spec.loss == "quadratic"
        soft = [(i, r) for i, r in enumerate(spec.red_lines) if not r.absolute]
        self.shape = PartyShape(
            ideal=self.ideal,
            salience=self.salience,
            quadratic=self.quadratic,
            line_issue=np.array([issues.index(r.issue) for _, r in soft], dtype=np.int64),
            line_sign=np.array([1.0 if r.kind == "max" else -1.0 for _, r in soft]),
            line_bound=_columns([p(f"{prefix}.red_lines.{i}.bound") for i, _ in soft], n),
            line_penalty=_columns([p(f"{prefix}.red_lines.{i}.penalty") for i, _ in soft], n),
        )
        # war and BATNA
        self.fixed_batna = p(f"{prefix}.batna") if spec.batna is not None else None
        self.cost_per_round = p(f"{prefix}.war.cost_per_round")
        self.cost_per_gain = p(f"{prefix}.war.cost_per_gain")
        self.horizon = np.maximum(1, np.rint(p(f"{prefix}.war.horizon")))
        self.optimism = p(f"{prefix}.war.optimism")
        self.patience = p(f"{prefix}.patience")
        # the parties' own protocol: opting out, and a fixed cost of another round
        self.outside_option = p(f"{prefix}.outside_option", -np.inf)
        self.bargaining_cost = p(f"{prefix}.bargaining_cost", 0.0)
        # sum_{tau < H} delta^tau, the discounted number of rounds of fighting ahead
        with np.errstate(divide="ignore", invalid="ignore"):
            geo = (1.0 - self.patience**self.horizon) / (1.0 - self.patience)
        self.discounted_rounds = np.where(self.patience >= 1.0, self.horizon, geo)
        # concession
        self.strategy = spec.concession.strategy
        self.beta = p(f"{prefix}.concession.beta")
        # the party's own belief of when it must have reached its BATNA: never the window
        self.concession_deadline = np.maximum(
            1, np.rint(p(f"{prefix}.concession.deadline", DEFAULT_BELIEVED_DEADLINE))
        )
        self.initial_concession = np.clip(p(f"{prefix}.concession.initial"), 0.0, 1.0)
        c = f"{prefix}.concession"
        weights = np.stack(
            [p(f"{c}.weights.{k}", d) for k, d in (("time", 1), ("resource", 0), ("behaviour", 0))],
            axis=1,
        )
        if np.any(weights.sum(axis=1) <= 0.0):
            raise ValueError(f"{c}.weights: the weights of a replicate sum to 0")
        self.concession_weights = concession.normalised_weights(weights)
        # the weights as concede() uses them: it normalises what it is given, so these are
        # normalised once more (in floats not always a no-op), here once rather than each
        # round
        self._conceding_weights = concession.normalised_weights(self.concession_weights)
        self.cost_tolerance = p(f"{c}.cost_tolerance", 1.0)
        self.front_sensitivity = p(f"{c}.front.sensitivity", 0.0)
        self.front_halflife = p(f"{c}.front.halflife", 2.0)
        self.reciprocity = p(f"{c}.reciprocity", 0.0)
        self.rebound_failed_ratification = p(f"{c}.rebound.failed_ratification", 0.5)
        self.conceded = self.initial_concession.copy()  # α, the conceded share
        self.front_gain_trend = np.zeros(n)  # moving average of own front gains
        self.cost_seen = np.zeros(n)  # accumulated cost when the aspiration was last set
        self.last_share = np.zeros(n)  # share of the remaining range conceded last round
        self.next_share = np.zeros(n)
        self.last_step: concession.ConcessionStep | None = None
        self.belief_noise_sd = p(f"{prefix}.belief_noise_sd")
        self.walkout_gap = p(f"{prefix}.walkout.gap")
        self.walkout_hazard = p(f"{prefix}.walkout.hazard")
        # ratification: logit(approval) = intercept + coefficients . x
        rat = spec.ratification
        self.ratifies_always = rat is None
        if rat is not None:
            self.rat_intercept = p(f"{prefix}.ratification.intercept")
            self.rat_coef = np.stack(
                [p(f"{prefix}.ratification.coefficients.{k}", 0.0) for k in issues], axis=1
            )
            thr = np.clip(p(f"{prefix}.ratification.threshold"), 1e-9, 1 - 1e-9)
            self.rat_logit_threshold = np.log(thr / (1 - thr))
            self.vote_noise_sd = p(f"{prefix}.ratification.vote_noise_sd")
            self.lost_rounds = np.maximum(0, np.rint(p(f"{prefix}.ratification.lost_rounds")))
            self.anticipates = rat.anticipate
        # state, per replicate
        self.cost_multiplier = np.ones(n)
        self.extra_optimism = np.zeros(n)
        self.extra_cost = np.zeros(n)  # coercion from strikes, per round
        self.pressure = np.zeros(n)  # active lowering of the BATNA by the mediator's levers
        self.backlash = np.zeros(n)  # active aspiration bump
        self.walkout_bump = np.zeros(n)  # active extra walk-out hazard
        self.concession_pace = np.ones(n)  # coercion on the pace of concession (1 = none)
        self.approval_shift = np.zeros(n)  # added to the public's approval logit
        self.accumulated_cost = np.zeros(n)
        self.batna = np.zeros(n)
        self.aspiration = np.ones(n)
        # per front line (N, F): +1 if this party gains as the line rises, -1 as it falls
        self.direction = np.zeros((n, 0))

    # ---- each round ------------------------------------------------------------------
    def clear_event_effects(self) -> None:
        """Forget last round's effects of events; this round's events set them again.

        What events may write, per replicate: ``cost_multiplier``, ``extra_cost`` (coercion
        on cost, per round), ``concession_pace`` (coercion on pace, multiplied into the
        concession step's pace, 1 = none), ``backlash`` (aspiration bump, utility units),
        ``approval_shift`` (ADDED to this party's public's approval logit, so a backlash
        that lowers approval writes a negative value; used in the vote and in its
        anticipation), ``walkout_bump`` (extra walk-out hazard), ``extra_optimism``.
        """
        n = self.model.n
        self.cost_multiplier = np.ones(n)
        self.extra_optimism = np.zeros(n)
        self.extra_cost = np.zeros(n)
        self.backlash = np.zeros(n)
        self.walkout_bump = np.zeros(n)
        self.concession_pace = np.ones(n)
        self.approval_shift = np.zeros(n)

    def expected_cost(self, expected_gain: np.ndarray) -> np.ndarray:
        """Per-round cost of fighting on: base cost, cost of gains, coercion."""
        return (
            self.cost_per_round * self.cost_multiplier
            + self.cost_per_gain * expected_gain
            + self.extra_cost
        )

    def update_batna(self) -> None:
        """Value of continued war: the war package at the front projected over the
        horizon, minus the discounted cost of fighting until then."""
        m = self.model
        if self.fixed_batna is not None:
            value = self.fixed_batna.copy()
        else:
            drift = m.expected_drifts()  # (N, F): every front line
            front = m.positions
            projected = (
                None if front is None else np.clip(front + drift * self.horizon[:, None], 0, 1)
            )
            war = m.war_package(projected)
            gain = m.gains(self.direction, drift)
            value = (
                self.shape.utility(war, penalties=False)
                - self.expected_cost(gain) * self.discounted_rounds
                + self.optimism
                + self.extra_optimism
            )
        self.batna = value - self.pressure

    def update_aspiration(self, others_last: np.ndarray) -> None:
        """Concede by the mixed tactics of ``sim.concession`` and set the aspiration.

        ``others_last`` (N, M): the shares of their remaining range the other parties gave
        up last round (reciprocity answers them). Nothing here knows how many rounds are
        simulated: time runs against the party's believed deadline.
        """
        m = self.model
        if self.strategy == "none":
            self.conceded = np.ones(m.n)
            self.next_share = np.zeros(m.n)
            self.aspiration = self.batna + self.backlash
            return
        round_cost = self.accumulated_cost - self.cost_seen
        # the ground gained on every front (a loss where negative), as one trend
        gained = (self.direction * m.moves).sum(axis=1)
        self.front_gain_trend = concession.front_trend(
            self.front_gain_trend, gained, 1.0, self.front_halflife
        )
        # the curve reaches the BATNA in the believed-deadline round (elapsed = round − 1)
        time = concession.time_share(
            m.round - 1.0, np.maximum(self.concession_deadline - 1.0, 1.0), self.beta
        )
        step = concession.concede(
            self.conceded,
            self._conceding_weights,
            time,
            concession.cost_share(round_cost, self.cost_seen, self.cost_tolerance),
            concession.front_share(self.front_gain_trend, self.front_sensitivity),
            concession.reciprocity_share(others_last, self.reciprocity),
            self.concession_pace,
            normalise=False,
        )
        self.next_share = concession.realised_share(self.conceded, step.conceded)
        self.conceded = step.conceded
        self.last_step = step
        self.cost_seen = self.accumulated_cost.copy()
        self.aspiration = concession.aspiration(self.conceded, self.batna) + self.backlash

    def rebound(self, where: np.ndarray, fraction: np.ndarray) -> np.ndarray:
        """Move the conceded share back towards the opening where ``where``; returns the
        change (≤ 0)."""
        new, change = concession.rebound(
            self.conceded, self.initial_concession, np.where(where, fraction, 0.0)
        )
        self.conceded = new
        self.next_share = np.where(where, 0.0, self.next_share)
        return change

    def signing_probability(self, x: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The chance package x passes at home, as the government sees it (1 without a
        vote, or where it does not anticipate); for the replicates ``rows`` when given
        (x then has one row per listed replicate)."""
        n = self.model.n if rows is None else len(rows)
        if self.ratifies_always or not self.anticipates:
            return np.ones(n)
        sel = slice(None) if rows is None else rows
        logit = (
            self.rat_intercept[sel]
            + np.einsum("nk,nk->n", self.rat_coef[sel], x)
            + self.approval_shift[sel]
        )
        return concession.ratification_probability(
            logit, self.rat_logit_threshold[sel], self.vote_noise_sd[sel]
        )

    def approval_logit(self, x: np.ndarray) -> np.ndarray:
        """logit of the public's approval of package x (N, K) (without vote noise)."""
        return self.rat_intercept + np.einsum("nk,nk->n", self.rat_coef, x) + self.approval_shift


@dataclass
class LeverState:
    """One of the mediator's levers, per replicate: on from ``start`` to ``until``."""

    name: str
    target: int  # party index
    effect: np.ndarray  # lowering of the target's BATNA while on
    duration: np.ndarray  # rounds
    use_prob: np.ndarray  # chance of using it on the blocking party (1 once provoked)
    start: np.ndarray  # first round on (0: never used)
    until: np.ndarray  # last round on


class MediatorAgent(mesa.Agent):
    """The mediator: proposes by its rule (its own interests weighted by
    ``interest_weight``), presses the party that blocks once frustrated with it, issues an
    ultimatum at its deadline, and leaves once pressure on the blocking party has failed.

    Frustration with a party counts the rounds in which it blocked (was furthest from
    accepting) without narrowing its gap by ``progress_tolerance``; progress resets it.
    After ``rounds_to_press`` such rounds the mediator presses that party (a lever, with
    the lever's use probability); a lever use resets the count, and the party is marked
    pressed. If the count reaches ``rounds_to_press`` again while the party is pressed (the
    pressure failed) or no lever is left for it, the mediator leaves with ``exit_hazard``
    per round. No clock: the round number enters only through its ultimatum, which at the
    deadline is carried out (a lever on the blocking party, whatever its use probability)
    with probability ``1 - extension_prob``, or else extended by as long again.
    """

    def __init__(self, model: NegotiationModel, spec: Mediator) -> None:
        super().__init__(model)
        self.spec = spec
        self.name = spec.name
        p = model.param
        prefix = f"actors.{spec.name}"
        issues = model.negotiation.issue_names
        n = model.n
        ideal = np.stack([p(f"{prefix}.ideal.{k}") for k in issues], axis=1)
        raw = np.stack([p(f"{prefix}.salience.{k}", 0.0) for k in issues], axis=1)
        sal = raw / np.maximum(raw.sum(axis=1, keepdims=True), 1e-300)
        self.shape = PartyShape(
            ideal,
            sal,
            spec.loss == "quadratic",
            np.zeros(0, dtype=np.int64),
            np.zeros(0),
            np.zeros((n, 0)),
            np.zeros((n, 0)),
        )
        parties = model.negotiation.party_names
        listed = {k: p(f"{prefix}.bias.{k}") for k in spec.bias}
        rest = max(len(parties) - len(listed), 0)
        remaining = 1.0 - (sum(listed.values()) if listed else 0.0)
        cols = []
        for name in parties:
            if name in listed:
                cols.append(listed[name])
            else:
                # broadcast: with no bias listed, ``remaining`` is the float 1.0
                cols.append(
                    np.broadcast_to(np.maximum(remaining, 0.0) / rest, (n,))
                    if rest
                    else np.zeros(n)
                )
        w = np.stack(cols, axis=1)
        self.base_weights = w / np.maximum(w.sum(axis=1, keepdims=True), 1e-300)
        self.respect_win_sets = spec.respect_win_sets
        self.interest_weight = np.clip(p(f"{prefix}.interest_weight", 0.0), 0.0, 1.0)
        self.budget = np.rint(p(f"{prefix}.budget"))
        self.levers = [
            LeverState(
                name=lv.name,
                target=parties.index(lv.target),
                effect=p(f"{prefix}.levers.{lv.name}.effect"),
                duration=np.maximum(1, np.rint(p(f"{prefix}.levers.{lv.name}.duration"))),
                use_prob=p(f"{prefix}.levers.{lv.name}.use_prob"),
                start=np.zeros(n),
                until=np.zeros(n),
            )
            for lv in spec.levers
        ]
        self.deadline = (
            np.rint(p(f"{prefix}.deadline")) if spec.deadline is not None else np.full(n, np.inf)
        )
        self.deadline_interval = self.deadline.copy()
        self.extension_prob = p(f"{prefix}.extension_prob")
        self.exit_hazard = p(f"{prefix}.exit_hazard")
        self.progress_tolerance = p(f"{prefix}.progress_tolerance", 0.01)
        self.rounds_to_press = np.maximum(1, np.rint(p(f"{prefix}.rounds_to_press", 1.0)))
        self.after_exit = spec.after_exit
        self.attribution_noise = p(f"{prefix}.attribution_noise")
        self.response_prob = p(f"{prefix}.response_prob")
        self.response_lag = np.maximum(0, np.rint(p(f"{prefix}.response_lag")))
        self.bias_shift = p(f"{prefix}.bias_shift")
        # the round from which the mediator presses each party after its violations
        self.respond_from = np.full((n, len(parties)), np.inf)
        self.pressure_used = np.zeros(n, dtype=np.int64)
        # frustration, per party: rounds blocking without progress; pressed since then
        self.frustration = np.zeros((n, len(parties)))
        self.pressed = np.zeros((n, len(parties)), dtype=bool)
        self.last_gap = np.full((n, len(parties)), np.inf)
        self.ultimatums = np.zeros(n, dtype=np.int64)  # ultimatums carried out
        self.gone = np.zeros(n, dtype=bool)  # left (the talks may go on bilaterally)
        # the scenario's proposal.rule (Nash where the scenario does not say)
        self.rule: ProposalRule = PROPOSAL_RULES[spec.rule](model)

    def weights(self, t: int) -> np.ndarray:
        """Nash weights this round: the bias, moved away from parties it now presses."""
        pressed = self.respond_from <= t
        w = self.base_weights - pressed * self.bias_shift[:, None]
        w = np.maximum(w, 0.02)
        return w / w.sum(axis=1, keepdims=True)

    def notice_violations(self, violator: np.ndarray) -> None:
        """Respond, after its lag, to the violations it attributes to each party (N, P)."""
        m, t = self.model, self.model.round
        for i, party in enumerate(m.party_agents):
            seen = violator[:, i] & (m.shock(f"attribution.{party.name}") >= self.attribution_noise)
            respond = seen & (m.shock(f"response.{party.name}") < self.response_prob)
            self.respond_from[:, i] = np.where(
                respond,
                np.minimum(self.respond_from[:, i], t + self.response_lag),
                self.respond_from[:, i],
            )

    def apply_pressure(self) -> None:
        """Lower the BATNA of each party its levers are on this round."""
        parties, t = self.model.party_agents, self.model.round
        for lv in self.levers:
            on = (lv.start <= t) & (t <= lv.until) & (lv.start > 0)
            target = parties[lv.target]
            target.pressure = target.pressure + np.where(on, lv.effect, 0.0)

    def blocking_party(self, accept: np.ndarray, gap: np.ndarray) -> np.ndarray:
        """The party furthest from accepting (N,); ties (identical parties) go to the first
        name in alphabetical order, so the order parties are listed in is moot. Gaps within
        :data:`TIE` count as tied: the package behind them is computed from the parties in
        the order listed, so gaps equal in exact arithmetic may differ in the last bits."""
        shortfall = np.where(accept, -np.inf, gap)
        names = [p.name for p in self.model.party_agents]
        rank = np.argsort(np.argsort(names)).astype(float)
        tied = shortfall >= np.max(shortfall, axis=1, keepdims=True) - TIE
        return np.argmin(np.where(tied, rank, np.inf), axis=1)

    def _frustrate(self, rejected: np.ndarray, blocking: np.ndarray, gap: np.ndarray) -> None:
        """Update frustration with the blocking party where the package was rejected."""
        i = np.arange(self.model.n)
        own = gap[i, blocking]
        last = self.last_gap[i, blocking]
        progress = own < last - self.progress_tolerance
        cur = self.frustration[i, blocking]
        self.frustration[i, blocking] = np.where(rejected, np.where(progress, 0.0, cur + 1.0), cur)
        self.pressed[i, blocking] &= ~(rejected & progress)
        # the gaps are remembered wherever a package was answered
        self.last_gap = np.where(rejected[:, None], gap, self.last_gap)

    def press(
        self,
        rejected: np.ndarray,
        accept: np.ndarray,
        gap: np.ndarray,
        blocking: np.ndarray | None = None,
    ) -> list[tuple[str, np.ndarray]]:
        """Where the package was rejected, grow frustration with the blocking party; once
        frustrated (or at a carried-out ultimatum) use at most one ready lever on it (from
        next round). Returns each lever's uses this round. ``blocking``: the
        :meth:`blocking_party` of ``accept`` and ``gap``, where the caller has it."""
        m, t = self.model, self.model.round
        rejected = rejected & ~self.gone
        if blocking is None:
            blocking = self.blocking_party(accept, gap)
        self._frustrate(rejected, blocking, gap)
        i = np.arange(m.n)
        frustrated = self.frustration[i, blocking] >= self.rounds_to_press
        # the ultimatum: at the deadline, carried out or extended by as long again
        due = rejected & (t >= self.deadline)
        carry = due & (m.shock("ultimatum") >= self.extension_prob)
        self.deadline = np.where(due & ~carry, t + self.deadline_interval, self.deadline)
        self.deadline = np.where(carry, np.inf, self.deadline)
        self.ultimatums += carry
        used = np.zeros(m.n, dtype=bool)
        uses = []
        for lv in self.levers:
            provoked = (self.respond_from[:, lv.target] <= t) | carry
            prob = np.where(provoked, 1.0, lv.use_prob)
            ready = (lv.until < t + 1) & (self.budget > 0)
            use = (
                rejected
                & (frustrated | carry)
                & ~used
                & ready
                & (blocking == lv.target)
                & (m.shock(f"lever.{lv.name}") < prob)
            )
            lv.start = np.where(use, t + 1, lv.start)
            lv.until = np.where(use, t + lv.duration, lv.until)
            self.budget = self.budget - use
            self.pressure_used += use
            used |= use
            uses.append((lv.name, use))
        # pressed: frustration starts again, and its return means the pressure failed;
        # a carried-out ultimatum with no lever left counts as pressure that failed
        hit = used | carry
        self.frustration[i, blocking] = np.where(hit, 0.0, self.frustration[i, blocking])
        self.pressed[i, blocking] |= hit
        return uses

    def can_press(self, party: np.ndarray) -> np.ndarray:
        """Whether some lever with budget left could still act on ``party`` (N,)."""
        out = np.zeros(self.model.n, dtype=bool)
        for lv in self.levers:
            out |= lv.target == party
        return out & (self.budget > 0)

    def consider_exit(
        self,
        made: np.ndarray,
        accept: np.ndarray,
        gap: np.ndarray,
        still: np.ndarray,
        blocking: np.ndarray | None = None,
    ) -> np.ndarray:
        """Whether the mediator leaves (N,): frustrated with the blocking party after
        pressure on it has failed (or with no pressure left), with its exit hazard.
        ``blocking`` as for :meth:`press`."""
        m = self.model
        if blocking is None:
            blocking = self.blocking_party(accept, gap)
        i = np.arange(m.n)
        frustrated = self.frustration[i, blocking] >= self.rounds_to_press
        failed = self.pressed[i, blocking] | ~self.can_press(blocking)
        rejected = made & still & ~m.decided(accept) & ~self.gone
        leave = rejected & frustrated & failed & (m.shock("exit") < self.exit_hazard)
        self.gone |= leave
        return leave


def _columns(cols: list[np.ndarray], n: int) -> np.ndarray:
    return np.stack(cols, axis=1) if cols else np.zeros((n, 0))
