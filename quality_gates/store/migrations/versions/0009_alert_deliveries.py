"""alert_deliveries

Revision ID: 0009_alert_deliveries
Revises: 0008_gate_mode_action
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_alert_deliveries"
down_revision = "0008_gate_mode_action"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "alert_deliveries",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("gate_run_id", Id, nullable=False),
        sa.Column("channel", sa.String(500), nullable=False),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("delivered", sa.Boolean, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alert_deliveries"),
        sa.ForeignKeyConstraint(["gate_run_id"], ["gate_runs.id"], ondelete="CASCADE", name="fk_alert_deliveries_gate_run_id_gate_runs"),
    )
    op.create_index("ix_alert_deliveries_gate_run_id", "alert_deliveries", ["gate_run_id"])


def downgrade() -> None:
    op.drop_table("alert_deliveries")
