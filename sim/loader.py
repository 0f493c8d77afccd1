"""Scenario files: YAML -> marked tree -> validated :class:`~sim.scenario.Scenario`, and back.

This is the only module that reads or writes YAML. Loading runs in four steps:

1. *Parse.* A :class:`yaml.SafeLoader` subclass with its own scalar resolvers composes the
   file into nodes, and :func:`_construct` turns them into :class:`Node` objects that know
   their file, line and column. Duplicate keys are errors; ``1e-3`` is a number; the YAML
   1.1 booleans ``yes/no/on/off/y/n`` are errors (only ``true``/``false`` are booleans).
2. *Resolve.* ``extends`` is followed (deep merge: mappings merged, lists and scalars
   replaced), then each ``--set PATH=VALUE`` override is applied.
3. *Validate.* One declarative schema (:data:`TOP` and the sections below it) drives the
   checks, the static defaults and the key tables of ``docs/scenarios.md``
   (``python -m sim.loader --markdown``). Every error is a one-line
   :class:`~sim.errors.ScenarioError`: ``FILE:LINE:COL: key.path: what is wrong (got VALUE)``.
4. *Cite.* Every ``source:`` quote is checked against ``seeds/`` (:mod:`sim.provenance`).

:func:`dump_scenario` writes a scenario back as YAML with every value explicit; loading
that text gives an equal scenario.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from sim import distributions as dist
from sim.errors import ScenarioError
from sim.provenance import Quote, check_quotes
from sim.scenario import (
    EVENT_TYPES,
    LOSSES,
    STRATEGIES,
    Citation,
    Concession,
    FrontLine,
    Issue,
    Lever,
    Mediator,
    Party,
    Ratification,
    RedLine,
    Scenario,
    Shift,
    Strike,
    Truce,
    Walkout,
    War,
)

__all__ = [
    "load_scenario",
    "load_scenario_text",
    "scenario_from_mapping",
    "dump_scenario",
    "scenario_to_mapping",
    "yaml_key_path",
    "schema_markdown",
    "SET_FILE",
]

SET_FILE = "<--set>"  # the file name of errors in command-line overrides
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
SOURCE = "source"  # the key of quotes; allowed in every mapping, so never a name


# --------------------------------------------------------------------------------------
# Marked tree
# --------------------------------------------------------------------------------------


class Mark(NamedTuple):
    """Where a key or value sits: file, 1-based line and column (None when unknown)."""

    file: str
    line: int | None = None
    column: int | None = None


@dataclass
class Node:
    """A parsed value with its position.

    ``value`` is a ``dict[str, Node]``, a ``list[Node]``, or a plain scalar (str, int,
    float, bool or None). ``key_mark`` is the position of the key that holds the value in
    its parent mapping (None for list items and the root).
    """

    value: Any
    mark: Mark
    key_mark: Mark | None = None

    @property
    def where(self) -> Mark:
        """The best position for an error about the value as a whole."""
        return self.key_mark or self.mark


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _fail(message: str, mark: Mark | None, key_path: str | None) -> None:
    """Raise the one-line ScenarioError (odd keys with line breaks are escaped)."""
    raise ScenarioError(
        _one_line(message),
        path=None if mark is None else mark.file,
        line=None if mark is None else mark.line,
        column=None if mark is None else mark.column,
        key_path=_one_line(key_path) if key_path else None,
    )


def _join(path: str, key: str | int) -> str:
    return f"{path}.{key}" if path else str(key)


def _num(x: float | int) -> str:
    """A number as the user would write it."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    return repr(float(x))


def _got(value: Any) -> str:
    """A value for the ``(got ...)`` part of a message, always on one line."""
    if isinstance(value, Node):
        value = _plain(value)
    if value is None:
        return "null"
    if isinstance(value, bool | int | float):
        return _num(value)
    if isinstance(value, str):
        text = value if len(value) <= 80 else value[:77] + "..."
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, dict):
        if not value:
            return "an empty mapping"
        if len(value) <= 6 and all(_is_scalar(v) for v in value.values()):
            return "{" + ", ".join(f"{k}: {_got(v)}" for k, v in value.items()) + "}"
        return "a mapping with keys " + ", ".join(str(k) for k in value)
    if isinstance(value, list):
        if not value:
            return "an empty list"
        if len(value) <= 8 and all(_is_scalar(v) for v in value):
            return "[" + ", ".join(_got(v) for v in value) + "]"
        return f"a list of {len(value)} items"
    return type(value).__name__


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | bool | int | float)


def _suggest(word: str, choices: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)


