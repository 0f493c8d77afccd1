"""Rounds and dates: round r falls ``(r - 1) * round_days`` days after ``start_date``.

"By a date" counts the rounds that fall on or before it; "on a date" reads the stage of
the last such round. A date after the window is read at the window's last round (and
flagged), a date before round 1 has no round (nothing has happened by then).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from sim.agreements import stages as st

INDICATORS = ("ceasefire_by", "settlement_by", "ceasefire_on")


@dataclass(frozen=True)
class Calendar:
    start_date: str
    round_days: float
    rounds: int

    def date_of(self, r: int) -> dt.date:
        """The date of round r (1-based)."""
        start = dt.date.fromisoformat(self.start_date)
        return start + dt.timedelta(days=math.floor((r - 1) * self.round_days))

    def rounds_by(self, date: str) -> int:
        """How many rounds fall on or before the date (0..rounds, not clipped above)."""
        start = dt.date.fromisoformat(self.start_date)
        days = (dt.date.fromisoformat(date) - start).days
        if days < 0:
            return 0
        return int(math.floor(days / self.round_days)) + 1

    def beyond(self, date: str) -> bool:
        """Whether the date lies after the window's last round."""
        return self.rounds_by(date) > self.rounds

    def indicators(self, stage: np.ndarray, date: str) -> dict[str, np.ndarray]:
        """Per replicate: a first ceasefire by the date, a settlement by the date, a
        ceasefire in force on the date (bool arrays)."""
        r = min(self.rounds_by(date), stage.shape[1])
        n = stage.shape[0]
        if r == 0:
            no = np.zeros(n, dtype=bool)
            return {name: no for name in INDICATORS}
        upto = stage[:, :r]
        return {
            "ceasefire_by": (upto == st.CEASEFIRE).any(axis=1),
            "settlement_by": (upto == st.SETTLEMENT).any(axis=1),
            "ceasefire_on": stage[:, r - 1] == st.CEASEFIRE,
        }


def event_indicator(stage: np.ndarray, name: str, calendar: Calendar | None) -> np.ndarray:
    """A per-replicate event for ``--outcome NAME:WHEN``: ``ceasefire_by``,
    ``settlement_by`` or ``ceasefire_on``, WHEN a date (YYYY-MM-DD, needs the scenario's
    start_date) or a round number."""
    kind, _, when = name.partition(":")
    if kind not in INDICATORS or not when:
        raise ValueError(
            f"unknown event outcome {name!r} (expected one of "
            f"{', '.join(i + ':DATE' for i in INDICATORS)}, or :ROUND)"
        )
    if when.isdigit():
        r = int(when)
        cal = Calendar("2000-01-01", 1.0, stage.shape[1])
        date = cal.date_of(r).isoformat() if r > 0 else "1999-12-31"
        return cal.indicators(stage, date)[kind]
    if calendar is None:
        raise ValueError(f"{name}: a date needs the scenario's start_date")
    try:
        dt.date.fromisoformat(when)
    except ValueError:
        raise ValueError(f"{name}: expected a date YYYY-MM-DD or a round number") from None
    return calendar.indicators(stage, when)[kind]
