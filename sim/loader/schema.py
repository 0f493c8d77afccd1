"""The schema of a scenario file: one section per mapping, each key declared once with its
kind, default and documentation."""

from __future__ import annotations

from typing import Any

from sim.loader.agreements import AGREEMENTS, Date, Dates
from sim.loader.events import EVENTS
from sim.loader.kinds import (
    MAX_ROUNDS,
    MAX_RUNS,
    MAX_SEED,
    NONNEG,
    POSITIVE,
    REQUIRED,
    UNIT,
    Flag,
    Items,
    Key,
    Name,
    Named,
    OneOf,
    Param,
    Range,
    Real,
    Ref,
    RefList,
    Section,
    Table,
    Text,
    Variants,
    Whole,
)
from sim.loader.readings import ReadingsKind, SampleKind
from sim.mediation import PROPOSAL_RULES
from sim.scenario import (
    DEFAULT_BELIEVED_DEADLINE,
    LOSSES,
    STRATEGIES,
    Concession,
    ConcessionWeights,
    FrontConcession,
    FrontLine,
    Issue,
    Lever,
    Mediator,
    Party,
    Ratification,
    Rebound,
    RedLine,
    Scenario,
    Walkout,
    War,
)

P = Param


def _red_line(fields: dict[str, Any]) -> RedLine:
    """A red line's file keys ``min``/``max`` are the dataclass's ``kind`` and ``bound``
    (the two-bounds and no-bound cases are rejected before building)."""
    kind = "min" if "min" in fields else "max"
    bound = fields.pop(kind)
    return RedLine(kind=kind, bound=bound, **fields)


UNIT_P = Param(UNIT)
NONNEG_P = Param(NONNEG)

ISSUE = Section(
    "an issue",
    (
        Key(
            "zero",
            Text(),
            REQUIRED,
            "what 0 on this issue means",
            "freeze along the current front line",
        ),
        Key(
            "one",
            Text(),
            REQUIRED,
            "what 1 on this issue means",
            "the upstream state takes all the water it dams",
        ),
        Key(
            "under_war",
            UNIT_P,
            0.0,
            "the value continued war gives this issue (ignored for the "
            "front-line issue, which takes the projected front line)",
            "0",
        ),
    ),
    intro="One dimension of the package space [0, 1].",
    spec=Issue,
)

WAR = Section(
    "war",
    (
        Key("cost_per_round", NONNEG_P, 0.0, "utility cost of one more round of war", "0.02"),
        Key(
            "cost_per_gain",
            NONNEG_P,
            0.0,
            "extra cost per unit of own front-line gains in a round",
            "0.5",
        ),
        Key(
            "horizon",
            Param(Range(1.0), whole=True),
            13.0,
            "rounds over which the party projects the war when it values it (its BATNA)",
            "{dist: choice, values: [8, 13, 26]}",
        ),
        Key("optimism", P(), 0.0, "added to the party's own value of war", "0.05"),
    ),
    intro="What continued war is worth to a party; its BATNA is recomputed from this each round.",
    spec=War,
)

WEIGHTS = Section(
    "weights",
    (
        Key("time", NONNEG_P, 1.0, "weight of the time-dependent tactic (the FSJ curve)", "0.6"),
        Key(
            "resource",
            NONNEG_P,
            0.0,
            "weight of the resource-dependent tactic (cost of war, front trend)",
            "0.3",
        ),
        Key(
            "behaviour",
            NONNEG_P,
            0.0,
            "weight of the behaviour-dependent tactic (reciprocity)",
            "0.2",
        ),
    ),
    intro="Weights of the three concession tactics, normalised per replicate to sum 1 "
    "(their sum must be positive). time 1 with the others 0 is the pure FSJ curve.",
    spec=ConcessionWeights,
)

