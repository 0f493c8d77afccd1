"""Targets: what is known about the talks, as numbers the model can be held against.

A targets file names observables of the model (the probability of an outcome by a round
or a date, the probability that a round column such as a first ceasefire is reached by a
round, the mean of a replicate column such as the front line's movement after k rounds),
each with an interval or a value with its uncertainty and its source: quotes checked
against ``seeds/`` like a scenario's, or a judgement stated in words. It is read with the
scenario loader's marked tree, so every problem is one line
``FILE:LINE:COL: key.path: message (got V)``. See ``docs/targets.md``.

An interval ``band: [lo, hi]`` is read as the plausible range of the quantity: its centre
is the value the model is held against and its half-width is three standard deviations,
so that a model estimate at an end of the band, with no Monte Carlo error, has
implausibility 3 (the cut-off of history matching).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.loader.kinds import (
    ANY,
    POSITIVE,
    UNIT,
    Flag,
    Key,
    Real,
    Section,
    Text,
    Whole,
    _check_name,
    _Ctx,
)
from sim.loader.kinds import MAX_ROUNDS as _MAX_ROUNDS
from sim.loader.resolve import _read_file
from sim.loader.tree import SOURCE, Mark, Node, _fail, _got, _join
from sim.loader.yaml_io import _parse
from sim.provenance import check_quotes

BAND_SDS = 3.0  # a band's half-width, in standard deviations of the target


class _Outcomes(Text):
    """One outcome label or a list of them; each must be an outcome the model computes."""

    def check(self, node: Node, path: str, ctx: _Ctx) -> tuple[str, ...]:  # type: ignore[override]
        from sim import outcomes

        labels = outcomes.OUTCOME_LABELS
        aliases: dict[str, str] = getattr(outcomes, "OUTCOME_ALIASES", {})  # older spellings

        items = node.value if isinstance(node.value, list) else [node]
        if isinstance(node.value, list) and not items:
            _fail("expected an outcome or a list of outcomes (got an empty list)", node.mark, path)
        out = []
        for i, item in enumerate(items):
            at = _join(path, i) if isinstance(node.value, list) else path
            if not isinstance(item.value, str):
                _fail(f"expected the name of an outcome (got {_got(item)})", item.mark, at)
            label = aliases.get(item.value, item.value)
            if label not in labels:
                _fail(
                    f"not an outcome this model computes; outcomes: {', '.join(labels)} "
                    f"(got {_got(item)})",
                    item.mark,
                    at,
                )
            out.append(label)
        return tuple(out)

    def doc(self) -> str:
        return "outcome name or list of outcome names"


class _Date(Text):
    def check(self, node: Node, path: str, ctx: _Ctx) -> str:
        value = node.value
        if isinstance(value, _dt.date):
            return value.isoformat()
        text = super().check(node, path, ctx)
        try:
            _dt.date.fromisoformat(text)
        except ValueError:
            _fail(f"expected a date as YYYY-MM-DD (got {_got(node)})", node.mark, path)
        return text

    def doc(self) -> str:
        return "date `YYYY-MM-DD`"


class _Band(Text):
    def check(self, node: Node, path: str, ctx: _Ctx) -> tuple[float, float]:  # type: ignore[override]
        items = node.value
        if not isinstance(items, list) or len(items) != 2:
            _fail(f"expected [low, high] (got {_got(node)})", node.mark, path)
        lo, hi = (Real(ANY).check(item, _join(path, i), ctx) for i, item in enumerate(items))
        if not lo < hi:
            _fail(f"a band needs low < high (got {_got(node)})", node.mark, path)
        return (lo, hi)

    def doc(self) -> str:
        return "`[low, high]`"


PROBABILITY = Section(
    "a probability target",
    (
        Key("outcome", _Outcomes(), None, "the outcome(s) whose probability is meant", "agreement"),
        Key(
            "column",
            Text(),
            None,
            "or: a replicate column holding a round (P(column <= round))",
            "first_ceasefire_round",
        ),
        Key(
            "by_round",
            Whole(1, _MAX_ROUNDS),
            None,
            "within this many rounds",
            "4",
            default_doc="the run's last round",
        ),
        Key("by_date", _Date(), None, "or: by this date (needs start_date)", "2026-03-31"),
    ),
)

MEAN = Section(
    "a mean target",
    (
        Key("column", Text(), None, "the replicate column averaged", "front_line"),
        Key(
            "minus",
            Text(),
            None,
            "a parameter subtracted per replicate",
            "world.front_line.initial",
        ),
        Key(
            "rounds",
            Whole(1, _MAX_ROUNDS),
            None,
            "observed after this many rounds",
            "6",
            default_doc="the scenario's rounds",
        ),
    ),
)

TARGET = Section(
    "a target",
    (
        Key("description", Text(), "", "what the target says, in words"),
        Key("probability", PROBABILITY, None, "the probability of an outcome or event"),
        Key("mean", MEAN, None, "the mean of a replicate column"),
        Key("band", _Band(), None, "the plausible interval (a half-width of 3 sd)", "[0.0, 0.25]"),
        Key("value", Real(ANY), None, "or: the value", "0.1"),
        Key("sd", Real(POSITIVE), None, "with its standard deviation", "0.03"),
        Key("forecast", Real(UNIT), None, "the forecast of record's probability", "0.24"),
        Key("resolved", Flag(), None, "how the event turned out, once it has", "false"),
        Key(
            "out_of_sample",
            Flag(),
            False,
            "a fact dated after the scenario: scored, never calibrated against",
            "true",
        ),
        Key("judgement", Text(), None, "the reasoning, when no quote supports the target"),
    ),
)

TOP = Section(
    "a targets file",
    (
        Key("description", Text(), "", "what the targets are for"),
        Key("start_date", _Date(), None, "the date of round 1 (for by_date)", "2026-02-04"),
    ),
)


@dataclass(frozen=True)
class Target:
    """One target: an observable of the model and what it should be.

    ``centre`` and ``sd`` are the value held against the model and its own uncertainty
    (from ``band`` as centre and half-width / 3, or from ``value`` and ``sd``).
    """

    name: str
    kind: str  # "probability" or "mean"
    centre: float
    sd: float
    band: tuple[float, float] | None = None
    outcomes: tuple[str, ...] = ()
    column: str | None = None
    by_round: int | None = None
    by_date: str | None = None
    minus: str | None = None
    rounds: int | None = None
    forecast: float | None = None
    resolved: bool | None = None
    out_of_sample: bool = False
    description: str = ""
    judgement: str | None = None
    quotes: tuple[str, ...] = ()
    marks: Mapping[str, Mark] = field(default_factory=dict, compare=False, repr=False)

    @property
    def interval(self) -> tuple[float, float]:
        """The band, or value ± 3 sd."""
        if self.band is not None:
            return self.band
        return (self.centre - BAND_SDS * self.sd, self.centre + BAND_SDS * self.sd)

    def horizon(self, scenario_rounds: int) -> int:
        """The rounds of the run the target is observed on."""
        return self.rounds if self.rounds is not None else scenario_rounds

    def what(self) -> str:
        """The observable in words."""
        if self.kind == "probability":
            event = " or ".join(self.outcomes) if self.outcomes else f"{self.column} reached"
            when = (
                f" by {self.by_date}"
                if self.by_date
                else (f" by round {self.by_round}" if self.by_round else "")
            )
            return f"P({event}{when})"
        minus = f" - {self.minus}" if self.minus else ""
        after = f" after {self.rounds} rounds" if self.rounds else ""
        return f"mean({self.column}{minus}){after}"

    def observe(
        self,
        columns: Mapping[str, np.ndarray],
        fixed: Mapping[str, float],
        by_round: int | None = None,
    ) -> np.ndarray:
        """Per-replicate values of the observable (0/1 for a probability).

        ``columns`` are replicate columns (``replicates.csv``'s names; drawn parameters as
        ``param.<path>``); ``fixed`` gives the parameters the scenario fixes; ``by_round``
        is this target's round resolved against a scenario (dates become rounds).
        """
        if self.kind == "probability":
            limit = by_round if by_round is not None else self.by_round
            if self.outcomes:
                hit = np.isin(np.asarray(columns["outcome"]).astype(str), self.outcomes)
                if limit is not None:
                    hit &= np.asarray(columns["end_round"], dtype=float) <= limit
            else:
                assert self.column is not None
                r = np.asarray(columns[self.column], dtype=float)
                hit = np.isfinite(r) & (r > 0)
                if limit is not None:
                    hit &= r <= limit
            return hit.astype(float)
        assert self.column is not None
        values = np.asarray(columns[self.column], dtype=float)
        if self.minus is not None:
            key = f"param.{self.minus}"
            values = values - (
                np.asarray(columns[key], dtype=float) if key in columns else fixed[self.minus]
            )
        return values


@dataclass(frozen=True)
class TargetSet:
    """A targets file, read and checked."""

    path: str
    targets: tuple[Target, ...]
    description: str = ""
    start_date: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.targets)

    def for_calibration(self) -> tuple[Target, ...]:
        """The targets history matching uses (out-of-sample facts are only scored)."""
        return tuple(t for t in self.targets if not t.out_of_sample)

    def round_of(self, target: Target, scenario: Any) -> int | None:
        """The round a probability target reaches to (its date as a round), or None."""
        if target.by_date is None:
            return target.by_round
        start = self._start(scenario)
        assert start is not None
        days = (_dt.date.fromisoformat(target.by_date) - _dt.date.fromisoformat(start)).days
        return 1 + math.floor(days / float(scenario.round_days))

    def _start(self, scenario: Any) -> str | None:
        own = getattr(scenario, "start_date", None)
        if own is not None:
            return own.isoformat() if isinstance(own, _dt.date) else str(own)
        return self.start_date


def load_targets(path: str | os.PathLike[str]) -> TargetSet:
    """Read and check a targets file (quotes against ``seeds/``)."""
    file = os.fspath(path)
    root = _parse(_read_file(file, None), file)
    if root is None or not isinstance(root.value, dict):
        _fail(
            "a targets file is a mapping with a key 'targets' (got "
            f"{_got(root) if root is not None else 'an empty file'})",
            Mark(file) if root is None else root.mark,
            None,
        )
    assert root is not None
    ctx = _Ctx()
    node = root.value.get("targets")
    rest = Node({k: v for k, v in root.value.items() if k != "targets"}, root.mark)
    top = TOP.check(rest, "", ctx)
    if node is None:
        _fail("missing required key 'targets'", root.where, "")
    assert node is not None
    if not isinstance(node.value, dict) or not node.value:
        _fail(
            f"expected a mapping of target names to targets (got {_got(node)})",
            node.mark,
            "targets",
        )
    targets = []
    for name, child in node.value.items():
        if name == SOURCE:
            ctx.quote(child, "targets")
            continue
        path_ = f"targets.{name}"
        _check_name(name, child, path_)
        targets.append(_target(name, child, path_, ctx, top.get("start_date")))
    check_quotes(ctx.quotes, scenario_file=file)
    return TargetSet(file, tuple(targets), top.get("description", ""), top.get("start_date"))


def _target(name: str, node: Node, path: str, ctx: _Ctx, start: str | None) -> Target:
    before = len(ctx.quotes)
    d = TARGET.check(node, path, ctx)
    quotes = tuple(q.text for q in ctx.quotes[before:])
    kinds = [k for k in ("probability", "mean") if k in d]
    if len(kinds) != 1:
        _fail(
            "a target is one of probability or mean"
            + (f" (got {' and '.join(kinds)})" if kinds else " (got neither)"),
            node.where,
            path,
        )
    kind = kinds[0]
    spec = d[kind]
    sub = f"{path}.{kind}"
    marks = (
        {k: v.mark for k, v in node.value[kind].value.items()}
        if isinstance(node.value[kind].value, dict)
        else {}
    )
    if kind == "probability":
        if ("outcome" in spec) == ("column" in spec):
            _fail(
                "a probability target names an outcome or a column, not both",
                node.value[kind].where,
                sub,
            )
        if "by_round" in spec and "by_date" in spec:
            _fail("give by_round or by_date, not both", node.value[kind].where, sub)
    else:
        if "column" not in spec:
            _fail("missing required key 'column'", node.value[kind].where, sub)
    has_band, has_value = "band" in d, "value" in d
    if has_band == has_value:
        _fail(
            "a target needs band: [low, high] or value with sd"
            + (" (got both)" if has_band else ""),
            node.where,
            path,
        )
    if has_value and "sd" not in d:
        _fail(
            "a value needs its sd (the target's own uncertainty)",
            node.value["value"].where,
            f"{path}.value",
        )
    if has_band and "sd" in d:
        _fail(
            "sd goes with value; a band carries its own width", node.value["sd"].where, f"{path}.sd"
        )
    if not quotes and "judgement" not in d:
        _fail(
            "a target needs its source: quotes (source:) or a stated judgement (judgement:)",
            node.where,
            path,
        )
    if ("forecast" in d or "resolved" in d) and kind != "probability":
        key = "forecast" if "forecast" in d else "resolved"
        _fail(
            "only a probability target has a forecast or a resolution",
            node.value[key].where,
            f"{path}.{key}",
        )
    if has_band:
        lo, hi = d["band"]
        centre, sd = 0.5 * (lo + hi), (hi - lo) / (2 * BAND_SDS)
    else:
        centre, sd = d["value"], d["sd"]
    return Target(
        name=name,
        kind=kind,
        centre=centre,
        sd=sd,
        band=d.get("band"),
        outcomes=spec.get("outcome", ()),
        column=spec.get("column"),
        by_round=spec.get("by_round"),
        by_date=spec.get("by_date"),
        minus=spec.get("minus"),
        rounds=spec.get("rounds"),
        forecast=d.get("forecast"),
        resolved=d.get("resolved"),
        out_of_sample=d["out_of_sample"],
        description=d["description"],
        judgement=d.get("judgement"),
        quotes=quotes,
        marks={**marks, "": node.where, "_kind": node.value[kind].where},
    )


def check_against(targets: TargetSet, scenario: Any) -> None:
    """Check that every target is an observable of ``scenario``: its columns exist in a
    run's replicates, its parameter exists, its rounds lie within the scenario's and its
    dates can be read as rounds. Raises a one-line ScenarioError at the target's key."""
    columns = set(replicate_columns(scenario))
    params = scenario.parameters()
    for t in targets.targets:
        at = f"targets.{t.name}.{t.kind}"
        if t.column is not None and t.column not in columns:
            shown = ", ".join(sorted(c for c in columns if not c.startswith("param.")))
            _fail(
                f"not a replicate column of scenario {scenario.name}; columns: {shown} "
                f"(got {_got(t.column)})",
                t.marks.get("column"),
                f"{at}.column",
            )
        if t.minus is not None and t.minus not in params:
            _fail(
                f"not a parameter of scenario {scenario.name} (got {_got(t.minus)})",
                t.marks.get("minus"),
                f"{at}.minus",
            )
        if t.by_date is not None and targets._start(scenario) is None:
            _fail(
                "a date needs start_date (in the targets file or the scenario) to become a round",
                t.marks.get("by_date"),
                f"{at}.by_date",
            )
        limit = targets.round_of(t, scenario)
        if limit is not None and not 1 <= limit <= scenario.rounds:
            key = "by_date" if t.by_date else "by_round"
            _fail(
                f"round {limit} is outside the scenario's rounds 1 to {scenario.rounds}",
                t.marks.get(key),
                f"{at}.{key}",
            )
        if t.rounds is not None and t.rounds > scenario.rounds:
            _fail(
                f"must be <= the scenario's {scenario.rounds} rounds (got {t.rounds})",
                t.marks.get("rounds"),
                f"{at}.rounds",
            )


def replicate_columns(scenario: Any) -> list[str]:
    """The columns a run of ``scenario`` writes to ``replicates.csv`` (from one replicate,
    so that the list follows the model whatever it adds)."""
    from sim.runner import run_model

    result = run_model(scenario, scenario.seed, np.arange(1))
    return list(result.columns()) + [f"param.{p}" for p in scenario.parameters()]


__all__ = ["Target", "TargetSet", "load_targets", "check_against", "replicate_columns"]
