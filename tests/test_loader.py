"""The scenario loader: valid files, defaults, distributions, YAML traps, extends, --set,
round trips, and the generated documentation."""

from __future__ import annotations

import dataclasses
import os
import textwrap
from pathlib import Path

import pytest

from sim import cli
from sim.distributions import Beta, Choice, Normal, Triangular, Uniform
from sim.errors import ScenarioError
from sim.events.shift import Shift
from sim.events.strike import Strike
from sim.events.truce import Truce
from sim.loader import (
    DOC_BEGIN,
    DOC_END,
    DOC_SECTIONS,
    MEDIATOR,
    REQUIRED,
    dump_scenario,
    load_scenario,
    load_scenario_text,
    scenario_from_mapping,
    schema_markdown,
    yaml_key_path,
)
from sim.scenario import (
    Concession,
    ConcessionWeights,
    FrontConcession,
    FrontLine,
    Issue,
    Lever,
    Mediator,
    Ratification,
    Rebound,
    RedLine,
    Scenario,
    Walkout,
    War,
)

ROOT = Path(__file__).resolve().parents[1]
VALID = ROOT / "tests" / "data" / "valid"

MINIMAL = """\
rounds: 10
issues:
  territory: {zero: freeze, one: withdrawal}
  security: {zero: none, one: guarantees}
actors:
  ukraine:
    role: party
    ideal: {territory: 0, security: 1}
    salience: {territory: 0.6, security: 0.4}
  russia:
    role: party
    ideal: {territory: 1, security: 0}
    salience: {territory: 0.7, security: 0.3}
  us:
    role: mediator
    ideal: {territory: 0.5, security: 0.5}
    salience: {territory: 0.5, security: 0.5}
"""


def with_actor_keys(actor: str, extra: str) -> str:
    """MINIMAL with ``extra`` (YAML lines) added to one actor."""
    lines = MINIMAL.splitlines(keepends=True)
    at = lines.index(f"  {actor}:\n") + 1
    return "".join(lines[:at] + [textwrap.indent(textwrap.dedent(extra), "    ")] + lines[at:])


def without_lines(s: Scenario) -> Scenario:
    """The scenario with what a dump cannot keep (line numbers, file path) blanked."""
    cites = tuple(dataclasses.replace(c, line=None) for c in s.citations)
    return dataclasses.replace(s, citations=cites, path=None)


# --- valid files ------------------------------------------------------------------------


def test_minimal_fixture_loads_with_defaults():
    s = load_scenario(VALID / "minimal.yaml")
    assert s.name == "minimal"
    assert s.path == str(VALID / "minimal.yaml")
    assert (s.rounds, s.round_days, s.runs, s.seed) == (10, 14.0, 1000, 0)
    assert s.issue_names == ("territory", "security")
    assert s.party_names == ("ukraine", "russia")
    assert isinstance(s.mediator, Mediator) and s.mediator.name == "us"
    assert s.front_line is None and s.events == () and s.first_proposer is None
    ukraine = s.parties[0]
    assert ukraine.label == "ukraine"
    assert ukraine.loss == "linear"
    assert ukraine.ideal == {"territory": 0.0, "security": 1.0}
    assert ukraine.patience == 1.0
    assert ukraine.war == War()
    assert ukraine.concession == Concession(strategy="boulware", beta=0.3)
    assert ukraine.walkout == Walkout(gap=0.5, hazard=0.0)
    assert ukraine.ratification is None and ukraine.batna is None and ukraine.red_lines == ()
    us = s.mediator
    assert (us.bias, us.budget, us.levers, us.deadline, us.respect_win_sets) == (
        {},
        0.0,
        (),
        None,
        True,
    )
    assert [c.key_path for c in s.citations] == ["actors.ukraine"]
    assert s.citations[0].line == 11


def test_three_parties_without_mediator():
    s = load_scenario(VALID / "three_party.yaml")
    assert s.name == "three_way"
    assert s.mediator is None
    assert s.party_names == ("a", "b", "c")
    assert s.first_proposer == "b"
    assert [p.loss for p in s.parties] == ["quadratic", "linear", "quadratic"]  # top-level default


