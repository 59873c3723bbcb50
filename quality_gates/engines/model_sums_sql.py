"""The model gate's sums as SQL: PostgreSQL, SQLite and DuckDB (executed), the warehouses
(compiled), and Spark SQL (``model_sums_spark`` runs these very statements).

Three aggregate queries, whatever the row count: the rows' counts (all, labelled, usable), the
sums per (slice values, bucket, label, predicted) or (slice values, bucket), and for ROC AUC the
counts per (slice values, rounded score, label); then, only when there is something to report,
at most 5 examples of rows without a prediction and of duplicated ids. A row's bootstrap bucket
hashes its position (``row_number() OVER ()``, Spark's ``monotonically_increasing_id()``) with
``sums.bucket_of_position``, so the database and pandas put the same row in the same bucket.
Identifiers are quoted by SQLAlchemy; every value is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import sqlalchemy as sa

from quality_gates.checks.model_metrics.catalogue import REGRESSION
from quality_gates.checks.model_metrics.evaluate import MAX_EXAMPLES, Evaluation
from quality_gates.checks.model_metrics.grouped import EngineSums, evaluation_from_sums, require_columns
from quality_gates.checks.model_metrics.spec import EvaluationSpec
from quality_gates.checks.model_metrics.sums import EPSILON, SCORE_DECIMALS, bucket_of_position
from quality_gates.engines.computation import SqlQuery
from quality_gates.engines.sql_session import connect, read_error

Run = Callable[[Any], list[tuple]]
POSITION = "qg_position"
# Dialects whose row_number() needs an ORDER BY; Spark SQL (and Databricks) numbers rows its own way.
ORDERED_ROW_NUMBER = ("snowflake", "redshift")
SPARK_SQL = ("databricks", "spark")
FINITE_BY_RANGE = ("postgresql", "duckdb", "sqlite")


def evaluate_sql(computation: SqlQuery, spec: EvaluationSpec) -> Evaluation:
    """The evaluation of ``computation``'s rows, summed in the database."""
    from quality_gates.checks.profiles.sql_columns import discover

    with connect(computation) as connection:
        try:
            columns, relation = discover(connection, computation.selectable)
            floats = {c.name for c in columns if isinstance(c.type, sa.Float)}
            refs = {c.name: c.raw() for c in columns}  # untyped: the driver's own values
            sums = model_sums(_runner(connection), relation, refs, floats, spec, computation.dialect)
        except sa.exc.DBAPIError as exc:
            raise read_error(computation, exc) from exc
    return evaluation_from_sums(sums, spec)


def _runner(connection: sa.Connection) -> Run:
    return lambda query: [tuple(row) for row in connection.execute(query)]


def position_of_row(dialect: str) -> sa.ColumnElement[Any]:
    """The row's 0-based position in the scan."""
    if dialect in SPARK_SQL:
        return sa.func.monotonically_increasing_id()
    if dialect in ORDERED_ROW_NUMBER:
        return sa.func.row_number().over(order_by=sa.null()) - 1
    return sa.func.row_number().over() - 1


def model_sums(
    run: Run, relation: sa.FromClause, columns: Mapping[str, Any], floats: Collection[str], spec: EvaluationSpec, dialect: str
) -> EngineSums:
    """Every sum ``evaluation_from_sums`` needs, from ``relation`` (``columns``: name -> column of
    the relation; ``floats`` are checked for NaN and infinity like pandas' missing values)."""
    require_columns(list(columns), spec)
    statements = ModelStatements(relation, columns, floats, spec, dialect)
    rows, labelled, usable = run(statements.counts())[0]
    rows, labelled, usable = int(rows or 0), int(labelled or 0), int(usable or 0)
    missing_examples: tuple[str, ...] = ()
    if labelled > usable:
        missing_examples = tuple(str(r[0]) for r in run(statements.missing_prediction_examples()))
    duplicates, duplicate_examples = 0, ()
    if spec.id_column:
        duplicates = int(run(statements.duplicate_id_count())[0][0] or 0)
        if duplicates:
            duplicate_examples = tuple(str(r[0]) for r in run(statements.duplicate_id_examples()))
    groups = run(statements.groups()) if usable else []
    score_groups = run(statements.score_groups()) if usable and spec.score_column else []
    return EngineSums(rows, labelled, usable, missing_examples, duplicates, duplicate_examples, groups, score_groups)


