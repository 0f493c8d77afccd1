"""The negotiation model: a Mesa model whose step is one round of talks, for an ensemble.

``NegotiationModel`` holds N replicates at once. Each agent (a party or the mediator)
keeps its state as arrays over the replicates; replicates that have ended are masked
out. A single-run trace is the same model with N = 1. One round, as the phases of
:meth:`NegotiationModel.step`:

1. events and world: the scenario's events act (``sim.events``), the mediator notices
   violations, the front line moves, costs accumulate, the mediator's levers press;
2. valuations: each party re-values continued war (its BATNA) and its aspiration;
3. proposal: the mediator's rule (``sim.mediation``, the scenario's ``proposal.rule``)
   or, without a mediator, the round's proposer chooses a package;
4. responses: each party accepts if the package is worth at least its aspiration (hence
   at least its BATNA) and crosses no absolute red line;
5. ratification: if all accept, each public votes; if all ratify, agreement;
6. walk-outs: a party far from its aspiration may leave (breakdown);
7. mediator: it may press the blocking party and, after its deadline, leave;
8. close: the round is recorded; after the last round what is left is a stalemate.
"""

from __future__ import annotations

import numpy as np

from sim.agents import MediatorAgent, PartyAgent
from sim.agreements.book import AgreementBook
from sim.agreements.stages import CEASEFIRE, SETTLEMENT
from sim.bargaining import Geometry
from sim.bargaining.waiting import WaitingTerms
from sim.concession import signs
from sim.events import COUNTERS, RoundWorld, apply_events, build_events
from sim.mediation import AlternatingOffers, ProposalRule
from sim.mediation.legislative import LegislativeBargaining
from sim.mesa_import import mesa
from sim.outcomes import NO_ONE, EnsembleResult, Outcome
from sim.recorder import RoundRecorder
from sim.rounds import RoundRecord, RoundState
from sim.scenario import Scenario
from sim.streams import Purpose, Streams

#: how far (in logit) a public's approval may fall short of its threshold by rounding alone
RATIFICATION_TOLERANCE = 1e-9