def test_full_fixture_parses_every_distribution():
    s = load_scenario(VALID / "full.yaml")
    ukraine, russia = s.parties
    assert ukraine.salience["territory"] == Triangular(0.4, 0.6, 0.8)
    assert ukraine.patience == Beta(18.0, 2.0, 0.5, 1.0)
    assert ukraine.war.cost_per_round == Normal(0.02, 0.005, 0.0, 0.05)
    assert ukraine.batna == Normal(0.3, 0.05)
    assert ukraine.war.horizon == Choice((8.0, 13.0, 26.0), (1.0, 2.0, 1.0))
    assert s.mediator.deadline == Choice((8.0, 12.0), (1.0, 1.0))  # equal weights by default
    assert s.issues[1].under_war == Uniform(0.0, 0.05)
    assert ukraine.red_lines == (
        RedLine("territory", "max", 0.2, 2.0, True),
        RedLine("recognition", "max", Beta(2.0, 8.0), 0.5, False),
    )
    assert russia.war.cost_per_gain == pytest.approx(0.01)  # written 1e-2
    assert ukraine.concession == Concession(
        "conceder",
        2.5,
        20.0,
        0.1,
        ConcessionWeights(0.5, 0.3, 0.2),
        0.5,
        FrontConcession(0.3, 2.0),
        0.5,
        Rebound(0.5),
    )
    assert ukraine.ratification == Ratification(
        1.5, {"territory": -4.0, "recognition": Uniform(-3, -1)}, 0.5, 0.3, 2.0, False
    )
    us = s.mediator
    assert us.label == "United States"
    assert us.bias == {"ukraine": 0.4, "russia": Uniform(0.3, 0.5)}
    assert us.levers == (
        Lever("sanctions", "russia", Uniform(0.02, 0.08), 2.0, 0.8),
        Lever("aid_cut", "ukraine", 0.05, 1.0, 1.0),
    )
    assert (us.budget, us.extension_prob, us.exit_hazard) == (3.0, 0.3, 0.5)
    assert (us.attribution_noise, us.response_prob, us.response_lag, us.bias_shift) == (
        0.2,
        0.6,
        1.0,
        0.1,
    )
    assert s.front_line == FrontLine(
        "territory", 0.05, Normal(0.04, 0.01), 0.01, 0.5, "russia", True
    )
    strike, truce, offensive, aid = s.events
    assert isinstance(strike, Strike) and strike.prob_per_round == Beta(2.0, 3.0)
    assert (strike.aspiration_bump, strike.backlash_duration, strike.walkout_hazard_bump) == (
        0.05,
        2.0,
        0.02,
    )
    assert truce == Truce(
        "energy_truce", ("energy_strikes",), 0.1, 0.05, 2.0, 10.0, parties=("russia", "ukraine")
    )
    assert isinstance(offensive, Shift) and offensive.type == "offensive"
    assert offensive.optimism == {"russia": 0.05, "ukraine": -0.02}
    assert aid.type == "aid_change" and aid.start_round == Choice((4.0, 8.0), (1.0, 1.0))
    assert s.first_proposer == "russia"
    assert s.description == "A fixture that sets every key.\nNot a calibrated scenario.\n"


def test_full_fixture_citations_in_layout_order():
    s = load_scenario(VALID / "full.yaml")
    assert [c.key_path for c in s.citations] == [
        "",
        "issues.territory",
        "actors.ukraine.salience",
        "actors.ukraine.red_lines.0",
        "actors.ukraine.war",
        "actors.ukraine.war",
        "actors.ukraine.ratification",
        "actors.russia.war",
        "actors.us",
        "actors.us.pressure.levers.sanctions",
        "world.front_line",
        "events.energy_strikes",
        "events.energy_strikes.backlash",
        "events.more_arms",
        "readings.as_written",
    ]
    war = [c for c in s.citations if c.key_path == "actors.ukraine.war"]
    assert [c.line for c in war] == [44, 45]
    assert war[0].quote.startswith("“These Russian attacks")


def test_beta_default_follows_strategy():
    for strategy, beta in (("boulware", 0.3), ("conceder", 3.0), ("linear", 1.0)):
        s = load_scenario_text(
            with_actor_keys("ukraine", f"concession: {{strategy: {strategy}}}\n")
        )
        assert s.parties[0].concession.beta == beta