class ModelStatements:
    """The statements of one evaluation, built once. ``evaluated`` adds to each row its position,
    bootstrap bucket and predicted class, so that every GROUP BY is on plain columns (a bound
    value inside a grouped expression would not match the same expression in the SELECT)."""

    def __init__(self, relation: sa.FromClause, columns: Mapping[str, Any], floats: Collection[str], spec: EvaluationSpec, dialect: str):
        self.spec, self.dialect, self.floats = spec, dialect, floats
        self.relation, self.columns = relation, columns
        wanted = [columns[name] for name in dict.fromkeys(spec.columns)]
        positioned = sa.select(*wanted, position_of_row(dialect).label(POSITION)).select_from(relation).subquery("positioned")
        c = positioned.c
        extra = [bucket_of_position(c[POSITION], spec.seed, spec.max_buckets, self._mod).label("qg_bucket")]
        if spec.task != REGRESSION:
            if spec.prediction_column is not None:
                predicted: Any = c[spec.prediction_column]
            else:  # 1 and 0 stand for "the positive class" and "the other": grouped.evaluation_from_sums maps them back
                threshold = sa.literal(float(spec.decision_threshold), sa.Float())
                predicted = sa.case((c[str(spec.score_column)] >= threshold, 1), else_=0)
            extra.append(predicted.label("qg_predicted"))
        self.base = sa.select(*c, *extra).subquery("evaluated")
        self.position = self.base.c[POSITION]
        self.slices = [self.base.c[name] for name in spec.slice_columns]

    def _conditions(self, columns: Any) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[bool]]:
        """(labelled, usable) on ``columns``: not null; for floats also finite (x - x is 0 only for
        finite x; NaN and ±inf give NaN or NULL), as pandas counts NaN and ±inf missing. Never
        NULL themselves, so that their negation is true for a missing value."""
        spec = self.spec

        def present(name: str) -> sa.ColumnElement[bool]:
            column = columns[name]
            if name not in self.floats:
                return column.is_not(None)
            if self.dialect in FINITE_BY_RANGE:
                # NaN sorts above +∞ here (SQLite stores it as NULL): one range, which the planner
                # estimates from the column's statistics (PostgreSQL then hashes the GROUP BY).
                infinity = sa.literal(float("inf"), sa.Float())
                return sa.and_(column.is_not(None), column > -infinity, column < infinity)  # never NULL
            return sa.func.coalesce(column - column, sa.literal(1.0, sa.Float())) == sa.literal(0.0, sa.Float())

        labelled = present(spec.label_column)
        return labelled, sa.and_(labelled, *(present(n) for n in (spec.prediction_column, spec.score_column) if n))

    def _mod(self, value: Any, modulus: int) -> Any:
        divisor = sa.literal(modulus, sa.BigInteger())
        # SQLite's mod() works on doubles (inexact beyond 2^53); its % operator on integers.
        return value % divisor if self.dialect == "sqlite" else sa.func.mod(value, divisor)

    def counts(self) -> sa.Select:
        labelled, usable = self._conditions(self.columns)
        flags = (sa.func.sum(sa.case((condition, 1), else_=0)) for condition in (labelled, usable))
        return sa.select(sa.func.count(), *flags).select_from(self.relation)

    def missing_prediction_examples(self) -> sa.Select:
        labelled, usable = self._conditions(self.base.c)
        shown = self.base.c[self.spec.id_column] if self.spec.id_column else self.position
        return sa.select(shown).where(labelled, sa.not_(usable)).order_by(self.position).limit(MAX_EXAMPLES)

    def _repeated_ids(self) -> sa.Subquery:
        ids = self.base.c[str(self.spec.id_column)]
        return (
            sa.select(ids.label("id"), sa.func.min(self.position).label("first"))
            .where(ids.is_not(None))
            .group_by(ids)
            .having(sa.func.count() > 1)
            .subquery("repeated")
        )

    def duplicate_id_count(self) -> sa.Select:
        return sa.select(sa.func.count()).select_from(self._repeated_ids())

    def duplicate_id_examples(self) -> sa.Select:
        repeated = self._repeated_ids()
        return sa.select(repeated.c.id).order_by(repeated.c.first).limit(MAX_EXAMPLES)

    def groups(self) -> sa.Select:
        spec, c = self.spec, self.base.c
        _, usable = self._conditions(c)
        label = c[spec.label_column]
        if spec.task == REGRESSION:
            error = c[str(spec.prediction_column)] - label
            keys = [*self.slices, c.qg_bucket]
            measures = [
                sa.func.count(),
                sa.func.sum(label),
                sa.func.sum(label * label),
                sa.func.sum(sa.func.abs(error)),
                sa.func.sum(error * error),
            ]
        else:
            keys = [*self.slices, c.qg_bucket, label, c.qg_predicted]
            measures = [sa.func.count()]
            if spec.score_column is not None:
                score = c[spec.score_column]
                measures += [sa.func.sum(self._loss(score)), sa.func.sum(self._loss(sa.literal(1.0, sa.Float()) - score))]
            else:
                measures += [sa.null(), sa.null()]
        return sa.select(*keys, *measures).where(usable).group_by(*keys)

    def _loss(self, probability: Any) -> Any:
        """-ln of the probability clipped to [ε, 1], like scikit-learn's log loss."""
        highest, lowest = (sa.func.max, sa.func.min) if self.dialect == "sqlite" else (sa.func.greatest, sa.func.least)
        clipped = highest(lowest(probability, sa.literal(1.0, sa.Float())), sa.literal(float(EPSILON), sa.Float()))
        return -sa.func.ln(clipped)

    def score_groups(self) -> sa.Select:
        """Counts per rounded score: no position needed, so the database may scan in parallel."""
        spec, c = self.spec, self.columns
        _, usable = self._conditions(c)
        scale = sa.literal(10.0**SCORE_DECIMALS, sa.Float())
        keyed = (
            sa.select(
                *(c[name].label(name) for name in spec.slice_columns),
                sa.func.round(c[str(spec.score_column)] * scale).label("qg_score_key"),
                c[spec.label_column].label(spec.label_column),
            )
            .select_from(self.relation)
            .where(usable)
            .subquery("scored")
        )
        keys = [*(keyed.c[name] for name in spec.slice_columns), keyed.c.qg_score_key, keyed.c[spec.label_column]]
        return sa.select(*keys, sa.func.count()).group_by(*keys)