FRONT_CONCESSION = Section(
    "front",
    (
        Key(
            "sensitivity",
            NONNEG_P,
            0.0,
            "k in h = 1 − exp(−k · adverse front trend per round)",
            "0.3",
        ),
        Key(
            "halflife",
            Param(POSITIVE),
            2.0,
            "rounds, half-life of the moving average of the party's front gains",
            "2",
        ),
    ),
    intro="How an adverse front trend speeds the resource tactic.",
    spec=FrontConcession,
)

REBOUND = Section(
    "rebound",
    (
        Key(
            "failed_ratification",
            UNIT_P,
            0.5,
            "share of the conceded way moved back towards the opening after a failed vote "
            "(1 = back to the opening demand)",
            "{dist: uniform, low: 0.3, high: 0.7}",
        ),
    ),
    intro="How far a failure moves concession back.",
    spec=Rebound,
)

CONCESSION = Section(
    "concession",
    (
        Key(
            "strategy",
            OneOf(STRATEGIES),
            "boulware",
            "time-dependent concession tactic (Faratin, Sierra & Jennings)",
            "conceder",
        ),
        Key(
            "beta",
            Param(POSITIVE),
            None,
            "concession exponent: < 1 holds out (Boulware), > 1 concedes early",
            "{dist: uniform, low: 0.2, high: 0.5}",
            default_doc="0.3 (boulware), 3 (conceder), 1 (linear, none)",
        ),
        Key(
            "deadline",
            Param(Range(1.0), whole=True),
            DEFAULT_BELIEVED_DEADLINE,
            "the round by which the party BELIEVES it must have reached its BATNA (its "
            "own belief, never the simulated window; the time tactic gives up what is "
            "left once it has passed)",
            "{dist: uniform, low: 20, high: 56}",
        ),
        Key(
            "initial",
            UNIT_P,
            0.0,
            "share of the way from 1 to the BATNA conceded at the start",
            "0.1",
        ),
        Key("weights", WEIGHTS, {}, "weights of the tactics (see below)", "{time: 0.5}"),
        Key(
            "cost_tolerance",
            Param(POSITIVE),
            1.0,
            "utility units of war cost the party can bear over the talks (resource tactic)",
            "{dist: uniform, low: 0.3, high: 0.6}",
        ),
        Key(
            "front",
            FRONT_CONCESSION,
            {},
            "front-trend part of the resource tactic (see below)",
            "{sensitivity: 0.3}",
        ),
        Key(
            "reciprocity",
            NONNEG_P,
            0.0,
            "answer to the other side's last conceded share (1 = relative tit-for-tat)",
            "0.5",
        ),
        Key(
            "rebound",
            REBOUND,
            {},
            "moves back after failures (see below)",
            "{failed_ratification: 0.5}",
        ),
    ),
    intro="How a party's aspiration falls from 1 towards its BATNA: mixed time-, resource- "
    "and behaviour-dependent tactics (docs/model.md).",
    spec=Concession,
)

WALKOUT = Section(
    "walkout",
    (
        Key(
            "gap",
            NONNEG_P,
            0.5,
            "aspiration minus the utility of the table's package beyond "
            "which the party may walk out",
            "0.4",
        ),
        Key("hazard", UNIT_P, 0.0, "probability per round of walking out beyond the gap", "0.05"),
    ),
    intro="Breakdown: a party may leave when its best hope falls far below its aspiration.",
    spec=Walkout,
)

RATIFICATION = Section(
    "ratification",
    (
        Key("intercept", P(), 0.0, "logit of approval of the package at 0 on every issue", "1.0"),
        Key(
            "coefficients",
            Table("issue", P()),
            {},
            "logit change per unit of each issue",
            "{territory: -3.0}",
        ),
        Key("threshold", UNIT_P, 0.5, "approval share a package needs", "0.5"),
        Key("vote_noise_sd", NONNEG_P, 0.0, "noise on the logit scale at each vote", "0.3"),
        Key("lost_rounds", Param(NONNEG, whole=True), 1.0, "rounds lost after a failed vote", "2"),
        Key(
            "anticipate",
            Flag(),
            True,
            "the government signs only what it expects to carry at home",
            "false",
        ),
    ),
    intro="Domestic approval (Putnam's two-level game): logit(approval) = intercept + "
    "Σ coefficients[k]·x_k. Absent: the party always ratifies.",
    spec=Ratification,
)

