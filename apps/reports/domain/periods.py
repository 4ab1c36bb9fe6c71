"""The dashboard's periods: the fixed KPI windows and the picked date range, as dates."""

import dataclasses
from datetime import date, timedelta

# The longest range the dashboard draws day by day (a year, leap day included).
MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30


@dataclasses.dataclass(frozen=True)
class Period:
    key: str  # "today", "7d", "30d", "range": stable, for CSV rows and templates
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def kpi_periods(*, today: date) -> tuple[Period, Period, Period]:
    """Today, the last 7 days and the last 30 days, today included."""
    return (
        Period("today", today, today),
        Period("7d", today - timedelta(days=6), today),
        Period("30d", today - timedelta(days=29), today),
    )


def default_range(*, today: date) -> Period:
    return Period("range", today - timedelta(days=DEFAULT_RANGE_DAYS - 1), today)


def each_day(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]
