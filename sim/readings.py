"""Readings of the source and samples of parameters: what a replicate draws besides its
parameters, at the level of the runner.

A scenario may declare named *readings*: alternative readings of its source text, each a
set of changes to the file (``--set``-style) with the quotes that make it plausible and a
prior weight. Each reading is a whole scenario (the file with its changes), built and
checked when the file loads. Replicate i draws its reading from its own stream (the
``reading`` draw of its parameter stream), as it draws its parameters; the replicates of
each reading then run as that reading's scenario, and the results are merged back in
replicate order. A replicate's numbers depend on the seed and its index only, so the
results do not depend on ``--jobs``, the executor or the chunking, and a reading that
changes nothing leaves every number as it was.

A *parameter sample* (``sample:`` in a scenario, written by ``negsim calibrate``) is a
table of joint parameter values (and optionally readings): replicate i draws one row
(uniformly, or by the rows' weights) from its own stream, and runs with that row's values
in place of the scenario's distributions, so the joint structure of the sample is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.streams import Purpose, Streams

if TYPE_CHECKING:
    from sim.outcomes import EnsembleResult
    from sim.scenario import Scenario

READING = "reading"  # the name of the reading's draw and of its column (param.reading)
SAMPLE_ROW = "sample.row"  # the name of a sample row's draw


@dataclass(frozen=True)
class Reading:
    """One reading of the source: its changes, prior weight, quotes, and the scenario it
    makes (the file with the changes applied; ``None`` only while loading)."""

    name: str
    weight: float
    changes: tuple[tuple[str, Any], ...]  # (path, plain value) as written
    description: str = ""
    quotes: tuple[str, ...] = ()
    scenario: Scenario | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, eq=False)
class ParameterSample:
    """Joint parameter values to draw rows from: ``values[:, j]`` is parameter
    ``paths[j]``; ``reading`` (optional) the reading index of each row."""

    file: str
    paths: tuple[str, ...]
    values: np.ndarray  # (M, J)
    weights: np.ndarray  # (M,), normalised
    reading: np.ndarray | None = None  # (M,) int

    def __len__(self) -> int:
        return int(self.values.shape[0])


def reading_weights(readings: tuple[Reading, ...]) -> np.ndarray:
    w = np.asarray([r.weight for r in readings], dtype=float)
    return w / w.sum()


def _pick(u: np.ndarray, weights: np.ndarray) -> np.ndarray:
    cum = np.cumsum(weights)
    cum[-1] = 1.0
    return np.minimum(np.searchsorted(cum, u, side="right"), len(weights) - 1)


def draw_values(
    scenario: Scenario,
    seed: int,
    replicates: np.ndarray,
    parameter_values: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """The fixed values of the replicates: ``parameter_values`` (a design), then a sample
    row's values, then (with readings) each replicate's reading index as ``reading``."""
    n = int(np.asarray(replicates).size)
    values = {
        k: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()
        for k, v in (parameter_values or {}).items()
    }
    streams: Streams | None = None
    sample = getattr(scenario, "sample", None)
    if sample is not None:
        streams = Streams(seed, replicates)
        rows = _pick(streams.uniform(Purpose.PARAMETERS, SAMPLE_ROW), sample.weights)
        for j, path in enumerate(sample.paths):
            values.setdefault(path, sample.values[rows, j])
        if sample.reading is not None:
            values.setdefault(READING, sample.reading[rows].astype(float))
    readings = getattr(scenario, "readings", ())
    if readings and READING not in values:
        streams = streams or Streams(seed, replicates)
        u = streams.uniform(Purpose.PARAMETERS, READING)
        values[READING] = _pick(u, reading_weights(readings)).astype(float)
    return values


def reading_of(scenario: Scenario, seed: int, replicates: np.ndarray) -> np.ndarray:
    """Each replicate's reading index (as ``run`` draws it), shape (N,) int."""
    values = draw_values(scenario, seed, replicates)
    if READING not in values:
        return np.zeros(np.asarray(replicates).size, dtype=np.int64)
    return values[READING].astype(np.int64)


def run_drawn(
    scenario: Scenario,
    seed: int,
    replicates: np.ndarray,
    *,
    rng: np.random.Generator | None,
    parameter_values: Mapping[str, np.ndarray] | None,
    rounds_sink: list[Any] | None = None,
) -> EnsembleResult:
    """Run replicates of a scenario with readings or a parameter sample (see the module
    docstring); the result is in the order of ``replicates`` and carries the reading
    index as the parameter ``reading``."""
    from sim.outcomes import EnsembleResult
    from sim.runner import run_model

    replicates = np.asarray(replicates, dtype=np.int64)
    values = draw_values(scenario, seed, replicates, parameter_values)
    readings = getattr(scenario, "readings", ())
    if not readings:
        base = _without_extras(scenario)
        own = base.parameters()
        return run_model(
            base,
            seed,
            replicates,
            rng=rng,
            parameter_values={k: v for k, v in values.items() if k in own},
            rounds_sink=rounds_sink,
        )
    which = values.pop(READING).astype(np.int64)
    if which.size and (which.min() < 0 or which.max() >= len(readings)):
        raise ValueError(f"reading index outside 0..{len(readings) - 1}")
    parts, order = [], []
    tables: list[Any] = []  # each reading's recorded rounds, when recording
    uncertain: dict[str, None] = {}
    for r in readings:
        assert r.scenario is not None
        uncertain.update(dict.fromkeys(r.scenario.uncertain_parameters()))
    for index, r in enumerate(readings):
        mask = which == index
        if not mask.any():
            continue
        assert r.scenario is not None
        own = r.scenario.parameters()
        part = run_model(
            r.scenario,
            seed,
            replicates[mask],
            rng=rng,
            parameter_values={k: v[mask] for k, v in values.items() if k in own},
            rounds_sink=None if rounds_sink is None else tables,
        )
        parts.append(_with_params(part, uncertain))
        order.append(np.flatnonzero(mask))
    if rounds_sink is not None and tables:
        import pyarrow as pa

        table = pa.concat_tables(tables, promote_options="default")
        rounds_sink.append(table.sort_by([("replicate", "ascending"), ("round", "ascending")]))
    merged = EnsembleResult.concatenate(parts)
    position = np.concatenate(order)
    merged = merged.take(np.argsort(position, kind="stable"))
    params = dict(merged.params)
    params[READING] = which.astype(float)
    from dataclasses import replace

    return replace(merged, params=params)


