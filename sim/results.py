"""The results of the Python API (:mod:`sim.api`): one class per command.

Each holds what its command computed and gives ``.summary`` (the dict of the command's JSON
file), ``.replicates`` (a pandas DataFrame), ``.rounds`` (round-by-round data where
recorded, else None), ``.save(folder)`` (the command's files, through :mod:`sim.io`'s
atomic writers) and plotting methods that take ``ax=`` (wrapping :mod:`sim.plots`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import NegsimError
from sim.io import manifest, utc_now, write_json_atomic, write_text_atomic
from sim.outcomes import OUTCOME_LABELS, EnsembleResult, hits
from sim.scenario import Scenario

if TYPE_CHECKING:
    import pandas
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.discovery import DiscoveryResult
    from sim.global_sensitivity import Design, Problem, SensitivityResult
    from sim.rounds import RoundRecord
    from sim.sweep_grid import SweepResult

__all__ = [
    "Comparison",
    "Discovery",
    "Provenance",
    "Run",
    "Sensitivity",
    "Sweep",
    "Trace",
    "read_run_folder",
    "read_summary",
]

PathLike = str | os.PathLike[str]

SENSITIVITY_FIGURE_TOP = 20  # parameters in the sensitivity bar chart (all are in the CSV)


def _save_figure(fig: Figure, folder: Path, name: str, fmt: str) -> Path:
    from sim.plots import save_figure

    return save_figure(fig, folder / "plots" / name, fmt)


def _write_report(folder: Path) -> None:
    """``report.html`` beside the figures: the page to send (:mod:`sim.report`)."""
    from sim.report import write_report

    write_report(folder)


def _copy_folder(source: Path, target: Path) -> None:
    """Copy a folder under a temporary name, then move it into place (replacing an older
    copy): a reader never sees half of it."""
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(source, tmp)
    if target.is_dir():
        shutil.rmtree(target)
    tmp.replace(target)


def _dataframe(columns: Mapping[str, Any]) -> pandas.DataFrame:
    import pandas as pd

    return pd.DataFrame({k: np.asarray(v) for k, v in columns.items()})


@dataclass
class Provenance:
    """How a result was produced: what ``manifest.json`` records."""

    command: str
    scenario_files: list[str]
    seed: int
    runs: int
    jobs: int
    executor: str
    overrides: list[str]
    started: str = field(default_factory=utc_now)
    extra: dict[str, Any] = field(default_factory=dict)

    def write(self, folder: Path, argv: Sequence[str] | None) -> None:
        write_json_atomic(
            folder / "manifest.json",
            manifest(
                command=self.command,
                scenario_files=self.scenario_files,
                seed=self.seed,
                runs=self.runs,
                jobs=self.jobs,
                executor=self.executor,
                started=self.started,
                argv=None if argv is None else list(argv),
                overrides=self.overrides,
                **self.extra,
            ),
        )


class _Saved:
    """What the results of ``run``, ``compare``, ``sweep``, ``sensitivity`` and
    ``discover`` share: :meth:`save` writes the result's own files (``_write``), its
    figures under ``plots/`` (``_draw``, unless ``plots=False``), ``manifest.json`` and
    ``report.html``."""

    provenance: Provenance

    def save(
        self,
        folder: PathLike,
        *,
        plots: bool = True,
        fmt: str = "png",
        argv: Sequence[str] | None = None,
    ) -> Path:
        """Write the result into ``folder`` (created if needed) and return its path:
        the files the command writes, the figures in ``fmt`` (png, svg or pdf),
        ``manifest.json`` (with ``argv`` as the command line) and ``report.html``."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        self._write(out)
        if plots:
            self._draw(out, fmt)
        self.provenance.write(out, argv)
        _write_report(out)
        return out

    def _write(self, out: Path) -> None:
        raise NotImplementedError

    def _draw(self, out: Path, fmt: str) -> None:
        raise NotImplementedError


