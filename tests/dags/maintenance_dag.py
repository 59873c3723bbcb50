"""The example maintenance DAG of dags/ (an Airflow DAG), loaded here so that dag.test() runs it from this folder."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "quality_gates_maintenance_example", Path(__file__).resolve().parents[2] / "dags" / "quality_gates_maintenance.py"
)
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
quality_gates_maintenance = _module.dag
