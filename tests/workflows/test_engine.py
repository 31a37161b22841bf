"""The case engine on a real SQLite store: events before moves, replay, queue, pause/resume,
abandon, back, blocking reasons, the sign-off gate and the outbox."""

from __future__ import annotations

import json

import pytest

from app.rules.core import Decision, Outcome, Reason, RequestScope
from app.workflows.engine import (
    AWAITING_RELEASE, COMPLETED, OPEN, PAUSED, REFUSED, ABANDONED, CaseEngine, CaseError,
    CaseTypeDef, ChecklistItem, FieldError, FieldSpec, Step, complete, go,
)
from tests.workflows.helpers import add_application, add_household, add_resident

FOUR = dict(method="four_items", family_name="研修", given_name="花子",
            address="研修市中央一丁目1番1号", birth_date="1980-04-01", sex="2")


def _fill(engine, case_id, values):
    for k, v in values.items():
        engine.set_value(case_id, k, v)


def events(store, case_id):
    return [(k, s, json.loads(p)) for k, s, p in store.conn.execute(
        "SELECT kind, step, payload FROM case_events WHERE case_id = ? ORDER BY n", (case_id,))]


def test_case_types_listed(engine):
    ids = [t.id for t in engine.list_case_types()]
    assert "status_inquiry" in ids


def test_next_blocked_until_items_and_fields(engine):
    view = engine.open_case("status_inquiry")
    codes = {r.code for r in view.blocking}
    assert codes == {"checklist.unticked.identity_checked", "field.missing.method"}
    assert not view.can_advance
    with pytest.raises(CaseError) as err:
        engine.next(view.case_id)
    assert err.value.code == "case.blocked"
    engine.tick(view.case_id, "identity_checked")
    engine.set_value(view.case_id, "method", "four_items")
    # the four items are now visible and required
    codes = {r.code for r in engine.can_advance(view.case_id)}
    assert codes == {f"field.missing.{k}" for k in ("family_name", "given_name", "address", "birth_date", "sex")}
    _fill(engine, view.case_id, FOUR)
    assert engine.can_advance(view.case_id) == []


def test_every_action_is_an_event_with_who_and_terminal_and_in_the_outbox(store, engine, clerk):
    view = engine.open_case("status_inquiry")
    cid = view.case_id
    engine.tick(cid, "identity_checked")
    engine.tick(cid, "identity_checked", False)
    engine.tick(cid, "identity_checked")
    engine.tick(cid, "identity_checked")           # no change: no event
    rows = store.conn.execute(
        "SELECT id, kind, staff_id, terminal_id, at FROM case_events WHERE case_id = ? ORDER BY n", (cid,)
    ).fetchall()
    assert [r[1] for r in rows] == ["opened", "tick", "tick", "tick"]
    assert {r[2] for r in rows} == {clerk} and {r[3] for r in rows} == {"T001"}
    queued = {r[0] for r in store.conn.execute("SELECT row_id FROM outbox WHERE kind = 'case_event'")}
    assert {r[0] for r in rows} <= queued
    assert store.conn.execute("SELECT count(*) FROM outbox WHERE kind = 'case' AND row_id = ?",
                              (cid,)).fetchone()[0] == 1
    tick = engine.current_step(cid).items[0]
    assert tick.checked and tick.by.staff_id == clerk and tick.by.terminal_id == "T001"


def test_field_error_names_the_field_and_writes_nothing(store, engine):
    cid = engine.open_case("status_inquiry").case_id
    engine.set_value(cid, "method", "application_id")
    before = store.conn.execute("SELECT count(*) FROM case_events").fetchone()[0]
    with pytest.raises(FieldError) as err:
        engine.set_value(cid, "application_id", "12345")
    assert err.value.field_id == "application_id" and "23" in str(err.value)
    with pytest.raises(FieldError):
        engine.set_value(cid, "method", "telepathy")
    with pytest.raises(CaseError):
        engine.set_value(cid, "no_such_field", "x")
    assert store.conn.execute("SELECT count(*) FROM case_events").fetchone()[0] == before


def test_status_inquiry_end_to_end_from_the_store(store, engine):
    hid = add_household(store)
    rid = add_resident(store, hid)
    add_application(store, rid, "1" * 23, status="ready")
    cid = engine.open_case("status_inquiry").case_id
    engine.tick(cid, "identity_checked")
    _fill(engine, cid, {**FOUR, "given_name": "はなこ", "address": "研修市中央一丁目１番１号"})
    view = engine.next(cid)
    assert view.step == "answer"
    data = view.decision["decision"]["data"]
    assert [a["status"] for a in data["applications"]] == ["ready"]
    assert view.decision["facts"]["matched_resident_ids"] == [rid]
    engine.tick(cid, "answer_given")
    view = engine.next(cid)
    assert view.status == COMPLETED
    assert view.outcome["decision"]["data"]["applications"][0]["application_id"] == "1" * 23
    assert engine.queue() == []
    assert [q.status for q in engine.queue(None)] == [COMPLETED]


def test_back_keeps_values_and_replay_matches(store, engine):
    cid = engine.open_case("status_inquiry").case_id
    engine.tick(cid, "identity_checked")
    _fill(engine, cid, FOUR)
    engine.next(cid)
    view = engine.back(cid)
    assert view.step == "request" and not view.can_go_back
    assert {f.id: f.value for f in view.fields}["family_name"] == "研修"
    with pytest.raises(CaseError):
        engine.back(cid)
    # a fresh engine (another process, another desk) replays to the same view
    other = CaseEngine(store, staff_id=engine.staff_id, terminal_id="T002")
    assert other.current_step(cid) == engine.current_step(cid)


