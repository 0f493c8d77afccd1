"""The schema language: kinds of values (numbers, distributions, names, sections, ...)
that check a marked node, convert it, and describe themselves for the docs."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sim import distributions as dist
from sim.loader.distribution_kind import _distribution, _number
from sim.loader.tree import (
    JUDGEMENT,
    NAME_PATTERN,
    SOURCE,
    Node,
    _fail,
    _got,
    _join,
    _suggest,
)
from sim.provenance import Quote
from sim.scenario import Judgement

REQUIRED: Any = type("Required", (), {"__repr__": lambda self: "REQUIRED"})()


@dataclass(frozen=True)
class Range:
    """An interval for numbers and for the support of distributions."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False

    def text(self) -> str:
        g = dist._g
        if self.lo is None and self.hi is None:
            return "any real"
        if self.hi is None:
            return f"{'>' if self.lo_open else '>='} {g(self.lo)}"
        if self.lo is None:
            return f"{'<' if self.hi_open else '<='} {g(self.hi)}"
        left, right = "(" if self.lo_open else "[", ")" if self.hi_open else "]"
        return f"{left}{g(self.lo)}, {g(self.hi)}{right}"

    def phrase(self) -> str:
        return f"in {self.text()}" if self.lo is not None and self.hi is not None else self.text()

    def holds(self, lo: float, hi: float, continuous: bool = False) -> bool:
        """Whether [lo, hi] lies in the range. A continuous distribution never draws its
        end points, so its support may touch an open bound."""
        if self.lo is not None:
            ok = lo > self.lo or (lo == self.lo and (not self.lo_open or continuous))
            if not ok:
                return False
        if self.hi is not None:
            ok = hi < self.hi or (hi == self.hi and (not self.hi_open or continuous))
            if not ok:
                return False
        return True


ANY = Range()
UNIT = Range(0.0, 1.0)
NONNEG = Range(0.0)
POSITIVE = Range(0.0, lo_open=True)


class _Ctx:
    """What validation knows: declared names, and the quotes found so far."""

    def __init__(self) -> None:
        self.issues: list[str] = []
        self.parties: list[str] = []
        self.mediator: str | None = None
        self.events: dict[str, str] = {}
        self.quotes: list[Quote] = []
        self.judgements: list[Judgement] = []

    def note(self, key: str, node: Node, owner: str) -> bool:
        """Record ``source:`` quotes or a ``judgement:`` of the mapping at ``owner``;
        False if ``key`` is neither (an ordinary key)."""
        if key == SOURCE:
            self.quote(node, owner)
        elif key == JUDGEMENT:
            self.judge(node, owner)
        else:
            return False
        return True

    def judge(self, node: Node, owner: str) -> None:
        """Record the ``judgement:`` of the mapping at ``owner``: its reason, in words."""
        at = _join(owner, JUDGEMENT)
        if not isinstance(node.value, str):
            _fail(
                f"expected the reason for the judgement, as text (got {_got(node)})", node.mark, at
            )
        if not node.value.strip():
            _fail('the reason is empty (got "")', node.mark, at)
        self.judgements.append(Judgement(owner, " ".join(node.value.split()), node.mark.line))

    def names(self, what: str) -> list[str]:
        if what == "issue":
            return self.issues
        if what == "party":
            return self.parties
        if what.endswith(" event"):  # e.g. "strike event": the events of that type
            return [k for k, t in self.events.items() if t == what.removesuffix(" event")]
        raise KeyError(what)

    def quote(self, node: Node, owner: str) -> None:
        """Record the quotes of a ``source:`` node of the mapping at ``owner``."""
        error_path = _join(owner, SOURCE)
        items = node.value if isinstance(node.value, list) else [node]
        if isinstance(node.value, list) and not items:
            _fail("expected a quote or a list of quotes (got an empty list)", node.mark, error_path)
        for i, item in enumerate(items):
            at = _join(error_path, i) if isinstance(node.value, list) else error_path
            if not isinstance(item.value, str):
                _fail(
                    f"expected a quote (text) or a list of quotes (got {_got(item)})", item.mark, at
                )
            if not item.value.strip():
                _fail('the quote is empty (got "")', item.mark, at)
            self.quotes.append(
                Quote(owner, item.value, item.mark.file, item.mark.line, item.mark.column, at)
            )


