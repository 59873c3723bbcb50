"""Calendar awareness: weekly comparison chosen by the data (seasonality="auto"), holidays kept
out of the ordinary baseline and judged against earlier holidays."""

from __future__ import annotations

import datetime as dt
import sys

import numpy as np
import pandas as pd
import pytest

from quality_gates import PartitionAnomalyDetector
from quality_gates.checks.anomaly.calendar import holiday_calendar, weekday_effect
from quality_gates.checks.errors import ConfigurationError
from quality_gates.checks.profiles.pandas_engine import profile_frame

START = dt.date(2024, 3, 4)  # a Monday


def orders(seed: int, rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"amount": rng.gamma(2.0, 10.0, rows).round(2), "country": rng.choice(["US", "FR", "DE"], rows)})


def day(i: int) -> dt.date:
    return START + dt.timedelta(days=i)


def profile(i: int, rows: int):
    return profile_frame(orders(i, rows)).with_key(day(i).isoformat())


def weekend_dip(i: int) -> int:
    """Weekdays ~1,000 orders, weekends ~400: a weekly pattern in row counts."""
    return (400 if day(i).weekday() >= 5 else 1_000) + int(np.random.default_rng(1000 + i).integers(-20, 20))


def flat(i: int) -> int:
    return 1_000 + int(np.random.default_rng(1000 + i).integers(-20, 20))


@pytest.fixture(scope="module")
def weekly_history():
    return [profile(i, weekend_dip(i)) for i in range(35)]


@pytest.fixture(scope="module")
def flat_history():
    return [profile(i, flat(i)) for i in range(35)]


def test_weekday_effect_is_found_in_a_weekend_dip_and_not_in_flat_counts(weekly_history, flat_history):
    weekly, why = weekday_effect(weekly_history)
    assert weekly and "Kruskal–Wallis p = " in why
    assert weekday_effect(flat_history)[0] is False
    too_short, why = weekday_effect(weekly_history[:27])
    assert too_short is False and "27 dated partitions: at least 28 (4 weeks)" in why


def test_auto_judges_a_saturdays_row_count_at_the_saturday_level_when_the_week_shows(weekly_history):
    saturday = next(i for i in range(35, 42) if day(i).weekday() == 5)
    verdict = PartitionAnomalyDetector(seasonality="auto").evaluate(profile(saturday, weekend_dip(saturday)), weekly_history)
    assert verdict.status == "ok"
    assert verdict.history_size == 35  # every day, row counts scaled to Saturdays
    assert verdict.notes[0].startswith("weekly seasonality: row counts differ by weekday")
    assert "earlier row counts scaled to this weekday's level" in verdict.notes[0]
    # A Saturday with a weekday's orders (a batch loaded twice over?) is news only at the Saturday level.
    doubled = profile(saturday, 1_000)
    weekly = PartitionAnomalyDetector(seasonality="auto").evaluate(doubled, weekly_history)
    assert weekly.status == "anomalous" and weekly.explanations[0].metric == "row_count"
    assert PartitionAnomalyDetector().evaluate(doubled, weekly_history).status == "ok"


def test_auto_keeps_every_day_without_a_weekday_effect_and_says_why(flat_history):
    verdict = PartitionAnomalyDetector(seasonality="auto").evaluate(profile(36, flat(36)), flat_history)
    assert verdict.history_size == 35
    assert verdict.notes[0].startswith("compared with all days: no significant weekday effect")
    short = PartitionAnomalyDetector(seasonality="auto").evaluate(profile(20, flat(20)), flat_history[:20])
    assert short.history_size == 20 and "at least 28 (4 weeks)" in short.notes[0]


