"""The agreements of every replicate: which kind is proposed, how parties value a partial
deal, signing and the vote (after its delay), veto players, what an agreement in force
changes in the world, and its collapse.

:class:`AgreementBook` is held by the model (``model.agreements``) and called from the
phases of a round:

- events and world (:meth:`AgreementBook.world`): after the events act, a violation
  (a strike or an offensive by either side under a ceasefire) is marked, the agreement in
  force may collapse (the war resumes where it stood; the talks go on), and what holds
  slows the front and the costs;
- proposal (:meth:`AgreementBook.talks_on`, :meth:`AgreementBook.choose`): talks go on
  while a wider kind than the one in force is left and no vote is pending; the proposer's
  rule picks the kind and the package keeps the deferred issues where they stand;
- responses (:meth:`AgreementBook.respond`): a party accepts a settlement of every issue as
  before (worth its aspiration and its BATNA), a partial deal when its value (the settled
  issues plus the deferred ones where they stand, less the costs that go on) is worth its
  value of continued war; a veto player must accept a package that moves its issues;
- ratification (:meth:`AgreementBook.sign`, :meth:`AgreementBook.conclude`): a kind without
  a vote takes force; a vote waits until a ceasefire has held ``vote_delay`` rounds
  (signing starts one if none holds);
- close (:meth:`AgreementBook.record`): the round's stage per replicate
  (:mod:`sim.agreements.stages`).

With one kind that settles every issue, no vote delay and no collapse hazard (a scenario
without an ``agreements`` section), every step reduces to the first version's: the same
package, the same acceptance, the same votes on the same random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.agreements import stages as st
from sim.agreements.spec import ALL, AgreementKind, default_agreements

if TYPE_CHECKING:
    from sim.events import RoundWorld
    from sim.model import NegotiationModel
    from sim.rounds import RoundState

NONE = -1


@dataclass
class KindState:
    """One kind of agreement, with its parameters drawn per replicate."""

    spec: AgreementKind
    index: int
    settled: np.ndarray  # (K,) bool
    full: bool  # settles every issue
    stage: int  # the stage it puts a replicate in: SETTLEMENT, CEASEFIRE or TRUCE
    fighting: np.ndarray  # (N,)
    cost: np.ndarray  # (N,)
    stops: dict[str, np.ndarray]  # strike event -> probability while in force
    ratified: bool
    delay: np.ndarray  # (N,) rounds of ceasefire before the vote
    hazard: np.ndarray  # (N,) base hazard times its multipliers
    per_violation: np.ndarray  # (N,)

    @property
    def rank(self) -> tuple[int, int]:
        """Wider kinds first: a settlement over a ceasefire over a truce, then issues."""
        return (self.stage, int(self.settled.sum()))


class _InForce:
    """What a strike event asks a truce: is it in force this round (per replicate)?"""

    def __init__(self, book: AgreementBook, kind: int) -> None:
        self.book, self.kind = book, kind

    def in_window(self, t: int) -> np.ndarray:
        return self.book.in_force == self.kind


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two float arrays hold the very same numbers, bit for bit (0.0 and -0.0,
    or two NaNs, are not told apart by ``==``)."""
    return a.shape == b.shape and bool(np.all(a.view(np.uint64) == b.view(np.uint64)))


