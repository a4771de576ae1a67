"""Statutory terms of protection (Patent Law Art. 42), counted from the filing date."""

from __future__ import annotations

import datetime as dt

from data.enums import PatentType

# The 2020 amendment lengthened design patents to 15 years for applications filed on or after
# 2021-06-01; earlier designs keep 10.
_DESIGN_15_YEARS_FROM = dt.date(2021, 6, 1)


def add_years(day: dt.date, years: float) -> dt.date:
    whole = int(years)
    try:
        shifted = day.replace(year=day.year + whole)
    except ValueError:  # 29 February in a non-leap target year
        shifted = day.replace(year=day.year + whole, day=28)
    return shifted + dt.timedelta(days=round((years - whole) * 365.25))


def term_years(patent_type: PatentType, application_date: dt.date) -> int:
    if patent_type is PatentType.INVENTION:
        return 20
    if patent_type is PatentType.UTILITY_MODEL:
        return 10
    return 15 if application_date >= _DESIGN_15_YEARS_FROM else 10


def expiry_date(patent_type: PatentType, application_date: dt.date) -> dt.date:
    """The last day of protection (the day before the anniversary of filing)."""
    return add_years(application_date, term_years(patent_type, application_date)) - dt.timedelta(days=1)