def test_auto_still_catches_a_corrupted_weekday(weekly_history):
    frame = orders(40, weekend_dip(40))
    frame.loc[: len(frame) // 10, "amount"] *= -1  # 10% negative amounts
    verdict = PartitionAnomalyDetector(seasonality="auto").evaluate(profile_frame(frame).with_key(day(40).isoformat()), weekly_history)
    assert verdict.status == "anomalous" and verdict.culprits[0] == "amount"


# Holidays: a quarter of the usual orders on each; four in the 35 days before the one under test.
HOLIDAYS = [day(i) for i in (3, 12, 20, 29)]
LATE_HOLIDAY = 38


def holiday_rows(i: int) -> int:
    return 250 + int(np.random.default_rng(2000 + i).integers(-10, 10)) if day(i) in HOLIDAYS or i == LATE_HOLIDAY else flat(i)


@pytest.fixture(scope="module")
def holiday_history():
    return [profile(i, holiday_rows(i)) for i in range(35)]


def test_a_holiday_is_judged_against_earlier_holidays(holiday_history):
    holidays = [*HOLIDAYS, day(LATE_HOLIDAY).isoformat()]  # dates and ISO strings both work
    verdict = PartitionAnomalyDetector(holidays=holidays).evaluate(profile(LATE_HOLIDAY, holiday_rows(LATE_HOLIDAY)), holiday_history)
    assert verdict.status == "ok"
    assert (verdict.history_size, verdict.notes[0]) == (4, "holiday: compared with 4 earlier holidays")
    # Among holidays, a quiet day is ordinary and a corrupted one is still caught.
    frame = orders(LATE_HOLIDAY, holiday_rows(LATE_HOLIDAY))
    frame.loc[: len(frame) // 10, "amount"] *= -1
    corrupted = PartitionAnomalyDetector(holidays=holidays).evaluate(
        profile_frame(frame).with_key(day(LATE_HOLIDAY).isoformat()), holiday_history
    )
    assert corrupted.status == "anomalous" and corrupted.culprits[0] == "amount"


def test_holidays_stay_out_of_the_ordinary_baseline(holiday_history):
    verdict = PartitionAnomalyDetector(holidays=HOLIDAYS).evaluate(profile(36, flat(36)), holiday_history)
    assert verdict.status == "ok"
    assert verdict.history_size == 31 and verdict.notes[0] == "4 holiday(s) kept out of the baseline"
    # Kept out, the holidays no longer widen the band of row counts: a day at half its orders is caught.
    half = PartitionAnomalyDetector(holidays=HOLIDAYS).evaluate(profile(36, 500), holiday_history)
    assert half.status == "anomalous" and half.explanations[0].metric == "row_count"


def test_a_holiday_with_too_few_earlier_holidays_is_judged_against_ordinary_days(holiday_history):
    verdict = PartitionAnomalyDetector(holidays=HOLIDAYS[2:] + [day(LATE_HOLIDAY)]).evaluate(
        profile(LATE_HOLIDAY, holiday_rows(LATE_HOLIDAY)), holiday_history
    )
    assert verdict.notes[0] == "holiday, but only 2 earlier holiday(s) (3 needed): compared with ordinary days"
    # The two holidays the calendar does not name stay in the baseline: 35 − 2 named ones.
    assert verdict.history_size == 33


def test_country_calendars_by_code_or_name():
    us = holiday_calendar("US")
    assert us is not None and us(dt.date(2031, 7, 4)) and not us(dt.date(2031, 7, 5))
    assert holiday_calendar("united states") is not None
    germany = holiday_calendar("germany")
    assert germany is not None and germany(dt.date(2024, 10, 3))
    nyse = holiday_calendar("NYSE")
    assert nyse is not None and nyse(dt.date(2024, 11, 28))


def test_unknown_calendars_and_dates_are_configuration_errors_naming_the_value(monkeypatch):
    with pytest.raises(ConfigurationError, match="holidays='Atlantis' is neither a list of dates nor a country"):
        PartitionAnomalyDetector(holidays="Atlantis")
    with pytest.raises(ConfigurationError, match="holidays: '2024-13-01' is not a date"):
        holiday_calendar(["2024-12-25", "2024-13-01"])
    monkeypatch.setitem(sys.modules, "holidays", None)  # as if the extra were not installed
    with pytest.raises(
        ConfigurationError, match=r"holidays='US' needs the 'holidays' package: pip install 'airflow-quality-gates\[holidays\]'"
    ):
        holiday_calendar("US")


def test_seasonality_must_be_known():
    with pytest.raises(ValueError, match="seasonality must be None, 'weekly' or 'auto', not 'monthly'"):
        PartitionAnomalyDetector(seasonality="monthly")
