"""A PostgreSQL results store the size of a busy deployment, generated inside the server.

100,000 gate runs and 1,000,000 check results, shaped like what the gates record: 69 DAGs with a
schema gate and an anomaly gate each on their own dataset, one run of each gate a day for two
years; the anomaly gates' 730 daily partitions per dataset profiled on 5 columns × 12 metrics.
Rows come from ``INSERT … SELECT … generate_series`` statements, so nothing crosses the wire row by row.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

GATE_RUNS = 100_000
CHECKS_PER_RUN = 10
DAYS = 730
GATES = 137  # gate tasks: GATE_RUNS / DAYS, rounded up; even ones are schema gates, odd ones anomaly gates
COLUMNS = ("amount", "quantity", "discount", "latency_ms", "score")
METRICS = ("null_fraction", "mean", "std", "min", "max", "p05", "p25", "p50", "p75", "p95", "zero_fraction", "distinct_ratio")

# Columns shared by the statements below: which gate (g), which day (d), and a stable pseudo-random
# number per run (h, 0..999) that decides its status: about 3% failed, 5% warned, the rest passed.
_RUNS = f"""
    SELECT n, (n - 1) % {GATES} AS g, (n - 1) / {GATES} AS d, (n * 2654435761) % 1000 AS h,
           current_date - {DAYS - 1} + (n - 1) / {GATES} AS day
    FROM generate_series(1, {GATE_RUNS}) AS n
"""
_STATUS = "CASE WHEN h < 30 THEN 'failed' WHEN h < 80 THEN 'warned' ELSE 'passed' END"
_DAG = "'dag_' || lpad((g / 2)::text, 3, '0')"
_DATASET = "'dataset_' || lpad((g / 2)::text, 3, '0')"

GATE_RUNS_SQL = f"""
INSERT INTO gate_runs (id, dag_id, task_id, run_id, map_index, try_number, dataset, partition_key, gate,
                       status, started_at, finished_at, row_count, summary)
SELECT n, {_DAG},
       CASE WHEN g % 2 = 0 THEN 'validate_orders' ELSE 'detect_anomalies' END,
       'scheduled__' || to_char(day, 'YYYY-MM-DD') || 'T00:00:00+00:00', -1, 1, {_DATASET},
       to_char(day, 'YYYY-MM-DD'), CASE WHEN g % 2 = 0 THEN 'schema' ELSE 'anomaly' END, {_STATUS},
       day + interval '1 hour' + g * interval '13 seconds', day + interval '1 hour' + g * interval '13 seconds' + interval '41 seconds',
       100000 + h * 37,
       jsonb_build_object(
           'gate', CASE WHEN g % 2 = 0 THEN 'schema' ELSE 'anomaly' END, 'dataset', {_DATASET},
           'partition_key', to_char(day, 'YYYY-MM-DD'), 'status', {_STATUS}, 'row_count', 100000 + h * 37,
           'checks', {CHECKS_PER_RUN}, 'error', NULL,
           'counts', jsonb_build_object('passed', CASE WHEN h < 80 THEN 8 ELSE 10 END, 'warned', CASE WHEN h >= 30 AND h < 80 THEN 2 ELSE 0 END,
                                        'failed', CASE WHEN h < 30 THEN 2 ELSE 0 END, 'error', 0),
           'problems', CASE WHEN h < 80 THEN jsonb_build_array(
               jsonb_build_object('check', 'greater_than_or_equal_to', 'column', 'amount', 'status', {_STATUS},
                                  'expected', '>= 0', 'observed', (h * 11) || ' of 100000 rows fail, e.g. -1.5',
                                  'failing_fraction', h * 0.00011),
               jsonb_build_object('check', 'isin', 'column', 'status', 'status', {_STATUS},
                                  'expected', 'one of [''new'', ''paid'', ''shipped'']', 'observed', h || ' of 100000 rows fail, e.g. ''lost''',
                                  'failing_fraction', h * 0.00001)) ELSE '[]'::jsonb END)
