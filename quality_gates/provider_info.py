"""Provider metadata, found by Airflow through the ``apache_airflow_provider`` entry point."""

from quality_gates import __version__

INTEGRATION = "Quality Gates"
# The documentation site built from docs/ (`make docs`); mkdocs.yml's site_url is the same address (a test checks).
DOCUMENTATION_URL = "https://airflow-quality-gates.readthedocs.io/en/latest/"


def get_provider_info() -> dict:
    """What this package adds to Airflow, as ``airflow providers get airflow-quality-gates`` shows it.
    Every operator, trigger, notifier, extra link, plugin and CLI command must be listed here:
    tests/airflow/test_provider_metadata.py finds them by introspection."""
    return {
        "package-name": "airflow-quality-gates",
        "name": "Quality Gates",
        "description": "Data-quality gates for Apache Airflow: schema and statistical checks that block bad data.",
        "versions": [__version__],
        "integrations": [{"integration-name": INTEGRATION, "external-doc-url": DOCUMENTATION_URL, "tags": ["software"]}],
        "hooks": [{"integration-name": INTEGRATION, "python-modules": ["quality_gates.hooks.store"]}],
        "operators": [
            {
                "integration-name": INTEGRATION,
                "python-modules": [
                    "quality_gates.operators.schema_gate",
                    "quality_gates.operators.anomaly_gate",
                    "quality_gates.operators.drift_gate",
                    "quality_gates.operators.skew_gate",
                    "quality_gates.operators.reference_profile",
                    "quality_gates.operators.model_gate",
                    "quality_gates.operators.serving_gate",
                    "quality_gates.operators.freshness_gate",
                    "quality_gates.operators.cross_table_gate",
                ],
            }
        ],
        "triggers": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["quality_gates.triggers.label_coverage", "quality_gates.triggers.freshness"],
            }
        ],
        "notifications": ["quality_gates.notifiers.notifier.QualityGateNotifier"],
        "extra-links": ["quality_gates.operators.links.QualityReportLink"],
        # Also registered through the airflow.plugins entry point, as Airflow's own providers do
        # (provider-listed plugins load only with [core] lazy_load_providers off).
        "plugins": [{"name": "quality_gates", "plugin-class": "quality_gates.plugin.QualityGatesPlugin"}],
        "cli": ["quality_gates.cli_airflow.get_cli_commands"],
        "task-decorators": [{"name": "quality_gate", "class-name": "quality_gates.decorators.quality_gate.quality_gate_task"}],
        "config": {
            "quality_gates": {
                "description": "Where gate results are stored.",
                "options": {
                    "store_conn_id": {
                        "description": "Airflow connection (postgres or sqlite) of the results store. "
                        "Empty: use quality_gates_default if it exists, else the SQLite file.",
                        "version_added": "0.1.0",
                        "type": "string",
                        "example": "quality_gates_default",
                        "default": "",
                    },
                    "sqlite_path": {
                        "description": "Embedded SQLite results store used when no connection is set. "
                        "Empty: $AIRFLOW_HOME/quality_gates.db.",
                        "version_added": "0.1.0",
                        "type": "string",
                        "example": "/data/quality_gates.db",
                        "default": "",
                    },
                },
            }
        },
    }
