"""The figures: drawn from small hand-made results, checked on their artists and files."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from sim import plot_data as pd
from sim import plots
from sim.commands.plot_cmd import plot as plot_command
from sim.errors import NegsimError
from sim.outcomes import EnsembleResult, Outcome

A, B, M, S = (int(o) for o in Outcome)
META = ("toy", "n = 10 replicates")


def make_result(**overrides) -> EnsembleResult:
    """Ten replicates: 5 agreements, 2 breakdowns, 1 mediator exit, 2 stalemates.

    Issues territory, security and aid; parties a and b; mediator m; 5 rounds of 14 days.
    """
    outcome = np.array([A, A, A, A, B, B, M, S, S, A], dtype=np.int8)
    terms = np.full((10, 3), np.nan)
    terms[outcome == A] = [
        [0.1, 0.3, 0.5],
        [0.12, 0.3, 0.5],
        [0.5, 0.3, 0.5],
        [0.56, 0.3, 0.5],
        [0.97, 0.3, 0.5],
    ]
    fields = dict(
        scenario="toy",
        issues=("territory", "security", "aid"),
        parties=("a", "b"),
        actors=("a", "b", "m"),
        rounds=5,
        round_days=14.0,
        replicate=np.arange(10, dtype=np.int64),
        outcome=outcome,
        end_round=np.array([1, 2, 2, 5, 3, 4, 5, 5, 5, 3], dtype=np.int16),
        terms=terms,
        utility=np.zeros((10, 3)),
        front_line=np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 0.9, 0.5]),
        cost=np.column_stack([np.arange(10.0), 10 * np.arange(10.0)]),
        counters={
            "strikes": np.array([0, 0, 1, 1, 0, 2, 3, 0, 1, 5], dtype=np.int64),
            "violations": np.zeros(10, dtype=np.int64),
        },
        failed_ratifications=np.zeros(10, dtype=np.int64),
        pressure_used=np.zeros(10, dtype=np.int64),
        walkout_by=np.array([-1, -1, -1, -1, 0, 1, -1, -1, -1, -1], dtype=np.int8),
        compromise=np.tile([0.45, 0.5, 0.6], (10, 1)),
        params={"actors.a.ideal.territory": np.array([0.0] * 5 + [0.2] * 5)},
    )
    fields.update(overrides)
    return EnsembleResult(**fields)


IDEALS = {
    "a": {"territory": 0.9, "security": 0.3, "aid": 1.0},
    "b": {"territory": 0.8, "security": 0.7, "aid": 0.0},
}
SUMMARY = {
    "scenario": "toy",
    "runs": 10,
    "seed": 1,
    "rounds": 5,
    "round_days": 14.0,
    "issues": ["territory", "security", "aid"],
    "parties": ["a", "b"],
    "actors": ["a", "b", "m"],
    "ideals": IDEALS,
}


def texts(fig: Figure) -> str:
    """Every string drawn anywhere in the figure (sub-figures included)."""
    return "\n".join(t.get_text() for t in fig.findobj(Text))


def assert_meta(fig: Figure, scenario: str = META[0], n_text: str = META[1]) -> None:
    drawn = texts(fig)
    assert scenario in drawn and n_text in drawn


def bar_containers(ax) -> list[BarContainer]:
    return [c for c in ax.containers if isinstance(c, BarContainer)]


def bars(ax) -> list[Rectangle]:
    return [p for c in bar_containers(ax) for p in c.patches]


def error_extents(container) -> np.ndarray:
    """(low, high) ends of each error bar of a bar container, in data units."""
    segments = container.errorbar.lines[2][0].get_segments()
    return np.array([[min(s[0][1], s[1][1]), max(s[0][1], s[1][1])] for s in segments])


def error_extents_x(container) -> np.ndarray:
    segments = container.errorbar.lines[2][0].get_segments()
    return np.array([[min(s[0][0], s[1][0]), max(s[0][0], s[1][0])] for s in segments])


def colour_of(label: str) -> tuple[float, ...]:
    return to_rgba(plots.OUTCOME_COLOURS[label])


# ---- run figures -------------------------------------------------------------------------


def test_palette_is_fixed_okabe_ito():
    assert dict(plots.OUTCOME_COLOURS) == {
        "agreement": "#009E73",
        "breakdown": "#D55E00",
        "mediator_exit": "#E69F00",
        "stalemate": "#0072B2",
    }
    assert set(plots.OUTCOME_COLOURS) == set(pd.CLASSES)


def test_outcome_bars_are_probabilities_with_interval_bars():
    data = pd.prepare_outcomes(make_result())
    fig = plots.plot_outcome_probabilities(data)
    (ax,) = fig.axes
    (container,) = bar_containers(ax)
    heights = [r.get_height() for r in container.patches]
    np.testing.assert_allclose(heights, [0.5, 0.2, 0.1, 0.2])
    np.testing.assert_allclose(error_extents(container), np.column_stack([data.low, data.high]))
    for rect, label in zip(container.patches, pd.CLASSES, strict=True):
        assert rect.get_facecolor() == colour_of(label)
    assert "probability" in ax.get_ylabel() and ax.get_xlabel()
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == [
        "agreement",
        "breakdown",
        "mediator exit",
        "stalemate",
    ]
    assert_meta(fig)


def test_terms_one_panel_per_issue_with_ideals_and_compromise():
    data = pd.prepare_terms(make_result(), IDEALS)
    fig = plots.plot_terms(data)
    panels = fig.axes
    assert [a.get_title() for a in panels] == ["territory", "security", "aid"]
    territory = panels[0]
    np.testing.assert_allclose([r.get_height() for r in bars(territory)], data.issues[0].shares)
    assert all(r.get_facecolor()[:3] == colour_of("agreement")[:3] for r in bars(territory))
    vertical = {line.get_label(): line.get_xdata()[0] for line in territory.get_lines()}
    assert vertical == pytest.approx({"a's ideal": 0.1, "b's ideal": 0.8, "naive compromise": 0.45})
    aid = {line.get_label(): line.get_xdata()[0] for line in panels[2].get_lines()}
    assert aid == pytest.approx({"a's ideal": 1.0, "b's ideal": 0.0, "naive compromise": 0.6})
    for a in panels:
        assert a.get_xlabel()
    assert panels[0].get_ylabel() == "share of agreements"
    assert "Agreed terms" in texts(fig)
    assert_meta(fig)


def test_terms_without_agreement_say_so():
    r = make_result()
    fig = plots.plot_terms(pd.prepare_terms(r.take(r.outcome != A), IDEALS))
    assert len(fig.axes) == 3
    for a in fig.axes:
        assert bars(a) == []
        assert any("no agreement" in t.get_text() for t in a.texts)
    assert_meta(fig, n_text="n = 5 replicates")


def test_time_to_end_lines_are_cumulative_incidence():
    data = pd.prepare_time_to_end(make_result())
    fig = plots.plot_time_to_end(data)
    ax = fig.axes[0]
    lines = {
        line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")
    }
    assert list(lines) == ["agreement", "breakdown", "mediator exit", "stalemate"]
    for c, label in enumerate(pd.CLASSES):
        line = lines[label.replace("_", " ")]
        np.testing.assert_allclose(line.get_ydata()[: data.rounds.size], data.cif[c])
        np.testing.assert_allclose(line.get_xdata()[: data.rounds.size], data.rounds)
        assert to_rgba(line.get_color()) == colour_of(label)
    assert ax.get_xlabel() == "round (1 round = 14 days)"
    assert "probability" in ax.get_ylabel()
    assert "days since the talks began" in texts(fig)
    assert_meta(fig)


def test_end_state_boxes_span_the_quartiles():
    data = pd.prepare_end_state(make_result())
    fig = plots.plot_end_state(data)
    front, cost = fig.axes
    boxes = bars(front)
    assert len(boxes) == 4
    np.testing.assert_allclose([b.get_x() for b in boxes], data.front_line[:, 1])
    np.testing.assert_allclose(
        [b.get_width() for b in boxes], data.front_line[:, 3] - data.front_line[:, 1]
    )
    assert [b.get_facecolor()[:3] for b in boxes] == [colour_of(c)[:3] for c in pd.CLASSES]
    assert len(bars(cost)) == 4 * 2  # a box per class and party
    assert front.get_xlabel() == "front line (share of contested territory)"
    assert cost.get_xlabel() == "accumulated cost (utility units)"
    assert [t.get_text() for t in cost.get_yticklabels()] == ["a", "b"]
    assert_meta(fig)


def test_end_state_leaves_out_empty_classes():
    r = make_result()
    fig = plots.plot_end_state(pd.prepare_end_state(r.take(r.outcome != M)))
    front = fig.axes[0]
    assert len(bars(front)) == 3
    assert "mediator exit" not in " ".join(t.get_text() for t in front.get_yticklabels())


def test_agreement_by_strikes_bars_and_intervals():
    data = pd.prepare_strikes(make_result(), min_count=3)
    fig = plots.plot_agreement_by_strikes(data)
    ax = fig.axes[0]
    (container,) = bar_containers(ax)
    np.testing.assert_allclose([r.get_height() for r in container.patches], [0.5, 2 / 3, 1 / 3])
    np.testing.assert_allclose(error_extents(container), np.column_stack([data.low, data.high]))
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == ["0", "1", "2+"]
    assert "strikes" in ax.get_xlabel() and "probability" in ax.get_ylabel()
    assert_meta(fig)


# ---- compare, sweep, sensitivity, discovery ------------------------------------------------


def test_compare_grouped_bars_keep_class_colours():
    table = pd.prepare_compare_from_counts(
        ["base", "truce"], [{"agreement": 3, "breakdown": 1}, {"stalemate": 4}]
    )
    fig = plots.plot_compare(table)
    ax = fig.axes[0]
    assert len(bar_containers(ax)) == 4  # one per class
    for j, (container, label) in enumerate(zip(bar_containers(ax), pd.CLASSES, strict=True)):
        np.testing.assert_allclose([r.get_height() for r in container.patches], table.p[:, j])
        np.testing.assert_allclose(
            error_extents(container), np.column_stack([table.low[:, j], table.high[:, j]])
        )
        assert all(r.get_facecolor() == colour_of(label) for r in container.patches)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["base", "truce"]
    assert "n = 4 replicates each" in texts(fig)
    assert ax.get_ylabel() and ax.get_xlabel() and ax.get_title()


def test_sweep_lines_and_bands():
    curve = pd.prepare_sweep_from_counts(
        "actors.a.patience",
        [0.5, 0.7, 0.9],
        [
            {"agreement": 2, "stalemate": 8},
            {"agreement": 5, "stalemate": 5},
            {"agreement": 9, "breakdown": 1},
        ],
        scenario="toy",
    )
    fig = plots.plot_sweep(curve)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["agreement"].get_ydata(), [0.2, 0.5, 0.9])
    np.testing.assert_allclose(lines["agreement"].get_xdata(), [0.5, 0.7, 0.9])
    assert to_rgba(lines["stalemate"].get_color()) == colour_of("stalemate")
    assert len(ax.collections) == 4  # one interval band per class
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(curve.low[:, 0].min())
    assert band[:, 1].max() == pytest.approx(curve.high[:, 0].max())
    assert "actors.a.patience" in ax.get_xlabel() and "probability" in ax.get_ylabel()
    assert_meta(fig, n_text="n = 10 replicates per point")


def test_sweep_heatmap_shows_the_grid():
    grid = pd.prepare_sweep_grid_from_counts(
        ("x.p", "y.q"),
        [1, 2, 3],
        [10, 20],
        np.array([[1, 2, 3], [4, 5, 6]]),
        np.full((2, 3), 10),
        "breakdown",
        scenario="toy",
    )
    fig = plots.plot_sweep_heatmap(grid)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    assert ax.get_xlabel().startswith("x.p") and ax.get_ylabel().startswith("y.q")
    assert "probability of breakdown" in texts(fig)
    assert len(fig.axes) == 2  # the colour bar
    assert_meta(fig, n_text="n = 10 replicates per point")


def test_sensitivity_bars_largest_first_with_whiskers():
    sobol = {
        "S1": [0.05, 0.4, 0.2],
        "S1_conf": [0.01, 0.02, 0.03],
        "ST": [0.1, 0.5, 0.3],
        "ST_conf": [0.04, 0.05, 0.06],
    }
    data = pd.prepare_sensitivity(
        sobol, ["a", "b", "c"], method="sobol", outcome="agreement", scenario="toy", n=10
    )
    fig = plots.plot_sensitivity(data)
    ax = fig.axes[0]
    st, s1 = bar_containers(ax)
    np.testing.assert_allclose([r.get_width() for r in st.patches], [0.5, 0.3, 0.1])
    np.testing.assert_allclose([r.get_width() for r in s1.patches], [0.4, 0.2, 0.05])
    ys = [r.get_y() for r in st.patches]
    assert ys == sorted(ys, reverse=True)  # largest at the top
    np.testing.assert_allclose(error_extents_x(st), [[0.45, 0.55], [0.24, 0.36], [0.06, 0.14]])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["b", "c", "a"]
    assert "Sobol" in ax.get_xlabel()
    assert_meta(fig)

    morris = {"mu_star": [0.2, 0.1], "mu_star_conf": [0.05, 0.02], "sigma": [0.3, 0.1]}
    data = pd.prepare_sensitivity(
        morris, ["p", "q"], method="morris", outcome="agreement", scenario="toy", n=30
    )
    fig = plots.plot_sensitivity(data)
    ax = fig.axes[0]
    (mu,) = bar_containers(ax)
    np.testing.assert_allclose([r.get_width() for r in mu.patches], [0.2, 0.1])
    np.testing.assert_allclose(error_extents_x(mu), [[0.15, 0.25], [0.08, 0.12]])
    assert "n = 30 replicates" in texts(fig)


def test_prim_trajectory_highlights_the_chosen_box():
    data = pd.prepare_prim(
        [1.0, 0.8, 0.5], [0.3, 0.5, 0.9], 1, outcome="agreement", scenario="toy", n=10
    )
    fig = plots.plot_prim_trajectory(data)
    ax = fig.axes[0]
    path, chosen = ax.get_lines()
    np.testing.assert_allclose(path.get_xdata(), [1.0, 0.8, 0.5])
    np.testing.assert_allclose(path.get_ydata(), [0.3, 0.5, 0.9])
    assert (chosen.get_xdata()[0], chosen.get_ydata()[0]) == (0.8, 0.5)
    assert to_rgba(chosen.get_color()) == colour_of("agreement")
    assert "coverage" in ax.get_xlabel() and "density" in ax.get_ylabel()
    assert_meta(fig)


# ---- a given ax, global state --------------------------------------------------------------


def test_a_given_ax_is_drawn_into():
    fig = Figure(layout="constrained")
    left, right = fig.subplots(1, 2)
    out = plots.plot_outcome_probabilities(pd.prepare_outcomes(make_result()), ax=left)
    assert out is fig and len(bar_containers(left)) == 1 and not right.containers
    # a multi-panel figure takes the place of the given ax
    out = plots.plot_terms(pd.prepare_terms(make_result(), IDEALS), ax=right)
    assert out is fig
    assert right not in fig.axes
    assert len(fig.subfigs) == 1 and len(fig.subfigs[0].axes) == 3


def test_drawing_never_imports_pyplot(tmp_path):
    code = textwrap.dedent(f"""
        import sys
        import warnings
        warnings.simplefilter("error")
        sys.path[:0] = {sys.path!r}
        import numpy as np
        from sim import plot_data as pd, plots
        from sim.outcomes import EnsembleResult
        r = EnsembleResult(
            scenario="toy", issues=("x",), parties=("a", "b"), actors=("a", "b"), rounds=3,
            round_days=7.0, replicate=np.arange(4), outcome=np.array([0, 1, 2, 3], np.int8),
            end_round=np.array([1, 2, 3, 3], np.int16), terms=np.array([[0.5], [np.nan]] * 2),
            utility=np.zeros((4, 2)), front_line=np.full(4, 0.3), cost=np.ones((4, 2)),
            counters={{"strikes": np.arange(4), "violations": np.zeros(4, int)}},
            failed_ratifications=np.zeros(4, int), pressure_used=np.zeros(4, int),
            walkout_by=np.full(4, -1, np.int8), compromise=np.full((4, 1), 0.5))
        plots.draw_run_figures(r, None, {str(tmp_path)!r}, "png")
        plots.draw_compare_figure({{"one": r, "two": r}}, {str(tmp_path)!r}, "svg")
        assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(list(tmp_path.iterdir())) == 6


