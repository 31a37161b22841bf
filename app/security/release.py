"""一時解除: the support officer's temporary, narrow release of a DV restriction — or refusal.

A release is bound to ONE case, the exact persons in scope, the document types and the digest of
the request as it stood (``app.rules.core.scope_digest``); it is single-use, expires by itself
(setting ``security.release_minutes``, default 15) and is voided when the request changes. The
officer re-locks it explicitly when the case ends, and a third person (neither the clerk nor the
officer) confirms the re-lock; releases not yet confirmed re-locked stay on a list
(:func:`pending_relock`).

THE RELEASING OFFICER IS NEVER THE HANDLING CLERK: the accounts (persons) are compared — the
case's opener, the handling clerk, and anyone who worked on the case — whatever roles the officer
holds; no setting or role escapes it, and the database refuses such a row as well (trigger).

Expiry cannot be stretched by moving the clock back: it is judged on the store's high-water time
(:mod:`app.security.clock`), a release is refused when the wall clock is earlier than its issue
time, and on the same boot the monotonic time elapsed decides too.

Rows go to the outbox: ``'release'`` for a release or refusal, ``'release_event'`` for what
happened to it later. Every step is audited.

SIGNED: a release, a refusal, a re-lock and a re-lock confirmation carry the signature of the
person who gives it over the digest of what it binds (:mod:`app.security.sigcore`): with the
Ed25519 key the password sign-in opened (:mod:`app.security.keys`), or with the person's own card
(``card_sign(message) -> signature`` by the JPKI authentication key whose certificate is
registered to the account). A row in the store is only as good as its signature: :func:`check`
(the engine's release predicate), :func:`pending_relock`, ``audit verify``, the self-test and the
central server verify it, so a row written with the sqlite3 shell opens nothing. The card's
signature is asked for between :func:`prepare` and :func:`commit` (the screen does this on the
card thread); :func:`grant` and :func:`refuse` do all three for a password or a synchronous card.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass

from app.errors import MadoguchiError
from app.rules.codes import Role
from app.rules.core import RequestScope, scope_digest
from app.security import audit, keys, settings, sigcore
from app.security.clock import SYSTEM_CLOCK, TOLERANCE, Clock, advance, iso, parse, peek
from app.security.measures import measures_protecting
from app.security.outsourced import is_outsourced
from app.security.release_record import COLUMNS as _COLUMNS, EVENT_COLUMNS as _EVENT_COLUMNS
from app.security.release_record import Release, event_signature_problem, signature_problem
from app.security.release_record import read as _release, signature_problems  # noqa: F401 (callers' name)
from app.security.staff import Authenticated, get_staff
from app.store.db import new_id
from app.store.outbox import enqueue


class ReleaseError(MadoguchiError):
    """A release operation refused; ``ja``/``en`` are for the officer and the clerk."""

    def __init__(self, code: str, ja: str, en: str):
        super().__init__(ja, en, code=code)


_ERRORS = {
    "forged": ("責任者の認証が確認できません。もう一度認証してください。",
               "The officer's sign-in cannot be verified. Sign in again."),
    "stale": ("責任者の認証から時間が経っています。もう一度認証してください。",
              "The officer's sign-in is too old. Sign in again."),
    "not_officer": ("解除・拒否できるのは支援措置責任者だけです。",
                    "Only a support officer can release or refuse."),
    "same_person": ("この案件を担当した職員は解除できません。別の支援措置責任者が確認してください。",
                    "The staff member who handles this case cannot release it. Another support "
                    "officer must review it."),
    "nothing_restricted": ("この請求に支援措置の対象者は含まれていません。",
                           "No protected person is in this request."),
    "clock_back": ("端末の時計が戻されています。時計を直してから解除してください。",
                   "The terminal's clock was moved backwards. Correct the clock first."),
    "no_reason": ("拒否の理由を記録してください。", "Record the reason for the refusal."),
    "not_found": ("この解除はありません。", "No such release."),
    "closed": ("この解除は既に終了しています。", "This release has already ended."),
    "not_relocked": ("まだ再ロックされていません。", "The release has not been re-locked yet."),
    "third_person": ("再ロックの確認は、この事案を扱った職員と解除した責任者以外の職員が行います。",
                     "The re-lock is confirmed by someone who neither worked on the case nor released it."),
    "confirmer": ("再ロックの確認は、有効な職員アカウント（委託でない職員）で行います。",
                  "The re-lock is confirmed with an active staff account that is not outsourced."),
    "invalid": ("有効な解除がありません。", "There is no valid release for this request."),
    "outsourced": ("委託職員が担当する案件は解除できません。市の職員に引き継いでから解除してください。",
                   "A case handled by outsourced (委託) staff cannot be released: hand it over to a "
                   "municipal employee first."),
    "no_key": ("署名鍵がありません。もう一度パスワードかカードで認証してください。",
               "No signing key is open. Sign in again with the password or the card."),
    "bad_signature": ("署名が確認できません（登録された鍵・カードの署名ではありません）。",
                      "The signature cannot be verified (not made by the registered key or card)."),
    "request_changed": ("確認中に請求の内容が変わりました。もう一度確認してください。",
                        "The request changed while it was being signed. Review it again."),
}


def _error(code: str) -> ReleaseError:
    ja, en = _ERRORS[code]
    return ReleaseError(f"release.{code}", ja, en)


def _sign(who: Authenticated, message: bytes, card_sign) -> str:
    """The signature (hex) of ``message`` by the person of ``who``: their password-opened key, or
    their card through ``card_sign``."""
    signature = keys.sign_as(who, message, card_sign)
    if signature is None:
        raise _error("no_key")
    return signature


def get_release(conn: sqlite3.Connection, release_id: str) -> Release:
    row = conn.execute(f"SELECT {_COLUMNS} FROM releases WHERE id = ?", (release_id,)).fetchone()
    if row is None:
        raise _error("not_found")
    return _release(conn, row)


def releases_for_case(conn: sqlite3.Connection, case_id: str) -> list[Release]:
    return [_release(conn, r) for r in conn.execute(
        f"SELECT {_COLUMNS} FROM releases WHERE case_id = ? ORDER BY issued_tick", (case_id,))]


def case_workers(conn: sqlite3.Connection, case_id: str, handling_staff_id: str) -> set[str]:
    """Everyone who handled the case: the handling clerk, whoever opened it, and whoever recorded
    any of its events. None of them may release it."""
    workers = {handling_staff_id}
    row = conn.execute("SELECT opened_by FROM cases WHERE id = ?", (case_id,)).fetchone()
    if row:
        workers.add(row[0])
    workers.update(r[0] for r in conn.execute(
        "SELECT DISTINCT staff_id FROM case_events WHERE case_id = ?", (case_id,)))
    return workers


def protected_in_scope(conn: sqlite3.Connection, scope: RequestScope) -> list[str]:
    return sorted(measures_protecting(conn, (*scope.persons, *scope.mail_to)))


def _check_officer(conn, officer: Authenticated, scope: RequestScope, clock: Clock) -> None:
    if not officer.genuine():
        raise _error("forged")
    if not officer.fresh(clock.now(), settings.get(conn, "security.auth_fresh_seconds")):
        raise _error("stale")
    current = get_staff(conn, staff_id=officer.staff.id)       # roles as they are now
    if current is None or current.disabled or not current.has(Role.SUPPORT_OFFICER):
        raise _error("not_officer")
    if current.id in case_workers(conn, scope.case_id, scope.handling_staff_id):
        raise _error("same_person")


@dataclass(frozen=True)
class Draft:
    """A release or refusal ready to be signed: ``message`` is what the officer's key or card
    signs; :func:`commit` stores it with the signature."""

    row: dict
    officer: Authenticated
    scope: RequestScope
    stale: bool

    @property
    def message(self) -> bytes:
        return sigcore.release_message(self.row)


def _denied(conn, officer: Authenticated, scope: RequestScope, decision: str, code: str,
            clock: Clock) -> None:
    audit.append(conn, action="release.denied", staff_id=officer.staff.id,
                 terminal_id=officer.terminal_id, target_kind="case", target_id=scope.case_id,
                 case_id=scope.case_id, clock=clock, detail={"why": code, "decision": decision})


def prepare(store, scope: RequestScope, officer: Authenticated, *, decision: str,
            reason: str | None = None, checklist: dict | None = None,
            clock: Clock = SYSTEM_CLOCK) -> Draft:
    """Check who may decide and build the row the officer signs. Nothing is stored but the audit
    entry of a refusal to let this officer decide."""
    if decision == "refused" and not (reason or "").strip():
        raise _error("no_reason")
    reason = reason.strip() if reason else reason
    denied = None
    with store.transaction() as conn:
        try:
            _check_officer(conn, officer, scope, clock)
        except ReleaseError as exc:
            _denied(conn, officer, scope, decision, exc.code, clock)
            denied = exc
        else:
            if decision == "released" and is_outsourced(conn, scope.handling_staff_id):
                raise _error("outsourced")
            protected = protected_in_scope(conn, scope)
            stale = not protected and _support_data_stale(store, scope, clock)
            if not protected and not stale:
                raise _error("nothing_restricted")
            tick = advance(conn, clock)
            if tick.moved_back:
                raise _error("clock_back")
            minutes = settings.get(conn, "security.release_minutes")
            row = {
                "id": new_id(), "case_id": scope.case_id,
                "handling_staff_id": scope.handling_staff_id, "officer_id": officer.staff.id,
                "terminal_id": officer.terminal_id, "decision": decision,
                "persons": json.dumps(sorted(set(scope.persons) | set(scope.mail_to))),
                "protected": json.dumps(protected),
                "documents": json.dumps(sorted(set(scope.documents))),
                "scope_digest": scope_digest(scope), "reason": reason,
                "checklist": json.dumps(checklist or {}, ensure_ascii=False, sort_keys=True),
                "auth_method": officer.method, "issued_at": iso(tick.effective),
                "issued_tick": tick.tick, "issued_mono": clock.mono(), "boot_id": clock.boot_id,
                "expires_at": iso(tick.effective + dt.timedelta(minutes=minutes)),
            }
            return Draft(row, officer, scope, stale)
    raise denied


def commit(store, draft: Draft, signature: bytes | str, *, clock: Clock = SYSTEM_CLOCK) -> Release:
    """Store the signed release (or refusal): the officer, the request and the clock are checked
    again, and the signature must verify with the officer's registered key or card."""
    row = {**draft.row, "signature": signature if isinstance(signature, str) else signature.hex()}
    scope, officer = draft.scope, draft.officer
    denied = None
    with store.transaction() as conn:
        try:
            _check_officer(conn, officer, scope, clock)
            if json.dumps(protected_in_scope(conn, scope)) != row["protected"]:
                raise _error("request_changed")
            tick = peek(conn, clock)
            if tick.moved_back or tick.effective >= parse(row["expires_at"]):
                raise _error("stale")
            problem = signature_problem(conn, row)
            if problem:
                raise _error("bad_signature")
        except ReleaseError as exc:
            _denied(conn, officer, scope, row["decision"], exc.code, clock)
            denied = exc
        else:
            conn.execute(f"INSERT INTO releases({_COLUMNS}) VALUES ({','.join('?' * 19)})",
                         tuple(row[k] for k in _COLUMNS.split(", ")))
            enqueue(conn, "release", row["id"], row)
            decision, documents = row["decision"], json.loads(row["documents"])
            if draft.stale:     # signed off because this terminal's support data is out of date
                audit.append(conn, action=f"release.{decision}", staff_id=officer.staff.id,
                             terminal_id=officer.terminal_id, target_kind="case",
                             target_id=scope.case_id, case_id=scope.case_id, clock=clock,
                             detail={"release": row["id"], "stale_support_data": True,
                                     "documents": documents, "expires_at": row["expires_at"]})
            for rid in json.loads(row["protected"]):
                audit.append(conn, action=f"release.{decision}", staff_id=officer.staff.id,
                             terminal_id=officer.terminal_id, target_kind="resident",
                             target_id=rid, case_id=scope.case_id, clock=clock,
                             detail={"release": row["id"], "documents": documents,
                                     "expires_at": row["expires_at"],
                                     **({"reason": row["reason"]} if row["reason"] else {})})
            return get_release(conn, row["id"])
    raise denied


