"""Round-by-round data (``--record rounds``, ``sim.run(record="rounds")``): the rows agree
with the end states of ``replicates.csv`` and with ``negsim trace`` for the same replicate;
the rounds/ folder is streamed chunk by chunk, one Parquet file per chunk; the figures drawn
from it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.agreements.stages import STAGE_NAMES
from sim.cli import main
from sim.errors import NegsimError
from sim.outcomes import OUTCOME_LABELS

pytest.importorskip("pyarrow")

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
# the baseline without Ukraine's referendum, with parties that concede within a few rounds
# and a veto player who accepts any package: settlements and ceasefires both happen (the
# baseline signs ceasefires only)
LIFTED = [
    "actors.ukraine.ratification.threshold=0",
    "actors.russia.concession.deadline=4",
    "actors.ukraine.concession.deadline=4",
    "agreements.veto_players.european_union.tolerance=1",
]
DATA = ROOT / "tests" / "data" / "valid"
SEED = 11


@pytest.fixture(scope="module")
def recorded():
    run = sim.run(BASELINE, 400, SEED, overrides=LIFTED, record="rounds")
    return run, run.rounds, run.replicates


def test_rounds_are_one_row_per_replicate_and_round_played(recorded):
    run, rounds, reps = recorded
    assert not rounds.duplicated(["replicate", "round"]).any()
    per = rounds.groupby("replicate")["round"]
    assert (per.min() == 1).all()
    # every round from 1 to the end round, none after it
    ends = reps.set_index("replicate")["end_round"]
    assert (per.max() == ends.loc[per.max().index]).all()
    assert (per.count() == per.max()).all()
    assert sorted(rounds["replicate"].unique()) == list(range(400))
    parties = run.scenario.party_names
    for stem in ("batna", "aspiration", "utility", "accept", "vote", "cost", "pressure"):
        assert all(f"{stem}.{p}" in rounds for p in parties)
    assert all(f"proposal.{k}" in rounds for k in run.scenario.issue_names)


def test_rounds_end_where_the_replicates_end(recorded):
    run, rounds, reps = recorded
    last = rounds.groupby("replicate").tail(1).set_index("replicate").sort_index()
    reps = reps.set_index("replicate").sort_index()
    # the state after the last round is the replicate's outcome, and only that round ends it
    assert list(last["state"].astype(str)) == list(reps["outcome"])
    assert set(rounds["state"].astype(str)) <= {"talking", *OUTCOME_LABELS}
    assert (rounds["state"].astype(str) != "talking").sum() == len(reps)
    # the front line and the costs after the last round are the end state's
    np.testing.assert_allclose(last["front"], reps["front_line"], rtol=0, atol=1e-12)
    for p in run.scenario.party_names:
        np.testing.assert_allclose(last[f"cost.{p}"], reps[f"cost.{p}"], rtol=0, atol=1e-9)
    # the agreements' stage, round by round, is the replicate's record of stages
    names = np.asarray(STAGE_NAMES)
    for replicate, stage in rounds.groupby("replicate")["stage"]:
        digits = reps.at[replicate, "stages"][: len(stage)]
        assert list(stage.astype(str)) == list(names[[int(d) for d in digits]])
    # a settlement or a ceasefire in force at the end is the stage of the last round
    for outcome in ("settlement", "ceasefire"):
        ends = reps["outcome"] == outcome
        assert ends.sum() > 10, outcome
        assert (last.loc[ends, "stage"].astype(str) == outcome).all()
    # a settlement's terms are the last package every party signed (with a referendum
    # after an interim ceasefire, rounds before the end); a ceasefire defers every issue
    signed = rounds["talking"].copy()
    for p in run.scenario.party_names:
        signed &= rounds[f"accept.{p}"]
    package = rounds[signed].groupby("replicate").tail(1).set_index("replicate")
    settled = reps.index[reps["outcome"] == "settlement"]
    for k in run.scenario.issue_names:
        np.testing.assert_allclose(
            package.loc[settled, f"proposal.{k}"], reps.loc[settled, f"terms.{k}"], atol=1e-9
        )
    held = reps["outcome"] == "ceasefire"
    assert reps.loc[held, [f"terms.{k}" for k in run.scenario.issue_names]].isna().all().all()
    # the events of the rounds add up to the replicate's counters
    for counter in ("strikes", "violations"):
        per = rounds.groupby("replicate")[f"events.{counter}"].sum().sort_index()
        assert (per.to_numpy() == reps[counter].to_numpy()).all()


@pytest.mark.parametrize("replicate", [0, 7])
def test_rounds_agree_with_the_trace_of_the_same_replicate(recorded, replicate):
    run, rounds, _ = recorded
    trace = sim.trace(BASELINE, replicate, SEED, overrides=LIFTED)
    mine = rounds[rounds["replicate"] == replicate].sort_values("round")
    assert list(mine["round"]) == [e.round for e in trace.log]
    for row, entry in zip(mine.to_dict("records"), trace.log, strict=True):
        if entry.front is None:
            assert np.isnan(row["front"])
        else:
            assert row["front"] == pytest.approx(entry.front, abs=1e-12)
        for p in run.scenario.party_names:
            assert row[f"batna.{p}"] == pytest.approx(entry.batna[p], abs=1e-12)
            assert row[f"aspiration.{p}"] == pytest.approx(entry.aspiration[p], abs=1e-12)
            assert row[f"cost.{p}"] == pytest.approx(entry.costs[p], abs=1e-12)
            if entry.proposal is not None:
                assert bool(row[f"accept.{p}"]) == entry.accept[p]
                assert row[f"utility.{p}"] == pytest.approx(entry.utility[p], abs=1e-12)
        assert row["talking"] == (entry.proposal is not None)
        if entry.proposal is not None:
            got = [row[f"proposal.{k}"] for k in run.scenario.issue_names]
            np.testing.assert_allclose(got, entry.proposal, atol=1e-12)
        assert row["ratification_failed"] == entry.ratification_failed


def test_recording_changes_no_number():
    plain = sim.run(BASELINE, 300, SEED, overrides=LIFTED)
    recorded = sim.run(BASELINE, 300, SEED, overrides=LIFTED, record="rounds")
    assert plain.summary == recorded.summary
    assert plain.rounds is None


def test_rounds_are_streamed_chunk_by_chunk(tmp_path, monkeypatch):
    """Chunks of 64 replicates: one Parquet file per chunk in the rounds/ folder, named in
    chunk order, each holding its chunk's replicates in order; the folder reads back
    (pandas or the reader) as the same rows as a single chunk gives."""
    import pyarrow.parquet as pq

    from sim import ensemble
    from sim.loader import load_scenario
    from sim.recorder import read_rounds
    from sim.runner import run_replicates

    scenario = load_scenario(DATA / "minimal.yaml")
    whole = tmp_path / "whole"
    run_replicates(scenario, 200, 3, rounds_to=whole)
    plan = ensemble.plan_chunks
    monkeypatch.setattr(ensemble, "plan_chunks", lambda runs, chunk_size=0: plan(runs, 64))
    chunked = tmp_path / "chunked"
    run_replicates(scenario, 200, 3, rounds_to=chunked)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chunked", "whole"]  # no leftovers
    parts = sorted(chunked.iterdir())
    assert [p.name for p in parts] == [f"part-{i:05d}.parquet" for i in range(4)]
    for chunk, part in zip(plan(200, 64), parts, strict=True):
        reps = pq.read_table(part, columns=["replicate"]).column("replicate").to_numpy()
        assert reps.min() == chunk.start and reps.max() == chunk.stop - 1
        assert (np.diff(reps) >= 0).all()
    a, b = read_rounds(whole), read_rounds(chunked)
    assert (b["replicate"].diff().dropna() >= 0).all()
    # the Mesa generator differs per chunk, but nothing the model draws comes from it
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(pd.read_parquet(chunked), b)


def test_an_interrupted_run_leaves_no_rounds_folder(tmp_path):
    import pyarrow as pa

    from sim.loader import load_scenario
    from sim.recorder import RoundsWriter
    from sim.runner import run_replicates

    scenario = load_scenario(DATA / "minimal.yaml")
    done = tmp_path / "rounds"
    run_replicates(scenario, 20, 3, rounds_to=done)
    table = pd.read_parquet(done)
    writer = RoundsWriter(done)
    writer.write(pa.Table.from_pandas(table.iloc[:5], preserve_index=False))
    assert len(pd.read_parquet(done)) == len(table)  # the finished folder, untouched
    writer.abort()
    assert [p.name for p in tmp_path.iterdir()] == ["rounds"]
    writer = RoundsWriter(done)  # a second run into the same place replaces it whole
    writer.write(pa.Table.from_pandas(table.iloc[:5], preserve_index=False))
    writer.close()
    assert len(pd.read_parquet(done)) == 5
    assert [p.name for p in tmp_path.iterdir()] == ["rounds"]


def test_an_unknown_record_is_a_one_line_error():
    with pytest.raises(NegsimError, match=r"--record: unknown record 'moves'"):
        sim.run(BASELINE, 10, record="moves")


@pytest.mark.parametrize("name, parties", [("minimal.yaml", 2), ("five_party.yaml", 5)])
def test_run_with_record_rounds_writes_the_data_and_its_figures(tmp_path, capsys, name, parties):
    out = tmp_path / "r"
    argv = ["run", str(DATA / name), "--runs", "60", "--seed", "2", "--jobs", "1"]
    assert main([*argv, "--record", "rounds", "--quiet", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}\n"
    assert sorted(p.name for p in (out / "rounds").iterdir()) == ["part-00000.parquet"]
    assert json.loads((out / "manifest.json").read_text())["record"] == "rounds"
    for figure in ("round_paths", "offers"):
        assert (out / "plots" / f"{figure}.png").stat().st_size > 5000
    rounds = pd.read_parquet(out / "rounds")
    assert sum(c.startswith("aspiration.") for c in rounds.columns) == parties
    # the end states of replicates.csv, as written beside it
    reps = pd.read_csv(out / "replicates.csv").set_index("replicate").sort_index()
    last = rounds.groupby("replicate").tail(1).set_index("replicate").sort_index()
    assert list(last["state"].astype(str)) == list(reps["outcome"])
    assert list(last["round"]) == list(reps["end_round"])
    report = (out / "report.html").read_text()
    assert "round_paths" in report and "offers" in report


def test_round_figures_show_the_paths_and_the_offers(recorded, tmp_path):
    from matplotlib.figure import Figure

    from sim.recorder import ROUNDS_DIR
    from sim.round_figures import (
        plot_offers,
        plot_round_paths,
        prepare_offers,
        prepare_round_paths,
    )

    run, rounds, _ = recorded
    path = run.save(tmp_path / "out", plots=False) / ROUNDS_DIR
    s = run.scenario
    paths = prepare_round_paths(
        path, issues=s.issue_names, parties=s.party_names, rounds=s.rounds, n=run.runs
    )
    # the medians are those of the data (to the histogram's resolution)
    first = rounds[rounds["round"] == 1]
    for k in s.issue_names:
        want = np.nanmedian(first[f"proposal.{k}"])
        assert paths.proposal[k][1, 0] == pytest.approx(want, abs=1e-3)
    for p in s.party_names:
        q = paths.aspiration[p][:, 0]
        assert q[0] <= q[1] <= q[2]
    assert paths.talking[0] == run.runs
    fig = plot_round_paths(paths)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    offers = prepare_offers(path, s, run.seed, replicate=0)
    # offers never lie beyond the frontier of the two parties' values
    front = offers.frontier
    for u in offers.u:
        best = np.interp(u[0], front[:, 0], front[:, 1], left=np.inf, right=-np.inf)
        assert u[1] <= best + 0.02
    if np.all(np.isfinite(offers.nash)):  # the Nash point beats both BATNAs
        assert (offers.nash > offers.batna).all()
    fig = plot_offers(offers)
    assert "replicate 0" in fig.axes[0].get_title()


def test_plot_redraws_the_round_figures_wherever_it_runs(tmp_path, monkeypatch, capsys):
    """From a folder where the scenario's quotes cannot be checked (no seeds/), the saved
    scenario does not load: the manifest's file is used, and without it the paths alone
    (they need only names) are drawn."""
    out = tmp_path / "r"
    argv = ["run", str(DATA / "minimal.yaml"), "--runs", "30", "--seed", "2", "--jobs", "1"]
    assert main([*argv, "--record", "rounds", "--quiet", "--out", str(out)]) == 0
    capsys.readouterr()
    monkeypatch.chdir(tmp_path)
    assert main(["plot", str(out), "--format", "svg", "--json"]) == 0
    drawn = {Path(p).name for p in json.loads(capsys.readouterr().out)["figures"]}
    assert {"round_paths.svg", "offers.svg"} <= drawn
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["scenario_files"] = [{"path": str(tmp_path / "gone.yaml"), "sha256": ""}]
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert main(["plot", str(out), "--format", "pdf", "--json"]) == 0
    drawn = {Path(p).name for p in json.loads(capsys.readouterr().out)["figures"]}
    assert "round_paths.pdf" in drawn and "offers.pdf" not in drawn