def test_no_pyplot_figures_are_left_open():
    if "matplotlib.pyplot" not in sys.modules:
        plots.plot_time_to_end(pd.prepare_time_to_end(make_result()))
        assert "matplotlib.pyplot" not in sys.modules
    else:  # pragma: no cover - only when some other test imported pyplot
        pyplot = sys.modules["matplotlib.pyplot"]
        before = pyplot.get_fignums()
        plots.plot_time_to_end(pd.prepare_time_to_end(make_result()))
        assert pyplot.get_fignums() == before


# ---- files ---------------------------------------------------------------------------------

MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF"}


def assert_image(path, fmt):
    data = path.read_bytes()
    assert path.suffix == f".{fmt}"
    if fmt == "svg":
        text = data.decode("utf-8")
        assert (
            text.lstrip().startswith("<?xml")
            and "<svg" in text
            and text.rstrip().endswith("</svg>")
        )
    else:
        assert data.startswith(MAGIC[fmt])
    if fmt == "pdf":
        assert b"%%EOF" in data[-32:]


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_draw_run_figures_writes_valid_images(tmp_path, fmt):
    paths = plots.draw_run_figures(make_result(), SUMMARY, tmp_path / "plots", fmt)
    assert [p.name for p in paths] == [f"{name}.{fmt}" for name in plots.RUN_FIGURES]
    assert plots.RUN_FIGURES == (
        "outcomes",
        "terms",
        "time_to_end",
        "end_state",
        "agreement_by_strikes",
    )
    for path in paths:
        assert_image(path, fmt)
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == sorted(p.name for p in paths)


