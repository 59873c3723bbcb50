"""Stored reference profiles (e.g. of a model's training data), keyed by dataset and version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine, delete, desc, insert, select
from sqlalchemy.orm import Session

from quality_gates.checks.errors import ReferenceNotFoundError
from quality_gates.checks.values import as_utc
from quality_gates.store.models import ReferenceProfileRow
from quality_gates.store.transactions import location, reading, writing

if TYPE_CHECKING:  # numpy is imported when a profile is read, not when a DAG file is parsed
    from quality_gates.checks.profiles.reference import ReferenceProfile

LATEST = "latest"


@dataclass
class StoredReference:
    """Points a drift gate at a stored reference: ``StoredReference("trip_features")`` is the
    latest version, ``StoredReference("trip_features", version="{{ params.model_run }}")`` one
    version (both fields are templated)."""

    dataset: str
    version: str | None = None

    template_fields = ("dataset", "version")

    def describe(self) -> str:
        return f"reference '{self.dataset}' version '{self.version or LATEST}'"


@dataclass(frozen=True)
class ReferenceVersion:
    dataset: str
    version: str
    row_count: int
    created_at: dt.datetime


class ReferenceStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def save(
        self,
        dataset: str,
        version: str,
        profile: ReferenceProfile,
        *,
        dag_id: str | None = None,
        run_id: str | None = None,
        session: Session | None = None,
    ) -> int:
        """Store (or replace) one version of a dataset's reference profile; inside ``session``'s
        transaction when given (the gate run's own)."""
        from quality_gates.checks.profiles.reference import reference_to_json

        with writing(self.engine, f"write the reference profile of {dataset} version {version}", session) as session:
            session.execute(
                delete(ReferenceProfileRow).where(ReferenceProfileRow.dataset == dataset, ReferenceProfileRow.version == version)
            )
            return session.execute(
                insert(ReferenceProfileRow)
                .values(
                    dataset=dataset,
                    version=version,
                    row_count=profile.row_count,
                    profile=reference_to_json(profile),
                    created_at=dt.datetime.now(dt.UTC),
                    dag_id=dag_id,
                    run_id=run_id,
                )
                .returning(ReferenceProfileRow.id)
            ).scalar_one()

    def get(self, dataset: str, version: str | None = None) -> ReferenceProfile:
        """One version, or the latest when ``version`` is None or "latest"."""
        from quality_gates.checks.profiles.reference import reference_from_json

        query = select(ReferenceProfileRow.profile, ReferenceProfileRow.version).where(ReferenceProfileRow.dataset == dataset)
        if version in (None, LATEST):
            query = query.order_by(desc(ReferenceProfileRow.created_at), desc(ReferenceProfileRow.id)).limit(1)
        else:
            query = query.where(ReferenceProfileRow.version == version)
        with reading(self.engine, f"read the reference profile of {dataset}") as session:
            row = session.execute(query).first()
        if row is None:
            known = self.versions(dataset)
            wanted = f"version '{version}'" if version not in (None, LATEST) else "any version"
            hint = (
                f"stored versions: {', '.join(v.version for v in known[:10])}"
                if known
                else "profile the training data with ReferenceProfileOperator (or profile_reference) first"
            )
            where = location(self.engine)
            raise ReferenceNotFoundError(f"no reference profile for dataset '{dataset}' ({wanted}) in {where}; {hint}")
        return reference_from_json(row.profile, dataset=dataset, version=row.version)

    def versions(self, dataset: str) -> list[ReferenceVersion]:
        """Stored versions of a dataset's reference, newest first."""
        query = (
            select(ReferenceProfileRow.version, ReferenceProfileRow.row_count, ReferenceProfileRow.created_at)
            .where(ReferenceProfileRow.dataset == dataset)
            .order_by(desc(ReferenceProfileRow.created_at), desc(ReferenceProfileRow.id))
        )
        with reading(self.engine, f"list the reference profiles of {dataset}") as session:
            rows = session.execute(query).all()
        return [ReferenceVersion(dataset, r.version, r.row_count, as_utc(r.created_at)) for r in rows]
