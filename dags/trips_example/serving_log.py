"""What serving leaves behind: logged predictions of a fare-dispute classifier, and labels that
arrive hours to days later (a dispute is confirmed, or the dispute window closes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

SCENARIOS = ("settled", "fresh", "degraded", "duplicates", "duplicate_labels", "orphans")


def serving_log(day: str = "2024-06-01", scenario: str = "settled", rows: int = 2000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A day of predictions and all their labels (``labeled_at`` says when each arrives).

    ``degraded``: the model's scores are much noisier (a broken feature); ``duplicates``: two
    predictions logged twice; ``duplicate_labels``: two labels arrived twice; ``orphans``: two labels for predictions that were never logged.
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, not {scenario!r}")
    rng = np.random.default_rng(11)
    start = pd.Timestamp(day, tz="UTC")
    predicted_at = start + pd.to_timedelta(np.sort(rng.uniform(0, 86_400, rows)), unit="s")
    label = (rng.random(rows) < 0.3).astype(int)
    spread = 0.45 if scenario == "degraded" else 0.2
    score = np.clip(0.3 + 0.35 * (label - 0.3) + rng.normal(0, spread, rows), 0, 1).round(3)
    ids = [f"p-{i:05d}" for i in range(rows)]
    predictions = pd.DataFrame(
        {
            "prediction_id": ids,
            "predicted_at": predicted_at,
            "channel": rng.choice(["app", "web"], rows, p=[0.7, 0.3]),
            "score": score,
            "prediction": (score >= 0.5).astype(int),
        }
    )
    delay = pd.to_timedelta(rng.lognormal(np.log(6 * 3600), 1.0, rows), unit="s")
    labels = pd.DataFrame({"prediction_id": ids, "label": label, "labeled_at": predicted_at + delay})
    if scenario == "duplicates":
        predictions = pd.concat([predictions, predictions.iloc[[5, 6]]], ignore_index=True)
    if scenario == "duplicate_labels":
        labels = pd.concat([labels, labels.iloc[[8, 9]]], ignore_index=True)
    if scenario == "orphans":
        orphans = pd.DataFrame({"prediction_id": ["x-1", "x-2"], "label": [1, 0], "labeled_at": [start + pd.Timedelta(hours=3)] * 2})
        labels = pd.concat([labels, orphans], ignore_index=True)
    return predictions, labels


def write_serving_log(engine, predictions: pd.DataFrame, labels: pd.DataFrame, *, arrived_by: pd.Timestamp | None = None) -> None:
    """Replace the demo's two tables; with ``arrived_by``, only labels that had arrived by then."""
    if arrived_by is not None:
        labels = labels[labels.labeled_at <= arrived_by]
    with engine.begin() as connection:
        predictions.to_sql("served_predictions", connection, if_exists="replace", index=False)
        labels.to_sql("arrived_labels", connection, if_exists="replace", index=False)
