"""Calibration: targets (what is known, with its uncertainty), history matching of a
scenario's uncertain parameters and readings against them, and the forecast scorecard.

- :mod:`~sim.calibration.targets`: the targets file, read with the scenario loader's
  marked tree (one-line ``FILE:LINE:COL: key.path: message`` errors), and each target's
  per-replicate observable.
- :mod:`~sim.calibration.history_matching`: waves of a space-filling design, the
  implausibility of each target, the non-implausible sample.
- :mod:`~sim.calibration.scoring`: a results folder against the targets, with Brier scores
  for targets that have resolved.
"""

from __future__ import annotations

from sim.calibration.targets import Target, TargetSet, check_against, load_targets

__all__ = ["Target", "TargetSet", "check_against", "load_targets"]
