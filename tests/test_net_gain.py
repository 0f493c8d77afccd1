"""Who gains, at one date: war endings are valued at the war's package at the window's end,
net of the cost of war paid until then; deals at their terms net of the cost paid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.loader import load_scenario
from sim.model import NegotiationModel
from sim.outcomes import Outcome

WALKOUT = """\
name: walkout
rounds: {rounds}
seed: 1
issues:
  land: {{zero: none, one: all}}
actors:
  a:
    role: party
    ideal: {{land: 0}}
    salience: {{land: 1}}
    war: {{cost_per_round: 0.01, horizon: 4}}
    concession: {{deadline: 40}}
    walkout: {{gap: 0.0, hazard: 1.0}}
  b:
    role: party
    ideal: {{land: 1}}
    salience: {{land: 1}}
    war: {{cost_per_round: 0.002, cost_per_gain: 0.1, horizon: 4}}
    concession: {{deadline: 40}}
  m:
    role: mediator
    ideal: {{land: 0.5}}
    salience: {{land: 1}}
world:
  front_line: {{issue: land, advancing: b, initial: 0.2, drift: 0.03}}
"""


@pytest.mark.parametrize("rounds", [10, 20])
def test_a_walk_out_is_valued_at_the_war_at_the_windows_end(tmp_path: Path, rounds: int) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(WALKOUT.format(rounds=rounds))
    result = NegotiationModel(load_scenario(str(path)), n=3).run()
    assert np.all(result.outcome == Outcome.BREAKDOWN) and np.all(result.end_round == 1)
    front_end = 0.2 + 0.03 * rounds  # the war goes on, without talks, to the window's end
    a_gain = (1.0 - front_end) - 0.01 * rounds
    b_gain = front_end - (0.002 + 0.1 * 0.03) * rounds
    np.testing.assert_allclose(result.net_gain[:, 0], a_gain, atol=1e-9)
    np.testing.assert_allclose(result.net_gain[:, 1], b_gain, atol=1e-9)
    # the utility of the end state is still the war's package when the talks ended
    np.testing.assert_allclose(result.utility[:, 0], 1.0 - 0.23, atol=1e-9)


# settlements as well as ceasefires (the baseline signs ceasefires only): no referendum,
# no guarantees penalty, parties that concede within a few rounds, a veto player who
# accepts any package
DEALS = [
    "actors.ukraine.ratification.threshold=0",
    "actors.russia.red_lines.1.penalty=0",
    "actors.russia.concession.deadline=4",
    "actors.ukraine.concession.deadline=4",
    "agreements.veto_players.european_union.tolerance=1",
]


def test_deals_are_valued_at_their_terms_net_of_the_cost_paid() -> None:
    """A settlement in force at the window's end is valued at its terms (every issue
    settled, red lines included) net of the cost of war paid until then; a ceasefire in
    force defers every issue, so it is valued as the war's package where the line froze,
    net of the cost paid, like a stalemate."""
    root = Path(__file__).resolve().parents[1]
    scenario = load_scenario(str(root / "scenarios" / "baseline.yaml"), DEALS)
    model = NegotiationModel(scenario, seed=2, n=800)
    result = model.run()
    settled = result.outcome == Outcome.SETTLEMENT
    held = result.outcome == Outcome.CEASEFIRE
    assert settled.sum() > 100 and held.sum() > 20
    assert not np.isnan(result.terms[settled]).any()  # a settlement leaves nothing deferred
    assert np.isnan(result.terms[held]).all()  # a ceasefire settles nothing here
    war = model.war_package(model.front)
    for i, party in enumerate(model.party_agents):
        at_terms = party.shape.utility(np.nan_to_num(result.terms))
        np.testing.assert_allclose(result.utility[settled, i], at_terms[settled], atol=1e-12)
        at_war = party.shape.utility(war, penalties=False)
        np.testing.assert_allclose(result.utility[held, i], at_war[held], atol=1e-12)
        ended_at_window = settled | held
        np.testing.assert_allclose(
            result.net_gain[ended_at_window, i],
            result.utility[ended_at_window, i] - result.cost[ended_at_window, i],
        )
