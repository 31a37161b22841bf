"""Outsourced (委託) staff at every gate below the window (issue 16): the account attribute, the
restriction stage (no release lets such a clerk past it), the release API, issuance of 附票 and
除票, the support-officer role, the measure ledger, and the neutral texts the engine gives them."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.security import release
from app.security import registration as R
from app.security.measures import MeasureError
from app.security.staff import StaffError, set_roles
from app.workflows.engine import AWAITING_RELEASE, CaseEngine

from tests.security.helpers import START
from tests.security.test_engine_dv import TERMINAL, fill, request_for, sign_in


@pytest.fixture
def engines(sstore, world):
    sstore.conn.execute("DELETE FROM store_clock")
    make = lambda login: CaseEngine(sstore, staff_id=world["staff"][login], terminal_id=TERMINAL,  # noqa: E731
                                    today="2030-04-01")
    return make


def _to_gate(engine, world, target="V"):
    cid = engine.open_case("copy_issuance").case_id
    fill(engine, cid, {**request_for(world, world[target]), "target_resident_ids": [world[target]]})
    fill(engine, cid, {"channel": "counter", "delivery": "hand_over"}, ticks=())
    return cid, fill(engine, cid, {"identity_documents": ["my_number_card"]}, ticks=("documents_original",))


def test_an_outsourced_account_is_never_a_support_officer(sstore, world, staff_ids):
    from app.rules.codes import Role
    from app.security.staff import get_staff

    member = get_staff(sstore.conn, login="itaku1")
    assert member.outsourced and not member.has(Role.SUPPORT_OFFICER)
    with pytest.raises(StaffError, match="outsourced"):
        set_roles(sstore, "itaku1", ["clerk", "support_officer"], actor_id=None, terminal_id=TERMINAL)
    with pytest.raises(sqlite3.IntegrityError, match="outsourced"):      # past the API: the store
        with sstore.transaction() as c:
            c.execute("UPDATE staff SET roles = ? WHERE login = 'itaku1'",
                      (json.dumps(["clerk", "support_officer"]),))


def test_outsourced_clerk_stops_at_the_restriction_and_no_release_lets_them_through(sstore, world, engines):
    engine = engines("itaku1")
    cid, view = _to_gate(engine, world)
    assert view.status == AWAITING_RELEASE
    # the officer cannot release a case an outsourced clerk handles
    with pytest.raises(release.ReleaseError) as err:
        release.grant(sstore, engine.gate_scope(cid), sign_in(sstore, "officer1"),
                      checklist={"request_form": True})
    assert err.value.code == "release.outsourced"
    # even a release the officer really signed, written past the API's refusal, does not move
    # the case on: the restriction stage itself never lets an outsourced clerk through
    import datetime as dt

    from app.rules.core import scope_digest
    from app.security import sigcore
    from app.security.clock import SYSTEM_CLOCK, iso
    from app.store.db import new_id

    scope = engine.gate_scope(cid)
    officer = sign_in(sstore, "officer1")
    now = SYSTEM_CLOCK.now()
    row = {"id": new_id(), "case_id": cid, "handling_staff_id": scope.handling_staff_id,
           "officer_id": officer.staff.id, "terminal_id": TERMINAL, "decision": "released",
           "persons": json.dumps(sorted(scope.persons)), "protected": json.dumps([world["V"]]),
           "documents": json.dumps(sorted(scope.documents)), "scope_digest": scope_digest(scope),
           "reason": None, "checklist": json.dumps({"request_form": True}), "auth_method": "password",
           "issued_at": iso(now), "issued_tick": 1, "issued_mono": None, "boot_id": None,
           "expires_at": iso(now + dt.timedelta(minutes=15))}
    row["signature"] = officer.signing_key.sign(sigcore.release_message(row)).hex()
    with sstore.transaction() as c:
        c.execute(f"INSERT INTO releases({', '.join(row)}) VALUES ({','.join('?' * len(row))})",
                  tuple(row.values()))
    assert release.signature_problem(sstore.conn, row) is None          # a genuine release
    assert engine.next(cid).status == AWAITING_RELEASE


def test_the_outsourced_clerk_sees_only_neutral_texts(sstore, world, engines):
    engine = engines("itaku1")
    cid, view = _to_gate(engine, world)
    codes = [r["code"] for r in view.gate["decision"]["reasons"]]
    assert codes == ["outsourced.hand_over"]
    assert view.gate["decision"]["data"] == {}
    assert all(not r.code.startswith("dv.") for r in view.blocking)
    text = json.dumps([view.decision, view.gate["decision"]], ensure_ascii=False)
    for word in ("支援措置", "加害", "責任者", world["V"]):
        assert word not in text, text
    # a municipal clerk on the same kind of case sees the staff texts
    cid2, view2 = _to_gate(engines("clerk1"), world)
    assert "dv.restricted" in [r["code"] for r in view2.gate["decision"]["reasons"]]


def test_an_unrestricted_case_goes_on_for_outsourced_staff(sstore, world, engines):
    engine = engines("itaku1")
    cid, view = _to_gate(engine, world, target="U")
    assert view.status != AWAITING_RELEASE


@pytest.mark.parametrize("document", ["fuhyo", "juminhyo_removed", "fuhyo_removed", "juminhyo"])
def test_outsourced_staff_never_issue_a_document_of_a_restricted_person(sstore, world, document):
    from app.printing.issuance import issue
    from app.printing.model import RestrictedRecordError

    kw = dict(day=START.date(), office_code="00", office_name="本庁", terminal_id=TERMINAL, case_id=None,
              document_type=document, items=[], delivery="counter", training=False,
              render=lambda number: (b"%PDF-1.4", 1))
    for target in ("V", "R"):        # the victim, and a removed record (除票) under a provisional measure
        with pytest.raises(RestrictedRecordError, match="委託"):
            issue(sstore, staff_id=world["staff"]["itaku1"], target_ids=[world[target]], **kw)
    assert sstore.conn.execute("SELECT count(*) FROM issued_documents").fetchone()[0] == 0
    issue(sstore, staff_id=world["staff"]["itaku1"], target_ids=[world["U"]], **kw)   # unrestricted


def test_outsourced_staff_cannot_touch_the_measure_ledger(sstore, world, sign_in, clock, staff_ids):
    with pytest.raises(MeasureError, match="outsourced"):
        R.register(sstore, sign_in("itaku1"), stage="application", applied_date=START.date(),
                   target_id=world["U"], clock=clock)
    with pytest.raises(MeasureError, match="outsourced"):
        R.confirm_system(sstore, sign_in("itaku1"), world["measure"].id, "税", clock=clock)
    with pytest.raises(sqlite3.IntegrityError, match="outsourced"):       # past the API: the store
        with sstore.transaction() as c:
            c.execute("INSERT INTO measure_events(id, measure_id, kind, system, office_day, at, staff_id, "
                      "terminal_id, auth_method, signature) VALUES ('x', ?, 'system_blocked', '税', "
                      "'2030-04-01', 'now', ?, 'T001', 'password', hex(zeroblob(64)))",
                      (world["measure"].id, staff_ids["itaku1"]))
