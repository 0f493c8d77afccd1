"""report.html: one self-contained page per results folder, from the folder's files alone."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_plots import SUMMARY, make_result

from sim import plot_data as pd
from sim import plots
from sim.report import REPORT_NAME, folder_kind, parameter_rows, render_report, write_report

SCENARIO_YAML = """\
source: "a general article"
name: toy
description: A toy negotiation.
issues:
  territory:
    zero: freeze the line
    one: full withdrawal
    source: "Kiev said the conflict should be frozen"
actors:
  a:
    role: party
    ideal: {territory: 0.9}
    patience: {dist: uniform, low: 0.9, high: 0.99}
    red_lines:
      - issue: territory
        min: 0.8
        source: "requires Kiev to withdraw"
"""


def manifest(command: str, **extra) -> dict:
    return {
        "format": 1,
        "command": command,
        "argv": ["negsim", command, "toy.yaml"],
        "scenario_files": [{"path": "/nowhere/toy.yaml", "sha256": "0" * 64}],
        "seed": 1,
        "runs": 10,
        "versions": {"python": "3.11", "negsim": "0.1.0"},
        "started": "2026-01-01T00:00:00Z",
        "finished": "2026-01-01T00:00:01Z",
        **extra,
    }


def run_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    folder.mkdir()
    summary = {
        **SUMMARY,
        "outcomes": {
            "settlement": {"p": 0.5, "ci95": [0.24, 0.76], "count": 5},
            "breakdown": {"p": 0.2, "ci95": [0.06, 0.51], "count": 2},
            "mediator_exit": {"p": 0.1, "ci95": [0.02, 0.40], "count": 1},
            "stalemate": {"p": 0.2, "ci95": [0.06, 0.51], "count": 2},
        },
        "time_to_agreement": {
            "agreements": 5,
            "mean_round": 2.6,
            "se_round": 0.5,
            "median_round": 2,
            "mean_days": 36.4,
        },
        "terms": {"territory": {"mean": 0.45, "se": 0.1, "p10": 0.1, "p50": 0.5, "p90": 0.9}},
        "compromise": {"territory": 0.45},
        "utilities": {"a": {"mean": 0.6, "se": 0.01}, "b": {"mean": 0.4, "se": 0.02}},
        "costs": {"a": 1.0, "b": 2.0},
        "strikes_mean": 1.3,
    }
    (folder / "summary.json").write_text(json.dumps(summary))
    (folder / "manifest.json").write_text(json.dumps(manifest("run")))
    (folder / "scenario.yaml").write_text(SCENARIO_YAML)
    plots.draw_run_figures(make_result(), SUMMARY, folder / "plots")
    plots.save_figure(
        plots.plot_outcome_probabilities(pd.prepare_outcomes(make_result())),
        folder / "plots" / "outcomes_vector",
        "svg",
    )
    return folder


def compare_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "compare"
    (folder / "plots").mkdir(parents=True)
    rows = []
    for name, counts in (
        ("long_scenario_name_number_one", (5, 2, 1, 2, 0)),
        ("b", (7, 1, 1, 1, 0)),
    ):
        rows.append(
            {
                "scenario": name,
                "runs": 10,
                "outcomes": {
                    c: {
                        "p": k / 10,
                        "ci95": [0.0, 1.0],
                        "count": k,
                        "diff": 0.1,
                        "diff_ci95": [0, 0.2],
                    }
                    for c, k in zip(pd.CLASSES, counts, strict=True)
                },
            }
        )
    table = {"baseline": rows[0]["scenario"], "rows": rows, "seed": 1, "runs": 10}
    (folder / "compare.json").write_text(json.dumps(table))
    (folder / "manifest.json").write_text(json.dumps(manifest("compare")))
    plots.draw_compare_figure(table, folder / "plots")
    return folder


class Page(HTMLParser):
    """Collects what the test checks: images, links, scripts and section ids."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.external: list[str] = []
        self.scripts = 0
        self.ids: list[str] = []
        self.svgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src") or "")
        if tag == "script":
            self.scripts += 1
        if tag == "svg":
            self.svgs += 1
        if "id" in a and tag == "section":
            self.ids.append(a["id"] or "")
        for key in ("src", "href"):
            value = a.get(key) or ""
            if re.match(r"^(https?:)?//", value):
                self.external.append(value)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    return page


def test_run_report_is_self_contained_with_every_figure(tmp_path):
    folder = run_folder(tmp_path)
    path = write_report(folder)
    assert path == folder / REPORT_NAME
    text = path.read_text(encoding="utf-8")
    page = parse(text)
    assert page.ids == ["results", "figures", "scenario", "manifest"]
    assert page.scripts == 0 and page.external == []
    pngs = sorted((folder / "plots").glob("*.png"))
    assert len(page.images) == len(pngs) >= 3
    # in reading order (outcomes first), each figure's exact bytes
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    shown = [base64.b64decode(src.split(",", 1)[1]) for src in page.images]
    assert sorted(shown) == sorted(png.read_bytes() for png in pngs)
    assert shown[0] == (folder / "plots" / "outcomes.png").read_bytes()
    assert page.svgs >= 1  # the SVG figure is inline
    # the summary tables, the scenario's parameters with their sources, the manifest
    assert "0.500" in text and "[0.240, 0.760]" in text and "mediator exit" in text
    assert "<code>issues.territory.zero</code>" in text and "freeze the line" in text
    assert "<code>actors.a.patience</code>" in text and "uniform(low=0.9, high=0.99)" in text
    row = text[text.index("<code>actors.a.red_lines.0.min</code>") :]
    assert "requires Kiev to withdraw" in row[: row.index("</tr>")]
    assert "a general article" in text
    name_row = text[text.index("<code>name</code>") :]
    assert "a general article" not in name_row[: name_row.index("</tr>")]
    assert "2026-01-01T00:00:01Z" in text and "negsim run toy.yaml" not in text
    assert "&quot;argv&quot;" in text  # the whole manifest, escaped


