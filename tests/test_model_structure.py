"""The model's seams: the event registry, the proposal rules, the round record, and the
trace's handling of a replicate index it cannot run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from model_builders import issues, mediator, party, scenario

from sim.cli import main
from sim.events import COUNTERS, EVENT_KINDS, VIOLATIONS, EventKind, kind_of
from sim.events.shift import Shift
from sim.events.strike import Strike
from sim.events.truce import Truce
from sim.mediation import PROPOSAL_RULES, NashRule, Proposal, ProposalRule
from sim.model import NegotiationModel
from sim.outcomes import Outcome
from sim.rounds import RoundRecord

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"


def two_parties(*, events=(), with_mediator=True, rounds=6):
    a = party("a", {"x": 1.0}, {"x": 1.0}, batna=0.2)
    b = party("b", {"x": 0.0}, {"x": 1.0}, batna=0.2)
    med = mediator("m", ("x",)) if with_mediator else None
    return scenario(
        issues("x"),
        [a, b],
        med,
        rounds=rounds,
        events=tuple(events),
        first_proposer=None if with_mediator else "a",
    )


def test_every_scenario_event_type_has_exactly_one_kind():
    specs = [
        Strike("s", "a", "b", 0.5),
        Truce("t", covers="s"),
        Shift("o", "offensive"),
        Shift("g", "aid_change"),
    ]
    kinds = [kind_of(s) for s in specs]
    assert [k.__name__ for k in kinds] == ["StrikeEvent", "TruceEvent", "ShiftEvent", "ShiftEvent"]
    sections = [s for kind in EVENT_KINDS for s in kind.sections]
    assert len(sections) == len(set(sections))


def test_counters_are_the_registry_s_in_every_result_and_file():
    expected = tuple(c for kind in EVENT_KINDS for c in kind.counters) + (VIOLATIONS,)
    assert COUNTERS == expected and "strikes" in COUNTERS
    # a scenario without any event still reports every counter (zeros), in this order
    res = NegotiationModel(two_parties(), n=5).run()
    assert tuple(res.counters) == COUNTERS
    assert all(np.all(c == 0) for c in res.counters.values())
    header = res.to_csv_text().splitlines()[0].split(",")
    positions = [header.index(c) for c in COUNTERS]
    assert positions == sorted(positions)


def test_events_are_built_grouped_by_kind_in_registry_order():
    evs = (
        Shift("o", "offensive"),
        Truce("t", covers="s", strike_prob=0.0),
        Strike("s", "a", "b", 1.0),
    )
    model = NegotiationModel(two_parties(events=evs), n=3)
    assert [e.name for e in model.events] == ["s", "t", "o"]
    assert all(isinstance(e, EventKind) for e in model.events)
    model.run()
    # the truce from round 1 sets the strike probability to 0: no strikes at all
    assert model.counters["strikes"].sum() == 0


def test_strike_counter_counts_strikes_while_talks_go_on():
    sc = two_parties(events=(Strike("s", "a", "b", 1.0),), with_mediator=False, rounds=4)
    res = NegotiationModel(sc, n=4).run()
    # a strike each round the replicate is still negotiating
    np.testing.assert_array_equal(res.counter("strikes"), res.end_round)


def test_the_mediator_proposes_by_the_rule_registered_under_its_name(monkeypatch):
    class Middle(ProposalRule):
        name = "nash"

        def propose(self, rows, batna):
            out = self.empty()
            out.x[rows] = 0.5
            out.basis[rows] = 7
            return out

        def explain(self, basis):
            return f"the middle ({basis})"

    monkeypatch.setitem(PROPOSAL_RULES, "nash", Middle)
    model = NegotiationModel(two_parties(), n=2, record=True)
    res = model.run()
    assert isinstance(model.protocol, Middle)
    assert np.all(res.outcome == Outcome.AGREEMENT)
    np.testing.assert_array_equal(res.terms, np.full((2, 1), 0.5))
    assert model.log[0].basis == "the middle (7)"


def test_nash_is_the_default_rule_and_no_mediator_alternates():
    assert PROPOSAL_RULES["nash"] is NashRule
    with_m = NegotiationModel(two_parties(), n=1)
    assert isinstance(with_m.protocol, NashRule)
    without = NegotiationModel(two_parties(with_mediator=False), n=1, record=True)
    without.run()
    assert without.log[0].proposer == "a"


def test_the_round_record_is_typed_and_one_per_round():
    model = NegotiationModel(two_parties(), n=1, record=True)
    res = model.run()
    assert len(model.log) == int(res.end_round[0])
    first = model.log[0]
    assert isinstance(first, RoundRecord) and first.round == 1
    assert first.proposal is not None and len(first.proposal) == 1
    assert set(first.utility) == {"a", "b"}


def test_an_empty_proposal_has_no_package():
    model = NegotiationModel(two_parties(), n=3)
    empty: Proposal = model.protocol.empty()
    assert np.isnan(empty.x).all() and np.all(empty.basis == -1) and empty.proposer is None


@pytest.mark.parametrize("replicate", ["-1", "-5", str(2**63), "1000000000"])
def test_trace_refuses_a_replicate_out_of_range(replicate, capsys):
    try:
        code = main(["trace", str(BASELINE), "--replicate", replicate])
    except SystemExit as stop:  # argparse refuses the option's value
        code = stop.code
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "--replicate: must be between 0 and 999,999,999" in err and f"(got {replicate})" in err


def test_trace_runs_the_largest_replicate_index(capsys):
    assert main(["trace", str(BASELINE), "--replicate", "999999999"]) == 0
    assert "ended:" in capsys.readouterr().out
