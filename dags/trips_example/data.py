"""Realistic synthetic trips for one day, deterministic per day; optionally corrupted the way
real feeds break (an upstream unit bug, a half-written join, a new enum value, replays)."""

from __future__ import annotations

import datetime as dt
import zlib

import numpy as np
import pandas as pd

ZONES = [
    "Downtown",
    "Midtown",
    "Harbor",
    "Airport",
    "University",
    "Old Town",
    "Riverside",
    "Tech Park",
    "Stadium",
    "Westside",
    "Eastside",
    "Northgate",
]
PAYMENT_TYPES = ["card", "cash", "wallet"]


# "worse_model": clean data, a worse model. "skewed": the trips are clean; serving computes a
# feature differently (see serving.py).
SCENARIOS = ("good", "broken", "drifted", "skewed", "worse_model")


def generate_trips(day: dt.date, rows: int = 20_000, *, scenario: str = "good") -> pd.DataFrame:
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, not {scenario!r}")
    rng = np.random.default_rng(zlib.crc32(day.isoformat().encode()))
    start = pd.Timestamp(day)
    pickup_at = start + pd.to_timedelta(np.sort(rng.uniform(0, 86_400, rows)), unit="s")
    hour = pickup_at.hour.to_numpy()
    rush = np.isin(hour, [7, 8, 9, 16, 17, 18])
    distance = np.round(rng.gamma(2.0, 3.2, rows) + 0.3, 2)
    speed_kmh = np.clip(rng.normal(np.where(rush, 18, 30), 5, rows), 6, 60)
    duration = np.round(distance / speed_kmh * 60 + rng.exponential(3, rows), 1)
    fare = np.round(3.5 + 1.6 * distance + 0.35 * duration + rng.normal(0, 1.5, rows).clip(-2, 6), 2)
    rating = np.round(rng.normal(4.6, 0.35, rows).clip(1, 5), 1)
    rating[rng.random(rows) < 0.08] = np.nan  # riders often skip the rating
    frame = pd.DataFrame(
        {
            "trip_id": [f"{day:%Y%m%d}-{i:06d}" for i in range(rows)],
            "pickup_date": day.isoformat(),
            "pickup_at": pickup_at,
            "pickup_zone": rng.choice(ZONES, rows),
            "dropoff_zone": rng.choice(ZONES, rows),
            "passenger_count": rng.choice([1, 1, 1, 1, 2, 2, 3, 4], rows).astype("int64"),
            "distance_km": distance,
            "duration_min": duration,
            "fare_amount": fare,
            "payment_type": rng.choice(PAYMENT_TYPES, rows, p=[0.7, 0.1, 0.2]),
            "driver_rating": rating,
        }
    )
    if scenario == "broken":
        return corrupt(frame, rng)
    if scenario == "drifted":
        return drift(frame, rng)
    return frame


def drift(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Breakage that every row-level rule accepts: a partner app reports distances in miles
    for a third of the trips, and the ratings feed silently drops 40% of ratings."""
    frame = frame.copy()
    rows = len(frame)
    miles = rng.random(rows) < 0.33
    frame.loc[miles, "distance_km"] = (frame.loc[miles, "distance_km"] / 1.609).round(2).clip(lower=0.01)
    frame.loc[rng.random(rows) < 0.4, "driver_rating"] = np.nan
    return frame


def corrupt(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """What a bad upstream deploy does: refunds as negative fares, a broken zone join,
    a payment type nobody told us about, and a replayed batch of trips."""
    frame = frame.copy()
    rows = len(frame)
    refunds = rng.random(rows) < 0.03
    frame.loc[refunds, "fare_amount"] = -frame.loc[refunds, "fare_amount"]
    frame.loc[rng.random(rows) < 0.05, "pickup_zone"] = None
    frame.loc[rng.random(rows) < 0.02, "payment_type"] = "crypto"
    replayed = frame.sample(n=rows // 100, random_state=7)
    return pd.concat([frame, replayed], ignore_index=True)