def _issue(store, scope: RequestScope, officer: Authenticated, *, decision: str,
           reason: str | None, checklist: dict, clock: Clock, card_sign=None) -> Release:
    draft = prepare(store, scope, officer, decision=decision, reason=reason, checklist=checklist,
                    clock=clock)
    return commit(store, draft, _sign(officer, draft.message, card_sign), clock=clock)


def _support_data_stale(store, scope: RequestScope, clock: Clock) -> bool:
    """This terminal's support-measure data is out of date (``app.sync.freshness``): the officer
    may sign off a request although no protected person is known here."""
    # upward, fail closed (pyproject): sync loads when support data is judged
    from app.sync.freshness import stale_support_reason

    return stale_support_reason(store, scope, clock=clock) is not None


def grant(store, scope: RequestScope, officer: Authenticated, *, checklist: dict | None = None,
          note: str | None = None, clock: Clock = SYSTEM_CLOCK, card_sign=None) -> Release:
    """The officer releases the restriction for exactly this request, signed by the officer.
    ``checklist`` records what the officer checked (request form, identity documents, documents
    to issue: confirmer fields on the processing slip). ``card_sign``: for a card sign-in, the
    officer's card signing a message."""
    return _issue(store, scope, officer, decision="released", reason=note,
                  checklist=checklist or {}, clock=clock, card_sign=card_sign)


