"""Provider metadata, found by Airflow through the ``apache_airflow_provider`` entry point."""

from quality_gates import __version__


def get_provider_info() -> dict:
    return {
        "package-name": "airflow-quality-gates",
        "name": "Quality Gates",
        "description": "Data-quality gates for Apache Airflow: schema and statistical checks that block bad data.",
        "versions": [__version__],
        "hooks": [{"integration-name": "Quality Gates", "python-modules": ["quality_gates.hooks.store"]}],
        "operators": [
            {
                "integration-name": "Quality Gates",
                "python-modules": ["quality_gates.operators.schema_gate", "quality_gates.operators.anomaly_gate",
                                   "quality_gates.operators.drift_gate", "quality_gates.operators.skew_gate",
                                   "quality_gates.operators.reference_profile"],
            }
        ],
        "task-decorators": [{"name": "quality_gate", "class-name": "quality_gates.decorators.quality_gate.quality_gate_task"}],
        "integrations": [{"integration-name": "Quality Gates", "external-doc-url": "https://github.com/", "tags": ["software"]}],
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