def test_schema_defaults_equal_dataclass_defaults():
    """The schema's static defaults and the dataclasses' defaults must agree."""
    s = load_scenario_text(
        with_actor_keys(
            "ukraine", "red_lines: [{issue: territory, max: 0.2}]\nratification: {}\n"
        ).replace("rounds: 10\n", "rounds: 10\nworld: {front_line: {issue: territory}}\n")
        + "    pressure: {levers: {x: {target: russia, effect: 0.1}}}\n"
        + "events:\n  s: {type: strike, by: russia, target: ukraine, prob_per_round: 0.5}\n"
        + "  t: {type: truce, covers: s}\n  o: {type: offensive}\n"
    )
    ukraine = s.parties[0]
    assert s.issues[0] == Issue("territory", "freeze", "withdrawal")
    assert ukraine.red_lines[0] == RedLine("territory", "max", 0.2)
    assert ukraine.ratification == Ratification()
    assert (
        ukraine.war == War() and ukraine.walkout == Walkout() and ukraine.concession == Concession()
    )
    assert s.front_line == FrontLine("territory")
    assert s.mediator.levers == (Lever("x", "russia", 0.1),)
    defaults = Mediator("us", "us", s.mediator.ideal, s.mediator.salience, levers=s.mediator.levers)
    assert s.mediator == defaults
    strike, truce, shift = s.events
    assert strike == Strike("s", "russia", "ukraine", 0.5)
    assert truce == Truce("t", ("s",))
    assert shift == Shift("o", "offensive")


def test_exponent_without_dot_is_a_number():
    s = load_scenario_text(
        with_actor_keys("ukraine", "war: {cost_per_round: 1e-3, cost_per_gain: 5E+2}\n")
    )
    assert s.parties[0].war.cost_per_round == 0.001
    assert s.parties[0].war.cost_per_gain == 500.0
    assert load_scenario_text(MINIMAL.replace("rounds: 10", "rounds: 1e1")).rounds == 10


def test_other_yaml11_scalars_stay_text():
    s = load_scenario_text(
        with_actor_keys("ukraine", "label: 1:30\n").replace(
            "rounds: 10", "rounds: 10\ndescription: 2026-02-03"
        )
    )
    assert s.parties[0].label == "1:30"
    assert s.description == "2026-02-03"


@pytest.mark.parametrize("word", ["yes", "No", "ON", "off", "y", "N", "oFF"])
def test_yaml11_booleans_are_errors(word):
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(with_actor_keys("us", f"proposal: {{respect_win_sets: {word}}}\n"))
    assert str(err.value) == (
        "<string>:15:34: actors.us.proposal.respect_win_sets: yes/no/on/off/y/n are not booleans "
        f"here; write true or false, or quote the word if a string is meant (got {word})"
    )


