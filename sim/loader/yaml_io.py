"""YAML in and out: a loader with YAML-1.2-like scalars that composes a file into a marked
tree, and a dumper that quotes exactly the strings the loader would misread."""

from __future__ import annotations

import re
from typing import Any

import yaml

from sim.loader.tree import Mark, Node, _fail, _got, _join

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


# Bounds on what a small file can ask for: aliases may repeat a subtree many times over
# (a 1 KB file of nested aliases expands to billions of values), so the expanded tree is
# limited in size and depth. Real scenarios hold a few thousand values at most.
MAX_VALUES = 100_000
MAX_DEPTH = 64
MAX_FILE_BYTES = 1 << 20


class _Budget:
    """The values left to construct before the file counts as too big."""

    def __init__(self) -> None:
        self.left = MAX_VALUES


def _construct(
    node: yaml.Node,
    file: str,
    key_path: str,
    positions: bool,
    active: frozenset,
    budget: _Budget,
) -> Node:
    mark = _position(file, node.start_mark, positions)
    budget.left -= 1
    if budget.left < 0:
        # the whole file is the problem; name the top-level key where the budget ran out
        top_key = key_path.split(".")[0] or None
        _fail(
            f"invalid YAML: more than {MAX_VALUES} values once aliases are expanded",
            Mark(file),
            top_key,
        )
    if len(active) >= MAX_DEPTH:
        top_key = key_path.split(".")[0] or None
        _fail(f"invalid YAML: nested more than {MAX_DEPTH} levels deep", mark, top_key)
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
            child = _construct(vnode, file, sub, positions, inner, budget)
            child.key_mark = kmark
            items[key] = child
        return Node(items, mark)
    if isinstance(node, yaml.SequenceNode):
        if id(node) in active:
            _fail("recursive YAML alias", mark, key_path)
        inner = active | {id(node)}
        return Node(
            [
                _construct(v, file, _join(key_path, i), positions, inner, budget)
                for i, v in enumerate(node.value)
            ],
            mark,
        )
    assert isinstance(node, yaml.ScalarNode)
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
        return _construct(root, file, key_path, positions, frozenset(), _Budget())
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
