"""reference_profiles

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "reference_profiles",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("dataset", sa.String(500), nullable=False),
        sa.Column("version", sa.String(250), nullable=False),
        sa.Column("row_count", sa.BigInteger, nullable=False),
        sa.Column("profile", Json, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dag_id", sa.String(250), nullable=True),
        sa.Column("run_id", sa.String(250), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reference_profiles"),
        sa.UniqueConstraint("dataset", "version", name="uq_reference_profiles_dataset_version"),
    )
    op.create_index("ix_reference_profiles_dataset_created_at", "reference_profiles", ["dataset", "created_at"])


def downgrade() -> None:
    op.drop_table("reference_profiles")