FROM ({_RUNS}) AS runs
"""

# Per run, CHECKS_PER_RUN checks (k = 1..10): checks 5 and 6 carry the run's problems.
_SCHEMA_CHECKS = (
    "ARRAY['column_present','dtype','not_nullable','unique','greater_than_or_equal_to','isin','less_than','str_length',"
    "'not_nullable','no_extra_columns']"
)
_ANOMALY_CHECKS = (
    "ARRAY['partition_anomaly','mean','std','min','negative_fraction','p05','p95','null_fraction','distinct_ratio','row_count']"
)
_CHECK_COLUMNS = "ARRAY['order_id','order_id','order_id','order_id','amount','status','quantity','status','amount',NULL]"
CHECK_RESULTS_SQL = f"""
INSERT INTO check_results (id, gate_run_id, check_name, column_name, status, severity, observed, expected, details)
SELECT (n - 1) * {CHECKS_PER_RUN} + k, n,
       CASE WHEN g % 2 = 0 THEN ({_SCHEMA_CHECKS})[k] ELSE ({_ANOMALY_CHECKS})[k] END,
       ({_CHECK_COLUMNS})[k],
       CASE WHEN k IN (5, 6) THEN {_STATUS} ELSE 'passed' END,
       CASE WHEN k IN (5, 6) AND h >= 30 AND h < 80 THEN 'warning' ELSE 'error' END,
       CASE WHEN k IN (5, 6) AND h < 80 THEN (h * 11) || ' of 100000 rows fail' ELSE '0 failing rows' END,
       CASE WHEN k = 5 THEN '>= 0' WHEN k = 6 THEN 'one of [''new'', ''paid'', ''shipped'']' ELSE 'no failures' END,
       CASE WHEN k IN (5, 6) AND h < 80 THEN jsonb_build_object(
                'rows_checked', 100000, 'failing_rows', h * 11, 'failing_fraction', h * 0.00011,
                'failure_cases', (SELECT jsonb_agg(jsonb_build_object('row', r * 97, 'value', -1.5 * r)) FROM generate_series(1, 5) AS r))
            ELSE jsonb_build_object('rows_checked', 100000, 'failing_rows', 0, 'failing_fraction', 0.0) END
FROM ({_RUNS}) AS runs, generate_series(1, {CHECKS_PER_RUN}) AS k
"""

# One partition per anomaly-gate run; failed ones are out of the baseline, a few were judged by a person.
PARTITIONS_SQL = f"""
INSERT INTO partitions (id, dataset, partition_key, gate_run_id, baseline_status, row_count, profile, profiled_at,
                        status_changed_by, status_changed_at, status_note)
SELECT n, {_DATASET}, to_char(day, 'YYYY-MM-DD'), n,
       CASE WHEN h < 10 THEN 'confirmed_bad' WHEN h < 20 THEN 'false_alarm' WHEN h < 30 THEN 'excluded' ELSE 'included' END,
       100000 + h * 37,
       jsonb_build_object('version', 1, 'row_count', 100000 + h * 37, 'partition_key', to_char(day, 'YYYY-MM-DD'),
                          'columns', (SELECT jsonb_object_agg(c, jsonb_build_object('kind', 'numeric', 'metrics',
                                        (SELECT jsonb_object_agg(m, round((10 + random())::numeric, 4)) FROM unnest(:metrics) AS m)))
                                      FROM unnest(:columns) AS c)),
       day + interval '1 hour',
       CASE WHEN h < 20 THEN 'oncall' END, CASE WHEN h < 20 THEN day + interval '5 hours' END,
       CASE WHEN h < 20 THEN 'checked with the source team' END
