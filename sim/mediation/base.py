"""The interface of a proposal rule: how the round's package is chosen."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from sim.model import NegotiationModel


@dataclass
class Proposal:
    """The round's package for every replicate.

    ``x`` is NaN where no package was put forward; ``basis`` is the rule's own code for
    how each package was found (-1 where none), which :meth:`ProposalRule.explain` reads;
    ``proposer`` is the proposing party's index, or None when the mediator proposes.
    """

    x: np.ndarray  # (N, K)
    basis: np.ndarray  # (N,) int8
    proposer: int | None = None
    #: where the proposer differs by replicate (recognition): each one's index, -1 if none
    proposers: np.ndarray | None = None
    #: (N, P) each party's value of rejecting and waiting for the next round, where the
    #: parties' own protocol proposes and some party has an outside option (else None;
    #: NaN in rows proposed otherwise): what an opt-out is weighed against
    waiting: np.ndarray | None = None


class ProposalRule(ABC):
    """How the proposer (the mediator, or a party without one) chooses the package."""

    name: ClassVar[str]  # the scenario's ``proposal.rule`` value

    def __init__(self, model: NegotiationModel) -> None:
        self.model = model

    @abstractmethod
    def propose(self, rows: np.ndarray, batna: np.ndarray) -> Proposal:
        """The package for the replicates in ``rows`` (indices), given each party's
        true BATNA (N, P); the rule sees them through its own beliefs."""

    def explain(self, basis: int) -> str:
        """The trace's words for a basis code."""
        return ""

    def empty(self) -> Proposal:
        """No package anywhere."""
        model = self.model
        return Proposal(np.full((model.n, model.k), np.nan), np.full(model.n, -1, dtype=np.int8))
