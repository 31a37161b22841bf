"""Two-person release: the attacks of issue 5 and the source's re-lock with a third person's
confirmation (docs/SOURCES.md D7)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from app.rules.core import Outcome, RequestScope
from app.security import release
from app.security.restriction import restriction_stage
from app.store.db import new_id, now_iso

from tests.security.helpers import open_case  # noqa: E402

TERMINAL = "T001"


def scope_for(case_id, clerk, persons, documents=("juminhyo",), mail_to=()):
    return RequestScope(case_id=case_id, case_type="copy_issuance", handling_staff_id=clerk,
                        persons=tuple(persons), documents=tuple(documents), mail_to=tuple(mail_to))


@pytest.fixture
def stage(sstore, clock):
    return restriction_stage(sstore, clock=clock, terminal_id=TERMINAL)


@pytest.fixture
def granted(sstore, world, clock, sign_in):
    """clerk1's case for V, released by officer1."""
    case = open_case(sstore, world["staff"]["clerk1"])
    scope = scope_for(case, world["staff"]["clerk1"], [world["V"]])
    r = release.grant(sstore, scope, sign_in("officer1"), clock=clock)
    return case, scope, r


# ---------------------------------------------------------------------- attacks on the four eyes

def test_self_release_by_the_same_account_is_refused_and_logged(sstore, world, clock, sign_in):
    case = open_case(sstore, world["staff"]["officer1"])        # an officer handling a case
    scope = scope_for(case, world["staff"]["officer1"], [world["V"]])
    with pytest.raises(release.ReleaseError) as err:
        release.grant(sstore, scope, sign_in("officer1"), clock=clock)
    assert err.value.code == "release.same_person"
    assert sstore.conn.execute("SELECT count(*) FROM releases").fetchone()[0] == 0
    denied = sstore.conn.execute("SELECT staff_id, detail FROM audit_log WHERE action='release.denied'").fetchone()
    assert denied[0] == world["staff"]["officer1"] and "same_person" in denied[1]


def test_same_person_holding_two_roles_cannot_release_her_own_case(sstore, world, clock, sign_in):
    case = open_case(sstore, world["staff"]["dual1"])
    with pytest.raises(release.ReleaseError) as err:
        release.grant(sstore, scope_for(case, world["staff"]["dual1"], [world["V"]]),
                      sign_in("dual1"), clock=clock)
    assert err.value.code == "release.same_person"


def test_whoever_worked_on_the_case_cannot_release_it(sstore, world, clock, sign_in):
    """dual1 opened the case, clerk1 took it over: dual1 still cannot release it."""
    case = open_case(sstore, world["staff"]["dual1"])
    with pytest.raises(release.ReleaseError):
        release.grant(sstore, scope_for(case, world["staff"]["clerk1"], [world["V"]]),
                      sign_in("dual1"), clock=clock)
    case2 = open_case(sstore, world["staff"]["clerk1"])
    with sstore.transaction() as c:
        c.execute("INSERT INTO case_events(id, case_id, n, at, staff_id, terminal_id, kind) "
                  "VALUES (?,?,1,?,?,?,'tick')", (new_id(), case2, now_iso(),
                                                   world["staff"]["dual1"], TERMINAL))
    with pytest.raises(release.ReleaseError):
        release.grant(sstore, scope_for(case2, world["staff"]["clerk1"], [world["V"]]),
                      sign_in("dual1"), clock=clock)


def test_a_role_removed_after_sign_in_no_longer_releases(sstore, world, clock, sign_in):
    from app.security.staff import set_roles

    officer = sign_in("officer2")
    set_roles(sstore, "officer2", ["clerk"], actor_id=None, terminal_id=TERMINAL)
    case = open_case(sstore, world["staff"]["clerk1"])
    with pytest.raises(release.ReleaseError) as err:
        release.grant(sstore, scope_for(case, world["staff"]["clerk1"], [world["V"]]), officer,
                      clock=clock)
    assert err.value.code == "release.not_officer"


def test_a_stale_officer_sign_in_is_refused(sstore, world, clock, sign_in):
    officer = sign_in("officer1")
    clock.advance(600)
    case = open_case(sstore, world["staff"]["clerk1"])
    with pytest.raises(release.ReleaseError) as err:
        release.grant(sstore, scope_for(case, world["staff"]["clerk1"], [world["V"]]), officer,
                      clock=clock)
    assert err.value.code == "release.stale"


