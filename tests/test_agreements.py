"""Staged agreements: kinds of agreement, votes after a ceasefire, veto players, collapse,
end states and the per-round and per-date estimates (sim.agreements)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.agreements import stages as st
from sim.agreements.calendar import Calendar
from sim.loader import load_scenario, load_scenario_text
from sim.model import NegotiationModel
from sim.outcomes import Outcome, indicator
from sim.stats import mean_and_se

ROOT = Path(__file__).resolve().parents[1]

# Two parties, no front line: continued war leaves every issue where it stands and costs
# each side a little per round, so a ceasefire (nothing settled) is worth more than war to
# both. Upland's public rejects every settlement, so none is ever ratified.
BASE = """
rounds: {rounds}
start_date: 2026-02-04
round_days: 14
report_dates: [2026-03-31, 2026-06-30]
issues:
  land: {{zero: stay, one: leave}}
  aid: {{zero: none, one: full}}
actors:
  upland:
    role: party
    ideal: {{land: 1, aid: 0}}
    salience: {{land: 0.6, aid: 0.4}}
    war: {{cost_per_round: 0.01}}
    ratification: {{intercept: {intercept}, threshold: 0.5, lost_rounds: 0}}
  delta:
    role: party
    ideal: {{land: 0, aid: 1}}
    salience: {{land: 0.5, aid: 0.5}}
    war: {{cost_per_round: 0.01}}
protocol: {{first_proposer: upland}}
{events}
agreements:
  choice: in_order
  kinds:
    ceasefire:
      settles: {settles}
      ratified: {ratified}
      collapse:
        hazard: {hazard}
        multipliers: {{monitoring: {monitoring}}}
        per_violation: {per_violation}
    settlement:
      settles: all
"""


def scenario(
    rounds: int = 26,
    intercept: float = -20.0,
    settles: str = "[]",
    ratified: str = "false",
    hazard: float = 0.2,
    monitoring: float = 1.0,
    per_violation: float = 1.0,
    events: str = "",
):
    return load_scenario_text(
        BASE.format(
            rounds=rounds,
            intercept=intercept,
            settles=settles,
            ratified=ratified,
            hazard=hazard,
            monitoring=monitoring,
            per_violation=per_violation,
            events=events,
        )
    )


STRIKES = """
events:
  raids:
    type: strike
    by: upland
    target: delta
    prob_per_round: 0.5