@dataclass(eq=False)
class Run(_Saved):
    """A Monte Carlo run of one scenario (``negsim run``).

    ``ensemble`` holds every replicate's end state (:class:`~sim.outcomes.EnsembleResult`);
    ``summary`` is the dict of ``summary.json``.
    """

    scenario: Scenario
    seed: int
    runs: int
    ensemble: EnsembleResult
    summary: dict[str, Any]
    provenance: Provenance
    replicates_csv: Path | None = None  # where replicates.csv was streamed, if it was
    rounds_dir: Path | None = None  # the rounds/ dataset folder, if rounds were recorded

    @property
    def rounds(self) -> pandas.DataFrame | None:
        """One row per replicate and round (``record="rounds"``), ordered by replicate and
        round, read from the ``rounds/`` folder (one Parquet file per chunk) each time it
        is asked for; None when rounds were not recorded.
        Columns: ``replicate``, ``round``, ``front``, ``move``, ``talking``, ``proposer``,
        ``proposal.<issue>``, per party ``batna``/``aspiration``/``utility``/``accept``/
        ``vote``/``cost``/``pressure.<party>``, ``events.<counter>`` (the round's events),
        ``ratification_failed``, ``state`` (``talking``, or how the talks ended in that
        round) and ``stage`` (the agreements' stage after it: ``war``, ``truce``,
        ``ceasefire``, ``settlement`` or ``over``)."""
        if self.rounds_dir is None:
            return None
        from sim.recorder import read_rounds

        return read_rounds(self.rounds_dir)

    @property
    def replicates(self) -> pandas.DataFrame:
        """One row per replicate: the columns of ``replicates.csv``."""
        if self.replicates_csv is not None and not self.ensemble.params:
            import pandas as pd

            return pd.read_csv(self.replicates_csv, keep_default_na=False, na_values=["nan"])
        return _dataframe(self.ensemble.columns())

    def _write(self, out: Path) -> None:
        """``summary.json``, ``scenario.yaml``, ``replicates.csv`` and
        ``replicates.parquet``, and the ``rounds/`` folder when recorded."""
        from sim.loader import dump_scenario
        from sim.runner import REPLICATES_CSV, write_parquet_copy

        write_json_atomic(out / "summary.json", self.summary)
        write_text_atomic(out / "scenario.yaml", dump_scenario(self.scenario))
        streamed = self.replicates_csv
        if streamed is None:
            write_text_atomic(out / REPLICATES_CSV, self.ensemble.to_csv_text())
            write_parquet_copy(out)
        elif streamed.resolve() != (out / REPLICATES_CSV).resolve():
            write_text_atomic(out / REPLICATES_CSV, streamed.read_text(encoding="utf-8"))
            write_parquet_copy(out)
        if self.rounds_dir is not None:
            from sim.recorder import ROUNDS_DIR

            if self.rounds_dir.resolve() != (out / ROUNDS_DIR).resolve():
                _copy_folder(self.rounds_dir, out / ROUNDS_DIR)

    def _draw(self, out: Path, fmt: str) -> None:
        from sim.plots import draw_run_figures

        draw_run_figures(self.ensemble, self.summary, out / "plots", fmt, scenario=self.scenario)
        if self.rounds_dir is not None:
            from sim.recorder import ROUNDS_DIR
            from sim.round_figures import draw_round_figures

            draw_round_figures(
                out / ROUNDS_DIR, self.scenario, out / "plots", fmt, seed=self.seed, n=self.runs
            )

    def _plot_data(self, which: str) -> Any:
        from sim import plot_data as pd

        if which == "outcomes":
            return pd.prepare_outcomes(self.ensemble)
        if which == "terms":
            return pd.prepare_terms(self.ensemble, self.summary.get("ideals"))
        if which == "time_to_end":
            return pd.prepare_time_to_end(self.ensemble)
        if which == "end_state":
            return pd.prepare_end_state(self.ensemble)
        return pd.prepare_strikes(self.ensemble)

    def plot_outcomes(self, ax: Axes | None = None) -> Figure:
        """Outcome probabilities with their 95% intervals."""
        from sim.plots import plot_outcome_probabilities

        return plot_outcome_probabilities(self._plot_data("outcomes"), ax=ax)

    def plot_terms(self, ax: Axes | None = None) -> Figure:
        """The agreed terms per issue."""
        from sim.plots import plot_terms

        return plot_terms(self._plot_data("terms"), ax=ax)

    def plot_time_to_end(self, ax: Axes | None = None) -> Figure:
        """Cumulative probability of each outcome by round."""
        from sim.plots import plot_time_to_end

        return plot_time_to_end(self._plot_data("time_to_end"), ax=ax)

    def plot_end_state(self, ax: Axes | None = None) -> Figure:
        """Front line and costs at the end."""
        from sim.plots import plot_end_state

        return plot_end_state(self._plot_data("end_state"), ax=ax)

    def plot_round_paths(self, ax: Axes | None = None) -> Figure:
        """The proposal per issue and each party's aspiration and BATNA over the rounds
        (median, 10–90% band); needs ``record="rounds"``."""
        from sim.round_figures import plot_round_paths, prepare_round_paths

        s = self.scenario
        data = prepare_round_paths(
            self._rounds_file(),
            issues=s.issue_names,
            parties=s.party_names,
            rounds=s.rounds,
            scenario=s.name,
            n=self.runs,
            scenario_spec=s,
        )
        return plot_round_paths(data, ax=ax)

    def plot_offers(self, replicate: int | None = None, ax: Axes | None = None) -> Figure:
        """One replicate's offers in utility space with the Pareto frontier and the Nash
        point (default: the first that agreed); needs ``record="rounds"``."""
        from sim.round_figures import plot_offers, prepare_offers

        data = prepare_offers(self._rounds_file(), self.scenario, self.seed, replicate)
        return plot_offers(data, ax=ax)

    def _rounds_file(self) -> Path:
        if self.rounds_dir is None:
            raise NegsimError('no round-by-round data: run with record="rounds"')
        return self.rounds_dir

    def plot_agreement_by_strikes(self, ax: Axes | None = None) -> Figure:
        """Agreement by the number of strikes a replicate saw."""
        from sim.plots import plot_agreement_by_strikes

        return plot_agreement_by_strikes(self._plot_data("strikes"), ax=ax)


