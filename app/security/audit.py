"""監査ログ: the append-only, hash-chained audit log of the store.

Each entry holds the previous entry's hash and its own SHA-256 over the canonical JSON of all its
other fields, so an entry edited, deleted, reordered or cut off is found by :func:`verify`. The
database refuses UPDATE and DELETE on the table (triggers), and every entry is queued for the
central server in the same transaction (outbox kind ``'audit'``); the server's witnessed head
(``sync_state['audit_witness']``) catches a log rewritten wholesale with the triggers dropped.

:func:`verify` proves a clean log clean inside SQLite (``json_object`` writes each entry's
canonical JSON, a registered function hashes it with hashlib, the query returns only the first
entry it cannot prove) and walks the one-entry-at-a-time reference only from there, so a finding
reads the same either way; a long log is split over two processes.

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

import sqlite_utils

from app.errors import MadoguchiError
from app.security import ledgersig
from app.security.clock import SYSTEM_CLOCK, Clock, advance, iso
from app.security.release_record import signature_problems
from app.store.db import equal_filters, new_id
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
    where, args = equal_filters(target_id=target_id, case_id=case_id)
    rows = sqlite_utils.Database(conn)["audit_log"].rows_where(
        where, args, order_by="seq DESC", select=", ".join((*HASHED, "hash")), limit=limit)
    return [AuditEntry(**r) for r in rows]


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
    witness: dict | None = None          # {"seq", "hash", "at"} as the server recorded it

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        if not self.problems:
            return None
        return min(self.problems, key=lambda p: (p.seq is None, p.seq or 0))

    @property
    def witnessed(self) -> int:
        """Entries 1..witnessed are held by the server (0: none)."""
        return int(self.witness["seq"]) if self.witness else 0

    @property
    def unwitnessed(self) -> int:
        return self.entries - self.witnessed if self.entries >= self.witnessed else 0

    def coverage(self) -> tuple[str, str]:
        """How far the log is witnessed by the server (ja, en): never a bare OK for a tail the
        server has not seen."""
        if not self.entries:
            return "監査ログは空です。", "The audit log is empty."
        if not self.witness:
            return (f"記録 1–{self.entries} はまだ中央サーバーに確認されていません（未同期）。"
                    "この端末だけで書き換えられた可能性は、同期して初めて確認できます。",
                    f"entries 1–{self.entries} are not yet witnessed by the central server (never "
                    f"synced): a rewrite on this terminal alone can only be caught once it syncs")
        at = str(self.witness.get("at") or "?")[:16].replace("T", " ")
        ja = f"記録 1–{self.witnessed} は {at} に中央サーバーが確認済み"
        en = f"entries 1–{self.witnessed} witnessed {at}"
        if self.unwitnessed:
            ja += f"、その後の {self.unwitnessed} 件は未確認"
            en += f"; {self.unwitnessed} entries since, not yet witnessed"
        return ja + "。", en


_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete")

#: canonical JSON of an entry's hashed fields, keys in sorted order (see :func:`canonical`)
_SORTED = sorted(HASHED)
_TEMPLATE = "{" + ",".join(f'"{k}":%s' for k in _SORTED) + "}"
_ORDER = [HASHED.index(k) for k in _SORTED]
_STR = json.encoder.encode_basestring          # what json.dumps(ensure_ascii=False) uses


def _fast_hash(values) -> str:
    """:func:`entry_hash` of a row given as values in :data:`HASHED` order, without building a
    dict (the hashed columns' usual types; anything else goes the slow way)."""
    seq, id_, at, tick, staff, term, action, tkind, tid, case, detail, prev = values[:12]
    if type(seq) is int and type(tick) is int:
        try:
            text = _TEMPLATE % (
                _STR(action), _STR(at), "null" if case is None else _STR(case), _STR(detail),
                _STR(id_), _STR(prev), seq, "null" if staff is None else _STR(staff),
                "null" if tid is None else _STR(tid), "null" if tkind is None else _STR(tkind),
                _STR(term), tick)
            return hashlib.sha256(text.encode("utf-8")).hexdigest()
        except TypeError:
            pass
    return entry_hash(dict(zip(HASHED, values)))


def _hash_or_none(values) -> str | None:
    """The entry's hash, or None for a value no entry can hold (a BLOB written with the shell)."""
    try:
        return _fast_hash(values)
    except TypeError:
        return None


#: a log this long is walked by two processes, each over half of it
PARALLEL_FROM = 200_000


@dataclass
class _Walk:
    """What one walk over entries lo..hi found."""
    entries: int = 0
    first_seq: int | None = None
    first_prev: str | None = None
    last_seq: int | None = None
    last_hash: str | None = None
    problem: Problem | None = None


def _walk_exact(conn: sqlite3.Connection, lo: int, hi: int, copies_from: int) -> _Walk:
    """The reference walk, one entry at a time in Python: check hashes and links of entries ``lo..hi``; from entry ``copies_from`` on also that the
    outbox copy carries the same hash. Stops at the first problem (later entries are not
    trustworthy after it)."""
    walk = _Walk()
    n = len(HASHED)
    cols = ", ".join("a." + c for c in (*HASHED, "hash"))
    expected, prev = None, None
    for a, b, copies in ((lo, min(hi, copies_from - 1), False), (max(lo, copies_from), hi, True)):
        if a > b:
            continue
        sql = (f"SELECT {cols}, json_extract(o.payload, '$.hash') FROM audit_log a "
               f"LEFT JOIN outbox o ON o.kind = 'audit' AND o.row_id = a.id " if copies
               else f"SELECT {cols} FROM audit_log a ")
        for values in conn.execute(sql + "WHERE a.seq BETWEEN ? AND ? ORDER BY a.seq", (a, b)):
            seq, digest = values[0], values[n]
            if walk.first_seq is None:
                walk.first_seq, walk.first_prev = seq, values[n - 1]
            elif seq != expected:
                walk.problem = Problem(expected, (
                    f"entry {expected} is missing (deleted): the log jumps from entry "
                    f"{expected - 1} to entry {seq}"))
            elif values[n - 1] != prev:
                walk.problem = Problem(seq, (
                    f"entry {seq} does not follow entry {seq - 1} (entries reordered, replaced or "
                    f"removed)"))
            if walk.problem is None and _hash_or_none(values) != digest:
                walk.problem = Problem(seq, f"entry {seq} was altered (its hash does not match its "
                                            f"contents)")
            if (walk.problem is None and copies and values[n + 1] is not None
                    and values[n + 1] != digest):
                walk.problem = Problem(seq, f"entry {seq} differs from the copy queued for the "
                                            f"server")
            walk.entries += 1
            walk.last_seq, walk.last_hash = seq, digest
            expected, prev = seq + 1, digest
            if walk.problem:
                return walk
    return walk

# The fast pass. A clean log is proven clean inside SQLite: ``json_object`` writes each entry's
# canonical JSON (keys listed in sorted order, no spaces: the same text as :func:`canonical` for
# integers, text and NULL, checked once per connection by :func:`_sqlite_json_agrees`), a
# registered function hashes it with hashlib, and the query returns only the first entry that is
# not proven clean. Only then is the reference walk run, from the entry before it, so every
# finding and its words are the reference walk's own.

_SHA_FUNCTION = "madoguchi_audit_sha256"
_JSON_OBJECT = "json_object(" + ", ".join(f"'{k}', a.{k}" for k in _SORTED) + ")"
#: the declared types that make SQLite hold every hashed column as the reference walk formats it
#: (TEXT affinity turns a number into text; a BLOB stops ``json_object`` with an error), but for
#: a fractional ``tick``, which the query sends to the reference walk
_AFFINITY = {k: "INTEGER" if k in ("seq", "tick") else "TEXT" for k in (*HASHED, "hash")}
_SUSPECT = ("typeof(a.tick) = 'real' "
            f"OR (a.seq > :lo AND (p.seq IS NULL OR a.prev_hash IS NOT p.hash)) "
            f"OR {_SHA_FUNCTION}({_JSON_OBJECT}) IS NOT a.hash")
_COPY_DIFFERS = "coalesce(json_extract(o.payload, '$.hash'), a.hash) IS NOT a.hash"
_FAST = {
    False: (f"SELECT count(*), min(CASE WHEN {_SUSPECT} THEN a.seq END) FROM audit_log a "
            f"LEFT JOIN audit_log p ON p.seq = a.seq - 1 WHERE a.seq BETWEEN :a AND :b"),
    True: (f"SELECT count(*), min(CASE WHEN {_SUSPECT} OR {_COPY_DIFFERS} THEN a.seq END) "
           f"FROM audit_log a LEFT JOIN audit_log p ON p.seq = a.seq - 1 "
           f"LEFT JOIN outbox o ON o.kind = 'audit' AND o.row_id = a.id "
           f"WHERE a.seq BETWEEN :a AND :b"),
}
#: every character SQLite and Python might escape differently, in one probe entry
_PROBE = "".join(map(chr, range(0x80))) + "\u00a0\u2028\u2029\ufeff番号\U0001f600"


def _sha256_text(text: str, _sha256=hashlib.sha256) -> str:
    return _sha256(text.encode("utf-8")).hexdigest()       # json_object() is never NULL


def _sqlite_json_agrees(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite writes an entry's JSON exactly as :func:`canonical` does (a build
    that escaped a character otherwise would only send every entry to the reference walk)."""
    values = {k: (7 if k in ("seq", "tick") else None if k == "case_id" else _PROBE + k)
              for k in HASHED}
    cols = ", ".join(f"? AS {k}" for k in HASHED)
    try:
        text = conn.execute(f"SELECT {_JSON_OBJECT} FROM (SELECT {cols}) a",
                            [values[k] for k in HASHED]).fetchone()[0]
    except sqlite3.Error:
        return False
    return text == canonical(values)


def _walk(conn: sqlite3.Connection, lo: int, hi: int, copies_from: int) -> _Walk:
    """The same findings as :func:`_walk_exact` over entries ``lo..hi``, with a clean stretch
    proven clean in SQL and the reference walk run only from the entry before the first one
    that is not."""
    declared = {r[1]: (r[2].upper(), r[5]) for r in conn.execute("PRAGMA table_info(audit_log)")}
    if (any(declared.get(k, ("",))[0] != t for k, t in _AFFINITY.items())
            or declared["seq"][1] != 1 or not _sqlite_json_agrees(conn)):
        return _walk_exact(conn, lo, hi, copies_from)
    conn.create_function(_SHA_FUNCTION, 1, _sha256_text, deterministic=True)
    count, suspect = 0, None
    for a, b, copies in ((lo, min(hi, copies_from - 1), False), (max(lo, copies_from), hi, True)):
        if a > b:
            continue
        try:
            joined, first_bad = conn.execute(_FAST[copies], {"lo": lo, "a": a, "b": b}).fetchone()
        except sqlite3.OperationalError:      # a BLOB where text belongs: the reference decides
            return _walk_exact(conn, lo, hi, copies_from)
        rows = conn.execute("SELECT count(*) FROM audit_log WHERE seq BETWEEN ? AND ?",
                            (a, b)).fetchone()[0]
        if joined != rows:                    # an outbox row held twice: the reference decides
            return _walk_exact(conn, lo, hi, copies_from)
        count += rows
        if first_bad is not None:
            suspect = first_bad
            break
    bounds = conn.execute(
        "SELECT (SELECT seq FROM audit_log WHERE seq BETWEEN :lo AND :hi ORDER BY seq LIMIT 1), "
        "(SELECT prev_hash FROM audit_log WHERE seq BETWEEN :lo AND :hi ORDER BY seq LIMIT 1), "
        "(SELECT seq FROM audit_log WHERE seq BETWEEN :lo AND :hi ORDER BY seq DESC LIMIT 1), "
        "(SELECT hash FROM audit_log WHERE seq BETWEEN :lo AND :hi ORDER BY seq DESC LIMIT 1)",
        {"lo": lo, "hi": hi}).fetchone()
    if suspect is None:
        return _Walk(count, *bounds)
    # the reference walk from the last entry before the suspect one (proven clean, so not a
    # finding of its own); what lies before it is counted, not walked again
    start = conn.execute("SELECT max(seq) FROM audit_log WHERE seq >= ? AND seq < ?",
                         (lo, suspect)).fetchone()[0]
    if start is None:
        return _walk_exact(conn, lo, hi, copies_from)
    walk = _walk_exact(conn, start, hi, copies_from)
    before = conn.execute("SELECT count(*) FROM audit_log WHERE seq >= ? AND seq < ?",
                          (lo, start)).fetchone()[0]
    walk.entries += before
    walk.first_seq, walk.first_prev = bounds[0], bounds[1]
    return walk


def _walk_in_child(path: str, lo: int, hi: int, copies_from: int, out) -> None:
    from pathlib import Path

    conn = sqlite3.connect(Path(path).as_uri() + "?mode=ro", uri=True)   # any character in the path
    try:
        out.send(_walk(conn, lo, hi, copies_from))
    finally:
        conn.close()
        out.close()


def _walk_all(conn: sqlite3.Connection, first: int, last: int, copies_from: int) -> list[_Walk]:
    """The walk over ``first..last``: in two processes for a long log (the later part in a
    forked child reading the file on its own connection), else here."""
    import multiprocessing

    path = conn.execute("PRAGMA database_list").fetchone()[2]
    if (last - first < PARALLEL_FROM or not path
            or "fork" not in multiprocessing.get_all_start_methods()):
        return [_walk(conn, first, last, copies_from)]
    mid = first + (last - first) * 45 // 100      # this process has the other checks to do too
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_walk_in_child, args=(path, mid + 1, last, copies_from, send),
                        daemon=True)
    child.start()
    send.close()
    try:
        head = _walk(conn, first, mid, copies_from)
        tail = receive.recv()
    finally:
        child.join()
    return [head, tail]


def _chain(conn: sqlite3.Connection, result: VerifyResult, copies_from: int) -> None:
    bounds = conn.execute("SELECT min(seq), max(seq) FROM audit_log").fetchone()
    if bounds[0] is None:
        return
    expected, prev = 1, GENESIS
    for walk in _walk_all(conn, bounds[0], bounds[1], copies_from):
        result.entries += walk.entries
        if walk.first_seq is None:
            continue
        if walk.first_seq != expected:
            result.problems.append(Problem(expected, (
                f"entry {expected} is missing (deleted): the log jumps from entry "
                f"{expected - 1} to entry {walk.first_seq}")))
        elif walk.first_prev != prev:
            result.problems.append(Problem(walk.first_seq, (
                f"entry {walk.first_seq} does not follow entry {walk.first_seq - 1} (entries "
                f"reordered, replaced or removed)")))
        elif walk.problem:
            result.problems.append(walk.problem)
        if result.problems:
            return
        expected, prev = walk.last_seq + 1, walk.last_hash


def _witness(conn: sqlite3.Connection, result: VerifyResult) -> None:
    """Check the server-witnessed head kept in the store (``sync_state['audit_witness']``)."""
    witness_row = conn.execute("SELECT value FROM sync_state WHERE key = 'audit_witness'").fetchone()
    if not witness_row:
        return
    try:
        witness = json.loads(witness_row[0])
        wseq, whash = int(witness["seq"]), str(witness["hash"])
    except (ValueError, KeyError, TypeError):
        result.problems.append(Problem(None, "the server-witnessed head in sync_state is unreadable"))
        return
    result.witness = {"seq": wseq, "hash": whash, "at": witness.get("at")}
    have = conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (wseq,)).fetchone()
    pushed = conn.execute(
        "SELECT json_extract(o.payload, '$.hash') FROM audit_log a JOIN outbox o "
        "ON o.kind = 'audit' AND o.row_id = a.id WHERE a.seq = ? AND o.pushed_at IS NOT NULL",
        (wseq,)).fetchone() if have else None
    if have is None:
        result.problems.append(Problem(wseq, (
            f"entry {wseq} was witnessed by the server but is missing: the log was "
            f"truncated or entries deleted")))
    elif have[0] != whash:
        result.problems.append(Problem(wseq, (
            f"entry {wseq} differs from the hash the server witnessed: the log was rewritten")))
    elif pushed is None or pushed[0] != whash:
        result.problems.append(Problem(wseq, (
            f"the witness names entry {wseq}, but that entry was never sent to the server "
            f"from this store: the witness is not the server's (faked)")))


def _outbox(conn: sqlite3.Connection, result: VerifyResult) -> None:
    """Outbox rows are never deleted: every entry has its copy, and no row is missing at the end
    (the last entry deleted together with its outbox row)."""
    copies = conn.execute("SELECT count(*) FROM outbox WHERE kind = 'audit'").fetchone()[0]
    if copies < result.entries:
        missing = conn.execute(
            "SELECT min(a.seq) FROM audit_log a WHERE NOT EXISTS (SELECT 1 FROM outbox o "
            "WHERE o.kind = 'audit' AND o.row_id = a.id)").fetchone()[0]
        if missing is not None:
            result.problems.append(Problem(None, (      # the entry itself may be intact
                f"entry {missing} has no copy in the outbox (outbox rows of the audit log were "
                f"deleted)")))
    issued = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
    kept = conn.execute("SELECT max(seq), count(*) FROM outbox").fetchone()
    if issued and (kept[0] or 0) < issued[0]:
        result.problems.append(Problem(None, (
            f"the outbox numbered {issued[0]} rows but its last row is {kept[0] or 0}: rows were "
            f"deleted from its end (the last audit entries and their outbox rows removed?)")))
    if copies > result.entries:
        for row_id, seq in conn.execute(
                "SELECT o.row_id, json_extract(o.payload, '$.seq') FROM outbox o "
                "WHERE o.kind = 'audit' AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.id = o.row_id)"):
            result.problems.append(Problem(seq if isinstance(seq, int) else None, (
                f"entry {seq} is in the outbox but missing from the log (truncated or deleted)")))


def verify(conn: sqlite3.Connection) -> VerifyResult:
    """Walk the chain from the first entry; check every hash and link, that sequence numbers have
    no gap, that every entry has its outbox copy (with the same hash, for the entries the server
    has not witnessed) and the outbox lost no row at its end, the server-witnessed head (if any),
    every signed release in the store and that each decided here is in the log, and that the
    append-only triggers are in place."""
    result = VerifyResult()
    _witness(conn, result)
    _chain(conn, result, copies_from=result.witnessed + 1)
    last = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    result.head = {"seq": last[0], "hash": last[1]} if last else None
    _outbox(conn, result)

    for _row_id, text in (*signature_problems(conn), *ledgersig.signature_problems(conn)):
        result.problems.append(Problem(None, "not validly signed: " + text))
    for (release_id,) in conn.execute(
            "SELECT r.id FROM releases r WHERE EXISTS (SELECT 1 FROM outbox o WHERE "
            "o.kind = 'release' AND o.row_id = r.id) AND NOT EXISTS (SELECT 1 FROM audit_log a "
            "WHERE a.case_id = r.case_id AND a.action = 'release.' || r.decision "
            "AND json_extract(a.detail, '$.release') = r.id)"):      # decided on this terminal
        result.problems.append(Problem(None, (
            f"release {release_id} has no entry in the audit log: the log was rebuilt without it")))

    present = {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")}
    missing = [t for t in _TRIGGERS if t not in present]
    if missing:
        result.problems.append(Problem(None, "the append-only triggers of the audit log were "
                                             "removed: " + ", ".join(missing)))
    return result
