"""Schema gates on Parquet files in real Airflow runs: the checks run as one polars select over a
lazy scan, and every bad input of files is a recorded gate run naming the file and the problem."""

from __future__ import annotations

from tests.airflow.test_engine_gate_runs import orders_frame


def test_checks_of_a_parquet_file_run_in_one_polars_select_with_numbered_failure_cases(gate_store, run_dag, tmp_path):
    path = tmp_path / "orders.parquet"
    orders_frame(bad=3).to_parquet(path)
    _, states = run_dag("files_schema_polars", path=str(path))
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="files_schema_polars")
    check = {(c.check_name, c.column): c for c in stored.result.checks}[("greater_than_or_equal_to", "amount")]
    assert check.details["failing_rows"] == 3
    assert [case["row"] for case in check.details["failure_cases"]] == [0, 1, 2]  # row numbers, as the pandas path


def test_a_column_missing_from_the_file_is_named_and_its_checks_are_not_evaluated(gate_store, run_dag, tmp_path):
    path = tmp_path / "orders.parquet"
    orders_frame().drop(columns=["status"]).to_parquet(path)
    _, states = run_dag("files_schema_polars", path=str(path))
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="files_schema_polars")
    checks = {(c.check_name, c.column): c for c in stored.result.checks}
    assert checks[("column_present", "status")].status == "failed"
    assert checks[("column_present", "status")].observed == "missing"
    assert checks[("isin", "status")].status == "error"
    assert checks[("isin", "status")].details["message"] == "column 'status' is missing"


def test_check_without_polars_form_under_pushdown_require_is_a_recorded_configuration_error(gate_store, run_dag, tmp_path):
    path = tmp_path / "orders.parquet"
    orders_frame().to_parquet(path)
    _, states = run_dag("files_schema_require", path=str(path))
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="files_schema_require")
    assert stored.result.status == "error"
    assert stored.result.error == (
        f"file {path}: pushdown='require', but check 'whole_amount' on column 'amount' has no polars form; "
        "use pushdown='auto' to run it on slices of its columns"
    )


def test_files_whose_columns_differ_are_a_recorded_error(gate_store, run_dag, tmp_path):
    orders_frame().to_parquet(tmp_path / "part-1.parquet")
    orders_frame().drop(columns=["status"]).to_parquet(tmp_path / "part-2.parquet")
    _, states = run_dag("files_schema_polars", path=str(tmp_path / "part-*.parquet"))
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="files_schema_polars")
    assert stored.result.status == "error"
    assert stored.result.error == (
        f"{tmp_path / 'part-2.parquet'}: column 'status' of {tmp_path / 'part-1.parquet'} is missing: "
        "the files of one source must share a schema"
    )


def test_a_file_that_is_not_parquet_is_a_recorded_error(gate_store, run_dag, tmp_path):
    orders_frame().to_parquet(tmp_path / "part-1.parquet")
    (tmp_path / "part-2.parquet").write_text("order_id,amount\n1,2.0\n")
    _, states = run_dag("files_schema_polars", path=str(tmp_path / "part-*.parquet"))
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="files_schema_polars")
    assert stored.result.status == "error"
    assert stored.result.error.startswith(f"cannot read {tmp_path / 'part-2.parquet'}: ")
    assert "Parquet" in stored.result.error
