"""Fail closed: stale or never-pulled support data restricts every case that could touch a person,
with a reason that says why; a good sync lifts it; training stores are standalone."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from app.rules.core import Outcome, RequestScope, run_pipeline
from app.security.clock import Clock
from app.security.restriction import stale_support_decision
from app.sync import freshness, state
from app.sync.service import status_of, sync_round
from tests.sync.municipality import sid

pytestmark = pytest.mark.postgres


def later(seconds: float) -> Clock:
    """This terminal's clock ``seconds`` of monotonic time from now (same boot)."""
    return Clock(mono=lambda: time.monotonic() + seconds)


def make_old(store, minutes: float) -> None:
    """Make the last pull ``minutes`` of monotonic time old (what waiting would do)."""
    with store.transaction() as conn:
        mark = state.get(conn, state.SUPPORT_PULLED)
        state.put(conn, state.SUPPORT_PULLED, {**mark, "mono": time.monotonic() - minutes * 60})


def _scope(persons=(), mail_to=()):
    return RequestScope(case_id="c1", case_type="copy_issuance", handling_staff_id=sid("clerk_a"),
                        persons=tuple(persons), mail_to=tuple(mail_to))


def test_never_synced_terminal_restricts_cases_with_persons(store):
    assert freshness.is_standalone(store)          # no server configured, never synced
    assert freshness.stale_support_reason(store, _scope(persons=["x"])) is None
    freshness.mark_standalone(store, False)        # an office terminal before its first sync
    stage = lambda scope: stale_support_decision(store, scope)  # noqa: E731  (the live stage)
    decision = run_pipeline([stage], _scope(persons=[sid("resident-9")]))
    assert decision.outcome is Outcome.RESTRICT
    reason = decision.reasons[0]
    assert reason.code == "sync.support_data_stale" and "never received" in reason.en
    assert "支援措置" in reason.ja and reason.source.startswith("setting: sync.support_max_age_minutes")
    # a mailing to a person counts too; a case with nobody in scope is not held up
    assert run_pipeline([stage], _scope(mail_to=["x"])).outcome is Outcome.RESTRICT
    assert run_pipeline([stage], _scope()).outcome is Outcome.ALLOW


def test_a_configured_terminal_is_not_standalone(store):
    from app.config import OfficeConfig
    config = OfficeConfig.load()
    config.server_host = "central.example.lg.jp"
    config.save()
    assert not freshness.is_standalone(store)
    assert freshness.stale_support_reason(store, _scope(persons=["x"])) is not None


def test_stale_support_data_forces_sign_off_until_a_sync_succeeds(seeded, terminal_store):
    a = terminal_store("a")
    target = seeded.target("TA")
    sync_round(a, target, password=seeded.password("TA"))
    scope = _scope(persons=[sid("resident-20")])
    assert freshness.stale_support_reason(a, scope) is None
    eleven_later = later(11 * 60)
    reason = freshness.stale_support_reason(a, scope, clock=eleven_later)
    assert reason is not None and "11 minutes ago" in reason.en and "上限 10 分" in reason.ja
    decision = stale_support_decision(a, scope, eleven_later)     # the live stage
    assert decision.outcome is Outcome.RESTRICT
    # the office may allow longer
    a.set_setting(freshness.MAX_AGE_SETTING, 30)
    assert freshness.stale_support_reason(a, scope, clock=eleven_later) is None
    a.set_setting(freshness.MAX_AGE_SETTING, 10)
    # the status line says so
    make_old(a, 120)
    status = status_of(a, target)
    assert status.support_stale and "out of date" in status.stale_reason_en
    # a good sync lifts it
    sync_round(a, target, password=seeded.password("TA"))
    assert freshness.stale_support_reason(a, scope) is None
    assert not status_of(a, target).support_stale


def test_a_failed_sync_does_not_refresh_support_data(seeded, terminal_store, proxy):
    a = terminal_store("a")
    proxy.cut_after(3000)        # the round breaks before the support measures are read
    from app.sync.connection import SyncError
    with pytest.raises(SyncError):
        sync_round(a, seeded.target("TA", host="127.0.0.1", port=proxy.port),
                   password=seeded.password("TA"))
    assert freshness.stale_support_reason(a, _scope(persons=["x"])) is not None