@dataclass(eq=False)
class Comparison(_Saved):
    """Scenarios compared on common random numbers (``negsim compare``).

    ``summary`` is the dict of ``compare.json``: per scenario, each outcome's probability
    with its interval and its paired difference from the first scenario.
    """

    scenarios: list[Scenario]
    names: list[str]
    ensembles: list[EnsembleResult]
    summary: dict[str, Any]
    provenance: Provenance
    rounds: pandas.DataFrame | None = None

    @property
    def replicates(self) -> pandas.DataFrame:
        """Every scenario's replicates, with a ``scenario`` column first (the drawn
        parameters are not kept: compare differences, not parameters)."""
        import pandas as pd

        frames = []
        for name, ens in zip(self.names, self.ensembles, strict=True):
            frame = _dataframe(ens.columns())
            frame.insert(0, "scenario", name)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    @property
    def text(self) -> str:
        """The comparison table as the command prints it."""
        from sim.comparison import format_compare

        return format_compare(self.summary)

    def _write(self, out: Path) -> None:
        """``compare.json`` and ``compare.csv``."""
        from sim.comparison import compare_csv

        write_json_atomic(out / "compare.json", self.summary)
        write_text_atomic(out / "compare.csv", compare_csv(self.summary))

    def _draw(self, out: Path, fmt: str) -> None:
        from sim.plots import draw_compare_figure

        draw_compare_figure(self.summary, out / "plots", fmt)

    def plot(self, ax: Axes | None = None) -> Figure:
        """Each scenario's outcome probabilities with their intervals."""
        from sim.plot_data import prepare_compare_from_table
        from sim.plots import plot_compare

        return plot_compare(prepare_compare_from_table(self.summary), ax=ax)


@dataclass(eq=False)
class Sweep(_Saved):
    """One or two parameters swept over a grid on common random numbers (``negsim sweep``).

    ``summary`` holds the scenario, seed, runs per point, the axes and the rows of
    ``sweep.csv`` (one per point and outcome class).
    """

    result: SweepResult
    provenance: Provenance
    outcome: str = "settlement"
    rounds: pandas.DataFrame | None = None
    labels: dict[str, str] = field(default_factory=dict)  # swept path -> words

    @property
    def summary(self) -> dict[str, Any]:
        r = self.result
        return {
            "scenario": r.scenario,
            "seed": r.seed,
            "runs": r.runs,
            "axes": {a.param: list(a.values) for a in r.axes},
            "rows": r.rows(),
        }

    @property
    def replicates(self) -> pandas.DataFrame:
        """One row per point and replicate: the swept values, outcome, end round, terms."""
        r = self.result
        points, runs = r.outcome.shape
        cols: dict[str, Any] = {}
        for a, axis in enumerate(r.axes):
            vals = np.array([r.point_values(p)[a] for p in range(points)])
            cols[axis.param] = np.repeat(vals, runs)
        cols["replicate"] = np.tile(np.arange(runs), points)
        labels = np.asarray(OUTCOME_LABELS, dtype=object)
        cols["outcome"] = labels[r.outcome.astype(np.int64).ravel()]
        cols["end_round"] = r.end_round.ravel()
        for k, issue in enumerate(r.issues):
            cols[f"terms.{issue}"] = r.terms[:, :, k].ravel()
        return _dataframe(cols)

    @property
    def text(self) -> str:
        from sim.sweep_grid import format_sweep

        return format_sweep(self.result)

    def _write(self, out: Path) -> None:
        """``sweep.csv``."""
        from sim.sweep_grid import sweep_csv

        write_text_atomic(out / "sweep.csv", sweep_csv(self.result))

    def _draw(self, out: Path, fmt: str) -> None:
        name = "sweep" if len(self.result.axes) == 1 else f"sweep_{self.outcome}"
        _save_figure(self.plot(), out, name, fmt)

    def plot(self, ax: Axes | None = None, outcome: str | None = None) -> Figure:
        """Outcome probabilities along one swept parameter, or a heat map of ``outcome``
        (default: the one asked for) over two."""
        from sim.plots import plot_sweep, plot_sweep_heatmap

        if len(self.result.axes) == 1:
            curve = self.result.curve()
            label = self.labels.get(curve.param, "")
            return plot_sweep(dataclasses.replace(curve, label=label), ax=ax)
        return plot_sweep_heatmap(self.result.grid(outcome or self.outcome), ax=ax)


