import datetime

from claims import dates
from claims.dates import DatePrecision

OCT_4 = datetime.date(2024, 10, 4)


def test_dates_display_only_the_precision_that_is_known():
    assert dates.display(OCT_4, DatePrecision.DAY) == "4 October 2024"
    assert dates.display(OCT_4, DatePrecision.MONTH) == "October 2024"
    assert dates.display(OCT_4, DatePrecision.YEAR) == "2024"
    assert dates.display(None, DatePrecision.UNKNOWN) == "date unknown"


def test_partial_iso_dates_parse_with_their_precision():
    assert dates.parse_partial("2024-10-04") == (OCT_4, DatePrecision.DAY)
    assert dates.parse_partial("2024-10") == (datetime.date(2024, 10, 1), DatePrecision.MONTH)
    assert dates.parse_partial("2024") == (datetime.date(2024, 1, 1), DatePrecision.YEAR)
    assert dates.parse_partial(None) == (None, DatePrecision.UNKNOWN)


def test_a_day_in_the_month_of_publication_is_not_after_it():
    month = datetime.date(2024, 10, 1)
    assert not dates.is_after(OCT_4, DatePrecision.DAY, month, DatePrecision.MONTH)
    assert dates.is_after(datetime.date(2024, 11, 2), DatePrecision.DAY, month, DatePrecision.MONTH)
    assert not dates.is_after(OCT_4, DatePrecision.DAY, None, DatePrecision.UNKNOWN)