def test_report_is_rewritten_atomically_and_identically(tmp_path):
    folder = run_folder(tmp_path)
    first = write_report(folder).read_bytes()
    assert write_report(folder).read_bytes() == first
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_compare_report_has_both_tables(tmp_path):
    folder = compare_folder(tmp_path)
    assert folder_kind(folder) == "compare"
    text = render_report(folder)
    assert "Difference from long_scenario_name_number_one" in text
    assert "+0.100 [+0.000, +0.200]" in text
    assert len(parse(text).images) == 1
    # no scenario copy in a compare folder and the manifest's file is gone: said so
    assert "keeps no copy of its scenario" in text


def test_compare_report_reads_the_scenario_the_manifest_names(tmp_path):
    folder = compare_folder(tmp_path)
    scenario = tmp_path / "toy.yaml"
    scenario.write_text(SCENARIO_YAML)
    data = json.loads((folder / "manifest.json").read_text())
    data["scenario_files"] = [{"path": str(scenario), "sha256": "0" * 64}]
    (folder / "manifest.json").write_text(json.dumps(data))
    text = render_report(folder)
    assert "CHANGED since the run" in text and "freeze the line" in text


def test_sweep_sensitivity_and_discover_folders(tmp_path):
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "sweep.csv").write_text("actors.a.patience,agreement\n0.5,0.2\n0.9,0.4\n")
    (sweep / "manifest.json").write_text(
        json.dumps(manifest("sweep", sweep={"actors.a.patience": [0.5, 0.9]}))
    )
    text = render_report(sweep)
    assert folder_kind(sweep) == "sweep" and "<code>actors.a.patience</code> over 0.5, 0.9" in text
    assert '<td class="num">0.4</td>' in text

    sens = tmp_path / "sens"
    sens.mkdir()
    params = [
        {
            "parameter": "x",
            "file_key": "x",
            "label": "the x",
            "ST": 3.0,
            "S1": 0.1,
            "ST_conf": 0.1,
            "S1_conf": 0.1,
        },
        {
            "parameter": "y",
            "file_key": "y",
            "label": "the y",
            "ST": 0.4,
            "S1": 0.3,
            "ST_conf": 0.1,
            "S1_conf": 0.1,
        },
    ]
    (sens / "sensitivity.json").write_text(
        json.dumps(
            {
                "scenario": "toy",
                "method": "sobol",
                "outcome": "settlement",
                "design": {"n": 4, "replicates": 64},
                "probability": 0.1,
                "parameters": params,
            }
        )
    )
    (sens / "manifest.json").write_text(json.dumps(manifest("sensitivity")))
    text = render_report(sens)
    assert "the x (!)" in text and "the y (!)" not in text and "outside [0, 1]" in text

    disc = tmp_path / "disc"
    disc.mkdir()
    (disc / "discovery.txt").write_text("box 1: x < 3\n")
    (disc / "discovery.json").write_text(
        json.dumps(
            {
                "scenario": "toy",
                "boxes": [
                    {
                        "description": "x below 3",
                        "coverage": 0.5,
                        "density": 0.2,
                        "density_ci95": [0.1, 0.3],
                        "mass": 0.1,
                        "significant": True,
                    }
                ],
            }
        )
    )
    (disc / "manifest.json").write_text(json.dumps(manifest("discover")))
    text = render_report(disc)
    assert "box 1: x &lt; 3" in text and "x below 3" in text


def test_a_folder_that_is_not_a_results_folder(tmp_path):
    with pytest.raises(ValueError, match="not a negsim results folder"):
        write_report(tmp_path)
    with pytest.raises(ValueError, match="no such folder"):
        write_report(tmp_path / "missing")


def test_parameter_rows_attach_the_nearest_source():
    rows = {
        p: (v, s)
        for p, v, s in parameter_rows(
            {
                "source": "about everything",
                "issues": {"w": {"zero": "none", "source": "quote w"}},
                "actors": {"a": {"ideal": {"w": 0.5}, "patience": 0.9}},
                "x": [1, 2],
            }
        )
    }
    assert rows["issues.w.zero"] == ("none", ["quote w"])
    assert rows["actors.a.ideal.w"] == ("0.5", [])
    assert rows["x"] == ("1, 2", [])
    assert "issues.w.source" not in rows and "source" not in rows
    assert rows["x"][1] == []  # the top-level source is not repeated on every value


def test_report_numbers_align_in_their_cells(tmp_path):
    text = render_report(run_folder(tmp_path))
    assert "td.num{text-align:right" in text and "td.name{white-space:nowrap}" in text
    assert '<td class="name">mediator exit</td><td class="num">0.100</td>' in text