def _plain(node: Node | None) -> Any:
    """The plain Python value of a node (dicts, lists, scalars)."""
    if node is None:
        return None
    if isinstance(node.value, dict):
        return {k: _plain(v) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [_plain(v) for v in node.value]
    return node.value


# --------------------------------------------------------------------------------------
# YAML: resolvers, parsing, dumping
# --------------------------------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"
_YAML11_BOOL = "tag:negsim,2026:yaml11-bool"
_YAML11_MESSAGE = (
    "yes/no/on/off/y/n are not booleans here; write true or false, "
    "or quote the word if a string is meant"
)


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML-1.2-like scalars.

    Plain ``1e-3`` and ``5E+2`` are floats (PyYAML's YAML 1.1 resolver reads them as
    strings); ``yes/no/on/off/y/n`` in any case get a tag of their own that the
    constructor rejects; ``1:30`` (sexagesimal) and ``2026-02-03`` (timestamp) stay text.
    """

    yaml_implicit_resolvers: dict = {}


_Loader.add_implicit_resolver(
    _TAG + "null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Loader.add_implicit_resolver(
    _TAG + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    _YAML11_BOOL,
    re.compile(r"^(?:[yY](?:[eE][sS])?|[nN][oO]?|[oO][nN]|[oO][fF][fF])$"),
    list("yYnNoO"),
)
_Loader.add_implicit_resolver(
    _TAG + "int", re.compile(r"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    _TAG + "float",
    re.compile(
        r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?[0-9]+[eE][-+]?[0-9]+"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


class _Dumper(yaml.SafeDumper):
    """SafeDumper that quotes exactly the strings :class:`_Loader` would not read back as
    strings (``"no"``, ``"1e-3"``)."""

    yaml_implicit_resolvers = dict(_Loader.yaml_implicit_resolvers)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data.strip("\n") else None
    return dumper.represent_scalar(_TAG + "str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def _scalar(node: yaml.ScalarNode, mark: Mark, key_path: str) -> Any:
    tag, text = node.tag, node.value
    if tag == _TAG + "str":
        return text
    if tag == _TAG + "null":
        return None
    if tag == _TAG + "bool" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if tag in (_TAG + "bool", _YAML11_BOOL):
        _fail(f"{_YAML11_MESSAGE} (got {text})", mark, key_path)
    try:
        if tag == _TAG + "int":
            t = text.replace("_", "")
            if t.lower().startswith(("0x", "-0x", "+0x")):
                return int(t, 16)
            if t.lower().startswith(("0o", "-0o", "+0o")):
                return int(t.replace("0o", "").replace("0O", ""), 8)
            return int(t)
        if tag == _TAG + "float":
            t = text.replace("_", "").lower()
            if t.lstrip("+-") in (".inf", ".nan"):
                t = t.replace(".", "")
            return float(t)
    except ValueError:
        _fail(f"cannot read this as {tag.rsplit(':', 1)[-1]} (got {_got(text)})", mark, key_path)
    _fail(f"unsupported YAML tag {tag} (got {_got(text)})", mark, key_path)
    raise AssertionError  # unreachable: _fail raises


def _position(file: str, ymark: Any, positions: bool) -> Mark:
    if not positions or ymark is None:
        return Mark(file)
    return Mark(file, ymark.line + 1, ymark.column + 1)


def _construct(
    node: yaml.Node, file: str, key_path: str, positions: bool, active: frozenset
) -> Node:
    mark = _position(file, node.start_mark, positions)
    if isinstance(node, yaml.MappingNode):
        if id(node) in active:
            _fail("recursive YAML alias", mark, key_path)
        inner = active | {id(node)}
        items: dict[str, Node] = {}
        for knode, vnode in node.value:
            kmark = _position(file, knode.start_mark, positions)
            if not isinstance(knode, yaml.ScalarNode):
                _fail("keys must be names, not mappings or lists", kmark, key_path)
            key = str(knode.value)
            sub = _join(key_path, key)
            if key in items:
                first = items[key].key_mark
                where = f" (first at line {first.line})" if first and first.line else ""
                _fail(f"duplicate key{where}", kmark, sub)
            child = _construct(vnode, file, sub, positions, inner)
            child.key_mark = kmark
            items[key] = child
        return Node(items, mark)
    if isinstance(node, yaml.SequenceNode):
        if id(node) in active:
            _fail("recursive YAML alias", mark, key_path)
        inner = active | {id(node)}
        return Node(
            [
                _construct(v, file, _join(key_path, i), positions, inner)
                for i, v in enumerate(node.value)
            ],
            mark,
        )
    return Node(_scalar(node, mark, key_path), mark)


def _parse(text: str, file: str, *, key_path: str = "", positions: bool = True) -> Node | None:
    """Parse one YAML document into a marked tree (None for an empty document)."""
    loader = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        ymark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(exc.problem or exc.context or "syntax error").split())
        context = ""
        if exc.context and exc.problem and exc.context_mark is not None:
            context = f" ({' '.join(exc.context.split())} at line {exc.context_mark.line + 1})"
        _fail(f"invalid YAML: {problem}{context}", _position(file, ymark, positions), key_path)
    except yaml.reader.ReaderError as exc:  # a control character in the text
        before = text[: exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        mark = Mark(file, line, column) if positions else Mark(file)
        _fail(f"invalid YAML: character #x{exc.character:04x} is not allowed", mark, key_path)
    except yaml.YAMLError as exc:
        _fail(f"invalid YAML: {' '.join(str(exc).split())}", Mark(file), key_path)
    except RecursionError:
        _fail("invalid YAML: nested too deeply", Mark(file), key_path)
    finally:
        if loader is not None:
            loader.dispose()
    if root is None:
        return None
    try:
        return _construct(root, file, key_path, positions, frozenset())
    except RecursionError:
        _fail("invalid YAML: nested too deeply", Mark(file), key_path)
        raise AssertionError from None  # unreachable


def _read_root(text: str, file: str) -> Node:
    root = _parse(text, file)
    if root is None or root.value is None:
        _fail(
            "the file is empty; a scenario is a mapping with keys such as rounds, issues "
            "and actors",
            Mark(file),
            None,
        )
    assert root is not None
    if not isinstance(root.value, dict):
        _fail(f"a scenario must be a mapping of keys to values (got {_got(root)})", root.mark, None)
    return root


# --------------------------------------------------------------------------------------
# extends and --set
# --------------------------------------------------------------------------------------


def _is_real(file: str) -> bool:
    return not (file.startswith("<") and file.endswith(">"))


def _read_file(file: str, via: Node | None) -> str:
    """The text of a scenario file; ``via`` is the ``extends`` node that named it."""
    try:
        return Path(file).read_text(encoding="utf-8")
    except FileNotFoundError:
        if via is not None:
            _fail(f"file not found: {file} (got {_got(via)})", via.mark, "extends")
        _fail("file not found", Mark(file), None)
    except UnicodeDecodeError:
        reason = "not UTF-8 text"
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    if via is not None:
        _fail(f"cannot read {file}: {reason} (got {_got(via)})", via.mark, "extends")
    _fail(f"cannot read file: {reason}", Mark(file), None)
    raise AssertionError  # unreachable


def _merge(base: Node, over: Node) -> Node:
    """Deep merge: mappings merged key by key (``over`` wins); lists, scalars and
    distributions given with ``dist:`` replace the base value whole; ``key: null`` in
    ``over`` deletes the inherited key."""
    if isinstance(base.value, dict) and isinstance(over.value, dict) and "dist" not in over.value:
        items = dict(base.value)
        for key, value in over.value.items():
            if value.value is None and key in items:
                del items[key]  # `key: null` deletes an inherited key
            else:
                items[key] = _merge(items[key], value) if key in items else value
        return Node(items, over.mark, over.key_mark)
    return over


def _resolve_extends(root: Node, file: str, chain: tuple[tuple[str, str], ...]) -> Node:
    via = root.value.get("extends")
    if via is None:
        return root
    if not isinstance(via.value, str) or not via.value.strip():
        _fail(f"expected the path of a scenario file (got {_got(via)})", via.mark, "extends")
    folder = os.path.dirname(file) if _is_real(file) else ""
    base_file = os.path.normpath(os.path.join(folder, via.value.strip()))
    real = os.path.realpath(base_file)
    seen = [r for r, _ in chain]
    if real in seen:
        loop = [d for _, d in chain[seen.index(real) :]] + [base_file]
        _fail(f"cycle: {' -> '.join(loop)}", via.mark, "extends")
    base = _read_root(_read_file(base_file, via), base_file)
    base = _resolve_extends(base, base_file, chain + ((real, base_file),))
    own = Node({k: v for k, v in root.value.items() if k != "extends"}, root.mark, root.key_mark)
    return _merge(base, own)


def _resolve(root: Node, file: str) -> Node:
    chain = ((os.path.realpath(file), file),) if _is_real(file) else ()
    return _resolve_extends(root, file, chain)


def _file_path(root: Node, parts: list[str], value: Node) -> list[str]:
    """Translate a parameter path as in :meth:`Scenario.parameters` and replicates.csv
    (``actors.us.budget``, ``actors.x.red_lines.0.bound``) to its path in the file
    (``actors.us.pressure.budget``, ``actors.x.red_lines.0.max``); other paths unchanged."""
    if len(parts) < 3 or parts[0] not in ("actors", "events"):
        return parts
    container = root.value.get(parts[0])
    item = (
        container.value.get(parts[1]) if container and isinstance(container.value, dict) else None
    )
    if item is None or not isinstance(item.value, dict):
        return parts
    selector = item.value.get("role" if parts[0] == "actors" else "type")
    kind = selector.value if selector is not None else None
    head, rest = parts[:2], parts[2:]
    if kind == "mediator" and rest[0] in MEDIATOR_LAYOUT:
        if rest[0] == "deadline" and (
            len(rest) > 1 or (isinstance(value.value, dict) and "dist" not in value.value)
        ):
            return parts  # the file's own deadline mapping
        return head + MEDIATOR_LAYOUT[rest[0]].split(".") + rest[1:]
    if kind == "party" and len(rest) == 3 and rest[0] == "red_lines" and rest[2] == "bound":
        lines = item.value.get("red_lines")
        if (
            lines
            and isinstance(lines.value, list)
            and rest[1].isdigit()
            and int(rest[1]) < len(lines.value)
        ):
            line = lines.value[int(rest[1])]
            if isinstance(line.value, dict):
                for bound in ("min", "max"):
                    if bound in line.value:
                        return head + rest[:2] + [bound]
    if kind == "strike" and rest[0] in STRIKE_LAYOUT:
        return head + STRIKE_LAYOUT[rest[0]].split(".") + rest[1:]
    return parts


def _child_kind(kind: Kind | None, key: str, parent: Node) -> Kind | None:
    """The schema kind of ``parent[key]``, when the schema knows it."""
    if isinstance(kind, Section):
        return kind.key(key).kind if key in kind.key_names else None
    if isinstance(kind, Named | Items):
        return kind.item
    if isinstance(kind, Table):
        return kind.value
    if isinstance(kind, Variants) and isinstance(parent.value, dict):
        child = parent.value.get(key)
        if child is not None and isinstance(child.value, dict):
            selector = child.value.get(kind.selector)
            if selector is not None and isinstance(selector.value, str):
                return kind.variants.get(selector.value)
    return None


def _apply_override(root: Node, text: str) -> None:
    """Apply one ``PATH=VALUE``; an added key is checked later by the schema."""
    path, sep, value_text = text.partition("=")
    path = path.strip()
    if not sep or not path:
        _fail(f"expected PATH=VALUE (got {_got(text)})", Mark(SET_FILE), None)
    parts = path.split(".")
    if any(not p for p in parts):
        _fail(f"empty key in the path (got {_got(path)})", Mark(SET_FILE), path)
    value = _parse(value_text, SET_FILE, key_path=path, positions=False)
    if value is None:
        value = Node(None, Mark(SET_FILE))
    value.key_mark = Mark(SET_FILE)
    parts = _file_path(root, parts, value)
    parent, where, kind = root, "the top level", TOP
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        kind = _child_kind(kind, part, parent)
        if isinstance(parent.value, dict):
            if part in parent.value:
                if last:
                    parent.value[part] = value
                else:
                    parent, where = parent.value[part], ".".join(parts[: i + 1])
                continue
            if last:  # a new key: allowed if the schema knows it (checked by validation)
                parent.value[part] = value
                continue
            if isinstance(kind, Section):  # an optional section left out: create it
                parent.value[part] = Node({}, Mark(SET_FILE), Mark(SET_FILE))
                parent, where = parent.value[part], ".".join(parts[: i + 1])
                continue
            hint = _suggest(part, parent.value)
            extra = f"; did you mean '{hint[0]}'?" if hint else ""
            _fail(f"path not found: no key '{part}' in {where}{extra}", Mark(SET_FILE), path)
        elif isinstance(parent.value, list):
            n = len(parent.value)
            if not re.fullmatch(r"[0-9]+", part) or int(part) >= n:
                _fail(
                    f"path not found: {where} is a list of {n} (items 0 to {n - 1}) "
                    f"(got {_got(part)})",
                    Mark(SET_FILE),
                    path,
                )
            if last:
                parent.value[int(part)] = value
            else:
                parent, where = parent.value[int(part)], ".".join(parts[: i + 1])
        else:
            _fail(
                f"path not found: {where} is {_got(parent)}, not a mapping or a list",
                Mark(SET_FILE),
                path,
            )


# --------------------------------------------------------------------------------------
# The schema: kinds of values
# --------------------------------------------------------------------------------------

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

    def names(self, what: str) -> list[str]:
        if what == "issue":
            return self.issues
        if what == "party":
            return self.parties
        if what == "strike event":
            return [k for k, t in self.events.items() if t == "strike"]
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


@dataclass(frozen=True)
class OneOf(Kind):
    choices: tuple[str, ...]

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


def _number(node: Node, path: str, what: str = "a number") -> float:
    """A finite plain number (bool is not a number)."""
    v = node.value
    if isinstance(v, bool):
        _fail(f"expected {what}, not a boolean (got {_got(v)})", node.mark, path)
    if not isinstance(v, int | float):
        _fail(f"expected {what} (got {_got(node)})", node.mark, path)
    try:
        x = float(v)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        _fail(f"expected a finite number (got {_got(v)})", node.mark, path)
    return x


@dataclass(frozen=True)
class Whole(Kind):
    """A plain whole number (rounds, runs, seed)."""

    lo: int

    def check(self, node: Node, path: str, ctx: _Ctx) -> int:
        x = _number(node, path, "a whole number")
        if not x.is_integer():
            _fail(f"expected a whole number (got {_got(node)})", node.mark, path)
        if x < self.lo:
            _fail(f"must be >= {self.lo} (got {_got(node)})", node.mark, path)
        return int(node.value)

    def doc(self) -> str:
        return f"whole number >= {self.lo}"


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


_DIST_PARAMETERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uniform": (("low", "high"), ()),
    "normal": (("mean", "sd"), ("low", "high")),
    "beta": (("a", "b"), ("low", "high")),
    "triangular": (("low", "mode", "high"), ()),
    "choice": (("values",), ("weights",)),
}
assert tuple(_DIST_PARAMETERS) == dist.DISTRIBUTION_KINDS


def _numbers(node: Node, path: str) -> list[float]:
    if not isinstance(node.value, list) or not node.value:
        _fail(f"expected a non-empty list of numbers (got {_got(node)})", node.mark, path)
    return [_number(item, _join(path, i)) for i, item in enumerate(node.value)]


def _distribution(node: Node, path: str, ctx: _Ctx) -> dist.Distribution:
    items: dict[str, Node] = node.value
    kinds = ", ".join(dist.DISTRIBUTION_KINDS)
    if "dist" not in items:
        _fail(
            f"expected a number or a distribution (a mapping with dist: {kinds}) "
            f"(got {_got(node)})",
            node.mark,
            path,
        )
    knode = items["dist"]
    kind = knode.value
    if not isinstance(kind, str) or kind not in _DIST_PARAMETERS:
        hint = _suggest(kind, _DIST_PARAMETERS) if isinstance(kind, str) else []
        extra = f"; did you mean '{hint[0]}'?" if hint else f"; use one of {kinds}"
        _fail(f"unknown distribution{extra} (got {_got(knode)})", knode.mark, _join(path, "dist"))
    required, optional = _DIST_PARAMETERS[kind]
    allowed = required + optional
    for key, child in items.items():
        if key == SOURCE:
            ctx.quote(child, path)
        elif key != "dist" and key not in allowed:
            hint = _suggest(key, allowed)
            extra = f"did you mean '{hint[0]}'?" if hint else f"{kind} takes {', '.join(allowed)}"
            _fail(
                f"unknown parameter of {kind}; {extra}",
                child.key_mark or child.mark,
                _join(path, key),
            )
    for key in required:
        if key not in items:
            _fail(
                f"{kind} needs parameter '{key}' ({kind} takes {', '.join(allowed)})",
                node.where,
                path,
            )
    if kind == "choice":
        values = _numbers(items["values"], _join(path, "values"))
        if "weights" in items:
            wnode = items["weights"]
            weights = _numbers(wnode, _join(path, "weights"))
            if len(weights) != len(values):
                _fail(
                    f"choice needs one weight per value (got {len(values)} values and "
                    f"{len(weights)} weights)",
                    wnode.mark,
                    _join(path, "weights"),
                )
            for i, w in enumerate(weights):
                if w < 0:
                    _fail(
                        f"choice weights must be >= 0 (got {_num(w)})",
                        wnode.value[i].mark,
                        _join(path, f"weights.{i}"),
                    )
            if sum(weights) <= 0:
                shown = "[" + ", ".join(_got(w.value) for w in wnode.value) + "]"
                _fail(
                    f"choice weights must sum to a positive number (got {shown})",
                    wnode.mark,
                    _join(path, "weights"),
                )
        else:
            weights = [1.0] * len(values)
        return dist.Choice(tuple(values), tuple(weights))
    p = {k: _number(items[k], _join(path, k)) for k in allowed if k in items}

    def got(*keys: str) -> str:
        """The parameters as written, e.g. ``low=0.9, high=0.8``."""
        return ", ".join(f"{k}={_got(items[k].value) if k in items else _num(p[k])}" for k in keys)

    def need(ok: bool, message: str, at: str | None = None) -> None:
        if not ok:
            where = items[at] if at else node
            _fail(message, where.mark, _join(path, at) if at else path)

    if kind in ("beta",):
        p.setdefault("low", 0.0)
        p.setdefault("high", 1.0)
    if "low" in p and "high" in p:
        need(p["low"] < p["high"], f"{kind} needs low < high (got {got('low', 'high')})")
    if kind == "uniform":
        return dist.Uniform(p["low"], p["high"])
    if kind == "normal":
        need(p["sd"] > 0, f"normal needs sd > 0 (got {got('sd')})", "sd")
        return dist.Normal(p["mean"], p["sd"], p.get("low"), p.get("high"))
    if kind == "beta":
        need(p["a"] > 0, f"beta needs a > 0 (got {got('a')})", "a")
        need(p["b"] > 0, f"beta needs b > 0 (got {got('b')})", "b")
        return dist.Beta(p["a"], p["b"], p["low"], p["high"])
    # triangular
    need(
        p["low"] <= p["mode"] <= p["high"],
        f"triangular needs low <= mode <= high (got {got('low', 'mode', 'high')})",
        "mode",
    )
    return dist.Triangular(p["low"], p["mode"], p["high"])


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
            if key == SOURCE:
                ctx.quote(child, path)
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
    """One key of a section: its kind, default and documentation.

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


@dataclass(frozen=True)
class Section(Kind):
    """A mapping with a fixed set of keys."""

    title: str
    keys: tuple[Key, ...]
    intro: str = ""
    others: Mapping[str, str] = field(default_factory=dict)  # key -> where it belongs

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
            if key == SOURCE:
                ctx.quote(child, path)
            elif key not in names:
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
            if key == SOURCE:
                ctx.quote(child, path)
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
            if key == SOURCE:
                ctx.quote(child, path)
                continue
            choice = child.value[self.selector].value
            out[key] = (choice, self.variants[choice].check(child, _join(path, key), ctx))
        return out

    def doc(self) -> str:
        return f"mapping name → {self.what}"


def _check_name(name: str, node: Node, path: str) -> None:
    if not NAME_PATTERN.match(name):
        _fail(
            "names must be lower-case letters, digits and _, starting with a letter "
            f"(got {_got(name)})",
            node.key_mark or node.mark,
            path,
        )


# --------------------------------------------------------------------------------------
# The schema: sections
# --------------------------------------------------------------------------------------

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
            "one", Text(), REQUIRED, "what 1 on this issue means",
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


# --------------------------------------------------------------------------------------
# Validation and building
# --------------------------------------------------------------------------------------


def _declare(root: Node, ctx: _Ctx) -> None:
    """Collect the names of issues, actors and events, so references can be checked in any
    order; check roles, types and the number of parties and mediators."""
    items: dict[str, Node] = root.value

    def container(key: str) -> dict[str, Node]:
        node = items.get(key)
        if node is None:
            return {}
        if not isinstance(node.value, dict):
            _fail(f"expected a mapping of names to {key} (got {_got(node)})", node.mark, key)
        return {k: v for k, v in node.value.items() if k != SOURCE}

    issues = container("issues")
    for name, node in issues.items():
        _check_name(name, node, f"issues.{name}")
    if "issues" in items and not issues:
        _fail("a scenario needs at least one issue (got none)", items["issues"].where, "issues")
    ctx.issues = list(issues)

    for key, selector, choices in (
        ("actors", "role", ("party", "mediator")),
        ("events", "type", EVENT_TYPES),
    ):
        for name, node in container(key).items():
            path = f"{key}.{name}"
            _check_name(name, node, path)
            if not isinstance(node.value, dict):
                _fail(
                    f"expected a mapping with {selector}: and the keys of the {key[:-1]} "
                    f"(got {_got(node)})",
                    node.mark,
                    path,
                )
            if selector not in node.value:
                _fail(
                    f"missing required key '{selector}' ({' or '.join(choices)})", node.where, path
                )
            choice = OneOf(choices).check(node.value[selector], f"{path}.{selector}", ctx)
            if key == "events":
                ctx.events[name] = choice
            elif choice == "party":
                ctx.parties.append(name)
            elif ctx.mediator is not None:
                _fail(
                    f"a scenario has at most one mediator (already: {ctx.mediator})",
                    node.where,
                    path,
                )
            else:
                ctx.mediator = name
    if "actors" in items and len(ctx.parties) < 2:
        names = f": {', '.join(ctx.parties)}" if ctx.parties else ""
        _fail(
            f"a scenario needs at least two parties (got {len(ctx.parties)}{names})",
            items["actors"].where,
            "actors",
        )


def _get(d: Mapping[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        if d is None or part not in d:
            return None
        d = d[part]
    return d


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
_BETA_BY_STRATEGY = {"boulware": 0.3, "conceder": 3.0, "linear": 1.0, "none": 1.0}


def _mean(value: dist.Param) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            m = float(dist.param_mean(value))
        except (ValueError, ArithmeticError):
            m = math.nan
    if not math.isfinite(m):  # e.g. a truncated normal far in its tail
        lo, hi = value.support() if dist.is_distribution(value) else (value, value)  # type: ignore[union-attr]
        m = 0.5 * (lo + hi) if math.isfinite(lo) and math.isfinite(hi) else 0.0
    return m


def _node_at(root: Node, path: str) -> Node:
    """The node at a dotted path (for positions of cross-field errors)."""
    node = root
    for part in path.split("."):
        if isinstance(node.value, dict) and part in node.value:
            node = node.value[part]
        elif isinstance(node.value, list) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
        else:
            break
    return node


def _build_party(name: str, d: dict[str, Any], top: dict[str, Any], root: Node, ctx: _Ctx) -> Party:
    path = f"actors.{name}"
    red_lines = []
    for i, r in enumerate(d["red_lines"]):
        rpath = f"{path}.red_lines.{i}"
        if ("min" in r) == ("max" in r):
            node = _node_at(root, rpath)
            message = (
                "a red line has min or max, not both"
                if "min" in r
                else "a red line needs min or max"
            )
            _fail(f"{message} (got {_got(node)})", node.where, rpath)
        kind = "min" if "min" in r else "max"
        red_lines.append(RedLine(r["issue"], kind, r[kind], r["penalty"], r["absolute"]))
    c = dict(d["concession"])
    c.setdefault("beta", _BETA_BY_STRATEGY[c["strategy"]])
    rat = d.get("ratification")
    return Party(
        name=name,
        label=d.get("label", name),
        ideal=d["ideal"],
        salience=d["salience"],
        loss=d.get("loss", top["loss"]),
        red_lines=tuple(red_lines),
        batna=d.get("batna"),
        war=War(**d["war"]),
        patience=d["patience"],
        concession=Concession(**c),
        belief_noise_sd=d["belief_noise_sd"],
        walkout=Walkout(**d["walkout"]),
        ratification=None if rat is None else Ratification(**rat),
    )


def _build_mediator(
    name: str, d: dict[str, Any], top: dict[str, Any], root: Node, ctx: _Ctx
) -> Mediator:
    flat = {f: _get(d, p) for f, p in MEDIATOR_LAYOUT.items()}
    bias = flat["bias"]
    if sum(_mean(v) for v in bias.values()) > 1.0 + 1e-9:
        node = _node_at(root, f"actors.{name}.proposal.bias")
        total = sum(_mean(v) for v in bias.values())
        _fail(
            f"bias weights must sum to at most 1 (got a sum of {total:.6g})",
            node.where,
            f"actors.{name}.proposal.bias",
        )
    flat["levers"] = tuple(Lever(name=k, **v) for k, v in flat["levers"].items())
    return Mediator(
        name=name,
        label=d.get("label", name),
        ideal=d["ideal"],
        salience=d["salience"],
        loss=d.get("loss", top["loss"]),
        **flat,
    )


def _complete_issues(name: str, d: dict[str, Any], root: Node, ctx: _Ctx) -> None:
    """Every issue needs an ideal; missing saliences are 0 and not all may be 0."""
    path = f"actors.{name}"
    missing = [i for i in ctx.issues if i not in d["ideal"]]
    if missing:
        node = _node_at(root, f"{path}.ideal")
        _fail(
            f"missing an ideal point for {', '.join(missing)} (every issue needs one)",
            node.where,
            f"{path}.ideal",
        )
    d["ideal"] = {i: d["ideal"][i] for i in ctx.issues}
    d["salience"] = {i: d["salience"].get(i, 0.0) for i in ctx.issues}
    if all(_mean(v) == 0 for v in d["salience"].values()):
        node = _node_at(root, f"{path}.salience")
        _fail(f"saliences must not all be zero (got {_got(node)})", node.where, f"{path}.salience")


def _build_event(name: str, kind: str, d: dict[str, Any], root: Node) -> Strike | Truce | Shift:
    path = f"events.{name}"
    start, end = d["start_round"], d.get("end_round")
    if (
        end is not None
        and not (dist.is_distribution(start) or dist.is_distribution(end))
        and end < start
    ):
        node = _node_at(root, f"{path}.end_round")
        _fail(
            f"must be >= start_round ({dist._g(start)}) (got {_got(node)})",
            node.mark,
            f"{path}.end_round",
        )
    fields_ = {k: v for k, v in d.items() if k != "type"}
    if kind == "strike":
        if d["by"] == d["target"]:
            node = _node_at(root, f"{path}.target")
            _fail(f"a party cannot strike itself (got {_got(node)})", node.mark, f"{path}.target")
        flat = {f: _get(d, p) for f, p in STRIKE_LAYOUT.items()}
        del fields_["backlash"]
        return Strike(name=name, **fields_, **flat)
    if kind == "truce":
        return Truce(name=name, **fields_)
    return Shift(name=name, type=kind, **fields_)


def _build(root: Node, file: str) -> Scenario:
    ctx = _Ctx()
    if "extends" in root.value:  # only an override can put it back after resolution
        node = root.value["extends"]
        _fail("extends cannot be set here (it is resolved before overrides)", node.where, "extends")
    TOP.check_required(root, "")
    _declare(root, ctx)
    top = TOP.check(root, "", ctx)

    parties, mediator = [], None
    for name, (role, d) in top["actors"].items():
        _complete_issues(name, d, root, ctx)
        if role == "party":
            parties.append(_build_party(name, d, top, root, ctx))
        else:
            mediator = _build_mediator(name, d, top, root, ctx)

    first = top["protocol"].get("first_proposer")
    if mediator is None and first is None:
        where = root.value.get("protocol") or root.value["actors"]
        _fail(
            "required when there is no mediator (the parties alternate proposals, starting "
            "with this party)",
            where.where,
            "protocol.first_proposer",
        )

    fl = top["world"].get("front_line")
    default_name = Path(file).stem if _is_real(file) else "scenario"
    citations = check_quotes(ctx.quotes, scenario_file=file if _is_real(file) else None)
    scenario = Scenario(
        name=top.get("name", default_name),
        description=top["description"],
        rounds=top["rounds"],
        round_days=top["round_days"],
        runs=top["runs"],
        seed=top["seed"],
        issues=tuple(Issue(name=k, **v) for k, v in top["issues"].items()),
        parties=tuple(parties),
        mediator=mediator,
        front_line=None if fl is None else FrontLine(**fl),
        events=tuple(_build_event(k, kind, d, root) for k, (kind, d) in top["events"].items()),
        first_proposer=first,
        citations=citations,
        path=file,
        resolved=_plain(root),
    )
    return replace(scenario, citations=_canonical_citations(scenario))


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def _finish(root: Node, file: str, overrides: Iterable[str]) -> Scenario:
    if isinstance(overrides, str):
        overrides = [overrides]
    for text in overrides:
        _apply_override(root, text)
    return _build(root, file)


def load_scenario(path: str | os.PathLike[str], overrides: Iterable[str] = ()) -> Scenario:
    """Load, resolve (``extends``, then ``overrides``) and validate a scenario file.

    Parameters
    ----------
    path : str or path-like
        The scenario file. Error messages name it as given.
    overrides : iterable of str
        ``PATH=VALUE`` strings as given to ``--set``; VALUE is read as YAML.

    Raises
    ------
    ScenarioError
        For any problem, with file, line, column and key path.
    """
    file = os.fspath(path)
    root = _read_root(_read_file(file, None), file)
    return _finish(_resolve(root, file), file, overrides)


def load_scenario_text(
    text: str, path: str = "<string>", overrides: Iterable[str] = ()
) -> Scenario:
    """Load a scenario from YAML text; ``path`` names it in errors and anchors ``extends``
    and the search for ``seeds/``."""
    root = _read_root(text, path)
    return _finish(_resolve(root, path), path, overrides)


def _from_plain(value: Any, file: str, path: str) -> Node:
    mark = Mark(file)
    if isinstance(value, Mapping):
        items = {}
        for k, v in value.items():
            if not isinstance(k, str):
                _fail(f"keys must be names (got {_got(k)})", mark, path)
            items[k] = _from_plain(v, file, _join(path, k))
            items[k].key_mark = mark
        return Node(items, mark)
    if isinstance(value, list | tuple):
        return Node([_from_plain(v, file, _join(path, i)) for i, v in enumerate(value)], mark)
    if value is None or isinstance(value, str | bool | int | float):
        return Node(value, mark)
    _fail(f"unsupported value (got {_got(value)})", mark, path)
    raise AssertionError  # unreachable


def scenario_from_mapping(
    data: Mapping[str, Any], path: str = "<mapping>", overrides: Iterable[str] = ()
) -> Scenario:
    """Validate a scenario given as a plain mapping (as YAML would give); errors carry no
    line numbers. ``extends`` is resolved relative to ``path``."""
    if not isinstance(data, Mapping):
        _fail(
            f"a scenario must be a mapping of keys to values (got {_got(data)})", Mark(path), None
        )
    return _finish(_resolve(_from_plain(data, path, ""), path), path, overrides)


def _param_yaml(value: dist.Param, quotes: list[str] | None = None) -> Any:
    if dist.is_distribution(value):
        out = dict(value.to_yaml())  # type: ignore[union-attr]
        if quotes:
            out = {SOURCE: quotes[0] if len(quotes) == 1 else list(quotes), **out}
        return out
    f = float(value)  # type: ignore[arg-type]
    return int(f) if f.is_integer() and abs(f) < 2**53 else f


def scenario_to_mapping(scenario: Scenario, *, strict: bool = True) -> dict[str, Any]:
    """The scenario as a plain mapping in the file layout, every value explicit and every
    ``source:`` quote in the mapping where it was written."""
    cites: dict[str, list[str]] = {}
    for c in scenario.citations:
        cites.setdefault(c.key_path, []).append(c.quote)
    placed: set[str] = set()

    def m(path: str, items: dict[str, Any]) -> dict[str, Any]:
        """A mapping at ``path``, with its quotes first."""
        if path in cites:
            placed.add(path)
            q = cites[path]
            return {SOURCE: q[0] if len(q) == 1 else list(q), **items}
        return items

    def p(path: str, value: dist.Param) -> Any:
        if dist.is_distribution(value) and path in cites:
            placed.add(path)
            return _param_yaml(value, cites[path])
        return _param_yaml(value)

    def table(path: str, values: Mapping[str, dist.Param]) -> dict[str, Any]:
        return m(path, {k: p(f"{path}.{k}", v) for k, v in values.items()})

    def opt(items: dict[str, Any], key: str, path: str, value: dist.Param | None) -> None:
        if value is not None:
            items[key] = p(path, value)

    out: dict[str, Any] = {
        "name": scenario.name,
        "description": scenario.description,
        "rounds": scenario.rounds,
        "round_days": _param_yaml(scenario.round_days),
        "runs": scenario.runs,
        "seed": scenario.seed,
    }
    out["issues"] = m(
        "issues",
        {
            i.name: m(
                f"issues.{i.name}",
                {
                    "zero": i.zero,
                    "one": i.one,
                    "under_war": p(f"issues.{i.name}.under_war", i.under_war),
                },
            )
            for i in scenario.issues
        },
    )
    actors: dict[str, Any] = {}
    for a in scenario.actors:
        ap = f"actors.{a.name}"
        d: dict[str, Any] = {
            "role": a.role,
            "label": a.label,
            "ideal": table(f"{ap}.ideal", a.ideal),
            "salience": table(f"{ap}.salience", a.salience),
            "loss": a.loss,
        }
        if isinstance(a, Party):
            rls = []
            for i, r in enumerate(a.red_lines):
                rp = f"{ap}.red_lines.{i}"
                rls.append(
                    m(
                        rp,
                        {
                            "issue": r.issue,
                            r.kind: p(f"{rp}.{r.kind}", r.bound),
                            "penalty": p(f"{rp}.penalty", r.penalty),
                            "absolute": r.absolute,
                        },
                    )
                )
            d["red_lines"] = rls
            opt(d, "batna", f"{ap}.batna", a.batna)
            d["war"] = m(
                f"{ap}.war", {k: p(f"{ap}.war.{k}", getattr(a.war, k)) for k in WAR.key_names}
            )
            d["patience"] = p(f"{ap}.patience", a.patience)
            c = a.concession
            cd: dict[str, Any] = {
                "strategy": c.strategy,
                "beta": p(f"{ap}.concession.beta", c.beta),
            }
            opt(cd, "deadline", f"{ap}.concession.deadline", c.deadline)
            cd["initial"] = p(f"{ap}.concession.initial", c.initial)
            d["concession"] = m(f"{ap}.concession", cd)
            d["belief_noise_sd"] = p(f"{ap}.belief_noise_sd", a.belief_noise_sd)
            d["walkout"] = m(
                f"{ap}.walkout",
                {k: p(f"{ap}.walkout.{k}", getattr(a.walkout, k)) for k in WALKOUT.key_names},
            )
            if a.ratification is not None:
                r = a.ratification
                rp = f"{ap}.ratification"
                d["ratification"] = m(
                    rp,
                    {
                        "intercept": p(f"{rp}.intercept", r.intercept),
                        "coefficients": table(f"{rp}.coefficients", r.coefficients),
                        "threshold": p(f"{rp}.threshold", r.threshold),
                        "vote_noise_sd": p(f"{rp}.vote_noise_sd", r.vote_noise_sd),
                        "lost_rounds": p(f"{rp}.lost_rounds", r.lost_rounds),
                        "reset_aspiration": r.reset_aspiration,
                    },
                )
        else:
            d["proposal"] = m(
                f"{ap}.proposal",
                {
                    "rule": "nash",
                    "bias": table(f"{ap}.proposal.bias", a.bias),
                    "respect_win_sets": a.respect_win_sets,
                },
            )
            lp = f"{ap}.pressure.levers"
            levers = {
                lv.name: m(
                    f"{lp}.{lv.name}",
                    {
                        "target": lv.target,
                        "effect": p(f"{lp}.{lv.name}.effect", lv.effect),
                        "duration": p(f"{lp}.{lv.name}.duration", lv.duration),
                        "use_prob": p(f"{lp}.{lv.name}.use_prob", lv.use_prob),
                    },
                )
                for lv in a.levers
            }
            d["pressure"] = m(
                f"{ap}.pressure",
                {"budget": p(f"{ap}.pressure.budget", a.budget), "levers": m(lp, levers)},
            )
            dd: dict[str, Any] = {}
            opt(dd, "round", f"{ap}.deadline.round", a.deadline)
            dd["extension_prob"] = p(f"{ap}.deadline.extension_prob", a.extension_prob)
            dd["exit_hazard"] = p(f"{ap}.deadline.exit_hazard", a.exit_hazard)
            d["deadline"] = m(f"{ap}.deadline", dd)
            d["violations"] = m(
                f"{ap}.violations",
                {
                    k: p(f"{ap}.violations.{k}", getattr(a, f))
                    for f, k in (
                        ("attribution_noise", "attribution_noise"),
                        ("response_prob", "response_prob"),
                        ("response_lag", "lag"),
                        ("bias_shift", "bias_shift"),
                    )
                },
            )
        actors[a.name] = m(ap, d)
    out["actors"] = m("actors", actors)
    world: dict[str, Any] = {}
    if scenario.front_line is not None:
        f = scenario.front_line
        world["front_line"] = m(
            "world.front_line",
            {
                "issue": f.issue,
                **{
                    k: p(f"world.front_line.{k}", getattr(f, k))
                    for k in FRONT_LINE.key_names
                    if k != "issue"
                },
            },
        )
    out["world"] = m("world", world)
    events: dict[str, Any] = {}
    for e in scenario.events:
        ep = f"events.{e.name}"
        d = {"type": e.type}
        if isinstance(e, Strike):
            d.update(by=e.by, target=e.target)
            for k in ("prob_per_round", "start_round"):
                d[k] = p(f"{ep}.{k}", getattr(e, k))
            opt(d, "end_round", f"{ep}.end_round", e.end_round)
            for k in ("capacity_loss", "repair_halflife", "coercion_cost"):
                d[k] = p(f"{ep}.{k}", getattr(e, k))
            d["backlash"] = m(
                f"{ep}.backlash",
                {
                    k: p(f"{ep}.backlash.{k}", getattr(e, f))
                    for f, k in (
                        ("aspiration_bump", "aspiration_bump"),
                        ("backlash_duration", "duration"),
                        ("walkout_hazard_bump", "walkout_hazard_bump"),
                    )
                },
            )
        elif isinstance(e, Truce):
            d["covers"] = e.covers
            for k in ("strike_prob", "violation_prob", "start_round"):
                d[k] = p(f"{ep}.{k}", getattr(e, k))
            opt(d, "end_round", f"{ep}.end_round", e.end_round)
        else:
            d["start_round"] = p(f"{ep}.start_round", e.start_round)
            opt(d, "end_round", f"{ep}.end_round", e.end_round)
            d["probability"] = p(f"{ep}.probability", e.probability)
            d["drift_multiplier"] = p(f"{ep}.drift_multiplier", e.drift_multiplier)
            d["cost_multiplier"] = table(f"{ep}.cost_multiplier", e.cost_multiplier)
            d["optimism"] = table(f"{ep}.optimism", e.optimism)
        events[e.name] = m(ep, d)
    out["events"] = m("events", events)
    protocol: dict[str, Any] = {}
    if scenario.first_proposer is not None:
        protocol["first_proposer"] = scenario.first_proposer
    out["protocol"] = m("protocol", protocol)
    out = m("", out)
    lost = set(cites) - placed
    if lost and strict:  # a quote at a path the layout above does not write: a bug here
        raise AssertionError(f"dump_scenario lost the quotes of {sorted(lost)}")
    return out


def _quote_paths(value: Any, path: str = "") -> Iterable[str]:
    """Paths of the mappings that carry quotes, in pre-order."""
    if isinstance(value, dict):
        if SOURCE in value:
            yield path
        for k, v in value.items():
            yield from _quote_paths(v, _join(path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _quote_paths(v, _join(path, i))


def _canonical_citations(scenario: Scenario) -> tuple[Citation, ...]:
    """Citations in the order of the dumped layout (top level, issues, actors, world,
    events, protocol; each mapping before what it contains), so that the order does not
    depend on where ``source:`` sits in a file and survives a dump and reload."""
    rank = {p: i for i, p in enumerate(_quote_paths(scenario_to_mapping(scenario, strict=False)))}
    order = sorted(
        range(len(scenario.citations)),
        key=lambda i: (rank.get(scenario.citations[i].key_path, len(rank)), i),
    )
    return tuple(scenario.citations[i] for i in order)


def dump_scenario(scenario: Scenario) -> str:
    """The resolved scenario as YAML: ``extends`` and overrides applied, every value
    explicit, distributions as mappings, quotes kept. Loading it gives an equal scenario
    (``Citation.line`` and ``Scenario.path`` aside)."""
    header = f"# negsim scenario {scenario.name!r}, resolved"
    if scenario.path:
        header += f" from {scenario.path}"
    body = yaml.dump(
        scenario_to_mapping(scenario),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return f"{header}\n{body}"


def yaml_key_path(scenario: Scenario, param_path: str) -> str:
    """The file path (``actors.us.pressure.levers.x.effect``) of a parameter path
    (``actors.us.levers.x.effect``, as in :meth:`Scenario.parameters`)."""
    parts = param_path.split(".")
    if len(parts) < 3:
        return param_path
    head, rest = ".".join(parts[:2]), parts[2:]
    if parts[0] == "actors":
        actor = next((a for a in scenario.actors if a.name == parts[1]), None)
        if isinstance(actor, Mediator) and rest[0] in MEDIATOR_LAYOUT:
            rest = MEDIATOR_LAYOUT[rest[0]].split(".") + rest[1:]
        if (
            isinstance(actor, Party)
            and rest[0] == "red_lines"
            and len(rest) >= 3
            and rest[2] == "bound"
        ):
            i = int(rest[1])
            if i < len(actor.red_lines):
                rest = ["red_lines", rest[1], actor.red_lines[i].kind] + rest[3:]
    elif parts[0] == "events":
        event = next((e for e in scenario.events if e.name == parts[1]), None)
        if isinstance(event, Strike) and rest[0] in STRIKE_LAYOUT:
            rest = STRIKE_LAYOUT[rest[0]].split(".") + rest[1:]
    return ".".join([head, *rest])


# --------------------------------------------------------------------------------------
# Documentation from the schema
# --------------------------------------------------------------------------------------

DOC_SECTIONS: tuple[tuple[str, Section], ...] = (
    ("Top level", TOP),
    ("issues.NAME", ISSUE),
    ("actors.NAME with role: party", PARTY),
    ("actors.NAME.red_lines[i] (a red line)", RED_LINE),
    ("actors.NAME.war", WAR),
    ("actors.NAME.concession", CONCESSION),
    ("actors.NAME.walkout", WALKOUT),
    ("actors.NAME.ratification", RATIFICATION),
    ("actors.NAME with role: mediator", MEDIATOR),
    ("actors.NAME.proposal", PROPOSAL),
    ("actors.NAME.pressure", PRESSURE),
    ("actors.NAME.pressure.levers.NAME (a lever)", LEVER),
    ("actors.NAME.deadline", DEADLINE),
    ("actors.NAME.violations", VIOLATIONS),
    ("world", WORLD),
    ("world.front_line", FRONT_LINE),
    ("events.NAME with type: strike", STRIKE),
    ("events.NAME.backlash (strike)", BACKLASH),
    ("events.NAME with type: truce", TRUCE),
    ("events.NAME with type: offensive or aid_change", SHIFT),
    ("protocol", PROTOCOL),
)


def _default_doc(k: Key) -> str:
    if k.default_doc is not None:
        return k.default_doc
    if k.default is REQUIRED:
        return "**required**"
    if k.default is None:
        return "absent"
    if isinstance(k.default, dict):
        return "`{}`" if not isinstance(k.kind, Section) else "its defaults"
    if isinstance(k.default, list):
        return "`[]`"
    if isinstance(k.default, bool):
        return "`true`" if k.default else "`false`"
    if isinstance(k.default, str):
        return f"`{k.default}`" if k.default else '""'
    return f"`{_num(k.default)}`" if not isinstance(k.default, float) else f"`{dist._g(k.default)}`"


def _type_doc(k: Key) -> str:
    if isinstance(k.kind, Section):
        return "mapping (below)"
    return k.kind.doc()


def schema_markdown() -> str:
    """The key tables of ``docs/scenarios.md``, generated from the schema."""
    lines: list[str] = []
    for title, section in DOC_SECTIONS:
        lines += [
            f"### {title}",
            "",
            section.intro,
            "",
            "| key | type | default | meaning | example |",
            "|---|---|---|---|---|",
        ]
        for k in section.keys:
            example = f"`{k.name}: {k.example}`".replace("|", "\\|") if k.example else ""
            lines.append(
                f"| `{k.name}` | {_type_doc(k)} | {_default_doc(k)} | {k.doc} | {example} |"
            )
        lines += [
            "| `source` | quote or list of quotes | absent | quotes from `seeds/` that "
            'support the values here | `source: \"a sentence from a file in seeds/\"` |',
            "",
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


DOC_BEGIN = (
    "<!-- BEGIN GENERATED KEY TABLES: python -m sim.loader --update-docs docs/scenarios.md -->"
)
DOC_END = "<!-- END GENERATED KEY TABLES -->"


def update_docs(path: str | os.PathLike[str]) -> bool:
    """Rewrite the generated part of a Markdown file; True when it changed."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    start, end = text.index(DOC_BEGIN) + len(DOC_BEGIN), text.index(DOC_END)
    new = text[:start] + "\n\n" + schema_markdown() + "\n" + text[end:]
    if new != text:
        p.write_text(new, encoding="utf-8")
    return new != text


def _main(argv: Sequence[str]) -> int:
    if list(argv) == ["--markdown"]:
        sys.stdout.write(schema_markdown())
        return 0
    if len(argv) == 2 and argv[0] == "--update-docs":
        changed = update_docs(argv[1])
        print(f"{argv[1]}: {'updated' if changed else 'up to date'}")
        return 0
    print("usage: python -m sim.loader --markdown | --update-docs FILE", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main(sys.argv[1:]))
