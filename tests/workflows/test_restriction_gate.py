"""The engine with the real DV restriction stage of ``app.security`` (no stand-in): a case touching
a protected person waits for a support officer who is not the handling clerk; the officer's
release opens exactly that request; it is spent when the case completes; changing the request
after the release stops the case again; a mailing to a protected person is stopped too."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from app.store import open_store
from app.workflows.engine import AWAITING_RELEASE, COMPLETED, OPEN, PAUSED, REFUSED, CaseEngine
from tests.workflows.helpers import add_card, add_household, add_resident

TERMINAL = "T001"
PERPETRATOR = dict(family_name="加害", given_name="太郎", family_kana="カガイ", given_kana="タロウ",
                   birth_date="1980-05-05", address="研修市北町五丁目6番7号", relationship="元夫")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Training accounts (Argon2: slow, so once) and a victim under a support measure."""
    from app.security import measures
    from app.security.demo import create_training_accounts
    from app.security.staff import authenticate_password

    path = tmp_path_factory.mktemp("gate") / "template.db"
    s = open_store(path, create=True)
    create_training_accounts(s, terminal_id=TERMINAL)
    hid = add_household(s, "研修市中央一丁目2番3号")
    victim = add_resident(s, hid, family="被害", given="花子", family_kana="ヒガイ", given_kana="ハナコ",
                          birth="1985-03-03", address="研修市中央一丁目2番3号")
    other = add_resident(s, add_household(s, "研修市南町1番1号"), family="無関", given="係子",
                         family_kana="ムカン", given_kana="ケイコ", birth="1990-01-01", address="研修市南町1番1号")
    add_card(s, victim)
    officer = authenticate_password(s, "officer2", "officer2-kenshu", terminal_id=TERMINAL)
    measures.create_measure(s, officer, target_id=victim, kind="dv", applied_date=dt.date.today(),
                            start_date=dt.date.today(), perpetrator=measures.Perpetrator(**PERPETRATOR))
    ids = {"victim": victim, "other": other,
           **{r[0]: r[1] for r in s.conn.execute("SELECT login, id FROM staff")}}
    s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    return path, ids


@pytest.fixture
def world(template, tmp_path):
    path, ids = template
    copy = tmp_path / "store.db"
    shutil.copyfile(path, copy)
    s = open_store(copy)
    yield s, ids
    s.close()


def sign_in(store, login):
    from app.security.staff import authenticate_password

    return authenticate_password(store, login, f"{login}-kenshu", terminal_id=TERMINAL)


def copy_case(engine, person, identity=("driving_licence",)):
    cid = engine.open_case("copy_issuance").case_id
    engine.tick(cid, "request_form")
    for k, v in {"document": "juminhyo", "requester_type": "self", "requester_resident_id": person,
                 "target_resident_ids": [person], "scope": "person", "purpose": "own_use",
                 "purpose_detail": "勤務先へ提出"}.items():
        engine.set_value(cid, k, v)
    assert engine.next(cid).step == "delivery"          # no restriction before the request is complete
    engine.set_value(cid, "channel", "counter")
    engine.set_value(cid, "delivery", "hand_over")
    engine.next(cid)
    engine.tick(cid, "documents_original")
    engine.set_value(cid, "identity_documents", list(identity))
    return cid


def test_protected_person_waits_for_the_officer_and_release_is_spent(world):
    from app.security import release

    store, ids = world
    engine = CaseEngine(store, staff_id=ids["clerk1"], terminal_id=TERMINAL)
    cid = copy_case(engine, ids["victim"])
    view = engine.next(cid)
    assert view.status == AWAITING_RELEASE and view.step == "identity"
    assert view.gate["decision"]["reasons"][0]["code"] == "dv.restricted"
    assert [q.status for q in engine.queue()] == [AWAITING_RELEASE]
    # Next only re-checks; the clerk cannot get past
    assert engine.next(cid).status == AWAITING_RELEASE
    scope = engine.gate_scope(cid)
    assert scope.persons == (ids["victim"],) and scope.handling_staff_id == ids["clerk1"]
    # the officer releases exactly this request
    granted = release.grant(store, scope, sign_in(store, "officer1"),
                            checklist={"request_form": True, "identity_documents": True, "documents_to_issue": True})
    view = engine.next(cid)
    assert view.status == OPEN and view.step == "issue"
    assert "dv.released" in [r["code"] for r in view.decision["decision"]["reasons"]]
    engine.tick(cid, "documents_match")
    view = engine.next(cid)
    assert view.status == COMPLETED
    # single use: spent on completion
    assert "used" in release.get_release(store.conn, granted.id).events