def refuse(store, scope: RequestScope, officer: Authenticated, *, reason: str,
           clock: Clock = SYSTEM_CLOCK, card_sign=None) -> Release:
    """The officer refuses the request, signed, with a reason for staff (the processing slip, the
    case page's staff panel). The requester hears only the neutral requester text of the refusal
    (``app.security.restriction.officer_refused``), never these words."""
    if not (reason or "").strip():
        raise _error("no_reason")
    return _issue(store, scope, officer, decision="refused", reason=reason.strip(), checklist={},
                  clock=clock, card_sign=card_sign)


# ----------------------------------------------------------------------------------- validity

def check(conn: sqlite3.Connection, release: Release, scope: RequestScope,
          clock: Clock = SYSTEM_CLOCK) -> str | None:
    """Why ``release`` does not open ``scope`` now (a code), or None when it does."""
    if release.decision != "released":
        return "refused"
    if signature_problem(conn, release):
        return "not_signed"          # a row someone wrote without the officer's key or card
    for kind in ("used", "voided", "relocked"):
        if kind in release.events:
            return kind
    if release.case_id != scope.case_id:
        return "other_case"
    if _case_closed(conn, release.case_id):
        return "case_closed"
    if release.scope_digest != scope_digest(scope):
        return "request_changed"
    if (tuple(sorted(set(scope.persons) | set(scope.mail_to))) != release.persons
            or tuple(sorted(set(scope.documents))) != release.documents):
        return "request_changed"
    tick = peek(conn, clock)
    issued, expires = parse(release.issued_at), parse(release.expires_at)
    if tick.moved_back or tick.wall < issued - TOLERANCE:
        return "clock_moved_back"
    if tick.effective >= expires:
        return "expired"
    if release.issued_mono is not None and release.boot_id == clock.boot_id:
        elapsed = clock.mono() - release.issued_mono
        if elapsed < 0 or elapsed >= (expires - issued).total_seconds():
            return "expired"
    return None


