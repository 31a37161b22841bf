"""Delivery codes come from ONE table (app.rules.tables.DELIVERY_METHODS) that the rules, the
destination check and printing all read: every delivery the rules allow is printed end to end
(real PDFs read back), and a code printing cannot handle fails at import time."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from app.printing.case_adapter import check_delivery_table, issue_case_copies
from app.rules.tables import (
    DELIVERY_METHODS, HAND_OVER, POST_OTHER, POST_PERSON, POST_REPRESENTATIVE, POST_REQUESTER, TO_PERSON_RECORD,
    TO_REQUESTER, TO_TYPED_PLACE, DeliveryMethod,
)
from app.workflows.engine import COMPLETED, OPEN, REFUSED, CaseEngine

from .pdfread import pdf_pages_text, squash

HEAD_ADDRESS = "研修市中央一丁目2番3号"
TYPED_PLACE = "研修市港町二丁目4番6号 港ビル3階 研修商事株式会社"
REQUESTER_ADDRESS = "研修市南町五丁目1番1号"


def text(pdf: bytes) -> str:
    return squash("".join(pdf_pages_text(pdf)))


def requesters(town):
    """Who asks for the head's copy: every requester type that may ask for it on the person's side."""
    agent = {"requester_family_name": "代理", "requester_given_name": "一子", "requester_family_kana": "ダイリ",
             "requester_given_kana": "カズコ", "requester_birth_date": "1975-05-05",
             "requester_address": REQUESTER_ADDRESS, "principal_resident_id": town.head}
    return {
        "self": {"requester_type": "self", "requester_resident_id": town.head},
        "same_household": {"requester_type": "same_household", "requester_resident_id": town.wife},
        "legal_representative": {"requester_type": "legal_representative", "representation": "minor_under_15",
                                 **agent},
        "messenger": {"requester_type": "messenger", "representation": "minor_under_15", **agent},
        "voluntary_agent": {"requester_type": "voluntary_agent", "power_of_attorney_my_number": True, **agent},
    }


def run_case(engine, town, requester: dict, channel: str, delivery: str, my_number: bool):
    """A copy case through the engine, every visible checklist item ticked: the final view."""
    steps = {
        "request": {"document": "juminhyo", **requester, "target_resident_ids": [town.head], "scope": "person",
                    "items": ["my_number"] if my_number else [], "purpose": "own_use",
                    "purpose_detail": "年金の手続"},
        "delivery": {"channel": channel, "delivery": delivery, "post_reason": "勤務先で受け取るため",
                     "post_place": TYPED_PLACE, "post_reason_justified": True},
        "identity": {"identity_documents": ["driving_licence"]},
        "issue": {},
    }
    cid = engine.open_case("copy_issuance").case_id
    view = engine.current_step(cid)
    while view.status == OPEN:
        for field in view.fields:
            if field.id in steps[view.step]:
                engine.set_value(cid, field.id, steps[view.step][field.id])
        view = engine.current_step(cid)
        for field in view.fields:       # fields a value made visible
            if field.id in steps[view.step] and field.value is None:
                engine.set_value(cid, field.id, steps[view.step][field.id])
        for item in engine.current_step(cid).items:
            engine.tick(cid, item.id)
        view = engine.current_step(cid)
        if view.blocking:
            return cid, view
        view = engine.next(cid)
    return cid, view


def test_every_delivery_the_rules_allow_is_printed(store, town, office):
    """The grid: requester types x channel x delivery code x with/without the My Number. Each
    combination the rules complete is printed once per (delivery code, My Number): the copy, and
    for a posted copy the cover letter addressed where the delivery code says."""
    engine = CaseEngine(store, staff_id=town.staff_clerk, terminal_id="T001")
    allowed: dict[tuple[str, bool, bool], str] = {}
    outcomes = {}
    for (who, requester), channel, delivery, my_number in itertools.product(
            requesters(town).items(), ("counter", "post"), DELIVERY_METHODS, (False, True)):
        cid, view = run_case(engine, town, requester, channel, delivery, my_number)
        outcomes[(who, channel, delivery, my_number)] = view.status
        assert view.status in (COMPLETED, REFUSED), (who, channel, delivery, my_number, view.blocking)
        on_record = who in ("self", "same_household")        # the requester's address from the record
        if view.status != COMPLETED or (delivery, my_number, on_record) in allowed:
            continue
        allowed[(delivery, my_number, on_record)] = who
        docs = {d.kind: d for d in issue_case_copies(store, cid, staff_id=town.staff_clerk, office=office)}
        method = DELIVERY_METHODS[delivery]
        assert set(docs) == ({"copy", "slip"} if method.leaves == "counter" else {"copy", "cover_letter", "slip"})
        assert "山田太郎" in text(docs["copy"].pdf)
        if method.leaves == "post":
            letter = text(docs["cover_letter"].pdf)
            expected = {TO_PERSON_RECORD: HEAD_ADDRESS, TO_TYPED_PLACE: TYPED_PLACE,
                        TO_REQUESTER: HEAD_ADDRESS if who in ("self", "same_household") else REQUESTER_ADDRESS}
            assert squash(expected[method.destination]) in letter, (delivery, who, letter)
            assert docs["copy"].issue_number in letter
    # every delivery code the table knows was allowed by the rules somewhere, and printed
    assert {d for d, _, _ in allowed} == set(DELIVERY_METHODS), outcomes
    # the My-Number copy by each way the delivery table allows, and the requester's address typed in
    assert {(POST_PERSON, True, True), (HAND_OVER, True, True), (POST_OTHER, True, True),
            (POST_REPRESENTATIVE, True, False), (POST_REQUESTER, False, False)} <= set(allowed)


def test_a_code_printing_does_not_know_fails_at_import_time():
    bad = {**DELIVERY_METHODS, "post_by_pigeon": DeliveryMethod("post_by_pigeon", "伝書鳩", "pigeon", "pigeon", "")}
    with pytest.raises(ImportError, match="post_by_pigeon"):
        check_delivery_table(bad)
    odd = {**DELIVERY_METHODS, "post_to_nowhere": DeliveryMethod("post_to_nowhere", "x", "x", "post", "")}
    with pytest.raises(ImportError, match="post_to_nowhere"):
        check_delivery_table(odd)
    # the same at a real import: the rules' table gains a code printing cannot address
    code = ("import app.rules.tables as t\n"
            "t.DELIVERY_METHODS['post_by_pigeon'] = t.DeliveryMethod('post_by_pigeon', 'x', 'x', 'post', 'roof')\n"
            "import app.printing.case_adapter\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "post_by_pigeon" in result.stderr and "ImportError" in result.stderr
