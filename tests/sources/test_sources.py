"""Sources outside Airflow runs: files, callables and SQL connections."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
import sqlalchemy as sa

from quality_gates.sources import CallableSource, FileSource, SourceConfigurationError, SourceError, SqlSource


@pytest.fixture
def frame():
    return pd.DataFrame({"id": range(25), "name": [f"n{i}" for i in range(25)], "score": [i / 2 for i in range(25)]})


def test_parquet_is_read_in_chunks(tmp_path, frame):
    path = tmp_path / "part.parquet"
    frame.to_parquet(path)
    chunks = list(FileSource(str(path)).read_chunks(10))
    assert [len(c) for c in chunks] == [10, 10, 5]
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), frame, check_dtype=False)


def test_empty_parquet_keeps_its_columns(tmp_path, frame):
    path = tmp_path / "empty.parquet"
    frame.iloc[:0].to_parquet(path)
    [chunk] = list(FileSource(path).read_chunks())
    assert (len(chunk), list(chunk.columns)) == (0, ["id", "name", "score"])


def test_csv_and_compressed_csv(tmp_path, frame):
    frame.to_csv(tmp_path / "part.csv", index=False)
    frame.to_csv(tmp_path / "part.csv.gz", index=False)
    for name in ("part.csv", "part.csv.gz"):
        [chunk] = list(FileSource(str(tmp_path / name)).read_chunks())
        assert len(chunk) == 25


def test_object_storage_paths_go_through_airflow(tmp_path, frame):
    frame.to_parquet(tmp_path / "remote.parquet")
    chunks = list(FileSource(f"file://{tmp_path}/remote.parquet").read_chunks(100))
    assert sum(len(c) for c in chunks) == 25


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(SourceError, match=r"^file not found: .*/nope\.parquet$"):
        list(FileSource(str(tmp_path / "nope.parquet")).read_chunks())
    with pytest.raises(SourceConfigurationError, match="cannot tell the format from the name"):
        list(FileSource(str(tmp_path / "data.bin")).read_chunks())
    with pytest.raises(SourceConfigurationError, match="unknown format 'xlsx'"):
        list(FileSource(str(tmp_path / "data.bin"), format="xlsx").read_chunks())


def test_corrupt_parquet_is_a_source_error(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(SourceError, match=f"cannot read {path}"):
        list(FileSource(str(path)).read_chunks())


def test_callable_source_frames_and_chunk_generators(frame):
    assert len(next(CallableSource(lambda: frame).read_chunks())) == 25
    chunks = list(CallableSource(lambda n: (frame.iloc[i : i + n] for i in range(0, 25, n)), {"n": 10}).read_chunks())
    assert [len(c) for c in chunks] == [10, 10, 5]


def test_callable_source_returning_the_wrong_type():
    def rows():
        return [{"id": 1}]

    with pytest.raises(SourceError, match=r"callable .*rows yielded dict as chunk 0, expected a pandas DataFrame"):
        list(CallableSource(rows).read_chunks())
    with pytest.raises(SourceError, match="returned NoneType, expected a pandas DataFrame"):
        list(CallableSource(lambda: None).read_chunks())


def test_sql_source_needs_exactly_one_of_sql_and_table():
    with pytest.raises(SourceConfigurationError, match="exactly one of sql= or table="):
        SqlSource("db")
    with pytest.raises(SourceConfigurationError, match="exactly one of sql= or table="):
        SqlSource("db", sql="select 1", table="t")


def test_sql_identifiers_are_quoted_and_values_bound():
    source = SqlSource("db", table="Sales Schema.Order Lines", where={"Day": "x'; drop table t; --"})
    compiled = source.statement().compile(dialect=sa.dialects.postgresql.dialect())
    assert str(compiled).split() == ["SELECT", "*", "FROM", '"Sales', 'Schema"."Order', 'Lines"', "WHERE", '"Day"', "=", "%(where_0)s"]
    assert compiled.params == {"where_0": "x'; drop table t; --"}


def test_connection_that_does_not_exist(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_NOPE", raising=False)
    with pytest.raises(SourceConfigurationError, match="^Airflow connection 'nope' does not exist$"):
        list(SqlSource("nope", table="t").read_chunks())


@pytest.fixture
def sqlite_warehouse(tmp_path, monkeypatch, frame):
    path = tmp_path / "warehouse.db"
    frame.to_sql("scores", sa.create_engine(f"sqlite:///{path}"), index=False)
    monkeypatch.setenv("AIRFLOW_CONN_LITE", f"sqlite:///{path}")
    return path


def test_sql_table_query_and_text_condition(sqlite_warehouse):
    assert [len(c) for c in SqlSource("lite", table="scores").read_chunks(10)] == [10, 10, 5]
    assert len(next(SqlSource("lite", sql="SELECT * FROM scores WHERE id < :n", parameters={"n": 3}).read_chunks())) == 3
    where = SqlSource("lite", table="scores", where="score >= :low", parameters={"low": 10})
    assert sum(len(c) for c in where.read_chunks()) == 5


def test_sql_table_that_does_not_exist(sqlite_warehouse):
    with pytest.raises(SourceError, match=r"^table missing_table does not exist \(connection 'lite'\)$"):
        list(SqlSource("lite", table="missing_table").read_chunks())
    with pytest.raises(SourceError, match=r"^cannot read query \(connection 'lite'\): .*no such table: missing_table"):
        list(SqlSource("lite", sql="SELECT * FROM missing_table").read_chunks())


def test_infer_schema_cli_writes_a_schema_the_gate_loads(tmp_path, frame):
    from quality_gates.checks.schema_loader import load_schema
    from quality_gates.checks.schema_validation import validate_schema

    frame.to_parquet(tmp_path / "part.parquet")
    out = tmp_path / "inferred.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "quality_gates.cli", "infer-schema", str(tmp_path / "part.parquet"), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "(3 columns)" in done.stdout
    schema = load_schema(out)
    assert list(schema.columns) == ["id", "name", "score"]
    assert {c.status.value for c in validate_schema([frame], schema).checks} == {"passed"}


def test_infer_schema_cli_from_a_sql_connection(sqlite_warehouse):
    done = subprocess.run(
        [sys.executable, "-m", "quality_gates.cli", "infer-schema", "--conn-id", "lite", "--sql", "SELECT id, score FROM scores"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "columns:" in done.stdout and "score:" in done.stdout


def test_infer_schema_cli_reports_a_missing_file(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "quality_gates.cli", "infer-schema", str(tmp_path / "none.csv")], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.strip() == f"quality-gates: file not found: {tmp_path / 'none.csv'}"


def test_files_say_where_they_can_be_computed(tmp_path, frame):
    from quality_gates.engines import Capability

    frame.to_parquet(tmp_path / "part.parquet")
    frame.to_csv(tmp_path / "part.csv", index=False)
    parquet = FileSource(str(tmp_path / "part.parquet"))
    assert parquet.compute().capability is Capability.DUCKDB  # scanned in place
    assert parquet.compute("polars").capability is Capability.POLARS
    assert parquet.compute("pandas").capability is Capability.PANDAS
    # CSV keeps pandas' type inference; object storage is read in chunks.
    assert FileSource(str(tmp_path / "part.csv")).compute().capability is Capability.PANDAS
    assert FileSource(f"file://{tmp_path}/part.parquet").compute().capability is Capability.PANDAS
    with pytest.raises(SourceError, match=f"file not found: {tmp_path / 'missing.parquet'}"):
        FileSource(str(tmp_path / "missing.parquet")).compute()
    with pytest.raises(SourceConfigurationError, match="engine must be one of auto, duckdb, polars, pandas, not 'spark'"):
        parquet.compute("spark")
