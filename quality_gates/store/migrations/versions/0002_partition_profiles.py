"""partitions and partition_profiles

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "partitions",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("dataset", sa.String(500), nullable=False),
        sa.Column("partition_key", sa.Text, nullable=False),
        sa.Column("gate_run_id", Id, nullable=True),
        sa.Column("baseline_status", sa.String(20), nullable=False),
        sa.Column("row_count", sa.BigInteger, nullable=False),
        sa.Column("profile", Json, nullable=False),
        sa.Column("profiled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_by", sa.String(250), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_note", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_partitions"),
        sa.UniqueConstraint("dataset", "partition_key", name="uq_partitions_dataset_partition_key"),
        sa.ForeignKeyConstraint(["gate_run_id"], ["gate_runs.id"], ondelete="SET NULL", name="fk_partitions_gate_run_id_gate_runs"),
    )
    op.create_index("ix_partitions_dataset_baseline_status", "partitions", ["dataset", "baseline_status"])
    op.create_table(
        "partition_profiles",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("partition_id", Id, nullable=False),
        sa.Column("dataset", sa.String(500), nullable=False),
        sa.Column("partition_key", sa.Text, nullable=False),
        sa.Column("column_name", sa.Text, nullable=False),
        sa.Column("metric", sa.String(50), nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_partition_profiles"),
        sa.UniqueConstraint(
            "dataset",
            "partition_key",
            "column_name",
            "metric",
            name="uq_partition_profiles_dataset_partition_key_column_name_metric",
        ),
        sa.ForeignKeyConstraint(
            ["partition_id"], ["partitions.id"], ondelete="CASCADE", name="fk_partition_profiles_partition_id_partitions"
        ),
    )
    op.create_index("ix_partition_profiles_dataset_column_name_metric", "partition_profiles", ["dataset", "column_name", "metric"])
    op.create_index("ix_partition_profiles_partition_id", "partition_profiles", ["partition_id"])


def downgrade() -> None:
    op.drop_table("partition_profiles")
    op.drop_table("partitions")
