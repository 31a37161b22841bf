"""Today's cases as the home page lists them, by queue tab."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

#: queue tab → engine statuses
QUEUE_STATUSES = {
    "open": ("open",),
    "paused": ("paused",),
    "awaiting_signoff": ("awaiting_release",),
    "done": ("completed", "refused", "abandoned"),
}


@dataclass(frozen=True)
class QueueEntry:
    case_id: str
    case_type: str
    status: str
    step: Any           # ja/en of the step
    resident: str
    opened_at: str
    clerk: str


def queue(desk, tab: str, limit: int = 200) -> list[QueueEntry]:
    """The cases of one tab, most recently touched first ("done": today's only). Each case's
    events are replayed once, for the resident it is about."""
    today = dt.date.today().isoformat()
    out = []
    engine = desk.engine
    for row in engine.queue(QUEUE_STATUSES[tab], limit=limit):
        if tab == "done" and not row.updated_at.startswith(today):
            continue
        state = engine.state(row.case_id)
        ctype = engine.case_types.get(row.case_type)
        step = ctype.step(row.step) if ctype else None
        out.append(QueueEntry(
            case_id=row.case_id, case_type=row.case_type, status=row.status,
            step={"ja": step.ja, "en": step.en} if step else row.step,
            resident=desk.resident_label(state.plain_values), opened_at=row.opened_at[11:16],
            clerk=desk.staff_name(row.opened_by)))
    return out
