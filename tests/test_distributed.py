"""``--executor dask``: chunks on a dask.distributed cluster give the local numbers.

Without ``--scheduler`` negsim starts a ``LocalCluster`` (worker processes) and stops it
at the end. The chunks and their seeds are planned before submission and gathered in
index order, so the files must be byte-identical to those of the local executor.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sim.cli import main
from sim.ensemble import CHUNK_SIZE

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
RUNS = CHUNK_SIZE + 2000  # two chunks, one per worker


@pytest.mark.distributed
def test_dask_local_cluster_gives_the_local_numbers(tmp_path, monkeypatch, capsys):
    # The dask nanny writes its pre-spawn environment (thread limits, PYTHONHASHSEED and,
    # unless negsim unsets it, MALLOC_TRIM_THRESHOLD_) into this process's environment:
    # clear those variables through monkeypatch, which restores them afterwards.
    import dask.config

    for name in [*dask.config.get("distributed.nanny.pre-spawn-environ"), "PYTHONHASHSEED"]:
        monkeypatch.delenv(name, raising=False)
    common = ["run", BASELINE, "--runs", str(RUNS), "--seed", "3", "--no-plots", "--quiet"]
    assert main([*common, "--jobs", "1", "--out", str(tmp_path / "local")]) == 0
    assert (
        main([*common, "--jobs", "2", "--executor", "dask", "--out", str(tmp_path / "dask")]) == 0
    )

    local, remote = tmp_path / "local", tmp_path / "dask"
    assert (remote / "replicates.csv").read_bytes() == (local / "replicates.csv").read_bytes()
    summary = json.loads((remote / "summary.json").read_text())
    assert summary == json.loads((local / "summary.json").read_text())
    assert summary["runs"] == RUNS
    manifest = json.loads((remote / "manifest.json").read_text())
    assert (manifest["executor"], manifest["jobs"]) == ("dask", 2)
    # the dask nanny's MALLOC_TRIM_THRESHOLD_ made numpy ~4x slower in the workers;
    # negsim unsets it, so it never reached the (shared) environment either
    assert "MALLOC_TRIM_THRESHOLD_" not in os.environ
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dask", "local"]


@pytest.mark.distributed
def test_dask_scheduler_address_gives_the_local_numbers(tmp_path, monkeypatch, capsys):
    """--scheduler ADDRESS: negsim connects to a running cluster (here a LocalCluster of
    this test) instead of starting one, and leaves it running."""
    import dask.config
    from distributed import Client, LocalCluster

    for name in [*dask.config.get("distributed.nanny.pre-spawn-environ"), "PYTHONHASHSEED"]:
        monkeypatch.delenv(name, raising=False)
    common = ["run", BASELINE, "--runs", str(RUNS), "--seed", "4", "--no-plots", "--quiet"]
    assert main([*common, "--jobs", "1", "--out", str(tmp_path / "local")]) == 0
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        argv = [
            *common,
            "--executor",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
            "--out",
            str(tmp_path / "remote"),
        ]
        assert main(argv) == 0
        with Client(cluster) as client:  # still up, with its workers
            assert len(client.scheduler_info()["workers"]) == 2
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert (remote / "replicates.csv").read_bytes() == (local / "replicates.csv").read_bytes()
    assert json.loads((remote / "summary.json").read_text()) == json.loads(
        (local / "summary.json").read_text()
    )