#: an offer this close to a responder's outside option is worth taking (the subgame-
#: perfect offer gives exactly the option, up to rounding)
OPT_OUT_TOLERANCE = 1e-9


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
    record_rounds : bool
        Keep every replicate's rounds as table rows (:mod:`sim.recorder`, ``--record
        rounds``); ``self.recorder`` is None otherwise.
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
        record_rounds: bool = False,
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
        self.values = self._draw_parameters(parameter_values or {})
        self.round = 0
        self.record = record
        self.log: list[RoundRecord] = []
        self.recorder = RoundRecorder(self) if record_rounds else None

        issues = scenario.issue_names
        self.k = len(issues)
        self.party_agents = [PartyAgent(self, spec, i) for i, spec in enumerate(scenario.parties)]
        self.mediator = (
            MediatorAgent(self, scenario.mediator) if scenario.mediator is not None else None
        )
        self.n_parties = len(self.party_agents)
        if (
            self.mediator is None
            and scenario.first_proposer not in scenario.party_names
            and not scenario.recognition
        ):
            raise ValueError("a scenario without a mediator needs protocol.first_proposer")

        # the world: the front lines, each on its own issue, with sides the scenario declares
        fronts = scenario.all_fronts
        self.front_issues = tuple(issues.index(f.issue) for f in fronts)

        def per_front(key: str) -> np.ndarray:
            return np.stack([self.param(f"{f.path}.{key}") for f in fronts], axis=1)

        self.positions = np.clip(per_front("initial"), 0, 1) if fronts else None  # (N, F)
        self.front_drift = per_front("drift") if fronts else np.zeros((self.n, 0))
        self.front_noise_sd = per_front("noise_sd") if fronts else np.zeros((self.n, 0))
        self.front_slowdown = per_front("urban_slowdown") if fronts else np.zeros((self.n, 0))
        self.drift_multiplier = np.ones(self.n)  # every front's, this round (events)
        self.front_multiplier = np.ones((self.n, len(fronts)))  # each front's, this round
        # the two as they stood in the round each replicate's talks ended: the war after
        # the talks is carried on at that pace (the rounds the ensemble runs on for other
        # replicates must not change a replicate's numbers)
        self.end_drift_multiplier = np.ones(self.n)
        self.end_front_multiplier = np.ones((self.n, len(fronts)))
        self.under_war = np.stack(
            [self.param(f"issues.{k}.under_war", 0.0) for k in issues], axis=1
        )
        names = scenario.party_names
        for party in self.party_agents:
            # +1 on a front where the party's gains move the line up, -1 down, 0 neither
            party.direction = np.tile([f.side_of(party.name, names) for f in fronts], (self.n, 1))
        # the front bounds the table: no package gives back what the advancing side holds
        self.front_bounds_table = tuple(f.bounds_table for f in fronts)
        self.moves = np.zeros((self.n, len(fronts)))  # each front line's move in the last round
        self.events = build_events(self)

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
        # the parties' own protocol: outside options (-inf: none) and costs of a round
        self.outside_option = np.stack([p.outside_option for p in self.party_agents], axis=1)
        cost = np.stack([p.bargaining_cost for p in self.party_agents], axis=1)
        self.has_outside_options = bool(np.isfinite(self.outside_option).any())
        self.waiting_terms = (
            WaitingTerms(self.outside_option, cost)
            if self.has_outside_options or bool(np.any(cost != 0.0))
            else None
        )
        # the decision rule: how many signatures agree a package, and whose are needed
        names = scenario.party_names
        self.quota = self.n_parties if scenario.quota is None else int(scenario.quota)
        self.needed = np.array([names.index(p) for p in scenario.needed or ()], dtype=np.int64)
        # who signed the package last signed (its publics vote on it, now or after a delay)
        self.signatories = np.zeros((self.n, self.n_parties), dtype=bool)

        # outcomes
        self.active = np.ones(self.n, dtype=bool)
        self.outcome = np.full(self.n, Outcome.STALEMATE, dtype=np.int8)
        # 0 until the replicate ends: the model does not know when the window closes
        self.end_round = np.zeros(self.n, dtype=np.int16)
        self.first_signed_rejected = np.zeros(self.n, dtype=np.int16)
        self.terms = np.full((self.n, self.k), np.nan)
        self.counters = {name: np.zeros(self.n, dtype=np.int64) for name in COUNTERS}
        self.violations_by = np.zeros((self.n, self.n_parties), dtype=np.int64)
        self.failed_ratifications = np.zeros(self.n, dtype=np.int64)
        self.walkout_by = np.full(self.n, NO_ONE, dtype=np.int8)
        self.opted_out = np.zeros(self.n, dtype=bool)  # the breakdown was an opt-out
        self.paused_until = np.zeros(self.n)
        self.proposal = np.full((self.n, self.k), np.nan)
        # the parties' own protocol: in turn, or recognised at random (Baron-Ferejohn)
        own: ProposalRule = (
            LegislativeBargaining(self) if scenario.recognition else AlternatingOffers(self)
        )
        self.protocol: ProposalRule = self.mediator.rule if self.mediator is not None else own
        # after the mediator's exit with ``after_exit: bilateral``: the parties' own protocol
        self.bilateral: ProposalRule = own
        self.mediator_exit_round = np.full(self.n, np.nan)
        # staged agreements (sim.agreements): kinds, votes, what holds, collapse
        self.agreements = AgreementBook(self)
        self.agreements.link()
        self.running = True

    # ---- parameters ------------------------------------------------------------------
    def _draw_parameters(self, given: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Each replicate's parameter values, by dotted path. A distribution is sampled
        by mapping the replicate's uniform for that path through its quantile function;
        a parameter in ``given`` takes those values instead (and is not sampled: each
        path's stream is its own, so the others' draws are the same either way)."""
        out = {}
        parameters = self.negotiation.parameters()
        for path in given:
            if path not in parameters:
                raise KeyError(f"scenario has no parameter {path}")
        for path, value in parameters.items():
            if path in given:
                out[path] = np.broadcast_to(np.asarray(given[path], dtype=float), (self.n,)).copy()
            elif isinstance(value, int | float):
                out[path] = np.full(self.n, float(value))
            else:
                out[path] = value.ppf(self.streams.uniform(Purpose.PARAMETERS, path))
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

    # ---- shocks ----------------------------------------------------------------------
    def shock(self, name: str) -> np.ndarray:
        """This round's uniform for a named shock channel, per replicate."""
        return self.streams.uniform(Purpose.SHOCKS, f"{name}@{self.round}")

    def normal_shock(self, name: str) -> np.ndarray:
        """This round's standard normal for a named shock channel, per replicate."""
        return self.streams.normal(Purpose.SHOCKS, f"{name}@{self.round}")

    # ---- the fronts ------------------------------------------------------------------
    # ``front``, ``front_issue`` and ``move`` are the first front's, for the views of one
    # front line (the trace, the ``front_line`` column); the dynamics read every front.
    @property
    def front(self) -> np.ndarray | None:
        """The first front line's position (N,), None without a front."""
        return None if self.positions is None else self.positions[:, 0]

    @property
    def front_issue(self) -> int | None:
        """The issue the first front line moves."""
        return self.front_issues[0] if self.front_issues else None

    @property
    def move(self) -> np.ndarray:
        """The first front line's move in the last round (N,)."""
        return self.moves[:, 0] if self.front_issues else np.zeros(self.n)

    def expected_drifts(
        self, positions: np.ndarray | None = None, *, at_end: bool = False
    ) -> np.ndarray:
        """Each front line's expected move this round (towards 1), (N, F); ``at_end``:
        at the events' pace of the round each replicate's talks ended."""
        if self.positions is None:
            return np.zeros((self.n, 0))
        at = self.positions if positions is None else positions
        if at_end:
            every, each = self.end_drift_multiplier, self.end_front_multiplier
        else:
            every, each = self.drift_multiplier, self.front_multiplier
        return self.front_drift * every[:, None] * each * (1.0 - self.front_slowdown * at)

    def war_package(self, positions: np.ndarray | None) -> np.ndarray:
        """The package continued war imposes: each front line on its issue, and each other
        issue's ``under_war`` value. ``positions``: (N, F), or (N,) for one front."""
        war = self.under_war.copy()
        if positions is not None and self.front_issues:
            at = positions.reshape(self.n, -1)
            for j, k in enumerate(self.front_issues):
                war[:, k] = at[:, j]
        return war

    # ---- one round -------------------------------------------------------------------
    def step(self) -> None:
        """One round of talks for every replicate still running, phase by phase."""
        if not self.running:
            return
        self.round += 1
        live = self.active.copy()
        world = self._events_and_world(live)
        self._valuations()
        now = self._proposal(live, world)
        self._responses(now)
        self._ratification(now)
        still = self._walkouts(now)
        still = self._mediator_moves(now, still)
        still = self._deadline(still)
        self._close(now, still)
        if self.recorder is not None:
            self.recorder.record(self, now)

    def _events_and_world(self, live: np.ndarray) -> RoundWorld:
        """Events act; the mediator notices violations; the front moves and costs accrue;
        the mediator's levers in force press their targets."""
        world = apply_events(self, live)
        self.agreements.world(world, live)
        self.violations_by += world.violator  # the ``violations`` counter, by party
        if self.mediator is not None and np.any(world.violator):
            self.mediator.notice_violations(world.violator)
        self.moves = np.zeros_like(self.moves)
        if self.positions is not None:
            # one shock channel per front: the first keeps the one-front channel's name
            shocks = [
                self.normal_shock("front" if j == 0 else f"front.{f.name}")
                for j, f in enumerate(self.negotiation.all_fronts)
            ]
            noise = self.front_noise_sd * self.agreements.fighting[:, None] * np.stack(shocks, 1)
            new = np.clip(self.positions + self.expected_drifts() + noise, 0.0, 1.0)
            self.moves = np.where(live[:, None], new - self.positions, 0.0)
            self.positions = self.positions + self.moves
        for p in self.party_agents:
            gain = self.gains(p.direction, self.moves)
            p.accumulated_cost += np.where(live, p.expected_cost(gain), 0.0)
            p.pressure = np.zeros(self.n)
        if self.mediator is not None:
            self.mediator.apply_pressure()
        return world

    @staticmethod
    def gains(direction: np.ndarray, moves: np.ndarray) -> np.ndarray:
        """A party's ground gained (N,): its side (N, F) times each front's move, summed
        over the fronts where that is a gain."""
        return np.maximum(0.0, direction * moves).sum(axis=1)

    def _valuations(self) -> None:
        """Each party re-values continued war, then concedes (``sim.concession``): every
        party answers what the others conceded last round, so all read before any moves."""
        parties = self.agents_by_type[PartyAgent]
        parties.do("update_batna")
        last = np.stack([p.last_share for p in self.party_agents], axis=1)
        for i, party in enumerate(self.party_agents):
            party.update_aspiration(np.delete(last, i, axis=1))
        for party in self.party_agents:
            party.last_share = party.next_share

    def _proposal(self, live: np.ndarray, world: RoundWorld) -> RoundState:
        """The proposer's package where the talks are on (not paused, some package left)."""
        talking = (
            live
            & (self.paused_until < self.round)
            & self.geometry.feasible
            & self.agreements.talks_on()
        )
        batna = np.stack([p.batna for p in self.party_agents], axis=1)
        gone = self.mediator.gone if self.mediator is not None else np.zeros(self.n, dtype=bool)
        rows = np.flatnonzero(talking & ~gone)
        proposal = self.protocol.propose(rows, batna) if rows.size else self.protocol.empty()
        alone = np.flatnonzero(talking & gone)
        if alone.size:
            # the mediator has left and the parties go on with alternating offers
            own = self.bilateral.propose(alone, batna)
            proposal.x[alone] = own.x[alone]
            proposal.basis[alone] = own.basis[alone]
            if rows.size == 0:
                proposal.proposer = own.proposer
            if own.proposers is not None:  # recognised at random, replicate by replicate
                proposal.proposers = own.proposers
            elif rows.size and own.proposer is not None:
                # the mediator proposes where it stays, the rotation's proposer where it
                # left: who proposed differs by replicate (-1: the mediator)
                proposal.proposers = np.full(self.n, -1, dtype=np.int64)
                proposal.proposers[alone] = own.proposer
            if own.waiting is not None:
                proposal.waiting = own.waiting
        shape = (self.n, self.n_parties)
        now = RoundState(
            live=live,
            world=world,
            talking=talking,
            proposal=proposal,
            utility=np.zeros(shape),
            aspiration=np.stack([p.aspiration for p in self.party_agents], axis=1),
            batna=batna,
            accept=np.zeros(shape, dtype=bool),
            votes=np.full(shape, np.nan),
            failed=np.zeros(self.n, dtype=bool),
            agreed=np.zeros(self.n, dtype=bool),
            walked=np.zeros(self.n, dtype=bool),
            exited=np.zeros(self.n, dtype=bool),
        )
        # who proposed in each replicate (P: the mediator); it judges which kind is on offer
        one = self.n_parties if proposal.proposer is None else proposal.proposer
        observer = np.full(self.n, one, dtype=np.int64)
        if proposal.proposers is not None:
            observer = np.where(proposal.proposers >= 0, proposal.proposers, self.n_parties)
        now.proposed_by = observer
        # the kind of agreement on offer, and its package (deferred issues where they stand)
        self.agreements.choose(now, observer)
        self.proposal = now.proposal.x
        return now

    def _bound_by_front(self, now: RoundState) -> None:
        """An issue that tracks the front: the package cannot give back what the advancing
        side holds this round (the freeze moves with the front)."""
        if self.positions is None:
            return
        x = now.proposal.x
        for j, k in enumerate(self.front_issues):
            if not self.front_bounds_table[j]:
                continue
            # the side that gains as the line rises holds [0, front]: the package is >= front
            front = self.positions[:, j]
            x[:, k] = np.where(np.isnan(x[:, k]), x[:, k], np.maximum(x[:, k], front))

    def _responses(self, now: RoundState) -> None:
        """Each party signs a package worth at least its aspiration and its BATNA (a partial
        deal: worth its value of continued war, ``sim.agreements``) and, anticipating its
        own ratification (two-level game) where the kind on offer is voted on, whose
        expected value P·U + (1 − P)(b − L) is at least its aspiration
        (``sim.concession.signs``); a veto player must consent to a package that moves its
        issues."""
        self._bound_by_front(now)
        x = np.nan_to_num(now.proposal.x)
        # each party's value of the kind on offer and whether it is worth signing
        self.agreements.respond(now, x)
        now.sign_prob = np.ones_like(now.utility)
        worth = now.accept
        if now.proposal.waiting is not None:
            # in the parties' own protocol a package worse than one's outside option is
            # never signed (the party opts out instead: _walkouts)
            own = np.isfinite(now.proposal.waiting)
            worth &= ~(own & (now.utility < self.outside_option - OPT_OUT_TOLERANCE))
        voted = self.agreements.voted_on()
        accept = worth.copy()
        for i, party in enumerate(self.party_agents):
            if party.ratifies_always or not party.anticipates:
                continue
            rows = np.flatnonzero(worth[:, i] & voted)
            if not rows.size:
                continue
            prob = party.signing_probability(x[rows], rows)
            now.sign_prob[rows, i] = prob
            # what a failed vote costs: the rounds lost at war, at this round's cost
            loss = party.lost_rounds[rows] * party.expected_cost(np.zeros(self.n))[rows]
            accept[rows, i] = signs(
                now.utility[rows, i],
                now.aspiration[rows, i],
                now.batna[rows, i],
                prob,
                loss,
            )
        now.accept = accept

    def decided(self, accept: np.ndarray) -> np.ndarray:
        """The scenario's decision rule on the signatures (N, P): at least ``quota``
        parties sign (every party without one) and every party in ``needed`` does."""
        if self.quota >= self.n_parties:
            return np.all(accept, axis=1)
        return (np.sum(accept, axis=1) >= self.quota) & np.all(accept[:, self.needed], axis=1)

    def _ratification(self, now: RoundState) -> None:
        """Where the decision rule's signatures are given (and no veto player objects), the
        agreement is concluded: a kind without a vote takes force; otherwise each
        signatory's public votes, now or after the kind's delay. A failed vote (signed by
        the governments, rejected by a public) pauses the talks and moves every party's
        concession part of the way back (its ``rebound.failed_ratification``)."""
        t = self.round
        book = self.agreements
        signed = self.decided(now.accept) & ~book.vetoed
        self.signatories = np.where(signed[:, None], now.accept, self.signatories)
        due, vote, x, which = book.sign(signed, now.proposal.x)
        ratified = due.copy()
        failing = np.zeros((self.n, self.n_parties), dtype=bool)
        x_clean = np.nan_to_num(x)
        for i, party in enumerate(self.party_agents):
            if party.ratifies_always:
                continue
            z = self.normal_shock(f"vote.{party.name}")
            logit = party.approval_logit(x_clean) + party.vote_noise_sd * z
            now.votes[:, i] = 1.0 / (1.0 + np.exp(-logit))
            # only a signatory's public votes on what its government signed
            # (the mediator places packages on the edge of a win-set, logit = threshold:
            # a package on the edge passes, whatever the last bit of rounding says)
            short = logit < party.rat_logit_threshold - RATIFICATION_TOLERANCE
            fail = vote & self.signatories[:, i] & short
            failing[:, i] = fail
            ratified &= ~fail
        now.agreed = ratified
        ended = book.conclude(ratified, x, which)
        self._end(ended, Outcome.AGREEMENT)
        now.failed = vote & ~ratified
        self.failed_ratifications += now.failed
        self.first_signed_rejected = np.where(
            now.failed & (self.first_signed_rejected == 0), t, self.first_signed_rejected
        ).astype(np.int16)
        for i, party in enumerate(self.party_agents):
            if party.ratifies_always:
                continue
            self.paused_until = np.where(
                failing[:, i],
                np.maximum(self.paused_until, t + party.lost_rounds),
                self.paused_until,
            )
        # a rejected package moves every party part of the way back to its opening
        now.rebound = np.zeros((self.n, self.n_parties))
        for i, party in enumerate(self.party_agents):
            now.rebound[:, i] = party.rebound(now.failed, party.rebound_failed_ratification)

    def _walkouts(self, now: RoundState) -> np.ndarray:
        """A party that rejected a package far below its aspiration may walk out. Returns
        the replicates still negotiating."""
        still = now.live & ~self.agreements.ended_now
        gap = now.aspiration - now.utility
        # where several parties leave in the same round, the breakdown is put down to the
        # first to go (draw lowest relative to its hazard), whatever order they are listed in
        clock = np.full((self.n, self.n_parties), np.inf)
        for i, party in enumerate(self.party_agents):
            rejected = now.talking & still & ~now.accept[:, i]
            # a strike's backlash raises the risk (walkout_bump)
            far = gap[:, i] > party.walkout_gap
            hazard = np.where(far, party.walkout_hazard + party.walkout_bump, 0.0)
            draw = self.shock(f"walkout.{party.name}")
            out = rejected & (draw < hazard)
            clock[:, i] = np.where(out, draw / np.where(out, hazard, 1.0), np.inf)
        if now.proposal.waiting is not None:
            # opting out: a party that rejects and whose outside option beats both the
            # package and waiting for the next round takes it, before any walk-out by
            # hazard; where several do, the one that gains most by leaving
            stay = np.fmax(now.utility, now.proposal.waiting)
            margin = self.outside_option - stay
            opts = now.talking[:, None] & still[:, None] & ~now.accept
            opts &= margin > OPT_OUT_TOLERANCE
            opts &= np.isfinite(now.proposal.waiting)
            clock = np.where(opts, -margin, clock)
            self.opted_out |= np.any(opts, axis=1)
        now.walked = np.any(np.isfinite(clock), axis=1)
        self.walkout_by[now.walked] = np.argmin(clock[now.walked], axis=1)
        self._end(now.walked, Outcome.BREAKDOWN)
        self.agreements.end_talks(now.walked)
        return still & ~now.walked

    def _mediator_moves(self, now: RoundState, still: np.ndarray) -> np.ndarray:
        """The mediator presses the party it is frustrated with, and may leave once that
        pressure has failed; after its exit the talks end or go on bilaterally."""
        if self.mediator is None:
            return still
        gap = now.aspiration - now.utility
        rejected = now.talking & still & ~self.decided(now.accept)
        # the party furthest from accepting, the same for pressing and for leaving
        blocking = self.mediator.blocking_party(now.accept, gap)
        now.levers = self.mediator.press(rejected, now.accept, gap, blocking)
        negotiating = still & self.agreements.negotiating()
        now.exited = self.mediator.consider_exit(
            now.talking, now.accept, gap, negotiating, blocking
        )
        self.mediator_exit_round[now.exited] = self.round
        if self.mediator.after_exit == "bilateral":
            return still
        self._end(now.exited, Outcome.MEDIATOR_EXIT)
        self.agreements.end_talks(now.exited)
        return still & ~now.exited

    def _deadline(self, still: np.ndarray) -> np.ndarray:
        """After the last round every party knows of (``protocol.deadline``), talks that
        can still end do (breakdown, nobody walking out), as a walk-out would end them."""
        deadline = self.negotiation.deadline
        if deadline is None or self.round < deadline:
            return still
        ending = still & self.agreements.negotiating()
        self._end(ending, Outcome.BREAKDOWN)
        self.agreements.end_talks(ending)
        return still & ~ending

    def _close(self, now: RoundState, still: np.ndarray) -> None:
        """Record the round; after the last round what is left is a stalemate."""
        self.active = still
        self.agreements.record()
        if self.record:
            self.log.append(self._round_record(now, 0))
        if self.round >= self.negotiation.rounds:
            stage = self.agreements.end_state()
            self._end(self.active & (stage == SETTLEMENT), Outcome.AGREEMENT)
            self._end(self.active & (stage == CEASEFIRE), Outcome.CEASEFIRE)
            self._end(self.active & (stage != SETTLEMENT) & (stage != CEASEFIRE), Outcome.STALEMATE)
            self.end_round[self.active] = self.negotiation.rounds
            self.active[:] = False
        self.running = bool(self.active.any())

    def _end(self, ended: np.ndarray, outcome: Outcome) -> None:
        self.outcome[ended] = outcome
        self.end_round[ended] = self.round
        self.end_drift_multiplier[ended] = self.drift_multiplier[ended]
        self.end_front_multiplier[ended] = self.front_multiplier[ended]

    def run(self) -> EnsembleResult:
        """Step until every replicate has ended; return the outcomes."""
        while self.running:
            self.step()
        return self.result()

    # ---- results ---------------------------------------------------------------------
    def result(self) -> EnsembleResult:
        """Per-replicate outcomes (see ``sim.outcomes``)."""
        agreed = self.outcome == Outcome.AGREEMENT
        war = self.war_package(self.positions)
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
        net_gain = self._net_gain(agreed)
        return EnsembleResult(
            net_gain=net_gain,
            signed_rejected=self.first_signed_rejected.copy(),
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
            counters={name: c.copy() for name, c in self.counters.items()},
            failed_ratifications=self.failed_ratifications.copy(),
            pressure_used=(
                self.mediator.pressure_used.copy()
                if self.mediator is not None
                else np.zeros(self.n, dtype=np.int64)
            ),
            walkout_by=self.walkout_by.copy(),
            compromise=compromise,
            mediator_exit_round=self.mediator_exit_round.copy(),
            event_counters=self._event_counters(),
            fronts={
                f.name: self.positions[:, j].copy()
                for j, f in enumerate(self.negotiation.all_fronts)
                if j > 0 and self.positions is not None
            },
            params=self.drawn_parameters(),
            stage=self.agreements.stages(),
            start_date=self.negotiation.start_date,
            report_dates=self.negotiation.report_dates,
        )

    def _event_counters(self) -> dict[str, np.ndarray]:
        """What each event made, and each party, for replicates.csv and the summary: each
        kind's tallies (``sim.events.EventKind.tallies``) per event, ``<tally>.<event>``,
        and summed over the events each party made, ``<tally>_by.<party>``: strikes,
        offensives, aid changes; a truce's violations (``violations.<truce>``). Where any
        event can be violated, ``violations_by.<party>``: the rounds in which the party was
        seen to violate a truce or an agreement in force (they add up to ``violations``)."""
        out: dict[str, np.ndarray] = {}
        made = [(e.name, t) for e in self.events for t in e.tallies()]
        for prefix in dict.fromkeys(t.name for _, t in made):  # in registry order
            mine = [(event, t) for event, t in made if t.name == prefix]
            for event, t in mine:
                out[f"{prefix}.{event}"] = t.counts.copy()
            for i, party in enumerate(self.party_agents):
                own = [t.counts for _, t in mine if t.by == i]
                if own:
                    out[f"{prefix}_by.{party.name}"] = np.sum(own, axis=0)
        if any(e.violable for e in self.events):
            for i, party in enumerate(self.party_agents):
                out[f"violations_by.{party.name}"] = self.violations_by[:, i].copy()
        return out

    def _net_gain(self, agreed: np.ndarray) -> np.ndarray:
        """Each actor's gain at one date, the window's end (N, A): utility of the state then
        net of the cost of war paid until then.

        Where the talks ended without a deal before the window closed, the war goes on
        without talks: the front is carried forward at its expected drift (at the events'
        pace of the round the talks ended) and each party
        pays its expected cost per round (base cost and cost of its expected gains; event
        costs are not extrapolated) until the window's end. The expectation stands in for
        stepping those replicates on: the front's noise has mean zero, and stepping them
        would keep every replicate running to the window's end.
        """
        window = self.negotiation.rounds  # reporting only: the dynamics never read it
        left = np.where(agreed, 0, window - self.end_round.astype(np.int64))
        front = None if self.positions is None else self.positions.copy()
        cost = np.stack([p.accumulated_cost for p in self.party_agents], axis=1).copy()
        for r in range(1, int(left.max(initial=0)) + 1):
            going = left >= r
            move = np.zeros_like(self.moves)
            if front is not None:
                new = np.clip(front + self.expected_drifts(front, at_end=True), 0.0, 1.0)
                move = np.where(going[:, None], new - front, 0.0)
                front = front + move
            for i, p in enumerate(self.party_agents):
                gain = self.gains(p.direction, move)
                cost[:, i] += np.where(going, p.cost_per_round + p.cost_per_gain * gain, 0.0)
        war = self.war_package(front)
        end_state = np.where(agreed[:, None], np.nan_to_num(self.terms), war)
        gains = [
            np.where(
                agreed, p.shape.utility(end_state), p.shape.utility(end_state, penalties=False)
            )
            - cost[:, i]
            for i, p in enumerate(self.party_agents)
        ]
        if self.mediator is not None:
            gains.append(self.mediator.shape.utility(end_state))
        return np.stack(gains, axis=1)

    def _further_fronts(self, r: int) -> list[str]:
        """Where replicate r's further fronts stand (the record's ``front`` is the first)."""
        if self.positions is None:
            return []
        return [
            f"front {f.name} {self.positions[r, j]:.3f} ({self.moves[r, j]:+.3f})"
            for j, f in enumerate(self.negotiation.all_fronts)
            if j > 0
        ]

    def _round_record(self, now: RoundState, r: int) -> RoundRecord:
        """Replicate r's round in plain values, for the trace."""
        names = self.negotiation.party_names
        made = bool(now.talking[r])
        x = now.proposal.x[r]
        proposer = now.proposal.proposer
        if now.proposal.proposers is not None:
            proposer = int(now.proposal.proposers[r]) if now.proposal.proposers[r] >= 0 else None
        return RoundRecord(
            round=self.round,
            active=bool(self.active[r] or now.agreed[r] or now.walked[r] or now.exited[r]),
            events=tuple(note for event in self.events for note in event.notes(r))
            + tuple(self.agreements.notes(r))
            + tuple(self._further_fronts(r)),
            front=None if self.front is None else float(self.front[r]),
            move=float(self.move[r]),
            batna={n: float(now.batna[r, i]) for i, n in enumerate(names)},
            aspiration={n: float(now.aspiration[r, i]) for i, n in enumerate(names)},
            pressure={p.name: float(p.pressure[r]) for p in self.party_agents},
            costs={p.name: float(p.accumulated_cost[r]) for p in self.party_agents},
            feasible=bool(self.geometry.feasible[r]),
            paused=bool(not made and self.geometry.feasible[r]),
            proposal=tuple(float(v) for v in x) if made else None,
            proposer=None if proposer is None else names[proposer],
            basis=(
                self.bilateral
                if self.mediator is not None and self.mediator.gone[r] and not now.exited[r]
                else self.protocol
            ).explain(int(now.proposal.basis[r])),
            utility={n: float(now.utility[r, i]) for i, n in enumerate(names)} if made else {},
            accept={n: bool(now.accept[r, i]) for i, n in enumerate(names)} if made else {},
            votes={
                n: float(now.votes[r, i])
                for i, n in enumerate(names)
                if not np.isnan(now.votes[r, i])
            },
            ratification_failed=bool(now.failed[r]),
            agreed=bool(now.agreed[r]),
            walked=names[self.walkout_by[r]] if now.walked[r] else None,
            opted_out=bool(now.walked[r] and self.opted_out[r]),
            deadline=bool(
                self.round == self.negotiation.deadline
                and self.outcome[r] == Outcome.BREAKDOWN
                and self.end_round[r] == self.round
                and not now.walked[r]
            ),
            mediator_exit=bool(now.exited[r]),
            levers=tuple(name for name, used in now.levers if used[r]),
            concession={
                p.name: {k: float(v[r]) for k, v in p.last_step.in_utility(p.batna).items()}
                for p in self.party_agents
                if p.last_step is not None
            },
            sign_prob=(
                {n: float(now.sign_prob[r, i]) for i, n in enumerate(names)}
                if made and now.sign_prob is not None
                else {}
            ),
            rebound=(
                {n: float(now.rebound[r, i]) for i, n in enumerate(names) if now.rebound[r, i]}
                if now.rebound is not None
                else {}
            ),
        )


def run_replicates(scenario: Scenario, seed: int, replicates: np.ndarray) -> EnsembleResult:
    """Run the given replicates of a scenario as one ensemble."""
    model = NegotiationModel(scenario, seed=seed, replicates=replicates)
    return model.run()
