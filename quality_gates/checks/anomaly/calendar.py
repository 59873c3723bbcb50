"""Calendar awareness of the anomaly gate: is there a day-of-week effect worth comparing Mondays
with Mondays for, and which partitions are holidays (kept out of the ordinary baseline)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import statistics
from collections.abc import Callable, Iterable, Sequence

from quality_gates.checks.errors import ConfigurationError
from quality_gates.checks.profiles.model import PartitionProfile

# Weekly comparison needs at least four partitions of each weekday: four weeks of dated history.
MIN_WEEKS = 4
# A weekday effect on row counts must be this significant (Kruskal–Wallis on log row counts):
# at 0.05 one dataset in twenty with no weekly pattern would lose three quarters of its baseline.
WEEKDAY_P_VALUE = 0.01
# A holiday is judged against earlier holidays only when there are at least this many of them.
MIN_HOLIDAYS = 3

HolidaySpec = str | Iterable[str | dt.date]


def partition_date(key: str | None) -> dt.date | None:
    """The ISO date a partition key starts with ("2024-07-04", "2024-07-04T00:00"), or None."""
    try:
        return dt.date.fromisoformat(str(key)[:10])
    except (TypeError, ValueError):
        return None


def weekday_effect(history: Sequence[PartitionProfile]) -> tuple[bool, str]:
    """Whether row counts differ by weekday, and why (or why not) in words.

    Kruskal–Wallis on log row counts: ranks, so one holiday or outage does not make a weekly
    pattern, and the log makes a 10% weekend dip count the same at 100 and 100,000 rows.
    """
    from scipy import stats

    by_day: dict[int, list[float]] = {}
    for profile in history:
        day = partition_date(profile.partition_key)
        if day is not None:
            by_day.setdefault(day.weekday(), []).append(math.log1p(max(profile.row_count, 0)))
    dated = sum(len(v) for v in by_day.values())
    if dated < 7 * MIN_WEEKS or len(by_day) < 2:
        return False, f"{dated} dated partitions: at least {7 * MIN_WEEKS} ({MIN_WEEKS} weeks) are needed to test for a weekday effect"
    if len({value for values in by_day.values() for value in values}) == 1:
        return False, "row counts are the same every day: no weekday effect"
    p_value = float(stats.kruskal(*by_day.values()).pvalue)
    if p_value < WEEKDAY_P_VALUE:
        return True, f"row counts differ by weekday (Kruskal–Wallis p = {p_value:.2g} < {WEEKDAY_P_VALUE})"
    return False, f"no significant weekday effect on row counts (Kruskal–Wallis p = {p_value:.2g})"


def holiday_calendar(spec: HolidaySpec | None) -> Callable[[dt.date], bool] | None:
    """``holidays=`` as a membership test: a list of dates (ISO strings or dates), or a country
    (code or name) or financial market known to the ``holidays`` package."""
    if spec is None:
        return None
    if isinstance(spec, str):
        return _named_calendar(spec)
    days = set()
    for value in spec:
        if isinstance(value, dt.datetime):
            days.add(value.date())
        elif isinstance(value, dt.date):
            days.add(value)
        else:
            day = partition_date(value) if isinstance(value, str) and len(value) == 10 else None
            if day is None:
                raise ConfigurationError(f"holidays: {value!r} is not a date (YYYY-MM-DD)")
            days.add(day)
    return days.__contains__


def _named_calendar(name: str) -> Callable[[dt.date], bool]:
    try:
        import holidays
        from holidays import registry
    except ImportError as error:
        raise ConfigurationError(
            f"holidays={name!r} needs the 'holidays' package: pip install 'airflow-quality-gates[holidays]'"
        ) from error
    wanted = name.strip().lower().replace(" ", "_").replace("-", "_")
    for entities, build in ((registry.COUNTRIES, holidays.country_holidays), (registry.FINANCIAL, holidays.financial_holidays)):
        for module, (class_name, *codes) in entities.items():
            names = {module, class_name.lower(), *(c.lower() for c in codes if not c.startswith("Holidays"))}
            if wanted in names:
                # Years are filled in lazily on lookup, so any partition date is covered.
                return build(codes[0]).__contains__
    raise ConfigurationError(
        f"holidays={name!r} is neither a list of dates nor a country or market of the 'holidays' package "
        "(e.g. 'US', 'DE', 'united_kingdom', 'NYSE')"
    )


def weekday_scaled(current: PartitionProfile, history: Sequence[PartitionProfile]) -> tuple[list[PartitionProfile], str] | None:
    """History with each partition's row count scaled to the current partition's weekday (by the
    ratio of the two weekdays' median row counts), and a note; None when a weekday has too few.

    Only the row count is made seasonal: every other metric is still judged against the whole
    history, whose thresholds 30 partitions estimate well and 4 Saturdays would not.
    """
    day = partition_date(current.partition_key)
    by_day: dict[int, list[int]] = {}
    for profile in history:
        if (d := partition_date(profile.partition_key)) is not None:
            by_day.setdefault(d.weekday(), []).append(profile.row_count)
    if day is None or len(by_day.get(day.weekday(), ())) < MIN_WEEKS - 1:
        return None
    medians = {weekday: float(statistics.median(counts)) for weekday, counts in by_day.items() if len(counts) >= 2}
    level = medians[day.weekday()]
    scaled = []
    for profile in history:
        d = partition_date(profile.partition_key)
        median = medians.get(d.weekday()) if d is not None else None
        if not median or "row_count" not in profile.table_metrics:
            scaled.append(profile)
            continue
        table = {**profile.table_metrics, "row_count": profile.table_metrics["row_count"] * level / median}
        scaled.append(dataclasses.replace(profile, table_metrics=table))
    return scaled, f"earlier row counts scaled to this weekday's level (median {level:,.0f})"