def test_quoted_yaml11_word_is_text_and_true_false_are_booleans():
    s = load_scenario_text(
        with_actor_keys("us", 'label: "no"\nproposal: {respect_win_sets: false}\n')
    )
    assert s.mediator.label == "no" and s.mediator.respect_win_sets is False


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "patience: [0.9]",
            "actors.ukraine.patience: expected a number or a distribution (got [0.9])",
        ),
        ("patience: .nan", "actors.ukraine.patience: expected a finite number (got nan)"),
        ("patience: {dist: beta, a: 2, b: 2}", None),  # beta on [0, 1]: fine for (0, 1]
        (
            "patience: {dist: choice, values: [0, 1]}",
            "actors.ukraine.patience: must be in (0, 1], but the distribution spans [0, 1] "
            "(got choice{0, 1})",
        ),
        (
            "belief_noise_sd: {dist: uniform, low: -0.1, high: 0.1}",
            "actors.ukraine.belief_noise_sd: must be >= 0, but the distribution spans [-0.1, 0.1] "
            "(got uniform(-0.1, 0.1))",
        ),
        ("war: {horizon: {dist: normal, mean: 13, sd: 2, low: 1, high: 30}}", None),
        (
            "war: {horizon: {dist: normal, mean: 13, sd: 2}}",
            "actors.ukraine.war.horizon: must be >= 1; normal is unbounded; give low/high "
            "(got normal(13, sd 2))",
        ),
        (
            "war: {horizon: {dist: choice, values: [8, 12.5]}}",
            "actors.ukraine.war.horizon: a count of rounds: choice values must be whole numbers "
            "(got choice{8, 12.5})",
        ),
        (
            "batna: {dist: uniform, low: 0, high: 1, mean: 3}",
            "actors.ukraine.batna.mean: unknown parameter of uniform; uniform takes low, high",
        ),
        (
            "batna: {low: 0, high: 1}",
            "actors.ukraine.batna: expected a number or a distribution (a mapping with dist: "
            "uniform, normal, beta, triangular, choice) (got {low: 0, high: 1})",
        ),
        (
            "batna: {dist: choice, values: [0.1, 0.2], weights: [-1, 2]}",
            "actors.ukraine.batna.weights.0: choice weights must be >= 0 (got -1.0)",
        ),
        ("loss: cubic", 'actors.ukraine.loss: must be one of linear, quadratic (got "cubic")'),
        (
            "concession: {strategy: bolware}",
            "actors.ukraine.concession.strategy: must be one of boulware, conceder, linear, none; "
            "did you mean 'boulware'? (got \"bolware\")",
        ),
        (
            "red_lines: [{issue: territory}]",
            'actors.ukraine.red_lines.0: a red line needs min or max (got {issue: "territory"})',
        ),
        (
            "ratification: null",
            "actors.ukraine.ratification: expected a mapping with keys "
            "intercept, coefficients, threshold, vote_noise_sd, lost_rounds, anticipate "
            "(got null)",
        ),
    ],
)
def test_value_checks(extra, message):
    text = with_actor_keys("ukraine", extra + "\n")
    if message is None:
        load_scenario_text(text)
        return
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(text)
    assert f"{err.value.key_path}: {err.value.message}" == message
    assert err.value.path == "<string>" and err.value.line == 7


def test_errors_carry_position_and_key_path():
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(with_actor_keys("russia", "patience: 1.5\n"), path="x.yaml")
    e = err.value
    assert (e.path, e.line, e.column, e.key_path) == ("x.yaml", 11, 15, "actors.russia.patience")
    assert str(e) == "x.yaml:11:15: actors.russia.patience: must be in (0, 1] (got 1.5)"
    assert isinstance(e, ValueError)


def test_missing_file():
    with pytest.raises(ScenarioError) as err:
        load_scenario("no/such/file.yaml")
    assert str(err.value) == "no/such/file.yaml: file not found"


def test_event_end_before_start():
    text = MINIMAL + "events:\n  o: {type: offensive, start_round: 5, end_round: 3}\n"
    with pytest.raises(
        ScenarioError, match=r"events\.o\.end_round: must be >= start_round \(5\) \(got 3\)"
    ):
        load_scenario_text(text)


def test_strike_on_itself():
    text = (
        MINIMAL + "events:\n  s: {type: strike, by: russia, target: russia, prob_per_round: 0.1}\n"
    )
    with pytest.raises(ScenarioError, match="a party cannot strike itself"):
        load_scenario_text(text)


def test_source_reserved_in_name_mappings():
    text = MINIMAL.replace(
        "  security: {zero: none, one: guarantees}\n",
        "  security: {zero: none, one: guarantees}\n"
        '  source: "Kiev still controls about a fifth"\n',
    )
    s = load_scenario_text(text, path=str(VALID / "x.yaml"))
    assert [(c.key_path, c.quote) for c in s.citations] == [
        ("issues", "Kiev still controls about a fifth")
    ]
    assert s.issue_names == ("territory", "security")


# --- extends ----------------------------------------------------------------------------


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_extends_merges_mappings_and_replaces_lists(tmp_path):
    write(
        tmp_path,
        "base.yaml",
        with_actor_keys(
            "ukraine",
            """\
        patience: 0.9
        war: {cost_per_round: 0.02, horizon: 20}
        red_lines: [{issue: territory, max: 0.2}, {issue: security, min: 0.5}]
        """,
        ),
    )
    child = write(
        tmp_path,
        "child.yaml",
        """\
        extends: base.yaml
        actors:
          ukraine:
            war: {horizon: 8}
            red_lines: [{issue: territory, max: 0.4}]
        """,
    )
    s = load_scenario(child)
    ukraine = s.parties[0]
    assert s.name == "child" and s.rounds == 10
    assert ukraine.patience == 0.9  # inherited
    assert ukraine.war == War(cost_per_round=0.02, horizon=8.0)  # mapping merged
    assert ukraine.red_lines == (RedLine("territory", "max", 0.4),)  # list replaced
    assert "extends" not in s.resolved
    assert s.resolved["actors"]["ukraine"]["war"] == {"cost_per_round": 0.02, "horizon": 8}


