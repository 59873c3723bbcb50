"""Real runs (dag.test) for issue 11 findings 1 and 5, on the SQLite and the PostgreSQL store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

FORMS = ["yaml", "object", "model", "import_path"]


def runs(store, dag_id: str):
    with store.engine.connect() as connection:
        return connection.execute(text("SELECT id, status, row_count FROM gate_runs WHERE dag_id = :d ORDER BY id"), {"d": dag_id}).all()


def checks(store, gate_run_id: int) -> dict[tuple[str, str | None], str]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT check_name, column_name, status FROM check_results WHERE gate_run_id = :g"), {"g": gate_run_id}
        ).all()
    return {(r.check_name, r.column_name): r.status for r in rows}


@pytest.mark.parametrize("form", FORMS)
def test_every_schema_form_runs_in_airflow(gate_store, run_dag, form):
    dag_id = f"schema_form_{form}"
    _, states = run_dag(dag_id, scenario="good")
    assert states == {"gate": "success", "downstream": "success"}
    _, states = run_dag(dag_id, scenario="bad")
    assert states == {"gate": "failed", "downstream": "upstream_failed"}
    good, bad = runs(gate_store, dag_id)
    assert (good.status, good.row_count, bad.status, bad.row_count) == ("passed", 20, "failed", 20)
    assert checks(gate_store, bad.id)[("greater_than_or_equal_to", "amount")] == "failed"
    assert checks(gate_store, good.id)[("isin", "status")] == "passed"


def test_every_schema_form_runs_in_a_mapped_task(gate_store, run_dag):
    dag_run, _ = run_dag("schema_forms_mapped")
    assert str(dag_run.state) == "success"
    assert [(run.status, run.row_count) for run in runs(gate_store, "schema_forms_mapped")] == [("passed", 20)] * len(FORMS)


DUPLICATE_COLUMNS = (
    "callable orders returned duplicate column names: 'amount' (2 columns), 'status' (2 columns); "
    "rename or drop them (e.g. with SQL aliases) so that each column can be checked"
)


@pytest.mark.parametrize("dag_id", ["schema_form_yaml", "duplicate_columns_anomaly"])
def test_duplicate_column_names_are_a_recorded_error(gate_store, run_dag, dag_id):
    conf = {"scenario": "duplicate_columns"} if dag_id.startswith("schema_form") else {}
    dag_run, states = run_dag(dag_id, **conf)
    assert states == {"gate": "failed", "downstream": "upstream_failed"}
    assert dag_run.get_task_instance("gate").try_number == 1  # the same data would fail the same way
    [run] = gate_store.recent(dag_id=dag_id)
    assert (run.result.status.value, run.result.error, run.result.checks) == ("error", DUPLICATE_COLUMNS, ())


def test_duplicate_column_names_in_a_parquet_file_are_a_recorded_error(gate_store, run_dag, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "orders.parquet"
    columns = [pa.array([1, 2]), pa.array([1.0, 2.0]), pa.array([3.0, 4.0]), pa.array(["a", "b"]), pa.array(["c", "d"])]
    pq.write_table(pa.Table.from_arrays(columns, names=["order_id", "amount", "amount", "status", "status"]), path)
    dag_run, states = run_dag("duplicate_columns_anomaly_parquet", path=str(path))
    assert states == {"gate": "failed", "downstream": "upstream_failed"}
    [run] = gate_store.recent(dag_id="duplicate_columns_anomaly_parquet")
    assert run.result.error == DUPLICATE_COLUMNS.replace("callable orders", f"file {path}")


@pytest.mark.parametrize(
    ("mistake", "message"),
    [
        ("misspelt", "orders_misspelt.yaml, line 3: unknown key 'colums' (did you mean 'columns'?)"),
        (
            "twice",
            "orders_twice.yaml, line 7: duplicate key 'amount' in columns: also on line 2 (a second definition would silently replace the first)",
        ),
    ],
)
def test_schema_file_mistakes_fail_the_gate_with_file_and_line(gate_store, run_dag, dagbag, mistake, message):
    # Before: `colums:` gave an empty schema and the bad data passed; a second `amount` dropped its check.
    dag_run, states = run_dag(f"schema_yaml_{mistake}")
    assert states == {"gate": "failed", "downstream": "upstream_failed"}
    assert dag_run.get_task_instance("gate").try_number == 1
    [run] = gate_store.recent(dag_id=f"schema_yaml_{mistake}")
    folder = Path(dagbag.get_dag(f"schema_yaml_{mistake}").fileloc).parent
    assert (run.result.status.value, run.result.error) == ("error", f"{folder}/schemas/{message}")
