"""Staff accounts, password sign-in with lockout, the idle-locking session, settings changes."""

from __future__ import annotations

import json

import pytest

from app.rules.codes import Role
from app.security import settings
from app.security.staff import (AuthError, Authenticated, Session, StaffError, add_staff,
                                authenticate_password, change_own_password, disable_staff, get_staff,
                                reset_password)

TERMINAL = "T001"


def test_password_is_stored_as_argon2id_hash_never_plain(sstore):
    row = sstore.conn.execute("SELECT password_hash FROM staff WHERE login='clerk1'").fetchone()
    assert row[0].startswith("$argon2id$")
    assert "clerk1-kenshu" not in row[0]
    dump = "\n".join(sstore.conn.iterdump())
    assert "clerk1-kenshu" not in dump


def test_sign_in_ok_and_logged(sstore, clock):
    auth = authenticate_password(sstore, "officer1", "officer1-kenshu", terminal_id=TERMINAL,
                                 clock=clock)
    assert auth.genuine() and auth.staff.has(Role.SUPPORT_OFFICER) and auth.method == "password"
    last = sstore.conn.execute("SELECT action, staff_id, terminal_id, detail FROM audit_log "
                               "ORDER BY seq DESC LIMIT 1").fetchone()
    assert last[:3] == ("signin.ok", auth.staff.id, TERMINAL)
    assert "officer1-kenshu" not in last[3]


def test_wrong_password_and_unknown_login_get_the_same_message(sstore, clock):
    with pytest.raises(AuthError) as wrong:
        authenticate_password(sstore, "clerk1", "not-the-password", terminal_id=TERMINAL, clock=clock)
    with pytest.raises(AuthError) as unknown:
        authenticate_password(sstore, "nobody", "whatever-pass", terminal_id=TERMINAL, clock=clock)
    assert wrong.value.ja == unknown.value.ja and wrong.value.en == unknown.value.en
    fails = sstore.conn.execute("SELECT count(*) FROM audit_log WHERE action='signin.fail'").fetchone()[0]
    assert fails == 2
    # the attempted password is never in the log
    assert not sstore.conn.execute("SELECT 1 FROM audit_log WHERE detail LIKE '%not-the-password%'").fetchone()


def test_lockout_after_repeated_failures_even_with_the_right_password(sstore, clock):
    limit = settings.get(sstore, "security.lockout_attempts")
    for _ in range(limit):
        with pytest.raises(AuthError):
            authenticate_password(sstore, "clerk2", "wrong-password!", terminal_id=TERMINAL, clock=clock)
    with pytest.raises(AuthError) as locked:
        authenticate_password(sstore, "clerk2", "clerk2-kenshu", terminal_id=TERMINAL, clock=clock)
    assert locked.value.code == "auth.locked"
    clock.advance(settings.get(sstore, "security.lockout_minutes") * 60 + 1)
    assert authenticate_password(sstore, "clerk2", "clerk2-kenshu", terminal_id=TERMINAL,
                                 clock=clock).staff.login == "clerk2"


def test_lockout_limit_is_a_setting_and_its_change_is_audited(sstore, clock, staff_ids):
    settings.change(sstore, "security.lockout_attempts", 3, staff_id=staff_ids["admin1"],
                    terminal_id=TERMINAL, clock=clock)
    assert settings.get(sstore, "security.lockout_attempts") == 3
    entry = sstore.conn.execute("SELECT staff_id, target_id, detail FROM audit_log "
                                "WHERE action='setting.change'").fetchone()
    assert entry[0] == staff_ids["admin1"] and entry[1] == "security.lockout_attempts"
    assert json.loads(entry[2]) == {"from": 5, "to": 3}
    with pytest.raises(settings.SettingError):
        settings.change(sstore, "security.lockout_attempts", 0, staff_id=None, terminal_id=TERMINAL)
    with pytest.raises(settings.SettingError):
        settings.change(sstore, "security.allow_self_release", 1, staff_id=None, terminal_id=TERMINAL)


def test_disabled_account_cannot_sign_in(sstore, clock):
    disable_staff(sstore, "clerk2", actor_id=None, terminal_id=TERMINAL)
    with pytest.raises(AuthError) as err:
        authenticate_password(sstore, "clerk2", "clerk2-kenshu", terminal_id=TERMINAL, clock=clock)
    assert err.value.code == "auth.disabled"