@pytest.mark.parametrize("officer", ["clerk1", "opener"])
def test_the_database_refuses_a_self_release_inserted_with_sql(sstore, world, officer):
    """A modified client skipping the Python checks still hits the triggers."""
    case = open_case(sstore, world["staff"]["clerk1"] if officer == "clerk1" else world["staff"]["dual1"])
    handling = world["staff"]["clerk1"] if officer == "clerk1" else world["staff"]["officer2"]
    officer_id = world["staff"]["clerk1"] if officer == "clerk1" else world["staff"]["dual1"]
    with pytest.raises(sqlite3.IntegrityError):
        sstore.conn.execute(
            "INSERT INTO releases(id, case_id, handling_staff_id, officer_id, terminal_id, decision, "
            "persons, protected, documents, scope_digest, auth_method, issued_at, issued_tick, "
            "expires_at) VALUES ('x', ?, ?, ?, 'T001', 'released', '[]', '[]', '[]', 'd', "
            "'password', '2030-01-01', 1, '2030-01-02')", (case, handling, officer_id))


def test_the_database_refuses_a_release_by_a_non_officer(sstore, world):
    case = open_case(sstore, world["staff"]["clerk1"])
    with pytest.raises(sqlite3.IntegrityError, match="support officer"):
        sstore.conn.execute(
            "INSERT INTO releases(id, case_id, handling_staff_id, officer_id, terminal_id, decision, "
            "persons, protected, documents, scope_digest, auth_method, issued_at, issued_tick, "
            "expires_at, signature) VALUES ('x', ?, ?, ?, 'T001', 'released', '[]', '[]', '[]', 'd', "
            "'password', '2030-01-01', 1, '2030-01-02', ?)",
            (case, world["staff"]["clerk1"], world["staff"]["clerk2"], "ab" * 64))


# ------------------------------------------------------------------- attacks on the binding

def test_release_reused_on_a_second_case(sstore, world, stage, granted):
    case, scope, _ = granted
    other = open_case(sstore, world["staff"]["clerk1"])
    assert stage(scope_for(other, world["staff"]["clerk1"], [world["V"]])).outcome is Outcome.RESTRICT
    assert stage(scope).outcome is Outcome.ALLOW


def test_release_used_after_expiry_even_if_never_relocked(world, stage, granted, clock):
    case, scope, r = granted
    clock.advance(14 * 60)
    assert stage(scope).outcome is Outcome.ALLOW
    clock.advance(61)
    assert stage(scope).outcome is Outcome.RESTRICT
    assert r.seconds_left(clock) == 0


def test_request_changed_after_release_voids_it_for_good(sstore, world, stage, granted):
    case, scope, r = granted
    changed = scope_for(case, world["staff"]["clerk1"], [world["V"]], documents=("juminhyo", "fuhyo"))
    d = stage(changed)
    assert d.outcome is Outcome.RESTRICT and "dv.release_voided" in [x.code for x in d.reasons]
    assert stage(scope).outcome is Outcome.RESTRICT           # changing it back does not revive it
    assert "voided" in release.get_release(sstore.conn, r.id).events


def test_release_for_a_used_for_household_member_b(world, stage, granted):
    case, scope, _ = granted
    assert stage(scope_for(case, world["staff"]["clerk1"], [world["C"]])).outcome is Outcome.RESTRICT
    assert stage(scope_for(case, world["staff"]["clerk1"], [world["V"], world["C"]])).outcome is Outcome.RESTRICT


def test_release_for_a_used_to_mail_to_a(world, stage, granted):
    case, scope, _ = granted
    assert stage(scope_for(case, world["staff"]["clerk1"], [world["V"]],
                           mail_to=[world["V"]])).outcome is Outcome.RESTRICT


def test_release_is_single_use(sstore, world, stage, granted, clock):
    case, scope, r = granted
    used = release.use(sstore, scope, staff_id=world["staff"]["clerk1"], terminal_id=TERMINAL,
                       clock=clock)
    assert "used" in used.events
    assert stage(scope).outcome is Outcome.RESTRICT
    with pytest.raises(release.ReleaseError):
        release.use(sstore, scope, staff_id=world["staff"]["clerk1"], terminal_id=TERMINAL, clock=clock)
    with pytest.raises(sqlite3.IntegrityError):      # the database keeps it single-use too
        sstore.conn.execute("INSERT INTO release_events(id, release_id, kind, at, tick, staff_id, "
                            "terminal_id) VALUES ('e2', ?, 'used', 'x', 1, ?, 'T001')",
                            (r.id, world["staff"]["clerk1"]))


