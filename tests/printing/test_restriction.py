"""Second line of defence for DV support measures at the printer: nothing about or to a protected
person is issued without the support officer's release for the case."""

from __future__ import annotations

import json

import pytest

from app.printing import RestrictedRecordError, build_copy_request, build_cover_letter, issue_copy, issue_cover_letter
from app.printing.issuance import issuance_history
from app.printing.letters import Enclosure
from app.rules.codes import DocumentType as D
from app.store.db import new_id, now_iso
from tests.security.helpers import insert_signed_release


def open_case(store, town) -> str:
    cid = new_id()
    with store.transaction() as conn:
        conn.execute("INSERT INTO cases(id, case_type, terminal_id, opened_by, opened_at) VALUES (?,?,?,?,?)",
                     (cid, "copy_issuance", "T001", town.staff_clerk, now_iso()))
    return cid


def add_release(store, town, cid, *, protected, documents, decision="released", voided=False) -> str:
    rid = new_id()
    with store.transaction() as conn:
        insert_signed_release(conn, {
            "id": rid, "case_id": cid, "handling_staff_id": town.staff_clerk,
            "officer_id": town.staff_officer, "terminal_id": "T009", "decision": decision,
            "persons": json.dumps(protected), "protected": json.dumps(protected),
            "documents": json.dumps(documents), "scope_digest": "digest",
            "reason": None if decision == "released" else "理由", "issued_at": now_iso(),
            "issued_tick": 1, "expires_at": "2099-01-01T00:00:00+00:00"},
            events=[("voided", town.staff_clerk, now_iso(), 2)] if voided else [])
    return rid


def test_a_protected_persons_copy_needs_a_release(store, town):
    request = build_copy_request(store, D.JUMINHYO, [town.victim])
    with pytest.raises(RestrictedRecordError):
        issue_copy(store, request, staff_id=town.staff_clerk)
    cid = open_case(store, town)
    with pytest.raises(RestrictedRecordError):
        issue_copy(store, request, staff_id=town.staff_clerk, case_id=cid)
    add_release(store, town, cid, protected=[town.victim], documents=["fuhyo"])          # another document
    add_release(store, town, cid, protected=[town.victim], documents=["juminhyo"], voided=True)
    add_release(store, town, cid, protected=[town.victim], documents=["juminhyo"], decision="refused")
    with pytest.raises(RestrictedRecordError):
        issue_copy(store, request, staff_id=town.staff_clerk, case_id=cid)
    assert issuance_history(store) == []
    add_release(store, town, cid, protected=[town.victim], documents=["juminhyo"])
    issued = issue_copy(store, request, staff_id=town.staff_clerk, case_id=cid)
    assert issuance_history(store)[0]["issue_number"] == issued.issue_number


def test_mail_to_a_protected_person_needs_a_release(store, town, office):
    letter = build_cover_letter(store, town.victim, [Enclosure("住民票の写し")], office=office)
    with pytest.raises(RestrictedRecordError):
        issue_cover_letter(store, letter, staff_id=town.staff_clerk)
    cid = open_case(store, town)
    add_release(store, town, cid, protected=[town.victim], documents=["juminhyo"])
    import dataclasses

    issued = issue_cover_letter(store, dataclasses.replace(letter, case_id=cid), staff_id=town.staff_clerk)
    assert issued.issue_number


def test_unprotected_persons_need_nothing(store, town):
    issue_copy(store, build_copy_request(store, D.JUMINHYO, [town.head]), staff_id=town.staff_clerk)
