"""The provider metadata lists every component of the package, found by introspection, and
Airflow's own CLI shows them."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

import quality_gates
from quality_gates.provider_info import DOCUMENTATION_URL, get_provider_info

ROOT = Path(__file__).resolve().parents[2]
# Alembic's env.py runs migrations when imported; it defines no Airflow components.
NOT_IMPORTED = ("quality_gates.store.migrations",)


def _package_classes() -> list[type]:
    """Every public class defined in the package (not imported into it)."""
    classes = []
    for module_info in pkgutil.walk_packages(quality_gates.__path__, "quality_gates."):
        if module_info.name.startswith(NOT_IMPORTED):
            continue
        try:
            module = importlib.import_module(module_info.name)
        except ModuleNotFoundError as exc:  # an optional extra (pyspark, polars...) not installed here
            if (exc.name or "").startswith("quality_gates"):
                raise
            continue
        classes += [
            c for name, c in vars(module).items() if inspect.isclass(c) and c.__module__ == module.__name__ and not name.startswith("_")
        ]
    return classes


def _public(base: type) -> list[type]:
    # Base* classes are for subclassing, not for DAGs: Airflow lists concrete components.
    return [c for c in _package_classes() if issubclass(c, base) and not c.__name__.startswith("Base")]


def _modules(info: dict, section: str) -> set[str]:
    return {m for entry in info.get(section, []) for m in entry["python-modules"]}


def _path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


@pytest.fixture(scope="module")
def info() -> dict:
    info = get_provider_info()
    schema = json.loads((Path(importlib.import_module("airflow").__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(info, schema)
    return info


def test_every_operator_module_is_listed(info):
    from airflow.sdk import BaseOperator
    from airflow.sdk.bases.decorator import DecoratedOperator

    operators = [c for c in _public(BaseOperator) if not issubclass(c, DecoratedOperator)]
    assert {"ModelMetricGateOperator", "ServingMetricGateOperator", "SchemaGateOperator"} <= {c.__name__ for c in operators}
    assert {c.__module__ for c in operators} <= _modules(info, "operators")


def test_every_hook_and_trigger_module_is_listed(info):
    from airflow.sdk import BaseHook
    from airflow.triggers.base import BaseTrigger

    assert {c.__module__ for c in _public(BaseHook)} <= _modules(info, "hooks")
    triggers = _public(BaseTrigger)
    assert triggers and {c.__module__ for c in triggers} <= _modules(info, "triggers")


def test_every_notifier_extra_link_and_plugin_is_listed(info):
    from airflow.plugins_manager import AirflowPlugin
    from airflow.sdk import BaseNotifier, BaseOperatorLink

    assert {_path(c) for c in _public(BaseNotifier)} == set(info["notifications"]) != set()
    assert {_path(c) for c in _public(BaseOperatorLink)} == set(info["extra-links"]) != set()
    assert {_path(c) for c in _public(AirflowPlugin)} == {p["plugin-class"] for p in info["plugins"]}


def test_every_task_decorator_is_listed(info):
    # A TaskFlow decorator is a DecoratedOperator subclass plus the factory that @task.<name> calls.
    from airflow.sdk.bases.decorator import DecoratedOperator

    decorated = {c.__module__ for c in _public(DecoratedOperator)}
    listed = {entry["class-name"].rpartition(".")[0] for entry in info.get("task-decorators", [])}
    assert decorated <= listed
    for entry in info.get("task-decorators", []):
        module, _, name = entry["class-name"].rpartition(".")
        assert callable(getattr(importlib.import_module(module), name)), entry


def test_every_listed_name_imports(info):
    for section in ("operators", "hooks", "triggers"):
        for module in _modules(info, section):
            importlib.import_module(module)
    for path in [*info["notifications"], *info["extra-links"], *info["cli"], *(p["plugin-class"] for p in info["plugins"])]:
        module, _, name = path.rpartition(".")
        assert hasattr(importlib.import_module(module), name), path


def test_documentation_url_is_the_docs_site(info):
    import yaml

    [integration] = info["integrations"]
    assert integration["external-doc-url"] == DOCUMENTATION_URL
    mkdocs = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)  # BaseLoader: mkdocs' !!python tags
    assert mkdocs["site_url"] == DOCUMENTATION_URL
    assert f'"Documentation": "{DOCUMENTATION_URL}"' in (ROOT / "setup.py").read_text()


def _airflow(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "AIRFLOW_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "airflow", *args], capture_output=True, text=True, env=env, cwd=home, timeout=300)


def test_airflow_cli_lists_and_describes_the_provider(tmp_path):
    listed = _airflow("providers", "list", "-o", "json", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    [ours] = [p for p in json.loads(listed.stdout) if p["package_name"] == "airflow-quality-gates"]
    assert ours["version"] == quality_gates.__version__

    shown = _airflow("providers", "get", "airflow-quality-gates", "--full", "-o", "json", home=tmp_path)
    assert shown.returncode == 0, shown.stderr
    [provider] = json.loads(shown.stdout)
    assert "quality_gates.operators.serving_gate" in provider["operators"][0]["python-modules"]
    assert provider["notifications"] == ["quality_gates.notifiers.notifier.QualityGateNotifier"]
    assert provider["integrations"][0]["external-doc-url"] == DOCUMENTATION_URL

    triggers = _airflow("providers", "triggers", "-o", "json", home=tmp_path)
    assert {
        "package_name": "airflow-quality-gates",
        "class": "quality_gates.triggers.label_coverage",
        "integration_name": "Quality Gates",
    } in json.loads(triggers.stdout)


def test_airflow_cli_runs_the_quality_gates_commands(tmp_path):
    helped = _airflow("quality-gates", "--help", home=tmp_path)
    assert helped.returncode == 0 and {"backtest", "db", "infer-schema"} <= set(helped.stdout.split())

    url = f"sqlite:///{tmp_path / 'results.db'}"
    assert _airflow("quality-gates", "db", "upgrade", "--url", url, home=tmp_path).returncode == 0
    current = _airflow("quality-gates", "db", "current", "--url", url, home=tmp_path)
    assert current.returncode == 0 and current.stdout.strip()

    missing = _airflow("quality-gates", "infer-schema", str(tmp_path / "nope.csv"), home=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines()[-1].startswith("quality-gates: ")
