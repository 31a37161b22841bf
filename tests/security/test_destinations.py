"""Every destination is checked where it is entered (app.security.destinations through the real
case engine and a real store): a typed place or a record that is the perpetrator's stops the
request at the delivery step, in every spelling of the address; the same request about an
unprotected person goes on; the decision is audited; the requester hears neutral words only."""

from __future__ import annotations

import pytest

from app.rules.core import Person, RequestScope
from app.security import audit
from app.rules import said
from app.security.destinations import STAFF_JA, destination_decision, perpetrator_places
from app.workflows.engine import AWAITING_RELEASE, OPEN, REFUSED, CaseEngine

from tests.security.helpers import PERPETRATOR, VICTIM_ADDRESS

TERMINAL = "T001"
#: the perpetrator's address (研修市北町五丁目6番7号) as a clerk may type it
SPELLINGS = [
    "研修市北町五丁目6番7号",
    "研修市北町5-6-7",
    "研修市北町５丁目６番地７",
    "研修県研修市北町五丁目六番七号",
    "研修市北町5丁目6-7 北町コーポ203号室",
    "研修市北町５－６－７　株式会社北町製作所",
]
FORBIDDEN = ("加害", "支援措置", "DV", "perpetrator", "support measure", "protected")


@pytest.fixture
def engine(sstore, world):
    sstore.conn.execute("DELETE FROM store_clock")
    return CaseEngine(sstore, staff_id=world["staff"]["clerk1"], terminal_id=TERMINAL, today="2030-04-01")


def agent_request(person, **extra):
    return {"document": "juminhyo", "requester_type": "voluntary_agent", "requester_family_name": "代理",
            "requester_given_name": "花子", "requester_family_kana": "ダイリ", "requester_given_kana": "ハナコ",
            "requester_birth_date": "1975-05-05", "requester_address": "研修市港町3-3-3",
            "principal_resident_id": person, "target_resident_ids": [person],
            "scope": "person", "purpose": "own_use", "purpose_detail": "勤務先への提出", **extra}


def step(engine, cid, values):
    view = engine.current_step(cid)
    for k, v in values.items():
        engine.set_value(cid, k, v)
    for item in engine.current_step(cid).items:
        engine.tick(cid, item.id)
    assert not engine.current_step(cid).blocking, [r.ja for r in engine.current_step(cid).blocking]
    return engine.next(cid) if view.status == OPEN else view


def post_elsewhere(place):
    return {"channel": "counter", "delivery": "post_other_address", "post_reason": "勤務先で受け取るため",
            "post_place": place, "post_reason_justified": True}


def requester_channel(decision: dict) -> str:
    """Everything the requester may be told of a decision (read aloud, shown, printed)."""
    return " ".join(t["ja"] + t["en"] + t["basis"] for t in decision["requester"])


def release_gate(sstore, engine, cid):
    from app.security import release
    from app.security.staff import authenticate_password

    officer = authenticate_password(sstore, "officer1", "officer1-kenshu", terminal_id=TERMINAL)
    return release.grant(sstore, engine.gate_scope(cid), officer, checklist={"request_form": True})


def stopped_at_delivery(sstore, engine, cid):
    """The request for a protected person with a perpetrator's place typed in: at the delivery step
    it waits for the officer (the pre-screen: the requester hears only the review sentence), the
    clerk and the officer are told why (staff only); released or not, it ends refused there."""
    view = engine.current_step(cid)
    assert (view.status, view.step) == (AWAITING_RELEASE, "delivery")
    gate = view.gate["decision"]
    assert gate["requester"] == [said.REVIEW.as_dict()]
    staff = [r for r in gate["reasons"] if r["code"] == "dv.destination"]
    assert [r["ja"] for r in staff] == [STAFF_JA] and staff[0]["requester"] == said.NOTHING.as_dict()
    release_gate(sstore, engine, cid)
    return engine.next(cid)


@pytest.mark.parametrize("place", SPELLINGS)
def test_a_typed_place_of_the_perpetrator_stops_the_request_at_delivery(sstore, world, engine, place):
    cid = engine.open_case("copy_issuance").case_id
    step(engine, cid, agent_request(world["V"]))
    step(engine, cid, post_elsewhere(place))
    view = stopped_at_delivery(sstore, engine, cid)
    assert (view.status, view.step) == (REFUSED, "delivery")
    decision = view.outcome["decision"]
    assert [r["code"] for r in decision["reasons"]][-1] == "dv.destination"
    told = requester_channel(decision)
    assert decision["requester"] == [said.NOT_ISSUED.as_dict()] and not any(word in told for word in FORBIDDEN)
    assert STAFF_JA in [r["ja"] for r in decision["reasons"]]                     # the staff channel says why
    assert decision["data"]["destinations_blocked"] == [{"typed": True, "resident_id": None}]
    logged = sstore.conn.execute("SELECT target_id FROM audit_log WHERE case_id = ? AND action = ?",
                                 (cid, "restriction.refuse_destination")).fetchall()
    assert logged == [(world["V"],)]
    assert audit.verify(sstore.conn).ok


