"""The figures: drawn from small hand-made results, checked on their artists and files."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

import sim.plot_data as plot_data_module
from sim import plot_data as pd
from sim import plots
from sim.commands.plot_cmd import plot as plot_command
from sim.errors import NegsimError
from sim.outcomes import EnsembleResult, Outcome

A, B, M, S, C = (int(o) for o in Outcome)
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
        failed_ratifications=np.array([0, 1, 0, 0, 2, 0, 0, 1, 0, 0], dtype=np.int64),
        pressure_used=np.zeros(10, dtype=np.int64),
        walkout_by=np.array([-1, -1, -1, -1, 0, 1, -1, -1, -1, -1], dtype=np.int8),
        compromise=np.tile([0.45, 0.5, 0.6], (10, 1)),
        params={"actors.a.ideal.territory": np.array([0.0] * 5 + [0.2] * 5)},
        signed_rejected=np.array([0, 1, 0, 0, 2, 0, 0, 3, 0, 0], dtype=np.int16),
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


def assert_inside_figure(fig: Figure) -> None:
    """Everything drawn lies inside the figure (no title or label clipped at an edge)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw_without_rendering()
    drawn = fig.get_tightbbox(renderer)  # inches, over what is actually drawn
    width, height = fig.get_size_inches()
    tol = 0.02
    assert drawn.x0 >= -tol and drawn.y0 >= -tol, drawn
    assert drawn.x1 <= width + tol and drawn.y1 <= height + tol, (drawn, width, height)


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


# the figures of a result without staged agreements (no ceasefire or settlement to draw)
UNSTAGED = tuple(n for n in plots.RUN_FIGURES if n not in ("staged_by_date", "ceasefire_survival"))


def colour_of(label: str) -> tuple[float, ...]:
    return to_rgba(plots.OUTCOME_COLOURS[label])


# ---- run figures -------------------------------------------------------------------------


def test_palette_is_fixed_okabe_ito():
    assert dict(plots.OUTCOME_COLOURS) == {
        "settlement": "#009E73",
        "breakdown": "#D55E00",
        "mediator_exit": "#E69F00",
        "stalemate": "#0072B2",
        "ceasefire": "#56B4E9",
        "agreement": "#009E73",
    }
    assert set(pd.CLASSES) <= set(plots.OUTCOME_COLOURS)


def test_outcome_bars_are_probabilities_with_interval_bars():
    data = pd.prepare_outcomes(make_result())
    fig = plots.plot_outcome_probabilities(data)
    (ax,) = fig.axes
    (container,) = bar_containers(ax)
    heights = [r.get_height() for r in container.patches]
    np.testing.assert_allclose(heights, [0.5, 0.2, 0.1, 0.2, 0])
    np.testing.assert_allclose(error_extents(container), np.column_stack([data.low, data.high]))
    for rect, label in zip(container.patches, pd.CLASSES, strict=True):
        assert rect.get_facecolor() == colour_of(label)
    assert "probability" in ax.get_ylabel() and ax.get_xlabel()
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == [
        "settlement",
        "breakdown",
        "mediator exit",
        "stalemate",
        "ceasefire",
    ]
    assert_meta(fig)


def test_terms_one_panel_per_issue_with_ideals_and_compromise():
    data = pd.prepare_terms(make_result(), IDEALS)
    fig = plots.plot_terms(data)
    panels = fig.axes
    assert [a.get_title() for a in panels] == ["territory", "security", "aid"]
    territory = panels[0]
    np.testing.assert_allclose([r.get_height() for r in bars(territory)], data.issues[0].shares)
    assert all(r.get_facecolor()[:3] == colour_of("settlement")[:3] for r in bars(territory))
    vertical = {line.get_label(): line.get_xdata()[0] for line in territory.get_lines()}
    assert vertical == pytest.approx({"a's ideal": 0.1, "b's ideal": 0.8, "naive compromise": 0.45})
    aid = {line.get_label(): line.get_xdata()[0] for line in panels[2].get_lines()}
    assert aid == pytest.approx({"a's ideal": 1.0, "b's ideal": 0.0, "naive compromise": 0.6})
    for a in panels:
        assert a.get_xlabel()
    assert panels[0].get_ylabel() == "share of agreements (%)"
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