def test_png_size_suits_the_readme(tmp_path):
    path = plots.save_figure(
        plots.plot_outcome_probabilities(pd.prepare_outcomes(make_result())),
        tmp_path / "outcomes",
        "png",
    )
    width = int.from_bytes(path.read_bytes()[16:20], "big")  # IHDR width
    assert width == int(plots.WIDTH * plots.SAVE_DPI)


def test_save_figure_replaces_atomically_and_rejects_unknown_formats(tmp_path):
    fig = plots.plot_outcome_probabilities(pd.prepare_outcomes(make_result()))
    first = plots.save_figure(fig, tmp_path / "f", "svg")
    second = plots.save_figure(fig, tmp_path / "f", "svg")
    assert first == second == tmp_path / "f.svg"
    assert [p.name for p in tmp_path.iterdir()] == ["f.svg"]  # no temporary files left
    assert first.read_bytes() == plots.save_figure(fig, tmp_path / "g", "svg").read_bytes()
    with pytest.raises(ValueError, match="unknown figure format 'jpg'"):
        plots.save_figure(fig, tmp_path / "f", "jpg")


def test_draw_compare_figure(tmp_path):
    path = plots.draw_compare_figure(
        {"base": make_result(), "truce": make_result()}, tmp_path, "png"
    )
    assert path == tmp_path / "compare.png"
    assert_image(path, "png")
    # the content of compare.json works too
    row = {
        "scenario": "base",
        "runs": 4,
        "outcomes": {
            "agreement": {"p": 0.75, "ci95": [0.3, 0.95], "count": 3},
            "breakdown": {"p": 0.25, "ci95": [0.05, 0.7], "count": 1},
            "mediator_exit": {"p": 0.0, "ci95": [0.0, 0.49], "count": 0},
            "stalemate": {"p": 0.0, "ci95": [0.0, 0.49], "count": 0},
        },
    }
    table = pd.prepare_compare_from_table(
        {"baseline": "base", "rows": [row, {**row, "scenario": "b2"}]}
    )
    assert table.scenarios == ("base", "b2")
    np.testing.assert_allclose(table.p, [[0.75, 0.25, 0, 0]] * 2)
    path = plots.draw_compare_figure({"baseline": "base", "rows": [row]}, tmp_path, "svg", "c")
    assert_image(path, "svg")