def test_extends_chain_relative_paths_and_null_deletes(tmp_path):
    write(tmp_path, "a/base.yaml", with_actor_keys("ukraine", "patience: 0.9\nbatna: 0.3\n"))
    write(tmp_path, "b/middle.yaml", "extends: ../a/base.yaml\nrounds: 20\n")
    top = write(
        tmp_path,
        "top.yaml",
        """\
        extends: b/middle.yaml
        actors:
          us: null
          ukraine: {batna: null}
        protocol: {first_proposer: russia}
        """,
    )
    s = load_scenario(top)
    assert s.rounds == 20 and s.parties[0].patience == 0.9
    assert s.mediator is None and s.first_proposer == "russia"
    assert s.parties[0].batna is None


def test_extends_distribution_replaced_whole_or_tuned(tmp_path):
    write(
        tmp_path,
        "base.yaml",
        with_actor_keys(
            "ukraine",
            """\
        patience: {dist: uniform, low: 0.9, high: 1}
        belief_noise_sd: {dist: normal, mean: 0.1, sd: 0.02, low: 0, high: 0.3}
        """,
        ),
    )
    child = write(
        tmp_path,
        "child.yaml",
        """\
        extends: base.yaml
        actors:
          ukraine:
            patience: {dist: beta, a: 9, b: 1}
            belief_noise_sd: {sd: 0.05}
        """,
    )
    ukraine = load_scenario(child).parties[0]
    assert ukraine.patience == Beta(9.0, 1.0)  # with dist: replaces whole
    assert ukraine.belief_noise_sd == Normal(0.1, 0.05, 0.0, 0.3)  # without: tunes a parameter


