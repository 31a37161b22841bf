"""監査ログ: the append-only, hash-chained audit log of the store.

Each entry holds the previous entry's hash and its own SHA-256 over the canonical JSON of all its
other fields, so an entry edited, deleted, reordered or cut off is found by :func:`verify`. The
database refuses UPDATE and DELETE on the table (triggers), and every entry is queued for the
central server in the same transaction (outbox kind ``'audit'``); the server's witnessed head
(``sync_state['audit_witness']``) catches a log rewritten wholesale with the triggers dropped.

Logged: every look-up and every decision touching a protected person, sign-ins (ok and failed),
releases and refusals, staff changes and settings changes — with operator, terminal, target, time.
Never logged: a PIN, a password, a My Number. :func:`append` refuses keys that name such a secret
and masks any 12-digit run in the detail.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass, field

from app.errors import MadoguchiError
from app.security.clock import SYSTEM_CLOCK, Clock, advance, iso
from app.store.db import new_id
from app.store.outbox import enqueue

GENESIS = "0" * 64

#: columns that go into an entry's hash, in the order of the table
HASHED = ("seq", "id", "at", "tick", "staff_id", "terminal_id", "action", "target_kind",
          "target_id", "case_id", "detail", "prev_hash")

_SECRET_KEY_TOKENS = {"pin", "pins", "password", "passwords", "passcode", "passwd", "mynumber"}
_TWELVE_DIGITS = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")


class AuditSecretError(MadoguchiError, ValueError):
    """A caller tried to put a secret (PIN, password, My Number) into the audit log."""

    code = "audit.secret"


def canonical(obj) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(row: dict) -> str:
    return hashlib.sha256(canonical({k: row[k] for k in HASHED}).encode("utf-8")).hexdigest()


def _scrub(value, path: str = ""):
    """Refuse secret-named keys; mask My-Number-shaped digit runs in strings."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            tokens = set(re.split(r"[^a-z0-9]+", str(key).lower()))
            if tokens & _SECRET_KEY_TOKENS or "my_number" in str(key).lower():
                raise AuditSecretError(f"the audit log never holds a secret (key {path}{key!r})")
            out[str(key)] = _scrub(item, f"{path}{key}.")
        return out
    if isinstance(value, (list, tuple)):
        return [_scrub(v, path) for v in value]
    if isinstance(value, str):
        return _TWELVE_DIGITS.sub("************", value)
    return value


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    id: str
    at: str
    tick: int
    staff_id: str | None
    terminal_id: str
    action: str
    target_kind: str | None
    target_id: str | None
    case_id: str | None
    detail: str
    prev_hash: str
    hash: str

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in (*HASHED, "hash")}


def append(conn: sqlite3.Connection, *, action: str, terminal_id: str, staff_id: str | None = None,
           target_kind: str | None = None, target_id: str | None = None,
           case_id: str | None = None, detail: dict | None = None,
           clock: Clock = SYSTEM_CLOCK) -> AuditEntry:
    """Append one entry. Must run inside the caller's write transaction (``store.transaction()``),
    so the entry, its outbox row and the action it records commit or roll back together."""
    if not conn.in_transaction:
        raise RuntimeError("audit.append must run inside a write transaction")
    tick = advance(conn, clock)
    last = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    row = {
        "seq": (last[0] + 1) if last else 1,
        "id": new_id(),
        "at": iso(tick.wall),
        "tick": tick.tick,
        "staff_id": staff_id,
        "terminal_id": terminal_id,
        "action": action,
        "target_kind": target_kind,
        "target_id": target_id,
        "case_id": case_id,
        "detail": canonical(_scrub(detail or {})),
        "prev_hash": last[1] if last else GENESIS,
    }
    if tick.moved_back:
        # keep the wall time as read, but say so: the chain order stays the truth
        row["detail"] = canonical({**json.loads(row["detail"]), "clock_moved_back": True})
    row["hash"] = entry_hash(row)
    conn.execute(f"INSERT INTO audit_log({', '.join((*HASHED, 'hash'))}) "
                 f"VALUES ({', '.join('?' * (len(HASHED) + 1))})",
                 tuple(row[k] for k in (*HASHED, "hash")))
    enqueue(conn, "audit", row["id"], row)
    return AuditEntry(**row)


def record(store, **kwargs) -> AuditEntry:
    """:func:`append` in a transaction of its own (joins the caller's if one is open)."""
    with store.transaction() as conn:
        return append(conn, **kwargs)