RED_LINE = Section(
    "a red line",
    (
        Key("issue", Ref("issue"), REQUIRED, "the issue it bounds", "territory"),
        Key(
            "min", UNIT_P, None, "the package must have x ≥ min (give min or max, not both)", "0.5"
        ),
        Key(
            "max", UNIT_P, None, "the package must have x ≤ max (give min or max, not both)", "0.2"
        ),
        Key("penalty", NONNEG_P, 0.0, "utility lost per unit of violation (soft red line)", "2.0"),
        Key("absolute", Flag(), False, "never accept a package that crosses it", "true"),
    ),
    intro="A bound on one issue: exactly one of `min` or `max`.",
    spec=RedLine,
    make=_red_line,
)

_ACTOR_COMMON = (
    Key("role", OneOf(("party", "mediator")), REQUIRED, "what the actor does", "party"),
    Key("label", Text(), None, "name shown in output", "Delta", default_doc="the actor's name"),
    Key(
        "ideal",
        Table("issue", UNIT_P),
        REQUIRED,
        "ideal point on every issue",
        "{territory: 0.0, recognition: 0.0}",
    ),
    Key(
        "salience",
        Table("issue", NONNEG_P),
        REQUIRED,
        "weight of each issue; issues left out "
        "weigh 0; not all 0 (on the means); normalised to sum 1 by the model",
        "{territory: 0.5, recognition: 0.2}",
    ),
    Key(
        "loss",
        OneOf(LOSSES),
        None,
        "loss of distance from the ideal",
        "quadratic",
        default_doc="the top-level `loss`",
    ),
)

PARTY = Section(
    "a party",
    _ACTOR_COMMON
    + (
        Key(
            "red_lines",
            Items("red line", RED_LINE),
            [],
            "bounds on issues",
            "[{issue: territory, max: 0.2, penalty: 2}]",
        ),
        Key(
            "batna",
            P(),
            None,
            "a fixed value of no agreement, replacing the war projection",
            "0.3",
            default_doc="absent: computed from `war` each round",
        ),
        Key("war", WAR, {}, "what continued war is worth (see below)", "{cost_per_round: 0.02}"),
        Key(
            "patience",
            Param(Range(0.0, 1.0, lo_open=True)),
            1.0,
            "discount factor per round",
            "{dist: beta, a: 18, b: 2}",
        ),
        Key("concession", CONCESSION, {}, "concession tactic (see below)", "{strategy: boulware}"),
        Key(
            "belief_noise_sd",
            NONNEG_P,
            0.0,
            "sd with which the others see this party's BATNA",
            "0.1",
        ),
        Key("walkout", WALKOUT, {}, "walk-out rule (see below)", "{gap: 0.4, hazard: 0.05}"),
        Key(
            "outside_option",
            P(),
            None,
            "what the party gets by opting out of the parties' own protocol (alternating "
            "offers or recognition): it binds only when it beats waiting (see Protocols)",
            "0.3",
            default_doc="absent: no option to opt out",
        ),
        Key(
            "bargaining_cost",
            NONNEG_P,
            0.0,
            "a fixed cost per round of bargaining, in utility: lowers what waiting for the "
            "next round is worth in the parties' own protocol",
            "0.01",
        ),
        Key(
            "ratification",
            RATIFICATION,
            None,
            "domestic approval (see below)",
            "{intercept: 1.0, coefficients: {territory: -3.0}}",
            default_doc="absent: always ratifies",
        ),
    ),
    intro="An actor that must accept and ratify a package.",
    others={k: "mediators" for k in ("proposal", "pressure", "deadline", "patience", "violations")},
    spec=Party,
)

