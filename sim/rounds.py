"""What one round did: the arrays the phases of a round pass on, and the plain record of
one replicate's round that the trace reads."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.events import RoundWorld
from sim.mediation import Proposal


@dataclass
class RoundState:
    """One round over every replicate, filled in phase by phase (arrays of shape (N,) or
    (N, P) for P parties)."""

    live: np.ndarray  # bool: still negotiating at the start of the round
    world: RoundWorld
    talking: np.ndarray  # bool: a package is put forward
    proposal: Proposal
    utility: np.ndarray  # (N, P) each party's value of the package
    aspiration: np.ndarray  # (N, P)
    batna: np.ndarray  # (N, P)
    accept: np.ndarray  # (N, P) bool
    votes: np.ndarray  # (N, P) approval, NaN where no vote
    failed: np.ndarray  # bool: signed, then rejected by a public
    agreed: np.ndarray  # bool
    walked: np.ndarray  # bool: a party walked out
    exited: np.ndarray  # bool: the mediator left
    levers: list[tuple[str, np.ndarray]] = field(default_factory=list)  # (lever, used)
    # (N, P) each government's expected chance the package passes at home (1: no vote)
    sign_prob: np.ndarray | None = None
    # (N, P) change of each party's conceded share from a failed vote (<= 0)
    rebound: np.ndarray | None = None
    # (N,) who put each replicate's package forward: a party's index, P for the mediator
    proposed_by: np.ndarray | None = None

    @property
    def all_accept(self) -> np.ndarray:
        return np.all(self.accept, axis=1)


@dataclass(frozen=True)
class RoundRecord:
    """One replicate's round in plain values (``negsim trace``)."""

    round: int
    active: bool  # negotiating during this round
    events: tuple[str, ...]  # what the events did, in plain words
    front: float | None  # front line after its move (None without one)
    move: float
    batna: dict[str, float]
    aspiration: dict[str, float]
    pressure: dict[str, float]
    costs: dict[str, float]  # accumulated cost of war
    feasible: bool  # absolute red lines leave some package
    paused: bool  # no package although one is feasible (after a failed ratification)
    proposal: tuple[float, ...] | None
    proposer: str | None  # the proposing party, None for the mediator
    basis: str  # how the mediator's rule found the package, in words
    utility: dict[str, float]  # empty without a proposal
    accept: dict[str, bool]  # empty without a proposal
    votes: dict[str, float]  # public approval, for the parties that vote
    ratification_failed: bool
    agreed: bool
    walked: str | None  # the party that walked out
    mediator_exit: bool
    levers: tuple[str, ...]  # levers the mediator used
    # the fall of each party's aspiration this round, by concession channel (utility units)
    concession: dict[str, dict[str, float]] = field(default_factory=dict)
    sign_prob: dict[str, float] = field(default_factory=dict)  # expected P(passes at home)
    rebound: dict[str, float] = field(default_factory=dict)  # conceded share moved back
    opted_out: bool = False  # ``walked`` took its outside option
    deadline: bool = False  # the talks ended at the deadline every party knew of
