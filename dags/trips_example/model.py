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


HOLDOUT_EVERY = 5  # every 5th trip is kept out of training to evaluate the candidate on


def holdout(features: pd.DataFrame) -> pd.Series:
    return pd.Series(np.arange(len(features)) % HOLDOUT_EVERY == 0, index=features.index)


def train(features: pd.DataFrame, feature_names: list[str] | None = None) -> dict:
    feature_names = feature_names or FEATURES
    design = np.column_stack([np.ones(len(features)), features[feature_names].to_numpy(float)])
    target = features["duration_min"].to_numpy(float)
    coefficients, *_ = np.linalg.lstsq(design, target, rcond=None)
    mae = float(np.mean(np.abs(design @ coefficients - target)))
    return {"features": feature_names, "intercept": coefficients[0], "weights": list(coefficients[1:]), "train_mae": mae}


def predict(model: dict, features: pd.DataFrame) -> np.ndarray:
    return model["intercept"] + features[model["features"]].to_numpy(float) @ np.asarray(model["weights"])


def train_worse(features: pd.DataFrame) -> dict:
    """A deliberately worse candidate: someone dropped the rush-hour feature. Rush-hour trips
    take far longer, so the model splits the difference and overestimates ordinary daytime trips."""
    return train(features, [f for f in FEATURES if f != "rush_hour"])


def evaluation_frame(model: dict, features: pd.DataFrame) -> pd.DataFrame:
    """Held-out trips with the candidate's predictions and the slice the model gate judges."""
    time_of_day = np.where(features["rush_hour"] > 0, "rush", np.where(features["night"] > 0, "night", "day"))
    return pd.DataFrame(
        {
            "trip_id": features["trip_id"],
            "time_of_day": time_of_day,
            "duration_min": features["duration_min"],
            "predicted_duration_min": predict(model, features),
        }
    )


def save(model: dict, path) -> None:
    path.write_text(json.dumps(model, indent=2), encoding="utf-8")
