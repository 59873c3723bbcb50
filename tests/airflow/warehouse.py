"""A SQL database behind the Airflow connection 'warehouse', on the same backend as the store."""

from __future__ import annotations

import sqlalchemy as sa

from tests.airflow.conftest import airflow_uri


def warehouse_url(store_url: str, postgres_database: str) -> str:
    if store_url.startswith("postgresql"):
        return postgres_database
    return store_url.replace("quality_gates.db", "warehouse.db")


def point_warehouse(monkeypatch, url: str, conn_id: str = "warehouse") -> sa.Engine:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", airflow_uri(url))
    return sa.create_engine(url)


def reset_table(engine: sa.Engine, name: str, ddl: str, rows: list[dict] | None = None) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
        connection.exec_driver_sql(f"CREATE TABLE {name} ({ddl})")
        if rows:
            columns = list(rows[0])
            connection.execute(sa.text(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"), rows)
