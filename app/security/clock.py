"""Time for security decisions: wall time, a monotonic clock and the store's own high-water mark.

A release expires by wall time, but a wall clock can be moved backwards. So every security
operation advances the store's ``store_clock`` row (the latest wall time seen, never lowered, plus
an operation counter), and expiry is judged on ``max(wall now, high water)``. A release also
records the monotonic clock and the boot it was issued in; on the same boot the monotonic time
elapsed decides as well. This module owns that arithmetic and nothing else.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

UTC = dt.timezone.utc


def _boot_id() -> str:
    """An id of this boot of the machine (Linux); elsewhere an id of this process, which only
    means the monotonic check is skipped across processes there."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "process-" + _PROCESS_ID


_PROCESS_ID = str(uuid.uuid4())


@dataclass
class Clock:
    """Wall and monotonic time. Tests pass their own functions; production uses the system's."""

    wall: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(UTC))
    mono: Callable[[], float] = field(default=time.monotonic)
    boot_id: str = field(default_factory=_boot_id)

    def now(self) -> dt.datetime:
        value = self.wall()
        if value.tzinfo is None:
            raise ValueError("security times must be timezone-aware")
        return value.astimezone(UTC)


SYSTEM_CLOCK = Clock()


def iso(value: dt.datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def parse(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Tick:
    """One reading of the store's clock: the wall time now, the high-water mark before this
    reading, and the operation counter. ``moved_back`` is true when the wall clock is behind a
    time the store has already seen (by more than the tolerance)."""

    wall: dt.datetime
    high_water: dt.datetime
    tick: int
    moved_back: bool

    @property
    def effective(self) -> dt.datetime:
        """The time to judge expiry by: never earlier than anything the store has seen."""
        return max(self.wall, self.high_water)


#: clocks of one machine jitter; a step back larger than this is a clock moved backwards
TOLERANCE = dt.timedelta(seconds=2)


def advance(conn: sqlite3.Connection, clock: Clock) -> Tick:
    """Read the clock and advance the store's high-water mark and counter. Call inside a write
    transaction (the row is updated)."""
    wall = clock.now()
    row = conn.execute("SELECT high_water, tick FROM store_clock WHERE id = 1").fetchone()
    if row is None:
        conn.execute("INSERT INTO store_clock(id, high_water, tick) VALUES (1, ?, 1)", (iso(wall),))
        return Tick(wall, wall, 1, False)
    high = parse(row[0])
    tick = row[1] + 1
    conn.execute("UPDATE store_clock SET high_water = ?, tick = ? WHERE id = 1",
                 (iso(max(high, wall)), tick))
    return Tick(wall, high, tick, wall < high - TOLERANCE)


def peek(conn: sqlite3.Connection, clock: Clock) -> Tick:
    """Read the clock without writing (for checks outside a transaction)."""
    wall = clock.now()
    row = conn.execute("SELECT high_water, tick FROM store_clock WHERE id = 1").fetchone()
    if row is None:
        return Tick(wall, wall, 0, False)
    high = parse(row[0])
    return Tick(wall, high, row[1], wall < high - TOLERANCE)