# ---- negsim plot -----------------------------------------------------------------------------


def write_results(folder, result=None):
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps(SUMMARY))
    (folder / "replicates.csv").write_text((result or make_result()).to_csv_text())
    return folder


def test_plot_command_redraws_every_figure(tmp_path, capsys):
    fmt = "svg"
    folder = write_results(tmp_path / "run")
    assert plot_command(argparse.Namespace(results=str(folder), format=fmt)) == 0
    written = sorted(p.name for p in (folder / "plots").iterdir())
    assert written == sorted(f"{name}.{fmt}" for name in plots.RUN_FIGURES)
    for name in written:
        assert_image(folder / "plots" / name, fmt)
    assert str(folder / "plots") in capsys.readouterr().out


def test_plot_command_reports_a_folder_that_is_not_a_results_folder(tmp_path):
    with pytest.raises(NegsimError, match=r"no summary\.json \(not a negsim results folder\)"):
        plot_command(argparse.Namespace(results=str(tmp_path), format="png"))
    with pytest.raises(NegsimError, match="no such folder"):
        plot_command(argparse.Namespace(results=str(tmp_path / "missing"), format="png"))
    (tmp_path / "summary.json").write_text("{not json")
    with pytest.raises(NegsimError, match=r"summary\.json:1: not valid JSON"):
        plot_command(argparse.Namespace(results=str(tmp_path), format="png"))
    (tmp_path / "summary.json").write_text(json.dumps(SUMMARY))
    with pytest.raises(NegsimError, match=r"no replicates\.csv"):
        plot_command(argparse.Namespace(results=str(tmp_path), format="png"))
    (tmp_path / "replicates.csv").write_text("replicate,outcome\n0,agreement\n")
    with pytest.raises(NegsimError, match=r"replicates\.csv: missing column"):
        plot_command(argparse.Namespace(results=str(tmp_path), format="png"))


def test_plot_command_through_the_cli(tmp_path, capsys):
    from sim.cli import main

    assert main(["plot", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"{tmp_path}: no summary.json (not a negsim results folder)"
    folder = write_results(tmp_path / "run")
    assert main(["plot", str(folder), "--format", "pdf"]) == 0
    assert len(list((folder / "plots").glob("*.pdf"))) == len(plots.RUN_FIGURES)
