"""Dates known only to a day, a month or a year.

A date is stored as the first day of the period it names (October 2024 is
2024-10-01 with month precision) beside a precision column, so that it sorts and
filters like any date while its display never claims more than is known.
"""

import datetime

from django.db import models


class DatePrecision(models.TextChoices):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    UNKNOWN = "unknown"


_RANK = {DatePrecision.DAY: 0, DatePrecision.MONTH: 1, DatePrecision.YEAR: 2}


def truncate(date, precision):
    """The first day of the period `date` falls in, at `precision`."""
    if date is None or precision == DatePrecision.UNKNOWN:
        return None
    if precision == DatePrecision.MONTH:
        return date.replace(day=1)
    if precision == DatePrecision.YEAR:
        return date.replace(month=1, day=1)
    return date


def is_after(date, precision, other, other_precision):
    """Whether `date` is certainly later than `other`, compared at the coarser precision.

    Unknown dates are never after anything: there is nothing to compare.
    """
    if date is None or other is None:
        return False
    if DatePrecision.UNKNOWN in (precision, other_precision):
        return False
    coarser = max(precision, other_precision, key=lambda p: _RANK[p])
    return truncate(date, coarser) > truncate(other, coarser)


def parse_partial(value):
    """Read "2024-10-04", "2024-10" or "2024" as (date, precision); None as unknown."""
    if value in (None, ""):
        return None, DatePrecision.UNKNOWN
    parts = str(value).split("-")
    if len(parts) == 3:
        return datetime.date.fromisoformat(value), DatePrecision.DAY
    if len(parts) == 2:
        return datetime.date(int(parts[0]), int(parts[1]), 1), DatePrecision.MONTH
    if len(parts) == 1:
        return datetime.date(int(parts[0]), 1, 1), DatePrecision.YEAR
    raise ValueError(f"Not a date: {value!r}")


def display(date, precision):
    """'4 October 2024', 'October 2024', '2024' or 'date unknown'."""
    if date is None or precision == DatePrecision.UNKNOWN:
        return "date unknown"
    if precision == DatePrecision.YEAR:
        return f"{date.year}"
    if precision == DatePrecision.MONTH:
        return f"{date:%B} {date.year}"
    return f"{date.day} {date:%B} {date.year}"


def iso(date, precision):
    """ISO 8601 at the known precision: '2024-10-04', '2024-10', '2024' or ''."""
    if date is None or precision == DatePrecision.UNKNOWN:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{date.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{date.year:04d}-{date.month:02d}"
    return date.isoformat()