def test_time_to_end_one_panel_per_class_on_its_own_scale():
    data = pd.prepare_time_to_end(make_result())
    fig = plots.plot_time_to_end(data)
    assert len(fig.axes) == 4  # every class happened in the toy result
    for c, (ax, label) in enumerate(zip(fig.axes, pd.CLASSES[:4], strict=True)):
        (line,) = ax.get_lines()[:1]
        np.testing.assert_allclose(line.get_ydata()[: data.rounds.size], data.cif[c])
        np.testing.assert_allclose(line.get_xdata()[: data.rounds.size], data.rounds)
        assert to_rgba(line.get_color()) == colour_of(label)
        assert label.replace("_", " ") in ax.get_title()
        assert "probability" in ax.get_ylabel()
        # the axis ends just above the class's own total, and says so when cut
        assert ax.get_ylim()[1] >= data.cif[c, -1]
    assert "axis cut at 25%" in fig.axes[1].get_ylabel()  # breakdown: 2 of 10
    assert fig.axes[1].get_ylim()[1] == pytest.approx(0.25 * 1.02)
    assert fig.axes[-1].get_xlabel() == "round (1 round = 14 days)"
    assert_meta(fig)


def test_a_rare_class_is_readable_not_flat():
    r = make_result(outcome=np.array([A] + [S] * 9, dtype=np.int8))
    r = make_result(
        outcome=np.array([A] + [S] * 9, dtype=np.int8),
        terms=np.where(np.arange(10)[:, None] == 0, 0.5, np.nan) * np.ones((10, 3)),
    )
    big = r
    fig = plots.plot_time_to_end(pd.prepare_time_to_end(big))
    agreement = fig.axes[0]
    assert agreement.get_ylim()[1] <= 0.2 * 1.02  # a 10% curve on an axis cut at 20%
    assert "axis cut at" in agreement.get_ylabel()


def test_end_state_boxes_span_the_quartiles():
    data = pd.prepare_end_state(make_result())
    fig = plots.plot_end_state(data)
    front, cost = fig.axes
    boxes = bars(front)
    assert len(boxes) == 4
    np.testing.assert_allclose([b.get_x() for b in boxes], data.front_line[:4, 1])
    np.testing.assert_allclose(
        [b.get_width() for b in boxes], data.front_line[:4, 3] - data.front_line[:4, 1]
    )
    assert [b.get_facecolor()[:3] for b in boxes] == [colour_of(c)[:3] for c in pd.CLASSES[:4]]
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


