"""Push: the local ``outbox`` goes to the central server in outbox order, in batches, idempotently.

Each batch is copied (COPY) into a temporary staging table and inserted into the central tables in
dependency order (cases, their events, releases, release events, audit entries) with
``ON CONFLICT (id) DO NOTHING``, in one server transaction. Only after that transaction committed
are the rows marked ``pushed_at`` locally. A connection cut anywhere therefore leads to a resend of
rows the server may already hold, which the stable ids turn into no-ops: nothing lost, nothing
twice. Any other unique clash (e.g. two events with one number) is an error, never silently dropped.

After the last batch the server records this terminal's audit chain head (its witness), which is
stored locally as ``sync_state['audit_witness']`` (``{"seq", "hash", "at"}``, ``at`` the server's
time).

Before anything is sent, :func:`check_chain` compares the terminal's audit log with the chain the
server holds for it: the server's head must be in the local log unchanged. If not (entries
deleted: rewound; or changed: rewritten), the first differing entry is found by halving (a hash
chain agrees up to some entry and differs from there on) and reported to the server, which
checks the claim against its own copy and QUARANTINES the terminal with an alert for the
administrator; this terminal then gets a :class:`QuarantinedError` naming that entry, and the
server refuses everything it sends until an administrator has examined it. (A client that skips
this check still has every differing entry refused by the server's trigger, which names it.)

Outbox kinds this module knows are listed in :data:`KINDS`; rows of another kind stay queued and
are reported (the server must be updated first). Must not import Qt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

import psycopg

from app.errors import MadoguchiError
from app.store.db import Store, now_iso
from app.sync import state

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PushKind:
    kind: str
    table: str
    columns: tuple[str, ...]
    select: str      # expressions over the staged row: s.row_id, s.payload (text), j (jsonb)


#: outbox kinds in dependency order, and how each becomes a central row
KINDS: tuple[PushKind, ...] = (
    PushKind("case", "cases",
             ("id", "case_type", "terminal_id", "opened_by", "opened_at", "row"),
             "s.row_id, j->>'case_type', j->>'terminal_id', j->>'opened_by', j->>'opened_at', s.payload"),
    PushKind("case_event", "case_events",
             ("id", "case_id", "n", "at", "staff_id", "terminal_id", "kind", "step", "row"),
             "s.row_id, j->>'case_id', (j->>'n')::integer, j->>'at', j->>'staff_id', "
             "j->>'terminal_id', j->>'kind', j->>'step', s.payload"),
    PushKind("release", "releases",
             ("id", "case_id", "officer_id", "handling_staff_id", "terminal_id", "decision",
              "issued_at", "row"),
             "s.row_id, j->>'case_id', j->>'officer_id', j->>'handling_staff_id', j->>'terminal_id', "
             "j->>'decision', j->>'issued_at', s.payload"),
    PushKind("release_event", "release_events",
             ("id", "release_id", "kind", "staff_id", "terminal_id", "row"),
             "s.row_id, j->>'release_id', j->>'kind', j->>'staff_id', j->>'terminal_id', s.payload"),
    PushKind("measure_event", "measure_events",
             ("id", "measure_id", "kind", "stage", "system", "ref_id", "office_day", "at", "staff_id",
              "terminal_id", "row"),
             "s.row_id, j->>'measure_id', j->>'kind', j->>'stage', j->>'system', j->>'ref_id', "
             "j->>'office_day', j->>'at', j->>'staff_id', j->>'terminal_id', s.payload"),
    PushKind("audit", "audit",
             ("id", "terminal_id", "chain_seq", "hash", "prev_hash", "at", "staff_id", "row"),
             "s.row_id, j->>'terminal_id', (j->>'seq')::bigint, j->>'hash', j->>'prev_hash', "
             "j->>'at', j->>'staff_id', s.payload"),
)
KNOWN_KINDS = tuple(k.kind for k in KINDS)


@dataclass
class PushResult:
    pushed: int = 0
    batches: int = 0
    unknown: dict[str, int] = field(default_factory=dict)   # kind -> rows left queued
    witness: dict | None = None


class QuarantinedError(MadoguchiError):
    """The server quarantined this terminal: its audit log was rewound or rewritten."""

    code = "sync.quarantined"

    def __init__(self, reason: str):
        super().__init__(
            f"中央サーバーがこの端末を隔離しました（監査ログの巻き戻し・書き換え）。管理者に連絡してください。 / "
            f"The central server quarantined this terminal: {reason}. Call the administrator.")
        self.reason = reason


def first_difference(local_hash: Callable[[int], str | None],
                     server_hash: Callable[[int], str | None], upto: int) -> int:
    """The first entry (1..upto) where the two chains differ, given that they differ at ``upto``:
    a hash chain agrees up to some entry and differs from there on, so halving finds it."""
    lo, hi = 1, upto            # invariant: entries < lo agree, entry hi differs
    while lo < hi:
        mid = (lo + hi) // 2
        if local_hash(mid) is not None and local_hash(mid) == server_hash(mid):
            lo = mid + 1
        else:
            hi = mid
    return lo


def check_chain(store: Store, conn: psycopg.Connection) -> None:
    """Raise :class:`QuarantinedError` when the server holds an audit chain for this terminal
    that the local log does not continue (see the module docstring)."""
    try:
        seq, digest, quarantined = conn.execute("SELECT * FROM madoguchi.my_audit_head()").fetchone()
    except TypeError:                           # not a registered terminal: the push says so
        return
    if quarantined:
        raise QuarantinedError(quarantined)
    if seq is None:
        return

    def local_hash(n: int) -> str | None:
        row = store.conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (n,)).fetchone()
        return row[0] if row else None

    if local_hash(seq) == digest:
        return

    def server_hash(n: int) -> str | None:
        return conn.execute("SELECT madoguchi.my_audit_hash(%s)", (n,)).fetchone()[0]

    first = first_difference(local_hash, server_hash, seq)
    local_head = store.conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
    reason = conn.execute("SELECT madoguchi.report_divergence(%s, %s, %s)",
                          (first, local_hash(first), local_head)).fetchone()[0]
    raise QuarantinedError(reason or f"audit entry {first} differs from the server's copy")


def confirm_witness(store: Store, conn: psycopg.Connection) -> list[str]:
    """What the server says about the local log, read-only (``audit verify --online``): the
    server's head must be in the local log unchanged, and the witness kept locally must be the
    server's. A witness written into the store by hand is caught here."""
    row = conn.execute("SELECT * FROM madoguchi.my_audit_head()").fetchone()
    if row is None:
        return ["this login is not a registered terminal of the central server"]
    seq, digest, quarantined = row
    problems = [f"the server has quarantined this terminal: {quarantined}"] if quarantined else []
    local = dict(store.conn.execute("SELECT seq, hash FROM audit_log WHERE seq IN (?, ?)",
                                    (seq or 0, (state.get(store.conn, state.AUDIT_WITNESS) or {})
                                     .get("seq", 0))))
    if seq is not None and local.get(seq) != digest:
        problems.append(f"entry {seq}, the last the server holds from this terminal, "
                        f"{'is missing' if seq not in local else 'differs'} here: the local log "
                        f"was rewound or rewritten")
    witness = state.get(store.conn, state.AUDIT_WITNESS) or {}
    if witness.get("seq"):
        held = conn.execute("SELECT madoguchi.my_audit_hash(%s)", (witness["seq"],)).fetchone()[0]
        if held != witness.get("hash"):
            problems.append(f"the witness kept in this store (entry {witness['seq']}) is not the "
                            f"server's: the server holds {str(held)[:16]}… there (faked witness)")
    return problems