FROM ({_RUNS}) AS runs
WHERE g % 2 = 1
"""

# The long form the charts read: one row per partition, column and metric. Values follow a weekly
# cycle with noise; flagged partitions are shifted so that charts show them standing out.
PARTITION_PROFILES_SQL = f"""
INSERT INTO partition_profiles (partition_id, dataset, partition_key, column_name, metric, value)
SELECT p.id, p.dataset, p.partition_key, c.name, m.name,
       (10 + c.i + m.i) * (1 + 0.1 * sin(2 * pi() * (p.id / {GATES}) / 7.0) + 0.03 * random())
       * CASE WHEN p.baseline_status IN ('excluded', 'confirmed_bad') THEN 1.6 ELSE 1 END
FROM partitions AS p,
     unnest(:columns) WITH ORDINALITY AS c(name, i),
     unnest(:metrics) WITH ORDINALITY AS m(name, i)
"""

TABLES = ("partition_profiles", "partitions", "check_results", "gate_runs")


def seed(engine: Engine) -> dict[str, float]:
    """Empty the store's tables and fill them; returns seconds per table."""
    timings: dict[str, float] = {}
    arrays = {"columns": list(COLUMNS), "metrics": list(METRICS)}
    with engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
        connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        connection.exec_driver_sql("SELECT setseed(0.42)")
        connection.exec_driver_sql(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        for table, sql in (
            ("gate_runs", GATE_RUNS_SQL),
            ("check_results", CHECK_RESULTS_SQL),
            ("partitions", PARTITIONS_SQL),
            ("partition_profiles", PARTITION_PROFILES_SQL),
        ):
            start = time.perf_counter()
            with _secondary_indexes_rebuilt(connection, table):
                connection.execute(text(sql), arrays if ":columns" in sql else {})
            timings[table] = time.perf_counter() - start
        for table in ("gate_runs", "check_results", "partitions"):  # ids were given explicitly
            connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    start = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in TABLES:
            connection.exec_driver_sql(f"VACUUM ANALYZE {table}")
    timings["vacuum analyze"] = time.perf_counter() - start
    return timings


@contextmanager
def _secondary_indexes_rebuilt(connection: Connection, table: str) -> Iterator[None]:
    """Drop a table's indexes and constraints other than its primary key, put them back after.

    Building an index once over millions of rows is about twice as fast as updating it row by
    row. The definitions are read from the catalog, so whatever the migrations created (the UI's
    indexes of migration 0004 included) is what gets rebuilt.
    """
    constraints = connection.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) AND contype IN ('u', 'f')"
        ),
        {"t": table},
    ).all()
    indexes = connection.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = CAST(:t AS regclass))"
        ),
        {"t": table},
    ).all()
    quote = connection.dialect.identifier_preparer.quote
    for name, _ in constraints:
        connection.exec_driver_sql(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    for name, _ in indexes:
        connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
    yield
    for _, definition in indexes:
        connection.exec_driver_sql(definition)
    for name, definition in constraints:
        connection.exec_driver_sql(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


def record_path_seconds(store, runs: int = 200) -> float:
    """Seconds per gate run (with its CHECKS_PER_RUN checks) written the way gates write them,
    through ``ResultStore.record``: the baseline the generated seeding is compared with. The runs
    go to a DAG Airflow does not know and are deleted afterwards."""
    import datetime as dt

    from quality_gates.checks.results import CheckResult, GateResult, RunIdentity, Severity, Status

    now = dt.datetime.now(dt.UTC)
    checks = tuple(
        CheckResult(
            f"check_{k}",
            "amount",
            Status.PASSED,
            Severity.ERROR,
            "0 failing rows",
            ">= 0",
            {"rows_checked": 100_000, "failing_rows": 0, "failing_fraction": 0.0},
        )
        for k in range(CHECKS_PER_RUN)
    )
    result = GateResult("schema", "record_path", "2024-01-01", checks, 100_000, now, now)
    start = time.perf_counter()
    for n in range(runs):
        store.record(RunIdentity("bench_record_path", "validate", f"run_{n}"), result)
    seconds = (time.perf_counter() - start) / runs
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM gate_runs WHERE dag_id = 'bench_record_path'"))  # checks cascade
    return seconds


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one() for table in TABLES}
