"""One process of the lineage benchmark: dag.test() runs of a schema gate and a drift gate, with
the OpenLineage provider emitting to a file or disabled (decided once per process, as in Airflow).

Usage: python -m benchmarks.lineage_worker DAGS_FOLDER RUNS ROWS [without-gate-facets]
(environment set by benchmarks.lineage). ``without-gate-facets`` switches the gates' own lineage
off, so that the provider's events are emitted without them: the cost of the provider alone.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time

DAG_FILE = """
import datetime as dt

from airflow.sdk import DAG

from quality_gates.operators import DriftGateOperator, SchemaGateOperator
from quality_gates.sources import CallableSource

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def frame(rows="100000", seed="0"):
    from benchmarks.drift import features

    return features(int(rows), int(seed))


def orders(rows="100000"):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = int(rows)
    return pd.DataFrame({"order_id": np.arange(n), "amount": rng.gamma(2.0, 10.0, n), "status": rng.choice(["new", "paid", "shipped"], n)})


with DAG("bench_lineage_schema", schedule=None, start_date=START, params={"rows": "100000"}) as bench_lineage_schema:
    SchemaGateOperator(task_id="gate", source=CallableSource(orders, op_kwargs={"rows": "{{ params.rows }}"}), schema=SCHEMA,
                       dataset="bench_orders")

with DAG("bench_lineage_drift", schedule=None, start_date=START, params={"rows": "100000"}) as bench_lineage_drift:
    DriftGateOperator(task_id="gate", current=CallableSource(frame, op_kwargs={"rows": "{{ params.rows }}", "seed": "1"}),
                      reference=CallableSource(frame, op_kwargs={"rows": "{{ params.rows }}"}), dataset="bench_features", mode="warn")
"""

SCHEMA = """
schema_type: dataframe
columns:
  order_id: {dtype: int64, unique: true}
  amount: {dtype: float64, greater_than_or_equal_to: 0}
  status: {dtype: str, isin: [new, paid, shipped]}
"""


def write_dags(folder: str) -> None:
    from pathlib import Path

    (Path(folder) / "orders.yaml").write_text(SCHEMA)
    (Path(folder) / "bench_lineage_dags.py").write_text(DAG_FILE.replace("schema=SCHEMA", 'schema="orders.yaml"'))


def main(folder: str, runs: str, rows: str, variant: str = "") -> None:
    from airflow.dag_processing.dagbag import DagBag

    if variant == "without-gate-facets":
        from quality_gates.operators.lineage import OpenLineageGateMixin

        OpenLineageGateMixin.keep_lineage_facts = lambda self, *args, **kwargs: None  # type: ignore[method-assign]

    bag = DagBag(dag_folder=folder)
    timings: dict[str, list[float]] = {}
    day = 0
    for dag_id in ("bench_lineage_schema", "bench_lineage_drift"):
        dag = bag.get_dag(dag_id)
        for _ in range(int(runs) + 1):  # the first run warms the process up
            day += 1
            start = time.perf_counter()
            dag_run = dag.test(logical_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day), run_conf={"rows": rows})
            elapsed = time.perf_counter() - start
            states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
            assert states == {"gate": "success"}, states
            timings.setdefault(dag_id, []).append(elapsed)
        timings[dag_id] = timings[dag_id][1:]
    print("TIMINGS=" + json.dumps(timings))


if __name__ == "__main__":
    main(*sys.argv[1:])
