"""The Python API of calibration: :func:`calibrate` and :func:`score` (also ``sim.calibrate``
and ``sim.score``), and the objects they return."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.calibration.history_matching import CalibrationResult, history_match
from sim.calibration.scoring import Score, folder_columns, format_scores, score_columns, scores_json
from sim.calibration.targets import TargetSet, check_against, load_targets
from sim.errors import NegsimError

PathLike = str | os.PathLike[str]


def _targets(targets: TargetSet | PathLike) -> TargetSet:
    return targets if isinstance(targets, TargetSet) else load_targets(targets)


@dataclass(eq=False)
class Calibration:
    """A history matching of a scenario against targets (``negsim calibrate``)."""

    result: CalibrationResult

    @property
    def summary(self) -> dict[str, Any]:
        from sim.calibration.output import summary

        return summary(self.result)

    @property
    def text(self) -> str:
        from sim.calibration.output import text

        return text(self.result)

    @property
    def sample(self) -> Any:
        """The non-implausible points as a DataFrame (empty when nothing survives)."""
        import io

        import pandas as pd  # type: ignore[import-untyped]

        from sim.calibration.output import sample_csv

        if not self.result.survived:
            return pd.DataFrame()
        return pd.read_csv(io.StringIO(sample_csv(self.result)))

    def save(
        self,
        folder: PathLike,
        *,
        fmt: str = "png",
        argv: list[str] | None = None,
        abc: float | None = None,
    ) -> Path:
        """Write ``summary.json``, ``waves.csv``, ``design.csv``, ``non_implausible.csv``,
        ``calibrated.yaml``, ``plots/`` and ``manifest.json`` into ``folder``; with ``abc``
        (a share), also ``abc.csv``: the first wave's points rejection ABC accepts."""
        from sim.calibration.output import save
        from sim.results import Provenance

        out = Path(folder)
        save(self.result, out, fmt, abc)
        Provenance(
            "calibrate",
            [self.result.scenario_file, self.result.targets_file],
            self.result.seed,
            sum(w.points * w.runs for w in self.result.waves),
            1,
            "local",
            list(self.result.overrides),
        ).write(out, argv)
        return out


def calibrate(
    scenario: PathLike,
    targets: TargetSet | PathLike,
    *,
    overrides: Iterable[str] = (),
    waves: int = 3,
    points: int = 256,
    runs: int = 32,
    growth: int = 2,
    seed: int | None = None,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Callable[[int, int, int], Callable[[int], None]] | None = None,
) -> Calibration:
    """History-match a scenario file's uncertain parameters and readings against targets
    (see :mod:`sim.calibration.history_matching`). ``overrides`` are ``--set`` strings
    (a structural value becomes a factor as ``PATH={dist: uniform, low: L, high: H}``)."""
    from sim.loader import load_scenario

    file = os.fspath(scenario)
    overrides = list(overrides)
    s = load_scenario(file, overrides)
    t = _targets(targets)
    check_against(t, s)
    if waves < 1 or points < 2 or runs < 2 or growth < 1:
        raise NegsimError("calibrate needs --waves >= 1, --points >= 2, --runs >= 2, --growth >= 1")
    result = history_match(
        s,
        t,
        load_horizon=lambda h: load_scenario(file, [*overrides, f"rounds={h}"]),
        waves=waves,
        points=points,
        runs=runs,
        growth=growth,
        seed=seed,
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
        progress=progress,
        scenario_file=file,
        overrides=overrides,
    )
    return Calibration(result)


@dataclass(eq=False)
class Scorecard:
    """A run against targets (``negsim score``)."""

    scores: list[Score]
    where: str

    @property
    def text(self) -> str:
        return format_scores(self.scores, self.where)

    def to_json(self) -> list[dict[str, Any]]:
        return scores_json(self.scores)


def score(results: PathLike, targets: TargetSet | PathLike) -> Scorecard:
    """Score a ``negsim run`` results folder against targets."""
    import json

    folder = Path(results)
    scenario_file = folder / "scenario.yaml"
    if not (folder / "replicates.csv").is_file() or not scenario_file.is_file():
        raise NegsimError(
            f"{folder}: not a run's results folder (needs replicates.csv and scenario.yaml)"
        )
    meta = (
        json.loads((folder / "summary.json").read_text())
        if (folder / "summary.json").is_file()
        else {}
    )
    from sim.loader import load_scenario

    def load(overrides: list[str]) -> Any:
        return load_scenario(scenario_file, overrides)

    s = load([])
    t = _targets(targets)
    check_against(t, s)
    columns = folder_columns(folder)
    runs = int(len(columns["outcome"]))
    seed = int(meta.get("seed", s.seed))
    scores = score_columns(
        t,
        s,
        columns,
        seed=seed,
        runs=runs,
        load_horizon=lambda h: load([f"rounds={h}"]),
    )
    return Scorecard(scores, f"{folder} ({runs:,} replicates, seed {seed})")
