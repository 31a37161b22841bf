"""A release as it is stored, and the check of its signatures (:mod:`app.security.release` makes
and uses releases; ``audit verify`` and the self-test check every stored one through
:func:`signature_problems` without importing the release workflow, which writes the audit log).

A row in the store is only as good as its signature: the officer's registered Ed25519 key or card
over exactly this row (:mod:`app.security.sigcore`), and for a re-lock or its confirmation the
person's key or card over the event and the release's digest.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from app.security import sigcore
from app.security.clock import SYSTEM_CLOCK, Clock, parse


@dataclass(frozen=True)
class Release:
    id: str
    case_id: str
    handling_staff_id: str
    officer_id: str
    terminal_id: str
    decision: str
    persons: tuple[str, ...]
    protected: tuple[str, ...]
    documents: tuple[str, ...]
    scope_digest: str
    reason: str | None
    checklist: dict
    auth_method: str
    issued_at: str
    issued_tick: int
    issued_mono: float | None
    boot_id: str | None
    expires_at: str
    signature: str | None = None
    events: dict = field(default_factory=dict)     # kind → {"at", "staff_id", "note", ...}

    def as_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(self).items()
                if k != "events"}

    def seconds_left(self, clock: Clock = SYSTEM_CLOCK) -> float:
        """For the screen's countdown (not a decision: :func:`app.security.release.check` decides)."""
        left = (parse(self.expires_at) - clock.now()).total_seconds()
        if self.issued_mono is not None and self.boot_id == clock.boot_id:
            ttl = (parse(self.expires_at) - parse(self.issued_at)).total_seconds()
            left = min(left, ttl - (clock.mono() - self.issued_mono))
        return max(0.0, left)


COLUMNS = ("id, case_id, handling_staff_id, officer_id, terminal_id, decision, persons, "
           "protected, documents, scope_digest, reason, checklist, auth_method, issued_at, "
           "issued_tick, issued_mono, boot_id, expires_at, signature")
EVENT_COLUMNS = ("id", "release_id", "kind", "at", "tick", "staff_id", "terminal_id", "note",
                 "auth_method", "signature")


def read(conn, row) -> Release:
    """The release of a ``SELECT {COLUMNS} FROM releases`` row, with its events."""
    values = list(row)
    for i in (6, 7, 8):
        values[i] = tuple(json.loads(values[i]))
    values[11] = json.loads(values[11])
    events = {r[2]: dict(zip(EVENT_COLUMNS, r)) for r in conn.execute(
        f"SELECT {', '.join(EVENT_COLUMNS)} FROM release_events WHERE release_id = ?", (row[0],))}
    return Release(*values, events=events)


def card_history(conn, staff_id: str) -> list[tuple[bytes, str | None, str | None]]:
    """``(der, registered_at, replaced_at)`` of every card registered to the person (store
    migration 14, written by :func:`app.security.cardauth.register_card` and pulled from the
    server); the current card alone for a store or row from before the history was kept."""
    try:
        rows = [(bytes(r[0]), r[1], r[2]) for r in conn.execute(
            "SELECT card_cert, registered_at, replaced_at FROM staff_card_certs WHERE staff_id = ? "
            "ORDER BY registered_at", (staff_id,))]
    except sqlite3.OperationalError:            # a store older than the card history
        rows = []
    if rows:
        return rows
    row = conn.execute("SELECT card_cert FROM staff WHERE id = ?", (staff_id,)).fetchone()
    return [(bytes(row[0]), None, None)] if row and row[0] else []


def signer_keys(conn, staff_id: str, at: str | None) -> tuple[str | None, tuple[bytes, ...]]:
    """The person's public keys, and the card certificates registered to them at ``at``."""
    row = conn.execute("SELECT sign_pub FROM staff WHERE id = ?", (staff_id,)).fetchone()
    return (row[0] if row else None), sigcore.certs_at(card_history(conn, staff_id), at)


def signature_problem(conn: sqlite3.Connection, release) -> str | None:
    """Why the signature of a release (a :class:`Release` or its row as a dict) does not hold,
    or None when it was made by the officer's registered key or card (the card registered to them
    when the release was issued) over exactly this row."""
    row = release.as_dict() if isinstance(release, Release) else release
    return sigcore.check_signature(row["auth_method"], sigcore.release_message(row),
                                   row.get("signature"),
                                   *signer_keys(conn, row["officer_id"], row.get("issued_at")))


def event_signature_problem(conn: sqlite3.Connection, release: Release, event: dict) -> str | None:
    """Why a re-lock / re-lock confirmation is not validly signed by its person, or None."""
    digest = sigcore.release_digest(release.as_dict())
    return sigcore.check_signature(event.get("auth_method"), sigcore.event_message(event, digest),
                                   event.get("signature"),
                                   *signer_keys(conn, event["staff_id"], event.get("at")))


def signature_problems(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Every release, refusal, re-lock and re-lock confirmation in the store whose signature does
    not hold: ``(release id, what is wrong)`` (for ``audit verify`` and the self-test)."""
    out = []
    keys: dict[str, tuple] = {}

    def signer(staff_id, at):
        if staff_id not in keys:
            row = conn.execute("SELECT sign_pub FROM staff WHERE id = ?", (staff_id,)).fetchone()
            keys[staff_id] = (row[0] if row else None), card_history(conn, staff_id)
        sign_pub, history = keys[staff_id]
        return sign_pub, sigcore.certs_at(history, at)

    for row in conn.execute(f"SELECT {COLUMNS} FROM releases ORDER BY issued_tick"):
        release = read(conn, row)
        data = release.as_dict()
        problem = sigcore.check_signature(data["auth_method"], sigcore.release_message(data),
                                          release.signature,
                                          *signer(release.officer_id, release.issued_at))
        if problem:
            out.append((release.id, f"{release.decision} {release.id} of case {release.case_id} "
                                    f"by {release.officer_id}: {problem}"))
            continue
        digest = sigcore.release_digest(data)
        for kind in sigcore.SIGNED_EVENTS:
            event = release.events.get(kind)
            if event is None:
                continue
            problem = sigcore.check_signature(event["auth_method"],
                                              sigcore.event_message(event, digest),
                                              event["signature"],
                                              *signer(event["staff_id"], event.get("at")))
            if problem:
                out.append((release.id, f"{kind} {event['id']} of release {release.id} by "
                                        f"{event['staff_id']}: {problem}"))
    return out