def test_clock_moved_backwards_cannot_extend_a_release(sstore, world, stage, granted, clock):
    case, scope, r = granted
    clock.advance(10 * 60)
    stage(scope)                                          # the store saw 10 minutes later
    clock.set_wall(clock.t - dt.timedelta(minutes=9))     # somebody sets the clock back
    d = stage(scope)
    assert d.outcome is Outcome.RESTRICT and "dv.clock" in [x.code for x in d.reasons]
    # wall clock behind the issue time: refused whatever the high-water mark says
    assert release.check(sstore.conn, r, scope, clock) == "clock_moved_back"


def test_clock_moved_back_without_the_store_noticing_is_caught_by_the_monotonic_clock(
        sstore, world, granted, clock):
    case, scope, r = granted
    clock.m += 20 * 60            # 20 minutes pass without any store operation ...
    clock.t += dt.timedelta(minutes=5)   # ... and the wall clock only shows 5
    assert release.check(sstore.conn, r, scope, clock) == "expired"


def test_no_release_is_granted_while_the_clock_is_behind(sstore, world, clock, sign_in):
    officer = sign_in("officer1")
    case = open_case(sstore, world["staff"]["clerk1"])
    clock.set_wall(clock.t - dt.timedelta(hours=1))
    with pytest.raises(release.ReleaseError):
        release.grant(sstore, scope_for(case, world["staff"]["clerk1"], [world["V"]]), officer,
                      clock=clock)


# ------------------------------------------------------------- refusal, re-lock, confirmation

def test_officer_refusal_with_reason_ends_the_request(sstore, world, stage, clock, sign_in):
    case = open_case(sstore, world["staff"]["clerk1"])
    scope = scope_for(case, world["staff"]["clerk1"], [world["V"]])
    with pytest.raises(release.ReleaseError):
        release.refuse(sstore, scope, sign_in("officer1"), reason="  ", clock=clock)
    release.refuse(sstore, scope, sign_in("officer1"), reason="請求事由が不明確", clock=clock)
    d = stage(scope)
    assert d.outcome is Outcome.REFUSE and "請求事由が不明確" in d.reasons[0].ja


def test_relock_and_third_person_confirmation(sstore, world, granted, clock, sign_in):
    case, scope, r = granted
    assert [p.id for p in release.pending_relock(sstore.conn)] == [r.id]
    with pytest.raises(release.ReleaseError):                   # not yet re-locked
        release.confirm_relock(sstore, r.id, sign_in("clerk2"), clock=clock)
    with pytest.raises(release.ReleaseError):                   # a clerk cannot re-lock
        release.relock(sstore, r.id, sign_in("clerk2"), clock=clock)
    release.relock(sstore, r.id, sign_in("officer1"), note="処理終了", clock=clock)
    for who in ("officer1", "clerk1"):                          # neither the officer nor the clerk
        with pytest.raises(release.ReleaseError) as err:
            release.confirm_relock(sstore, r.id, sign_in(who), clock=clock)
        assert err.value.code == "release.third_person"
    done = release.confirm_relock(sstore, r.id, sign_in("clerk2"), clock=clock)
    assert done.events["relock_confirmed"]["staff_id"] == world["staff"]["clerk2"]
    assert release.pending_relock(sstore.conn) == []
    with pytest.raises(sqlite3.IntegrityError):                 # the database agrees
        sstore.conn.execute("INSERT INTO release_events(id, release_id, kind, at, tick, staff_id, "
                            "terminal_id) VALUES ('e3', ?, 'relock_confirmed', 'x', 1, ?, 'T001')",
                            (r.id, world["staff"]["officer1"]))