@dataclass(eq=False)
class Sensitivity(_Saved):
    """Global sensitivity of one outcome's probability to the uncertain parameters
    (``negsim sensitivity``). ``summary`` is the dict of ``sensitivity.json``."""

    scenario: Scenario
    problem: Problem
    design: Design
    codes: np.ndarray  # (design points, runs per point) outcome codes
    result: SensitivityResult
    provenance: Provenance
    rounds: pandas.DataFrame | None = None

    @property
    def summary(self) -> dict[str, Any]:
        from sim.global_sensitivity import sensitivity_json

        return sensitivity_json(self.result)

    @property
    def indices(self) -> pandas.DataFrame:
        """The indices per parameter: the rows of ``sensitivity.csv``."""
        import io

        import pandas as pd

        from sim.global_sensitivity import sensitivity_csv

        return pd.read_csv(io.StringIO(sensitivity_csv(self.result)))

    @property
    def replicates(self) -> pandas.DataFrame:
        """One row per design point and replicate: the point, the replicate index, the
        parameter values and the outcome."""
        points, runs = self.codes.shape
        cols: dict[str, Any] = {
            "point": np.repeat(np.arange(points), runs),
            "replicate": self.design.replicates().ravel(),
        }
        for k, name in enumerate(self.problem.names):
            cols[f"param.{name}"] = np.repeat(self.design.x[:, k], runs)
        labels = np.asarray(OUTCOME_LABELS, dtype=object)
        cols["outcome"] = labels[self.codes.astype(np.int64).ravel()]
        return _dataframe(cols)

    @property
    def text(self) -> str:
        """The report as the command prints it, with the caveats of estimates the sample
        cannot support (the ones the figure flags)."""
        from sim.global_sensitivity import format_sensitivity

        text = format_sensitivity(self.result)
        caveats = self.result.plot_data().caveats if self.result.defined else ()
        if caveats:
            text = text.rstrip("\n") + "\n\n" + "\n".join(f"Caution: {c}" for c in caveats)
        return text

    def design_csv(self) -> str:
        """``design.csv``: one row per design point, its replicate set, values and share."""
        y = hits(self.codes, self.result.outcome).astype(float)
        names, x, sets, runs = self.problem.names, self.design.x, self.design.sets, self.design.runs
        head = ["point", "replicate_start", "replicates", *(f"param.{n}" for n in names), "p"]
        lines = [",".join(head)]
        for m in range(x.shape[0]):
            vals = ",".join(f"{v:.10g}" for v in x[m])
            lines.append(f"{m},{int(sets[m]) * runs},{runs},{vals},{y[m].mean():.10g}")
        return "\n".join(lines) + "\n"

    def _write(self, out: Path) -> None:
        """``design.csv``, ``sensitivity.csv`` and ``sensitivity.json``."""
        from sim.global_sensitivity import sensitivity_csv

        write_text_atomic(out / "design.csv", self.design_csv())
        write_text_atomic(out / "sensitivity.csv", sensitivity_csv(self.result))
        write_json_atomic(out / "sensitivity.json", self.summary)

    def _draw(self, out: Path, fmt: str) -> None:
        if self.result.defined:  # no figure of indices the sample cannot support
            _save_figure(self.plot(), out, f"sensitivity_{self.result.method}", fmt)

    def plot(self, ax: Axes | None = None, top: int = SENSITIVITY_FIGURE_TOP) -> Figure:
        """The ``top`` parameters' indices as bars."""
        from sim.plots import plot_sensitivity

        return plot_sensitivity(self.result.plot_data(top), ax=ax)