MAX_ROUNDS = 10_000  # the longest scenario the engine runs (its round counters are small)
MAX_SEED = 2**63 - 1
MAX_RUNS = 10_000_000
NAME_RULE = "names must be lower-case letters, digits and _, starting with a letter"


class Kind:
    """A type of value in the schema: checks a node and converts it."""

    def check(self, node: Node, path: str, ctx: _Ctx) -> Any:
        raise NotImplementedError

    def doc(self) -> str:
        raise NotImplementedError


class Text(Kind):
    def check(self, node: Node, path: str, ctx: _Ctx) -> str:
        if not isinstance(node.value, str):
            _fail(f"expected text (got {_got(node)})", node.mark, path)
        return node.value

    def doc(self) -> str:
        return "text"


class Name(Text):
    """Text that follows the rule of names (the scenario's ``name``, which names its
    results folder): lower-case letters, digits and _, starting with a letter."""

    def check(self, node: Node, path: str, ctx: _Ctx) -> str:
        name = super().check(node, path, ctx)
        if not NAME_PATTERN.fullmatch(name):
            _fail(NAME_RULE + f" (got {_got(name)})", node.mark, path)
        return name

    def doc(self) -> str:
        return "name (`a-z`, `0-9`, `_`)"


@dataclass(frozen=True)
class OneOf(Kind):
    """One of a fixed set of words. ``choices`` may be a live mapping (the registered event
    types), read at each check."""

    choices: Collection[str]

    def check(self, node: Node, path: str, ctx: _Ctx) -> str:
        if not isinstance(node.value, str) or node.value not in self.choices:
            hint = _suggest(node.value, self.choices) if isinstance(node.value, str) else []
            extra = f"; did you mean '{hint[0]}'?" if hint else ""
            _fail(
                f"must be one of {', '.join(self.choices)}{extra} (got {_got(node)})",
                node.mark,
                path,
            )
        return node.value

    def doc(self) -> str:
        return " \\| ".join(f"`{c}`" for c in self.choices)


class Flag(Kind):
    def check(self, node: Node, path: str, ctx: _Ctx) -> bool:
        if not isinstance(node.value, bool):
            _fail(f"expected true or false (got {_got(node)})", node.mark, path)
        return node.value

    def doc(self) -> str:
        return "`true` \\| `false`"


@dataclass(frozen=True)
class Whole(Kind):
    """A plain whole number (rounds, runs, seed)."""

    lo: int
    hi: int | None = None  # what the engine can represent (rounds, seeds)

    def check(self, node: Node, path: str, ctx: _Ctx) -> int:
        x = _number(node, path, "a whole number")
        if not x.is_integer():
            _fail(f"expected a whole number (got {_got(node)})", node.mark, path)
        if x < self.lo:
            _fail(f"must be >= {self.lo} (got {_got(node)})", node.mark, path)
        if self.hi is not None and int(node.value) > self.hi:
            _fail(f"must be <= {self.hi} (got {_got(node)})", node.mark, path)
        return int(node.value)

    def doc(self) -> str:
        if self.hi is None:
            return f"whole number >= {self.lo}"
        return f"whole number from {self.lo} to {self.hi}"


@dataclass(frozen=True)
class Real(Kind):
    """A plain number (never a distribution)."""

    range: Range

    def check(self, node: Node, path: str, ctx: _Ctx) -> float:
        x = _number(node, path)
        if not self.range.holds(x, x):
            _fail(f"must be {self.range.phrase()} (got {_got(node)})", node.mark, path)
        return x

    def doc(self) -> str:
        return f"number {self.range.phrase()}"


