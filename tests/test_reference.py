"""The bargaining reference that ``negsim show`` prints: a library value with the closed
forms at the means, consistent with the analytic module."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import analytic
from sim.loader import load_scenario
from sim.reference import bargaining_reference, format_reference

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS[:4], ids=lambda p: p.stem)
def test_reference_is_consistent(path):
    s = load_scenario(path)
    ref = bargaining_reference(s)
    assert ref.parties == s.party_names
    assert set(ref.batna) == set(s.party_names)
    if ref.nash is not None:
        assert ref.nash_utilities is not None
        assert ref.nash.shape == (len(s.issue_names),)
        # the Nash package beats every party's BATNA (it maximises the product of surpluses)
        assert all(
            u >= ref.batna[p] - 1e-9 for p, u in zip(ref.parties, ref.nash_utilities, strict=True)
        )
        assert np.all((0 <= ref.nash) & (ref.nash <= 1))
    if len(ref.parties) == 2:
        assert ref.patience is not None
        assert ref.rubinstein_share == pytest.approx(analytic.rubinstein_share(*ref.patience))
    text = format_reference(ref)
    assert text.startswith("\nBargaining reference")
    assert all(len(line) <= 100 for line in text.splitlines())