def test_reset_password_clears_lock_and_requires_change(sstore, clock):
    member = reset_password(sstore, "clerk1", "a-new-long-pass", actor_id=None,
                            terminal_id=TERMINAL, clock=clock)
    assert member.must_change_password
    with pytest.raises(AuthError):
        authenticate_password(sstore, "clerk1", "clerk1-kenshu", terminal_id=TERMINAL, clock=clock)
    assert authenticate_password(sstore, "clerk1", "a-new-long-pass", terminal_id=TERMINAL, clock=clock)


def test_one_account_per_person_and_valid_input(sstore):
    with pytest.raises(StaffError, match="one per person"):
        add_staff(sstore, login="clerk1b", display_name="窓口 一郎", roles=["clerk"],
                  employee_no="T0001", terminal_id=TERMINAL)
    with pytest.raises(StaffError, match="exists"):
        add_staff(sstore, login="clerk1", display_name="x", roles=["clerk"], terminal_id=TERMINAL)
    with pytest.raises(StaffError, match="role"):
        add_staff(sstore, login="zz", display_name="x", roles=["superuser"], terminal_id=TERMINAL)
    with pytest.raises(StaffError, match="at least"):
        add_staff(sstore, login="zz", display_name="x", roles=["clerk"], password="short",
                  terminal_id=TERMINAL)
    assert get_staff(sstore.conn, login="zz") is None


def test_session_locks_after_idle_time_and_only_the_same_person_unlocks(sstore, clock):
    auth = authenticate_password(sstore, "clerk1", "clerk1-kenshu", terminal_id=TERMINAL, clock=clock)
    session = Session.start(sstore, auth, now=100.0)
    idle = settings.get(sstore, "security.idle_lock_minutes") * 60
    session.touch(100.0 + idle - 1)
    assert not session.is_locked(100.0 + idle * 2 - 2)
    assert session.is_locked(100.0 + idle * 2)
    session.touch(100.0 + idle * 2 + 1)          # a touch does not reopen a locked session
    assert session.is_locked(100.0 + idle * 2 + 1)
    other = authenticate_password(sstore, "clerk2", "clerk2-kenshu", terminal_id=TERMINAL, clock=clock)
    with pytest.raises(AuthError):
        session.unlock(other, now=100.0 + idle * 3)
    assert session.is_locked(100.0 + idle * 3)
    session.unlock(authenticate_password(sstore, "clerk1", "clerk1-kenshu", terminal_id=TERMINAL,
                                         clock=clock), now=100.0 + idle * 3)
    assert not session.is_locked(100.0 + idle * 3 + 1)


def test_hand_built_sign_in_proof_is_not_accepted(sstore):
    member = get_staff(sstore.conn, login="officer1")
    forged = Authenticated(member, "password", "2026-11-25T09:00:00+00:00", TERMINAL, "00" * 32)
    assert not forged.genuine()
    with pytest.raises(AuthError):
        Session(forged, 300)


def test_cli_staff_add_list_disable_reset(cli, sstore):
    path = str(sstore.path)
    sstore.close()
    r = cli("staff", "add", "--store", path, "suzuki", "--name", "鈴木 三郎",
            "--role", "clerk", "--role", "support_officer", "--password-stdin",
            input="suzuki-password\n")
    assert r.returncode == 0, r.stderr
    r = cli("staff", "list", "--store", path, "--json")
    rows = {m["login"]: m for m in json.loads(r.stdout)}
    assert rows["suzuki"]["roles"] == ["clerk", "support_officer"] and "dual1" in rows
    assert "password_hash" not in r.stdout and "argon2" not in r.stdout
    r = cli("staff", "add", "--store", path, "nopw", "--name", "x", "--role", "clerk")
    assert r.returncode != 0 and "--password-stdin" in r.stderr    # no terminal: no prompt
    r = cli("staff", "disable", "--store", path, "suzuki")
    assert r.returncode == 0 and "disabled" in r.stdout
    r = cli("staff", "reset-password", "--store", path, "ghost", "--password-stdin",
            input="whatever-long\n")
    assert r.returncode == 2 and "ghost" in r.stderr