_CLOSED = ("completed", "refused", "abandoned")


def _case_closed(conn: sqlite3.Connection, case_id: str) -> bool:
    """A release never outlives its case: once the case has ended it opens nothing (single use,
    even if the workflow never called :func:`use`)."""
    try:
        row = conn.execute("SELECT status FROM case_queue WHERE case_id = ?", (case_id,)).fetchone()
    except sqlite3.OperationalError:        # a store without the workflow's queue view
        return False
    return bool(row) and row[0] in _CLOSED


def valid_release(conn: sqlite3.Connection, scope: RequestScope,
                  clock: Clock = SYSTEM_CLOCK) -> Release | None:
    """The release that opens exactly this request now, if any."""
    for release in reversed(releases_for_case(conn, scope.case_id)):
        if check(conn, release, scope, clock) is None:
            return release
    return None


def refusal_for(conn: sqlite3.Connection, scope: RequestScope) -> Release | None:
    """The officer's refusal of exactly this request, if any."""
    digest = scope_digest(scope)
    for release in reversed(releases_for_case(conn, scope.case_id)):
        if (release.decision == "refused" and release.scope_digest == digest
                and not signature_problem(conn, release)):
            return release
    return None


def _event(conn, release: Release, kind: str, *, staff_id: str, terminal_id: str,
           note: str | None, clock: Clock, signer: Authenticated | None = None,
           card_sign=None) -> None:
    tick = advance(conn, clock)
    row = {"id": new_id(), "release_id": release.id, "kind": kind, "at": iso(tick.effective),
           "tick": tick.tick, "staff_id": staff_id, "terminal_id": terminal_id, "note": note,
           "auth_method": None, "signature": None}
    if signer is not None:          # re-lock and its confirmation: signed by who gives them
        row["auth_method"] = signer.method
        message = sigcore.event_message(row, sigcore.release_digest(release.as_dict()))
        row["signature"] = _sign(signer, message, card_sign)
        if event_signature_problem(conn, release, row):
            raise _error("bad_signature")
    conn.execute(f"INSERT INTO release_events({', '.join(_EVENT_COLUMNS)}) "
                 f"VALUES ({', '.join(':' + c for c in _EVENT_COLUMNS)})", row)
    enqueue(conn, "release_event", row["id"], row)
    for rid in release.protected:
        audit.append(conn, action=f"release.{kind}", staff_id=staff_id, terminal_id=terminal_id,
                     target_kind="resident", target_id=rid, case_id=release.case_id, clock=clock,
                     detail={"release": release.id, **({"note": note} if note else {})})


