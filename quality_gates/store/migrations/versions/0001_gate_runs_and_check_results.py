"""gate_runs and check_results

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "gate_runs",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("dag_id", sa.String(250), nullable=False),
        sa.Column("task_id", sa.String(250), nullable=False),
        sa.Column("run_id", sa.String(250), nullable=False),
        sa.Column("map_index", sa.Integer, nullable=False),
        sa.Column("try_number", sa.Integer, nullable=False),
        sa.Column("dataset", sa.String(500), nullable=False),
        sa.Column("partition_key", sa.Text, nullable=False),
        sa.Column("gate", sa.String(50), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_count", sa.BigInteger, nullable=True),
        sa.Column("summary", Json, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gate_runs"),
        sa.UniqueConstraint(
            "dag_id",
            "task_id",
            "run_id",
            "map_index",
            "try_number",
            name="uq_gate_runs_dag_id_task_id_run_id_map_index_try_number",
        ),
    )
    op.create_index("ix_gate_runs_dataset_partition_key", "gate_runs", ["dataset", "partition_key"])
    op.create_index("ix_gate_runs_dag_id_started_at", "gate_runs", ["dag_id", "started_at"])
    op.create_index("ix_gate_runs_status_started_at", "gate_runs", ["status", "started_at"])
    op.create_table(
        "check_results",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("gate_run_id", Id, nullable=False),
        sa.Column("check_name", sa.String(200), nullable=False),
        sa.Column("column_name", sa.Text, nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("observed", sa.Text, nullable=True),
        sa.Column("expected", sa.Text, nullable=True),
        sa.Column("details", Json, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_check_results"),
        sa.ForeignKeyConstraint(["gate_run_id"], ["gate_runs.id"], ondelete="CASCADE", name="fk_check_results_gate_run_id_gate_runs"),
    )
    op.create_index("ix_check_results_gate_run_id", "check_results", ["gate_run_id"])


def downgrade() -> None:
    op.drop_table("check_results")
    op.drop_table("gate_runs")
