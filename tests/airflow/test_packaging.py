"""Airflow finds the provider metadata, the plugin and the console script."""

from __future__ import annotations

import json
import shutil
import subprocess
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
