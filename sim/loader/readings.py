"""The ``readings`` and ``sample`` keys of a scenario (see :mod:`sim.readings`).

``readings`` maps names to alternative readings of the source: ``weight`` (prior, > 0),
``changes`` (a mapping of ``PATH: VALUE`` as ``--set`` takes them, possibly empty),
``description`` and ``source`` quotes. Each reading is built into a whole scenario when
the file loads, so an error in a change is one line at the change in the file.

``sample: {file: FILE.csv}`` names a table of joint parameter values (``negsim
calibrate`` writes one): columns ``param.<path>``, optionally ``reading`` (a reading's
name or index) and ``weight``.
"""

from __future__ import annotations

import copy
import csv
import os
from typing import Any

import numpy as np

from sim.loader.kinds import POSITIVE, Key, Kind, Real, Section, Text, _check_name, _Ctx
from sim.loader.tree import NOTES, Mark, Node, _fail, _got, _join
from sim.readings import ParameterSample, Reading

READING = Section(
    "a reading",
    (
        Key("description", Text(), "", "what this reading of the source says"),
        Key("weight", Real(POSITIVE), 1.0, "prior weight (normalised over the readings)", "0.6"),
        Key(
            "changes",
            Text(),
            None,
            "`PATH: VALUE` changes to the file, as `--set` takes them",
            "{actors.x.red_lines.0.penalty: 0.1}",
        ),
    ),
)


class ReadingsKind(Kind):
    """A mapping of reading names to readings; the changes stay marked nodes until the
    scenario is built (:func:`build_readings`)."""

    def check(self, node: Node, path: str, ctx: _Ctx) -> dict[str, dict[str, Any]]:
        if not isinstance(node.value, dict):
            _fail(
                f"expected a mapping of reading names to readings (got {_got(node)})",
                node.mark,
                path,
            )
        out: dict[str, dict[str, Any]] = {}
        for name, child in node.value.items():
            if ctx.note(name, child, path):
                continue
            sub = _join(path, name)
            _check_name(name, child, sub)
            if not isinstance(child.value, dict):
                _fail(
                    f"expected a mapping with weight, changes and source (got {_got(child)})",
                    child.mark,
                    sub,
                )
            changes = child.value.get("changes")
            rest = Node(
                {k: v for k, v in child.value.items() if k != "changes"}, child.mark, child.key_mark
            )
            before = len(ctx.quotes)
            d = READING.check(rest, sub, ctx)
            d["quotes"] = tuple(q.text for q in ctx.quotes[before:])
            if changes is None:
                _fail(
                    "missing required key 'changes' (use {} for the file as it stands)",
                    child.where,
                    sub,
                )
            assert changes is not None
            if not isinstance(changes.value, dict):
                _fail(
                    f"expected a mapping of PATH: VALUE (got {_got(changes)})",
                    changes.mark,
                    f"{sub}.changes",
                )
            d["changes"] = changes.value
            out[name] = d
        if not out:
            _fail("expected at least one reading (got none)", node.where, path)
        return out

    def doc(self) -> str:
        return "mapping name → reading"


class SampleKind(Kind):
    """``{file: FILE.csv}``: the table is read relative to the file that names it."""

    def check(self, node: Node, path: str, ctx: _Ctx) -> ParameterSample:
        if not isinstance(node.value, dict) or set(node.value) - {"file", *NOTES}:
            _fail(f"expected {{file: FILE.csv}} (got {_got(node)})", node.mark, path)
        fnode = node.value.get("file")
        if fnode is None or not isinstance(fnode.value, str) or not fnode.value.strip():
            _fail("missing required key 'file'", node.where, path)
        assert fnode is not None
        folder = os.path.dirname(fnode.mark.file) if not fnode.mark.file.startswith("<") else ""
        file = os.path.join(folder, fnode.value)
        return read_sample(file, fnode.mark, f"{path}.file")

    def doc(self) -> str:
        return "`{file: FILE.csv}`"


