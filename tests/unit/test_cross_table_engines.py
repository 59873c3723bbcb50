"""The cross-table core on DuckDB (duckdb-engine) and on frames: the same answers as in SQLite."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from quality_gates.checks.cross_table import (
    FrameSide,
    SqlSide,
    aggregate_match,
    relationship,
    row_count_match,
)


def tables(engine: sa.Engine):
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE customers (id INTEGER)")
        connection.exec_driver_sql("INSERT INTO customers VALUES (1), (2), (3)")
        connection.exec_driver_sql("CREATE TABLE orders (id INTEGER, customer_id INTEGER, day VARCHAR, amount DOUBLE)")
        connection.exec_driver_sql("INSERT INTO orders VALUES (1, 1, 'a', 1.5), (2, 2, 'a', 2.5), (3, 9, 'b', 4.0), (4, NULL, 'b', 1.0)")
    columns = sa.column
    return (
        sa.table("orders", columns("id"), columns("customer_id"), columns("day"), columns("amount")),
        sa.table("customers", columns("id")),
    )


@pytest.mark.parametrize("url", ["duckdb:///:memory:", "sqlite://"])
def test_relationship_and_reconciliation_in_the_database(url):
    engine = sa.create_engine(url)
    orders, customers = tables(engine)
    child, parent = SqlSide("orders", engine, orders), SqlSide("customers", engine, customers)
    rel = relationship(child, ["customer_id"], parent, ["id"])
    assert (rel.status, rel.details["method"], rel.details["failing_rows"], rel.details["example_keys"]) == (
        "failed",
        "in-database anti-join",
        1,
        [9],
    )
    assert row_count_match(child, child).status == "passed"
    frame = pd.DataFrame({"day": ["a", "b"], "amount": [4.0, 5.0]})
    frames = FrameSide("frame", lambda columns: iter([frame[list(columns)] if columns else frame]))
    assert aggregate_match(frames, child, group_by=["day"], columns=["amount"]).status == "passed"
    # Across engines (frames vs database) keys are compared as hashes: 1 and 1.0 are the same key.
    floats = FrameSide("floats", lambda columns: iter([pd.DataFrame({"customer_id": [1.0, 2.0, None, 7.0]})]))
    across = relationship(floats, ["customer_id"], parent, ["id"])
    assert (across.details["method"], across.details["failing_rows"], across.details["example_keys"]) == ("hashed keys", 1, [7.0])
