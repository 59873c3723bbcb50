"""Custom SQL assertions: a query returns the failing rows; the check records how many and a sample.

The query runs as written, wrapped in ``SELECT COUNT(*) FROM (query)``; parameters are bound by
the driver, never formatted into the SQL. A query the database rejects is recorded as an
``error`` check with the database's own message, the check's name and its line in the schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from quality_gates.checks.json_safe import json_safe
from quality_gates.checks.results import CheckKind, CheckResult, Severity, Status

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from quality_gates.checks.schema_yaml.new_sections import SqlCheckSpec

MAX_EXAMPLES = 10


def run_sql_check(
    engine: Engine, spec: SqlCheckSpec, params: Mapping[str, Any], *, rows_checked: int | None = None, max_examples: int = MAX_EXAMPLES
) -> CheckResult:
    from sqlalchemy import func, literal_column, select, text
    from sqlalchemy.exc import SQLAlchemyError

    severity = Severity(spec.severity)
    expected = "no rows returned" + (f" (mostly {spec.mostly:g} of the rows pass)" if spec.mostly is not None else "")
    details: dict[str, Any] = {
        "kind": CheckKind.SQL_ASSERTION.value,
        "query": spec.query,
        "params": {k: json_safe(v) for k, v in params.items()},
        "schema_line": spec.line,
    }
    failing = text(spec.query.strip().rstrip(";")).bindparams(**params).columns().subquery("failing_rows")
    try:
        with engine.connect() as connection:
            count = int(connection.execute(select(func.count()).select_from(failing)).scalar_one())
            rows = (
                connection.execute(select(literal_column("*")).select_from(failing).limit(max_examples)).mappings().all() if count else []
            )
    except SQLAlchemyError as exc:
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return CheckResult(
            spec.name,
            None,
            Status.ERROR,
            severity,
            "query failed",
            expected,
            {**details, "message": f"{spec.where()}: sql_check '{spec.name}': {message}"},
        )
    fraction = count / rows_checked if rows_checked else None
    details.update(
        failing_rows=count,
        failing_fraction=fraction,
        rows_checked=rows_checked,
        examples=[{k: json_safe(v) for k, v in row.items()} for row in rows],
    )
    observed = f"{count:,} failing rows" + (f" of {rows_checked:,} ({fraction:.2%})" if fraction is not None else "")
    passed = count == 0
    if not passed and spec.mostly is not None and fraction is not None and 1 - fraction >= spec.mostly:
        passed, details["tolerated"] = True, True
    if spec.mostly is not None:
        details["mostly"] = spec.mostly
    status = Status.PASSED if passed else Status.WARNED if severity is Severity.WARN else Status.FAILED
    return CheckResult(spec.name, None, status, severity, observed, expected, details)