def test_extends_cycle_names_the_chain(tmp_path):
    a = write(tmp_path, "a.yaml", "extends: b.yaml\nrounds: 3\n")
    write(tmp_path, "b.yaml", "rounds: 4\nextends: a.yaml\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(a)
    b = tmp_path / "b.yaml"
    assert str(err.value) == f"{b}:2:10: extends: cycle: {a} -> {b} -> {a}"


def test_extends_self_and_bad_value(tmp_path):
    me = write(tmp_path, "me.yaml", "extends: me.yaml\n")
    with pytest.raises(ScenarioError, match=r"extends: cycle: .*me\.yaml -> .*me\.yaml$"):
        load_scenario(me)
    bad = write(tmp_path, "bad.yaml", "extends: [a.yaml]\n")
    with pytest.raises(
        ScenarioError,
        match=r"bad\.yaml:1:10: extends: expected the path of a scenario file "
        r"\(got \[\"a\.yaml\"\]\)",
    ):
        load_scenario(bad)


def test_extends_from_text_is_relative_to_given_path(tmp_path):
    write(tmp_path, "base.yaml", MINIMAL)
    s = load_scenario_text("extends: base.yaml\nseed: 5\n", path=str(tmp_path / "x.yaml"))
    assert s.seed == 5 and s.name == "x"


# --- overrides --------------------------------------------------------------------------


def test_override_number_distribution_and_new_key():
    s = load_scenario(
        VALID / "minimal.yaml",
        overrides=[
            "rounds=12",
            "actors.ukraine.salience.territory=0.5",
            "actors.russia.patience={dist: uniform, low: 0.9, high: 1}",
            "actors.ukraine.batna=0.25",
            "seed=7",
        ],
    )
    assert s.rounds == 12 and s.seed == 7
    assert s.parties[0].salience["territory"] == 0.5
    assert s.parties[1].patience == Uniform(0.9, 1.0)
    assert s.parties[0].batna == 0.25


def test_override_list_item_and_parameter_paths():
    s = load_scenario(
        VALID / "full.yaml",
        overrides=[
            "actors.ukraine.red_lines.0.max=0.3",
            "actors.us.budget=1",  # parameter path of actors.us.pressure.budget
            "actors.us.deadline=6",  # parameter path of actors.us.deadline.round
            "actors.us.response_lag=2",
            "actors.russia.red_lines.0.bound=0.6",
            "events.energy_strikes.backlash_duration=4",
        ],
    )
    ukraine, russia = s.parties
    assert ukraine.red_lines[0].bound == 0.3 and russia.red_lines[0].bound == 0.6
    assert (s.mediator.budget, s.mediator.deadline, s.mediator.response_lag) == (1.0, 6.0, 2.0)
    assert s.mediator.extension_prob == 0.3  # deadline.round changed, not the whole mapping
    assert s.events[0].backlash_duration == 4.0


def test_override_paths_match_parameters():
    """Every parameter path that show prints can be set."""
    s = load_scenario(VALID / "full.yaml")
    for path, value in s.parameters().items():
        if isinstance(value, float):
            t = load_scenario(VALID / "full.yaml", overrides=[f"{path}={value}"])
            assert t.parameters()[path] == value


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("no.such.path=1", "<--set>: no.such.path: path not found: no key 'no' in the top level"),
        (
            "actors.ukrane.patience=0.5",
            "<--set>: actors.ukrane.patience: path not found: no key 'ukrane' in actors; "
            "did you mean 'ukraine'?",
        ),
        (
            "actors.ukraine.patiense=0.5",
            "<--set>: actors.ukraine.patiense: unknown key; did you mean 'patience'?",
        ),
        (
            "actors.ukraine.patience=1.5",
            "<--set>: actors.ukraine.patience: must be in (0, 1] (got 1.5)",
        ),
        (
            "actors.ukraine.patience={dist: uniform, low: 1, high: 0.5}",
            "<--set>: actors.ukraine.patience: uniform needs low < high (got low=1, high=0.5)",
        ),
        ("rounds.x=1", "<--set>: rounds.x: path not found: rounds is 10, not a mapping or a list"),
        ("seed", '<--set>: expected PATH=VALUE (got "seed")'),
        (
            "actors.ukraine.patience=off",
            "<--set>: actors.ukraine.patience: yes/no/on/off/y/n are not booleans here; write "
            "true or false, or quote the word if a string is meant (got off)",
        ),
        (
            "actors.ukraine.patience={a: 1",
            "<--set>: actors.ukraine.patience: invalid YAML: expected "
            "',' or '}', but got '<stream end>' (while parsing a flow mapping at line 1)",
        ),
        (
            "extends=x.yaml",
            "<--set>: extends: extends cannot be set here (it is resolved before overrides)",
        ),
    ],
)
def test_override_errors(override, message):
    with pytest.raises(ScenarioError) as err:
        load_scenario(VALID / "minimal.yaml", overrides=[override])
    assert str(err.value) == message
    assert err.value.path == "<--set>"


def test_override_list_index_out_of_range():
    with pytest.raises(ScenarioError) as err:
        load_scenario(VALID / "full.yaml", overrides=["actors.russia.red_lines.3.min=0.5"])
    assert str(err.value) == (
        "<--set>: actors.russia.red_lines.3.min: path not found: "
        'actors.russia.red_lines is a list of 1 (items 0 to 0) (got "3")'
    )


# --- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["minimal.yaml", "three_party.yaml", "full.yaml"])
def test_load_dump_load_round_trip(name):
    s = load_scenario(VALID / name)
    text = dump_scenario(s)
    again = load_scenario_text(text, path=str(VALID / "dumped.yaml"))
    assert without_lines(again) == without_lines(s)
    assert [c.quote for c in again.citations] == [c.quote for c in s.citations]
    assert dump_scenario(again).splitlines()[1:] == text.splitlines()[1:]  # stable


def test_dump_applies_extends_and_overrides(tmp_path):
    write(tmp_path, "base.yaml", MINIMAL)
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nrounds: 4\n")
    s = load_scenario(child, overrides=["actors.ukraine.patience={dist: beta, a: 9, b: 1}"])
    text = dump_scenario(s)
    assert "\nextends:" not in text
    assert "rounds: 4" in text
    assert "dist: beta" in text
    assert without_lines(load_scenario_text(text)) == without_lines(s)


