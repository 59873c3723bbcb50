"""Trip-duration model: least squares on a few features; small, honest, dependency-free."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

FEATURES = ["distance_km", "rush_hour", "night", "passenger_count", "airport"]


def build_features(trips: pd.DataFrame) -> pd.DataFrame:
    hour = trips["pickup_at"].dt.hour
    return pd.DataFrame(
        {
            "trip_id": trips["trip_id"],
            "distance_km": trips["distance_km"],
            "rush_hour": hour.isin([7, 8, 9, 16, 17, 18]).astype(float),
            "night": ((hour < 6) | (hour >= 22)).astype(float),
            "passenger_count": trips["passenger_count"].astype(float),
            "airport": ((trips["pickup_zone"] == "Airport") | (trips["dropoff_zone"] == "Airport")).astype(float),
            "duration_min": trips["duration_min"],
        }
    )


def train(features: pd.DataFrame) -> dict:
    design = np.column_stack([np.ones(len(features)), features[FEATURES].to_numpy(float)])
    target = features["duration_min"].to_numpy(float)
    coefficients, *_ = np.linalg.lstsq(design, target, rcond=None)
    mae = float(np.mean(np.abs(design @ coefficients - target)))
    return {"features": FEATURES, "intercept": coefficients[0], "weights": list(coefficients[1:]), "train_mae": mae}


def predict(model: dict, features: pd.DataFrame) -> np.ndarray:
    return model["intercept"] + features[model["features"]].to_numpy(float) @ np.asarray(model["weights"])


def save(model: dict, path) -> None:
    path.write_text(json.dumps(model, indent=2), encoding="utf-8")
