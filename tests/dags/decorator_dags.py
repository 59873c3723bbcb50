"""DAGs of @task.quality_gate (module level, as dag.test() requires)."""

import datetime as dt

from airflow.sdk import DAG, task

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def orders(scenario: str = "good"):
    import pandas as pd

    frame = pd.DataFrame({"order_id": range(30), "amount": [10.0] * 30, "status": ["paid"] * 30})
    if scenario == "bad":
        frame.loc[:3, "amount"] = -1.0
    return frame


def remember_warning(context):
    """on_warning_callback: note the gate's status in the file the run's params name."""
    summary = context["ti"].xcom_pull(task_ids=context["ti"].task_id, key="quality_gate_summary")
    with open(context["params"]["warnings_file"], "a") as notes:
        notes.write(f"{context['ti'].task_id}: {summary['status']}\n")


for _mode in ("fail", "warn"):
    with DAG(f"decorated_gate_{_mode}", schedule=None, start_date=START, params={"scenario": "good", "warnings_file": "/dev/null"}) as _dag:

        @task.quality_gate(schema="orders.yaml", dataset="decorated_orders", mode=_mode, on_warning_callback=remember_warning)
        def extract_orders(scenario):
            return orders(scenario)

        @task
        def total_amount(frame):
            return float(frame["amount"].sum())

        total_amount(extract_orders("{{ params.scenario }}"))
    globals()[f"decorated_gate_{_mode}"] = _dag


with DAG("decorated_gate_path", schedule=None, start_date=START, params={"folder": "/tmp"}) as decorated_gate_path:

    @task.quality_gate(schema="orders.yaml", dataset="decorated_orders_file")
    def write_orders(folder, ds=None):
        path = f"{folder}/orders_{ds}.parquet"
        orders().to_parquet(path)
        return path

    @task
    def row_count(path):
        import pandas as pd

        return len(pd.read_parquet(path))

    row_count(write_orders("{{ params.folder }}"))


with DAG("decorated_gate_wrong_return", schedule=None, start_date=START) as decorated_gate_wrong_return:

    @task.quality_gate(schema="orders.yaml")
    def orders_as_records():
        return orders().to_dict("records")

    orders_as_records()


with DAG("decorated_gate_anomaly", schedule=None, start_date=START, params={"corruption": "none"}) as decorated_gate_anomaly:

    @task.quality_gate(schema="orders.yaml", anomaly={"min_history": 4, "cold_start": "pass"}, dataset="decorated_daily_orders")
    def daily_orders(corruption, ds=None):
        import numpy as np

        rng = np.random.default_rng(int(ds.replace("-", "")))
        frame = orders()
        frame = frame.loc[frame.index.repeat(20)].reset_index(drop=True)
        frame["order_id"] = range(len(frame))
        frame["amount"] = rng.gamma(2.0, 10.0, len(frame)).round(2)
        if corruption == "tenfold":  # still valid for the schema: only the history shows it
            frame["amount"] *= 10
        return frame

    daily_orders("{{ params.corruption }}")