def read_sample(file: str, mark: Mark, path: str) -> ParameterSample:
    """A parameter sample from its CSV file (errors at ``mark``)."""
    try:
        with open(file, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        _fail(
            f"cannot read the sample: {exc.strerror or type(exc).__name__} (got {_got(file)})",
            mark,
            path,
        )
        raise AssertionError from None
    if len(rows) < 2:
        _fail(f"the sample has no rows (got {_got(file)})", mark, path)
    header, body = rows[0], rows[1:]
    params = [i for i, h in enumerate(header) if h.startswith("param.")]
    if not params:
        _fail(f"the sample has no param.<path> columns (got {_got(file)})", mark, path)
    try:
        values = np.array([[float(r[i]) for i in params] for r in body], dtype=float)
        weights = (
            np.array([float(r[header.index("weight")]) for r in body])
            if "weight" in header
            else np.ones(len(body))
        )
    except (ValueError, IndexError):
        _fail(f"the sample's values must be numbers, one per column (got {_got(file)})", mark, path)
        raise AssertionError from None
    if not np.isfinite(values).all() or (weights < 0).any() or weights.sum() <= 0:
        _fail(
            f"the sample needs finite values and non-negative weights (got {_got(file)})",
            mark,
            path,
        )
    reading = None
    if "reading" in header:
        reading = np.array([r[header.index("reading")] for r in body], dtype=object)
    return ParameterSample(
        file=os.path.abspath(file),
        paths=tuple(header[i][len("param.") :] for i in params),
        values=values,
        weights=weights / weights.sum(),
        reading=reading,
    )


def build_readings(
    root: Node, file: str, checked: dict[str, dict[str, Any]], build: Any
) -> tuple[Reading, ...]:
    """Each reading as a scenario: the resolved tree (without its readings and sample) with
    the reading's changes applied, validated like a file. ``build(root, file)`` is the
    loader's own build step."""
    from sim.loader.resolve import _set_path
    from sim.loader.tree import _plain

    base = Node(
        {k: v for k, v in root.value.items() if k not in ("readings", "sample")},
        root.mark,
        root.key_mark,
    )
    out = []
    for name, d in checked.items():
        tree = copy.deepcopy(base)
        changes = []
        for path, value in d["changes"].items():
            at = value.key_mark or value.mark
            _set_path(tree, path, copy.deepcopy(value), at)
            changes.append((path, _plain(value)))
        scenario = build(tree, file)
        out.append(
            Reading(
                name, float(d["weight"]), tuple(changes), d["description"], d["quotes"], scenario
            )
        )
    return tuple(out)


def resolve_sample_readings(
    sample: ParameterSample, readings: tuple[Reading, ...], mark: Mark, path: str
) -> ParameterSample:
    """The sample's ``reading`` column as reading indices (names or indices accepted)."""
    if sample.reading is None:
        return sample
    names = [r.name for r in readings]
    if not names:
        _fail("the sample has a reading column but the scenario declares no readings", mark, path)
    index = []
    for v in sample.reading:
        text = str(v)
        if text in names:
            index.append(names.index(text))
        elif text.isdigit() and int(text) < len(names):
            index.append(int(text))
        else:
            _fail(
                f"the sample names a reading the scenario does not declare; readings: "
                f"{', '.join(names)} (got {_got(text)})",
                mark,
                path,
            )
    from dataclasses import replace

    return replace(sample, reading=np.asarray(index, dtype=np.int64))


def check_sample_paths(
    sample: ParameterSample, parameters: dict[str, Any], mark: Mark, path: str
) -> None:
    for p in sample.paths:
        if p not in parameters:
            _fail(
                f"the sample's column param.{p} is not a parameter of the scenario (got {_got(p)})",
                mark,
                path,
            )


def attach(scenario: Any, root: Node, file: str, top: dict[str, Any], build: Any) -> Any:
    """The scenario with its readings built and its sample checked against it."""
    from dataclasses import replace

    readings: tuple[Reading, ...] = ()
    if "readings" in top:
        readings = build_readings(root, file, top["readings"], build)
    sample = top.get("sample")
    if sample is not None:
        node = root.value["sample"]
        fnode = node.value.get("file", node) if isinstance(node.value, dict) else node
        mark = fnode.mark
        sample = resolve_sample_readings(sample, readings, mark, "sample.file")
        check_sample_paths(sample, scenario.parameters(), mark, "sample.file")
    return replace(scenario, readings=readings, sample=sample)