def test_pause_resume_abandon_and_queue(store, engine, clerk2):
    a = engine.open_case("status_inquiry").case_id
    b = engine.open_case("status_inquiry").case_id
    engine.pause(a, "住民票を取りに帰宅")
    assert {q.case_id: q.status for q in engine.queue()} == {a: PAUSED, b: OPEN}
    assert [q.case_id for q in engine.queue([PAUSED])] == [a]
    with pytest.raises(CaseError):
        engine.tick(a, "identity_checked")
    assert engine.can_advance(a)[0].code == "case.paused"
    # another clerk resumes at another desk
    other = CaseEngine(store, staff_id=clerk2, terminal_id="T009")
    view = other.resume(a)
    assert view.status == OPEN and view.step == "request"
    assert store.conn.execute("SELECT staff_id, terminal_id FROM case_events WHERE case_id = ? "
                              "ORDER BY n DESC LIMIT 1", (a,)).fetchone() == (clerk2, "T009")
    with pytest.raises(CaseError):
        other.resume(a)
    view = engine.abandon(b, "申請者が帰った")
    assert view.status == ABANDONED and view.outcome["note"] == "申請者が帰った"
    with pytest.raises(CaseError):
        engine.abandon(b)
    assert [q.case_id for q in engine.queue()] == [a]


def test_events_are_append_only(store, engine):
    import sqlite3

    cid = engine.open_case("status_inquiry").case_id
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute("UPDATE case_events SET kind = 'x' WHERE case_id = ?", (cid,))
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute("DELETE FROM case_events WHERE case_id = ?", (cid,))


# --- the sign-off gate, with a case type built for this test ------------------------------------
# Its rule stage restricts while the scope's digest is not among the released digests kept in the
# store's settings table: the same shape as the security package's stage (release bound to digest).

RELEASED_KEY = "test.released_digests"


def _gate_stage(store, ctx):
    from app.rules.core import scope_digest

    def stage(scope):
        if "protected" not in scope.persons:
            return None
        if scope_digest(scope) in store.setting(RELEASED_KEY, []):
            return Decision.allow(Reason("test.released", "解除済み", "released", "test"))
        return Decision(Outcome.RESTRICT, (Reason("test.restricted", "交付制限", "restricted", "test"),))

    return stage


def _refuse_stage(store, ctx):
    def stage(scope):
        if scope.purpose == "bad":
            return Decision.refuse(Reason("test.refused", "不可", "refused", "test source"))
        return None

    return stage


GATED = CaseTypeDef(
    id="gated_test", ja="テスト", en="test",
    steps=(
        Step("ask", "請求", "request", route=lambda ctx: go("issue", ctx.decide("ask")),
             fields=(FieldSpec("persons", "residents", "対象者", "persons"),
                     FieldSpec("purpose", "text", "目的", "purpose", required=False))),
        Step("issue", "交付", "issue", route=lambda ctx: complete(ctx.decide("ask")),
             items=(ChecklistItem("handed", "交付した", "handed over"),)),
    ),
    build_scope=lambda ctx: RequestScope(ctx.case_id, "gated_test", ctx.staff_id,
                                         persons=tuple(ctx.get("persons", ())),
                                         purpose=ctx.get("purpose", "")),
)


@pytest.fixture
def gated_engine(store, clerk, monkeypatch):
    from app.workflows import registry

    monkeypatch.setitem(registry.RULES, "gated_test", {"ask": (_gate_stage, _refuse_stage)})
    return CaseEngine(store, staff_id=clerk, terminal_id="T001", case_types={"gated_test": GATED})


def test_restrict_waits_for_a_release_bound_to_the_scope(store, gated_engine):
    eng = gated_engine
    cid = eng.open_case("gated_test").case_id
    eng.set_value(cid, "persons", ["a", "protected"])
    view = eng.next(cid)
    assert view.status == AWAITING_RELEASE and view.step == "ask"
    assert view.gate["scope"]["persons"] == ["a", "protected"]
    digest = view.gate["scope_digest"]
    assert [q.status for q in eng.queue()] == [AWAITING_RELEASE]
    # pressing Next again without a release keeps it waiting and adds no second gate
    eng.next(cid)
    assert [k for k, _, _ in events(store, cid)].count("gated") == 1
    # the officer releases exactly this scope
    store.set_setting(RELEASED_KEY, [digest])
    view = eng.next(cid)
    assert view.status == OPEN and view.step == "issue"
    # going back and changing the request makes the release not match any more
    eng.back(cid)
    eng.set_value(cid, "purpose", "another purpose")
    view = eng.next(cid)
    assert view.status == AWAITING_RELEASE and view.gate["scope_digest"] != digest


def test_restrict_rechecks_until_released_and_refusal_ends(store, gated_engine):
    eng = gated_engine
    cid = eng.open_case("gated_test").case_id
    eng.set_value(cid, "persons", ["protected"])
    eng.next(cid)
    store.set_setting(RELEASED_KEY, [])
    view = eng.next(cid)                   # still restricted
    assert view.status == AWAITING_RELEASE
    cid2 = eng.open_case("gated_test").case_id
    eng.set_value(cid2, "persons", ["a"])
    eng.set_value(cid2, "purpose", "bad")
    view = eng.next(cid2)
    assert view.status == REFUSED
    assert view.outcome["decision"]["reasons"][0]["source"] == "test source"
    with pytest.raises(CaseError):
        eng.next(cid2)
