"""The UI ships with the package: templates and static files are in the wheel, plotly.js comes from plotly."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from quality_gates.ui_links import quality_report_url

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_the_pages_and_their_assets(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("setup.py", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "quality_gates", source / "quality_gates", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"), str(source)],
        check=True,
        capture_output=True,
    )
    [wheel] = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {p.name for p in (ROOT / "quality_gates/plugin/templates").glob("*.html")}
    assert {f"quality_gates/plugin/templates/{t}" for t in templates} <= names
    assert {"quality_gates/plugin/static/qg.css", "quality_gates/plugin/static/qg.js"} <= names
    assert "quality_gates/store/migrations/versions/0004_ui_indexes.py" in names
    assert not any("plotly" in n for n in names)  # served from the plotly package, never copied


def test_quality_report_url_of_mapped_and_unmapped_tasks():
    base = "https://airflow.example.com/prefix/"
    assert quality_report_url("d", "manual__2024-06-01T00:00:00+00:00", "t", -1, base_url=base) == (
        "https://airflow.example.com/prefix/dags/d/runs/manual__2024-06-01T00%3A00%3A00%2B00%3A00/tasks/t/plugin/quality-checks"
    )
    assert quality_report_url("d", "r", "t", 3, base_url=base).endswith("/tasks/t/mapped/3/plugin/quality-checks")
