"""Alembic environment: always run programmatically by quality_gates.store.migrate."""

from alembic import context

from quality_gates.store.models import VERSION_TABLE, Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,  # never collide with Airflow's own alembic_version
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
