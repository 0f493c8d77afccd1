"""Mediation: the proposal rules, chosen by the scenario's ``proposal.rule``.

To add a rule, write its module (a subclass of :class:`ProposalRule`) and list its class
in ``PROPOSAL_RULES`` (see ``docs/development.md``). The mediator's other moves, its
levers and its exit, are methods of :class:`sim.agents.MediatorAgent`.
"""

from __future__ import annotations

from sim.mediation.alternating import AlternatingOffers
from sim.mediation.base import Proposal, ProposalRule
from sim.mediation.nash import NashRule

# the mediator's rules, by their name in the scenario
PROPOSAL_RULES: dict[str, type[ProposalRule]] = {rule.name: rule for rule in (NashRule,)}

__all__ = ["PROPOSAL_RULES", "AlternatingOffers", "NashRule", "Proposal", "ProposalRule"]
