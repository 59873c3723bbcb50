"""Replay the anomaly detector over past partitions, in order, as the gate would have seen them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from quality_gates.checks.anomaly import AnomalyVerdict, PartitionAnomalyDetector
from quality_gates.checks.anomaly.detector import INSUFFICIENT_HISTORY
from quality_gates.checks.profiles.model import PartitionProfile


@dataclass(frozen=True)
class ReplayedPartition:
    key: str
    profile: PartitionProfile
    verdict: AnomalyVerdict


def partition_key(value) -> str:
    """Dates print as ISO dates so that keys sort in time order, as the gate's keys do."""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def frame_partitions(frame: pd.DataFrame, column: str, *, engine: str = "auto") -> Iterator[tuple[str, PartitionProfile]]:
    from quality_gates.checks.profiles import profile_partition

    if column not in frame.columns:
        raise ValueError(f"partition column '{column}' is not in the data (columns: {', '.join(map(str, frame.columns))})")
    for value, part in frame.groupby(column, sort=True, dropna=True):
        yield partition_key(value), profile_partition(part.reset_index(drop=True), engine=engine)


def sql_partitions(conn_id: str, table: str, column: str) -> Iterator[tuple[str, PartitionProfile]]:
    from sqlalchemy import column as sql_column
    from sqlalchemy import select

    from quality_gates.checks.profiles import profile_partition
    from quality_gates.sources import SqlSource

    source = SqlSource(conn_id, table=table)
    engine = source.engine()
    base = source.statement(engine).subquery()
    with engine.connect() as connection:
        values = connection.execute(select(sql_column(column)).select_from(base).distinct().order_by(sql_column(column))).scalars().all()
    for value in values:
        if value is None:
            continue
        yield partition_key(value), profile_partition(SqlSource(conn_id, table=table, where={column: value}))


def replay(partitions, detector: PartitionAnomalyDetector, history_limit: int = 30) -> Iterator[ReplayedPartition]:
    baseline: list[PartitionProfile] = []
    for key, profile in partitions:
        profile = profile.with_key(key)
        verdict = detector.evaluate(profile, baseline[-history_limit:])
        if not verdict.anomalous:  # flagged partitions stay out of the baseline, as in the gate
            baseline.append(profile)
        yield ReplayedPartition(key, profile, verdict)


def describe(replayed: ReplayedPartition) -> str:
    verdict = replayed.verdict
    if verdict.status == INSUFFICIENT_HISTORY:
        return f"{replayed.key:<24} insufficient history ({verdict.history_size} earlier)"
    if not verdict.anomalous:
        return f"{replayed.key:<24} ok         score {verdict.score:6.2f}"
    top = verdict.explanations[0].describe() if verdict.explanations else ""
    return (
        f"{replayed.key:<24} ANOMALOUS  score {verdict.score:6.2f}  culprits: {', '.join(verdict.culprits) or '(partition)'}\n{'':<27}{top}"
    )