def pending_count(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM outbox WHERE pushed_at IS NULL").fetchone()[0]


def _insert_sql(k: PushKind) -> str:
    # audit entries in chain order, ledger events after what they confirm
    order = "ORDER BY s.oseq " if k.kind in ("audit", "measure_event") else ""
    return (f"INSERT INTO madoguchi.{k.table} ({', '.join(k.columns)}) "
            f"SELECT {k.select} FROM (SELECT oseq, row_id, payload, payload::jsonb AS j "
            f"FROM push_stage WHERE kind = '{k.kind}') s {order}"
            f"ON CONFLICT (id) DO NOTHING")


_INSERTS = {k.kind: _insert_sql(k) for k in KINDS}


def push(store: Store, conn: psycopg.Connection, *, batch_size: int = 5000,
         on_progress: Callable[[int, int], None] | None = None,
         fault: Callable[[str], None] | None = None) -> PushResult:
    """Send every queued outbox row of a known kind; returns what was done.

    ``fault(point)`` is a test hook called at the points where a real connection may break
    ("sent", "committed"); it is ``None`` in service.
    """
    result = PushResult()
    check_chain(store, conn)
    marks = ",".join("?" * len(KNOWN_KINDS))
    total = store.conn.execute(
        f"SELECT count(*) FROM outbox WHERE pushed_at IS NULL AND kind IN ({marks})", KNOWN_KINDS
    ).fetchone()[0]
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS push_stage "
                 "(oseq bigint, kind text, row_id text, payload text) ON COMMIT DELETE ROWS")
    last_seq = 0
    while True:
        rows = store.conn.execute(
            f"SELECT seq, kind, row_id, payload FROM outbox WHERE pushed_at IS NULL AND seq > ? "
            f"AND kind IN ({marks}) ORDER BY seq LIMIT ?", (last_seq, *KNOWN_KINDS, batch_size),
        ).fetchall()
        if not rows:
            break
        kinds_here = {r[1] for r in rows}
        with conn.transaction():
            with conn.cursor().copy("COPY push_stage (oseq, kind, row_id, payload) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
            for k in KINDS:
                if k.kind in kinds_here:
                    conn.execute(_INSERTS[k.kind])
            if fault:
                fault("sent")
        if fault:
            fault("committed")
        seqs = [r[0] for r in rows]
        at = now_iso()
        with store.transaction() as local:
            local.executemany("UPDATE outbox SET pushed_at = ? WHERE seq = ?", [(at, s) for s in seqs])
        last_seq = seqs[-1]
        result.pushed += len(rows)
        result.batches += 1
        if on_progress:
            on_progress(result.pushed, total)
    for kind, count in store.conn.execute(
            f"SELECT kind, count(*) FROM outbox WHERE pushed_at IS NULL AND kind NOT IN ({marks}) "
            f"GROUP BY kind", KNOWN_KINDS):
        result.unknown[kind] = count
    result.witness = record_witness(store, conn)
    return result


def record_witness(store: Store, conn: psycopg.Connection) -> dict | None:
    """Have the server record this terminal's audit chain head; keep its answer locally."""
    seq, digest, at = conn.execute("SELECT * FROM madoguchi.record_witness()").fetchone()
    if seq is None:
        return None
    witness = {"seq": int(seq), "hash": digest, "at": at.isoformat()}
    with store.transaction() as local:
        state.put(local, state.AUDIT_WITNESS, witness)
    return witness
