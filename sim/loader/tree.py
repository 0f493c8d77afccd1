"""The marked tree: parsed values that know their file, line and column, and the one-line
error every problem with a scenario becomes."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple, NoReturn

from sim.errors import ScenarioError

SET_FILE = "<--set>"  # the file name of errors in command-line overrides
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")  # use fullmatch
SOURCE = "source"  # the key of quotes; allowed in every mapping, so never a name
#: the key of a value marked as judgement, with its reason; allowed wherever ``source`` is
JUDGEMENT = "judgement"
NOTES = (SOURCE, JUDGEMENT)  # the keys that say where a mapping's values come from


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


def _fail(message: str, mark: Mark | None, key_path: str | None) -> NoReturn:
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


def _is_real(file: str) -> bool:
    return not (file.startswith("<") and file.endswith(">"))


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
