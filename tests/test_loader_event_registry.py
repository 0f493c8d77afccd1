"""Event kinds are declared once, in their class (sim.events.base.EventKind): the loader
registers what the class declares (sim.loader.events.register_event_kind), and validation,
the ``type:`` choices, the hints for keys of other kinds, building, dumping and the docs
follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from sim.distributions import Param as ParamValue
from sim.errors import ScenarioError
from sim.events.base import ROUND_KEYS, EventKind, RoundWorld
from sim.loader import dump_scenario, load_scenario_text, schema_markdown
from sim.loader import events as ev
from sim.loader.kinds import REQUIRED, UNIT, Key, Param, Ref
from sim.loader.tree import Node, _fail, _node_at

SCENARIO = """\
rounds: 10
issues:
  territory: {zero: freeze, one: withdrawal}
actors:
  alpha: {role: party, ideal: {territory: 0}, salience: {territory: 1}}
  beta: {role: party, ideal: {territory: 1}, salience: {territory: 1}}
  gamma: {role: mediator, ideal: {territory: 0.5}, salience: {territory: 1}}
events:
  port:
    type: blockade
    by: alpha
    severity: {dist: uniform, low: 0.1, high: 0.4}
    end_round: 6
"""


@dataclass(frozen=True)
class Blockade:
    name: str
    by: str
    start_round: ParamValue = 1.0
    end_round: ParamValue | None = None
    severity: ParamValue = 0.5
    type: str = "blockade"


class BlockadeEvent(EventKind[Blockade]):
    """A new kind as a contributor writes it in sim/events/blockade.py."""

    sections = ("blockade",)
    spec_type = Blockade
    keys = (
        Key("by", Ref("party"), REQUIRED, "the party that blockades", "alpha"),
        *ROUND_KEYS,
        Key("severity", Param(UNIT), 0.5, "share of trade cut", "0.3"),
    )
    title = "a blockade event"
    intro = "A blockade (`type: blockade`)."

    @staticmethod
    def check_keys(name: str, values: dict[str, Any], root: Node) -> None:
        if values["severity"] == 0.99:
            path = f"events.{name}.severity"
            _fail("a blockade is never that tight", _node_at(root, path).mark, path)

    def apply(self, world: RoundWorld) -> None:
        pass


@pytest.fixture
def blockade():
    saved = (dict(ev.EVENT_SECTIONS), list(ev.REGISTERED), dict(ev.EVENT_CHECKS))
    section = ev.register_event_kind(BlockadeEvent)
    yield section
    ev.EVENT_SECTIONS.clear()
    ev.EVENT_SECTIONS.update(saved[0])
    ev.REGISTERED[:] = saved[1]
    ev.EVENT_CHECKS.clear()
    ev.EVENT_CHECKS.update(saved[2])
    ev._update_others()


def test_registered_kind_loads_dumps_and_reloads(blockade):
    s = load_scenario_text(SCENARIO)
    (event,) = s.events
    assert isinstance(event, Blockade)
    assert (event.by, event.end_round, event.start_round) == ("alpha", 6.0, 1.0)
    assert load_scenario_text(dump_scenario(s)) == s
    assert "events.port.severity" in s.uncertain_parameters()


def test_registered_kind_is_a_type_choice_and_its_keys_hint_elsewhere(blockade):
    with pytest.raises(
        ScenarioError,
        match="must be one of strike, truce, offensive, "
        "aid_change, blockade; did you mean 'blockade'",
    ):
        load_scenario_text(SCENARIO.replace("type: blockade", "type: blockad"))
    with pytest.raises(ScenarioError, match="'severity' belongs to other event types"):
        load_scenario_text(
            SCENARIO.replace("type: blockade", "type: offensive").replace("    by: alpha\n", "")
        )
    with pytest.raises(ScenarioError, match=r"events\.port\.end_round: must be >= start_round"):
        load_scenario_text(SCENARIO.replace("end_round: 6", "start_round: 7\n    end_round: 6"))
    with pytest.raises(ScenarioError, match=r"events\.port\.severity: a blockade is never"):
        load_scenario_text(
            SCENARIO.replace("severity: {dist: uniform, low: 0.1, high: 0.4}", "severity: 0.99")
        )


def test_registered_kind_is_documented(blockade):
    assert "events.NAME with type: blockade" in schema_markdown()
    assert "| `severity` | P in [0, 1] |" in schema_markdown()


def test_a_type_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="registered twice"):
        ev.register_event_section("strike", Blockade, (), title="t", intro="i")
