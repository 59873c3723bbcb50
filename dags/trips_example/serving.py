"""The serving side's own feature code: the online service computes each request's features from
the raw trip, one request at a time, not with the batch code used for training
(``model.build_features``). Two code paths for the same features is how training/serving skew
happens; the skew gate joins what each computed on ``trip_id``."""

from __future__ import annotations

import pandas as pd

RUSH_HOURS = frozenset({7, 8, 9, 16, 17, 18})
KM_TO_MILES = 0.621371


def request_features(trip: dict, *, distance_unit: str = "km") -> dict:
    hour = trip["pickup_at"].hour
    distance = trip["distance_km"]
    if distance_unit == "mi":  # the bug of the "skewed" scenario: a release that reports miles
        distance = round(distance * KM_TO_MILES, 2)
    return {
        "trip_id": trip["trip_id"],
        "distance_km": distance,
        "rush_hour": 1.0 if hour in RUSH_HOURS else 0.0,
        "night": 1.0 if hour < 6 or hour >= 22 else 0.0,
        "passenger_count": float(trip["passenger_count"]),
        "airport": 1.0 if "Airport" in (trip["pickup_zone"], trip["dropoff_zone"]) else 0.0,
    }


def serving_features(trips: pd.DataFrame, *, scenario: str = "good") -> pd.DataFrame:
    """The features serving logged for each trip it scored."""
    unit = "mi" if scenario == "skewed" else "km"
    return pd.DataFrame([request_features(trip, distance_unit=unit) for trip in trips.to_dict("records")])
