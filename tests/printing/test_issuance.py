"""Issue numbers and the issuance history (交付履歴) in a real store."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest

from app.config import OfficeConfig
from app.printing import NumberNotEntitledError, build_copy_request, issuance_history, issue_copy
from app.printing.issuance import format_issue_number
from app.rules.codes import DocumentType as D, Item as I
from app.store import open_store

from .pdfread import pdf_pages_text, squash


def test_issue_numbers_unique_sequential_and_recorded(store, town):
    req = build_copy_request(store, D.JUMINHYO, [town.head, town.wife, town.child_old, town.child_young,
                                                 town.lodger], items={I.HOUSEHOLD})
    issued = [issue_copy(store, req, staff_id=town.staff_clerk) for _ in range(3)]
    numbers = [d.issue_number for d in issued]
    assert len(set(numbers)) == 3
    day = req.issued_on.strftime("%Y%m%d")
    assert numbers == [f"{day}-00-T001-{n:06d}" for n in (1, 2, 3)]
    for doc in issued:
        texts = [squash(t) for t in pdf_pages_text(doc.pdf)]
        assert doc.pages == len(texts) == 2
        assert all(f"交付番号{doc.issue_number}" in t for t in texts)
        assert all("プレビュー" not in t for t in texts)
    rows = issuance_history(store, resident_id=town.lodger)
    assert [r["issue_number"] for r in rows][::-1] == numbers
    row = rows[0]
    assert row["pages"] == 2 and row["items"] == ["household"] and row["document_type"] == "juminhyo"
    assert row["staff_id"] == town.staff_clerk and row["terminal_id"] == "T001"
    assert row["office_name"] == "本庁 市民課" and set(row["target_ids"]) == set(req.persons[i].resident_id for i in range(5))
    assert len(row["sha256"]) == 64
    outbox = store.conn.execute("SELECT payload FROM outbox WHERE kind = 'issued_document' ORDER BY seq").fetchall()
    assert len(outbox) == 3 and json.loads(outbox[0][0])["issue_number"] == numbers[0]
    assert issuance_history(store, resident_id=town.foreign) == []


def test_history_is_append_only(store, town):
    issue_copy(store, build_copy_request(store, D.JUMINHYO, [town.head]), staff_id=town.staff_clerk)
    with pytest.raises(sqlite3.DatabaseError):
        with store.transaction() as conn:
            conn.execute("UPDATE issued_documents SET pages = 9")
    with pytest.raises(sqlite3.DatabaseError):
        with store.transaction() as conn:
            conn.execute("DELETE FROM issued_documents")


def test_a_refused_copy_takes_no_number_and_leaves_no_history(store, town):
    good = build_copy_request(store, D.JUMINHYO, [town.head], items={I.MY_NUMBER}, entitled_numbers={I.MY_NUMBER})
    import dataclasses

    with pytest.raises(NumberNotEntitledError):
        issue_copy(store, dataclasses.replace(good, entitled_numbers=frozenset()), staff_id=town.staff_clerk)
    assert store.conn.execute("SELECT count(*) FROM issued_documents").fetchone()[0] == 0
    first = issue_copy(store, good, staff_id=town.staff_clerk)
    assert first.issue_number.endswith("-000001")


def test_terminals_and_offices_have_their_own_counters(store, town):
    req = build_copy_request(store, D.JUMINHYO, [town.head])
    other = dataclasses_replace_office(req, OfficeConfig(office_code="03", office_name="北支所", terminal_id="T007"))
    a = issue_copy(store, req, staff_id=town.staff_clerk).issue_number
    b = issue_copy(store, other, staff_id=town.staff_clerk).issue_number
    assert a.endswith("-00-T001-000001") and b.endswith("-03-T007-000001") and a != b


def dataclasses_replace_office(req, office):
    import dataclasses

    return dataclasses.replace(req, office=office)


def test_concurrent_issuing_from_two_connections_never_shares_a_number(store, town, store_path):
    req = build_copy_request(store, D.JUMINHYO, [town.head])
    numbers: list[str] = []
    errors: list[BaseException] = []

    def worker():
        try:
            with open_store(store_path) as s:
                for _ in range(5):
                    numbers.append(issue_copy(s, req, staff_id=town.staff_clerk).issue_number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(numbers) == 15 and len(set(numbers)) == 15
    assert store.conn.execute("SELECT count(DISTINCT issue_number) FROM issued_documents").fetchone()[0] == 15


def test_format():
    import datetime as dt

    assert format_issue_number(dt.date(2019, 5, 1), "00", "T001", 42) == "20190501-00-T001-000042"
