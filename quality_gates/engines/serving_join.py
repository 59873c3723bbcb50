"""The serving gate's join when predictions and labels are sources, not tables of one database.

* Both Spark DataFrames (``SparkSource``): joined in Spark, the statements of ``serving_sql``
  run as Spark SQL over two temporary views; only the sums are collected.
* Anything else (Parquet or CSV files, callables, polars, a table of another database): joined by
  DuckDB inside the worker. Files DuckDB can scan are scanned in place; frames are scanned where
  they are (a pandas or Arrow frame is read by DuckDB without a copy), after keeping only the
  join's columns. The timestamps are cast to TIMESTAMP WITH TIME ZONE (text from a CSV too).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.sql.elements import quoted_name

from quality_gates.checks.errors import SourceConfigurationError, SourceError
from quality_gates.checks.model_metrics.serving_sql import DelayedLabelTables, JoinedAggregates, Window, aggregate_delayed_labels
from quality_gates.engines.computation import Computation, DuckDBFiles, SparkFrame


def join_sources(
    predictions: Any, labels: Any, tables: DelayedLabelTables, window: Window, *, task: str, decision_threshold: float
) -> JoinedAggregates:
    """The join's sums for two sources (``Source`` objects), computed where they can be."""
    sides = [(source, source.compute()) for source in (predictions, labels)]
    wanted = [[c.name for c in clause.columns] for clause in (tables.predictions(), tables.labels())]
    options = dict(task=task, decision_threshold=decision_threshold, with_scores=tables.score_column is not None)
    if all(isinstance(computation, SparkFrame) for _, computation in sides):
        return _join_in_spark(sides, wanted, tables, window, options)
    return _join_in_duckdb(sides, wanted, tables, window, options)


def _missing(source: Any, names: list[str], wanted: list[str]) -> None:
    missing = [name for name in wanted if name not in names]
    if missing:
        raise SourceConfigurationError(
            f"{source.describe()}: column(s) {', '.join(map(repr, missing))} missing (columns: {', '.join(map(str, names))})"
        )


def _join_in_spark(sides, wanted, tables, window, options) -> JoinedAggregates:
    from quality_gates.engines.spark import _run
    from quality_gates.engines.spark_sql import SparkSqlConnection, temp_view

    relations = []
    for (source, computation), names in zip(sides, wanted):
        _missing(source, list(computation.frame.columns), names)
        view = temp_view(computation.frame, "qg_serving")
        relations.append(sa.table(view, *(sa.column(name) for name in names)))
    connection = SparkSqlConnection(sides[0][1].frame.sparkSession)
    computation = SparkFrame(None, f"{sides[0][1].name} joined with {sides[1][1].name}")
    return _run(computation, lambda: aggregate_delayed_labels(connection, tables, window, relations=tuple(relations), **options))


def _join_in_duckdb(sides, wanted, tables, window, options) -> JoinedAggregates:
    from quality_gates.engines.duckdb_files import duckdb_engine

    timestamps = {tables.predicted_at_column, tables.labeled_at_column}
    with duckdb_engine().connect() as connection, ExitStack() as registered:
        relations = []
        for (source, computation), names in zip(sides, wanted):
            relation = registered.enter_context(_duckdb_relation(connection, source, computation, names))
            columns = [
                (sa.cast(relation.c[name], sa.DateTime(timezone=True)) if name in timestamps else relation.c[name]).label(name)
                for name in names
            ]
            relations.append(sa.select(*columns).subquery(f"qg_{len(relations)}"))
        try:
            return aggregate_delayed_labels(connection, tables, window, relations=tuple(relations), **options)
        except sa.exc.DBAPIError as exc:
            message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            names = " with ".join(source.describe() for source, _ in sides)
            raise SourceError(f"cannot join {names} in DuckDB: {message}") from exc


@contextmanager
def _duckdb_relation(connection: sa.Connection, source: Any, computation: Computation, names: list[str]) -> Iterator[sa.Subquery]:
    """A subquery with ``names`` over the source: a DuckDB scan of its files, or its rows (only
    those columns) registered as a DuckDB view for the duration of the join."""
    from quality_gates.engines.registry import Family, compute

    if isinstance(computation, DuckDBFiles):
        found = list(connection.execute(sa.select(sa.literal_column("*")).select_from(computation.selectable.subquery()).limit(0)).keys())
        _missing(source, found, names)
        scanned = computation.selectable.subquery("scanned")
        yield sa.select(*(sa.column(quoted_name(n, quote=True)) for n in names)).select_from(scanned).subquery()
        return
    frame = compute(Family.COLUMN_VALUES, computation, columns=names)  # only the join's columns are read
    _missing(source, list(frame.columns), names)
    view = f"qg_serving_{uuid4().hex[:12]}"
    driver = connection.connection.driver_connection
    driver.register(view, frame)
    try:
        yield sa.select(*(sa.column(quoted_name(n, quote=True)) for n in names)).select_from(sa.table(view)).subquery()
    finally:
        driver.unregister(view)
