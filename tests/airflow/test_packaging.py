"""Airflow finds the provider metadata, the plugin and the console script; DAG files parse cheaply."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import jsonschema


def test_provider_info_entry_point_matches_airflow_schema():
    [entry] = [e for e in entry_points(group="apache_airflow_provider") if e.value.startswith("quality_gates")]
    info = entry.load()()
    import airflow

    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(info, schema)
    assert info["package-name"] == "airflow-quality-gates"


def test_plugin_is_registered_and_loads(airflow_db):
    [entry] = [e for e in entry_points(group="airflow.plugins") if e.value.startswith("quality_gates")]
    plugin = entry.load()
    assert plugin.name == "quality_gates"
    from airflow import plugins_manager

    assert "quality_gates" in [info["name"] for info in plugins_manager.get_plugin_info()]
    assert not plugins_manager.get_import_errors()


def test_console_script_is_installed():
    executable = shutil.which("quality-gates") or str(Path(__import__("sys").executable).parent / "quality-gates")
    done = subprocess.run([executable, "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "infer-schema" in done.stdout


def test_example_dags_parse_without_the_numeric_stack(tmp_path):
    # The DAG processor parses every file often: the data libraries load when a gate runs.
    root = Path(__file__).resolve().parents[2]
    probe = (
        "import sys; sys.path.insert(0, 'dags'); import trip_duration_pipeline, fare_dispute_serving; "
        "print(sorted(m for m in ('pandas', 'numpy', 'scipy', 'polars', 'plotly') if m in sys.modules))"
    )
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path)}
    parsed = subprocess.run([sys.executable, "-c", probe], cwd=root, env=env, capture_output=True, text=True, check=True)
    assert parsed.stdout.strip().splitlines()[-1] == "[]"
