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
Imports no other module of the application but ``sigcore`` (``audit`` imports this one).
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache

from app.security import sigcore

#: the columns of a ledger event, in the order this module reads them
COLUMNS = ("id", "measure_id", "kind", "stage", "system", "ref_id", "office_day", "at", "staff_id",
           "terminal_id", "payload", "auth_method", "signature")

#: a verification depends only on its arguments (message, signature, keys): remembered, so the
#: desk's refresh does not verify the same event again
_verified = lru_cache(maxsize=65536)(sigcore.check_signature)


class Checker:
    """Checks the ledger events of one store: signers' registered keys read once per checker."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._keys: dict[str, tuple] = {}

    def signer(self, staff_id: str) -> tuple:
        if staff_id not in self._keys:
            row = self.conn.execute("SELECT sign_pub, card_cert FROM staff WHERE id = ?",
                                    (staff_id,)).fetchone()
            self._keys[staff_id] = (row[0], bytes(row[1]) if row[1] is not None else None) \
                if row else (None, None)
        return self._keys[staff_id]

    def ref_digest(self, row: dict) -> str | None:
        """The digest of the event a confirmation confirms (None for other kinds); raises
        LookupError when that event is not in the store."""
        if row.get("kind") not in sigcore.LEDGER_CONFIRMS:
            return None
        ref = self.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM measure_events WHERE id = ?",
                                (row.get("ref_id"),)).fetchone()
        if ref is None:
            raise LookupError(row.get("ref_id"))
        return sigcore.ledger_digest(dict(zip(COLUMNS, ref)))

    def problem(self, row: dict) -> str | None:
        """Why this event (a dict of :data:`COLUMNS`; payload as JSON text or value) is not
        validly signed by its person, or None."""
        try:
            ref = self.ref_digest(row)
        except LookupError:
            return "the event it confirms is not in the ledger"
        return _verified(row.get("auth_method"), sigcore.ledger_message(row, ref),
                         row.get("signature"), *self.signer(row.get("staff_id")))


def signature_problems(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Every ledger event whose signature does not hold: ``(event id, what is wrong)`` (for
    ``audit verify`` and the self-test)."""
    try:
        rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM measure_events ORDER BY at, id").fetchall()
    except sqlite3.OperationalError:            # a store older than the ledger
        return []
    checker = Checker(conn)
    out = []
    for values in rows:
        row = dict(zip(COLUMNS, values))
        problem = checker.problem(row)
        if problem:
            what = f"of measure {row['measure_id']}" if row["measure_id"] else "(reconciliation)"
            out.append((row["id"], f"ledger event {row['kind']} {row['id']} {what} by "
                                   f"{row['staff_id']}: {problem}"))
    return out