def use(store, scope: RequestScope, *, staff_id: str, terminal_id: str,
        clock: Clock = SYSTEM_CLOCK) -> Release:
    """Spend the release on this request (when the document is issued or the case completes):
    single-use. Raises :class:`ReleaseError` when no valid release opens the request."""
    with store.transaction() as conn:
        release = valid_release(conn, scope, clock)
        if release is None:
            raise _error("invalid")
        _event(conn, release, "used", staff_id=staff_id, terminal_id=terminal_id, note=None,
               clock=clock)
        return get_release(conn, release.id)


def void_changed(store, scope: RequestScope, *, terminal_id: str,
                 clock: Clock = SYSTEM_CLOCK) -> list[Release]:
    """Void every open release of this case that no longer matches the request (the request
    changed after release): it never comes back, even if the request is changed back."""
    voided = []
    with store.transaction() as conn:
        for release in releases_for_case(conn, scope.case_id):
            if check(conn, release, scope, clock) == "request_changed":
                _event(conn, release, "voided", staff_id=scope.handling_staff_id,
                       terminal_id=terminal_id, note="request changed after release", clock=clock)
                voided.append(get_release(conn, release.id))
    return voided


def relock(store, release_id: str, officer: Authenticated, *, note: str | None = None,
           clock: Clock = SYSTEM_CLOCK, card_sign=None) -> Release:
    """The officer puts the restriction back (確実に禁止状態に戻す) when the processing ends — or
    earlier, cancelling an unused release."""
    with store.transaction() as conn:
        release = get_release(conn, release_id)
        scope = RequestScope(release.case_id, "", release.handling_staff_id)
        _check_officer(conn, officer, scope, clock)      # the same officer checks as a release
        current = get_staff(conn, staff_id=officer.staff.id)
        if release.decision != "released" or "relocked" in release.events:
            raise _error("closed")
        _event(conn, release, "relocked", staff_id=current.id, terminal_id=officer.terminal_id,
               note=note, clock=clock, signer=officer, card_sign=card_sign)
        return get_release(conn, release_id)


def confirm_relock(store, release_id: str, confirmer: Authenticated, *,
                   clock: Clock = SYSTEM_CLOCK, card_sign=None) -> Release:
    """A third person (neither the clerk nor the officer) confirms the re-lock was not forgotten
    (他の職員による複層的確認)."""
    with store.transaction() as conn:
        release = get_release(conn, release_id)
        if not confirmer.genuine():
            raise _error("forged")
        if not confirmer.fresh(clock.now(), settings.get(conn, "security.auth_fresh_seconds")):
            raise _error("stale")
        if "relocked" not in release.events:
            raise _error("not_relocked")
        current = get_staff(conn, staff_id=confirmer.staff.id)     # the account as it is now
        if current is None or current.disabled or current.outsourced:
            raise _error("confirmer")
        if current.id in case_workers(conn, release.case_id, release.handling_staff_id) | {
                release.officer_id, release.events["relocked"]["staff_id"]}:
            raise _error("third_person")
        if "relock_confirmed" in release.events:
            raise _error("closed")
        _event(conn, release, "relock_confirmed", staff_id=confirmer.staff.id,
               terminal_id=confirmer.terminal_id, note=None, clock=clock, signer=confirmer,
               card_sign=card_sign)
        return get_release(conn, release_id)


def pending_relock(conn: sqlite3.Connection) -> list[Release]:
    """Releases whose re-lock is not yet confirmed by a third person (used, expired or open alike):
    the list the officer and another user check so that no re-lock is forgotten. A re-lock or
    confirmation whose signature does not verify does not count (it stays on the list)."""
    out = []
    for row in conn.execute(f"SELECT {_COLUMNS} FROM releases r WHERE decision = 'released' "
                            f"ORDER BY issued_tick"):
        release = _release(conn, row)
        confirmed = release.events.get("relock_confirmed")
        relocked = release.events.get("relocked")
        if (confirmed and relocked and not event_signature_problem(conn, release, confirmed)
                and not event_signature_problem(conn, release, relocked)):
            continue
        out.append(release)
    return out
