"""The results store: SQLAlchemy tables, Alembic migrations and the queries gates, UI and alerts use."""