def test_dump_writes_a_single_report_date_as_a_list():
    """report_dates takes only a list: one date must not come back as a bare date (found
    by the mutation property test)."""
    s = load_scenario(VALID / "full.yaml", overrides=["report_dates=[2026-06-30]"])
    again = load_scenario_text(dump_scenario(s), path=str(VALID / "dumped.yaml"))
    assert again.report_dates == s.report_dates == ("2026-06-30",)


def test_dump_quotes_strings_the_loader_would_misread():
    s = load_scenario_text(
        with_actor_keys("ukraine", 'label: "no"\n').replace("zero: freeze", 'zero: "1e-3"')
    )
    again = load_scenario_text(dump_scenario(s))
    assert again.parties[0].label == "no" and again.issues[0].zero == "1e-3"


def test_scenario_from_mapping_matches_text():
    s = load_scenario(VALID / "full.yaml")
    again = scenario_from_mapping(s.resolved, path=str(VALID / "full.yaml"))
    assert without_lines(again) == without_lines(s)
    with pytest.raises(ScenarioError) as err:
        scenario_from_mapping({**s.resolved, "rounds": 0})
    assert str(err.value) == "<mapping>: rounds: must be >= 1 (got 0)"


# --- helpers of show --------------------------------------------------------------------


def test_yaml_key_path_maps_parameter_paths_to_file_paths():
    s = load_scenario(VALID / "full.yaml")
    assert (
        yaml_key_path(s, "actors.us.levers.sanctions.effect")
        == "actors.us.pressure.levers.sanctions.effect"
    )
    assert yaml_key_path(s, "actors.us.response_lag") == "actors.us.violations.lag"
    assert yaml_key_path(s, "actors.us.deadline") == "actors.us.deadline.round"
    assert yaml_key_path(s, "actors.russia.red_lines.0.bound") == "actors.russia.red_lines.0.min"
    assert (
        yaml_key_path(s, "events.energy_strikes.backlash_duration")
        == "events.energy_strikes.backlash.duration"
    )
    assert yaml_key_path(s, "actors.ukraine.war.horizon") == "actors.ukraine.war.horizon"


def test_validate_reports_each_file(capsys):
    bad = str(ROOT / "tests" / "data" / "invalid" / "patience_zero.yaml")
    code = cli.main(["validate", str(VALID / "minimal.yaml"), bad, str(VALID / "three_party.yaml")])
    out, err = capsys.readouterr()
    assert code == 2
    assert out.splitlines() == [
        f"OK  {VALID / 'minimal.yaml'}",
        f"OK  {VALID / 'three_party.yaml'}",
    ]
    assert err == f"{bad}:11:15: actors.ukraine.patience: must be in (0, 1] (got 0)\n"
    assert cli.main(["validate", str(VALID / "minimal.yaml")]) == 0


