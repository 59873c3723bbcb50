"""Duplicate column names (issue 11 finding 5): one clear error naming the columns and the data."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest
import sqlalchemy as sa

from quality_gates.checks.errors import DuplicateColumnsError
from quality_gates.checks.profiles import profile_partition
from quality_gates.checks.profiles.sql_engine import profile_sql
from quality_gates.checks.schema_validation import validate_schema
from quality_gates.sources import CallableSource
from quality_gates.sources.base import read_frame

FRAME = pd.DataFrame([[1, 2.0, 3.0, "x"]], columns=["id", "amount", "amount", "status"])
MESSAGE = "{data} returned duplicate column names: 'amount' (2 columns); rename or drop them (e.g. with SQL aliases) so that each column can be checked"


def test_schema_validation_names_the_duplicated_columns_and_the_data():
    schema = pa.DataFrameSchema({"amount": pa.Column(float)})
    with pytest.raises(DuplicateColumnsError) as error:
        validate_schema([FRAME], schema, data="table orders (connection 'warehouse')")
    assert str(error.value) == MESSAGE.format(data="table orders (connection 'warehouse')")
    assert error.value.counts == {"amount": 2}


@pytest.mark.parametrize("engine", ["pandas", "polars"])
def test_profiles_refuse_duplicate_columns(engine):
    with pytest.raises(DuplicateColumnsError) as error:
        profile_partition(FRAME, engine=engine)
    assert str(error.value) == MESSAGE.format(data="the data")


def test_sql_profile_refuses_a_query_with_duplicate_columns(postgres_database):
    # PostgreSQL keeps both names (SQLite and DuckDB rename the second: 'amount:1', 'amount_1').
    engine = sa.create_engine(postgres_database)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS duplicate_columns")
        connection.exec_driver_sql("CREATE TABLE duplicate_columns (id INTEGER, amount REAL)")
        connection.exec_driver_sql("INSERT INTO duplicate_columns VALUES (1, 2.0)")
    with pytest.raises(DuplicateColumnsError) as error:
        profile_sql(engine, sa.text("SELECT id, amount, amount FROM duplicate_columns"), data="query on 'warehouse'")
    engine.dispose()
    assert str(error.value) == MESSAGE.format(data="query on 'warehouse'")


def test_read_frame_names_the_source():
    def joined():
        return FRAME

    with pytest.raises(DuplicateColumnsError) as error:
        read_frame(CallableSource(joined))
    assert str(error.value) == MESSAGE.format(data="callable test_read_frame_names_the_source.<locals>.joined")
