"""The scenario's calendar (``start_date``, ``report_dates``) and its ``agreements``
section: the kinds of agreement, the rule that picks one, and veto players."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sim.agreements.spec import (
    ALL,
    CHOICES,
    AgreementKind,
    Agreements,
    Collapse,
    VetoPlayer,
)
from sim.loader.kinds import (
    NONNEG,
    REQUIRED,
    UNIT,
    Flag,
    Key,
    Kind,
    Named,
    OneOf,
    Param,
    Section,
    Table,
    Text,
    _Ctx,
)
from sim.loader.tree import Node, _fail, _got, _join

UNIT_P = Param(UNIT)
NONNEG_P = Param(NONNEG)


class Date(Kind):
    """A calendar date written YYYY-MM-DD (kept as that text)."""

    def check(self, node: Node, path: str, ctx: _Ctx) -> str:
        value = node.value
        try:
            if not isinstance(value, str):
                raise ValueError
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            _fail(f"expected a date YYYY-MM-DD (got {_got(node)})", node.mark, path)
        raise AssertionError  # unreachable

    def doc(self) -> str:
        return "date YYYY-MM-DD"


class Dates(Kind):
    """A list of dates, in increasing order."""

    def check(self, node: Node, path: str, ctx: _Ctx) -> tuple[str, ...]:
        if not isinstance(node.value, list):
            _fail(f"expected a list of dates YYYY-MM-DD (got {_got(node)})", node.mark, path)
        out = tuple(Date().check(c, _join(path, i), ctx) for i, c in enumerate(node.value))
        for i in range(1, len(out)):
            if out[i] <= out[i - 1]:
                child = node.value[i]
                _fail(f"dates must increase (got {_got(child)})", child.mark, _join(path, i))
        return out

    def doc(self) -> str:
        return "list of dates YYYY-MM-DD"


@dataclass(frozen=True)
class IssueSet(Kind):
    """``all``, or a list of declared issues."""

    def check(self, node: Node, path: str, ctx: _Ctx) -> tuple[str, ...] | str:
        if node.value == ALL:
            return ALL
        if isinstance(node.value, str):  # one issue, written without brackets
            node = Node([node], node.mark, node.key_mark)
        if not isinstance(node.value, list):
            _fail(f"expected 'all' or a list of issue names (got {_got(node)})", node.mark, path)
        out: list[str] = []
        for i, child in enumerate(node.value):
            name = child.value
            if not isinstance(name, str) or name not in ctx.issues:
                _fail(
                    f"not a declared issue; declared: {', '.join(ctx.issues)} (got {_got(child)})",
                    child.mark,
                    _join(path, i),
                )
            if name in out:
                _fail(f"listed twice (got {_got(child)})", child.mark, _join(path, i))
            out.append(name)
        if set(out) == set(ctx.issues):
            return ALL
        return tuple(out)

    def doc(self) -> str:
        return "`all` or list of issue names"


@dataclass(frozen=True)
class Multipliers(Table):
    """A mapping of free names (monitoring, guarantees) to non-negative multipliers."""

    key: str = "name"
    value: Kind = NONNEG_P

    def check(self, node: Node, path: str, ctx: _Ctx) -> dict[str, Any]:
        if not isinstance(node.value, dict):
            _fail(f"expected a mapping of names to multipliers (got {_got(node)})", node.mark, path)
        return {
            k: NONNEG_P.check(v, _join(path, k), ctx)
            for k, v in node.value.items()
            if k != "source"
        }

    def doc(self) -> str:
        return "mapping name → P ≥ 0"


COLLAPSE = Section(
    "collapse",
    (
        Key("hazard", UNIT_P, 0.0, "probability per round that it collapses", "0.1"),
        Key(
            "multipliers",
            Multipliers(),
            {},
            "named factors on the hazard (monitoring, peacekeepers, guarantees: below 1 lowers it)",
            "{monitoring: 0.3}",
        ),
        Key(
            "per_violation",
            NONNEG_P,
            1.0,
            "factor on the hazard for each violation in a round (a strike or an offensive "
            "by either side, a salient truce violation)",
            "2.0",
        ),
    ),
    intro="How an agreement in force may collapse: hazard × Π multipliers × "
    "per_violation^(violations this round), per round.",
    spec=Collapse,
)

KIND = Section(
    "an agreement kind",
    (
        Key("label", Text(), None, "name shown in output", "ceasefire", default_doc="its name"),
        Key(
            "settles",
            IssueSet(),
            ALL,
            "the issues it settles; the others are deferred (valued where they stand)",
            "[territory]",
        ),
        Key(
            "fighting",
            UNIT_P,
            0.0,
            "share of the front line's movement (drift and noise) that goes on while in force",
            "0.2",
        ),
        Key("cost", UNIT_P, 0.0, "share of each party's cost of war while in force", "0.3"),
        Key(
            "stops",
            Table("strike event", UNIT_P),
            {},
            "strike events it covers, each with its probability per round while in force",
            "{energy_strikes: 0.1}",
        ),
        Key("ratified", Flag(), True, "the parties' publics vote on it", "false"),
        Key(
            "vote_delay",
            Param(NONNEG, whole=True),
            0.0,
            "rounds of ceasefire before the vote (signing starts the ceasefire if none holds)",
            "4",
        ),
        Key("collapse", COLLAPSE, {}, "how it may collapse (see below)", "{hazard: 0.1}"),
        Key(
            "in_force_at_start",
            Flag(),
            False,
            "already signed and holding in round 1 (at most one kind)",
            "true",
        ),
    ),
    intro="A kind of agreement: the issues it settles, what it changes while in force, "
    "its vote, and how it may collapse.",
    spec=AgreementKind,
)

VETO_PLAYER = Section(
    "a veto player",
    (
        Key("label", Text(), None, "name shown in output", "Union", default_doc="its name"),
        Key(
            "ideal",
            Table("issue", UNIT_P),
            REQUIRED,
            "its ideal on each issue it holds a veto over",
            "{sanctions_relief: 0.0}",
        ),
        Key(
            "salience",
            Table("issue", NONNEG_P),
            {},
            "weights of its issues (normalised to sum 1)",
            "{sanctions_relief: 1.0}",
            default_doc="equal over its issues",
        ),
        Key(
            "tolerance",
            NONNEG_P,
            0.0,
            "largest salience-weighted distance from its ideal it accepts on its issues",
            "0.4",
        ),
    ),
    intro="An actor whose consent is needed on the issues of its `ideal`: a package that "
    "moves them from where they stand needs its acceptance.",
    spec=VetoPlayer,
)

AGREEMENTS = Section(
    "agreements",
    (
        Key(
            "choice",
            OneOf(CHOICES),
            "widest_acceptable",
            "which kind the proposer puts forward: the kind settling the most issues that it "
            "expects every party to accept (else the widest), or the first kind in the order "
            "listed that is wider than the one in force",
            "in_order",
        ),
        Key(
            "kinds",
            Named("agreement kind", KIND),
            REQUIRED,
            "the kinds of agreement, by name (see below)",
            "{ceasefire: {settles: []}, settlement: {settles: all}}",
        ),
        Key(
            "veto_players",
            Named("veto player", VETO_PLAYER),
            {},
            "actors whose consent is needed on some issues (see below)",
            "{union: {ideal: {sanctions_relief: 0.0}, tolerance: 0.4}}",
        ),
    ),
    intro="Staged agreements. Absent: one kind, a settlement of every issue, ratified in the "
    "round it is signed, that never collapses.",
    spec=Agreements,
)


def complete_agreements(d: dict[str, Any], root: Node) -> None:
    """Defaults that depend on the name (labels), and a full kind's presence."""
    for name, kind in d["kinds"].items():
        kind.setdefault("label", name)
    for name, veto in d["veto_players"].items():
        veto.setdefault("label", name)
        if not veto["salience"]:
            veto["salience"] = {k: 1.0 for k in veto["ideal"]}
    started = [n for n, k in d["kinds"].items() if k.get("in_force_at_start")]
    if len(started) > 1:
        node = root.value["agreements"].value["kinds"].value[started[1]]
        _fail(
            f"at most one kind can be in force at the start (got {', '.join(started)})",
            node.where,
            f"agreements.kinds.{started[1]}.in_force_at_start",
        )
    if not any(k["settles"] == ALL for k in d["kinds"].values()):
        node = root.value["agreements"].value["kinds"]
        _fail(
            "at least one kind must settle every issue (settles: all) (got none)",
            node.where,
            "agreements.kinds",
        )