@dataclass(eq=False)
class Discovery(_Saved):
    """Boxes of parameter space where an outcome concentrates, found by PRIM
    (``negsim discover``). ``summary`` is the dict of ``discovery.json``."""

    result: DiscoveryResult
    names: list[str]
    x: np.ndarray
    y: np.ndarray
    provenance: Provenance
    run: Run | None = None  # the simulated run, when discover ran a scenario
    rounds: pandas.DataFrame | None = None

    @property
    def summary(self) -> dict[str, Any]:
        """The dict of ``discovery.json``, with ``sampled_ranges``: the (min, max) each
        restricted parameter was sampled over (what the box figure draws limits against)."""
        from sim.discovery import discovery_json

        data = discovery_json(self.result)
        data["sampled_ranges"] = {k: list(v) for k, v in self._ranges().items()}
        return data

    def _ranges(self) -> dict[str, tuple[float, float]]:
        from sim.plot_data import sampled_ranges

        used = {r.name for b in self.result.boxes for r in b.restrictions}
        keep = [j for j, n in enumerate(self.names) if n in used]
        return sampled_ranges([self.names[j] for j in keep], self.x[:, keep])

    @property
    def replicates(self) -> pandas.DataFrame:
        """The simulated replicates (every column), or, for a results folder, its
        parameters and whether the outcome happened."""
        if self.run is not None:
            return self.run.replicates
        cols: dict[str, Any] = {f"param.{n}": self.x[:, j] for j, n in enumerate(self.names)}
        cols[self.result.outcome] = self.y
        return _dataframe(cols)

    @property
    def text(self) -> str:
        from sim.discovery import format_discovery

        return format_discovery(self.result)

    def _write(self, out: Path) -> None:
        """``discovery.txt``, ``discovery.json`` and the box CSVs; for a simulated
        scenario also the run's files (``summary.json``, ``scenario.yaml``,
        ``replicates.csv`` and ``replicates.parquet``)."""
        from sim.discovery import discovery_csvs

        if self.run is not None:
            self.run._write(out)
        write_text_atomic(out / "discovery.txt", self.text)
        write_json_atomic(out / "discovery.json", self.summary)
        for fname, text in discovery_csvs(self.result).items():
            write_text_atomic(out / fname, text)

    def _draw(self, out: Path, fmt: str) -> None:
        """The peeling trajectory of the first box and of each further significant one."""
        for i, box in enumerate(self.result.boxes, start=1):
            if i > 1 and not box.significant:
                break
            name = "prim_trajectory" if i == 1 else f"prim_trajectory_{i}"
            _save_figure(self.plot(i), out, name, fmt)

    def plot(self, box: int = 1, ax: Axes | None = None) -> Figure:
        """The peeling trajectory of box ``box`` (1 = the first), with the reported,
        simplified box marked; without ``ax``, a panel below draws the box's limits
        against the parameters' sampled ranges."""
        from sim.plot_data import prepare_prim_box

        found = self.result.boxes[box - 1]
        limits = prepare_prim_box(
            found.restrictions,
            self._ranges(),
            outcome=self.result.outcome,
            scenario=self.result.scenario,
            coverage=found.coverage,
            density=found.density,
        )
        return draw_prim_figure(
            self.result.scenario,
            self.result.outcome,
            self.result.n_eval,
            found.trajectory,
            found,
            limits,
            ax,
        )


