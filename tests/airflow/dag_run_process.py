"""Run one DAG of tests/dags with dag.test() in a fresh process and print its task states as JSON.

The OpenLineage provider decides once per process, when its plugin loads, whether to emit; a fresh
process is how a test gets a real listener with the transport the test configured.
Usage: python -m tests.airflow.dag_run_process DAG_ID ISO_LOGICAL_DATE [CONF_JSON]
"""

import datetime as dt
import json
import os
import sys

from airflow.dag_processing.dagbag import DagBag


def main(dag_id: str, logical_date: str, conf: str = "{}") -> None:
    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    dag_run = bag.get_dag(dag_id).test(logical_date=dt.datetime.fromisoformat(logical_date), run_conf=json.loads(conf))
    print("TASK_STATES=" + json.dumps({ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}))


if __name__ == "__main__":
    main(*sys.argv[1:])
