"""The schema of a scenario file: one section per mapping, each key declared once with its
kind, default and documentation."""

from __future__ import annotations

from sim.loader.kinds import (
    NONNEG,
    POSITIVE,
    REQUIRED,
    UNIT,
    Flag,
    Items,
    Key,
    Named,
    OneOf,
    Param,
    Range,
    Real,
    Ref,
    Section,
    Table,
    Text,
    Variants,
    Whole,
)
from sim.scenario import EVENT_TYPES, LOSSES, STRATEGIES

P = Param
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
            None,
            "round by which the aspiration reaches the BATNA",
            "12",
            default_doc="the scenario's `rounds`",
        ),
        Key(
            "initial",
            UNIT_P,
            0.0,
            "share of the way from 1 to the BATNA conceded at the start",
            "0.1",
        ),
    ),
    intro="How a party's aspiration falls from 1 towards its BATNA over time.",
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
            "reset_aspiration", Flag(), True, "a failed vote restarts the concession clock", "false"
        ),
    ),
    intro="Domestic approval (Putnam's two-level game): logit(approval) = intercept + "
    "Σ coefficients[k]·x_k. Absent: the party always ratifies.",
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
            "ratification",
            RATIFICATION,
            None,
            "domestic approval (see below)",
            "{intercept: 1.0, coefficients: {territory: -3.0}}",
            default_doc="absent: always ratifies",
        ),
    ),
    intro="An actor that must accept and ratify a package.",
    others={k: "mediators" for k in ("proposal", "pressure", "deadline", "violations")},
)

PROPOSAL = Section(
    "proposal",
    (
        Key(
            "rule",
            OneOf(("nash",)),
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
            "round after which the mediator may leave",
            "8",
            default_doc="absent: never leaves",
        ),
        Key(
            "extension_prob",
            UNIT_P,
            0.0,
            "probability it extends the deadline instead of leaving",
            "0.3",
        ),
        Key(
            "exit_hazard",
            UNIT_P,
            0.0,
            "probability per round past the deadline that it leaves",
            "0.5",
        ),
    ),
    intro="When the mediator gives up.",
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
        Key("lag", Param(NONNEG, whole=True), 0.0, "rounds before it responds", "1"),
        Key("bias_shift", UNIT_P, 0.0, "shift of its Nash weight away from the violator", "0.1"),
    ),
    intro="How the mediator responds to truce violations.",
)

MEDIATOR = Section(
    "a mediator",
    _ACTOR_COMMON
    + (
        Key("proposal", PROPOSAL, {}, "proposal rule (see below)", "{bias: {delta: 0.4}}"),
        Key("pressure", PRESSURE, {}, "budget and levers (see below)", "{budget: 2}"),
        Key("deadline", DEADLINE, {}, "when it leaves (see below)", "{round: 8}"),
        Key(
            "violations",
            VIOLATIONS,
            {},
            "response to truce violations (see below)",
            "{response_prob: 0.5}",
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
        )
    },
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
    ),
    intro="The share of the contested territory the advancing side holds.",
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
    ),
    intro="The world between rounds.",
)

_ROUNDS = (
    Key("start_round", Param(Range(1.0), whole=True), 1.0, "first round it applies", "3"),
    Key(
        "end_round",
        Param(Range(1.0), whole=True),
        None,
        "last round it applies",
        "10",
        default_doc="absent: to the end",
    ),
)
_TYPE = Key("type", OneOf(EVENT_TYPES), REQUIRED, "what kind of event", "strike")

BACKLASH = Section(
    "backlash",
    (
        Key(
            "aspiration_bump",
            NONNEG_P,
            0.0,
            "rise of the target's aspiration after a strike",
            "0.05",
        ),
        Key("duration", Param(Range(1.0), whole=True), 1.0, "rounds the backlash lasts", "2"),
        Key("walkout_hazard_bump", UNIT_P, 0.0, "rise of the target's walk-out hazard", "0.05"),
    ),
    intro="How a strike hardens the target's stance.",
)

STRIKE = Section(
    "a strike event",
    (
        _TYPE,
        Key("by", Ref("party"), REQUIRED, "the party that strikes", "upland"),
        Key("target", Ref("party"), REQUIRED, "the party struck", "delta"),
        Key("prob_per_round", UNIT_P, REQUIRED, "probability of a strike each round", "0.5"),
    )
    + _ROUNDS
    + (
        Key("capacity_loss", NONNEG_P, 1.0, "damage of one strike", "1.0"),
        Key(
            "repair_halflife",
            Param(POSITIVE),
            4.0,
            "rounds for half the damage to be repaired",
            "4",
        ),
        Key(
            "coercion_cost",
            NONNEG_P,
            0.0,
            "rise of the target's cost of war per unit of damage",
            "0.01",
        ),
        Key(
            "backlash",
            BACKLASH,
            {},
            "hardening of the target (see below)",
            "{aspiration_bump: 0.05}",
        ),
    ),
    intro="Massive strikes by one party on another's energy system (`type: strike`).",
    others={
        k: "other event types"
        for k in (
            "covers",
            "strike_prob",
            "violation_prob",
            "probability",
            "drift_multiplier",
            "cost_multiplier",
            "optimism",
        )
    },
)

