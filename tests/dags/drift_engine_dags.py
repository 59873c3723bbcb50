"""DAG of the engine tests of the reference-profile and drift gates: the same trips as a
PostgreSQL table, a Parquet file scanned by DuckDB, and an in-memory frame (module level, as
Airflow 3.3 requires)."""

import datetime as dt

from airflow.sdk import DAG

from quality_gates.operators import DriftGateOperator, ReferenceProfileOperator, SkewGateOperator, StoredReference
from quality_gates.sources import CallableSource, FileSource, SqlSource

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
COLUMNS = ["fare", "passengers", "zone", "paid", "pickup"]


def trips(side: str = "reference", scenario: str = "good"):
    """The reference (3,000 trips) or the current day: every other reference trip, as serving logged
    it ("drifted": fares up 40% and a new zone, a serving bug that skew and drift both catch)."""
    import numpy as np
    import pandas as pd

    rows = 3_000
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "trip_id": np.arange(rows),
            "fare": rng.gamma(2.0, 6.0, rows).round(2),
            "passengers": rng.integers(1, 5, rows),
            "zone": rng.choice(["Downtown", "Airport", "Harbor"], rows, p=[0.6, 0.1, 0.3]),
            "paid": rng.random(rows) < 0.7,
            "pickup": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 86_400 * 7, rows), unit="s"),
        }
    )
    frame.loc[:19, "fare"] = np.nan
    if side == "current":
        frame = frame.iloc[::2].reset_index(drop=True)
    if scenario == "drifted":
        frame["fare"] = frame["fare"] * 1.4
        frame.loc[20:200, "zone"] = "Stadium"
    return frame


SOURCES = {
    "table": (SqlSource("warehouse", table="trips_reference"), SqlSource("warehouse", table="trips_current")),
    "parquet": (FileSource("{{ params.reference_path }}"), FileSource("{{ params.current_path }}")),
    "frame": (
        CallableSource(trips, op_kwargs={"side": "reference"}),
        CallableSource(trips, op_kwargs={"side": "current", "scenario": "{{ params.scenario }}"}),
    ),
}

with DAG(
    "drift_engines", schedule=None, start_date=START, params={"reference_path": "", "current_path": "", "scenario": "good"}
) as drift_engines:
    for engine, (reference, current) in SOURCES.items():
        ReferenceProfileOperator(
            task_id=f"reference_{engine}", source=reference, dataset=f"trips_{engine}", version="v1", columns=COLUMNS
        ) >> DriftGateOperator(
            task_id=f"drift_{engine}",
            current=current,
            reference=StoredReference(f"trips_{engine}", version="v1"),
            columns=COLUMNS,
            dataset=f"trips_{engine}",
        )
        # Keyed skew joins rows: it reads the key and the features it compares (COLUMN_VALUES).
        SkewGateOperator(
            task_id=f"skew_{engine}", training=reference, serving=current, key="trip_id", columns=COLUMNS, dataset=f"trips_{engine}"
        )
