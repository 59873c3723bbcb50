"""The schema gate's YAML sections beyond pandera: ``freshness:`` and ``sql_checks:``, run on the
gate's own source (SQL checks need a ``SqlSource``: they run on its connection)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quality_gates.checks.results import CheckResult
from quality_gates.sources.base import SourceConfigurationError
from quality_gates.sources.sql import SqlSource

if TYPE_CHECKING:
    import pandas as pd


def yaml_sections(schema: Any, base_dir: Path | None) -> Mapping[str, Any]:
    """The parsed top-level sections of a YAML schema (empty for schemas given as objects)."""
    if not (isinstance(schema, Path) or (isinstance(schema, str) and schema.endswith((".yaml", ".yml")))):
        return {}
    from quality_gates.checks.schema_yaml.parser import parse_schema_file

    path = Path(schema)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return parse_schema_file(path).sections


class NewestTracker:
    """Passes chunks through and remembers the newest value of a column (freshness of frames)."""

    def __init__(self, chunks: Iterator[pd.DataFrame], column: str, data: str):
        self._chunks, self.column, self.data = chunks, column, data
        self.newest: Any = None

    def __iter__(self) -> Iterator[pd.DataFrame]:
        from quality_gates.checks.freshness import newest_in_frames

        for chunk in self._chunks:
            newest, _ = newest_in_frames([chunk], self.column, self.data)
            if newest is not None and (self.newest is None or newest > self.newest):
                self.newest = newest
            yield chunk


def section_checks(
    sections: Mapping[str, Any], source: Any, *, render: Any, context: Any, row_count: int | None, newest_from_chunks: NewestTracker | None
) -> list[CheckResult]:
    from quality_gates.checks.freshness import FreshnessRule, judge_freshness
    from quality_gates.checks.sql_checks import run_sql_check
    from quality_gates.operators.freshness_gate import newest_in_sql, reference_time

    checks: list[CheckResult] = []
    if "freshness" in sections:
        rule = FreshnessRule(**sections["freshness"])
        newest = newest_from_chunks.newest if newest_from_chunks is not None else newest_in_sql(source, rule.column)
        checks += judge_freshness(rule, newest, reference_time(rule, context))
    if sections.get("sql_checks"):
        if not isinstance(source, SqlSource):
            first = sections["sql_checks"][0]
            raise SourceConfigurationError(
                f"{first.where()}: sql_checks run on the gate's database: give a SqlSource, not {source.describe()}"
            )
        engine = source.engine()
        for spec in sections["sql_checks"]:
            checks.append(run_sql_check(engine, spec, {k: render(v, context) for k, v in spec.params.items()}, rows_checked=row_count))
    return checks