def test_the_refusal_notice_carries_the_neutral_sentence_only(sstore, world, engine):
    """What the requester receives, read back from the PDF: the neutral sentence and its basis."""
    from app.printing.case_adapter import case_documents
    from tests.printing.pdfread import pdf_pages_text, squash

    cid = engine.open_case("copy_issuance").case_id
    step(engine, cid, agent_request(world["V"]))
    step(engine, cid, post_elsewhere(SPELLINGS[0]))
    assert stopped_at_delivery(sstore, engine, cid).status == REFUSED
    notice = next(d for d in case_documents(sstore, cid) if d.kind == "refusal")
    text = squash("".join(pdf_pages_text(notice.pdf)))
    assert squash(said.NOT_ISSUED.ja) in text and squash(said.NOT_ISSUED.basis) in text
    assert not any(squash(word) in text for word in FORBIDDEN + ("北町", STAFF_JA[:20]))


def test_the_representatives_typed_address_is_checked_too(sstore, world, engine):
    cid = engine.open_case("copy_issuance").case_id
    step(engine, cid, agent_request(world["C"], requester_type="legal_representative",
                                    representation="minor_under_15"))
    step(engine, cid, {"channel": "post", "delivery": "post_representative_address", "post_place": "研修市北町5-6-7"})
    view = stopped_at_delivery(sstore, engine, cid)
    assert (view.status, view.step) == (REFUSED, "delivery")
    assert [r["code"] for r in view.outcome["decision"]["reasons"]][-1] == "dv.destination"


def test_the_same_place_for_an_unprotected_person_goes_on(sstore, world, engine):
    cid = engine.open_case("copy_issuance").case_id
    step(engine, cid, agent_request(world["U"]))
    view = step(engine, cid, post_elsewhere(SPELLINGS[1]))
    assert (view.status, view.step) == (OPEN, "identity")


def test_a_harmless_place_goes_on_and_a_measure_recorded_later_stops_it_at_the_next_step(sstore, world, engine):
    """The check runs at every decision point from the delivery on, not once, and an officer's
    release of the restriction does not open a perpetrator's place."""
    cid = engine.open_case("copy_issuance").case_id
    step(engine, cid, agent_request(world["U"]))
    assert step(engine, cid, post_elsewhere("研修市港町1-1-1 研修商事")).step == "identity"
    with sstore.transaction() as conn:
        conn.execute("INSERT INTO support_measures(id, target_id, kind, status, applied_date, perpetrator_address)"
                     " VALUES ('m-late', ?, 'stalking', 'provisional', '2030-04-01', '研修市港町一丁目1番1号')",
                     (world["U"],))
    view = step(engine, cid, {"identity_documents": ["passport"]})
    assert view.status == AWAITING_RELEASE             # U is protected now: the restriction stage first
    release_gate(sstore, engine, cid)
    view = engine.next(cid)
    assert view.status == REFUSED and [r["code"] for r in view.outcome["decision"]["reasons"]][-1] == "dv.destination"


def scope(persons, mail_to=(), typed=()):
    return RequestScope(case_id="c1", case_type="copy_issuance", handling_staff_id="", persons=tuple(persons),
                        mail_to=tuple(mail_to), requester=Person(), extra={"mail_to_addresses": list(typed)})


def test_a_destination_from_a_record(sstore, world):
    """Mailed to a resident: the perpetrator's own record, or anyone registered at his address."""
    conn = sstore.conn
    assert destination_decision(conn, scope([world["V"]], mail_to=[world["P"]])).outcome.value == "refuse"
    with sstore.transaction() as c:
        c.execute("INSERT INTO residents(id, family_name, given_name, family_kana, given_kana, name_key, kana_key,"
                  " birth_date, sex, address, address_key) VALUES ('lodger', '同居', '人', 'ドウキョ', 'ニン', '', '',"
                  " '1990-01-01', 1, '研修市北町５丁目６番地７', '')")
    assert destination_decision(conn, scope([world["V"]], mail_to=["lodger"])).outcome.value == "refuse"
    # the victim's own registered address is hers, not his
    assert destination_decision(conn, scope([world["V"]], mail_to=[world["V"]])) is None
    # the perpetrator's own copy to his own address: nothing about a protected person is in it
    assert destination_decision(conn, scope([world["P"]], mail_to=[world["P"]])) is None
    assert destination_decision(conn, scope([world["P"]], typed=[PERPETRATOR["address"]])) is None


def test_the_places_are_the_perpetrators_of_the_measures_protecting_the_persons(sstore, world):
    places = perpetrator_places(sstore.conn, [world["C"]])          # a covered household member
    assert places.resident_ids == {world["P"]} and PERPETRATOR["address"] in places.addresses
    assert perpetrator_places(sstore.conn, [world["U"]]).addresses == ()
    assert VICTIM_ADDRESS not in perpetrator_places(sstore.conn, None).addresses
