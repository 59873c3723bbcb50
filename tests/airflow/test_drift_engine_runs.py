"""Reference-profile, drift and skew gates in real Airflow runs on a PostgreSQL table, a Parquet
file scanned by DuckDB and an in-memory frame: the same references, verdicts and check rows."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from tests.airflow.conftest import airflow_uri
from tests.dags.drift_engine_dags import trips

ENGINES = ("table", "parquet", "frame")


@pytest.fixture
def trips_everywhere(postgres_database, monkeypatch, tmp_path):
    """write(scenario) puts the reference and the current trips in PostgreSQL and in Parquet files."""
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", airflow_uri(postgres_database))
    engine = sa.create_engine(postgres_database)

    def write(scenario: str) -> dict[str, str]:
        paths = {}
        for side in ("reference", "current"):
            frame = trips(side, scenario if side == "current" else "good")
            frame.to_sql(f"trips_{side}", engine, if_exists="replace", index=False)
            paths[f"{side}_path"] = str(tmp_path / f"{side}_{scenario}.parquet")
            frame.to_parquet(paths[f"{side}_path"])
        return paths

    yield write
    engine.dispose()


def _rows(result) -> list[tuple]:
    return [(c.check_name, c.column, c.status, c.observed) for c in result.checks]


def test_reference_and_drift_gates_agree_on_a_table_a_parquet_file_and_a_frame(gate_store, trips_everywhere, run_dag):
    _, states = run_dag("drift_engines", scenario="good", **trips_everywhere("good"))
    assert states == {f"{gate}_{engine}": "success" for gate in ("reference", "drift", "skew") for engine in ENGINES}
    references = [gate_store.references.get(f"trips_{engine}", "v1") for engine in ENGINES]
    for reference in references[1:]:  # exact edges and counts wherever the data is
        for name, column in references[0].columns.items():
            other = reference.columns[name]
            assert (column.count, column.null_count) == (other.count, other.null_count), name
            if column.numeric is not None:
                np.testing.assert_array_equal(column.numeric.edges, other.numeric.edges)
                np.testing.assert_array_equal(column.numeric.counts, other.numeric.counts)
            else:
                assert dict(column.categories.counts) == dict(other.categories.counts)
    by_task = {(r.result.gate, r.result.dataset): r.result for r in gate_store.recent(dag_id="drift_engines", limit=9)}
    clean = [by_task[("drift", f"trips_{engine}")] for engine in ENGINES]
    assert {r.status for r in clean} == {"passed"}
    assert _rows(clean[0]) == _rows(clean[1]) == _rows(clean[2])
    assert _rows(by_task[("reference", "trips_table")]) == _rows(by_task[("reference", "trips_frame")])
    skew = [by_task[("skew", f"trips_{engine}")] for engine in ENGINES]
    assert {r.status for r in skew} == {"passed"} and _rows(skew[0]) == _rows(skew[1]) == _rows(skew[2])

    _, states = run_dag("drift_engines", scenario="drifted", **trips_everywhere("drifted"))
    assert {task: state for task, state in states.items() if not task.startswith("reference")} == {
        f"{gate}_{e}": "failed" for gate in ("drift", "skew") for e in ENGINES
    }
    newest_first = [r.result for r in gate_store.recent(dag_id="drift_engines", limit=18)]
    drifted = [next(r for r in newest_first if (r.gate, r.dataset) == ("drift", f"trips_{engine}")) for engine in ENGINES]
    skewed = [next(r for r in newest_first if (r.gate, r.dataset) == ("skew", f"trips_{engine}")) for engine in ENGINES]
    assert _rows(skewed[0]) == _rows(skewed[1]) == _rows(skewed[2])
    assert {(c.column, c.check_name) for c in skewed[0].problems} >= {("fare", "feature_skew"), ("zone", "feature_skew")}
    assert _rows(drifted[0]) == _rows(drifted[1]) == _rows(drifted[2])
    failed = {(c.column, c.check_name) for c in drifted[0].problems}
    assert {("fare", "drift_wasserstein"), ("zone", "unseen_categories"), (None, "dataset_drift")} <= failed
