"""The documentation site builds offline with `mkdocs build --strict`, pages other branches add
do not break it, and the README's links lead into it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _build(project: Path, site: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(project / "mkdocs.yml"), "--site-dir", str(site)],
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
        timeout=600,
    )


def _copy_project(tmp_path: Path) -> Path:
    """mkdocs.yml and docs/ next to the package (mkdocstrings reads the docstrings from quality_gates/)."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "docs", project / "docs")
    shutil.copy(ROOT / "mkdocs.yml", project)
    (project / "quality_gates").symlink_to(ROOT / "quality_gates")
    return project


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site")
    built = _build(ROOT, site)
    assert built.returncode == 0, built.stderr
    assert not [line for line in built.stderr.splitlines() if line.startswith(("WARNING", "ERROR"))], built.stderr
    return site


def test_every_page_in_the_nav_is_built(site):
    import yaml

    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)

    def pages(nav):
        for entry in nav:
            for value in entry.values():
                yield from pages(value) if isinstance(value, list) else [value]

    for page in pages(config["nav"]):
        built = site / (page.removesuffix(".md") + "/index.html" if page != "index.md" else "index.html")
        assert built.is_file(), page


def test_api_reference_comes_from_the_docstrings(site):
    operators = (site / "reference/operators/index.html").read_text()
    assert "ServingMetricGateOperator" in operators and "wait_for_labels" in operators
    assert "defers to Airflow&#39;s triggerer" in operators or "defers to Airflow's triggerer" in operators
    assert "RetryPolicy" in (site / "reference/notifiers/index.html").read_text()


def test_screenshots_are_in_the_site_and_shown_on_the_ui_page(site):
    ui = (site / "ui/index.html").read_text()
    for png in sorted((ROOT / "docs/screenshots").glob("*.png")):
        assert (site / "screenshots" / png.name).read_bytes() == png.read_bytes()
        assert f'src="../screenshots/{png.name}"' in ui


def test_the_site_requests_nothing_from_the_internet(site):
    html = (site / "index.html").read_text()
    assert "fonts.googleapis.com" not in html and "cdn." not in html


def test_a_page_missing_from_the_nav_does_not_fail_the_strict_build(tmp_path):
    # Other branches add pages before the nav lists them.
    project = _copy_project(tmp_path)
    (project / "docs/from-another-branch.md").write_text("# New page\n\nSee [alerts](alerts.md).\n")
    built = _build(project, tmp_path / "site")
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "site/from-another-branch/index.html").is_file()
    assert 'pages exist in the docs directory, but are not included in the "nav"' in built.stderr  # said, at INFO level


def test_a_broken_link_fails_the_strict_build(tmp_path):
    project = _copy_project(tmp_path)
    (project / "docs/alerts.md").write_text((project / "docs/alerts.md").read_text() + "\nSee [the missing page](missing.md).\n")
    built = _build(project, tmp_path / "site")
    assert built.returncode == 1
    assert "Doc file 'alerts.md' contains a link 'missing.md', but the target is not found among documentation files." in built.stderr


def test_readme_is_short_and_its_links_lead_into_the_docs():
    readme = (ROOT / "README.md").read_text()
    assert len(readme) < 8_000
    assert "make demo" in readme and "make test" in readme
    links = re.findall(r"\]\(((?:docs/)[^)#]+)(?:#[^)]*)?\)", readme)
    assert {"docs/index.md", "docs/schema-gate.md", "docs/serving-gate.md", "docs/alerts.md", "docs/ui.md"} <= set(links)
    assert all((ROOT / link).is_file() for link in links), [link for link in links if not (ROOT / link).is_file()]