class AgreementBook:
    """The staged agreements of every replicate of a model."""

    def __init__(self, model: NegotiationModel) -> None:
        self.model = model
        spec = model.negotiation.agreements or default_agreements()
        self.choice = spec.choice
        issues = model.negotiation.issue_names
        n, p = model.n, model.param
        self.kinds: list[KindState] = []
        for i, k in enumerate(spec.kinds):
            path = f"agreements.kinds.{k.name}"
            settled = np.array(
                [k.settles == ALL or name in k.settles for name in issues], dtype=bool
            )
            full = bool(settled.all())
            fighting = p(f"{path}.fighting", 0.0)
            hazard = p(f"{path}.collapse.hazard", 0.0).copy()
            for name in k.collapse.multipliers:
                hazard = hazard * p(f"{path}.collapse.multipliers.{name}")
            stage = st.SETTLEMENT if full else (st.CEASEFIRE if k.fighting != 1.0 else st.TRUCE)
            self.kinds.append(
                KindState(
                    spec=k,
                    index=i,
                    settled=settled,
                    full=full,
                    stage=stage,
                    fighting=fighting,
                    cost=p(f"{path}.cost", 0.0),
                    stops={e: p(f"{path}.stops.{e}") for e in k.stops},
                    ratified=k.ratified and any(not a.ratifies_always for a in model.party_agents),
                    delay=np.rint(p(f"{path}.vote_delay", 0.0)),
                    hazard=hazard,
                    per_violation=p(f"{path}.collapse.per_violation", 1.0),
                )
            )
        self.single = len(self.kinds) == 1 and self.kinds[0].full
        self.widest = max(k.rank for k in self.kinds)
        ceasefires = [k.index for k in self.kinds if k.stage == st.CEASEFIRE]
        self.interim = ceasefires[0] if ceasefires else NONE
        # veto players: ideal and salience on their issues, tolerance
        self.vetoes = []
        for v in spec.veto_players:
            path = f"agreements.veto_players.{v.name}"
            idx = np.array([issues.index(k) for k in v.ideal], dtype=np.int64)
            ideal = np.stack([p(f"{path}.ideal.{k}") for k in v.ideal], axis=1)
            raw = np.stack([p(f"{path}.salience.{k}", 0.0) for k in v.ideal], axis=1)
            sal = raw / np.maximum(raw.sum(axis=1, keepdims=True), 1e-300)
            self.vetoes.append((v.label or v.name, idx, ideal, sal, p(f"{path}.tolerance")))
        # state, per replicate
        self.in_force = np.full(n, NONE, dtype=np.int64)  # the kind in force
        self.in_force_stage = np.full(n, st.WAR, dtype=np.int8)
        self.since = np.zeros(n)  # the round it took force
        self.pending = np.full(n, NONE, dtype=np.int64)  # a signed kind awaiting its vote
        self.pending_x = np.full((n, model.k), np.nan)
        self.final = np.full(n, NONE, dtype=np.int8)  # the stage a finished replicate keeps
        self.stage = np.zeros((n, model.negotiation.rounds), dtype=np.int8)
        for kind in self.kinds:
            if kind.spec.in_force_at_start:
                self.in_force[:] = kind.index
                self.in_force_stage[:] = kind.stage
        self.fighting = np.ones(n)  # this round's share of the front's movement
        self.kind_now = np.full(n, NONE, dtype=np.int64)  # the kind proposed this round
        self.vetoed = np.zeros(n, dtype=bool)
        self.vetoed_by: list[np.ndarray] = [np.zeros(n, dtype=bool) for _ in self.vetoes]
        self.violations = np.zeros(n, dtype=np.int64)  # this round, under an agreement
        self.collapsed = np.zeros(n, dtype=bool)  # this round
        self.took_force = np.full(n, NONE, dtype=np.int64)  # kind that took force this round
        self.waiting = np.zeros(n, dtype=bool)  # signed this round, vote later
        # each kind's package and its values to the parties as choose() judged them, and
        # the round: respond() reuses the values on the rows offered that very package
        self._valued: tuple[int, dict[int, tuple[np.ndarray, np.ndarray]]] = (0, {})
        self.ended_now = np.zeros(n, dtype=bool)  # a settlement that ends the replicate

    # ---- wiring ----------------------------------------------------------------------
    def link(self) -> None:
        """Cover the strike events each kind stops, like a truce does."""
        from sim.events.strike import StrikeEvent

        strikes = {e.name: e for e in self.model.events if isinstance(e, StrikeEvent)}
        for kind in self.kinds:
            for name, prob in kind.stops.items():
                strikes[name].cover(_InForce(self, kind.index), prob)  # type: ignore[arg-type]

    # ---- events and world ------------------------------------------------------------
    def world(self, world: RoundWorld, live: np.ndarray) -> None:
        """Violations under an agreement; collapse; what holds slows the war."""
        m = self.model
        self.collapsed = np.zeros(m.n, dtype=bool)
        self.took_force = np.full(m.n, NONE, dtype=np.int64)
        self.waiting = np.zeros(m.n, dtype=bool)
        held = live & (self.in_force != NONE)
        if not held.any():
            self.fighting = np.ones(m.n)
            self.violations = np.zeros(m.n, dtype=np.int64)
            return
        from sim.events import VIOLATIONS
        from sim.events.strike import StrikeEvent

        halted = held & (self.in_force_stage != st.TRUCE)
        before = world.violator.copy()
        for e in m.events:
            if isinstance(e, StrikeEvent):
                world.violator[:, e.by] |= e.struck & halted
        # strikes under a ceasefire are violations too (a truce marks only those it covers)
        m.counters[VIOLATIONS] += (world.violator & ~before).sum(axis=1)
        offensive = halted & ((m.drift_multiplier > 1.0) | (m.front_multiplier > 1.0).any(axis=1))
        self.violations = np.where(held, world.violator.sum(axis=1) + offensive, 0)
        k = np.maximum(self.in_force, 0)
        hazard = np.zeros(m.n)
        per_violation = np.ones(m.n)
        for kind in self.kinds:
            on = self.in_force == kind.index
            hazard = np.where(on, kind.hazard, hazard)
            per_violation = np.where(on, kind.per_violation, per_violation)
        h = np.clip(hazard * per_violation**self.violations, 0.0, 1.0)
        self.collapsed = held & (m.shock("collapse") < h)
        self._collapse(self.collapsed)
        # what holds this round: the front and the costs
        fighting, cost = np.ones(m.n), np.ones(m.n)
        for kind in self.kinds:
            on = live & (self.in_force == kind.index)
            fighting = np.where(on, kind.fighting, fighting)
            cost = np.where(on, kind.cost, cost)
        del k
        self.fighting = fighting
        m.drift_multiplier = m.drift_multiplier * fighting
        for party in m.party_agents:
            party.cost_multiplier = party.cost_multiplier * cost

    def _collapse(self, rows: np.ndarray) -> None:
        if not rows.any():
            return
        m = self.model
        # the war resumes for this round: nothing is signed in the round of a collapse
        m.paused_until = np.where(rows, np.maximum(m.paused_until, m.round), m.paused_until)
        self.in_force[rows] = NONE
        self.in_force_stage[rows] = st.WAR
        self.pending[rows] = NONE
        m.terms[rows] = np.nan
        # a settlement that collapses is no longer the end of the story
        m.end_round[rows] = m.negotiation.rounds

    # ---- proposal --------------------------------------------------------------------
    def talks_on(self) -> np.ndarray:
        """Where a wider kind than the one in force is left and no vote is pending."""
        if self.single:
            return self.in_force == NONE
        wider = np.ones(self.model.n, dtype=bool)
        for kind in self.kinds:
            if kind.rank == self.widest:
                wider &= self.in_force != kind.index
        return wider & (self.pending == NONE)

    def status_quo(self) -> np.ndarray:
        """Where the issues stand: the front line on its issue, ``under_war`` elsewhere."""
        return self.model.war_package(self.model.positions)

    def package(self, kind: KindState, x: np.ndarray) -> np.ndarray:
        """A kind's package: the proposal on the issues it settles, the rest where they
        stand (deferred)."""
        if kind.full:
            return x
        return np.where(kind.settled[None, :], x, self.status_quo())

    def choose(self, now: RoundState, observer: int | np.ndarray) -> None:
        """Pick the kind each talking replicate is offered and make its package.

        ``widest_acceptable``: among the kinds wider than the one in force, the widest the
        proposer expects every party (and veto player) to accept, judged on its estimates
        of their values of war (``observer``: its column of the belief errors) and, for a
        settlement, on the demands they state at the table (their aspirations); else the
        widest. ``in_order``: the first such kind in the order the scenario lists them."""
        m = self.model
        talking = now.talking
        self.kind_now = np.where(talking, 0, NONE)
        valued: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._valued = (m.round, valued)
        if self.single or not talking.any():
            return
        x = now.proposal.x
        current = np.array([(-1, -1)] * 0)
        del current
        rank_now = np.full(m.n, -1)
        for kind in self.kinds:
            rank_now = np.where(
                self.in_force == kind.index, kind.stage * 100 + kind.rank[1], rank_now
            )
        candidates = [k for k in self.kinds]
        x_clean = np.nan_to_num(x)
        packages: dict[int, np.ndarray] = {}  # each kind's package, by kind index, once made
        if self.choice == "in_order":
            chosen = np.full(m.n, NONE)
            for kind in candidates:
                ok = (kind.stage * 100 + kind.rank[1] > rank_now) & (chosen == NONE)
                chosen = np.where(ok, kind.index, chosen)
        else:
            # one observer, or each replicate's own (a proposer recognised at random)
            seen = now.batna + m.belief_error[:, observer, np.arange(m.n)].T
            chosen = np.full(m.n, NONE)
            fallback = np.full(m.n, NONE)
            for kind in sorted(candidates, key=lambda k: (-k.rank[0], -k.rank[1], k.index)):
                wider = kind.stage * 100 + kind.rank[1] > rank_now
                fallback = np.where(wider & (fallback == NONE), kind.index, fallback)
                xk = packages[kind.index] = self.package(kind, x_clean)
                values = self.values(kind, xk)
                valued[kind.index] = (xk, values)
                enough = values >= seen - 1e-12
                if kind.full:
                    # a settlement must also meet the demands the parties state at the table
                    enough &= values >= now.aspiration - 1e-12
                expected = np.all(enough, axis=1) & self.veto_ok(xk)
                chosen = np.where(wider & expected & (chosen == NONE), kind.index, chosen)
            chosen = np.where(chosen == NONE, fallback, chosen)
        self.kind_now = np.where(talking, chosen, NONE)
        out = x.copy()
        for kind in self.kinds:
            rows = self.kind_now == kind.index
            if rows.any() and not kind.full:
                if kind.index not in packages:
                    packages[kind.index] = self.package(kind, x_clean)
                out[rows] = packages[kind.index][rows]
        now.proposal.x = np.where(talking[:, None], out, np.nan)
        now.talking = talking & (self.kind_now != NONE)

    # ---- responses -------------------------------------------------------------------
    def values(self, kind: KindState, x: np.ndarray) -> np.ndarray:
        """Each party's value of a kind's package (N, P): a settlement's utility; for a
        partial deal, the settled issues (with their red lines) and the deferred ones where
        they stand, less the cost of war that goes on while it holds, over the party's
        horizon."""
        m = self.model
        if kind.full:
            return np.stack([a.shape.utility(x) for a in m.party_agents], axis=1)
        cols = []
        drift = m.expected_drifts()
        for a in m.party_agents:
            s = a.shape
            xa = x
            for j, f in enumerate(m.front_issues):
                if kind.settled[f] or m.positions is None:
                    continue
                # where fighting goes on under the deal, the deferred front moves as in war
                ahead = np.clip(m.positions[:, j] + kind.fighting * drift[:, j] * a.horizon, 0, 1)
                xa = xa.copy() if xa is x else xa
                xa[:, f] = ahead
            u = s.utility(xa, penalties=False)
            if s.line_issue.size:
                on = kind.settled[s.line_issue]
                viol = np.maximum(0.0, s.line_sign * (x[:, s.line_issue] - s.line_bound))
                u = u - (s.line_penalty * viol * on).sum(axis=1)
            going_on = a.cost_per_round * a.cost_multiplier * kind.cost + a.extra_cost * kind.cost
            cols.append(u - going_on * a.discounted_rounds)
        return np.stack(cols, axis=1)

    def veto_ok(self, x: np.ndarray) -> np.ndarray:
        """Whether every veto player accepts each package (N,): it does where the package
        leaves its issues where they stand, or lies within its tolerance on them."""
        ok = np.ones(self.model.n, dtype=bool)
        if not self.vetoes:
            return ok
        sq = self.status_quo()
        for j, (_, idx, ideal, sal, tol) in enumerate(self.vetoes):
            xs = x[:, idx]
            moves = np.any(np.abs(xs - sq[:, idx]) > 1e-9, axis=1)
            loss = (sal * np.abs(xs - ideal)).sum(axis=1)
            fine = ~moves | (loss <= tol + 1e-12)
            self.vetoed_by[j] = ~fine
            ok &= fine
        return ok

    def respond(self, now: RoundState, x: np.ndarray | None = None) -> None:
        """Each party's value of the package and its answer; veto players' consent.
        ``x``: the package with no NaN (``np.nan_to_num`` of the proposal), if the caller
        has it already."""
        m = self.model
        x = np.nan_to_num(now.proposal.x) if x is None else x
        if self.single:
            now.utility = np.stack([p.shape.utility(x) for p in m.party_agents], axis=1)
            now.accept = (
                now.talking[:, None]
                & (now.utility >= now.aspiration - 1e-12)
                & (now.utility >= now.batna - 1e-12)
            )
        else:
            utility = np.zeros((m.n, m.n_parties))
            accept = np.zeros((m.n, m.n_parties), dtype=bool)
            # the values choose() found this round, where these rows hold the package it
            # valued (values are row by row, and nothing they read has moved since: only
            # the package may have, bounded by the front)
            valued = self._valued[1] if self._valued[0] == m.round else {}
            for kind in self.kinds:
                rows = now.talking & (self.kind_now == kind.index)
                if not rows.any():
                    continue
                judged = valued.get(kind.index)
                if judged is not None and _same_bits(x[rows], judged[0][rows]):
                    v = judged[1]
                else:
                    v = self.values(kind, x)
                utility = np.where(rows[:, None], v, utility)
                if kind.full:
                    yes = (v >= now.aspiration - 1e-12) & (v >= now.batna - 1e-12)
                else:
                    yes = v >= now.batna - 1e-12
                accept = np.where(rows[:, None], yes, accept)
            now.utility = utility
            now.accept = now.talking[:, None] & accept
        self.vetoed = now.talking & ~self.veto_ok(x) if self.vetoes else np.zeros(m.n, dtype=bool)

    def voted_on(self) -> np.ndarray:
        """Where the kind on offer goes to the publics' vote (N,)."""
        if self.single:
            return np.ones(self.model.n, dtype=bool)
        out = np.zeros(self.model.n, dtype=bool)
        for kind in self.kinds:
            if kind.ratified:
                out |= self.kind_now == kind.index
        return out

    # ---- signing and votes -----------------------------------------------------------
    def sign(
        self, signed: np.ndarray, x: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Packages signed this round, and pending ones whose delay is over.

        Returns (due, vote, package, kind): the replicates where an agreement is concluded
        this round if its vote passes (or without a vote), those whose publics vote, the
        package and its kind. A vote that must wait starts the interim ceasefire if none
        holds."""
        m, t = self.model, self.model.round
        if self.single:
            kind = self.kinds[0]
            if not (kind.delay > 0).any():
                which = np.where(signed, 0, NONE)
                return signed, signed if kind.ratified else np.zeros_like(signed), x, which
        due = np.zeros(m.n, dtype=bool)
        vote = np.zeros(m.n, dtype=bool)
        which = np.full(m.n, NONE, dtype=np.int64)
        package = np.where(signed[:, None], x, self.pending_x)
        for kind in self.kinds:
            rows = signed & (self.kind_now == kind.index) if not self.single else signed
            if not rows.any():
                continue
            if not kind.ratified:
                due |= rows
                which = np.where(rows, kind.index, which)
                continue
            held = (self.in_force_stage == st.CEASEFIRE) & (t - self.since >= kind.delay)
            now_due = rows & (held | (kind.delay <= 0))
            due |= now_due
            vote |= now_due
            which = np.where(now_due, kind.index, which)
            wait = rows & ~now_due
            if wait.any():
                self.pending = np.where(wait, kind.index, self.pending)
                self.pending_x = np.where(wait[:, None], x, self.pending_x)
                self.waiting |= wait
                start = wait & (self.in_force_stage != st.CEASEFIRE)
                if start.any():
                    interim = self.kinds[self.interim] if self.interim != NONE else kind
                    self._take_force(start, interim, x, stage=st.CEASEFIRE)
        # pending votes whose ceasefire has now held long enough
        for kind in self.kinds:
            waiting = (self.pending == kind.index) & ~signed
            if not waiting.any():
                continue
            ready = waiting & (self.in_force_stage == st.CEASEFIRE) & (t - self.since >= kind.delay)
            due |= ready
            vote |= ready
            which = np.where(ready, kind.index, which)
        self.pending = np.where(due, NONE, self.pending)
        return due, vote, package, which

    def _take_force(
        self, rows: np.ndarray, kind: KindState, x: np.ndarray, stage: int | None = None
    ) -> None:
        m = self.model
        self.in_force = np.where(rows, kind.index, self.in_force)
        self.in_force_stage = np.where(
            rows, kind.stage if stage is None else stage, self.in_force_stage
        ).astype(np.int8)
        self.since = np.where(rows, m.round, self.since)
        self.took_force = np.where(rows, kind.index, self.took_force)
        if stage is None:
            settled = np.where(kind.settled[None, :], x, np.nan)
            m.terms = np.where(rows[:, None], settled, m.terms)

    def conclude(self, ratified: np.ndarray, package: np.ndarray, which: np.ndarray) -> np.ndarray:
        """The packages ratified this round take force; returns the replicates that end
        here (a settlement that cannot collapse: nothing is left to happen)."""
        ended = np.zeros(self.model.n, dtype=bool)
        for kind in self.kinds:
            rows = ratified & (which == kind.index)
            if not rows.any():
                continue
            self._take_force(rows, kind, package)
            if kind.full:
                final = rows & (kind.hazard <= 0.0)
                ended |= final
        self.final = np.where(ended, st.SETTLEMENT, self.final).astype(np.int8)
        self.ended_now = ended
        return ended

    # ---- close -----------------------------------------------------------------------
    def end_talks(self, rows: np.ndarray) -> None:
        """The talks left (a walk-out, the mediator's exit that ends them)."""
        self.final = np.where(rows & (self.final == NONE), st.OVER, self.final).astype(np.int8)

    def record(self) -> None:
        """The round's stage of every replicate."""
        t = self.model.round
        if t <= self.stage.shape[1]:
            self.stage[:, t - 1] = np.where(self.final != NONE, self.final, self.in_force_stage)

    def stages(self) -> np.ndarray:
        """The stages (N, R), rounds never stepped filled with the stage that holds."""
        out = self.stage.copy()
        t = self.model.round
        if t < out.shape[1]:
            fill = np.where(self.final != NONE, self.final, self.in_force_stage)
            out[:, t:] = fill[:, None]
        return out

    def negotiating(self) -> np.ndarray:
        """Where the talks can still end (no settlement in force)."""
        return self.in_force_stage != st.SETTLEMENT

    def end_state(self) -> np.ndarray:
        """The stage in force at the window's end (N,)."""
        return self.in_force_stage

    # ---- trace -----------------------------------------------------------------------
    def notes(self, r: int) -> list[str]:
        """What the agreements did in the last round to replicate r, in plain words."""
        out = []
        t = self.model.round
        if self.collapsed[r]:
            v = int(self.violations[r])
            why = f" ({v} violation{'s' if v != 1 else ''} this round)" if v else ""
            out.append(f"the agreement in force collapsed{why}: the war resumes where it stood")
        elif self.violations[r]:
            out.append(
                f"{int(self.violations[r])} violation(s) of the agreement in force; it holds"
            )
        for j, (label, *_rest) in enumerate(self.vetoes):
            if self.vetoed_by[j][r] and self.kind_now[r] != NONE:
                out.append(f"{label} vetoes the package")
        offer = int(self.kind_now[r])
        if offer != NONE and not self.single:
            kind = self.kinds[offer]
            deferred = [
                n
                for n, s in zip(self.model.negotiation.issue_names, kind.settled, strict=True)
                if not s
            ]
            rest = (
                f" (deferred, valued where they stand: {', '.join(deferred)})" if deferred else ""
            )
            out.append(f"on offer: {kind.spec.label}{rest}")
        k = int(self.took_force[r])
        if k != NONE and not self.single:
            kind = self.kinds[k]
            if self.waiting[r]:
                pend = self.kinds[int(self.pending[r])] if self.pending[r] != NONE else kind
                out.append(
                    f"{pend.spec.label} signed; the vote waits for a ceasefire of "
                    f"{int(pend.delay[r])} rounds, which starts now"
                )
            else:
                out.append(f"{kind.spec.label} signed: in force from round {t + 1}")
        elif self.waiting[r]:
            pend = self.kinds[int(self.pending[r])]
            out.append(
                f"{pend.spec.label} signed; the vote waits until the ceasefire has held "
                f"{int(pend.delay[r])} rounds"
            )
        return out