TRUCE = Section(
    "a truce event",
    (
        _TYPE,
        Key(
            "covers",
            Ref("strike event"),
            REQUIRED,
            "the strike event it restrains",
            "energy_strikes",
        ),
        Key("strike_prob", UNIT_P, 0.0, "strike probability per round while it holds", "0.1"),
        Key(
            "violation_prob",
            UNIT_P,
            0.0,
            "probability per round of another salient violation",
            "0.05",
        ),
    )
    + _ROUNDS,
    intro="A truce over a strike event (`type: truce`).",
    others={
        k: "other event types"
        for k in (
            "by",
            "target",
            "prob_per_round",
            "capacity_loss",
            "repair_halflife",
            "coercion_cost",
            "backlash",
            "probability",
            "drift_multiplier",
            "cost_multiplier",
            "optimism",
        )
    },
)

SHIFT = Section(
    "an offensive or aid_change event",
    (_TYPE,)
    + _ROUNDS
    + (
        Key("probability", UNIT_P, 1.0, "probability that it happens in a replicate", "0.5"),
        Key("drift_multiplier", NONNEG_P, 1.0, "multiplies the front-line drift", "1.5"),
        Key(
            "cost_multiplier",
            Table("party", NONNEG_P),
            {},
            "multiplies parties' cost of war",
            "{upland: 1.3}",
        ),
        Key("optimism", Table("party", P()), {}, "added to parties' optimism", "{upland: 0.05}"),
    ),
    intro="An offensive or a change of aid (`type: offensive` or `type: aid_change`).",
    others={
        k: "other event types"
        for k in (
            "by",
            "target",
            "prob_per_round",
            "capacity_loss",
            "repair_halflife",
            "coercion_cost",
            "backlash",
            "covers",
            "strike_prob",
            "violation_prob",
        )
    },
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
    ),
    intro="Who proposes when there is no mediator.",
)

ACTORS = Variants("actor", "role", {"party": PARTY, "mediator": MEDIATOR})
EVENTS = Variants(
    "event", "type", {"strike": STRIKE, "truce": TRUCE, "offensive": SHIFT, "aid_change": SHIFT}
)

TOP = Section(
    "the top level",
    (
        Key(
            "extends",
            Text(),
            None,
            "a scenario file this one builds on, relative to this file (see Extends)",
            "baseline.yaml",
        ),
        Key(
            "name",
            Text(),
            None,
            "the scenario's name (results go to results/NAME/)",
            "energy_strikes",
            default_doc="the file name without .yaml",
        ),
        Key("description", Text(), "", "what the scenario is about", "Strikes every other round"),
        Key("rounds", Whole(1), REQUIRED, "number of negotiation rounds", "12"),
        Key("round_days", Real(POSITIVE), 14.0, "days per round (axes and traces)", "14"),
        Key("runs", Whole(1), 1000, "default number of replicates", "2000"),
        Key("seed", Whole(0), 0, "default random seed", "42"),
        Key("loss", OneOf(LOSSES), "linear", "default loss for actors", "quadratic"),
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
        Key("world", WORLD, {}, "the world between rounds", "{front_line: {issue: territory}}"),
        Key(
            "events",
            EVENTS,
            {},
            "shocks and truces, by name (tables below)",
        ),
        Key(
            "protocol", PROTOCOL, {}, "who proposes without a mediator", "{first_proposer: upland}"
        ),
    ),
    intro="The keys of a scenario file.",
)


# dataclass field -> YAML path inside the actor or event, where the two differ
MEDIATOR_LAYOUT = {
    "bias": "proposal.bias",
    "respect_win_sets": "proposal.respect_win_sets",
    "budget": "pressure.budget",
    "levers": "pressure.levers",
    "deadline": "deadline.round",
    "extension_prob": "deadline.extension_prob",
    "exit_hazard": "deadline.exit_hazard",
    "attribution_noise": "violations.attribution_noise",
    "response_prob": "violations.response_prob",
    "response_lag": "violations.lag",
    "bias_shift": "violations.bias_shift",
}
STRIKE_LAYOUT = {
    "aspiration_bump": "backlash.aspiration_bump",
    "backlash_duration": "backlash.duration",
    "walkout_hazard_bump": "backlash.walkout_hazard_bump",
}
