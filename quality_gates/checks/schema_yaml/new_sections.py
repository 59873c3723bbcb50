"""The ``freshness:`` and ``sql_checks:`` sections of a YAML schema (parsed here, run by the schema gate).

```yaml
freshness:
  column: loaded_at
  warn_after: 2h
  error_after: 6h
  relative_to: now            # or data_interval_end
sql_checks:
  - name: refund_not_above_amount
    query: SELECT order_id FROM orders WHERE day = :day AND refund > amount
    params: {day: "{{ ds }}"}  # values are Airflow templates, always bound, never formatted in
    severity: error            # or warn
    mostly: 0.99               # of the gate's rows
```
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from quality_gates.checks.schema_yaml import values
from quality_gates.checks.schema_yaml.located import line_of, line_of_item, line_of_key
from quality_gates.checks.schema_yaml.spec import Where

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_FRESHNESS_KEYS = ("column", "warn_after", "error_after", "relative_to", "require_advance", "naive_timezone")
_SQL_CHECK_KEYS = ("name", "query", "params", "severity", "mostly", "description")


@dataclass(frozen=True)
class SqlCheckSpec:
    """One custom SQL assertion: its query returns the failing rows."""

    name: str
    query: str
    params: dict[str, Any] = field(default_factory=dict)
    severity: str = "error"
    mostly: float | None = None
    line: int | None = None
    source: str = ""

    def where(self) -> str:
        return f"{self.source}, line {self.line}" if self.line else self.source


def duration(value: Any, where: Where) -> dt.timedelta:
    match = _DURATION.match(str(value)) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if match is None:
        raise where.error(f"expected a duration such as 30m, 2h or 1d, got {value!r}")
    return dt.timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def _keys(located: Any, known: tuple[str, ...], where: Where, what: str) -> None:
    for key in located:
        if key not in known:
            raise where.at(line_of_key(located, key)).error(values.unknown_key(key, known, what))


def parse_freshness(value: Any, where: Where) -> dict[str, Any]:
    """The schema gate's freshness rule, as keyword arguments of ``FreshnessRule``."""
    from quality_gates.checks.freshness import (
        FreshnessConfigurationError,
        FreshnessRule,
    )

    where = where.at(line_of(value), "freshness: ")
    options = values.mapping(value, where)
    _keys(value, _FRESHNESS_KEYS, where, "freshness option")
    if "column" not in options:
        raise where.error("give the timestamp 'column'")
    rule: dict[str, Any] = {"column": values.text(options["column"], where.at(line_of_key(value, "column")))}
    for key in ("warn_after", "error_after"):
        if key in options:
            rule[key] = duration(options[key], where.at(line_of_key(value, key)))
    if "relative_to" in options:
        rule["relative_to"] = values.one_of("now", "data_interval_end")(options["relative_to"], where.at(line_of_key(value, "relative_to")))
    if "require_advance" in options:
        rule["require_advance"] = values.boolean(options["require_advance"], where.at(line_of_key(value, "require_advance")))
    if "naive_timezone" in options:
        rule["naive_timezone"] = values.text(options["naive_timezone"], where.at(line_of_key(value, "naive_timezone")))
    try:
        FreshnessRule(**rule)
    except FreshnessConfigurationError as exc:
        raise where.error(str(exc)) from None
    return rule


def parse_sql_checks(value: Any, where: Where) -> tuple[SqlCheckSpec, ...]:
    if not isinstance(value, list):
        raise where.at(line_of(value)).error("sql_checks must be a list of checks, each with a name and a query")
    checks, names = [], set()
    for index, item in enumerate(value):
        here = where.at(line_of_item(value, index) or line_of(item), "sql_checks: ")
        options = values.mapping(item, here)
        _keys(item, _SQL_CHECK_KEYS, here, "sql_checks option")
        for required in ("name", "query"):
            if required not in options:
                raise here.error(f"check {index + 1} has no '{required}'")
        name = values.text(options["name"], here)
        here = here.at(None, f"sql_checks: '{name}': ")
        if name in names:
            raise here.error("two sql_checks have this name")
        names.add(name)
        query = values.text(options["query"], here.at(line_of_key(item, "query")))
        params = dict(values.mapping(options.get("params") or {}, here.at(line_of_key(item, "params"))))
        _validate_query(query, params, here.at(line_of_key(item, "query")))
        severity = values.one_of("error", "warn")(options.get("severity", "error"), here.at(line_of_key(item, "severity")))
        mostly = values.fraction(options["mostly"], here.at(line_of_key(item, "mostly")), name) if "mostly" in options else None
        checks.append(SqlCheckSpec(name, query, params, severity, mostly, here.line, where.source))
    return tuple(checks)


_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


def _validate_query(query: str, params: dict[str, Any], where: Where) -> None:
    """Only one SELECT (or WITH … SELECT), and every ``:name`` in it declared under params."""
    from sqlalchemy import text

    body = _COMMENTS.sub(" ", query).strip().rstrip(";").strip()
    first = body.split(None, 1)[0].lower() if body else ""
    if first not in ("select", "with") or ";" in body:
        raise where.error("the query must be one SELECT statement returning the failing rows")
    used = set(text(body).compile().params)
    undeclared = sorted(used - set(params))
    if undeclared:
        raise where.error(f"the query uses undeclared parameter(s) {', '.join(':' + p for p in undeclared)}; declare them under params")
    unused = sorted(set(params) - used)
    if unused:
        raise where.error(f"params {', '.join(unused)} are not used in the query")