"""


def paired_mean_interval(d: np.ndarray) -> tuple[float, float]:
    """95% interval of the mean of paired differences."""
    m, se = mean_and_se(d)
    return m - 1.96 * se, m + 1.96 * se


def run(s, n: int = 2000, seed: int = 7):
    return NegotiationModel(s, seed=seed, n=n).run()


# ---- one kind is the first version ----------------------------------------------------


ONE_KIND = "agreements:\n  kinds:\n    peace: {settles: all}\n"
US = "actors.united_states"
# the baseline without its kinds, made to reach every end in 26 rounds: parties that
# concede within six rounds (settlements, and failed referendums), a mediator that may
# leave and end the talks
BASELINE_ENDS = [
    "actors.russia.concession.deadline=6",
    "actors.ukraine.concession.deadline=6",
    f"{US}.after_exit=end",
    f"{US}.deadline.exit_hazard=0.3",
]
EVERY_END = {"settlement", "breakdown", "mediator_exit", "stalemate"}


def _without_and_with_one_kind(file: str, folder: Path) -> tuple[Path, Path]:
    """The scenario without an ``agreements`` section, and the same with one kind that
    settles every issue."""
    source = ROOT / file
    if file == "scenarios/baseline.yaml":
        # extends stays inside its folder; the quotes are checked against seeds/
        shutil.copytree(ROOT / "seeds", folder / "seeds")
        shutil.copyfile(source, folder / "baseline.yaml")
        plain = folder / "plain.yaml"
        plain.write_text("extends: baseline.yaml\nagreements: null\n", encoding="utf-8")
        one = folder / "one_kind.yaml"
        one.write_text("extends: plain.yaml\n" + ONE_KIND, encoding="utf-8")
        return plain, one
    one = folder / "one_kind.yaml"
    one.write_text(source.read_text(encoding="utf-8") + "\n" + ONE_KIND, encoding="utf-8")
    return source, one


@pytest.mark.parametrize(
    "file, overrides, n, ends",
    [
        ("tests/data/valid/three_party.yaml", [], 300, {"stalemate"}),
        ("scenarios/baseline.yaml", BASELINE_ENDS, 600, EVERY_END),
        # the same for three parties; its solver makes each round costly (-m slow)
        pytest.param(
            "scenarios/river_basin_water_treaty.yaml", [], 300, EVERY_END, marks=pytest.mark.slow
        ),
    ],
    ids=["three_party", "baseline", "river_basin"],
)
def test_one_kind_covering_every_issue_reproduces_the_scenario_without_kinds(
    file, overrides, n, ends, tmp_path
):
    """Every column of every replicate is the same, byte for byte, in replicates.csv."""
    plain_file, one_file = _without_and_with_one_kind(file, tmp_path)
    plain = load_scenario(plain_file, overrides)
    assert plain.agreements is None
    staged = load_scenario(one_file, overrides)
    assert staged.agreements is not None
    a = NegotiationModel(plain, seed=3, n=n).run()
    b = NegotiationModel(staged, seed=3, n=n).run()
    assert a.to_csv_text() == b.to_csv_text()
    # the comparison covers the ends the scenario can reach, and votes that fail
    assert {k for k, v in a.counts().items() if v > 0} == ends
    if "settlement" in ends:
        assert (a.failed_ratifications > 0).sum() >= 5


# ---- durability -----------------------------------------------------------------------


def test_constant_hazard_gives_ceasefires_of_mean_one_over_h_rounds():
    h = 0.2
    res = run(scenario(rounds=160, hazard=h), n=200)
    rows, start, length, collapsed = st.spells(res.stages)
    # spells that start long before the window closes are (almost surely) seen to end
    seen = start <= res.rounds - 70
    assert collapsed[seen].all()
    lengths = length[seen].astype(float)
    assert lengths.size > 2000
    se = lengths.std(ddof=1) / np.sqrt(lengths.size)
    assert abs(lengths.mean() - 1 / h) < 4 * se
    # the per-round hazard read back from the spells: collapses / rounds at risk
    assert abs(collapsed[seen].sum() / lengths.sum() - h) < 0.01


def test_monitoring_lowers_collapse_and_violations_raise_it():
    """Paired on common random numbers: the same replicates, one change at a time."""
    base = run(scenario(hazard=0.3))
    monitored = run(scenario(hazard=0.3, monitoring=0.3))
    violated = run(scenario(hazard=0.3, per_violation=2.5, events=STRIKES))
    quiet = run(scenario(hazard=0.3, per_violation=1.0, events=STRIKES))
    c = {
        k: r.columns()["collapses"].astype(float)
        for k, r in (
            ("base", base),
            ("monitored", monitored),
            ("violated", violated),
            ("quiet", quiet),
        )
    }
    lo, hi = paired_mean_interval(c["monitored"] - c["base"])
    assert hi < 0, "monitoring must lower the number of collapses"
    lo, hi = paired_mean_interval(c["violated"] - c["quiet"])
    assert lo > 0, "violations must raise it"
    assert violated.counter("violations").sum() > 0


# ---- what is settled, and votes -------------------------------------------------------


def test_deferred_issues_are_never_counted_as_settled():
    res = run(scenario(settles="[land]", hazard=0.1), n=1500)
    cf = res.outcome == Outcome.CEASEFIRE
    assert cf.sum() > 100
    land, aid = res.terms[:, 0], res.terms[:, 1]
    assert np.isnan(aid[cf]).all(), "a deferred issue has no agreed value"
    assert np.isfinite(land[cf]).all(), "the settled issue keeps the signed value"
    # at war again, nothing is settled
    war = res.outcome == Outcome.STALEMATE
    assert np.isnan(res.terms[war]).all()
    # and the summary's agreed terms read settlements only
    assert not (res.outcome == Outcome.SETTLEMENT).any()


def test_a_ceasefire_needs_no_referendum_where_the_scenario_says_none():
    none = run(scenario(ratified="false"), n=500)
    voted = run(scenario(ratified="true"), n=500)
    assert (none.columns()["ceasefires"] > 0).mean() > 0.9
    # upland's public rejects every package put to it: a voted ceasefire never holds
    assert (voted.columns()["ceasefires"] == 0).all()
    assert voted.failed_ratifications.sum() > 0
    # without the vote, only the settlement is ever voted on
    assert none.failed_ratifications.sum() > 0


def test_a_vote_waits_for_a_ceasefire_of_the_delay_rounds():
    text = BASE.replace(
        "    settlement:\n      settles: all\n",
        "    settlement:\n      settles: all\n      vote_delay: 3\n",
    )
    s = load_scenario_text(
        text.format(
            rounds=26,
            intercept=20.0,
            settles="[]",
            ratified="false",
            hazard=0.0,
            monitoring=1.0,
            per_violation=1.0,
            events="",
        )
    )
    res = run(s, n=300)
    settled = res.outcome == Outcome.SETTLEMENT
    assert settled.any()
    stage = res.stages[settled]
    first_settled = (stage == st.SETTLEMENT).argmax(axis=1)
    for row, r in zip(stage, first_settled, strict=True):
        assert (row[r - 3 : r] == st.CEASEFIRE).all(), "three rounds of ceasefire first"


# ---- veto players ---------------------------------------------------------------------


VETO = """
  veto_players:
    union: {ideal: {aid: 0.0}, tolerance: 0.3}
