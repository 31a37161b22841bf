"""Outsourced staff (委託): an attribute of the account (``staff.outsourced``, store migration 10).

An outsourced account

- never takes a case past a restriction: the restriction stage keeps such a case stopped whatever
  release exists (:func:`app.security.restriction.evaluate`), and no release can be issued for a
  case an outsourced clerk handles (:mod:`app.security.release`; the central server refuses it
  too). An officer's refusal still ends the case;
- never issues a document — 戸籍の附票 and 除票 included — of or to a protected person
  (:func:`issuance_refused`, called by ``app.printing.issuance.issue`` for every document);
- is never a support officer (``StaffMember.has`` says no, ``staff`` triggers refuse the role);
- sees only the neutral texts: the case engine gives such a clerk every reason in its requester
  channel (``Reason.requester``, :func:`neutral_reasons`, :func:`neutral_decision`) instead of the
  staff text — no measure, no perpetrator, no officer, no protected ids — so the window cannot
  show more than that.

The case is handed over to a municipal employee, who continues it under their own account.
"""

from __future__ import annotations

import sqlite3

from app.rules.core import Reason

SOURCE = "事務の外部委託に関する取扱い（交付制限のある請求は委託職員が処理しない）"

HAND_OVER = Reason(
    "outsourced.hand_over",
    "この請求は市の職員が引き継いで処理します。担当の職員を呼んでください。",
    "A municipal employee takes over this request: call the employee in charge.",
    SOURCE)

#: reason codes whose text is for municipal staff only
STAFF_ONLY_PREFIXES = ("dv.", "sync.support", "outsourced.")


def is_outsourced(conn: sqlite3.Connection, staff_id: str | None) -> bool:
    if not staff_id:
        return False
    row = conn.execute("SELECT outsourced FROM staff WHERE id = ?", (staff_id,)).fetchone()
    return bool(row and row[0])


def _staff_only(code: str) -> bool:
    return code.startswith(STAFF_ONLY_PREFIXES)


def neutral_reasons(reasons) -> tuple[Reason, ...]:
    """The reasons an outsourced clerk may see: each in its requester channel (the neutral words
    and legal basis, ``Reason.requester``), reasons with nothing to say left out, and the
    staff-only ones (support measures, stale support data) replaced by one hand-over reason."""
    out, handed = [], False
    for r in reasons:
        if _staff_only(r.code):
            if not handed:
                out.append(HAND_OVER)
                handed = True
            continue
        said = r.requester
        if said.ja or said.en:
            out.append(Reason(r.code, said.ja, said.en, said.basis, said))
    return tuple(out)


def _neutral_dict(r: dict) -> dict | None:
    said = r.get("requester") or {}
    if not (said.get("ja") or said.get("en")):
        return None
    return {"code": r.get("code", ""), "ja": said.get("ja", ""), "en": said.get("en", ""),
            "source": said.get("basis", ""), "requester": said}


def neutral_decision(decision: dict | None) -> dict | None:
    """A decision as the case events hold it (a Decision dict, or the engine's record wrapping one
    under ``decision`` with the facts it was made on), in the requester channel only: staff-only
    reasons replaced by the hand-over reason and, when any was there, the decision data and facts
    (protected ids, measures, officer) removed."""
    if not decision:
        return decision
    if "decision" in decision and isinstance(decision["decision"], dict):
        inner = neutral_decision(decision["decision"])
        if not any(_staff_only(r.get("code", "")) for r in decision["decision"].get("reasons", [])):
            return {**decision, "decision": inner}
        return {k: v for k, v in decision.items() if k not in ("facts", "data")} | {"decision": inner}
    reasons = decision.get("reasons", [])
    staff_only = any(_staff_only(r.get("code", "")) for r in reasons)
    kept = [n for n in (_neutral_dict(r) for r in reasons if not _staff_only(r.get("code", ""))) if n]
    out = {**decision, "reasons": ([HAND_OVER.as_dict()] if staff_only else []) + kept}
    if staff_only:
        out["data"] = {}
    return out


def issuance_refused(conn: sqlite3.Connection, staff_id: str | None, target_ids) -> bool:
    """True when an outsourced account would issue a document of or to a protected person."""
    if not is_outsourced(conn, staff_id):
        return False
    # measures (Argon2, cryptography) only for an outsourced account
    from app.security.measures import measures_protecting

    return bool(measures_protecting(conn, list(target_ids)))
