"""model_baselines

Revision ID: 0006
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "model_baselines",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("model", sa.String(500), nullable=False),
        sa.Column("version", sa.String(500), nullable=False),
        sa.Column("metric", sa.String(50), nullable=False),
        sa.Column("slice_key", sa.Text, nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=False),
        sa.Column("ci_low", sa.Float(precision=53), nullable=True),
        sa.Column("ci_high", sa.Float(precision=53), nullable=True),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("gate_run_id", Id, nullable=True),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("promoted_by", sa.String(250), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_model_baselines"),
        sa.ForeignKeyConstraint(["gate_run_id"], ["gate_runs.id"], name="fk_model_baselines_gate_run_id_gate_runs", ondelete="SET NULL"),
        sa.UniqueConstraint("model", "version", "metric", "slice_key", name="uq_model_baselines_model_version_metric_slice_key"),
    )
    op.create_index("ix_model_baselines_model_promoted_at", "model_baselines", ["model", "promoted_at"])


def downgrade() -> None:
    op.drop_index("ix_model_baselines_model_promoted_at", table_name="model_baselines")
    op.drop_table("model_baselines")
