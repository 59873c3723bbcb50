"""gate_runs.mode and gate_runs.action: what each gate run did to the pipeline

Revision ID: 0008_gate_mode_action
Revises: 0007

``mode`` is the gate's mode (fail, skip, warn); ``action`` what it did in that try (blocked,
skipped, allowed). Rows recorded before this revision keep NULL in both.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_gate_mode_action"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gate_runs") as batch:
        batch.add_column(sa.Column("mode", sa.String(10), nullable=True))
        batch.add_column(sa.Column("action", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gate_runs") as batch:
        batch.drop_column("action")
        batch.drop_column("mode")