PROPOSAL = Section(
    "proposal",
    (
        Key(
            "rule",
            OneOf(tuple(PROPOSAL_RULES)),
            "nash",
            "how the mediator chooses a package (the Nash "
            "bargaining solution over the parties' estimated BATNAs)",
            "nash",
        ),
        Key(
            "bias",
            Table("party", UNIT_P),
            {},
            "Nash weights by party; unlisted parties share "
            "the rest equally; listed weights sum to at most 1 (on the means)",
            "{delta: 0.4}",
        ),
        Key(
            "respect_win_sets",
            Flag(),
            True,
            "keep proposals inside what each public is expected to ratify",
            "false",
        ),
        Key(
            "interest_weight",
            UNIT_P,
            0.0,
            "weight ω of the mediator's own utility in its proposal: it maximises "
            "(1 − ω) · log(weighted Nash product) + ω · its utility (0: the Nash package)",
            "0.2",
        ),
    ),
    intro="How the mediator proposes.",
)

LEVER = Section(
    "a lever",
    (
        Key("target", Ref("party"), REQUIRED, "the party whose BATNA it lowers", "upland"),
        Key("effect", NONNEG_P, REQUIRED, "how much it lowers the target's BATNA", "0.05"),
        Key("duration", Param(Range(1.0), whole=True), 1.0, "rounds it lasts", "3"),
        Key("use_prob", UNIT_P, 1.0, "probability the mediator uses it when it would", "0.7"),
    ),
    intro="A pressure lever (sanctions, aid cuts).",
    spec=Lever,
)

PRESSURE = Section(
    "pressure",
    (
        Key("budget", Param(NONNEG, whole=True), 0.0, "how many times levers may be used", "2"),
        Key(
            "levers",
            Named("lever", LEVER),
            {},
            "the levers, by name",
            "{aid_freeze: {target: upland, effect: 0.05}}",
        ),
    ),
    intro="The mediator's pressure on the party that blocks a deal.",
)

DEADLINE = Section(
    "deadline",
    (
        Key(
            "round",
            Param(Range(1.0), whole=True),
            None,
            "round of the mediator's ultimatum to the blocking party",
            "8",
            default_doc="absent: no ultimatum",
            attr="deadline",
        ),
        Key(
            "extension_prob",
            UNIT_P,
            0.0,
            "probability the ultimatum is not carried out (the deadline is extended by as "
            "long again); carried out, it is a lever used on the blocking party",
            "0.3",
        ),
        Key(
            "exit_hazard",
            UNIT_P,
            0.0,
            "probability per round that it leaves once frustrated with the blocking party "
            "after pressure on it has failed (or none is left)",
            "0.5",
        ),
    ),
    intro="The mediator's ultimatum, and its exit once pressure has failed.",
)

FRUSTRATION = Section(
    "frustration",
    (
        Key(
            "progress_tolerance",
            NONNEG_P,
            0.01,
            "narrowing of the blocking party's gap to its aspiration that counts as progress",
            "0.01",
        ),
        Key(
            "rounds_to_press",
            Param(Range(1.0), whole=True),
            1.0,
            "rounds without progress by the blocking party before the mediator presses it "
            "(and, once pressed, before it may leave)",
            "3",
        ),
    ),
    intro="The mediator's frustration with the party that blocks: pressure first, exit later.",
)

VIOLATIONS = Section(
    "violations",
    (
        Key(
            "attribution_noise",
            UNIT_P,
            0.0,
            "probability that a violation is not attributed to the party that committed it "
            "(the mediator then does not respond to it)",
            "0.2",
        ),
        Key(
            "response_prob", UNIT_P, 0.0, "probability the mediator responds to a violation", "0.5"
        ),
        Key(
            "lag",
            Param(NONNEG, whole=True),
            0.0,
            "rounds before it responds",
            "1",
            attr="response_lag",
        ),
        Key("bias_shift", UNIT_P, 0.0, "shift of its Nash weight away from the violator", "0.1"),
    ),
    intro="How the mediator responds to truce violations.",
)