def _with_params(result: EnsembleResult, paths: Mapping[str, None]) -> EnsembleResult:
    """The result with every path of ``paths`` among its parameters (NaN where this
    reading fixes it), so that readings' parts line up column for column."""
    from dataclasses import replace

    n = len(result)
    params = {p: result.params.get(p, np.full(n, np.nan)) for p in paths}
    return replace(result, params=params)


def _without_extras(scenario: Scenario) -> Scenario:
    from dataclasses import replace

    return replace(scenario, readings=(), sample=None)


def needs_drawing(scenario: Scenario) -> bool:
    """Whether the scenario draws readings or sample rows (run through :func:`run_drawn`)."""
    return bool(getattr(scenario, "readings", ())) or getattr(scenario, "sample", None) is not None


def reading_factor(scenario: Scenario) -> tuple[str, Any] | None:
    """The reading as a factor of a design: its name and a choice among the readings'
    indices with their prior weights (None without two readings or more)."""
    from sim.distributions import Choice

    readings = getattr(scenario, "readings", ())
    if len(readings) < 2:
        return None
    w = reading_weights(readings)
    values = tuple(float(i) for i in range(len(readings)))
    return READING, Choice(values, tuple(float(x) for x in w))


def readings_summary(result: EnsembleResult, scenario: Scenario, seed: int) -> dict[str, Any]:
    """Outcome probabilities (95% Wilson intervals) per reading, for ``summary.json``."""
    from sim.outcomes import OUTCOME_LABELS
    from sim.stats import wilson_interval

    which = reading_of(scenario, seed, result.replicate)
    codes = np.asarray(result.outcome, dtype=np.int64)
    w = reading_weights(scenario.readings)
    out: dict[str, Any] = {}
    for i, r in enumerate(scenario.readings):
        sel = which == i
        n = int(sel.sum())
        counts = np.bincount(codes[sel], minlength=len(OUTCOME_LABELS))
        outcomes = {}
        for c, label in enumerate(OUTCOME_LABELS):
            lo, hi = wilson_interval(int(counts[c]), n)
            outcomes[label] = {
                "p": float(counts[c] / n) if n else None,
                "ci95": [float(lo), float(hi)],
                "count": int(counts[c]),
            }
        out[r.name] = {"weight": float(w[i]), "runs": n, "outcomes": outcomes}
    return out


def format_readings(readings: Mapping[str, Any]) -> str:
    """The per-reading table of ``negsim run``."""
    from sim.outcomes import OUTCOME_LABELS

    head = f"{'reading':<28}{'weight':>7}{'runs':>8}" + "".join(
        f"{label:>15}" for label in OUTCOME_LABELS
    )
    lines = ["outcomes by reading of the source (probability):", head]
    for name, r in readings.items():
        cells = "".join(f"{(r['outcomes'][label]['p'] or 0.0):>15.3f}" for label in OUTCOME_LABELS)
        lines.append(f"{name:<28}{r['weight']:>7.2f}{r['runs']:>8,}{cells}")
    return "\n".join(lines)


def replicate_model_inputs(
    scenario: Scenario, seed: int, replicate: int
) -> tuple[Scenario, dict[str, np.ndarray], str | None]:
    """What one replicate runs as a model of its own (``negsim trace``): the scenario of
    its reading (without readings or sample), the values its sample row fixes, and the
    reading's name (None without readings)."""
    reps = np.array([replicate], dtype=np.int64)
    values = draw_values(scenario, seed, reps)
    readings = getattr(scenario, "readings", ())
    name = None
    if readings:
        r = readings[int(values.pop(READING)[0])]
        assert r.scenario is not None
        base, name = r.scenario, r.name
    else:
        values.pop(READING, None)
        base = _without_extras(scenario)
    own = base.parameters()
    return base, {k: v for k, v in values.items() if k in own}, name


def with_reading_line(story: str, reading: str | None) -> str:
    """A trace's text with the replicate's reading under its first line."""
    if reading is None:
        return story
    head, _, rest = story.partition("\n")
    return f"{head}\nreading of the source: {reading}\n{rest}"
