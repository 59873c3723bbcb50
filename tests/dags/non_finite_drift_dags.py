"""DAG of the drift gate test with ±inf and huge values (module level, for dag.test())."""

import datetime as dt

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from quality_gates.operators import DriftGateOperator
from quality_gates.sources import CallableSource

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def fares(rows: int = 2_000, seed: int = 0, scenario: str = "clean"):
    import numpy as np
    import pandas as pd

    values = np.random.default_rng(seed).gamma(2.0, 3.0, rows)
    if scenario == "half_inf":  # a unit conversion that divides by zero on every other row
        values[::2] = np.inf
    elif scenario == "inf_and_huge":
        values[:200], values[200:400] = np.inf, 1e308
    return pd.DataFrame({"fare": values})


with DAG("drift_gate_non_finite", schedule=None, start_date=START, params={"scenario": "clean"}) as drift_gate_non_finite:
    DriftGateOperator(
        task_id="gate",
        current=CallableSource(fares, op_kwargs={"seed": 1, "scenario": "{{ params.scenario }}"}),
        reference=CallableSource(fares, op_kwargs={"rows": 4_000}),
        dataset="fares",
    ) >> EmptyOperator(task_id="train")
