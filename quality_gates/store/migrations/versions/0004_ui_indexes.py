"""Indexes for the UI: overview filtered by DAG or dataset, and a DAG's grid of runs

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_gate_runs_dag_id_status_started_at": ("dag_id", "status", "started_at"),
    "ix_gate_runs_dataset_status_started_at": ("dataset", "status", "started_at"),
    "ix_gate_runs_dag_id_run_id": ("dag_id", "run_id"),
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "gate_runs", list(columns))


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="gate_runs")
