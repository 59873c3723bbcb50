"""PartitionProfile <-> JSON document (the store's ``partitions.profile`` column)."""

from __future__ import annotations

import math
from typing import Any

from quality_gates.checks.profiles.model import ColumnProfile, PartitionProfile
from quality_gates.checks.values import finite_or_none

FORMAT_VERSION = 1


def profile_to_json(profile: PartitionProfile) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "row_count": profile.row_count,
        "sample_rows": profile.sample_rows,
        "partition_key": profile.partition_key,
        "table_metrics": {k: finite_or_none(v) for k, v in profile.table_metrics.items()},
        "columns": {
            name: {
                "kind": column.kind,
                "metrics": {k: finite_or_none(v) for k, v in column.metrics.items()},
                "top_values": [[value, share] for value, share in column.top_values],
            }
            for name, column in profile.columns.items()
        },
    }


def profile_from_json(document: dict[str, Any]) -> PartitionProfile:
    """Read any stored version: metrics an older version lacks are simply absent."""

    def metrics(values: dict[str, Any]) -> dict[str, float]:
        return {k: math.nan if v is None else float(v) for k, v in (values or {}).items()}

    columns = {
        name: ColumnProfile(
            column.get("kind", "categorical"),
            metrics(column.get("metrics")),
            tuple((str(value), float(share)) for value, share in column.get("top_values") or ()),
        )
        for name, column in (document.get("columns") or {}).items()
    }
    return PartitionProfile(
        int(document.get("row_count") or 0),
        columns,
        metrics(document.get("table_metrics")),
        int(document.get("sample_rows") or 0),
        document.get("partition_key"),
    )
