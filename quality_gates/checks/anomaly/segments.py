"""Segments: the share of rows of each value of a coded column (a region, a source system, an
hour of the day), judged value by value.

A partition-level profile cannot see one region vanish while the partition keeps 80% of its
rows, and a distance over all shares (``share_shift``) drowns one value's move in the sampling
noise of the others. Here each value's share is standardised by its own history: the larger of
its day-to-day spread (1.4826 × MAD over the history) and its binomial sampling noise at the
history's typical share and this partition's size. ``segment_shift`` is the largest of these
standardised moves over the column's values, for the partition under test and for every
history partition (so that the detector calibrates its threshold on how far the statistic
strays on ordinary days), and the finding names the value that moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from quality_gates.checks.anomaly.shares import ShareTable
from quality_gates.checks.profiles.model import PartitionProfile
from quality_gates.checks.values import MAD_TO_SIGMA

SEGMENT_SHIFT = "segment_shift"
# Values typically below this share are too rare to be judged one by one (a new or rare value is
# unseen_share's business).
MIN_SEGMENT_SHARE = 0.01


@dataclass(frozen=True)
class SegmentMove:
    value: str
    share: float
    typical: float
    low: float  # the history's lowest and highest share of the value
    high: float

    def describe(self) -> str:
        if self.share == 0:
            verb = "dropped"
        elif self.share > self.typical:
            verb = "grew"
        else:
            verb = "shrank"
        return (
            f"segment {self.value!r} {verb}: {_pct(self.share)} of rows, typically {_pct(self.typical)} "
            f"(history {_pct(self.low)} … {_pct(self.high)})"
        )


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def sampled_values(profiles: Sequence[PartitionProfile], null_fraction: np.ndarray) -> np.ndarray:
    """How many non-null values each partition's shares of a column were computed from, given
    the column's null fraction in each (NaN: not measured, taken as none)."""
    rows = np.array([min(p.row_count, p.sample_rows or p.row_count) for p in profiles], dtype=float)
    return np.maximum(1.0, rows * (1.0 - np.nan_to_num(null_fraction, nan=0.0, posinf=0.0, neginf=0.0)))


def segment_shifts(table: ShareTable, sizes: np.ndarray) -> tuple[np.ndarray, SegmentMove | None]:
    """``segment_shift`` of every history partition and, last, of the current one (the last row
    of the column's share table; ``sizes`` from :func:`sampled_values`); and the move of the
    current partition's most unusual value (None when no value is common enough)."""
    # Values only the current partition lists have no history to be judged by (unseen_share's).
    in_history = table.listed[:-1].any(axis=0)
    typical = np.median(table.shares[:-1], axis=0) if len(sizes) > 1 else np.zeros(len(table.values))
    keep = in_history & (typical >= MIN_SEGMENT_SHARE)
    if not keep.any():
        return np.zeros(len(sizes)), None
    shares, typical = table.shares[:, keep], typical[keep]
    past = shares[:-1]
    spread = MAD_TO_SIGMA * np.median(np.abs(past - typical), axis=0)
    # Binomial noise, a share of 0 or 1 counted as half a row off it (as the detector's noise floors do).
    half_row = 0.5 / sizes[:, None]
    p = np.clip(typical[None, :], half_row, 1 - half_row)
    binomial = np.sqrt(p * (1 - p) / sizes[:, None])
    z = np.abs(shares - typical) / np.maximum(spread[None, :], binomial)
    kept = [v for v, k in zip(table.values, keep) if k]
    worst = int(np.argmax(z[-1]))
    move = SegmentMove(
        kept[worst], float(shares[-1, worst]), float(typical[worst]), float(past[:, worst].min()), float(past[:, worst].max())
    )
    return z.max(axis=1), move
