"""The one table of Japanese eras (元号), for reading dates typed at the counter
(``app.store.normalize``) and for printing them (``app.printing.era``). Pure data, no I/O.

明治 starts on 1868-01-25 (慶応4年1月1日): the edict of 1868-10-23 renamed the whole year 明治元年.
"""

from __future__ import annotations

import datetime as _dt

#: (first day, era name, one-letter abbreviation), oldest first; an era ends the day before the next
ERAS: tuple[tuple[_dt.date, str, str], ...] = (
    (_dt.date(1868, 1, 25), "明治", "M"),
    (_dt.date(1912, 7, 30), "大正", "T"),
    (_dt.date(1926, 12, 25), "昭和", "S"),
    (_dt.date(1989, 1, 8), "平成", "H"),
    (_dt.date(2019, 5, 1), "令和", "R"),
)


def era_of(day: _dt.date) -> tuple[str, int]:
    """The era name and the year within it, e.g. 2019-05-01 → ("令和", 1)."""
    for start, name, _ in reversed(ERAS):
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"{day.isoformat()} is before the Meiji era")


def spans() -> dict[str, tuple[_dt.date, _dt.date | None]]:
    """era name → (first day, last day, or None for the era in force)."""
    ends = [start - _dt.timedelta(days=1) for start, _, _ in ERAS[1:]] + [None]
    return {name: (start, end) for (start, name, _), end in zip(ERAS, ends)}
