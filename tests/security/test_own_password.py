"""A staff member changes her own password: the rules of ``staff add``, the old password as
proof, the signing key re-wrapped so that what she signed before still verifies; an account kept
by the central server is refused; ``madoguchi staff passwd`` asks at a terminal only."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys

import pytest

from app.security import audit, release
from app.security.staff import AuthError, StaffError, authenticate_password, change_own_password

from tests.security.helpers import open_case
from tests.security.test_release import scope_for

TERMINAL = "T001"


def test_releases_signed_before_the_change_still_verify(sstore, world, clock, sign_in):
    case = open_case(sstore, world["staff"]["clerk1"])
    scope = scope_for(case, world["staff"]["clerk1"], [world["V"]])
    granted = release.grant(sstore, scope, sign_in("officer1"), clock=clock)
    change_own_password(sstore, "officer1", "officer1-kenshu", "officer1-changed",
                        terminal_id=TERMINAL, clock=clock)
    assert release.signature_problem(sstore.conn, release.get_release(sstore.conn, granted.id)) is None
    assert release.signature_problems(sstore.conn) == []
    assert audit.verify(sstore.conn).ok
    with pytest.raises(AuthError):
        authenticate_password(sstore, "officer1", "officer1-kenshu", terminal_id=TERMINAL, clock=clock)
    officer = authenticate_password(sstore, "officer1", "officer1-changed", terminal_id=TERMINAL,
                                    clock=clock)
    relocked = release.relock(sstore, granted.id, officer, clock=clock)   # signs with the same key
    assert release.event_signature_problem(sstore.conn, relocked, relocked.events["relocked"]) is None
    action, by = sstore.conn.execute("SELECT action, staff_id FROM audit_log WHERE action LIKE "
                                     "'staff.%password' ORDER BY seq DESC LIMIT 1").fetchone()
    assert (action, by) == ("staff.change_password", world["staff"]["officer1"])


@pytest.mark.parametrize("old, new, code", [
    ("clerk1-kenshu", "short", "staff.refused"),              # the rules of `staff add`
    ("clerk1-kenshu", " leading-space", "staff.refused"),
    ("clerk1-kenshu", "clerk1-kenshu", "staff.same_password"),
])
def test_the_new_password_follows_the_rules(sstore, clock, old, new, code):
    before = sstore.conn.execute("SELECT password_hash, sign_key FROM staff WHERE login='clerk1'").fetchone()
    with pytest.raises(StaffError) as refused:
        change_own_password(sstore, "clerk1", old, new, terminal_id=TERMINAL, clock=clock)
    assert refused.value.code == code and refused.value.ja and refused.value.en
    assert sstore.conn.execute("SELECT password_hash, sign_key FROM staff WHERE login='clerk1'").fetchone() == before


def test_a_wrong_old_password_is_a_failed_sign_in(sstore, clock):
    with pytest.raises(AuthError):
        change_own_password(sstore, "clerk1", "not-my-password", "clerk1-changed",
                            terminal_id=TERMINAL, clock=clock)
    assert sstore.conn.execute("SELECT failed_attempts FROM staff WHERE login='clerk1'").fetchone()[0] == 1
    authenticate_password(sstore, "clerk1", "clerk1-kenshu", terminal_id=TERMINAL, clock=clock)


def test_an_account_kept_by_the_central_server_is_changed_there(sstore, clock):
    with sstore.transaction() as conn:
        conn.execute("UPDATE staff SET seq = 7 WHERE login = 'clerk1'")      # came down with a sync
    with pytest.raises(StaffError) as refused:
        change_own_password(sstore, "clerk1", "clerk1-kenshu", "clerk1-changed",
                            terminal_id=TERMINAL, clock=clock)
    assert refused.value.code == "staff.central_account" and "central server" in refused.value.en
    authenticate_password(sstore, "clerk1", "clerk1-kenshu", terminal_id=TERMINAL, clock=clock)


# ------------------------------------------------------------------------------------ the command

def _cli(*args) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def test_passwd_refuses_without_a_terminal(sstore):
    done = subprocess.run(_cli("staff", "passwd", "--store", str(sstore.path), "--login", "clerk1"),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "terminal" in done.stderr and "端末" in done.stderr
    assert "Traceback" not in done.stderr


def _expect(fd: int, wanted: str, seen: list[str], timeout: float = 60.0) -> None:
    """Read the child's terminal until ``wanted`` shows (or it ends / the timeout passes)."""
    while wanted not in "".join(seen):
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"no {wanted!r} within {timeout} s; seen: {''.join(seen)!r}"
        try:
            chunk = os.read(fd, 4096)
        except OSError:                  # the child closed its terminal
            chunk = b""
        assert chunk, f"the command ended before {wanted!r}; seen: {''.join(seen)!r}"
        seen.append(chunk.decode("utf-8", "replace"))


def _run_in_terminal(args: list[str], answers: list[tuple[str, str]]) -> tuple[int, str]:
    pid, fd = pty.fork()
    if pid == 0:                                                     # the child: a real terminal
        os.execv(sys.executable, args)
    seen: list[str] = []
    try:
        for prompt, answer in answers:
            _expect(fd, prompt, seen)
            os.write(fd, answer.encode() + b"\n")
        while True:
            ready, _, _ = select.select([fd], [], [], 60)
            assert ready, "".join(seen)
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen.append(chunk.decode("utf-8", "replace"))
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), "".join(seen)


def test_passwd_asks_without_echo_and_changes_the_password(sstore, tmp_path):
    path = str(sstore.path)
    sstore.close()
    code, out = _run_in_terminal(_cli("staff", "passwd", "--store", path, "--login", "clerk1"), [
        ("現在のパスワード", "clerk1-kenshu"), ("新しいパスワード", "clerk1-changed"),
        ("もう一度", "clerk1-changed")])
    assert code == 0, out
    assert "password changed" in out
    assert "clerk1-kenshu" not in out and "clerk1-changed" not in out       # nothing echoed
    from app.store import open_store

    with open_store(path) as store:
        authenticate_password(store, "clerk1", "clerk1-changed", terminal_id=TERMINAL)


def test_passwd_says_why_it_refuses(sstore):
    path = str(sstore.path)
    sstore.close()
    code, out = _run_in_terminal(_cli("staff", "passwd", "--store", path, "--login", "clerk1"), [
        ("現在のパスワード", "clerk1-kenshu"), ("新しいパスワード", "short"), ("もう一度", "short")])
    assert code != 0
    assert "10" in out and "characters" in out and "Traceback" not in out
