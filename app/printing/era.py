"""Dates as printed on certificates: the Japanese era calendar (和暦) and the Western form.

Owns the two date formats; the era table is ``app.era`` (shared with the store's date reader). Pure functions, no I/O; it must not decide which
calendar a field uses (that is the document's job: a foreign resident's birth date and residence
expiry are printed in the Western calendar, everything else in the era calendar).
"""

from __future__ import annotations

import datetime as _dt

from app.era import era_of  # noqa: F401  (the first year of an era is printed as 元年)


def as_date(value: str | _dt.date | _dt.datetime | None) -> _dt.date | None:
    """An ISO date or datetime text (or a date) as a date; empty gives None."""
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value)[:10])


def wareki(value: str | _dt.date | None, *, empty: str = "") -> str:
    """A date in the era calendar, e.g. 令和元年5月1日; before 明治 the Western form is used."""
    day = as_date(value)
    if day is None:
        return empty
    try:
        name, year = era_of(day)
    except ValueError:
        return seireki(day)
    year_text = "元" if year == 1 else str(year)
    return f"{name}{year_text}年{day.month}月{day.day}日"


def seireki(value: str | _dt.date | None, *, empty: str = "") -> str:
    """A date in the Western calendar, e.g. 1990年4月1日 (foreign residents' birth date, expiry)."""
    day = as_date(value)
    if day is None:
        return empty
    return f"{day.year}年{day.month}月{day.day}日"