def test_stale_data_stops_a_real_case_until_a_sync_or_an_officer_signs_off(seeded, terminal_store,
                                                                          tmp_path):
    from app.security import release as releases
    from app.security.staff import authenticate_password
    from app.store import open_store
    from app.sync.seed import seed_from_store
    from app.workflows.engine import AWAITING_RELEASE, OPEN
    from tests.sync.casetypes import engine
    from tests.sync.municipality import fill_master, password_of

    # passwords for the officers (the seeded municipality has none)
    pw_store = open_store(tmp_path / "pw.db", create=True)
    fill_master(pw_store, residents=3, passwords=True)
    seed_from_store(pw_store, seeded.admin_dsn)
    pw_store.close()
    a = terminal_store("a")
    target = seeded.target("TA")
    sync_round(a, target, password=seeded.password("TA"))

    def age_support_data():
        make_old(a, 25)

    clerk = engine(a, "clerk_a", "TA")
    fresh = clerk.open_case("remote_test").case_id
    clerk.set_value(fresh, "persons", [sid("resident-20")])      # nobody protected
    assert clerk.next(fresh).status == OPEN                       # fresh data: goes on

    age_support_data()
    stuck = clerk.open_case("remote_test").case_id
    clerk.set_value(stuck, "persons", [sid("resident-20")])
    view = clerk.next(stuck)
    assert view.status == AWAITING_RELEASE
    codes = [r["code"] for r in view.gate["decision"]["reasons"]]
    assert codes == ["sync.support_data_stale"]
    assert "25 minutes ago" in view.gate["decision"]["reasons"][0]["en"]
    # a sync that succeeds lifts it
    sync_round(a, target, password=seeded.password("TA"))
    assert clerk.next(stuck).status == OPEN

    # or an officer (never the handling clerk) signs off this request on the terminal
    age_support_data()
    other = clerk.open_case("remote_test").case_id
    clerk.set_value(other, "persons", [sid("resident-21")])
    assert clerk.next(other).status == AWAITING_RELEASE
    scope = clerk.context(clerk.state(other)).scope()
    officer = authenticate_password(a, "officer.b", password_of("officer.b"), terminal_id="TA")
    granted = releases.grant(a, scope, officer, checklist={"support_list_checked_by_phone": False})
    assert granted.protected == ()
    assert clerk.next(other).status == OPEN
    logged = a.conn.execute("SELECT detail FROM audit_log WHERE action = 'release.released' "
                            "AND target_id = ?", (other,)).fetchone()
    assert "stale_support_data" in logged[0]


def test_freshness_counts_from_the_server_time_and_the_monotonic_clock(seeded, terminal_store):
    """Issue 14 §7: a terminal whose wall clock is set back after a sync does not stay fresh,
    and after a restart of the terminal the data is stale until the next pull."""
    a = terminal_store("a")
    target = seeded.target("TA")
    sync_round(a, target, password=seeded.password("TA"))
    scope = _scope(persons=[sid("resident-20")])
    with seeded.admin() as conn:
        server_now = conn.execute("SELECT now()").fetchone()[0]
    assert abs((freshness.support_pulled_at(a) - server_now).total_seconds()) < 60
    # the wall clock moved back a day: the monotonic age still grows
    back_a_day = Clock(wall=lambda: dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1),
                       mono=lambda: time.monotonic() + 11 * 60)
    assert freshness.stale_support_reason(a, scope, clock=back_a_day) is not None
    # a restart (another boot): stale until the next pull, whatever the clocks say
    rebooted = Clock(boot_id="another-boot")
    reason = freshness.stale_support_reason(a, scope, clock=rebooted)
    assert reason is not None and "restarted" in reason.en
    sync_round(a, target, password=seeded.password("TA"))
    assert freshness.stale_support_reason(a, scope) is None
