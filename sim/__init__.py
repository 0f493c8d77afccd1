"""negsim: a negotiation scenario simulator.

A game-theoretic, agent-based model of multi-issue peace talks between parties and a
mediator, run as a Monte Carlo ensemble from YAML scenario files.

The Python API (see ``docs/api.md``)::

    import sim
    result = sim.run("scenarios/baseline.yaml", runs=2000, seed=1)
    result.summary["outcomes"]    # the dict of summary.json
    result.replicates             # a pandas DataFrame, one row per replicate

gives :func:`load`, :func:`run`, :func:`compare`, :func:`sweep`, :func:`sensitivity`,
:func:`discover` and :func:`trace` (defined in :mod:`sim.api`), and :func:`calibrate` and
:func:`score` (defined in :mod:`sim.calibration.api`). They are imported on first
use, as are the heavy modules (numpy, mesa, scipy, pandas, matplotlib), so that importing
the package and ``negsim --help`` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "load",
    "run",
    "compare",
    "sweep",
    "sensitivity",
    "discover",
    "trace",
    "calibrate",
    "score",
    "Run",
    "Comparison",
    "Sweep",
    "Sensitivity",
    "Discovery",
    "Trace",
]

if TYPE_CHECKING:
    from sim.api import (
        Comparison,
        Discovery,
        Run,
        Sensitivity,
        Sweep,
        Trace,
        compare,
        discover,
        load,
        run,
        sensitivity,
        sweep,
        trace,
    )
    from sim.calibration.api import calibrate, score


def __getattr__(name: str) -> Any:
    """The API's names, imported from :mod:`sim.api` when first asked for."""
    if name in ("calibrate", "score"):
        from sim.calibration import api as calibration_api

        return getattr(calibration_api, name)
    if name in __all__:
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
