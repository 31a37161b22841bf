"""The DV path through the real case engine (app.workflows) on a real store: the restriction stage
plugged in by the pipeline stops a copy-issuance case for a protected person, the handling clerk
cannot release it, a different support officer does, the case completes; a changed request and an
expired release put the case back behind the gate."""

from __future__ import annotations

import pytest

from app.security import audit, release
from app.workflows.engine import AWAITING_RELEASE, COMPLETED, REFUSED, CaseEngine

from tests.security.helpers import PERPETRATOR, VICTIM_ADDRESS  # noqa: E402

TERMINAL = "T001"


@pytest.fixture
def engine(sstore, world):
    # the engine runs on the real clock: forget the template's (future) fake-clock high water
    sstore.conn.execute("DELETE FROM store_clock")
    return CaseEngine(sstore, staff_id=world["staff"]["clerk1"], terminal_id=TERMINAL,
                      today="2030-04-01")


def request_for(world, requester_id, requester_type="self", **extra):
    return {"document": "juminhyo", "requester_type": requester_type,
            "requester_resident_id": requester_id, "target_resident_ids": [world["V"]],
            "scope": "person", "purpose": "own_use", "purpose_detail": "児童手当", **extra}


def fill(engine, cid, values, ticks=("request_form",)):
    for t in ticks:
        engine.tick(cid, t)
    for k, v in values.items():
        engine.set_value(cid, k, v)
    return engine.next(cid)


def current_scope(engine, cid):
    return engine.context(engine.state(cid)).scope()


def sign_in(sstore, login):
    from app.security.staff import authenticate_password

    return authenticate_password(sstore, login, f"{login}-kenshu", terminal_id=TERMINAL)


def release_gate(sstore, engine, cid, login="officer1"):
    """The officer reviews the request the case stopped on and releases exactly that."""
    return release.grant(sstore, engine.gate_scope(cid), sign_in(sstore, login),
                         checklist={"request_form": True, "identity": True, "documents": True})


def test_dv_case_gated_released_by_another_officer_and_completed(sstore, world, engine):
    cid = engine.open_case("copy_issuance").case_id
    fill(engine, cid, request_for(world, world["V"]))
    fill(engine, cid, {"channel": "counter", "delivery": "hand_over"}, ticks=())
    view = fill(engine, cid, {"identity_documents": ["my_number_card"]}, ticks=("documents_original",))
    assert view.status == AWAITING_RELEASE
    assert "dv.restricted" in [r["code"] for r in view.gate["decision"]["reasons"]]
    assert engine.next(cid).status == AWAITING_RELEASE          # Next stays blocked
    with pytest.raises(release.ReleaseError):                    # the handling clerk
        release_gate(sstore, engine, cid, login="clerk1")
    granted = release_gate(sstore, engine, cid)
    view = engine.next(cid)
    assert view.status != AWAITING_RELEASE
    view = fill(engine, cid, {}, ticks=("documents_match",))
    assert view.status == COMPLETED, view
    spent = release.get_release(sstore.conn, granted.id)
    assert "used" in spent.events                                # single use: spent on completion
    assert release.check(sstore.conn, spent, engine.current_scope(cid)) is not None
    assert [r.id for r in release.pending_relock(sstore.conn)] == [granted.id]   # officer re-locks
    actions = [a for (a,) in sstore.conn.execute("SELECT action FROM audit_log WHERE case_id = ?", (cid,))]
    assert {"restriction.block", "release.released", "restriction.released", "release.used"} <= set(actions)
    assert audit.verify(sstore.conn).ok


def test_request_changed_at_the_gate_voids_the_release(sstore, world, engine):
    cid = engine.open_case("copy_issuance").case_id
    fill(engine, cid, request_for(world, world["V"]))
    fill(engine, cid, {"channel": "counter", "delivery": "hand_over"}, ticks=())
    fill(engine, cid, {"identity_documents": ["my_number_card"]}, ticks=("documents_original",))
    granted = release_gate(sstore, engine, cid)
    engine.back(cid)                                  # the clerk goes back and changes the request
    engine.set_value(cid, "delivery", "post_person_address")
    engine.next(cid)
    view = engine.next(cid)
    assert view.status == AWAITING_RELEASE
    assert "dv.release_voided" in [r["code"] for r in view.gate["decision"]["reasons"]]
    assert "voided" in release.get_release(sstore.conn, granted.id).events


def test_dv_case_by_the_perpetrator_is_refused_with_the_reason(sstore, world, engine):
    cid = engine.open_case("copy_issuance").case_id
    fill(engine, cid, request_for(world, None, requester_type="professional",
                                  purpose="court_submission", profession="judicial_scrivener",
                                  requester_family_name="司法", requester_given_name="書士",
                                  requester_family_kana="シホウ", requester_given_kana="ショシ",
                                  requester_birth_date="1970-01-01", requester_address="研修市本町1番地",
                                  client_family_name=PERPETRATOR["family_name"],
                                  client_given_name=PERPETRATOR["given_name"]),
         ticks=("request_form", "professional_form", "professional_badge"))
    fill(engine, cid, {"channel": "counter", "delivery": "hand_over"}, ticks=())
    view = fill(engine, cid, {"identity_documents": ["driving_licence"]}, ticks=("documents_original",))
    assert view.status == REFUSED
    codes = [r["code"] for r in view.outcome["decision"]["reasons"]]
    assert codes[0] == "dv.perpetrator_agent" and "dv.court" in codes