@dataclass(frozen=True)
class Param(Kind):
    """A number or a distribution whose support lies in ``range``. ``whole``: a count of
    rounds (a plain number must be whole; the model rounds draws to whole numbers)."""

    range: Range = ANY
    whole: bool = False

    def check(self, node: Node, path: str, ctx: _Ctx) -> dist.Param:
        if isinstance(node.value, dict):
            d = _distribution(node, path, ctx)
            lo, hi = d.support()
            continuous = not isinstance(d, dist.Choice)
            if not self.range.holds(lo, hi, continuous):
                if isinstance(d, dist.Normal) and not (math.isfinite(lo) and math.isfinite(hi)):
                    _fail(
                        f"must be {self.range.phrase()}; normal is unbounded; give low/high "
                        f"(got {d.describe()})",
                        node.mark,
                        path,
                    )
                _fail(
                    f"must be {self.range.phrase()}, but the distribution spans "
                    f"[{dist._g(lo)}, {dist._g(hi)}] (got {d.describe()})",
                    node.mark,
                    path,
                )
            if self.whole and hi > MAX_ROUNDS:
                _fail(
                    f"a count of rounds must be <= {MAX_ROUNDS}, but the distribution spans "
                    f"[{dist._g(lo)}, {dist._g(hi)}] (got {d.describe()})",
                    node.mark,
                    path,
                )
            if (
                self.whole
                and isinstance(d, dist.Choice)
                and not all(float(v).is_integer() for v in d.values)
            ):
                _fail(
                    f"a count of rounds: choice values must be whole numbers (got {d.describe()})",
                    node.mark,
                    path,
                )
            return d
        what = "a whole number or a distribution" if self.whole else "a number or a distribution"
        x = _number(node, path, what)
        if not self.range.holds(x, x):
            _fail(f"must be {self.range.phrase()} (got {_got(node)})", node.mark, path)
        if self.whole and not x.is_integer():
            _fail(f"expected a whole number of rounds (got {_got(node)})", node.mark, path)
        if self.whole and x > MAX_ROUNDS:
            _fail(f"a count of rounds must be <= {MAX_ROUNDS} (got {_got(node)})", node.mark, path)
        return x

    def doc(self) -> str:
        rng = "" if self.range == ANY else f" {self.range.phrase()}"
        return f"{'whole ' if self.whole else ''}P{rng}"


@dataclass(frozen=True)
class Ref(Kind):
    """The name of a declared issue, party or strike event."""

    what: str  # "issue", "party" or "strike event"

    def check(self, node: Node, path: str, ctx: _Ctx) -> str:
        name = node.value
        names = ctx.names(self.what)
        if isinstance(name, str) and name in names:
            return name
        if not isinstance(name, str):
            _fail(f"expected the name of a {self.what} (got {_got(node)})", node.mark, path)
        _fail(f"{_not_declared(name, self.what, ctx)} (got {_got(name)})", node.mark, path)
        raise AssertionError  # unreachable

    def doc(self) -> str:
        return f"{self.what} name"


@dataclass(frozen=True)
class RefList(Kind):
    """One declared name, or a list of them (a truce over several strike events)."""

    what: str  # as for :class:`Ref`

    def check(self, node: Node, path: str, ctx: _Ctx) -> tuple[str, ...]:
        one = Ref(self.what)
        if not isinstance(node.value, list):
            return (one.check(node, path, ctx),)
        if not node.value:
            _fail(f"expected at least one {self.what} name (got {_got(node)})", node.mark, path)
        return tuple(one.check(c, _join(path, i), ctx) for i, c in enumerate(node.value))

    def doc(self) -> str:
        return f"{self.what} name or list of names"


