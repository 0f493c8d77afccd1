"""Property: any mutation of a valid scenario either loads or raises ScenarioError.

Mutations drop keys, give values of another type, push numbers out of range and insert
unknown keys, anywhere in tests/data/valid/full.yaml (which uses every key). Nothing but
ScenarioError may escape, its message is one line, and what loads survives a round trip.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.loader import dump_scenario, load_scenario, load_scenario_text, scenario_from_mapping
from sim.scenario import Scenario

VALID = Path(__file__).resolve().parent / "data" / "valid"
NAME = str(VALID / "mutated.yaml")  # inside the repository, so seeds/ is found
BASE = load_scenario(VALID / "full.yaml").resolved

OTHER_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    0.5,
    1.5,
    1e9,
    -1e-9,
    math.inf,
    math.nan,
    "text",
    "no",
    "",
    "territory",
    "russia",
    [],
    {},
    [1, 2],
    ["a"],
    {"a": 1},
    {"dist": "uniform", "low": 0, "high": 1},
    {"dist": "uniform", "low": 1, "high": 0},
    {"dist": "normal", "mean": 0.5, "sd": 0.1},
    {"dist": "normal", "mean": 0, "sd": -1},
    {"dist": "beta", "a": 2, "b": 2, "low": 0.2, "high": 0.9},
    {"dist": "bogus"},
    {"dist": "choice", "values": []},
    {"dist": "choice", "values": [1, 2], "weights": [0, 0]},
    {"dist": "triangular", "low": 0, "mode": 2, "high": 1},
    {"dist": "uniform"},
]
NEW_KEYS = [
    "patiense",
    "foo",
    "source",
    "dist",
    "Source",
    "",
    "1",
    "role",
    "type",
    "issue",
    "min",
    "max",
    "extends",
    "low",
    "values",
    "round",
    "budget",
]


def locations(value: Any, path: tuple = ()) -> list[tuple]:
    """Paths of every value below the root."""
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.append(path + (k,))
            out += locations(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.append(path + (i,))
            out += locations(v, path + (i,))
    return out


def containers(value: Any, path: tuple = ()) -> list[tuple]:
    """Paths of every mapping (the root included)."""
    out = [path] if isinstance(value, dict) else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += containers(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += containers(v, path + (i,))
    return out


def get(data: Any, path: tuple) -> Any:
    for p in path:
        data = data[p]
    return data


def out_of_range(value: Any) -> list[Any]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return OTHER_VALUES
    return [-value - 1, value + 1.5, 0, -1e-9, value * 1000, 1.0000001]


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["drop", "retype", "range", "insert"]))
        if op == "insert":
            where = get(data, draw(st.sampled_from(containers(data))))
            where[draw(st.sampled_from(NEW_KEYS))] = copy.deepcopy(
                draw(st.sampled_from(OTHER_VALUES))
            )
            continue
        spots = locations(data)
        if not spots:
            continue
        path = draw(st.sampled_from(spots))
        parent, key = get(data, path[:-1]), path[-1]
        if op == "drop":
            del parent[key]
        elif op == "retype":
            parent[key] = copy.deepcopy(draw(st.sampled_from(OTHER_VALUES)))
        else:
            parent[key] = copy.deepcopy(draw(st.sampled_from(out_of_range(parent[key]))))
    return data


def without_lines(s: Scenario) -> Scenario:
    cites = tuple(dataclasses.replace(c, line=None) for c in s.citations)
    return dataclasses.replace(s, citations=cites, path=None)


def loads_or_scenario_error(load, *args) -> Scenario | None:
    try:
        return load(*args)
    except ScenarioError as exc:
        message = str(exc)
        assert "\n" not in message and message.startswith(NAME), message
        return None


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutations_load_or_raise_scenario_error(data):
    from_mapping = loads_or_scenario_error(scenario_from_mapping, data, NAME)
    from_text = loads_or_scenario_error(
        load_scenario_text, yaml.safe_dump(data, sort_keys=False), NAME
    )
    assert (from_mapping is None) == (from_text is None)
    if from_text is not None:
        assert without_lines(from_mapping) == without_lines(from_text)
        again = load_scenario_text(dump_scenario(from_text), NAME)
        assert without_lines(again) == without_lines(from_text)