def test_cli_staff_demo_creates_the_published_training_accounts(cli, store_path):
    from app.security.demo import TRAINING_ACCOUNTS

    r = cli("staff", "demo", "--store", str(store_path))
    assert r.returncode == 0, r.stderr
    for account in TRAINING_ACCOUNTS:
        assert account.login in r.stdout and account.password in r.stdout
    from app.security.demo import create_training_accounts
    from app.store import open_store

    with open_store(store_path) as s:                 # idempotent
        assert not any(created for _, _, created in create_training_accounts(s, terminal_id=TERMINAL))
        assert authenticate_password(s, "dual1", "dual1-kenshu", terminal_id=TERMINAL).staff.roles == {
            Role.CLERK, Role.SUPPORT_OFFICER}


def test_staff_demo_refuses_a_store_that_is_not_a_training_store(cli, sstore, tmp_path):
    """Issue 14 §8: the published accounts (officers, administrator) never go into a live store."""
    from app.security.demo import NotTrainingStoreError, create_training_accounts
    from app.store import open_store

    live = tmp_path / "live.db"
    with open_store(live, create=True) as s:
        with s.transaction() as c:
            c.execute("INSERT INTO staff(id, login, display_name, created_at) "
                      "VALUES ('s1', 'tanaka', '田中', '2026-01-01')")
    r = cli("staff", "demo", "--store", str(live))
    assert r.returncode == 2 and "not a training store" in r.stderr
    with open_store(live) as s:
        assert [x[0] for x in s.conn.execute("SELECT login FROM staff")] == ["tanaka"]
        with pytest.raises(NotTrainingStoreError):
            create_training_accounts(s, terminal_id=TERMINAL)


def test_signing_key_is_rewrapped_on_password_change_and_replaced_on_reset(sstore, clock):
    from app.security import keys

    before = sstore.conn.execute("SELECT sign_pub, sign_key FROM staff WHERE login='officer1'").fetchone()
    change_own_password(sstore, "officer1", "officer1-kenshu", "officer1-new-pass",
                        terminal_id=TERMINAL, clock=clock)
    after = sstore.conn.execute("SELECT sign_pub, sign_key, id FROM staff WHERE login='officer1'").fetchone()
    assert after[0] == before[0] and after[1] != before[1]          # same key, wrapped anew
    with pytest.raises(keys.KeyError_):
        keys.unwrap(after[1], "officer1-kenshu", after[2])           # the old password opens nothing
    auth = authenticate_password(sstore, "officer1", "officer1-new-pass", terminal_id=TERMINAL,
                                 clock=clock)
    assert keys.public_hex(auth.signing_key) == keys.current_public(after[0])
    reset_password(sstore, "officer1", "officer1-reset-pass", actor_id=None, terminal_id=TERMINAL,
                   clock=clock)
    reset = sstore.conn.execute("SELECT sign_pub FROM staff WHERE login='officer1'").fetchone()[0]
    assert reset.split()[0] == before[0] and len(reset.split()) == 2   # old key still listed


def test_wrong_password_answers_the_same_for_unknown_disabled_and_locked(sstore, clock):
    """Issue 14 §5 and §9: nothing typed is recorded for an unknown login, and a wrong password
    gets one answer whatever the account's state."""
    disable_staff(sstore, "clerk2", actor_id=None, terminal_id=TERMINAL)
    limit = settings.get(sstore, "security.lockout_attempts")
    for _ in range(limit):
        with pytest.raises(AuthError):
            authenticate_password(sstore, "officer2", "wrong-password!", terminal_id=TERMINAL,
                                  clock=clock)
    answers = set()
    for login in ("officer2-kenshu", "clerk2", "officer2", "clerk1"):     # unknown, disabled, locked, ok
        with pytest.raises(AuthError) as err:
            authenticate_password(sstore, login, "not-the-password", terminal_id=TERMINAL, clock=clock)
        answers.add((err.value.code, err.value.ja, err.value.en))
    assert len(answers) == 1
    unknown = sstore.conn.execute("SELECT staff_id, detail FROM audit_log WHERE action='signin.fail' "
                                  "AND staff_id IS NULL").fetchall()
    assert unknown == [(None, '{"method":"password","why":"unknown login"}')]
    assert not sstore.conn.execute("SELECT 1 FROM outbox WHERE payload LIKE '%officer2-kenshu%'").fetchone()