def errorbar_points(ax) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, [low, high] per point) of the one errorbar drawn in ``ax``."""
    (container,) = [c for c in ax.containers if not isinstance(c, BarContainer)]
    line = container.lines[0]
    segments = container.lines[2][0].get_segments()
    ends = np.array([[min(s[0][0], s[1][0]), max(s[0][0], s[1][0])] for s in segments])
    return np.asarray(line.get_xdata()), np.asarray(line.get_ydata()), ends


def test_compare_draws_paired_differences_from_the_first():
    base = make_result()
    other = make_result(outcome=np.array([A, A, A, A, A, B, M, S, S, A], dtype=np.int8))
    table = pd.prepare_compare({"base": base, "more agreement": other})
    assert table.diff is not None
    np.testing.assert_allclose(table.diff[1], [0.1, -0.1, 0, 0, 0])
    np.testing.assert_allclose(table.diff[0], 0)
    fig = plots.plot_compare(table)
    assert len(fig.axes) == 5  # one panel per class
    for j, (ax, label) in enumerate(zip(fig.axes, pd.CLASSES, strict=True)):
        x, y, ends = errorbar_points(ax)
        np.testing.assert_allclose(x, 100 * table.diff[1:, j])  # percentage points
        np.testing.assert_allclose(
            ends, 100 * np.column_stack([table.diff_low[1:, j], table.diff_high[1:, j]])
        )
        assert label.replace("_", " ") in ax.get_title()
        assert "percentage points" in ax.get_xlabel()
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["base", "more agreement"]
    assert "paired 95% interval" in texts(fig) and "n = 10 replicates each" in texts(fig)


def test_compare_from_the_json_table_keeps_its_differences():
    table = {
        "baseline": "a",
        "rows": [
            {
                "scenario": name,
                "runs": 10,
                "outcomes": {
                    c: {"count": k, "diff": d, "diff_ci95": [d - 0.1, d + 0.1]}
                    for c, k, d in zip(pd.CLASSES, counts, diffs, strict=True)
                },
            }
            for name, counts, diffs in (
                ("a", (5, 2, 1, 2, 0), (0, 0, 0, 0, 0)),
                ("b", (7, 1, 1, 1, 0), (0.2, -0.1, 0, -0.1, 0)),
            )
        ],
    }
    data = pd.prepare_compare_from_table(table)
    np.testing.assert_allclose(data.diff, [[0, 0, 0, 0, 0], [0.2, -0.1, 0, -0.1, 0]])
    np.testing.assert_allclose(data.diff_high - data.diff_low, 0.2)


def test_compare_with_counts_only_shows_probabilities():
    table = pd.prepare_compare_from_counts(
        ["base", "truce"], [{"settlement": 3, "breakdown": 1}, {"stalemate": 4}]
    )
    assert table.diff is None
    fig = plots.plot_compare(table)
    for j, ax in enumerate(fig.axes):
        x, _, ends = errorbar_points(ax)
        np.testing.assert_allclose(x, table.p[:, j])
        np.testing.assert_allclose(ends, np.column_stack([table.low[:, j], table.high[:, j]]))
    assert "n = 4 replicates each" in texts(fig)


def test_compare_stays_legible_with_ten_long_names():
    names = [f"scenario_number_{i}_with_a_rather_long_descriptive_name" for i in range(10)]
    runs = {n: make_result(scenario=n) for n in names}
    fig = plots.plot_compare(pd.prepare_compare(runs))
    assert_inside_figure(fig)
    labels = fig.axes[0].get_yticklabels()
    assert len(labels) == 10 and all(len(t.get_text()) <= 30 for t in labels)


def test_sweep_one_panel_per_class_with_bands_and_words():
    curve = pd.prepare_sweep_from_counts(
        "actors.a.patience",
        [0.5, 0.7, 0.9],
        [
            {"settlement": 2, "stalemate": 8},
            {"settlement": 5, "stalemate": 5},
            {"settlement": 9, "breakdown": 1},
        ],
        scenario="toy",
    )
    fig = plots.plot_sweep(curve)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["settlement", "breakdown", "stalemate"]  # no mediator exit happened
    agreement = fig.axes[0]
    (line,) = agreement.get_lines()
    np.testing.assert_allclose(line.get_ydata(), [0.2, 0.5, 0.9])
    np.testing.assert_allclose(line.get_xdata(), [0.5, 0.7, 0.9])
    assert to_rgba(fig.axes[2].get_lines()[0].get_color()) == colour_of("stalemate")
    band = agreement.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(curve.low[:, 0].min())
    assert band[:, 1].max() == pytest.approx(curve.high[:, 0].max())
    # breakdown (at most 10%) gets its own cut axis
    assert fig.axes[1].get_ylim()[1] < 0.6 and "axis cut at" in fig.axes[1].get_ylabel()
    xlabel = fig.axes[-1].get_xlabel()
    assert xlabel.startswith("a's patience") and "actors.a.patience" in xlabel
    assert_meta(fig, n_text="n = 10 replicates per point")


def test_sweep_label_given_is_used():
    curve = pd.prepare_sweep_from_counts(
        "actors.a.patience",
        [0, 1],
        [{"settlement": 1}, {"settlement": 2}],
        scenario="toy",
        label="Alpha's patience",
    )
    fig = plots.plot_sweep(curve)
    assert fig.axes[0].get_xlabel().startswith("Alpha's patience")


def test_sweep_heatmap_shows_the_grid():
    grid = pd.prepare_sweep_grid_from_counts(
        ("actors.a.patience", "world.front_line.drift"),
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
    assert ax.get_xlabel() == "a's patience" and "front line" in ax.get_ylabel()
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
        sobol, ["a", "b", "c"], method="sobol", outcome="settlement", scenario="toy", n=10
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
        morris, ["p", "q"], method="morris", outcome="settlement", scenario="toy", n=30
    )
    fig = plots.plot_sensitivity(data)
    ax = fig.axes[0]
    (mu,) = bar_containers(ax)
    np.testing.assert_allclose([r.get_width() for r in mu.patches], [0.2, 0.1])
    np.testing.assert_allclose(error_extents_x(mu), [[0.15, 0.25], [0.08, 0.12]])
    assert "n = 30 replicates" in texts(fig)


def test_prim_trajectory_highlights_the_chosen_box():
    data = pd.prepare_prim(
        [1.0, 0.8, 0.5], [0.3, 0.5, 0.9], 1, outcome="settlement", scenario="toy", n=10
    )
    fig = plots.plot_prim_trajectory(data)
    ax = fig.axes[0]
    path, chosen = ax.get_lines()
    np.testing.assert_allclose(path.get_xdata(), [1.0, 0.8, 0.5])
    np.testing.assert_allclose(path.get_ydata(), [0.3, 0.5, 0.9])
    assert (chosen.get_xdata()[0], chosen.get_ydata()[0]) == (0.8, 0.5)
    assert to_rgba(chosen.get_color()) == colour_of("settlement")
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
    assert [p.name for p in paths] == [f"{name}.{fmt}" for name in UNSTAGED]
    assert plots.RUN_FIGURES == (
        "outcomes",
        "terms",
        "time_to_end",
        "end_state",
        "agreement_by_strikes",
        "signed_rejected",
        "staged_by_date",
        "ceasefire_survival",
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
            "settlement": {"p": 0.75, "ci95": [0.3, 0.95], "count": 3},
            "breakdown": {"p": 0.25, "ci95": [0.05, 0.7], "count": 1},
            "mediator_exit": {"p": 0.0, "ci95": [0.0, 0.49], "count": 0},
            "stalemate": {"p": 0.0, "ci95": [0.0, 0.49], "count": 0},
        },
    }
    table = pd.prepare_compare_from_table(
        {"baseline": "base", "rows": [row, {**row, "scenario": "b2"}]}
    )
    assert table.scenarios == ("base", "b2")
    np.testing.assert_allclose(table.p, [[0.75, 0.25, 0, 0, 0]] * 2)
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
    assert written == sorted(f"{name}.{fmt}" for name in UNSTAGED)
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
    assert len(list((folder / "plots").glob("*.pdf"))) == len(UNSTAGED)


# ---- figures that fit the scenario ----------------------------------------------------------

LONG_NAME = "a_scenario_whose_name_is_far_too_long_to_fit_on_one_line_of_any_title_at_all"


def test_party_colours_distinct_for_ten_parties_and_none_black():
    colours = [to_rgba(c) for c in plots.PARTY_COLOURS[:10]]
    assert len(set(colours)) == 10
    assert to_rgba("#000000") not in colours  # black is the naive compromise line
    style = plots.party_style([f"p{i}" for i in range(12)])
    assert len(set(style.values())) == 12


def test_terms_say_what_zero_and_one_mean_in_the_issues_words():
    texts_ = {"territory": ("freeze the line", "full withdrawal"), "security": ("none", "binding")}
    data = pd.prepare_terms(make_result(), IDEALS, issue_texts=texts_)
    fig = plots.plot_terms(data)
    territory, security, aid = fig.axes
    assert territory.get_xlabel() == "0 = freeze the line\n1 = full withdrawal"
    assert security.get_xlabel() == "0 = none\n1 = binding"
    assert " ".join(aid.get_xlabel().split()) == "agreed position (0 to 1 on the issue)"
    r = make_result(issues=("security_guarantees", "b", "c"))
    fig = plots.plot_terms(pd.prepare_terms(r))
    assert fig.axes[0].get_title() == "security guarantees"


def test_issue_texts_from_a_scenario_file_or_mapping(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("issues:\n  water: {zero: none, one: all}\n  x: {}\n")
    assert plots.issue_texts(path) == {"water": ("none", "all"), "x": ("", "")}
    assert plots.issue_texts({"issues": {"w": {"zero": "a", "one": "b"}}}) == {"w": ("a", "b")}
    assert plots.issue_texts(None) == {}
    (tmp_path / "bad.yaml").write_text("issues: [\n")
    assert plots.issue_texts(tmp_path / "bad.yaml") == {}


def test_end_state_without_a_front_has_no_front_panel():
    r = make_result(front_line=np.full(10, np.nan))
    data = pd.prepare_end_state(r)
    assert not data.has_front and data.has_cost
    fig = plots.plot_end_state(data)
    (cost,) = fig.axes
    assert cost.get_title() == "Each party's accumulated cost"
    assert "war" not in texts(fig)


def test_end_state_with_nothing_to_show_says_so():
    r = make_result(front_line=np.full(10, np.nan), cost=np.zeros((10, 2)))
    fig = plots.plot_end_state(pd.prepare_end_state(r))
    assert "no front line and no accumulated cost" in texts(fig)


def test_strikes_figure_carries_its_caveat():
    fig = plots.plot_agreement_by_strikes(pd.prepare_strikes(make_result(), min_count=3))
    drawn = " ".join(texts(fig).split())
    assert "not the effect of strikes" in drawn and "sweep the strike rate" in drawn
    assert_inside_figure(fig)


def test_run_figures_only_for_what_the_scenario_has(tmp_path):
    out = tmp_path / "plots"
    plots.draw_run_figures(make_result(), SUMMARY, out)
    assert (out / "agreement_by_strikes.png").is_file()
    calm = make_result(
        counters={
            "strikes": np.zeros(10, dtype=np.int64),
            "violations": np.zeros(10, dtype=np.int64),
        },
        front_line=np.full(10, np.nan),
        cost=np.zeros((10, 2)),
        signed_rejected=np.zeros(10, dtype=np.int16),
    )
    paths = plots.draw_run_figures(calm, SUMMARY, out)
    assert [p.stem for p in paths] == ["outcomes", "terms", "time_to_end"]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)


def test_run_figures_read_the_issue_texts_beside_the_plots(tmp_path):
    (tmp_path / "scenario.yaml").write_text(
        "issues:\n  territory: {zero: status quo, one: all of it}\n"
    )
    plots.draw_run_figures(make_result(), SUMMARY, tmp_path / "plots")
    # checked on the prepared data the figure is drawn from
    data = pd.prepare_terms(
        make_result(), issue_texts=plots.issue_texts(tmp_path / "scenario.yaml")
    )
    assert (data.issues[0].zero, data.issues[0].one) == ("status quo", "all of it")


def test_figure_files_are_world_readable(tmp_path):
    paths = plots.draw_run_figures(make_result(), SUMMARY, tmp_path, "png")
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in paths)


@pytest.mark.parametrize(
    "draw",
    [
        lambda r: plots.plot_outcome_probabilities(pd.prepare_outcomes(r)),
        lambda r: plots.plot_terms(pd.prepare_terms(r, IDEALS)),
        lambda r: plots.plot_time_to_end(pd.prepare_time_to_end(r)),
        lambda r: plots.plot_end_state(pd.prepare_end_state(r)),
        lambda r: plots.plot_agreement_by_strikes(pd.prepare_strikes(r, min_count=3)),
    ],
)
def test_titles_never_clip_a_long_scenario_name(draw):
    fig = draw(make_result(scenario=LONG_NAME))
    assert_inside_figure(fig)
    assert LONG_NAME[:20] in texts(fig)


def test_sobol_estimates_outside_zero_one_are_flagged_on_the_figure():
    sobol = {
        "ST": [3.2, 0.5, -0.4],
        "ST_conf": [0.1, 0.1, 0.1],
        "S1": [0.1, 0.3, 0.0],
        "S1_conf": [0.1, 0.1, 0.1],
    }
    data = pd.prepare_sensitivity(
        sobol, ["a", "b", "c"], method="sobol", outcome="settlement", scenario="toy", n=64
    )
    assert list(data.flagged) == [True, False, True]
    assert "2 of 3 parameters have an index outside [0, 1]" in data.caveats[0]
    fig = plots.plot_sensitivity(data)
    ax = fig.axes[0]
    assert ax.get_xlim() == pytest.approx(plots.SOBOL_AXIS)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a (!)", "b", "c (!)"]
    drawn = " ".join(texts(fig).split())
    assert "3.20" in drawn and "outside [0, 1]" in drawn
    assert_inside_figure(fig)


def test_sobol_intervals_wider_than_the_range_are_flagged():
    sobol = {"ST": [0.4, 0.3], "ST_conf": [0.9, 0.1], "S1": [0.1, 0.1], "S1_conf": [0.1, 0.1]}
    data = pd.prepare_sensitivity(
        sobol, ["a", "b"], method="sobol", outcome="settlement", scenario="toy", n=64
    )
    assert list(data.flagged) == [True, False]
    assert "±0.5" in data.caveats[0]


def test_morris_exact_zeros_are_flagged_not_read_as_no_effect():
    morris = {"mu_star": [0.2, 0.0, 0.0], "mu_star_conf": [0.1, 0, 0], "sigma": [0.1, 0, 0]}
    data = pd.prepare_sensitivity(
        morris, ["a", "b", "c"], method="morris", outcome="settlement", scenario="toy", n=96
    )
    assert list(data.flagged) == [False, True, True]
    assert "no evidence that they do nothing" in data.caveats[0]
    fig = plots.plot_sensitivity(data)
    drawn = " ".join(texts(fig).split())
    assert "exactly 0 for 2 of 3" in drawn and "no effect seen" in drawn


def test_unflagged_sensitivity_has_no_caveat():
    morris = {"mu_star": [0.2, 0.1], "mu_star_conf": [0.1, 0.1], "sigma": [0.1, 0.1]}
    data = pd.prepare_sensitivity(
        morris, ["a", "b"], method="morris", outcome="settlement", scenario="toy", n=96
    )
    assert data.caveats == () and not data.flagged.any()


def test_prim_box_limits_against_the_parameter_ranges():
    restrictions = [
        {"parameter": "x", "label": "the x", "low": 2.0, "high": None},
        {"parameter": "y", "label": "the y", "low": 0.25, "high": 0.5},
    ]
    box = pd.prepare_prim_box(
        restrictions,
        {"x": (0.0, 10.0), "y": (0.0, 1.0)},
        outcome="settlement",
        scenario="toy",
        coverage=0.6,
        density=0.3,
    )
    fig = plots.plot_prim_box(box)
    ax = fig.axes[0]
    ranges, limits = bar_containers(ax)
    np.testing.assert_allclose([r.get_x() for r in limits.patches], [0.2, 0.25])
    np.testing.assert_allclose([r.get_width() for r in limits.patches], [0.8, 0.25])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["the x", "the y"]
    drawn = texts(fig)
    assert "≥ 2" in drawn and "≤ 0.5" in drawn and "10" in drawn
    with pytest.raises(ValueError, match="no sampled range"):
        pd.prepare_prim_box(
            restrictions, {}, outcome="settlement", scenario="t", coverage=1, density=1
        )


def test_prim_trajectory_with_its_box_has_two_panels():
    data = pd.prepare_prim([1.0, 0.5], [0.1, 0.3], 1, outcome="settlement", scenario="toy", n=10)
    box = pd.prepare_prim_box(
        [{"parameter": "x", "label": "x", "low": 1.0, "high": None}],
        {"x": (0.0, 2.0)},
        outcome="settlement",
        scenario="toy",
        coverage=0.5,
        density=0.3,
    )
    fig = plots.plot_prim_trajectory(data, box=box)
    assert len(fig.axes) == 2


# ---- every run figure for a two-party and a five-party scenario ----------------------------

DATA = Path(__file__).parent / "data" / "valid"


@pytest.mark.parametrize("name, parties", [("minimal.yaml", 2), ("five_party.yaml", 5)])
def test_run_figures_for_two_and_five_parties(tmp_path, name, parties):
    from sim.ensemble import run_ensemble
    from sim.loader import dump_scenario, load_scenario

    scenario = load_scenario(DATA / name)
    assert len(scenario.parties) == parties
    result = run_ensemble(scenario, 24, seed=5)
    (tmp_path / "scenario.yaml").write_text(dump_scenario(scenario))
    paths = plots.draw_run_figures(result, None, tmp_path / "plots", "png", scenario=scenario)
    assert {"outcomes", "terms", "time_to_end"} <= {p.stem for p in paths}
    assert all(p.stat().st_size > 1000 for p in paths)
    from sim.summary import summarize

    ideals = summarize(result, scenario, 5)["ideals"]
    terms = plots.plot_terms(
        pd.prepare_terms(result, ideals, issue_texts=plots.issue_texts(scenario))
    )
    assert_inside_figure(terms)
    ideal_colours = {
        to_rgba(line.get_color())
        for line in terms.axes[0].get_lines()
        if line.get_label().endswith("ideal")
    }
    assert len(ideal_colours) == len([p for p in result.parties if p])  # one colour each
    for issue in scenario.issues:
        assert f"0 = {issue.zero}"[:20] in texts(terms)


def test_five_party_compare_sweep_and_sensitivity_figures_draw():
    parties = tuple(f"party_{i}" for i in range(5))
    r = make_result(
        parties=parties,
        actors=parties,
        cost=np.tile(np.arange(10.0)[:, None], (1, 5)),
        utility=np.zeros((10, 5)),
    )
    fig = plots.plot_end_state(pd.prepare_end_state(r))
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == [
        p.replace("_", " ") for p in parties
    ]
    assert_inside_figure(fig)


def test_parties_are_shown_by_the_scenarios_labels(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("actors:\n  a: {label: Alpha Republic}\n  b: {role: party}\n")
    labels = plots.party_labels(path)
    assert labels == {"a": "Alpha Republic"}
    assert plots.party_labels(tmp_path / "missing.yaml") == {}
    fig = plots.plot_terms(pd.prepare_terms(make_result(), IDEALS, party_labels=labels))
    names = {line.get_label() for line in fig.axes[0].get_lines()}
    assert {"Alpha Republic's ideal", "b's ideal"} <= names
    fig = plots.plot_end_state(pd.prepare_end_state(make_result(), labels))
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["Alpha Republic", "b"]


def test_sampled_ranges_for_the_prim_box():
    x = np.array([[0.0, 5.0], [2.0, 1.0], [1.0, 3.0]])
    assert pd.sampled_ranges(["p", "q"], x) == {"p": (0.0, 2.0), "q": (1.0, 5.0)}
    with pytest.raises(ValueError, match="one column per parameter"):
        pd.sampled_ranges(["p"], x)


def test_signed_rejected_counts_first_rejections_by_round():
    data = plot_data_module.prepare_signed_rejected(make_result())
    assert data.first[1:4].tolist() == [0.1, 0.1, 0.1]
    assert data.cumulative[-1] == pytest.approx(0.3)
    assert np.all(data.low <= data.cumulative) and np.all(data.cumulative <= data.high)
    none = plot_data_module.prepare_signed_rejected(
        make_result(signed_rejected=np.zeros(10, dtype=np.int16))
    )
    assert not none.has_any
