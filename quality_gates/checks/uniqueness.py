"""Exact duplicate counting across chunks: pandera sees one chunk at a time, so uniqueness
is tracked here with 64-bit row hashes (8 bytes per row, not the rows themselves).

Counting sorts the hashes (numpy's radix sort on uint64) instead of building a hash table:
about three times faster than ``Series.duplicated`` on a million rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from quality_gates.checks.json_safe import json_safe


def _repeated_values(sorted_hashes: np.ndarray) -> np.ndarray:
    """The distinct hashes that occur more than once, given sorted hashes."""
    same_as_next = sorted_hashes[1:] == sorted_hashes[:-1]
    return np.unique(sorted_hashes[1:][same_as_next])


def _rows_in_repeats(sorted_hashes: np.ndarray) -> int:
    """How many entries share their hash with another entry."""
    if len(sorted_hashes) < 2:
        return 0
    same_as_next = sorted_hashes[1:] == sorted_hashes[:-1]
    in_repeat = np.zeros(len(sorted_hashes), dtype=bool)
    in_repeat[1:] |= same_as_next
    in_repeat[:-1] |= same_as_next
    return int(in_repeat.sum())


class UniquenessTracker:
    def __init__(self, columns: Sequence[str], max_samples: int):
        self.columns = list(columns)
        self._max_samples = max_samples
        self._hashes: list[np.ndarray] = []
        self._sorted_first_chunk: np.ndarray | None = None
        self.samples: list[dict] = []

    def add(self, chunk: pd.DataFrame) -> None:
        if any(c not in chunk.columns for c in self.columns):
            return
        # Nulls are not values: two missing ids are not a duplicate (nullability is its own check).
        values = chunk[self.columns].dropna()
        hashes = pd.util.hash_pandas_object(values, index=False).to_numpy()
        if not self._hashes:
            self._sorted_first_chunk = np.sort(hashes)
            repeats = _repeated_values(self._sorted_first_chunk)
        elif len(self.samples) < self._max_samples:
            repeats = _repeated_values(np.sort(np.concatenate([*self._hashes, hashes])))
        else:
            repeats = np.empty(0, dtype=np.uint64)
        self._hashes.append(hashes)
        if len(repeats) and len(self.samples) < self._max_samples:
            self._sample(values, np.flatnonzero(np.isin(hashes, repeats)))

    def _sample(self, values: pd.DataFrame, rows: np.ndarray) -> None:
        for row in rows[: self._max_samples - len(self.samples)]:
            value = values.iloc[row]
            shown = value.iloc[0] if len(self.columns) == 1 else value.to_dict()
            self.samples.append({"row": json_safe(values.index[row]), "value": _json_value(shown)})

    def duplicated_rows(self) -> int:
        """Rows whose value occurs more than once (every occurrence counts, as in pandera)."""
        if not self._hashes:
            return 0
        if len(self._hashes) == 1:
            return _rows_in_repeats(self._sorted_first_chunk)
        return _rows_in_repeats(np.sort(np.concatenate(self._hashes)))


def _json_value(value):
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    return json_safe(value)