def test_the_handling_clerk_cannot_release_their_own_case(world):
    from app.security import release

    store, ids = world
    engine = CaseEngine(store, staff_id=ids["dual1"], terminal_id=TERMINAL)   # clerk and officer roles
    cid = copy_case(engine, ids["victim"])
    engine.next(cid)
    with pytest.raises(release.ReleaseError) as err:
        release.grant(store, engine.gate_scope(cid), sign_in(store, "dual1"))
    assert err.value.code.endswith("same_person")
    assert engine.next(cid).status == AWAITING_RELEASE


def test_changing_the_request_after_release_stops_it_again(world):
    from app.security import release

    store, ids = world
    engine = CaseEngine(store, staff_id=ids["clerk1"], terminal_id=TERMINAL)
    cid = copy_case(engine, ids["victim"])
    engine.next(cid)
    release.grant(store, engine.gate_scope(cid), sign_in(store, "officer1"))
    assert engine.next(cid).step == "issue"
    engine.back(cid)                                              # back to identity
    engine.set_value(cid, "identity_documents", ["passport"])
    view = engine.next(cid)
    assert view.status == AWAITING_RELEASE


def test_unprotected_person_is_not_stopped(world):
    store, ids = world
    engine = CaseEngine(store, staff_id=ids["clerk1"], terminal_id=TERMINAL)
    cid = copy_case(engine, ids["other"])
    assert engine.next(cid).step == "issue"


def test_mailing_the_inquiry_form_to_a_protected_holder_is_stopped(world):
    store, ids = world
    engine = CaseEngine(store, staff_id=ids["clerk1"], terminal_id=TERMINAL)
    cid = engine.open_case("pin_reset").case_id
    engine.tick(cid, "card_presented")
    engine.tick(cid, "power_of_attorney")
    for k, v in {"requester_type": "voluntary_agent", "holder_resident_id": ids["victim"], "secrets": ["auth"],
                 "requester_family_name": "代理", "requester_given_name": "人", "requester_family_kana": "ダイリ",
                 "requester_given_kana": "ヒト", "requester_birth_date": "1970-01-01",
                 "requester_address": "研修市本町1番地"}.items():
        engine.set_value(cid, k, v)
    engine.next(cid)
    engine.tick(cid, "documents_original")
    engine.set_value(cid, "identity_documents", ["driving_licence"])
    view = engine.next(cid)
    assert view.status == AWAITING_RELEASE
    assert view.gate["scope"]["mail_to"] == [ids["victim"]]
    from app.security import release

    granted = release.grant(store, engine.gate_scope(cid), sign_in(store, "officer1"))
    view = engine.next(cid)
    assert view.status == PAUSED and view.pause["resume_to"] == "return_visit"
    assert "used" in release.get_release(store.conn, granted.id).events      # the mailing spent it


def test_the_perpetrator_acting_as_agent_is_refused(world):
    store, ids = world
    engine = CaseEngine(store, staff_id=ids["clerk1"], terminal_id=TERMINAL)
    cid = engine.open_case("pin_reset").case_id
    engine.tick(cid, "card_presented")
    engine.tick(cid, "authority_proof")
    for k, v in {"requester_type": "legal_representative", "holder_resident_id": ids["victim"],
                 "secrets": ["auth"], "requester_family_name": "加害", "requester_given_name": "太郎",
                 "requester_birth_date": "1980-05-05", "requester_family_kana": "カガイ",
                 "requester_given_kana": "タロウ", "requester_address": "研修市本町1番地"}.items():
        engine.set_value(cid, k, v)
    engine.next(cid)
    engine.tick(cid, "documents_original")
    engine.set_value(cid, "identity_documents", ["driving_licence"])
    view = engine.next(cid)
    assert view.status == REFUSED
    assert view.outcome["decision"]["reasons"][0]["code"].startswith("dv.perpetrator")


def test_officer_refusal_ends_the_case_refused_with_the_officer_reason(world):
    from app.security import release

    store, ids = world
    engine = CaseEngine(store, staff_id=ids["clerk1"], terminal_id=TERMINAL)
    cid = copy_case(engine, ids["victim"])
    engine.next(cid)
    release.refuse(store, engine.gate_scope(cid), sign_in(store, "officer1"), reason="申出書と一致しない")
    view = engine.next(cid)
    assert view.status == REFUSED and view.gate is None
    assert view.outcome["decision"]["reasons"][0]["code"] == "dv.officer_refused"
    kinds = [k for (k,) in store.conn.execute("SELECT kind FROM case_events WHERE case_id = ? ORDER BY n", (cid,))]
    assert "released" not in kinds and kinds[-1] == "refused"
