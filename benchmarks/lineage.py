"""OpenLineage's cost on gate runs (issue 15, item 1), side by side with the same gates without it.

1. End to end: ``dag.test()`` of a schema gate (100k rows) and a drift gate (100k × 50 columns)
   in fresh processes: OpenLineage disabled (the baseline); the provider emitting its events to a
   file with the gates' facets switched off (what the provider itself costs); and with them (this
   feature). Median wall time of a run, warm process.
2. The lineage work alone, in process, next to the gate work it follows, at 1M rows × 50 columns:
   the drift gate's current-side column metrics (computed only for OpenLineage) vs the drift
   comparison; turning an anomaly profile into column metrics vs profiling; building the facts,
   facets and the event JSON of a gate run vs validating the schema.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import markdown_table, median_seconds, write_results

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
E2E_ROWS = 100_000
ROWS = 1_000_000


def end_to_end(rows: int = E2E_ROWS, runs: int = RUNS) -> dict[str, dict[str, float]]:
    from benchmarks.lineage_worker import write_dags

    medians: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as home:
        dags = Path(home) / "dags"
        dags.mkdir()
        write_dags(str(dags))
        env = {
            **os.environ,
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "AIRFLOW_CONN_QUALITY_GATES_DEFAULT": f"sqlite:///{home}/quality_gates.db",
        }
        env = {k: v for k, v in env.items() if not k.startswith(("OPENLINEAGE", "AIRFLOW__OPENLINEAGE"))}
        subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, check=True, capture_output=True)
        events = Path(home) / "events.jsonl"
        to_file = {"AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps({"type": "file", "log_file_path": str(events), "append": True})}
        for label, extra, variant in (
            ("OpenLineage disabled", {}, ""),
            ("provider's events only", to_file, "without-gate-facets"),
            ("OpenLineage to a file", to_file, ""),
        ):
            done = subprocess.run(
                [sys.executable, "-m", "benchmarks.lineage_worker", str(dags), str(runs), str(rows), variant],
                env={**env, **extra},
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            if done.returncode:
                raise RuntimeError(f"{label}: the benchmark process failed:\n{done.stderr[-3000:]}")
            timings = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("TIMINGS=")).removeprefix("TIMINGS="))
            medians[label] = {dag_id: statistics.median(values) for dag_id, values in timings.items()}
    return medians


def in_process(rows: int = ROWS) -> list[dict]:
    import pandas as pd
    from openlineage.client.serde import Serde

    from benchmarks.drift import features
    from quality_gates.checks.drift import compare_with_reference
    from quality_gates.checks.profiles import profile_partition
    from quality_gates.checks.profiles.reference import profile_reference
    from quality_gates.checks.results import GateResult
    from quality_gates.checks.schema_validation import validate_schema
    from quality_gates.lineage.facets import operator_lineage
    from quality_gates.lineage.facts import DatasetName, gate_facts, metrics_from_frame, metrics_from_profile

    reference, current = features(rows, 0), features(rows, 1)
    stored = profile_reference(reference)
    report = compare_with_reference(stored, current)
    profile = profile_partition(current)
    schema = _schema(current)
    validation = validate_schema([current], schema)
    now = pd.Timestamp.now(tz="UTC").to_pydatetime()
    result = GateResult("schema", "bench", "2024-01-01", tuple(validation.checks), validation.row_count, now, now)

    def facets_json():
        facts = gate_facts(
            result,
            gate_run_id=1,
            mode="fail",
            report_url="http://localhost:8080/x",
            column_metrics=metrics_from_profile(profile),
            inputs=[DatasetName("file", "/data/bench.parquet")],
        )
        lineage = operator_lineage(facts)
        return Serde.to_json(lineage.inputs[0]) + Serde.to_json(lineage.run_facets["qualityGate"])

    return [
        {
            "what": f"drift gate, {rows:,} × {current.shape[1]} columns: current-side column metrics vs the drift comparison",
            "lineage_s": median_seconds(lambda: metrics_from_frame(current, report.compared), repeats=3),
            "gate_s": median_seconds(lambda: compare_with_reference(stored, current), repeats=3),
        },
        {
            "what": f"anomaly gate, {rows:,} × {current.shape[1]} columns: column metrics from its profile vs profiling",
            "lineage_s": median_seconds(lambda: metrics_from_profile(profile), repeats=5),
            "gate_s": median_seconds(lambda: profile_partition(current), repeats=3),
        },
        {
            "what": f"schema gate, {rows:,} × {current.shape[1]} columns ({len(result.checks)} checks): facts, facets and event JSON vs validation",
            "lineage_s": median_seconds(facets_json, repeats=5),
            "gate_s": median_seconds(lambda: validate_schema([current], schema), repeats=3),
        },
    ]


def _schema(frame):
    import pandera.pandas as pa

    return pa.DataFrameSchema({name: pa.Column(frame[name].dtype, nullable=True) for name in frame.columns})


def main(e2e_rows: int = E2E_ROWS, rows: int = ROWS, runs: int = RUNS) -> str:
    e2e = end_to_end(e2e_rows, runs)
    parts = in_process(rows)
    off, provider, on = e2e["OpenLineage disabled"], e2e["provider's events only"], e2e["OpenLineage to a file"]
    table_rows = []
    for kind, dag_id in (("schema", "bench_lineage_schema"), ("drift (50 columns)", "bench_lineage_drift")):
        what = f"dag.test() of a {kind} gate, {e2e_rows:,} rows, median of {runs} warm runs"
        table_rows += [
            [
                f"{what}: gate facets vs OpenLineage disabled",
                f"{on[dag_id]:.3f} s",
                f"{off[dag_id]:.3f} s",
                f"{on[dag_id] / off[dag_id]:.2f}×",
            ],
            [
                f"{what}: gate facets vs the provider's events without them",
                f"{on[dag_id]:.3f} s",
                f"{provider[dag_id]:.3f} s",
                f"{on[dag_id] / provider[dag_id]:.2f}×",
            ],
        ]
    table_rows += [[p["what"], f"{p['lineage_s']:.3f} s", f"{p['gate_s']:.3f} s", f"{p['lineage_s'] / p['gate_s']:.3f}×"] for p in parts]
    table = markdown_table(["measurement", "with lineage / lineage work", "without / the gate's own work", "ratio"], table_rows)
    write_results("lineage", "OpenLineage facets: cost on gate runs (issue 15)", table, {"end_to_end": e2e, "in_process": parts})
    return table


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:3]]
    print(main(*sizes))
