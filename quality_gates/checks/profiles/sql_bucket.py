"""The hash bucket of a SQL profile: the rows whose row hash falls in the lowest ``f`` of the hash
range give both the sample and the duplicate-row share, in one scan (see ``sql_engine``).

Each distinct row is in the bucket with probability ``f``, both copies of a duplicate together:
the bucket's distinct hashes estimate the duplicate-row share without bias (exact when ``f`` is
1), and its rows of lowest hash are a sample of ``sample_rows`` rows, the same at each run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from quality_gates.checks.profiles.model import BOOLEAN
from quality_gates.checks.profiles.sql_columns import SqlColumn
from quality_gates.checks.profiles.sql_dialects import SqlDialect
from quality_gates.checks.profiles.sql_sample import SAMPLE_MARGIN_SIGMAS, columns_of, sample_columns, sample_frame

# A hash bucket more than this many times smaller or larger than expected stands for too few
# distinct rows: the Bernoulli sample and the exact distinct count are used instead.
BUCKET_OVERFLOW = 4
# The pre-filter on one column's hash keeps this many times the bucket's share of rows; the
# bucket's rows must then hold at least this share of distinct key values per distinct row.
KEY_SPREAD = 10
KEY_VALUES_PER_ROW = 0.9


def hash_bucket(
    connection: Connection,
    dialect: SqlDialect,
    columns: Sequence[SqlColumn],
    relation: sa.Subquery,
    rows: int,
    sample_rows: int,
    aggregates: dict[str, dict[str, Any]],
) -> tuple[pd.DataFrame, float] | None:
    """The sample and the duplicate-row share from the rows of the lowest hashes; None when the
    database has no row hash or the bucket cannot stand for the rows (heavy duplication)."""
    hashed = dialect.row_hash(list(columns)) if rows >= 2 and columns else None
    if hashed is None:
        return None
    wanted = [column for column in columns if column.kind != BOOLEAN]
    query = bucket_query(dialect, wanted, relation, hashed)
    if rows <= sample_rows:
        return _from_bucket(dialect, wanted, columns_of(connection, query, len(wanted) + 1), sample_rows)
    fraction, limit = bucket_size(rows, sample_rows)

    def fits(fetched: list[tuple]) -> bool:
        return sample_rows // BUCKET_OVERFLOW <= len(fetched[0]) <= limit

    key = _prefilter_key(dialect, wanted, aggregates, rows) if fraction * KEY_SPREAD < 1 else None
    if key is not None:
        # The row hash costs most of this scan: computed only where a cheap hash of one column
        # (no nulls, of a type with many distinct values) falls in the lowest KEY_SPREAD·f of its
        # range, then kept in the lowest 1/KEY_SPREAD of its own. A row is still in with
        # probability f and duplicates stay together, but rows sharing a key value are in or out
        # together: valid only if the bucket's rows have about as many key values as distinct
        # rows, checked below (else the scan is done again without the key).
        position, key_hash = key
        keyed = query.where(dialect.in_bucket(key_hash, fraction * KEY_SPREAD), dialect.in_bucket(hashed, 1 / KEY_SPREAD))
        fetched = columns_of(connection, keyed.limit(limit + 1), len(wanted) + 1)
        if fits(fetched) and len(set(fetched[1 + position])) >= KEY_VALUES_PER_ROW * len(set(fetched[0])):
            return _from_bucket(dialect, wanted, fetched, sample_rows)
    fetched = columns_of(connection, query.where(dialect.in_bucket(hashed, fraction)).limit(limit + 1), len(wanted) + 1)
    return _from_bucket(dialect, wanted, fetched, sample_rows) if fits(fetched) else None


def bucket_query(dialect: SqlDialect, wanted: Sequence[SqlColumn], relation: sa.Subquery, hashed: ColumnElement) -> sa.Select:
    return sa.select(hashed.label("row_hash"), *sample_columns(dialect, wanted)).select_from(relation)


def bucket_size(rows: int, sample_rows: int) -> tuple[float, int]:
    """The bucket's share of the hash range, and the most rows it may hold. Duplicated rows come
    in or stay out together: a bucket far off its expected size means a few rows repeated very
    often, which a bucket cannot stand for; the limit also bounds what is fetched."""
    expected = sample_rows + SAMPLE_MARGIN_SIGMAS * math.sqrt(sample_rows) + 10
    return min(1.0, expected / rows), int(BUCKET_OVERFLOW * expected)


def _prefilter_key(
    dialect: SqlDialect, wanted: Sequence[SqlColumn], aggregates: dict[str, dict[str, Any]], rows: int
) -> tuple[int, ColumnElement] | None:
    """(position in ``wanted``, hash) of the best column to pre-filter the bucket on."""
    candidates = []
    for position, column in enumerate(wanted):
        ranked = dialect.key_hash(column)
        if ranked is not None and int(aggregates[column.name]["non_null"] or 0) == rows:  # a NULL has no hash
            candidates.append((ranked[0], position, ranked[1]))
    if not candidates:
        return None
    _, position, key_hash = min(candidates, key=lambda candidate: candidate[:2])
    return position, key_hash


def _from_bucket(dialect: SqlDialect, wanted: Sequence[SqlColumn], fetched: list[tuple], sample_rows: int) -> tuple[pd.DataFrame, float]:
    """The sample (the rows of the lowest hashes) and the duplicate-row share of the bucket."""
    hashes = np.array(fetched[0], dtype="uint64" if dialect.hash_low >= 0 else "int64")
    if not len(hashes):
        return sample_frame(wanted, fetched[1:]), 0.0
    duplicate_share = (len(hashes) - len(np.unique(hashes))) / len(hashes)
    frame = sample_frame(wanted, fetched[1:])
    if len(frame) > sample_rows:  # typed columns first: taking rows of them is cheaper than of Python objects
        frame = frame.take(np.argsort(hashes, kind="stable")[:sample_rows]).reset_index(drop=True)
    return frame, duplicate_share
