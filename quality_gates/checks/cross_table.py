"""Checks between two tables: referential integrity and reconciliation after a load.

Each side is either SQL rows in a database (an engine and a selectable) or frames read in
chunks. When both sides are in one database the check is one query there (an anti-join, a
``COUNT(*)``, a ``GROUP BY``) and only counts and a few example keys reach the worker. Across
databases, keys are compared as 64-bit hashes: the worker holds 8 bytes per key of the other
table, never the rows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quality_gates.checks.json_safe import json_safe
from quality_gates.checks.results import CheckKind, CheckResult, Severity, Status

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from sqlalchemy import Engine

KIND = CheckKind.CROSS_TABLE.value
MAX_EXAMPLES = 10


@dataclass(frozen=True)
class SqlSide:
    """Rows in a database: ``rows`` is a table or subquery (identifiers quoted by SQLAlchemy)."""

    name: str
    engine: Engine
    rows: Any

    def same_database(self, other: Side) -> bool:
        return isinstance(other, SqlSide) and self.engine.url == other.engine.url


@dataclass(frozen=True)
class FrameSide:
    """Rows read in chunks: ``chunks(columns)`` yields frames with at least those columns."""

    name: str
    chunks: Callable[[Sequence[str]], Iterable[pd.DataFrame]]

    def same_database(self, other: Side) -> bool:
        return False


Side = SqlSide | FrameSide


def _columns(side: SqlSide, names: Sequence[str]) -> list[Any]:
    return [side.rows.c[name] for name in names]


def sql_chunks(side: SqlSide, columns: Sequence[str], chunk_size: int = 500_000) -> Iterable[pd.DataFrame]:
    """Only the named columns of SQL rows, streamed (a server-side cursor on PostgreSQL)."""
    import pandas as pd
    from sqlalchemy import select

    query = select(*_columns(side, columns))
    with side.engine.connect().execution_options(stream_results=True, max_row_buffer=chunk_size) as connection:
        yield from pd.read_sql(query, connection, chunksize=chunk_size)


def _frames(side: Side, columns: Sequence[str]) -> Iterable[pd.DataFrame]:
    return sql_chunks(side, columns) if isinstance(side, SqlSide) else side.chunks(columns)


def _result(name: str, column: str | None, passed: bool, severity: Severity, observed: str, expected: str, details: dict) -> CheckResult:
    status = Status.PASSED if passed else Status.WARNED if severity is Severity.WARN else Status.FAILED
    return CheckResult(name, column, status, severity, observed, expected, {"kind": KIND, **details})


# --- referential integrity -----------------------------------------------------------------------


def relationship(
    child: Side,
    child_columns: Sequence[str],
    parent: Side,
    parent_columns: Sequence[str],
    *,
    severity: Severity = Severity.ERROR,
    mostly: float | None = None,
    max_examples: int = MAX_EXAMPLES,
) -> CheckResult:
    """Every non-null key of ``child`` exists in ``parent`` (dbt's ``relationships``)."""
    if len(child_columns) != len(parent_columns):
        raise ValueError(
            f"relationships: {len(child_columns)} key column(s) {list(child_columns)} vs {len(parent_columns)} {list(parent_columns)}"
        )
    if isinstance(child, SqlSide) and isinstance(parent, SqlSide) and child.same_database(parent):
        in_database = True
        checked, orphans, examples = _orphans_in_database(child, child_columns, parent, parent_columns, max_examples)
    else:
        in_database = False
        checked, orphans, examples = _orphans_by_hash(child, child_columns, parent, parent_columns, max_examples)
    fraction = orphans / checked if checked else 0.0
    keys = ", ".join(child_columns)
    expected = f"every non-null ({keys}) of {child.name} in {parent.name} ({', '.join(parent_columns)})"
    shown = ", ".join(_show(e) for e in examples[:3])
    observed = f"{orphans:,} of {checked:,} rows ({fraction:.2%}) have no match" + (f", e.g. {shown}" if shown else "")
    passed = orphans == 0 or (mostly is not None and 1 - fraction >= mostly)
    details = {
        "check": "relationships",
        "other": parent.name,
        "other_columns": list(parent_columns),
        "method": "in-database anti-join" if in_database else "hashed keys",
        "rows_checked": checked,
        "failing_rows": orphans,
        "failing_fraction": fraction,
        "example_keys": examples,
    }
    if mostly is not None:
        details["mostly"] = mostly
    return _result("relationships", keys, passed, severity, observed, expected, details)


def _orphans_in_database(child: SqlSide, child_columns, parent: SqlSide, parent_columns, max_examples: int):
    from sqlalchemy import and_, case, func, select

    keys = _columns(child, child_columns)
    parent_keys = select(*_columns(parent, parent_columns)).distinct().subquery()
    # LEFT JOIN to the distinct parent keys: one hash anti-join, no row is duplicated.
    join = child.rows.outerjoin(parent_keys, and_(*(k == parent_keys.c[p] for k, p in zip(keys, parent_columns))))
    missing = parent_keys.c[parent_columns[0]].is_(None)
    not_null = and_(*(k.is_not(None) for k in keys))
    counts = select(func.count(), func.coalesce(func.sum(case((missing, 1), else_=0)), 0)).select_from(join).where(not_null)
    with child.engine.connect() as connection:
        checked, orphans = connection.execute(counts).one()
        examples = []
        if orphans:
            rows = connection.execute(select(*keys).select_from(join).where(not_null, missing).distinct().limit(max_examples)).all()
            examples = [_key(row) for row in rows]
    return int(checked), int(orphans), examples


def _orphans_by_hash(child: Side, child_columns, parent: Side, parent_columns, max_examples: int):
    import numpy as np

    known = np.unique(
        np.concatenate([_hashes(frame, parent_columns)[0] for frame in _frames(parent, parent_columns)] or [np.empty(0, np.uint64)])
    )
    checked = orphans = 0
    examples: list[Any] = []
    for frame in _frames(child, child_columns):
        hashes, keys = _hashes(frame, child_columns)
        checked += len(hashes)
        position = np.minimum(np.searchsorted(known, hashes), max(len(known) - 1, 0))
        missing = (known[position] != hashes) if len(known) else np.ones(len(hashes), dtype=bool)
        orphans += int(missing.sum())
        for row in keys[missing].drop_duplicates().head(max_examples - len(examples)).itertuples(index=False):
            if len(examples) < max_examples and _key(row) not in examples:
                examples.append(_key(row))
    return checked, orphans, examples


def _hashes(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """64-bit hashes of the non-null keys, with the keys; equal values hash equally whatever the
    driver returned (1 and 1.0, a date and its ISO string)."""
    import pandas as pd

    keys = frame[list(columns)].dropna()
    canonical = pd.DataFrame({c: _canonical(keys[c]) for c in columns})
    return pd.util.hash_pandas_object(canonical, index=False).to_numpy(), keys


def _canonical(values: pd.Series) -> pd.Series:
    import pandas as pd

    if pd.api.types.is_bool_dtype(values):
        return values.astype("int64")
    if pd.api.types.is_numeric_dtype(values):
        as_float = values.astype("float64")
        return as_float.astype("int64") if len(as_float) and (as_float % 1 == 0).all() and as_float.abs().max() < 2**62 else as_float
    return values.map(_text)


def _text(value: Any) -> str:
    """A group key as text, the same whichever driver returned it (1 and 1.0, a date and its ISO text)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    return str(value)


def _key(row: Sequence[Any]) -> Any:
    values = [json_safe(v) for v in row]
    return values[0] if len(values) == 1 else values


def _show(key: Any) -> str:
    return repr(tuple(key)) if isinstance(key, list) else repr(key)


# --- reconciliation ------------------------------------------------------------------------------


def row_count(side: Side) -> int:
    if isinstance(side, SqlSide):
        from sqlalchemy import func, select

        with side.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(side.rows)).scalar_one())
    return sum(len(frame) for frame in side.chunks(()))


def _within(source: float, target: float, tolerance: float) -> bool:
    return abs(source - target) <= tolerance * max(abs(source), abs(target)) + 1e-9


def row_count_match(source: Side, target: Side, *, tolerance: float = 0.0, severity: Severity = Severity.ERROR) -> CheckResult:
    """The target has as many rows as the source, within a relative ``tolerance`` (0.01 = 1 %)."""
    expected_rows, observed_rows = row_count(source), row_count(target)
    difference = observed_rows - expected_rows
    relative = difference / expected_rows if expected_rows else (0.0 if not observed_rows else math.inf)
    observed = f"{observed_rows:,} rows in {target.name} vs {expected_rows:,} in {source.name} ({difference:+,}, {relative:+.2%})"
    expected = f"row count of {source.name}" + (f" within ±{tolerance:.2%}" if tolerance else "")
    details = {
        "check": "row_count_match",
        "other": target.name,
        "source_rows": expected_rows,
        "target_rows": observed_rows,
        "difference": difference,
        "relative_difference": json_safe(relative),
        "tolerance": tolerance,
    }
    return _result("row_count_match", None, _within(expected_rows, observed_rows, tolerance), severity, observed, expected, details)


def group_sums(side: Side, group_by: Sequence[str], columns: Sequence[str]) -> dict[tuple, list[float]]:
    """``SUM(column)`` per group, computed in the database for SQL rows."""
    if isinstance(side, SqlSide):
        from sqlalchemy import func, select

        groups = _columns(side, group_by)
        query = select(*groups, *(func.sum(c) for c in _columns(side, columns))).group_by(*groups)
        with side.engine.connect() as connection:
            rows = connection.execute(query).all()
        n = len(group_by)
        return {tuple(_text(v) if v is not None else None for v in row[:n]): [float(v or 0) for v in row[n:]] for row in rows}
    totals: dict[tuple, list[float]] = {}
    for frame in side.chunks([*group_by, *columns]):
        summed = frame.groupby(list(group_by), dropna=False)[list(columns)].sum()
        for key, values in summed.iterrows():
            key = tuple(_text(v) for v in (key if isinstance(key, tuple) else (key,)))
            current = totals.setdefault(key, [0.0] * len(columns))
            for i, value in enumerate(values):
                current[i] += float(value)
    return totals


def aggregate_match(
    source: Side,
    target: Side,
    *,
    group_by: Sequence[str],
    columns: Sequence[str],
    tolerance: float = 0.0,
    severity: Severity = Severity.ERROR,
    max_examples: int = MAX_EXAMPLES,
) -> CheckResult:
    """Per group (e.g. per day) the sums of ``columns`` agree between source and target."""
    expected_sums, observed_sums = group_sums(source, group_by, columns), group_sums(target, group_by, columns)
    groups = sorted(set(expected_sums) | set(observed_sums), key=lambda k: tuple("" if v is None else str(v) for v in k))
    differing: list[dict[str, Any]] = []
    for group in groups:
        want, got = expected_sums.get(group), observed_sums.get(group)
        for i, name in enumerate(columns):
            a = None if want is None else want[i]
            b = None if got is None else got[i]
            if a is None or b is None or not _within(a, b, tolerance):
                differing.append({"group": dict(zip(group_by, group)), "column": name, "expected": a, "observed": b})
    bad_groups = {tuple(d["group"].values()) for d in differing}
    sums = ", ".join(f"sum({c})" for c in columns)
    expected = f"{sums} per ({', '.join(group_by)}) as in {source.name}" + (f" within ±{tolerance:.2%}" if tolerance else "")
    shown = "; ".join(f"{_group_text(d['group'])} {d['column']}: {_num(d['observed'])} vs {_num(d['expected'])}" for d in differing[:3])
    observed = f"{len(bad_groups):,} of {len(groups):,} groups differ" + (f", e.g. {shown}" if shown else "")
    details = {
        "check": "aggregate_match",
        "other": target.name,
        "group_by": list(group_by),
        "columns": list(columns),
        "groups": len(groups),
        "failing_groups": len(bad_groups),
        "tolerance": tolerance,
        "example_keys": [_json_example(d) for d in differing[:max_examples]],
    }
    return _result("aggregate_match", ",".join(columns), not differing, severity, observed, expected, details)


def _json_example(example: dict[str, Any]) -> dict[str, Any]:
    return {
        "group": {k: json_safe(v) for k, v in example["group"].items()},
        "column": example["column"],
        "expected": json_safe(example["expected"]),
        "observed": json_safe(example["observed"]),
    }


def _group_text(group: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in group.items())


def _num(value: float | None) -> str:
    return "missing" if value is None else f"{value:,.6g}"
