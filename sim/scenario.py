"""The scenario: an immutable, validated description of one negotiation.

The dataclasses are flatter than the file. A parameter's path here (as in
:meth:`Scenario.parameters` and the columns of ``replicates.csv``) is its path in the file
except where the file nests what a dataclass keeps flat: a mediator's ``proposal``,
``pressure``, ``deadline`` and ``violations`` mappings (``actors.m.pressure.budget`` in the
file is ``Mediator.budget``, ``actors.m.budget`` here; ``violations.lag`` is
``response_lag``; ``deadline.round`` is ``deadline``), a strike's ``backlash``
(``backlash.duration`` is ``backlash_duration``), a red line's ``min:``/``max:``
(``kind`` and ``bound``), and the top level's ``world.front_line`` and
``protocol.first_proposer``. The schema in :mod:`sim.loader.schema` declares each key once
with the field it fills (``Key.attr``, ``Key.inline``); building, dumping, ``--set`` and
:func:`sim.loader.yaml_key_path` all read that declaration. Numeric fields hold a
:data:`~sim.distributions.Param`: a number, or a distribution that each replicate draws
from. Nothing here names a country: actors, issues and events are data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Protocol

from sim.agreements.spec import Agreements
from sim.distributions import Param, is_distribution
from sim.readings import ParameterSample, Reading

LOSSES = ("linear", "quadratic")
STRATEGIES = ("boulware", "conceder", "linear", "none")


@dataclass(frozen=True)
class Citation:
    """A quote from a file under ``seeds/`` that supports a value at ``key_path``."""

    key_path: str
    quote: str
    line: int | None = field(default=None, compare=False)  # where, not what


@dataclass(frozen=True)
class Judgement:
    """A value at ``key_path`` marked as the author's judgement, with its reason (no
    quote supports it)."""

    key_path: str
    reason: str
    line: int | None = field(default=None, compare=False)  # where, not what


@dataclass(frozen=True)
class Issue:
    """One dimension of the package space [0, 1]: what 0 and 1 mean.

    ``under_war`` is the value continued war gives this issue (e.g. 0 for recognition,
    which war cannot give); the front-line issue takes the projected front line instead.
    """

    name: str
    zero: str
    one: str
    under_war: Param = 0.0


@dataclass(frozen=True)
class RedLine:
    """A bound on one issue: ``min`` (x >= bound) or ``max`` (x <= bound).

    An absolute red line is never accepted. A soft one costs ``penalty`` utility per unit
    of violation (a hinge), which keeps utilities concave and the Nash problem well posed.
    """

    issue: str
    kind: str  # "min" or "max"
    bound: Param
    penalty: Param = 0.0
    absolute: bool = False

    @property
    def min(self) -> Param | None:
        """The bound as the file writes it (``min:``), or None for a ``max`` line."""
        return self.bound if self.kind == "min" else None

    @property
    def max(self) -> Param | None:
        """The bound as the file writes it (``max:``), or None for a ``min`` line."""
        return self.bound if self.kind == "max" else None


@dataclass(frozen=True)
class War:
    """What continued war is worth to a party (its BATNA), recomputed each round."""

    cost_per_round: Param = 0.0
    cost_per_gain: Param = 0.0
    horizon: Param = 13.0
    optimism: Param = 0.0


@dataclass(frozen=True)
class ConcessionWeights:
    """Weights of the three concession tactics (normalised per replicate to sum 1)."""

    time: Param = 1.0
    resource: Param = 0.0
    behaviour: Param = 0.0


@dataclass(frozen=True)
class FrontConcession:
    """How an adverse front trend speeds concession: h_F = 1 − exp(−sensitivity·trend)."""

    sensitivity: Param = 0.0
    halflife: Param = 2.0  # rounds, of the moving average of the party's front gains


@dataclass(frozen=True)
class Rebound:
    """How far a failure moves the conceded share back towards the opening (0 to 1)."""

    failed_ratification: Param = 0.5


# the believed deadline when a scenario gives none: a fixed number of rounds (one year of
# two-week rounds), never the simulated window
DEFAULT_BELIEVED_DEADLINE = 26.0


@dataclass(frozen=True)
class Concession:
    """How a party concedes (``sim.concession``): time-dependent (Faratin–Sierra–Jennings,
    beta < 1 Boulware, > 1 Conceder; ``deadline`` is the round by which the party BELIEVES
    it must reach its BATNA), resource-dependent (cost of war against ``cost_tolerance``;
    adverse front trend) and behaviour-dependent (``reciprocity``), mixed by ``weights``."""

    strategy: str = "boulware"
    beta: Param = 0.3
    deadline: Param = DEFAULT_BELIEVED_DEADLINE
    initial: Param = 0.0
    weights: ConcessionWeights = field(default_factory=ConcessionWeights)
    cost_tolerance: Param = 1.0
    front: FrontConcession = field(default_factory=FrontConcession)
    reciprocity: Param = 0.0
    rebound: Rebound = field(default_factory=Rebound)


@dataclass(frozen=True)
class Walkout:
    """A party walks out with probability ``hazard`` when its aspiration exceeds the
    utility of what is on the table by more than ``gap``."""

    gap: Param = 0.5
    hazard: Param = 0.0


@dataclass(frozen=True)
class Ratification:
    """Domestic approval: logit(approval) = intercept + sum_k coefficients[k] * x_k.

    A package ratifies when approval (plus vote noise on the logit scale) reaches the
    threshold. A failed vote costs ``lost_rounds`` rounds without talks (and moves every
    party's concession back by its ``concession.rebound.failed_ratification``). If
    ``anticipate``, the government signs only what it expects to carry at home
    (``sim.concession.signs``).
    """

    intercept: Param = 0.0
    coefficients: Mapping[str, Param] = field(default_factory=dict)
    threshold: Param = 0.5
    vote_noise_sd: Param = 0.0
    lost_rounds: Param = 1.0
    anticipate: bool = True


@dataclass(frozen=True)
class Party:
    """An actor that must accept and ratify a package."""

    name: str
    label: str
    ideal: Mapping[str, Param]
    salience: Mapping[str, Param]
    loss: str = "linear"
    red_lines: tuple[RedLine, ...] = ()
    batna: Param | None = None  # a fixed BATNA replaces the war projection
    war: War = field(default_factory=War)
    patience: Param = 1.0
    concession: Concession = field(default_factory=Concession)
    belief_noise_sd: Param = 0.0
    walkout: Walkout = field(default_factory=Walkout)
    ratification: Ratification | None = None
    role: str = "party"
    # what the party gets by opting out of the parties' own protocol (None: no such option)
    outside_option: Param | None = None
    bargaining_cost: Param = 0.0  # a fixed cost per round of bargaining, in utility


@dataclass(frozen=True)
class Lever:
    """A pressure lever: lowers ``target``'s BATNA by ``effect`` for ``duration`` rounds."""

    name: str
    target: str
    effect: Param
    duration: Param = 1.0
    use_prob: Param = 1.0


@dataclass(frozen=True)
class Mediator:
    """The actor that proposes packages and applies pressure; it need not sign."""

    name: str
    label: str
    ideal: Mapping[str, Param]
    salience: Mapping[str, Param]
    loss: str = "linear"
    rule: str = "nash"  # proposal.rule: how it chooses a package
    bias: Mapping[str, Param] = field(default_factory=dict)  # Nash weights by party
    respect_win_sets: bool = True
    budget: Param = 0.0
    levers: tuple[Lever, ...] = ()
    interest_weight: Param = 0.0  # proposal.interest_weight: weight of its own utility
    deadline: Param | None = None  # round of its ultimatum; None = none
    extension_prob: Param = 0.0  # chance the ultimatum is not carried out (extended)
    exit_hazard: Param = 0.0  # per round, once pressure on the blocking party has failed
    progress_tolerance: Param = 0.01  # narrowing of the blocking gap that counts as progress
    rounds_to_press: Param = 1.0  # rounds without progress before it presses
    after_exit: str = "end"  # "end": the talks end; "bilateral": alternating offers go on
    attribution_noise: Param = 0.0
    response_prob: Param = 0.0
    response_lag: Param = 0.0
    bias_shift: Param = 0.0
    role: str = "mediator"


@dataclass(frozen=True)
class FrontLine:
    """The share of the contested territory the advancing side holds, on ``issue``.

    Its sides are declared: ``advancing`` are the parties whose gains move the line up
    (towards 1), ``defending`` those whose gains move it down; a party on neither side
    neither gains nor loses ground as it moves. One name is read as a list of one.
    """

    issue: str
    initial: Param = 0.0
    drift: Param = 0.0
    noise_sd: Param = 0.0
    urban_slowdown: Param = 0.0
    advancing: tuple[str, ...] | None = None  # the parties that gain as the line rises
    bounds_table: bool = False  # no package gives back what the advancing side holds
    # the parties that gain as the line falls; None: every party not advancing (if any is)
    defending: tuple[str, ...] | None = None
    name: str = "front_line"  # ``world.front_line``, or its name under ``world.fronts``

    def __post_init__(self) -> None:
        # one party may be given by its name alone
        for side in ("advancing", "defending"):
            value = getattr(self, side)
            if isinstance(value, str):
                object.__setattr__(self, side, (value,))
            elif value is not None:
                object.__setattr__(self, side, tuple(value))

    def side_of(self, party: str, parties: Sequence[str]) -> float:
        """+1 if ``party`` gains as the line rises, -1 as it falls, 0 on neither side."""
        advancing = self.advancing or ()
        if party in advancing:
            return 1.0
        defending = (
            self.defending
            if self.defending is not None
            else tuple(p for p in parties if advancing and p not in advancing)
        )
        return -1.0 if party in defending else 0.0

    @property
    def path(self) -> str:
        """Its keys' prefix in the file."""
        return "world.front_line" if self.name == "front_line" else f"world.fronts.{self.name}"


class EventSpec(Protocol):
    """What every event's dataclass has: a name, a type and a window of rounds.

    Each event kind declares its own dataclass in its module under ``sim/events/`` (next
    to its scenario keys and its model class); ``sim.events.EVENT_KINDS`` lists them.
    """

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def start_round(self) -> Param: ...
    @property
    def end_round(self) -> Param | None: ...


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. Build it with :func:`sim.loader.load_scenario`."""

    name: str
    description: str
    rounds: int
    round_days: float
    runs: int
    seed: int
    issues: tuple[Issue, ...]
    parties: tuple[Party, ...]
    mediator: Mediator | None = None
    front_line: FrontLine | None = None
    fronts: tuple[FrontLine, ...] = ()  # ``world.fronts``: further fronts, each on its issue
    events: tuple[EventSpec, ...] = ()  # of the kinds in sim.events.EVENT_KINDS
    first_proposer: str | None = None  # protocol.first_proposer, used without a mediator
    quota: int | None = None  # protocol.quota: signatures needed (None: every party)
    needed: tuple[str, ...] | None = None  # protocol.needed: signatures always needed
    # protocol.recognition: each round's proposer drawn with these probabilities
    recognition: Mapping[str, float] | None = None
    # protocol.deadline: the last round of talks, known to every party (not the window)
    deadline: int | None = None
    start_date: str | None = None  # ISO date of round 1
    report_dates: tuple[str, ...] = ()  # ISO dates the summary answers for
    agreements: Agreements | None = None  # None: one settlement of every issue
    citations: tuple[Citation, ...] = ()
    judgements: tuple[Judgement, ...] = ()  # values marked ``judgement:`` with a reason
    # alternative readings of the source, and a joint parameter sample (sim.readings)
    readings: tuple[Reading, ...] = ()
    sample: ParameterSample | None = field(default=None, compare=False)
    path: str | None = field(default=None, compare=False)
    resolved: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def issue_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.issues)

    @property
    def party_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parties)

    @property
    def all_fronts(self) -> tuple[FrontLine, ...]:
        """``world.front_line`` (if any), then the fronts under ``world.fronts``."""
        return ((self.front_line,) if self.front_line is not None else ()) + self.fronts

    @property
    def actors(self) -> tuple[Party | Mediator, ...]:
        return self.parties + ((self.mediator,) if self.mediator is not None else ())

    def parameters(self) -> dict[str, Param]:
        """Every numeric parameter by its dotted YAML path, in file order."""
        return dict(iter_parameters(self))

    def uncertain_parameters(self) -> dict[str, Param]:
        """The parameters given as distributions."""
        return {k: v for k, v in iter_parameters(self) if is_distribution(v)}


def _components(scenario: Scenario) -> Iterator[tuple[str, Any]]:
    """(YAML prefix, dataclass) of every top-level component, in file order."""
    for issue in scenario.issues:
        yield f"issues.{issue.name}", issue
    for actor in scenario.actors:
        yield f"actors.{actor.name}", actor
    for front in scenario.all_fronts:
        yield front.path, front
    for event in scenario.events:
        yield f"events.{event.name}", event
    staged = scenario.agreements
    if staged is not None:
        for kind in staged.kinds:
            yield f"agreements.kinds.{kind.name}", kind
        for veto in staged.veto_players:
            yield f"agreements.veto_players.{veto.name}", veto


# fields that are structure, not parameters
_NOT_PARAMETERS = {
    "name",
    "label",
    "loss",
    "role",
    "type",
    "issue",
    "kind",
    "target",
    "by",
    "covers",
    "strategy",
    "rule",
    "after_exit",
    "channels",
    "absolute",
    "respect_win_sets",
    "anticipate",
    "bounds_table",
    "advancing",
    "quota",
    "needed",
    "defending",
    "zero",
    "one",
    "settles",
    "ratified",
    "in_force_at_start",
}


def _walk(prefix: str, value: Any) -> Iterator[tuple[str, Param]]:
    if value is None or isinstance(value, bool | str):
        return
    if is_distribution(value) or isinstance(value, int | float):
        yield prefix, value
    elif is_dataclass(value):
        for f in fields(value):
            if f.name in _NOT_PARAMETERS:
                continue
            yield from _walk(f"{prefix}.{f.name}", getattr(value, f.name))
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _walk(f"{prefix}.{k}", v)
    elif isinstance(value, tuple):
        for i, v in enumerate(value):
            key = v.name if hasattr(v, "name") else str(i)
            yield from _walk(f"{prefix}.{key}", v)


def iter_parameters(scenario: Scenario) -> Iterator[tuple[str, Param]]:
    """(dotted path, value) of every numeric parameter of the scenario."""
    for prefix, comp in _components(scenario):
        for f in fields(comp):
            if f.name in _NOT_PARAMETERS:
                continue
            yield from _walk(f"{prefix}.{f.name}", getattr(comp, f.name))