def test_relock_confirmation_needs_an_active_uninvolved_account(sstore, world, clock, sign_in):
    """Nobody who worked on the case confirms its re-lock (here: officer2 opened it for clerk1),
    and neither does an account disabled since it signed in: the account is read as it is now."""
    from app.security.staff import disable_staff

    case = open_case(sstore, world["staff"]["officer2"])
    r = release.grant(sstore, scope_for(case, world["staff"]["clerk1"], [world["V"]]), sign_in("officer1"),
                      clock=clock)
    release.relock(sstore, r.id, sign_in("officer1"), note="処理終了", clock=clock)
    with pytest.raises(release.ReleaseError) as err:             # opened the case: a case worker
        release.confirm_relock(sstore, r.id, sign_in("officer2"), clock=clock)
    assert err.value.code == "release.third_person"
    proof = sign_in("clerk2")
    disable_staff(sstore, "clerk2", actor_id=None, terminal_id=TERMINAL)
    with pytest.raises(release.ReleaseError) as err:
        release.confirm_relock(sstore, r.id, proof, clock=clock)
    assert err.value.code == "release.confirmer"
    assert [p.id for p in release.pending_relock(sstore.conn)] == [r.id]


def test_a_relocked_release_no_longer_opens_the_request(world, stage, granted, clock, sign_in, sstore):
    case, scope, r = granted
    release.relock(sstore, r.id, sign_in("officer1"), clock=clock)
    assert stage(scope).outcome is Outcome.RESTRICT


def test_releases_are_append_only_and_queued_for_the_server(sstore, world, granted, clock):
    case, scope, r = granted
    release.use(sstore, scope, staff_id=world["staff"]["clerk1"], terminal_id=TERMINAL, clock=clock)
    with pytest.raises(sqlite3.IntegrityError):
        sstore.conn.execute("UPDATE releases SET expires_at = '2099-01-01' WHERE id = ?", (r.id,))
    with pytest.raises(sqlite3.IntegrityError):
        sstore.conn.execute("DELETE FROM releases WHERE id = ?", (r.id,))
    kinds = dict(sstore.conn.execute("SELECT kind, payload FROM outbox WHERE kind LIKE 'release%'").fetchall())
    assert json.loads(kinds["release"])["officer_id"] == world["staff"]["officer1"]
    assert json.loads(kinds["release_event"])["kind"] == "used"
    actions = [a for (a,) in sstore.conn.execute("SELECT action FROM audit_log WHERE case_id = ?", (case,))]
    assert "release.released" in actions and "release.used" in actions


def test_a_release_never_outlives_its_case(sstore, world, stage, granted):
    case, scope, r = granted
    with sstore.transaction() as c:
        c.execute("INSERT INTO case_events(id, case_id, n, at, staff_id, terminal_id, kind, payload) "
                  "VALUES (?,?,1,?,?,?,'completed','{\"status\": \"completed\"}')",
                  (new_id(), case, now_iso(), world["staff"]["clerk1"], TERMINAL))
    assert stage(scope).outcome is Outcome.RESTRICT


def test_the_store_refuses_a_relock_confirmation_by_someone_who_handled_the_case(sstore, world):
    """Issue 14: "handled" for the re-lock's third person is what it is everywhere (opener, clerk,
    anyone with an event of the case): a confirmation signed by such a person and written with
    SQL is refused by the store itself, as by the engine and the server."""
    from tests.security.helpers import insert_signed_release

    staff = world["staff"]
    case = open_case(sstore, staff["clerk1"])
    with sstore.transaction() as conn:
        conn.execute("INSERT INTO case_events(id, case_id, n, at, staff_id, terminal_id, kind) "
                     "VALUES ('ev-dual', ?, 1, ?, ?, ?, 'tick')", (case, now_iso(), staff["dual1"],
                                                                   TERMINAL))
    row = {"id": "rel-h", "case_id": case, "handling_staff_id": staff["clerk1"],
           "officer_id": staff["officer1"], "terminal_id": TERMINAL, "decision": "released",
           "persons": "[]", "protected": "[]", "documents": '["juminhyo"]', "scope_digest": "d",
           "issued_at": now_iso(), "issued_tick": 1, "expires_at": "2099-01-01T00:00:00+00:00"}
    relocked = ("relocked", staff["officer1"], now_iso(), 2)
    with pytest.raises(sqlite3.IntegrityError, match="anyone who handled the case"):
        with sstore.transaction() as conn:
            insert_signed_release(conn, row, events=[relocked, ("relock_confirmed", staff["dual1"],
                                                                now_iso(), 3)])
    with sstore.transaction() as conn:                      # a third person: accepted
        insert_signed_release(conn, row, events=[relocked, ("relock_confirmed", staff["clerk2"],
                                                            now_iso(), 3)])
    assert release.get_release(sstore.conn, "rel-h").events["relock_confirmed"]["staff_id"] == \
        staff["clerk2"]
