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

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from quality_gates.checks.profiles.model import ColumnProfile, PartitionProfile
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


def _sampled_values(profile: PartitionProfile, column: ColumnProfile) -> float:
    """How many non-null values the column's shares were computed from."""
    rows = min(profile.row_count, profile.sample_rows or profile.row_count)
    null = column.metrics.get("null_fraction", 0.0)
    return max(1.0, rows * (1.0 - (null if math.isfinite(null) else 0.0)))


def segment_shifts(column: str, current: PartitionProfile, history: Sequence[PartitionProfile]) -> tuple[list[float], SegmentMove | None]:
    """``segment_shift`` of every history partition and, last, of the current one; and the move
    of the current partition's most unusual value (None when no value is common enough)."""
    partitions = [*history, current]
    columns = [p.columns[column] for p in partitions]
    values = sorted({v for col in columns[:-1] for v, _ in col.top_values})
    if not values:
        return [0.0] * len(partitions), None
    position = {v: i for i, v in enumerate(values)}
    table = np.zeros((len(partitions), len(values)))
    for row, col in enumerate(columns):
        for value, share in col.top_values:
            i = position.get(value)
            if i is not None:
                table[row, i] = share
    past = table[:-1]
    typical = np.median(past, axis=0)
    keep = typical >= MIN_SEGMENT_SHARE
    if not keep.any():
        return [0.0] * len(partitions), None
    table, past, typical = table[:, keep], past[:, keep], typical[keep]
    spread = MAD_TO_SIGMA * np.median(np.abs(past - typical), axis=0)
    sizes = np.array([_sampled_values(p, col) for p, col in zip(partitions, columns)])
    # Binomial noise, a share of 0 or 1 counted as half a row off it (as the detector's noise floors do).
    half_row = 0.5 / sizes[:, None]
    p = np.clip(typical[None, :], half_row, 1 - half_row)
    binomial = np.sqrt(p * (1 - p) / sizes[:, None])
    z = np.abs(table - typical) / np.maximum(spread[None, :], binomial)
    shifts = z.max(axis=1)
    kept = [v for v, k in zip(values, keep) if k]
    worst = int(np.argmax(z[-1]))
    move = SegmentMove(
        kept[worst], float(table[-1, worst]), float(typical[worst]), float(past[:, worst].min()), float(past[:, worst].max())
    )
    return [float(v) for v in shifts], move
