"""Remote sign-off (遠隔の解除): a support officer at one terminal (e.g. the main office, 本庁)
reviews and releases — or refuses — a case that waits at another terminal (a branch, 支所・出張所).

The waiting case comes down with the sync (``pull.pull_traffic``): its header and every event,
including the ``gated`` event that holds the request exactly as the handling clerk's terminal
judged it (``scope`` and ``scope_digest``). The officer's release is made here with the same rules
as an in-app release (:mod:`app.security.release`: never the handling clerk or anyone who worked
on the case, an active support officer, bound to that request's digest, single-use, expiring);
it goes up through the outbox, the central database checks the four-eyes rule again, and the
branch terminal receives it on its next sync (its service polls while a case waits).

The request is rebuilt from the ``gated`` event, not from this terminal's own case engine: the
engine would name the officer as the handling staff member and produce another request. Must not
import Qt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

from app.errors import MadoguchiError
from app.rules.core import Person, RequestScope, scope_digest


class SignOffError(MadoguchiError):
    code = "sync.sign_off"


@dataclass(frozen=True)
class RemoteCase:
    """A case waiting at another terminal, as the officer's queue lists it."""

    case_id: str
    case_type: str
    terminal_id: str
    opened_by: str
    opened_at: str
    gated_at: str
    scope: RequestScope
    reasons: tuple[dict, ...]          # the blocking reasons as the branch terminal gave them


_TUPLES = ("persons", "documents", "mail_to", "identity")


def scope_from_dict(data: dict) -> RequestScope:
    """The inverse of ``app.rules.core.scope_to_dict``."""
    known = {f.name for f in fields(RequestScope)}
    values = {k: v for k, v in data.items() if k in known}
    for key in _TUPLES:
        values[key] = tuple(values.get(key) or ())
    person_fields = {f.name for f in fields(Person)}
    if isinstance(values.get("requester"), dict):
        values["requester"] = Person(**{k: v for k, v in values["requester"].items() if k in person_fields})
    if isinstance(values.get("professional_client"), dict):
        values["professional_client"] = Person(
            **{k: v for k, v in values["professional_client"].items() if k in person_fields})
    return RequestScope(**values)


def _latest_gate(conn, case_id: str):
    return conn.execute(
        "SELECT at, payload FROM case_events WHERE case_id = ? AND kind = 'gated' ORDER BY n DESC LIMIT 1",
        (case_id,)).fetchone()


def _status(conn, case_id: str) -> str:
    row = conn.execute(
        "SELECT json_extract(payload, '$.status') FROM case_events WHERE case_id = ? "
        "AND json_extract(payload, '$.status') IS NOT NULL ORDER BY n DESC LIMIT 1", (case_id,)).fetchone()
    return row[0] if row else "open"


def gate_scope(conn, case_id: str) -> RequestScope:
    """The request the branch terminal stopped on, checked against the digest it recorded."""
    row = _latest_gate(conn, case_id)
    if row is None:
        raise SignOffError("この案件は解除待ちではありません。", "This case is not waiting for a release.")
    payload = json.loads(row[1])
    scope = scope_from_dict(payload.get("scope") or {})
    if scope_digest(scope) != payload.get("scope_digest") or scope.case_id != case_id:
        raise SignOffError("解除待ちの請求内容を確認できません（内容が一致しません）。同期してからやり直してください。",
                           "The waiting request cannot be verified (its digest does not match). "
                           "Sync and try again.")
    return scope


def remote_queue(store, terminal_id: str) -> list[RemoteCase]:
    """Cases opened at other terminals that wait for a support officer now, oldest first."""
    conn = store.conn
    out = []
    for case_id, case_type, term, opened_by, opened_at in conn.execute(
            "SELECT c.id, c.case_type, c.terminal_id, c.opened_by, c.opened_at FROM cases c "
            "WHERE c.terminal_id <> ? AND EXISTS (SELECT 1 FROM case_events e "
            "WHERE e.case_id = c.id AND e.kind = 'gated') ORDER BY c.opened_at", (terminal_id,)).fetchall():
        if _status(conn, case_id) != "awaiting_release":
            continue
        at, payload = _latest_gate(conn, case_id)
        try:
            scope = gate_scope(conn, case_id)
        except SignOffError:
            continue
        reasons = tuple((json.loads(payload).get("decision") or {}).get("reasons") or ())
        out.append(RemoteCase(case_id, case_type, term, opened_by, opened_at, at, scope, reasons))
    return out


def grant_remote(store, case_id: str, officer, *, checklist: dict | None = None,
                 note: str | None = None):
    """Release the waiting request of another terminal's case (same rules as in-app)."""
    # security loads for a remote sign-off only, not with every sync
    from app.security import release as releases

    _require_waiting(store, case_id)
    return releases.grant(store, gate_scope(store.conn, case_id), officer, checklist=checklist,
                          note=note)


def refuse_remote(store, case_id: str, officer, *, reason: str):
    """Refuse the waiting request of another terminal's case, with the reason for the requester."""
    # security loads for a remote sign-off only, not with every sync
    from app.security import release as releases

    _require_waiting(store, case_id)
    return releases.refuse(store, gate_scope(store.conn, case_id), officer, reason=reason)


def _require_waiting(store, case_id: str) -> None:
    if _status(store.conn, case_id) != "awaiting_release":
        raise SignOffError("この案件は解除待ちではありません（同期して最新の状態を確認してください）。",
                           "This case is not waiting for a release (sync to see its latest state).")
