"""Event sections are declared once (sim.loader.events.register_event_section): a new event
kind is one declaration, and validation, the ``type:`` choices, the hints for keys of other
kinds, building, dumping and the docs follow."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sim.distributions import Param as ParamValue
from sim.errors import ScenarioError
from sim.loader import dump_scenario, load_scenario_text, schema_markdown
from sim.loader import events as ev
from sim.loader.kinds import REQUIRED, UNIT, Key, Param, Ref

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


@pytest.fixture
def blockade():
    saved = (dict(ev.EVENT_SECTIONS), list(ev.EVENT_KINDS), dict(ev.EVENT_CHECKS))
    section = ev.register_event_section(
        "blockade",
        Blockade,
        (
            Key("by", Ref("party"), REQUIRED, "the party that blockades", "alpha"),
            *ev.ROUND_KEYS,
            Key("severity", Param(UNIT), 0.5, "share of trade cut", "0.3"),
        ),
        title="a blockade event",
        intro="A blockade (`type: blockade`).",
    )
    yield section
    ev.EVENT_SECTIONS.clear()
    ev.EVENT_SECTIONS.update(saved[0])
    ev.EVENT_KINDS[:] = saved[1]
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


def test_registered_kind_is_documented(blockade):
    assert "events.NAME with type: blockade" in schema_markdown()
    assert "| `severity` | P in [0, 1] |" in schema_markdown()


def test_a_type_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="registered twice"):
        ev.register_event_section("strike", Blockade, (), title="t", intro="i")
