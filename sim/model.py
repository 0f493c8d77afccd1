"""The negotiation model: a Mesa model whose step is one round of talks, for an ensemble.

``NegotiationModel`` holds N replicates at once. Each agent (a party or the mediator)
keeps its state as arrays over the replicates; replicates that have ended are masked
out. A single-run trace is the same model with N = 1. One round (MODEL.md §5):

1. shocks and events: strikes, truce violations, offensives and aid changes, the front
   line's move; costs accumulate;
2. each party re-values continued war (its BATNA) and updates its aspiration;
3. the mediator proposes the Nash package over its estimates of the BATNAs, within the
   win-sets it expects to ratify (without a mediator, the round's proposer offers its
   stationary subgame-perfect package);
4. each party accepts if the package is worth at least its aspiration (hence at least its
   BATNA) and crosses no absolute red line;
5. if all accept, each public votes; if all ratify, agreement. Otherwise a party may walk
   out (breakdown), the mediator may press the blocking party, and after its deadline
   it may leave (mediator exit);
6. after the last round, what is left is a stalemate.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from sim.agents import MediatorAgent, PartyAgent
from sim.bargaining import Geometry, best_for, select_nash, stationary_offer
from sim.distributions import is_distribution
from sim.outcomes import NO_ONE, EnsembleResult, Outcome
from sim.scenario import Scenario, Shift, Strike, Truce
from sim.streams import Purpose, Streams


class NegotiationModel(mesa.Model):
    """An ensemble of replicates of one scenario.

    Parameters
    ----------
    scenario : Scenario
        The loaded scenario.
    seed : int, optional
        The run's seed (default: the scenario's).
    replicates : array of int, optional
        Global indices of the replicates to hold (default ``range(n)``). A replicate's
        random numbers depend only on the seed and its index, so replicate i gives the
        same result alone or inside any ensemble.
    n : int, optional
        Number of replicates when ``replicates`` is not given (default 1).
    record : bool
        Keep a round-by-round log of the first replicate (for ``negsim trace``).
    rng : numpy Generator, optional
        Mesa's generator (the ensemble passes one seeded by the chunk index).
    parameter_values : dict, optional
        Values (shape (N,)) that replace the draws of the named parameters, for designed
        experiments such as Sobol or Morris samples.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        replicates: np.ndarray | None = None,
        n: int | None = None,
        record: bool = False,
        rng: np.random.Generator | None = None,
        parameter_values: dict[str, np.ndarray] | None = None,
    ) -> None:
        # not ``self.scenario``: Mesa 3.5 reserves that name for its own Scenario object
        self.negotiation = scenario
        self.seed = scenario.seed if seed is None else int(seed)
        if replicates is None:
            replicates = np.arange(1 if n is None else n)
        self.replicates = np.asarray(replicates, dtype=np.int64)
        if rng is None:
            first = int(self.replicates[0]) if self.replicates.size else 0
            rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(first,)))
        # Mesa's own generator; every draw of the model comes from the replicate streams
        super().__init__(rng=rng)
        self.n = int(self.replicates.size)
        self.streams = Streams(self.seed, self.replicates)
        self.values = self._draw_parameters()
        for path, values in (parameter_values or {}).items():
            if path not in self.values:
                raise KeyError(f"scenario has no parameter {path}")
            self.values[path] = np.broadcast_to(np.asarray(values, dtype=float), (self.n,)).copy()
        self.round = 0
        self.record = record
        self.log: list[dict[str, Any]] = []

        issues = scenario.issue_names
        self.k = len(issues)
        self.party_agents = [PartyAgent(self, spec, i) for i, spec in enumerate(scenario.parties)]
        self.mediator = (
            MediatorAgent(self, scenario.mediator) if scenario.mediator is not None else None
        )
        self.n_parties = len(self.party_agents)
        if self.mediator is None and scenario.first_proposer not in scenario.party_names:
            raise ValueError("a scenario without a mediator needs protocol.first_proposer")

        # the world
        fl = scenario.front_line
        self.front_issue = issues.index(fl.issue) if fl is not None else None
        self.front = (
            np.clip(self.param("world.front_line.initial"), 0, 1) if fl is not None else None
        )
        self.drift = self.param("world.front_line.drift") if fl is not None else np.zeros(self.n)
        self.noise_sd = (
            self.param("world.front_line.noise_sd") if fl is not None else np.zeros(self.n)
        )
        self.slowdown = (
            self.param("world.front_line.urban_slowdown") if fl is not None else np.zeros(self.n)
        )
        self.drift_multiplier = np.ones(self.n)
        self.under_war = np.stack(
            [self.param(f"issues.{k}.under_war", 0.0) for k in issues], axis=1
        )
        if self.front_issue is not None:
            for party in self.party_agents:
                party.direction = np.where(party.ideal[:, self.front_issue] >= 0.5, 1.0, -1.0)
        self._setup_events()

        # the bargaining space: absolute red lines bound the box every proposal lies in
        lower, upper = np.zeros((self.n, self.k)), np.ones((self.n, self.k))
        for party in self.party_agents:
            for i, line in enumerate(party.spec.red_lines):
                if line.absolute:
                    k = issues.index(line.issue)
                    bound = self.param(f"actors.{party.name}.red_lines.{i}.bound")
                    if line.kind == "min":
                        lower[:, k] = np.maximum(lower[:, k], bound)
                    else:
                        upper[:, k] = np.minimum(upper[:, k], bound)
        self.geometry = Geometry([p.shape for p in self.party_agents], lower, upper)
        self._setup_win_sets()

        # beliefs: persistent errors in how others see each party's BATNA (Fearon)
        self.belief_error = np.zeros((self.n_parties, self.n_parties + 1, self.n))  # [seen, seer]
        observers = [p.name for p in self.party_agents] + ["mediator"]
        for i, party in enumerate(self.party_agents):
            for j, seer in enumerate(observers):
                if j == i:
                    continue
                z = self.streams.normal(Purpose.BELIEFS, f"{party.name}.seen_by.{seer}")
                self.belief_error[i, j] = party.belief_noise_sd * z
        self.delta = np.stack([p.patience for p in self.party_agents], axis=1)

        # outcomes
        self.active = np.ones(self.n, dtype=bool)
        self.outcome = np.full(self.n, Outcome.STALEMATE, dtype=np.int8)
        self.end_round = np.full(self.n, scenario.rounds, dtype=np.int16)
        self.terms = np.full((self.n, self.k), np.nan)
        self.strikes = np.zeros(self.n, dtype=np.int64)
        self.violations = np.zeros(self.n, dtype=np.int64)
        self.failed_ratifications = np.zeros(self.n, dtype=np.int64)
        self.walkout_by = np.full(self.n, NO_ONE, dtype=np.int8)
        self.paused_until = np.zeros(self.n)
        self.proposal = np.full((self.n, self.k), np.nan)
        self.running = True

    # ---- parameters ------------------------------------------------------------------
    def _draw_parameters(self) -> dict[str, np.ndarray]:
        """Each replicate's parameter values, by dotted path. A distribution is sampled
        by mapping the replicate's uniform for that path through its quantile function."""
        out = {}
        for path, value in self.negotiation.parameters().items():
            if is_distribution(value):
                out[path] = value.ppf(self.streams.uniform(Purpose.PARAMETERS, path))
            else:
                out[path] = np.full(self.n, float(value))
        return out

    def param(self, path: str, default: float | None = None) -> np.ndarray:
        """The replicates' values of a parameter, shape (N,)."""
        if path in self.values:
            return self.values[path]
        if default is None:
            raise KeyError(f"scenario has no parameter {path}")
        return np.full(self.n, float(default))

    def drawn_parameters(self) -> dict[str, np.ndarray]:
        """The parameters given as distributions, as drawn (for analysis)."""
        return {k: self.values[k] for k in self.negotiation.uncertain_parameters()}

    # ---- events ----------------------------------------------------------------------
    def _window(self, path: str, end_is_set: bool) -> tuple[np.ndarray, np.ndarray]:
        start = np.rint(self.param(f"{path}.start_round", 1.0))
        end = np.rint(self.param(f"{path}.end_round")) if end_is_set else np.full(self.n, np.inf)
        return start, end

    def _setup_events(self) -> None:
        names = self.negotiation.party_names
        self.strike_events, self.truces, self.shifts = [], [], []
        for ev in self.negotiation.events:
            path = f"events.{ev.name}"
            start, end = self._window(path, ev.end_round is not None)
            if isinstance(ev, Strike):
                self.strike_events.append(
                    dict(
                        spec=ev,
                        start=start,
                        end=end,
                        by=names.index(ev.by),
                        target=names.index(ev.target),
                        prob=self.param(f"{path}.prob_per_round"),
                        loss=self.param(f"{path}.capacity_loss"),
                        repair=0.5
                        ** (1.0 / np.maximum(self.param(f"{path}.repair_halflife"), 1e-9)),
                        coercion=self.param(f"{path}.coercion_cost"),
                        bump=self.param(f"{path}.aspiration_bump"),
                        duration=np.maximum(1, np.rint(self.param(f"{path}.backlash_duration"))),
                        hazard_bump=self.param(f"{path}.walkout_hazard_bump"),
                        capacity_out=np.zeros(self.n),
                        backlash_until=np.zeros(self.n),
                    )
                )
            elif isinstance(ev, Truce):
                self.truces.append(
                    dict(
                        spec=ev,
                        start=start,
                        end=end,
                        covers=ev.covers,
                        strike_prob=self.param(f"{path}.strike_prob"),
                        violation_prob=self.param(f"{path}.violation_prob"),
                    )
                )
            elif isinstance(ev, Shift):
                occurs = self.streams.uniform(Purpose.PARAMETERS, f"{path}.occurs") < self.param(
                    f"{path}.probability"
                )
                self.shifts.append(
                    dict(
                        spec=ev,
                        start=start,
                        end=end,
                        occurs=occurs,
                        drift=self.param(f"{path}.drift_multiplier"),
                        cost={
                            names.index(k): self.param(f"{path}.cost_multiplier.{k}")
                            for k in ev.cost_multiplier
                        },
                        optimism={
                            names.index(k): self.param(f"{path}.optimism.{k}") for k in ev.optimism
                        },
                    )
                )

    def _setup_win_sets(self) -> None:
        """Each party's ratification constraint as the mediator estimates it:
        coef . x + const >= 0 (logit approval at least the logit of the threshold)."""
        coef = np.zeros((self.n, self.n_parties, self.k))
        const = np.ones((self.n, self.n_parties))
        for i, party in enumerate(self.party_agents):
            if not party.ratifies_always:
                coef[:, i] = party.rat_coef
                const[:, i] = party.rat_intercept - party.rat_logit_threshold
        self.any_win_set = any(not p.ratifies_always for p in self.party_agents)
        # constant per replicate: the constraint's value at each frontier vertex (N, J, n)
        self.vertex_winset = (
            np.einsum("njk,nik->nji", self.geometry.vertices, coef) + const[:, None, :]
        )

    def _shock(self, name: str) -> np.ndarray:
        """This round's uniform for a named shock channel, per replicate."""
        return self.streams.uniform(Purpose.SHOCKS, f"{name}@{self.round}")

    def _normal_shock(self, name: str) -> np.ndarray:
        return self.streams.normal(Purpose.SHOCKS, f"{name}@{self.round}")

    def expected_drift(self) -> np.ndarray:
        """The front line's expected move this round (towards 1)."""
        if self.front is None:
            return np.zeros(self.n)
        return self.drift * self.drift_multiplier * (1.0 - self.slowdown * self.front)

    def war_package(self, front: np.ndarray | None) -> np.ndarray:
        """The package continued war imposes: the front line on its issue, and each other
        issue's ``under_war`` value."""
        war = self.under_war.copy()
        if front is not None and self.front_issue is not None:
            war[:, self.front_issue] = front
        return war

    def _apply_events(self, live: np.ndarray) -> dict[str, Any]:
        t = self.round
        happened: dict[str, Any] = {"strikes": [], "violations": [], "shifts": []}
        parties = self.party_agents
        # offensives and aid changes
        self.drift_multiplier = np.ones(self.n)
        for p in parties:
            p.cost_multiplier = np.ones(self.n)
            p.extra_optimism = np.zeros(self.n)
        for sh in self.shifts:
            on = sh["occurs"] & (sh["start"] <= t) & (t <= sh["end"])
            self.drift_multiplier = np.where(
                on, self.drift_multiplier * sh["drift"], self.drift_multiplier
            )
            for i, m in sh["cost"].items():
                parties[i].cost_multiplier = np.where(
                    on, parties[i].cost_multiplier * m, parties[i].cost_multiplier
                )
            for i, o in sh["optimism"].items():
                parties[i].extra_optimism = parties[i].extra_optimism + np.where(on, o, 0.0)
            happened["shifts"].append((sh["spec"].name, on))
        # strikes and truces
        for p in parties:
            p.extra_cost = np.zeros(self.n)
            p.backlash = np.zeros(self.n)
            p.walkout_bump = np.zeros(self.n)
        violator = np.full((self.n, self.n_parties), False)
        for st in self.strike_events:
            name = st["spec"].name
            window = (st["start"] <= t) & (t <= st["end"])
            prob = st["prob"]
            in_truce = np.zeros(self.n, dtype=bool)
            for tr in self.truces:
                if tr["covers"] == name:
                    force = (tr["start"] <= t) & (t <= tr["end"])
                    prob = np.where(force, tr["strike_prob"], prob)
                    in_truce |= force
            struck = live & window & (self._shock(f"strike.{name}") < prob)
            st["capacity_out"] = st["capacity_out"] * st["repair"] + np.where(
                struck, st["loss"], 0.0
            )
            st["backlash_until"] = np.where(struck, t + st["duration"] - 1, st["backlash_until"])
            self.strikes += struck
            target = parties[st["target"]]
            target.extra_cost = target.extra_cost + st["coercion"] * st["capacity_out"]
            hardened = st["backlash_until"] >= t
            target.backlash = target.backlash + np.where(hardened, st["bump"], 0.0)
            target.walkout_bump = target.walkout_bump + np.where(hardened, st["hazard_bump"], 0.0)
            violator[:, st["by"]] |= struck & in_truce
            happened["strikes"].append((name, struck))
        for tr in self.truces:
            st = next(s for s in self.strike_events if s["spec"].name == tr["covers"])
            force = live & (tr["start"] <= t) & (t <= tr["end"])
            other = force & (self._shock(f"violation.{tr['spec'].name}") < tr["violation_prob"])
            # both sides allege violations: the other salient violation is either side's
            by_striker = self._shock(f"violator.{tr['spec'].name}") < 0.5
            violator[:, st["by"]] |= other & by_striker
            violator[:, st["target"]] |= other & ~by_striker
        n_viol = violator.sum(axis=1)
        self.violations += n_viol
        happened["violations"] = violator
        if self.mediator is not None and np.any(n_viol):
            med = self.mediator
            for i, party in enumerate(parties):
                seen = violator[:, i] & (
                    self._shock(f"attribution.{party.name}") >= med.attribution_noise
                )
                respond = seen & (self._shock(f"response.{party.name}") < med.response_prob)
                med.respond_from[:, i] = np.where(
                    respond,
                    np.minimum(med.respond_from[:, i], t + med.response_lag),
                    med.respond_from[:, i],
                )
        # the front line moves; costs accumulate
        drift = self.expected_drift()
        move = np.zeros(self.n)
        if self.front is not None:
            noise = self.noise_sd * self._normal_shock("front")
            new_front = np.clip(self.front + drift + noise, 0.0, 1.0)
            move = np.where(live, new_front - self.front, 0.0)
            self.front = self.front + move
        for p in parties:
            gain = np.maximum(0.0, p.direction * move)
            p.accumulated_cost += np.where(live, p.expected_cost(gain), 0.0)
        # pressure currently applied by the mediator's levers
        for p in parties:
            p.pressure = np.zeros(self.n)
        if self.mediator is not None:
            for lv in self.mediator.levers:
                on = (lv["start"] <= t) & (t <= lv["until"]) & (lv["start"] > 0)
                parties[lv["target"]].pressure = parties[lv["target"]].pressure + np.where(
                    on, lv["effect"], 0.0
                )
        happened["move"] = move
        return happened

    # ---- one round -------------------------------------------------------------------
    def step(self) -> None:
        """One round of talks for every replicate still running."""
        if not self.running:
            return
        self.round += 1
        t = self.round
        live = self.active.copy()
        happened = self._apply_events(live)
        parties = self.agents_by_type[PartyAgent]
        parties.do("update_batna")
        parties.do("update_aspiration")

        talking = live & (self.paused_until < t) & self.geometry.feasible
        rows = np.flatnonzero(talking)
        x = np.full((self.n, self.k), np.nan)
        proposer = None
        rule = np.full(self.n, -1, dtype=np.int8)
        if rows.size:
            batna = np.stack([p.batna for p in self.party_agents], axis=1)
            if self.mediator is not None:
                seen = batna + self.belief_error[:, -1, :].T
                w = self.mediator.weights(t)
                winset = self.mediator.respect_win_sets and self.any_win_set
                pick = select_nash(
                    self.geometry, seen, w, self.vertex_winset if winset else None, rows
                )
                free = np.flatnonzero(pick.rule == 1) if winset else np.arange(rows.size)
                refined = self.geometry.refine_nash(
                    _scatter(pick.x, rows, self.n, self.k),
                    seen,
                    w,
                    rows[free],
                    _scatter_1d(pick.segment, rows, self.n),
                )
                x[rows] = refined[rows]
                rule[rows] = pick.rule
            else:
                order = self.negotiation.party_names
                first = order.index(self.negotiation.first_proposer)
                proposer = (first + t - 1) % self.n_parties
                seen = batna + self.belief_error[:, proposer, :].T
                seen[:, proposer] = batna[:, proposer]
                offer = stationary_offer(
                    self.geometry, proposer, seen[rows], self.delta[rows], rows
                )
                # a proposer never offers what it would itself reject: where the
                # subgame-perfect offer is worth less to it than its aspiration, it offers
                # the package that gives it its aspiration and the others the most
                own = self.party_agents[proposer]
                short = own.shape.utility(offer, rows=rows) < own.aspiration[rows] - 1e-12
                if np.any(short):
                    sub = rows[short]
                    floors = np.zeros((sub.size, self.n_parties))
                    floors[:, proposer] = own.aspiration[sub]
                    other = (proposer + 1) % self.n_parties
                    offer[short], _ = best_for(self.geometry, other, floors, sub)
                x[rows] = offer
        self.proposal = x
        made = talking.copy()

        # responses
        utility = np.stack([p.shape.utility(np.nan_to_num(x)) for p in self.party_agents], axis=1)
        aspiration = np.stack([p.aspiration for p in self.party_agents], axis=1)
        batna_now = np.stack([p.batna for p in self.party_agents], axis=1)
        accept = made[:, None] & (utility >= aspiration - 1e-12) & (utility >= batna_now - 1e-12)
        all_accept = np.all(accept, axis=1)

        # ratification
        ratified = all_accept.copy()
        votes = np.full((self.n, self.n_parties), np.nan)
        failing = np.zeros((self.n, self.n_parties), dtype=bool)
        for i, party in enumerate(self.party_agents):
            if party.ratifies_always:
                continue
            z = self._normal_shock(f"vote.{party.name}")
            logit = party.approval_logit(np.nan_to_num(x)) + party.vote_noise_sd * z
            votes[:, i] = 1.0 / (1.0 + np.exp(-logit))
            fail = all_accept & (logit < party.rat_logit_threshold)
            failing[:, i] = fail
            ratified &= ~fail
        agreed = ratified
        self.outcome[agreed] = Outcome.AGREEMENT
        self.end_round[agreed] = t
        self.terms[agreed] = x[agreed]
        failed = all_accept & ~ratified
        self.failed_ratifications += failed
        for i, party in enumerate(self.party_agents):
            if party.ratifies_always:
                continue
            hit = failing[:, i]
            self.paused_until = np.where(
                hit, np.maximum(self.paused_until, t + party.lost_rounds), self.paused_until
            )
            if party.reset_aspiration:
                for other in self.party_agents:
                    other.clock_start = np.where(failed, t, other.clock_start)

        # walk-outs by parties that rejected
        still = live & ~agreed
        gap = aspiration - utility
        # where several parties leave in the same round, the breakdown is put down to the
        # first to go (draw lowest relative to its hazard), whatever order they are listed in
        clock = np.full((self.n, self.n_parties), np.inf)
        for i, party in enumerate(self.party_agents):
            rejected = made & still & ~accept[:, i]
            # a party far below its aspiration may leave; a strike's backlash raises that risk
            far = gap[:, i] > party.walkout_gap
            hazard = np.where(far, party.walkout_hazard + party.walkout_bump, 0.0)
            draw = self._shock(f"walkout.{party.name}")
            out = rejected & (draw < hazard)
            clock[:, i] = np.where(out, draw / np.where(out, hazard, 1.0), np.inf)
        walked = np.any(np.isfinite(clock), axis=1)
        self.walkout_by[walked] = np.argmin(clock[walked], axis=1)
        self.outcome[walked] = Outcome.BREAKDOWN
        self.end_round[walked] = t
        still &= ~walked

        # the mediator presses the blocking party, and may leave after its deadline
        exited = np.zeros(self.n, dtype=bool)
        lever_used: list[tuple[str, np.ndarray]] = []
        if self.mediator is not None:
            med = self.mediator
            rejected_any = made & still & ~all_accept
            # the party furthest from accepting; exact ties (identical parties) go to the
            # first name in alphabetical order, so the order parties are listed in is moot
            shortfall = np.where(accept, -np.inf, gap)
            rank = np.argsort(np.argsort([p.name for p in self.party_agents])).astype(float)
            tied = shortfall >= np.max(shortfall, axis=1, keepdims=True)
            blocking = np.argmin(np.where(tied, rank, np.inf), axis=1)
            used = np.zeros(self.n, dtype=bool)
            for lv in med.levers:
                pressed = med.respond_from[:, lv["target"]] <= t
                prob = np.where(pressed, 1.0, lv["use_prob"])
                ready = (lv["until"] < t + 1) & (med.budget > 0)
                use = (
                    rejected_any
                    & ~used
                    & ready
                    & (blocking == lv["target"])
                    & (self._shock(f"lever.{lv['name']}") < prob)
                )
                lv["start"] = np.where(use, t + 1, lv["start"])
                lv["until"] = np.where(use, t + lv["duration"], lv["until"])
                med.budget = med.budget - use
                med.pressure_used += use
                used |= use
                lever_used.append((lv["name"], use))
            worst = np.where(made, np.max(np.where(accept, -np.inf, gap), axis=1), med.last_gap)
            progress = worst < med.last_gap - 1e-9
            med.last_gap = np.where(made, worst, med.last_gap)
            past = still & (t > med.deadline)
            extend = progress & (self._shock("extension") < med.extension_prob)
            exited = past & ~extend & (self._shock("exit") < med.exit_hazard)
            self.outcome[exited] = Outcome.MEDIATOR_EXIT
            self.end_round[exited] = t
            still &= ~exited

        self.active = still
        if self.record:
            self._record(
                dict(
                    happened=happened,
                    x=x,
                    made=made,
                    utility=utility,
                    aspiration=aspiration,
                    batna=batna_now,
                    accept=accept,
                    votes=votes,
                    failed=failed,
                    agreed=agreed,
                    walked=walked,
                    exited=exited,
                    lever_used=lever_used,
                    proposer=proposer,
                    rule=rule,
                )
            )
        if t >= self.negotiation.rounds:
            self.outcome[self.active] = Outcome.STALEMATE
            self.end_round[self.active] = t
            self.active[:] = False
        self.running = bool(self.active.any())

    def run(self) -> EnsembleResult:
        """Step until every replicate has ended; return the outcomes."""
        while self.running:
            self.step()
        return self.result()

    # ---- results ---------------------------------------------------------------------
    def result(self) -> EnsembleResult:
        """Per-replicate outcomes (MODEL.md §6)."""
        agreed = self.outcome == Outcome.AGREEMENT
        war = self.war_package(self.front)
        end_state = np.where(agreed[:, None], np.nan_to_num(self.terms), war)
        utility = [
            np.where(
                agreed, p.shape.utility(end_state), p.shape.utility(end_state, penalties=False)
            )
            for p in self.party_agents
        ]
        if self.mediator is not None:
            utility.append(self.mediator.shape.utility(end_state))
        sal = np.stack([p.salience for p in self.party_agents])  # (P, N, K)
        ideal = np.stack([p.ideal for p in self.party_agents])
        weight = sal.sum(axis=0)
        compromise = np.where(
            weight > 0, (sal * ideal).sum(axis=0) / np.maximum(weight, 1e-300), ideal.mean(axis=0)
        )
        return EnsembleResult(
            scenario=self.negotiation.name,
            issues=self.negotiation.issue_names,
            parties=self.negotiation.party_names,
            actors=tuple(a.name for a in self.negotiation.actors),
            rounds=self.negotiation.rounds,
            round_days=float(self.negotiation.round_days),
            replicate=self.replicates.copy(),
            outcome=self.outcome.copy(),
            end_round=self.end_round.copy(),
            terms=self.terms.copy(),
            utility=np.stack(utility, axis=1),
            front_line=self.front.copy() if self.front is not None else np.full(self.n, np.nan),
            cost=np.stack([p.accumulated_cost for p in self.party_agents], axis=1),
            strikes=self.strikes.copy(),
            violations=self.violations.copy(),
            failed_ratifications=self.failed_ratifications.copy(),
            pressure_used=(
                self.mediator.pressure_used.copy()
                if self.mediator is not None
                else np.zeros(self.n, dtype=np.int64)
            ),
            walkout_by=self.walkout_by.copy(),
            compromise=compromise,
            params=self.drawn_parameters(),
        )

    def _record(self, now: dict[str, Any]) -> None:
        """Keep the first replicate's round in plain values, for the trace."""
        happened, x, made, utility = now["happened"], now["x"], now["made"], now["utility"]
        aspiration, batna, accept, votes = (
            now["aspiration"],
            now["batna"],
            now["accept"],
            now["votes"],
        )
        failed, agreed, walked, exited = now["failed"], now["agreed"], now["walked"], now["exited"]
        lever_used, proposer, rule = now["lever_used"], now["proposer"], now["rule"]
        r = 0
        names = self.negotiation.party_names
        entry: dict[str, Any] = {
            "round": self.round,
            "active": bool(self.active[r] or agreed[r] or walked[r] or exited[r]),
            "strikes": [n for n, s in happened["strikes"] if s[r]],
            "violations": [names[i] for i in np.flatnonzero(happened["violations"][r])],
            "shifts": [n for n, on in happened["shifts"] if on[r]],
            "front": None if self.front is None else float(self.front[r]),
            "move": float(happened["move"][r]),
            "batna": {n: float(batna[r, i]) for i, n in enumerate(names)},
            "aspiration": {n: float(aspiration[r, i]) for i, n in enumerate(names)},
            "pressure": {p.name: float(p.pressure[r]) for p in self.party_agents},
            "costs": {p.name: float(p.accumulated_cost[r]) for p in self.party_agents},
            "proposal": None if not made[r] else [float(v) for v in x[r]],
            "proposer": None if proposer is None else names[proposer],
            "rule": int(rule[r]),
            "utility": {n: float(utility[r, i]) for i, n in enumerate(names)} if made[r] else {},
            "accept": {n: bool(accept[r, i]) for i, n in enumerate(names)} if made[r] else {},
            "paused": bool(not made[r] and self.geometry.feasible[r]),
            "feasible": bool(self.geometry.feasible[r]),
            "votes": {
                n: float(votes[r, i]) for i, n in enumerate(names) if not np.isnan(votes[r, i])
            },
            "ratification_failed": bool(failed[r]),
            "agreed": bool(agreed[r]),
            "walked": names[self.walkout_by[r]] if walked[r] else None,
            "mediator_exit": bool(exited[r]),
            "levers": [n for n, u in lever_used if u[r]],
        }
        self.log.append(entry)


def _scatter(values: np.ndarray, rows: np.ndarray, n: int, k: int) -> np.ndarray:
    out = np.full((n, k), np.nan)
    out[rows] = values
    return out


def _scatter_1d(values: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=np.int64)
    out[rows] = values
    return out


def run_replicates(scenario: Scenario, seed: int, replicates: np.ndarray) -> EnsembleResult:
    """Run the given replicates of a scenario as one ensemble."""
    model = NegotiationModel(scenario, seed=seed, replicates=replicates)
    return model.run()
