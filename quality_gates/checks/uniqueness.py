"""Exact duplicate counting across chunks: pandera sees one chunk at a time, so uniqueness
is tracked here with 64-bit row hashes (8 bytes per row, not the rows themselves)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from quality_gates.checks.json_safe import json_safe


class UniquenessTracker:
    def __init__(self, columns: Sequence[str], max_samples: int):
        self.columns = list(columns)
        self._max_samples = max_samples
        self._hashes: list[np.ndarray] = []
        self.samples: list[dict] = []

    def add(self, chunk: pd.DataFrame) -> None:
        if any(c not in chunk.columns for c in self.columns):
            return
        # Nulls are not values: two missing ids are not a duplicate (nullability is its own check).
        values = chunk[self.columns].dropna()
        hashes = pd.util.hash_pandas_object(values, index=False).to_numpy()
        if len(self.samples) < self._max_samples and len(hashes):
            seen = np.concatenate(self._hashes) if self._hashes else np.empty(0, np.uint64)
            repeated = pd.Series(hashes).duplicated(keep=False).to_numpy() | np.isin(hashes, seen)
            for row in np.flatnonzero(repeated)[: self._max_samples - len(self.samples)]:
                value = values.iloc[row]
                shown = value.iloc[0] if len(self.columns) == 1 else value.to_dict()
                self.samples.append({"row": json_safe(values.index[row]), "value": _json_value(shown)})
        self._hashes.append(hashes)

    def duplicated_rows(self) -> int:
        """Rows whose value occurs more than once (every occurrence counts, as in pandera)."""
        if not self._hashes:
            return 0
        _, counts = np.unique(np.concatenate(self._hashes), return_counts=True)
        return int(counts[counts > 1].sum())


def _json_value(value):
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    return json_safe(value)