MEDIATOR = Section(
    "a mediator",
    _ACTOR_COMMON
    + (
        Key(
            "proposal",
            PROPOSAL,
            {},
            "proposal rule (see below)",
            "{bias: {delta: 0.4}}",
            inline=True,
        ),
        Key("pressure", PRESSURE, {}, "budget and levers (see below)", "{budget: 2}", inline=True),
        Key(
            "deadline",
            DEADLINE,
            {},
            "ultimatum and exit (see below)",
            "{round: 8}",
            inline=True,
        ),
        Key(
            "frustration",
            FRUSTRATION,
            {},
            "when it presses and may leave (see below)",
            "{rounds_to_press: 3}",
            inline=True,
        ),
        Key(
            "after_exit",
            OneOf(("end", "bilateral")),
            "end",
            "what follows its exit: the talks end, or the parties go on with alternating offers",
            "bilateral",
        ),
        Key(
            "violations",
            VIOLATIONS,
            {},
            "response to truce violations (see below)",
            "{response_prob: 0.5}",
            inline=True,
        ),
    ),
    intro="The actor that proposes packages and applies pressure; it need not sign. At most one.",
    others={
        k: "parties"
        for k in (
            "red_lines",
            "batna",
            "war",
            "patience",
            "concession",
            "belief_noise_sd",
            "walkout",
            "ratification",
            "outside_option",
            "bargaining_cost",
        )
    },
    spec=Mediator,
)

FRONT_LINE = Section(
    "front_line",
    (
        Key("issue", Ref("issue"), REQUIRED, "the issue the front line moves", "territory"),
        Key("initial", UNIT_P, 0.0, "share of the contested territory held at the start", "0.0"),
        Key(
            "drift",
            P(),
            0.0,
            "expected change per round (towards 1 when positive)",
            "{dist: normal, mean: 0.03, sd: 0.01}",
        ),
        Key("noise_sd", NONNEG_P, 0.0, "sd of the change per round", "0.01"),
        Key("urban_slowdown", UNIT_P, 0.0, "drift × (1 − urban_slowdown · front line)", "0.5"),
        Key(
            "advancing",
            RefList("party"),
            None,
            "the party or parties whose gains move the line up (towards 1)",
            "upland",
            default_doc="absent: no party gains as the line rises",
        ),
        Key(
            "defending",
            RefList("party"),
            None,
            "the party or parties whose gains move the line down (towards 0); a party on "
            "neither side neither gains nor loses ground as the line moves",
            "[delta]",
            default_doc="every party not advancing, if any party advances",
        ),
        Key(
            "bounds_table",
            Flag(),
            False,
            "no package gives back what the advancing side holds that round: the "
            "proposal on the issue is at least the front line",
            "true",
        ),
    ),
    intro="The share of the contested territory the advancing side holds.",
    spec=FrontLine,
)

WORLD = Section(
    "world",
    (
        Key(
            "front_line",
            FRONT_LINE,
            None,
            "the front line (see below)",
            "{issue: territory}",
            default_doc="absent: no front line",
        ),
        Key(
            "fronts",
            Named("front", FRONT_LINE),
            None,
            "further front lines by name, each on its own issue (keys as for `front_line`)",
            "{eastern: {issue: territory, advancing: upland}}",
            default_doc="absent: none",
        ),
    ),
    intro="The world between rounds.",
)