def test_show_prints_parameters_and_sources(capsys):
    assert cli.main(["show", str(VALID / "full.yaml"), "--set", "actors.ukraine.batna=0.2"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
    s = load_scenario(VALID / "full.yaml")
    for path in s.parameters():
        assert path in out
    assert "actors.ukraine.batna                          0.2" in out
    assert "Sources: quotes found in seeds/" in out
    assert "[10] actors.us.pressure.levers.sanctions  (line 104)" in out
    assert '"increase economic and political pressure on the Kremlin"' in out
    assert "actors.us.levers.sanctions.effect" in out


def test_show_error_is_one_line(capsys):
    code = cli.main(["show", str(VALID / "minimal.yaml"), "--set", "no.such.path=1"])
    assert code == 2
    assert (
        capsys.readouterr().err
        == "<--set>: no.such.path: path not found: no key 'no' in the top level\n"
    )


# --- documentation ----------------------------------------------------------------------


def test_docs_key_tables_are_generated_from_the_schema():
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    generated = text[text.index(DOC_BEGIN) + len(DOC_BEGIN) : text.index(DOC_END)]
    assert generated.strip() == schema_markdown().strip(), (
        "docs/scenarios.md is out of date: run python -m sim.loader --update-docs docs/scenarios.md"
    )


def test_full_fixture_sets_every_schema_key():
    """full.yaml is the round-trip fixture: it must exercise every key of the language."""
    s = load_scenario(VALID / "full.yaml")
    used: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            used.update(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(s.resolved)
    for _, section in DOC_SECTIONS:
        for key in section.keys:
            if key.name != "extends":
                assert key.name in used, f"full.yaml does not use {section.title}: {key.name}"


def test_required_keys_are_documented_as_required():
    assert "| `rounds` | whole number from 1 to 10000 | **required** |" in schema_markdown()
    assert MEDIATOR.key("ideal").default is REQUIRED


def test_odd_keys_still_give_one_line():
    text = with_actor_keys("ukraine", '"pati\\nence": 0.9\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(text)
    assert (
        str(err.value)
        == "<string>:7:5: actors.ukraine.pati\\nence: unknown key; did you mean 'patience'?"
    )


@pytest.mark.parametrize("name", ["a, b/c", "..", "../x", "/tmp/x", "Upper", "x\n", "x\ty"])
def test_top_level_name_follows_the_name_rule(name):
    with pytest.raises(ScenarioError, match=r"^<--set>: name: names must be lower-case"):
        load_scenario_text(MINIMAL, overrides=[f"name={name!r}".replace("'", '"')])


@pytest.mark.parametrize(
    ("file", "name"),
    [
        ("energy_strikes.yaml", "energy_strikes"),
        ("My-Talks.yaml", "my_talks"),
        ("...yaml", "scenario"),
        ("2026 talks.yaml", "scenario_2026_talks"),
    ],
)
def test_default_name_is_the_file_name_made_a_name(tmp_path, file, name):
    path = tmp_path / file
    path.write_text(MINIMAL, encoding="utf-8")
    assert load_scenario(path).name == name


# --- bounded input ----------------------------------------------------------------------


def test_extends_refuses_a_named_pipe_without_reading_it(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")  # reading it would block forever
    child = write(tmp_path, "child.yaml", "extends: pipe.yaml\nrounds: 4\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    assert str(err.value) == (
        f"{child}:1:10: extends: cannot read {tmp_path}/pipe.yaml: not a regular file "
        '(got "pipe.yaml")'
    )


def test_extends_of_a_large_file_names_it_and_never_echoes_it(tmp_path):
    (tmp_path / "big.yaml").write_text("secret: " + "x" * (1 << 20) + "\n", encoding="utf-8")
    child = write(tmp_path, "child.yaml", "extends: big.yaml\nrounds: 4\n")
    with pytest.raises(ScenarioError, match=r"big\.yaml: larger than 1 MiB") as err:
        load_scenario(child)
    assert "secret" not in str(err.value) and "\n" not in str(err.value)


def test_extends_by_absolute_path_is_explicit_and_allowed(tmp_path):
    base = write(tmp_path / "elsewhere", "base.yaml", MINIMAL)
    child = write(tmp_path / "here", "child.yaml", f"extends: {base}\nrounds: 4\n")
    assert load_scenario(child).rounds == 4


def test_extends_merges_a_mapping_with_a_key_named_dist(tmp_path):
    """``dist`` is a distribution only where the schema expects a number: an issue called
    ``dist`` in a salience table is merged, and its inherited siblings are kept."""
    text = MINIMAL.replace("security", "dist")
    write(tmp_path, "base.yaml", text)
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\nactors:\n  ukraine:\n    salience: {dist: 0.5}\n",
    )
    base = load_scenario(tmp_path / "base.yaml")
    s = load_scenario(child)
    ukraine = s.parties[0]
    assert ukraine.salience["dist"] == 0.5
    assert ukraine.salience["territory"] == base.parties[0].salience["territory"] > 0


def test_a_top_level_file_that_is_not_regular_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match=r": cannot read file: not a regular file$"):
        load_scenario(tmp_path)


def test_a_variant_does_not_inherit_the_name(tmp_path):
    write(tmp_path, "base.yaml", "name: base_talks\n" + MINIMAL)
    child = write(tmp_path, "short_talks.yaml", "extends: base.yaml\nrounds: 3\n")
    assert load_scenario(child).name == "short_talks"
    named = write(tmp_path, "other.yaml", "extends: base.yaml\nname: mine\n")
    assert load_scenario(named).name == "mine"
