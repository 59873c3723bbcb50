"""The delayed-label join, computed in the database where predictions and labels live.

Predictions logged at serving time and labels that arrive later (two tables keyed by prediction
id) are joined over a time window and reduced in the database to a few thousand rows of sums:
counts per (slice, time block, label, predicted class) for classification, error sums per
(slice, time block) for regression, counts per (recency band, score, label) for ROC AUC, a
histogram of label delays, and the problems (duplicate ids, labels without a prediction).
Nothing row-level leaves the database.

Built with SQLAlchemy Core for PostgreSQL, SQLite, DuckDB, Spark SQL and the warehouses
(``JOIN_DIALECTS``): identifiers are quoted by SQLAlchemy and
every value (window bounds, thresholds) is a bound parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from quality_gates.checks.errors import UnsupportedDialectError
from quality_gates.checks.model_metrics.catalogue import CLASSIFICATION

UNIX_EPOCH_JULIAN_DAY = 2_440_587.5
BLOCKS = 1000  # time blocks of the window: the bootstrap's buckets
RECENCY_BANDS = 20  # coarser time bands for the ROC AUC groups (weights by recency)
SCORE_DECIMALS = 4  # ROC AUC in the database ranks scores rounded to 1e-4 (ties count half)
# Label delay histogram: upper bounds in seconds, then "longer".
DELAY_BINS = (
    (60, "≤ 1 min"),
    (900, "≤ 15 min"),
    (3600, "≤ 1 h"),
    (6 * 3600, "≤ 6 h"),
    (86_400, "≤ 1 day"),
    (3 * 86_400, "≤ 3 days"),
    (7 * 86_400, "≤ 7 days"),
)
LONGER = "> 7 days"
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class DelayedLabelTables:
    """Where predictions and labels are, and what their columns are called."""

    predictions_table: str
    labels_table: str
    id_column: str = "prediction_id"
    predicted_at_column: str = "predicted_at"
    prediction_column: str | None = "prediction"
    score_column: str | None = None
    label_column: str = "label"
    labeled_at_column: str = "labeled_at"
    slice_columns: tuple[str, ...] = ()

    def predictions(self) -> sa.TableClause:
        names = [self.id_column, self.predicted_at_column, self.prediction_column, self.score_column, *self.slice_columns]
        return _table(self.predictions_table, names)

    def labels(self) -> sa.TableClause:
        return _table(self.labels_table, [self.id_column, self.label_column, self.labeled_at_column])


def _table(qualified: str, names: Sequence[str | None]) -> sa.TableClause:
    schema, _, name = qualified.rpartition(".")
    return sa.table(name, *(sa.column(n) for n in dict.fromkeys(n for n in names if n)), schema=schema or None)


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime  # labels that arrived later are not known yet

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


# Where the join runs: executed in the tests on PostgreSQL, SQLite, DuckDB and Spark SQL
# ("databricks"), compiled for the warehouses.
JOIN_DIALECTS = ("postgresql", "sqlite", "duckdb", "databricks", "snowflake", "bigquery", "trino", "redshift")


class _Time:
    """Timestamps as each database compares and subtracts them."""

    def __init__(self, dialect_name: str):
        if dialect_name not in JOIN_DIALECTS:
            raise UnsupportedDialectError(
                f"the delayed-label join cannot run on SQL dialect '{dialect_name}' (supported: {', '.join(JOIN_DIALECTS)})"
            )
        self.dialect = dialect_name
        self.sqlite = dialect_name == "sqlite"

    def value(self, column):
        # SQLite keeps timestamps as text in more than one format: compare them as Julian days.
        return sa.func.julianday(column) if self.sqlite else column

    def bound(self, name: str, moment: dt.datetime):
        if self.sqlite:
            return sa.func.julianday(sa.bindparam(name, moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f"), type_=sa.String()))
        return sa.bindparam(name, moment, type_=sa.DateTime(timezone=True))

    def seconds_between(self, later, earlier):
        if self.sqlite:
            return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86_400.0
        if self.dialect == "postgresql":
            # date_part gives a float; EXTRACT gives NUMERIC on PostgreSQL ≥ 14, several times slower per row.
            return sa.func.date_part("epoch", later - earlier)
        if self.dialect == "duckdb":
            return sa.func.epoch(later) - sa.func.epoch(earlier)
        if self.dialect == "trino":
            return sa.func.to_unixtime(later) - sa.func.to_unixtime(earlier)
        if self.dialect in ("snowflake", "redshift"):
            return sa.func.datediff(sa.literal_column("microsecond"), earlier, later) / 1e6
        # Spark SQL (Databricks) and BigQuery count microseconds since the epoch.
        return (sa.func.unix_micros(later) - sa.func.unix_micros(earlier)) / 1e6

    def seconds_since(self, column, name: str, moment: dt.datetime):
        if self.sqlite:
            return (sa.func.julianday(column) - self.bound(name, moment)) * 86_400.0
        return self.seconds_between(column, self.bound(name, moment))

    def floor(self, value):
        return sa.cast(value, sa.Integer) if self.sqlite else sa.func.floor(value)  # non-negative here: CAST truncates


@dataclass(frozen=True)
class JoinedAggregates:
    """What the database returns: small tables of sums, and the problems it found."""

    predictions: int
    duplicate_prediction_ids: int
    duplicate_prediction_examples: tuple[str, ...]
    duplicate_label_ids: int
    duplicate_label_examples: tuple[str, ...]
    orphan_labels: int
    orphan_label_examples: tuple[str, ...]
    # Classification: (slice values..., block, label, predicted, count); regression: (slice
    # values..., block, has_label, has_prediction, count, Σy, Σy², Σ|error|, Σerror²).
    groups: list[tuple]
    score_groups: list[tuple]  # (slice values..., band, score × 10^SCORE_DECIMALS, label, count)
    delays: dict[str, int]
    delay_mean_seconds: float | None
    delay_max_seconds: float | None


def aggregate_delayed_labels(
    connection: Connection,
    tables: DelayedLabelTables,
    window: Window,
    *,
    task: str,
    decision_threshold: float = 0.5,
    with_scores: bool = False,
    relations: tuple[sa.FromClause, sa.FromClause] | None = None,
) -> JoinedAggregates:
    """Everything the serving gate needs: metric sums and label delays from one pass over the
    join, ROC AUC score counts from a second; ids are checked for duplicates unless a primary
    key or unique index already guarantees them. ``relations``: (predictions, labels) to read
    instead of the tables (scans of files, frames, Spark views), with the tables' column names."""
    time = _Time(connection.dialect.name)
    p, lab = relations or (tables.predictions(), tables.labels())
    pid, lid = p.c[tables.id_column], lab.c[tables.id_column]
    predicted_at, labeled_at = p.c[tables.predicted_at_column], lab.c[tables.labeled_at_column]
    in_window = sa.and_(
        time.value(predicted_at) >= time.bound("window_start", window.start),
        time.value(predicted_at) < time.bound("window_end", window.end),
    )
    arrived = time.value(labeled_at) <= time.bound("as_of", window.as_of)
    slices = [p.c[c] for c in tables.slice_columns]

    total = connection.execute(sa.select(sa.func.count()).where(in_window)).scalar_one()
    duplicate_predictions = (
        (0, ())
        if relations is None and _unique(connection, tables.predictions_table, tables.id_column)
        else _duplicates(connection, sa.select(pid).where(in_window).subquery())
    )
    orphans = (
        sa.select(lid)
        .where(
            arrived,
            time.value(labeled_at) >= time.bound("window_start", window.start),
            ~sa.exists().where(pid == lid),
        )
        .subquery()
    )
    orphan_count = connection.execute(sa.select(sa.func.count()).select_from(orphans)).scalar_one()
    orphan_examples = (
        tuple(str(v) for v in connection.execute(sa.select(orphans.c[0]).limit(MAX_EXAMPLES)).scalars()) if orphan_count else ()
    )

    joined = p.outerjoin(lab, sa.and_(lid == pid, arrived))
    label = lab.c[tables.label_column]
    keys, measures = _metric_keys_and_measures(tables, task, p, label, time, predicted_at, window, decision_threshold)
    delay = time.seconds_between(labeled_at, predicted_at)  # NULL without a label
    # Cumulative counts per delay bound, then the sum and maximum: no extra GROUP BY key.
    delay_measures = [
        sa.func.sum(sa.case((delay <= sa.bindparam(f"delay_{i}", bound), 1), else_=0)) for i, (bound, _) in enumerate(DELAY_BINS)
    ]
    delay_measures += [sa.func.count(delay), sa.func.sum(delay), sa.func.max(delay)]
    score_keys = None
    if with_scores and tables.score_column is not None:
        band = time.floor(time.seconds_since(predicted_at, "window_start_c", window.start) * (RECENCY_BANDS / max(window.seconds, 1e-9)))
        score = p.c[tables.score_column]
        # round(x) of a float exists on both databases (PostgreSQL has no round(float, digits)).
        score_key = sa.case((label.is_not(None), sa.func.round(score * sa.bindparam("score_scale", 10.0**SCORE_DECIMALS))))
        score_keys = [*slices, band, score_key, label]

    main_width = len(keys) + len(measures)
    query = sa.select(*keys, *measures, *delay_measures).select_from(joined).where(in_window).group_by(*keys)
    groups = [tuple(row) for row in connection.execute(query)]
    score_groups = []
    if score_keys is not None:
        score_query = sa.select(*score_keys, sa.func.count()).select_from(joined).where(in_window).group_by(*score_keys)
        score_groups = [tuple(row) for row in connection.execute(score_query)]
    score_groups = [row for row in score_groups if row[-2] is not None and row[-3] is not None]
    delays, mean_delay, max_delay = _delay_histogram([row[main_width:] for row in groups])
    groups = [row[:main_width] for row in groups]

    joined_rows = sum(int(row[len(keys)]) for row in groups)
    duplicate_labels = (0, ())
    if joined_rows > total:  # a prediction matched more than one label: find which (rare, so only then)
        known_labels = sa.select(lid).where(arrived, lid.in_(sa.select(pid).where(in_window))).subquery()
        duplicate_labels = _duplicates(connection, known_labels)
    return JoinedAggregates(
        predictions=int(total),
        duplicate_prediction_ids=duplicate_predictions[0],
        duplicate_prediction_examples=duplicate_predictions[1],
        duplicate_label_ids=duplicate_labels[0],
        duplicate_label_examples=duplicate_labels[1],
        orphan_labels=int(orphan_count),
        orphan_label_examples=orphan_examples,
        groups=groups,
        score_groups=score_groups,
        delays=delays,
        delay_mean_seconds=mean_delay,
        delay_max_seconds=max_delay,
    )


