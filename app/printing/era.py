"""Dates as printed on certificates: the Japanese era calendar (和暦) and the Western form.

Owns the era table and the two date formats. Pure functions, no I/O; it must not decide which
calendar a field uses (that is the document's job: a foreign resident's birth date and residence
expiry are printed in the Western calendar, everything else in the era calendar).
"""

from __future__ import annotations

import datetime as _dt

#: (first day, era name), newest last. The first year of an era is printed as 元年.
ERAS: tuple[tuple[_dt.date, str], ...] = (
    (_dt.date(1868, 10, 23), "明治"),
    (_dt.date(1912, 7, 30), "大正"),
    (_dt.date(1926, 12, 25), "昭和"),
    (_dt.date(1989, 1, 8), "平成"),
    (_dt.date(2019, 5, 1), "令和"),
)


def as_date(value: str | _dt.date | _dt.datetime | None) -> _dt.date | None:
    """An ISO date or datetime text (or a date) as a date; empty gives None."""
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value)[:10])


def era_of(day: _dt.date) -> tuple[str, int]:
    """The era name and the year within it, e.g. 2019-05-01 → ("令和", 1)."""
    for start, name in reversed(ERAS):
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"{day.isoformat()} is before the Meiji era")


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