def entries(conn: sqlite3.Connection, *, target_id: str | None = None, case_id: str | None = None,
            limit: int = 200) -> list[AuditEntry]:
    """The latest entries, newest first, optionally for one target or case (for review screens)."""
    sql = f"SELECT {', '.join((*HASHED, 'hash'))} FROM audit_log"
    where, args = [], []
    if target_id:
        where.append("target_id = ?")
        args.append(target_id)
    if case_id:
        where.append("case_id = ?")
        args.append(case_id)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY seq DESC LIMIT ?"
    return [AuditEntry(*r) for r in conn.execute(sql, (*args, limit))]


def head(conn: sqlite3.Connection) -> dict | None:
    """The chain head ``{"seq", "hash"}`` (what the sync engineer sends to be witnessed)."""
    row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    return {"seq": row[0], "hash": row[1]} if row else None


# --------------------------------------------------------------------------------- verification

@dataclass(frozen=True)
class Problem:
    seq: int | None      # the first broken entry, when one can be named
    text: str


@dataclass
class VerifyResult:
    entries: int = 0
    head: dict | None = None
    problems: list[Problem] = field(default_factory=list)
    witness: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        if not self.problems:
            return None
        return min(self.problems, key=lambda p: (p.seq is None, p.seq or 0))


_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete")


def verify(conn: sqlite3.Connection) -> VerifyResult:
    """Walk the chain from the first entry; check every hash and link, that sequence numbers have
    no gap, the server-witnessed head (if any), the entries still queued or kept in the outbox,
    and that the append-only triggers are in place."""
    result = VerifyResult()
    expected_seq, prev_hash = 1, GENESIS
    cur = conn.execute(f"SELECT {', '.join((*HASHED, 'hash'))} FROM audit_log ORDER BY seq")
    for values in cur:
        row = dict(zip((*HASHED, "hash"), values))
        seq = row["seq"]
        result.entries += 1
        if seq != expected_seq:
            result.problems.append(Problem(expected_seq, (
                f"entry {expected_seq} is missing (deleted): the log jumps from entry "
                f"{expected_seq - 1} to entry {seq}")))
        elif row["prev_hash"] != prev_hash:
            result.problems.append(Problem(seq, (
                f"entry {seq} does not follow entry {seq - 1} (entries reordered, replaced or "
                f"removed)")))
        if entry_hash(row) != row["hash"]:
            result.problems.append(Problem(seq, f"entry {seq} was altered (its hash does not match "
                                                f"its contents)"))
        expected_seq, prev_hash = seq + 1, row["hash"]
        if result.problems:
            break        # later entries are not trustworthy after the first break
    last = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    result.head = {"seq": last[0], "hash": last[1]} if last else None

    witness_row = conn.execute("SELECT value FROM sync_state WHERE key = 'audit_witness'").fetchone()
    if witness_row:
        try:
            witness = json.loads(witness_row[0])
            wseq, whash = int(witness["seq"]), str(witness["hash"])
        except (ValueError, KeyError, TypeError):
            result.problems.append(Problem(None, "the server-witnessed head in sync_state is unreadable"))
        else:
            result.witness = {"seq": wseq, "hash": whash}
            have = conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (wseq,)).fetchone()
            if have is None:
                result.problems.append(Problem(wseq, (
                    f"entry {wseq} was witnessed by the server but is missing: the log was "
                    f"truncated or entries deleted")))
            elif have[0] != whash:
                result.problems.append(Problem(wseq, (
                    f"entry {wseq} differs from the hash the server witnessed: the log was "
                    f"rewritten")))

    hashes = dict(conn.execute("SELECT seq, hash FROM audit_log"))
    for row_id, seq, sent_hash in conn.execute(
            "SELECT row_id, json_extract(payload, '$.seq'), json_extract(payload, '$.hash') "
            "FROM outbox WHERE kind = 'audit' ORDER BY seq"):
        if not isinstance(seq, int) or not isinstance(sent_hash, str):
            result.problems.append(Problem(None, f"outbox audit row {row_id} is unreadable"))
            continue
        have = hashes.get(seq)
        if have is None:
            result.problems.append(Problem(seq, (
                f"entry {seq} is in the outbox but missing from the log (truncated or deleted)")))
        elif have != sent_hash:
            result.problems.append(Problem(seq, f"entry {seq} differs from the copy queued for "
                                                f"the server"))

    present = {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")}
    missing = [t for t in _TRIGGERS if t not in present]
    if missing:
        result.problems.append(Problem(None, "the append-only triggers of the audit log were "
                                             "removed: " + ", ".join(missing)))
    return result
