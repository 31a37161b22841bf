"""Issuing a printed document: the issue number (交付番号: date, office, terminal, serial) and the
issuance history (交付履歴: time, place, target, items, pages, issue number, terminal, user).

A serial is taken from the store's counter, the document is rendered with its number, and the
history row (plus its outbox entry for the central server) is written — all in one transaction,
so a failed render uses no number and leaves no history, and two issues never share a number.
This module must not decide entitlement or what a document says.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass, replace
from typing import Callable

from app.printing.copies import check_request, render_copy_with_pages
from app.printing.model import CopyRequest, RestrictedRecordError
from app.security.measures import measures_protecting
from app.security.outsourced import issuance_refused
from app.security.release import releases_for_case, signature_problem
from app.store.db import Store, equal_filters, new_id, now_iso
from app.store.outbox import enqueue

COVER_LETTER = "cover_letter"


@dataclass(frozen=True)
class IssuedDocument:
    issue_number: str
    pdf: bytes
    pages: int
    record_id: str          # issued_documents.id


def format_issue_number(day: _dt.date, office_code: str, terminal_id: str, serial: int) -> str:
    """e.g. 20261125-00-T001-000042"""
    return f"{day:%Y%m%d}-{office_code}-{terminal_id}-{serial:06d}"


def next_serial(conn: sqlite3.Connection, office_code: str, terminal_id: str) -> int:
    """Take the next serial of this office and terminal. Call inside a write transaction."""
    return conn.execute(
        "INSERT INTO issue_counters(office_code, terminal_id, last_serial) VALUES (?, ?, 1) "
        "ON CONFLICT(office_code, terminal_id) DO UPDATE SET last_serial = last_serial + 1 "
        "RETURNING last_serial",
        (office_code, terminal_id),
    ).fetchone()[0]


def check_restriction(store: Store, *, case_id: str | None, person_ids, document: str | None) -> None:
    """Second line of defence for DV support measures (the restriction stage of the case decides):
    a document about or mailed to a protected person is issued only within a case for which a
    support officer released exactly these protected persons (and this document), signed by that
    officer (a row written into the store by hand does not count). Raises
    :class:`RestrictedRecordError`; the message names nobody."""
    protected = set(measures_protecting(store.conn, person_ids))
    if not protected:
        return
    if case_id:
        for release in releases_for_case(store.conn, case_id):
            if (release.decision == "released" and "voided" not in release.events
                    and protected <= set(release.protected)
                    and (document is None or document in release.documents)
                    and not signature_problem(store.conn, release)):   # signed by the officer
                return
    raise RestrictedRecordError(
        "交付制限（支援措置）：支援措置の対象者が含まれています。支援措置責任者の解除がない限り交付・送付できません。"
        " / Restricted (support measure): a protected person is concerned; nothing is issued or mailed"
        " without the support officer's release for this case."
    )


def issue(
    store: Store,
    *,
    day: _dt.date,
    office_code: str,
    office_name: str,
    terminal_id: str,
    staff_id: str,
    case_id: str | None,
    document_type: str,
    target_ids: list[str],
    items: list[str],
    delivery: str,
    training: bool,
    render: Callable[[str], tuple[bytes, int]],
) -> IssuedDocument:
    """Number, render and record one document. ``render(issue_number)`` returns (pdf, pages).
    Outsourced (委託) staff never issue a document of or to a protected person, release or not."""
    with store.transaction() as conn:
        if issuance_refused(conn, staff_id, target_ids):
            raise RestrictedRecordError(
                "委託職員は支援措置の対象者に関する証明書（戸籍の附票・除票を含む）を交付できません。市の職員に引き継いでください。"
                " / Outsourced (委託) staff cannot issue documents (戸籍の附票 and 除票 included) of a "
                "restricted person: hand over to a municipal employee.")
        serial = next_serial(conn, office_code, terminal_id)
        number = format_issue_number(day, office_code, terminal_id, serial)
        pdf, pages = render(number)
        row = {
            "id": new_id(),
            "issue_number": number,
            "issued_at": now_iso(),
            "office_code": office_code,
            "office_name": office_name,
            "terminal_id": terminal_id,
            "staff_id": staff_id,
            "case_id": case_id,
            "document_type": document_type,
            "target_ids": json.dumps(list(target_ids)),
            "items": json.dumps(sorted(items)),
            "pages": pages,
            "delivery": delivery,
            "training": int(training),
            "sha256": hashlib.sha256(pdf).hexdigest(),
        }
        names = ", ".join(row)
        conn.execute(f"INSERT INTO issued_documents({names}) VALUES ({', '.join('?' for _ in row)})",
                     tuple(row.values()))
        enqueue(conn, "issued_document", row["id"], row)
    return IssuedDocument(number, pdf, pages, row["id"])


def issue_copy(store: Store, request: CopyRequest, *, staff_id: str, case_id: str | None = None) -> IssuedDocument:
    """Issue one copy: a new issue number, the PDF with it, and its history row.
    Raises :class:`app.printing.model.PrintRefused` (nothing is recorded then)."""
    check_request(request)  # refuse before a number is taken
    check_restriction(store, case_id=case_id, person_ids=[p.resident_id for p in request.persons],
                      document=request.document.value)
    office = request.office
    return issue(
        store, day=request.issued_on, office_code=office.office_code, office_name=office.office_name,
        terminal_id=office.terminal_id, staff_id=staff_id, case_id=case_id,
        document_type=request.document.value, target_ids=[p.resident_id for p in request.persons],
        items=[i.value for i in request.items], delivery=request.delivery.value, training=request.training,
        render=lambda number: render_copy_with_pages(replace(request, issue_number=number)),
    )


def issuance_history(store: Store, *, resident_id: str | None = None, case_id: str | None = None,
                     limit: int = 200) -> list[dict]:
    """History rows, newest first, optionally for one resident (as a target) or one case."""
    where, args = equal_filters(case_id=case_id)
    if resident_id:
        target = "EXISTS (SELECT 1 FROM json_each(issued_documents.target_ids) WHERE value = :resident_id)"
        where, args = " AND ".join(filter(None, (where, target))), {**args, "resident_id": resident_id}
    rows = list(store.db["issued_documents"].rows_where(
        where, args, order_by="issued_at DESC, issue_number DESC", limit=limit))
    for row in rows:
        row["target_ids"] = json.loads(row["target_ids"])
        row["items"] = json.loads(row["items"])
    return rows
