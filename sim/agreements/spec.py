"""What a scenario declares about agreements: the kinds that can be made, the rule that
picks which kind is proposed, veto players, and the calendar.

A kind settles some issues (``settles``) and defers the rest; while in force it changes
the world (``fighting``: the share of the front's movement that goes on; ``cost``: the
share of each party's cost of war; ``stops``: strike events and their probability while
it holds); it may need the publics' votes, after a delay counted in rounds of ceasefire;
and it can collapse with a per-round hazard (``collapse``). Nothing here names a country.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sim.distributions import Param

ALL = "all"  # ``settles: all``
CHOICES = ("widest_acceptable", "in_order")


@dataclass(frozen=True)
class Collapse:
    """How an agreement in force ends: a per-round ``hazard``, times each of the named
    ``multipliers`` (monitoring, peacekeepers, guarantees: below 1 lowers it), times
    ``per_violation`` for each violation in the round (a strike or an offensive by either
    side, a salient truce violation)."""

    hazard: Param = 0.0
    multipliers: Mapping[str, Param] = field(default_factory=dict)
    per_violation: Param = 1.0


@dataclass(frozen=True)
class AgreementKind:
    """One kind of agreement the parties can sign."""

    name: str
    label: str = ""
    settles: tuple[str, ...] | str = ALL  # issue names, or "all"
    fighting: Param = 0.0  # share of the front's drift and noise that goes on while in force
    cost: Param = 0.0  # share of each party's per-round cost of war while in force
    stops: Mapping[str, Param] = field(default_factory=dict)  # strike event -> its probability
    ratified: bool = True  # the parties' publics vote on it (parties with a ratification)
    vote_delay: Param = 0.0  # rounds of ceasefire before the vote
    collapse: Collapse = field(default_factory=Collapse)
    in_force_at_start: bool = False  # signed before round 1 (an agreement already holding)


@dataclass(frozen=True)
class VetoPlayer:
    """An actor whose consent is needed on some issues: it accepts a package that leaves
    those issues where they are, or whose salience-weighted distance from its ideal on
    them is at most ``tolerance``."""

    name: str
    label: str = ""
    ideal: Mapping[str, Param] = field(default_factory=dict)
    salience: Mapping[str, Param] = field(default_factory=dict)
    tolerance: Param = 0.0


@dataclass(frozen=True)
class Agreements:
    """The scenario's ``agreements`` section."""

    choice: str = "widest_acceptable"
    kinds: tuple[AgreementKind, ...] = ()
    veto_players: tuple[VetoPlayer, ...] = ()


def default_agreements() -> Agreements:
    """Without an ``agreements`` section: one kind, a settlement of every issue, ratified
    in the round it is signed and never collapsing (the first version's only deal)."""
    return Agreements(kinds=(AgreementKind(name="settlement", label="settlement"),))
