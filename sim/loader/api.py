"""Loading: a file, a text or a plain mapping through parse, resolve and build to a
validated :class:`~sim.scenario.Scenario`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from sim.loader.build import _build
from sim.loader.resolve import _apply_override, _read_file, _resolve
from sim.loader.tree import Mark, Node, _fail, _got, _join
from sim.loader.yaml_io import _read_root
from sim.scenario import Scenario


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
