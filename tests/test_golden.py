"""Seeded golden regression of the baseline's summary.

This pins behaviour: any change to the model, the streams or scenarios/baseline.yaml that
moves a number shows up here, with a readable list of what moved. It does not prove the
numbers right (the analytic and statistical tests do that). Refresh deliberately with
``python tests/golden/refresh.py``.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "golden"))

from refresh import GOLDEN, baseline_summary  # noqa: E402


def _flatten(prefix: str, value: object, out: dict[str, object]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else k, v, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _flatten(f"{prefix}[{i}]", v, out)
    else:
        out[prefix] = value


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def test_baseline_summary_matches_the_golden_file():
    expected: dict[str, object] = {}
    actual: dict[str, object] = {}
    _flatten("", json.loads(GOLDEN.read_text()), expected)
    _flatten("", baseline_summary(), actual)
    keys = sorted(set(expected) | set(actual))
    moved = [
        f"{k}: golden {expected.get(k, '<absent>')!r}, now {actual.get(k, '<absent>')!r}"
        for k in keys
        if not _same(expected.get(k), actual.get(k))
    ]
    assert not moved, "the baseline moved (refresh only if intended):\n" + "\n".join(moved)
