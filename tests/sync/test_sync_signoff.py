"""Remote sign-off with two terminals on two stores against one server: a case at branch terminal
A stops on a protected person; the officer at terminal B sees it in the queue, releases it there
(never the handling clerk), and terminal A receives the release on its next sync and goes on."""

from __future__ import annotations

import pytest

from app.security import release as releases
from app.security.staff import authenticate_password
from app.sync import signoff
from app.sync.seed import seed_from_store
from app.sync.service import sync_round
from app.workflows.engine import AWAITING_RELEASE, COMPLETED, OPEN
from tests.sync.casetypes import engine as _engine
from tests.sync.municipality import fill_master, password_of, sid

pytestmark = pytest.mark.postgres

@pytest.fixture
def office(central, tmp_path, terminal_store):
    from app.store import open_store

    master = open_store(tmp_path / "master-pw.db", create=True)
    fill_master(master, residents=12, passwords=True)
    seed_from_store(master, central.admin_dsn)
    master.close()
    a, b = terminal_store("branch-a"), terminal_store("main-b")

    def sync(store, terminal):
        return sync_round(store, central.target(terminal), password=central.password(terminal))

    sync(a, "TA")
    sync(b, "TB")
    return central, a, b, sync


def test_case_at_branch_released_by_officer_at_main_office(office):
    central, a, b, sync = office
    clerk = _engine(a, "clerk_a", "TA")
    case_id = clerk.open_case("remote_test").case_id
    clerk.set_value(case_id, "persons", [sid("resident-0")])        # the protected person
    assert clerk.next(case_id).status == AWAITING_RELEASE
    sync(a, "TA")

    assert signoff.remote_queue(b, "TB") == []                     # not pulled yet
    pulled = sync(b, "TB")
    assert pulled.traffic["cases"] == 1
    queue = signoff.remote_queue(b, "TB")
    assert [q.case_id for q in queue] == [case_id]
    waiting = queue[0]
    assert waiting.terminal_id == "TA" and waiting.opened_by == sid("clerk_a")
    assert waiting.scope.handling_staff_id == sid("clerk_a")
    assert waiting.scope.persons == (sid("resident-0"),)
    assert any(r["code"] == "dv.restricted" for r in waiting.reasons)
    assert signoff.remote_queue(a, "TA") == []                     # own cases are not "remote"

    officer = authenticate_password(b, "officer.b", password_of("officer.b"), terminal_id="TB")
    granted = signoff.grant_remote(b, case_id, officer, checklist={"request_form": True}, note="確認済み")
    assert granted.decision == "released" and granted.terminal_id == "TB"

    # A has not synced: still waiting
    assert clerk.next(case_id).status == AWAITING_RELEASE
    sync(b, "TB")
    got = sync(a, "TA")
    assert got.traffic["releases"] == 1
    view = clerk.next(case_id)
    assert view.status == OPEN and view.step == "issue"
    clerk.tick(case_id, "handed")
    assert clerk.next(case_id).status == COMPLETED
    sync(a, "TA")
    sync(b, "TB")
    assert signoff.remote_queue(b, "TB") == []                     # B sees it completed
    assert b.conn.execute("SELECT status FROM case_queue WHERE case_id = ?", (case_id,)).fetchone()[0] == COMPLETED
    # the officer re-locks at B when the processing has ended; A learns it on its next sync
    officer = authenticate_password(b, "officer.b", password_of("officer.b"), terminal_id="TB")
    releases.relock(b, granted.id, officer, note="処理終了")
    sync(b, "TB")
    sync(a, "TA")
    assert "relocked" in releases.get_release(a.conn, granted.id).events
    local_a = {r[0] for r in a.conn.execute("SELECT id FROM release_events")}
    with central.admin() as conn:
        assert conn.execute("SELECT officer_id, handling_staff_id, terminal_id FROM madoguchi.releases"
                            ).fetchall() == [(sid("officer_b"), sid("clerk_a"), "TB")]
        assert {r[0] for r in conn.execute("SELECT id FROM madoguchi.release_events")} == local_a


def test_remote_officer_who_handled_the_case_cannot_release_and_refusal_comes_back(office):
    central, a, b, sync = office
    dual = _engine(a, "officer_a", "TA")                            # an officer working as clerk
    case_id = dual.open_case("remote_test").case_id
    dual.set_value(case_id, "persons", [sid("resident-1")])         # a protected household member
    assert dual.next(case_id).status == AWAITING_RELEASE
    sync(a, "TA")
    sync(b, "TB")
    same = authenticate_password(b, "officer.a", password_of("officer.a"), terminal_id="TB")
    with pytest.raises(releases.ReleaseError) as err:
        signoff.grant_remote(b, case_id, same)
    assert err.value.code == "release.same_person"
    other = authenticate_password(b, "officer.b", password_of("officer.b"), terminal_id="TB")
    signoff.refuse_remote(b, case_id, other, reason="加害者からの請求の疑い")
    sync(b, "TB")
    sync(a, "TA")
    view = dual.next(case_id)
    assert view.status == "refused"
    assert "加害者からの請求の疑い" in str(view.outcome)