def _metric_keys_and_measures(tables, task, p, label, time: _Time, predicted_at, window: Window, decision_threshold: float):
    slices = [p.c[c] for c in tables.slice_columns]
    block = time.floor(time.seconds_since(predicted_at, "window_start_b", window.start) * (BLOCKS / max(window.seconds, 1e-9)))
    if task == CLASSIFICATION:
        if tables.prediction_column is not None:
            predicted = p.c[tables.prediction_column]
        else:
            score = p.c[tables.score_column]
            # 1 and 0 stand for "the positive class" and "another class": labels can be of any type,
            # so serving._classification_parts maps them back to the classes in Python.
            predicted = sa.case((score >= sa.bindparam("decision_threshold", decision_threshold), 1), else_=0)
        return [*slices, block, label, predicted], [sa.func.count()]
    prediction = p.c[tables.prediction_column]
    error = prediction - label
    has_label = sa.case((label.is_not(None), 1), else_=0)
    has_prediction = sa.case((prediction.is_not(None), 1), else_=0)
    measures = [
        sa.func.count(),
        sa.func.sum(label),
        sa.func.sum(label * label),
        sa.func.sum(sa.func.abs(error)),
        sa.func.sum(error * error),
    ]
    return [*slices, block, has_label, has_prediction], measures