def _not_declared(name: str, what: str, ctx: _Ctx) -> str:
    if what == "party" and name == ctx.mediator:
        return f"must name a party, not the mediator; parties: {', '.join(ctx.parties)}"
    if what == "strike event" and name in ctx.events:
        return f"must name a strike event, not a {ctx.events[name]} event"
    names = ctx.names(what)
    hint = _suggest(name, names)
    if hint:
        return f"not a declared {what}; did you mean '{hint[0]}'?"
    if not names:
        return f"not a declared {what}; there are no {what}s"
    return f"not a declared {what}; declared: {', '.join(names)}"


@dataclass(frozen=True)
class Table(Kind):
    """A mapping from declared names (issues or parties) to values."""

    key: str  # "issue" or "party"
    value: Kind

    def check(self, node: Node, path: str, ctx: _Ctx) -> dict[str, Any]:
        if not isinstance(node.value, dict):
            _fail(
                f"expected a mapping of {self.key} names to values (got {_got(node)})",
                node.mark,
                path,
            )
        out: dict[str, Any] = {}
        for key, child in node.value.items():
            sub = _join(path, key)
            if ctx.note(key, child, path):
                continue
            if key not in ctx.names(self.key):
                _fail(_not_declared(key, self.key, ctx), child.key_mark or child.mark, sub)
            out[key] = self.value.check(child, sub, ctx)
        return out

    def doc(self) -> str:
        return f"mapping {self.key} → {self.value.doc()}"


class Quotes(Kind):
    def check(self, node: Node, path: str, ctx: _Ctx) -> None:
        raise AssertionError("source is handled by the mapping that holds it")

    def doc(self) -> str:
        return "quote or list of quotes"


@dataclass(frozen=True)
class Key:
    """One key of a section: its kind, default, documentation and place in the dataclass.

    This is the one declaration of the key: validation, building, dumping, ``--set`` paths
    and the docs all read it. ``attr`` names the dataclass field when it differs from the
    key (``violations.lag`` is ``Mediator.response_lag``); ``inline`` marks a sub-section
    whose keys are fields of the enclosing dataclass rather than a dataclass of their own
    (a mediator's ``proposal``, ``pressure``, ``deadline``, ``violations``; a strike's
    ``backlash``), so the file nests where the dataclass is flat.

    ``default`` is REQUIRED, None (absent: the dataclass default or a rule given in
    ``default_doc``), or a value (a mapping default is checked like a written one, so a
    section's own defaults apply).
    """

    name: str
    kind: Kind
    default: Any = None
    doc: str = ""
    example: str = ""
    default_doc: str | None = None
    attr: str | None = ""
    inline: bool = False

    @property
    def field_name(self) -> str | None:
        """The dataclass field that holds the value: the key itself unless ``attr`` names
        another field; None when the value is not stored (``extends``, the top-level
        ``loss``, which only supplies the actors' default)."""
        return self.name if self.attr == "" else self.attr


