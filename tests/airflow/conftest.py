from __future__ import annotations

import datetime as dt
import itertools
import os

import pytest
from sqlalchemy.engine import make_url

_counter = itertools.count()


def airflow_uri(store_url: str) -> str:
    """The Airflow connection URI for one of our SQLAlchemy store URLs."""
    url = make_url(store_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{url.database}"
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    assert not bag.import_errors, bag.import_errors
    return bag


@pytest.fixture
def gate_store(store_url, store, monkeypatch):
    """Point the default results store connection of the gates at ``store``."""
    monkeypatch.setenv("AIRFLOW_CONN_QUALITY_GATES_DEFAULT", airflow_uri(store_url))
    return store


def run_dag_on(dagbag, dag_id: str, logical_date: dt.datetime, **conf):
    dag_run = dagbag.get_dag(dag_id).test(logical_date=logical_date, run_conf=conf)
    return dag_run, {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}


@pytest.fixture
def run_dag(dagbag):
    """Run a DAG of tests/dags with dag.test(); returns (dag_run, {task_id: state})."""

    def run(dag_id: str, **conf):
        # A distinct logical date per run keeps runs of the same DAG apart.
        logical_date = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=next(_counter))
        return run_dag_on(dagbag, dag_id, logical_date, **conf)

    return run