def _unique(connection: Connection, qualified: str, column: str) -> bool:
    """Whether the database itself guarantees ``column`` unique (primary key, unique constraint or index)."""
    schema, _, name = qualified.rpartition(".")
    inspector = sa.inspect(connection)
    keys = [inspector.get_pk_constraint(name, schema=schema or None).get("constrained_columns") or []]
    keys += [u["column_names"] for u in inspector.get_unique_constraints(name, schema=schema or None)]
    keys += [i["column_names"] for i in inspector.get_indexes(name, schema=schema or None) if i.get("unique")]
    return [column] in keys


def _duplicates(connection: Connection, ids: sa.Subquery) -> tuple[int, tuple[str, ...]]:
    repeated = sa.select(ids.c[0].label("id")).group_by(ids.c[0]).having(sa.func.count() > 1).subquery()
    count = connection.execute(sa.select(sa.func.count()).select_from(repeated)).scalar_one()
    examples = (
        tuple(str(v) for v in connection.execute(sa.select(repeated.c.id).order_by(repeated.c.id).limit(MAX_EXAMPLES)).scalars())
        if count
        else ()
    )
    return int(count), examples


def _delay_histogram(rows: list[tuple]) -> tuple[dict[str, int], float | None, float | None]:
    """From per-group (cumulative counts per bound..., count, Σ delay, max delay) to a histogram."""
    bins = len(DELAY_BINS)
    cumulative = [sum(int(row[i] or 0) for row in rows) for i in range(bins)]
    labelled = sum(int(row[bins] or 0) for row in rows)
    seconds = sum(float(row[bins + 1] or 0.0) for row in rows)
    maxima = [float(row[bins + 2]) for row in rows if row[bins + 2] is not None]
    names = [name for _, name in DELAY_BINS]
    counts = {name: upto - below for name, upto, below in zip(names, cumulative, [0, *cumulative])}
    counts[LONGER] = labelled - (cumulative[-1] if cumulative else 0)
    return counts, (seconds / labelled if labelled else None), (max(maxima) if maxima else None)
