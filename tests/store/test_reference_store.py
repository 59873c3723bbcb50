"""Reference profiles in the store: versions, latest, replace, and a clear message when missing."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from quality_gates.checks.drift import ReferenceNotFoundError
from quality_gates.checks.profiles.reference import profile_reference
from quality_gates.store import migrate


def profile(shift: float = 0.0, rows: int = 2_000):
    rng = np.random.default_rng(0)
    return profile_reference(pd.DataFrame({"x": rng.normal(shift, 1, rows), "zone": rng.choice(["A", "B"], rows)}))


def test_versions_latest_and_replace(store):
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    store.references.save("features", "run-1", profile(0.0), dag_id="train", run_id="run-1")
    time.sleep(0.01)
    store.references.save("features", "run-2", profile(5.0))
    latest = store.references.get("features")
    assert (latest.dataset, latest.version) == ("features", "run-2")
    assert latest.columns["x"].numeric.mean == pytest.approx(5.0, abs=0.1)
    first = store.references.get("features", "run-1")
    assert first.columns["x"].numeric.mean == pytest.approx(0.0, abs=0.1)
    assert np.array_equal(first.columns["x"].numeric.counts, profile(0.0).columns["x"].numeric.counts)
    assert first.columns["zone"].categories == profile(0.0).columns["zone"].categories
    time.sleep(0.01)
    store.references.save("features", "run-1", profile(1.0))  # profiled again: replaces, becomes the latest
    assert [v.version for v in store.references.versions("features")] == ["run-1", "run-2"]
    assert store.references.get("features", "latest").columns["x"].numeric.mean == pytest.approx(1.0, abs=0.1)
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM reference_profiles")).scalar() == 2


def test_missing_reference_names_dataset_and_version(store):
    with pytest.raises(ReferenceNotFoundError) as missing:
        store.references.get("trip_features")
    assert str(missing.value).startswith("no reference profile for dataset 'trip_features' (any version) in ")
    assert str(missing.value).endswith("; profile the training data with ReferenceProfileOperator (or profile_reference) first")
    store.references.save("trip_features", "run-7", profile())
    with pytest.raises(
        ReferenceNotFoundError, match="no reference profile for dataset 'trip_features' \\(version 'run-9'\\) in .*; stored versions: run-7"
    ):
        store.references.get("trip_features", "run-9")