@dataclass(frozen=True)
class Section(Kind):
    """A mapping with a fixed set of keys."""

    title: str
    keys: tuple[Key, ...]
    intro: str = ""
    others: Mapping[str, str] = field(default_factory=dict)  # key -> where it belongs
    spec: type | None = None  # the dataclass it builds (None: inline or built by hand)
    make: Callable[[dict[str, Any]], Any] | None = None  # builds ``spec`` when fields differ

    def field_paths(self) -> dict[str, str]:
        """Dataclass field -> key path in the file, for the fields whose path is not their
        name (``{"response_lag": "violations.lag", "budget": "pressure.budget", ...}``)."""
        out: dict[str, str] = {}
        for k in self.keys:
            if k.inline:
                assert isinstance(k.kind, Section)
                for f, sub in k.kind.field_paths().items():
                    out[f] = f"{k.name}.{sub}"
                for sk in k.kind.keys:
                    name = sk.field_name
                    if name is not None and not sk.inline and name not in out:
                        out[name] = f"{k.name}.{sk.name}"
            elif k.field_name is not None and k.field_name != k.name:
                out[k.field_name] = k.name
        return out

    @property
    def key_names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys)

    def key(self, name: str) -> Key:
        for k in self.keys:
            if k.name == name:
                return k
        raise KeyError(name)

    def unknown(self, key: str, child: Node, path: str) -> None:
        sub = _join(path, key)
        if key in self.others:
            _fail(
                f"unknown key for {self.title}; '{key}' belongs to {self.others[key]}",
                child.key_mark or child.mark,
                sub,
            )
        hint = _suggest(key, self.key_names)
        extra = f"did you mean '{hint[0]}'?" if hint else f"allowed: {', '.join(self.key_names)}"
        _fail(f"unknown key; {extra}", child.key_mark or child.mark, sub)

    def check_required(self, node: Node, path: str) -> None:
        for k in self.keys:
            if k.default is REQUIRED and k.name not in node.value:
                _fail(f"missing required key '{k.name}'", node.where, path)

    def check(self, node: Node, path: str, ctx: _Ctx) -> dict[str, Any]:
        if not isinstance(node.value, dict):
            _fail(
                f"expected a mapping with keys {', '.join(self.key_names)} (got {_got(node)})",
                node.mark,
                path,
            )
        out: dict[str, Any] = {}
        names = self.key_names
        for key, child in node.value.items():
            # a section may declare a key of its own named judgement (a calibration target)
            if (key == SOURCE or key not in names) and ctx.note(key, child, path):
                continue
            if key not in names:
                self.unknown(key, child, path)
            else:
                out[key] = self.key(key).kind.check(child, _join(path, key), ctx)
        self.check_required(node, path)
        for k in self.keys:
            if k.name in out or k.default is None or k.default is REQUIRED:
                continue
            if isinstance(k.default, dict):
                out[k.name] = k.kind.check(Node({}, node.where), _join(path, k.name), ctx)
            else:
                out[k.name] = k.default
        return out

    def doc(self) -> str:
        return "mapping"


@dataclass(frozen=True)
class Named(Kind):
    """A mapping from new names (issues, levers) to sections."""

    what: str
    item: Section

    def check(self, node: Node, path: str, ctx: _Ctx) -> dict[str, dict[str, Any]]:
        if not isinstance(node.value, dict):
            _fail(
                f"expected a mapping of {self.what} names to {self.what}s (got {_got(node)})",
                node.mark,
                path,
            )
        out = {}
        for key, child in node.value.items():
            if ctx.note(key, child, path):
                continue
            _check_name(key, child, _join(path, key))
            out[key] = self.item.check(child, _join(path, key), ctx)
        return out

    def doc(self) -> str:
        return f"mapping name → {self.what}"


@dataclass(frozen=True)
class Items(Kind):
    """A list of sections (red lines)."""

    what: str
    item: Section

    def check(self, node: Node, path: str, ctx: _Ctx) -> list[dict[str, Any]]:
        if not isinstance(node.value, list):
            _fail(f"expected a list of {self.what}s (got {_got(node)})", node.mark, path)
        return [self.item.check(child, _join(path, i), ctx) for i, child in enumerate(node.value)]

    def doc(self) -> str:
        return f"list of {self.what}s"


@dataclass(frozen=True)
class Variants(Kind):
    """A mapping from names to sections chosen by a selector key (role, type)."""

    what: str
    selector: str
    variants: Mapping[str, Section]

    def check(self, node: Node, path: str, ctx: _Ctx) -> dict[str, tuple[str, dict[str, Any]]]:
        out = {}
        for key, child in node.value.items():
            if ctx.note(key, child, path):
                continue
            choice = child.value[self.selector].value
            out[key] = (choice, self.variants[choice].check(child, _join(path, key), ctx))
        return out

    def doc(self) -> str:
        return f"mapping name → {self.what}"


def _check_name(name: str, node: Node, path: str) -> None:
    if not NAME_PATTERN.fullmatch(name):  # fullmatch: "$" would let a final newline pass
        _fail(
            NAME_RULE + f" (got {_got(name)})",
            node.key_mark or node.mark,
            path,
        )