PROTOCOL = Section(
    "protocol",
    (
        Key(
            "first_proposer",
            Ref("party"),
            None,
            "the party that proposes first when there is no mediator (the parties then alternate)",
            "upland",
            default_doc="required when there is no mediator",
        ),
        Key(
            "quota",
            Whole(1),
            None,
            "how many parties must sign a package for it to be agreed (the others are bound by it)",
            "3",
            default_doc="every party (unanimity)",
        ),
        Key(
            "needed",
            RefList("party"),
            None,
            "parties whose signature is always needed, whatever the quota",
            "[upland, midland]",
            default_doc="none",
        ),
        Key(
            "recognition",
            Table("party", Real(UNIT)),
            None,
            "Baron-Ferejohn bargaining: each round one party, drawn with these probabilities "
            "(summing to 1), proposes to the quota it needs (closed rule)",
            "{upland: 0.5, midland: 0.25, delta: 0.25}",
            default_doc="absent: the parties propose in turn",
        ),
        Key(
            "deadline",
            Whole(1),
            None,
            "the last round of talks, known to every party: talks still without an agreement "
            "after it end (breakdown), and parties proposing in turn look ahead to it "
            "(backward induction); not the simulated window",
            "12",
            default_doc="absent: no last round the parties know of",
        ),
    ),
    intro="Who proposes when there is no mediator, who must sign, and when talks must end.",
)

ACTORS = Variants("actor", "role", {"party": PARTY, "mediator": MEDIATOR})
TOP = Section(
    "the top level",
    (
        Key(
            "extends",
            Text(),
            None,
            "a scenario file this one builds on, relative to this file (see Extends)",
            "baseline.yaml",
            attr=None,
        ),
        Key(
            "name",
            Name(),
            None,
            "the scenario's name (results go to results/NAME/)",
            "energy_strikes",
            default_doc="the file name without .yaml, made a name",
        ),
        Key("description", Text(), "", "what the scenario is about", "Strikes every other round"),
        Key("rounds", Whole(1, MAX_ROUNDS), REQUIRED, "number of negotiation rounds", "12"),
        Key("round_days", Real(POSITIVE), 14.0, "days per round (axes and traces)", "14"),
        Key("runs", Whole(1, MAX_RUNS), 1000, "default number of replicates", "2000"),
        Key("seed", Whole(0, MAX_SEED), 0, "default random seed", "42"),
        Key("loss", OneOf(LOSSES), "linear", "default loss for actors", "quadratic", attr=None),
        Key(
            "issues",
            Named("issue", ISSUE),
            REQUIRED,
            "the issues, at least one",
            "{territory: {zero: freeze, one: withdraw}}",
        ),
        Key(
            "actors",
            ACTORS,
            REQUIRED,
            "the actors: at least two parties, at most one mediator (tables below)",
        ),
        Key(
            "world",
            WORLD,
            {},
            "the world between rounds",
            "{front_line: {issue: territory}}",
            inline=True,
        ),
        Key(
            "events",
            EVENTS,
            {},
            "shocks and truces, by name (tables below)",
        ),
        Key(
            "protocol",
            PROTOCOL,
            {},
            "who proposes without a mediator, and who must sign",
            "{first_proposer: upland, quota: 2}",
            inline=True,
        ),
        Key(
            "start_date",
            Date(),
            None,
            "the date of round 1; round r falls (r − 1)·round_days days later",
            "2026-02-04",
            default_doc="absent: rounds only",
        ),
        Key(
            "report_dates",
            Dates(),
            (),
            "dates the summary answers for: P(first ceasefire by), P(settlement by), "
            "P(ceasefire in force on) (needs start_date)",
            "[2026-03-31, 2026-06-30]",
            default_doc="`[]`",
        ),
        Key(
            "agreements",
            AGREEMENTS,
            None,
            "staged agreements (tables below)",
            "{kinds: {settlement: {settles: all}}}",
            default_doc="absent: one settlement of every issue",
        ),
        Key(
            "readings",
            ReadingsKind(),
            None,
            "alternative readings of the source, each a set of changes (see Readings)",
            attr=None,
        ),
        Key(
            "sample",
            SampleKind(),
            None,
            "joint parameter values replicates draw from (`negsim calibrate` writes it)",
            "{file: non_implausible.csv}",
            attr=None,
        ),
    ),
    intro="The keys of a scenario file.",
    spec=Scenario,
)
