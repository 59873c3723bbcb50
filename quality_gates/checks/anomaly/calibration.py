"""Calibrating the detector's thresholds on the history itself (``max_alarm_rate``).

Fixed thresholds (5 robust σ, or 1.5 × the widest deviation in history) give noisy datasets
(weather, many heavy-tailed metrics) many more false alarms than quiet ones. With an alarm
budget, each history partition is first judged against the others (leave one out: where it
held a metric's widest deviation, that metric's threshold takes the second widest), which gives
30 scores of ordinary partitions. An exponential tail fitted to the largest of them (the very
largest set aside: it may be a past incident, which should not blind the gate for a month)
says which score an ordinary partition exceeds with probability ``max_alarm_rate``; every
metric's threshold is scaled by that score, never below a floor.
"""

from __future__ import annotations

import math

import numpy as np

TAIL = 5  # exceedances the tail's scale is estimated from


def leave_one_out_scores(history_z: np.ndarray, base: np.ndarray, margin: float, usable: np.ndarray) -> np.ndarray:
    """Each history partition's score against the others: its largest |z| over the metric's
    threshold, max(base, margin × widest deviation of the other partitions)."""
    filled = np.where(np.isnan(history_z), -np.inf, history_z)[:, usable]
    if filled.shape[0] < 2 or not filled.shape[1]:
        return np.zeros(filled.shape[0])
    top = -np.sort(-filled, axis=0)[:2]
    without = np.where(filled >= top[0], top[1], top[0])
    threshold = np.maximum(base[usable], margin * without)
    with np.errstate(all="ignore"):
        scores = np.where(np.isfinite(filled), filled / threshold, 0.0)
    return np.max(scores, axis=1)


def tail_level(scores: np.ndarray, rate: float) -> float:
    """The score an ordinary partition exceeds with probability ``rate``: an exponential tail
    fitted to the largest scores but one; 0 when there are too few scores to fit it."""
    ordered = np.sort(scores)[::-1]
    n = len(ordered)
    if n < TAIL + 2:
        return 0.0
    anchor = ordered[TAIL + 1]
    scale = float(np.mean(ordered[1 : TAIL + 1] - anchor))
    return float(anchor + scale * math.log(max((TAIL + 1) / n / rate, 1.0)))


def partition_level(history_z: np.ndarray, base: np.ndarray, margin: float, usable: np.ndarray, rate: float, floor: float) -> float:
    """The factor for every threshold so that the history's own partitions would alarm at about
    ``rate``: at least ``floor``."""
    return max(floor, tail_level(leave_one_out_scores(history_z, base, margin, usable), rate))
