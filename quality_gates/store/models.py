"""Results tables. Plain, documented tables: users query them with SQL (see README)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JsonColumn = JSON().with_variant(JSONB(), "postgresql")
# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
Id = BigInteger().with_variant(Integer(), "sqlite")

VERSION_TABLE = "quality_gates_alembic_version"


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class GateRunRow(Base):
    __tablename__ = "gate_runs"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    dag_id: Mapped[str] = mapped_column(String(250))
    task_id: Mapped[str] = mapped_column(String(250))
    run_id: Mapped[str] = mapped_column(String(250))
    map_index: Mapped[int] = mapped_column(Integer, default=-1)
    try_number: Mapped[int] = mapped_column(Integer)
    dataset: Mapped[str] = mapped_column(String(500))
    partition_key: Mapped[str] = mapped_column(Text)
    gate: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    row_count: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    # What the gate did to the pipeline (migration 0008; NULL on older rows): GateMode, GateAction.
    mode: Mapped[str | None] = mapped_column(String(10), nullable=True)
    action: Mapped[str | None] = mapped_column(String(10), nullable=True)

    __table_args__ = (
        UniqueConstraint("dag_id", "task_id", "run_id", "map_index", "try_number"),
        Index(None, "dataset", "partition_key"),
        Index(None, "dag_id", "started_at"),
        Index(None, "status", "started_at"),
        # The UI's overview filtered by DAG or dataset, and a DAG's grid (migration 0004).
        Index(None, "dag_id", "status", "started_at"),
        Index(None, "dataset", "status", "started_at"),
        Index(None, "dag_id", "run_id"),
    )


class CheckResultRow(Base):
    __tablename__ = "check_results"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    gate_run_id: Mapped[int] = mapped_column(Id, ForeignKey("gate_runs.id", ondelete="CASCADE"))
    check_name: Mapped[str] = mapped_column(String(200))
    column_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(10))
    severity: Mapped[str] = mapped_column(String(10))
    observed: Mapped[str | None] = mapped_column(Text, nullable=True)
    expected: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JsonColumn)

    __table_args__ = (Index(None, "gate_run_id"),)


class PartitionRow(Base):
    """One profiled partition of a dataset, with its place in the detection baseline."""

    __tablename__ = "partitions"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(500))
    partition_key: Mapped[str] = mapped_column(Text)
    gate_run_id: Mapped[int | None] = mapped_column(Id, ForeignKey("gate_runs.id", ondelete="SET NULL"), nullable=True)
    baseline_status: Mapped[str] = mapped_column(String(20))
    row_count: Mapped[int] = mapped_column(BigInteger)
    profile: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    profiled_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status_changed_by: Mapped[str | None] = mapped_column(String(250), nullable=True)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status_note: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (UniqueConstraint("dataset", "partition_key"), Index(None, "dataset", "baseline_status"))


class PartitionProfileRow(Base):
    """The profile in long form, one metric per row, for plain-SQL queries and charts."""

    __tablename__ = "partition_profiles"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    partition_id: Mapped[int] = mapped_column(Id, ForeignKey("partitions.id", ondelete="CASCADE"))
    dataset: Mapped[str] = mapped_column(String(500))
    partition_key: Mapped[str] = mapped_column(Text)
    column_name: Mapped[str] = mapped_column(Text)
    metric: Mapped[str] = mapped_column(String(50))
    value: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)

    __table_args__ = (
        UniqueConstraint("dataset", "partition_key", "column_name", "metric"),
        Index(None, "dataset", "column_name", "metric"),
        Index(None, "partition_id"),
    )


class AlertStateRow(Base):
    """What was last said about a gate on a dataset, so that alerts go out on changes only."""

    __tablename__ = "alert_states"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    dag_id: Mapped[str] = mapped_column(String(250))
    task_id: Mapped[str] = mapped_column(String(250))
    dataset: Mapped[str] = mapped_column(String(500))
    last_status: Mapped[str] = mapped_column(String(10))
    last_gate_run_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    alerted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    suppressed_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("dag_id", "task_id", "dataset"),)


class ModelBaselineRow(Base):
    """A metric of a model that was deployed: what later candidates are compared with.

    Written only by an explicit promotion (the model went to production); each promoted version
    keeps its rows, so the history of production models stays queryable. Promoting the same
    version again (a retried deploy task) replaces that version's rows.
    """

    __tablename__ = "model_baselines"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(500))
    version: Mapped[str] = mapped_column(String(500))
    metric: Mapped[str] = mapped_column(String(50))
    slice_key: Mapped[str] = mapped_column(Text)
    value: Mapped[float] = mapped_column(Float(precision=53))
    ci_low: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    ci_high: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    rows: Mapped[int] = mapped_column(BigInteger)
    gate_run_id: Mapped[int | None] = mapped_column(Id, ForeignKey("gate_runs.id", ondelete="SET NULL"), nullable=True)
    promoted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    promoted_by: Mapped[str | None] = mapped_column(String(250), nullable=True)

    __table_args__ = (UniqueConstraint("model", "version", "metric", "slice_key"), Index(None, "model", "promoted_at"))


class ReferenceProfileRow(Base):
    """A reference profile (e.g. of a model's training data) that drift gates compare with."""

    __tablename__ = "reference_profiles"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(500))
    version: Mapped[str] = mapped_column(String(250))
    row_count: Mapped[int] = mapped_column(BigInteger)
    profile: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    dag_id: Mapped[str | None] = mapped_column(String(250), nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(250), nullable=True)

    __table_args__ = (UniqueConstraint("dataset", "version"), Index(None, "dataset", "created_at"))


class AlertDeliveryRow(Base):
    """One alert through one channel: delivered or not, after how many attempts, and why not.
    Written by QualityGateNotifier; a failed delivery never changes the gate's outcome."""

    __tablename__ = "alert_deliveries"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    gate_run_id: Mapped[int] = mapped_column(Id, ForeignKey("gate_runs.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(500))
    event: Mapped[str] = mapped_column(String(20))  # alert | recovery
    delivered: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
