"""Signatures of the support-measure ledger (issue 16, signed as issue 14 signs releases).

Every event of ``measure_events`` — a registration (申出, 仮支援措置, 支援決定, renewal), its
same-day second confirmation, a linked system confirmed "blocked", an end asked for and its
confirmation, a reconciliation signed off — carries the signature of the person who gives it
(``auth_method``, ``signature``: their password-opened Ed25519 key or their card's JPKI key, see
:mod:`app.security.keys`) over :func:`app.security.sigcore.ledger_message`: the event's fields, its
payload (with the digest of the measure rows it sends to the server) and, for a confirmation, the
digest of the event it confirms. SQLite cannot check a signature, so the store's trigger only
refuses an unsigned row; this module checks the signature itself for

- the engine (:mod:`app.security.registration` reads only events that verify: a row written with
  the sqlite3 shell confirms, blocks, ends and signs off nothing),
- ``audit verify`` and ``security selftest`` (:func:`signature_problems` names every such row),

and the central PostgreSQL runs the same ``sigcore`` code on push (server migration 6).
Imports no other module of the application but ``sigcore`` and the card history of
``release_record`` (``audit`` imports this one).
"""

from __future__ import annotations

import sqlite3

from app.security import sigcore
from app.security.release_record import card_history

#: the columns of a ledger event, in the order this module reads them
COLUMNS = ("id", "measure_id", "kind", "stage", "system", "ref_id", "office_day", "at", "staff_id",
           "terminal_id", "payload", "auth_method", "signature")

#: a check depends only on the event's columns, those of the event it confirms and the signer's
#: registered keys: remembered by all three, so the desk's refresh does not check an event again
_checked: dict[tuple, str | None] = {}
_CHECKED_MAX = 200_000


class Checker:
    """Checks the ledger events of one store: signers' registered keys read once per checker."""

    def __init__(self, conn: sqlite3.Connection, rows: dict[str, tuple] | None = None):
        self.conn = conn
        self._keys: dict[str, tuple] = {}
        self._rows = rows                   # every event by id, when the caller has read them all

    def signer(self, staff_id: str, at: str | None) -> tuple:
        """The person's public keys and the cards registered to them at ``at`` (the card history:
        a card renewed or replaced keeps what it signed before)."""
        if staff_id not in self._keys:
            row = self.conn.execute("SELECT sign_pub FROM staff WHERE id = ?", (staff_id,)).fetchone()
            self._keys[staff_id] = (row[0] if row else None), card_history(self.conn, staff_id)
        sign_pub, history = self._keys[staff_id]
        return sign_pub, sigcore.certs_at(history, at)

    def _ref(self, row: dict) -> tuple | None:
        """The columns of the event a confirmation confirms (None for other kinds); raises
        LookupError when that event is not in the store."""
        if row.get("kind") not in sigcore.LEDGER_CONFIRMS:
            return None
        if self._rows is not None:
            ref = self._rows.get(row.get("ref_id"))
        else:
            ref = self.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM measure_events WHERE id = ?",
                                    (row.get("ref_id"),)).fetchone()
        if ref is None:
            raise LookupError(row.get("ref_id"))
        return tuple(ref)

    def ref_digest(self, row: dict) -> str | None:
        """The digest of the event a confirmation confirms (None for other kinds); raises
        LookupError when that event is not in the store."""
        ref = self._ref(row)
        return None if ref is None else sigcore.ledger_digest(dict(zip(COLUMNS, ref)))

    def problem(self, row: dict) -> str | None:
        """Why this event (a dict of :data:`COLUMNS`, payload as stored JSON text) is not validly
        signed by its person, or None."""
        try:
            ref = self._ref(row)
        except LookupError:
            return "the event it confirms is not in the ledger"
        signer = self.signer(row.get("staff_id"), row.get("at"))
        key = (tuple(row.get(c) for c in COLUMNS), ref, signer)
        if key not in _checked:
            if len(_checked) >= _CHECKED_MAX:
                _checked.clear()
            ref_digest = None if ref is None else sigcore.ledger_digest(dict(zip(COLUMNS, ref)))
            _checked[key] = sigcore.check_signature(row.get("auth_method"),
                                                    sigcore.ledger_message(row, ref_digest),
                                                    row.get("signature"), *signer)
        return _checked[key]


def signature_problems(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Every ledger event whose signature does not hold: ``(event id, what is wrong)`` (for
    ``audit verify`` and the self-test)."""
    try:
        rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM measure_events ORDER BY at, id").fetchall()
    except sqlite3.OperationalError:            # a store older than the ledger
        return []
    checker = Checker(conn, {r[0]: r for r in rows})
    out = []
    for values in rows:
        row = dict(zip(COLUMNS, values))
        problem = checker.problem(row)
        if problem:
            what = f"of measure {row['measure_id']}" if row["measure_id"] else "(reconciliation)"
            out.append((row["id"], f"ledger event {row['kind']} {row['id']} {what} by "
                                   f"{row['staff_id']}: {problem}"))
    return out