"""


def test_a_veto_player_blocks_exactly_the_packages_outside_its_acceptance():
    s = load_scenario_text(
        BASE.format(
            rounds=5,
            intercept=20.0,
            settles="[]",
            ratified="false",
            hazard=0.0,
            monitoring=1.0,
            per_violation=1.0,
            events="",
        )
        + VETO
    )
    m = NegotiationModel(s, seed=1, n=101)
    aid = np.linspace(0, 1, 101)
    x = np.column_stack([np.full(101, 0.7), aid])
    ok = m.agreements.veto_ok(x)
    # the issue stands at 0 (war gives no aid): leaving it there or moving it within the
    # tolerance is accepted, anything beyond it is blocked
    np.testing.assert_array_equal(ok, aid <= 0.3 + 1e-12)
    # a package that does not touch its issue needs no consent, whatever it is
    far = np.column_stack([np.linspace(0, 1, 101), np.zeros(101)])
    assert m.agreements.veto_ok(far).all()


def test_a_veto_player_can_keep_a_settlement_from_being_signed():
    plain = BASE.format(
        rounds=26,
        intercept=20.0,
        settles="[]",
        ratified="false",
        hazard=0.0,
        monitoring=1.0,
        per_violation=1.0,
        events="",
    )
    free = run(load_scenario_text(plain), n=300)
    vetoed = run(load_scenario_text(plain + VETO.replace("0.3", "0.0")), n=300)
    assert (free.outcome == Outcome.SETTLEMENT).mean() > 0.5
    settled = vetoed.outcome == Outcome.SETTLEMENT
    assert np.all(np.abs(vetoed.terms[settled, 1]) < 1e-9), "only packages leaving aid at 0"


# ---- end states and dates -------------------------------------------------------------


def test_every_replicate_is_in_exactly_one_state():
    res = run(scenario(hazard=0.1), n=800)
    counts = res.counts()
    assert sum(counts.values()) == len(res)
    assert set(counts) == {"settlement", "ceasefire", "stalemate", "breakdown", "mediator_exit"}
    in_force = res.stages[:, -1] == st.CEASEFIRE
    np.testing.assert_array_equal(in_force, res.outcome == Outcome.CEASEFIRE)


def test_per_date_probabilities_equal_counts_from_replicates_csv(tmp_path):
    from sim import api

    s = scenario(hazard=0.15)
    out = api.run(s, runs=600, seed=5)
    out.save(tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    with open(tmp_path / "replicates.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cal = Calendar("2026-02-04", 14.0, 26)
    for entry in summary["staged"]["report_dates"]:
        date = entry["date"]
        for name in ("ceasefire_by", "settlement_by", "ceasefire_on"):
            k = sum(int(r[f"{name}.{date}"]) for r in rows)
            assert entry[name]["count"] == k
            assert entry[name]["p"] == pytest.approx(k / len(rows))
        first = [int(r["first_ceasefire_round"]) for r in rows]
        by = cal.rounds_by(date)
        assert entry["ceasefire_by"]["count"] == sum(1 for f in first if 0 < f <= by)
    # the per-round curve and the stage record agree
    curve = summary["staged"]["curves"]["ceasefire_in_force_by_round"]["p"]
    stages = np.array([[int(c) for c in r["stages"]] for r in rows])
    np.testing.assert_allclose(curve, (stages == st.CEASEFIRE).mean(axis=0))


def test_event_outcomes_read_the_calendar():
    res = run(scenario(hazard=0.15), n=400)
    by_date = indicator(res, "ceasefire_by:2026-03-31")
    cal = Calendar("2026-02-04", 14.0, 26)
    r = cal.rounds_by("2026-03-31")
    assert r == 4  # rounds on 4 Feb, 18 Feb, 4 Mar, 18 Mar; the fifth falls on 1 Apr
    np.testing.assert_array_equal(by_date, indicator(res, f"ceasefire_by:{r}"))
    first = res.columns()["first_ceasefire_round"]
    np.testing.assert_array_equal(by_date, (first > 0) & (first <= r))
    with pytest.raises(ValueError, match="unknown outcome"):
        indicator(res, "ceasefire_by")


def test_staged_summary_has_curves_lengths_and_dates():
    from sim.summary import summarize

    s = scenario(hazard=0.2)
    res = run(s, n=500)
    summary = summarize(res, s, 7)
    staged = summary["staged"]
    assert sum(o["p"] for o in summary["outcomes"].values()) == pytest.approx(1.0)
    for key in ("first_ceasefire_by_round", "settlement_by_round", "ceasefire_in_force_by_round"):
        c = staged["curves"][key]
        assert len(c["p"]) == len(c["ci95_low"]) == len(c["ci95_high"]) == 26
        assert all(
            lo <= p <= hi for p, lo, hi in zip(c["p"], c["ci95_low"], c["ci95_high"], strict=True)
        )
    first = staged["curves"]["first_ceasefire_by_round"]["p"]
    assert all(a <= b for a, b in zip(first[:-1], first[1:], strict=True))
    length = staged["ceasefire_length"]
    assert length["median_rounds"] is not None
    # geometric lengths with h = 0.2: P(L <= 3 rounds) = 1 - 0.8^3 = 0.488
    c30 = staged["collapse_within_30_days"]
    assert c30["ci95"][0] - 0.03 < 0.488 < c30["ci95"][1] + 0.03
    assert staged["date"][0] == "2026-02-04"