def draw_prim_figure(
    scenario: str,
    outcome: str,
    n: int,
    t: Any,
    found: Any,
    limits: Any,
    ax: Axes | None = None,
) -> Figure:
    """A PRIM box's peeling trajectory ``t`` (``coverage``, ``density``, ``mass``,
    ``restricted``, ``chosen``), the reported box ``found`` (``coverage``, ``density``,
    ``restrictions``) marked, and its limits panel ``limits`` when there is no ``ax``."""
    from sim.plot_data import prepare_prim
    from sim.plots import OUTCOME_COLOURS, TICK_SIZE, plot_prim_trajectory

    data = prepare_prim(
        np.nan_to_num(np.asarray(t.coverage, dtype=float)),
        np.nan_to_num(np.asarray(t.density, dtype=float)),
        t.chosen,
        outcome=outcome,
        scenario=scenario,
        n=n,
        mass=[float(v) for v in t.mass],
        restricted=[int(v) for v in t.restricted],
    )
    fig = plot_prim_trajectory(data, ax=ax, box=limits if ax is None else None)
    axes = ax if ax is not None else fig.axes[0]
    k = len(found.restrictions)
    axes.plot(
        [found.coverage],
        [found.density],
        linestyle="none",
        marker="D",
        markersize=9,
        markerfacecolor="white",
        markeredgecolor=OUTCOME_COLOURS[outcome],
        markeredgewidth=2,
        label=f"reported: box {t.chosen} simplified to {k} "
        f"restriction{'s' if k != 1 else ''} "
        f"(coverage {found.coverage:.0%}, density {found.density:.0%})",
    )
    axes.legend(loc="upper right", fontsize=TICK_SIZE, frameon=False)
    return fig


@dataclass(eq=False)
class Trace:
    """One replicate, round by round (``negsim trace``).

    ``text`` is what the command prints; ``rounds`` has one row per round (BATNAs,
    aspirations, the proposal per issue, responses, events); ``summary`` the replicate's
    end state.
    """

    scenario: Scenario
    seed: int
    replicate: int
    ensemble: EnsembleResult
    text: str
    log: list[RoundRecord]

    @property
    def summary(self) -> dict[str, Any]:
        row = self.replicates.iloc[0].to_dict()
        return {"scenario": self.scenario.name, "seed": self.seed, **row}

    @property
    def replicates(self) -> pandas.DataFrame:
        return _dataframe(self.ensemble.columns())

    @property
    def rounds(self) -> pandas.DataFrame:
        import pandas as pd

        rows = []
        for entry in self.log:
            flat = dataclasses.asdict(entry)
            proposal = flat.pop("proposal")
            for k, issue in enumerate(self.scenario.issue_names):
                flat[f"proposal.{issue}"] = np.nan if proposal is None else proposal[k]
            for key in ("events", "levers"):
                flat[key] = "; ".join(flat[key])
            rows.append(flat)
        return pd.json_normalize(rows)

    def save(self, folder: PathLike) -> Path:
        """Write ``trace.txt`` and ``rounds.csv``."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "trace.txt", self.text + "\n")
        write_text_atomic(out / "rounds.csv", self.rounds.to_csv(index=False))
        return out


# ---- reading a run folder back ---------------------------------------------------------


# summary.json keys that rebuilding the replicates needs
_REQUIRED = ("scenario", "rounds", "round_days", "issues", "parties", "actors")


def read_summary(folder: Path) -> dict[str, Any]:
    """``folder/summary.json`` as a dict, or a one-line :class:`NegsimError`."""
    if not folder.is_dir():
        raise NegsimError(f"{folder}: no such folder")
    path = folder / "summary.json"
    if not path.is_file():
        raise NegsimError(f"{folder}: no summary.json (not a negsim results folder)")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise NegsimError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NegsimError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(summary, dict):
        raise NegsimError(f"{path}: expected a JSON object")
    missing = [key for key in _REQUIRED if key not in summary]
    if missing:
        raise NegsimError(f"{path}: missing {', '.join(missing)} (not a negsim summary)")
    return summary


def read_run_folder(folder: Path) -> tuple[dict[str, Any], EnsembleResult]:
    """A ``negsim run`` folder's summary and replicates, or a one-line :class:`NegsimError`."""
    from sim.outcomes import read_replicates_csv

    summary = read_summary(folder)
    csv_path = folder / "replicates.csv"
    if not csv_path.is_file():
        raise NegsimError(f"{folder}: no replicates.csv (the run's per-replicate table)")
    try:
        result = read_replicates_csv(
            csv_path,
            scenario=str(summary["scenario"]),
            issues=list(summary["issues"]),
            parties=list(summary["parties"]),
            actors=list(summary["actors"]),
            rounds=int(summary["rounds"]),
            round_days=float(summary["round_days"]),
        )
    except KeyError as exc:
        raise NegsimError(f"{csv_path}: missing column or unknown value {exc}") from None
    except (ValueError, IndexError, StopIteration) as exc:
        raise NegsimError(f"{csv_path}: cannot be read ({exc or 'empty file'})") from None
    if len(result) == 0:
        raise NegsimError(f"{csv_path}: no replicates")
    return summary, result
