"""Staff accounts made on the central server (``madoguchi server staff``) reach terminals with the
next sync, sign in there with the terminal's own rules, keep working while the server is away, and
central changes (disable, roles, password reset) arrive the same way. Real PostgreSQL, real
stores, the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from app.rules.codes import Role
from app.security import keys
from app.security.staff import AuthError, StaffError, authenticate_password, get_staff
from app.sync import staff_admin
from app.sync.service import sync_round

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """``madoguchi server staff ARGS`` (``madoguchi server terminals`` for that action)."""
    command = ["server"] if args[0] == "terminals" else ["server", "staff"]
    return subprocess.run([sys.executable, "-m", "app", *command, *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_central_account_syncs_down_and_signs_in_offline(central, terminal_store):
    r = _cli("add", "kita.clerk", "--name", "北 窓口", "--role", "clerk", "--employee-no", "E1001",
             "--password-stdin", "--dsn", central.admin_dsn, stdin="kita-clerk-pass\n")
    assert r.returncode == 0, r.stderr
    assert "kita-clerk-pass" not in r.stdout + r.stderr
    with psycopg.connect(central.admin_dsn) as conn:
        stored = conn.execute("SELECT password_hash FROM madoguchi.staff WHERE login = 'kita.clerk'").fetchone()[0]
        assert stored.startswith("$argon2id$")
        assert conn.execute("SELECT action FROM madoguchi.staff_log").fetchall() == [("staff.add",)]

    a = terminal_store("a")
    sync_round(a, central.target("TA"), password=central.password("TA"))
    listed = _cli("terminals", "--json", "--dsn", central.admin_dsn)
    synced = {t["id"]: t["last_sync_at"] for t in json.loads(listed.stdout)}
    assert synced["TA"] is not None and synced["TB"] is None
    member = get_staff(a.conn, login="kita.clerk")
    assert member.roles == frozenset({Role.CLERK}) and member.employee_no == "E1001"
    auth = authenticate_password(a, "kita.clerk", "kita-clerk-pass", terminal_id="TA")
    assert auth.staff.login == "kita.clerk"
    # the personal signing key made centrally came down wrapped and opens with the password
    pub = a.conn.execute("SELECT sign_pub FROM staff WHERE login = 'kita.clerk'").fetchone()[0]
    assert auth.signing_key is not None and keys.public_hex(auth.signing_key) == keys.current_public(pub)

    # the server goes away: the terminal still signs the clerk in from its own store
    central.server.drop_database(central.dbname)
    assert authenticate_password(a, "kita.clerk", "kita-clerk-pass", terminal_id="TA").genuine()


def test_central_disable_roles_and_reset_reach_the_terminal(central, terminal_store):
    staff_admin.add_staff(central.admin_dsn, login="minami", display_name="南 太郎", roles=["clerk"],
                          password="minami-pass-1")
    a = terminal_store("a")
    target, pw = central.target("TA"), central.password("TA")
    sync_round(a, target, password=pw)
    authenticate_password(a, "minami", "minami-pass-1", terminal_id="TA")

    first_pub = a.conn.execute("SELECT sign_pub FROM staff WHERE login = 'minami'").fetchone()[0]
    staff_admin.set_roles(central.admin_dsn, "minami", ["clerk", "support_officer"])
    staff_admin.reset_password(central.admin_dsn, "minami", "minami-pass-2")
    sync_round(a, target, password=pw)
    # a reset makes a new signing key; the old public key stays listed for earlier signatures
    pubs = a.conn.execute("SELECT sign_pub FROM staff WHERE login = 'minami'").fetchone()[0].split()
    assert pubs[0] == first_pub and len(pubs) == 2
    member = get_staff(a.conn, login="minami")
    assert member.roles == frozenset({Role.CLERK, Role.SUPPORT_OFFICER}) and member.must_change_password
    with pytest.raises(AuthError):
        authenticate_password(a, "minami", "minami-pass-1", terminal_id="TA")
    renewed = authenticate_password(a, "minami", "minami-pass-2", terminal_id="TA")
    assert keys.public_hex(renewed.signing_key) == pubs[-1]

    r = _cli("disable", "minami", "--dsn", central.admin_dsn)
    assert r.returncode == 0, r.stderr
    sync_round(a, target, password=pw)
    with pytest.raises(AuthError) as refused:
        renewed = authenticate_password(a, "minami", "minami-pass-2", terminal_id="TA")
    assert keys.public_hex(renewed.signing_key) == pubs[-1]
    assert refused.value.code == "auth.disabled"
    listed = _cli("list", "--json", "--dsn", central.admin_dsn)
    assert '"disabled": true' in listed.stdout and "argon2" not in listed.stdout


def test_central_rules_are_the_terminals(central):
    with pytest.raises(StaffError):
        staff_admin.add_staff(central.admin_dsn, login="Bad Login", display_name="x", roles=["clerk"],
                              password="long-enough-pw")
    with pytest.raises(StaffError):
        staff_admin.add_staff(central.admin_dsn, login="short", display_name="x", roles=["clerk"],
                              password="short")
    with pytest.raises(StaffError):
        staff_admin.add_staff(central.admin_dsn, login="ok", display_name="x", roles=["janitor"],
                              password="long-enough-pw")
    staff_admin.add_staff(central.admin_dsn, login="one", display_name="一", roles=["clerk"],
                          password="long-enough-pw", employee_no="E9")
    r = _cli("add", "two", "--name", "二", "--role", "clerk", "--employee-no", "E9", "--password-stdin",
             "--dsn", central.admin_dsn, stdin="long-enough-pw\n")
    assert r.returncode == 2 and "E9" in r.stderr and "one per person" in r.stderr
    assert [m["login"] for m in staff_admin.list_staff(central.admin_dsn)].count("two") == 0


def test_central_outsourced_account_reaches_the_terminal_and_never_becomes_an_officer(central, terminal_store):
    import sqlite3

    from app.security.staff import set_outsourced, set_roles

    r = _cli("add", "itaku", "--name", "委託 花子", "--role", "clerk", "--outsourced", "--password-stdin",
             "--dsn", central.admin_dsn, stdin="itaku-clerk-pass\n")
    assert r.returncode == 0, r.stderr
    assert "outsourced" in r.stdout
    a = terminal_store("a")
    target, pw = central.target("TA"), central.password("TA")
    sync_round(a, target, password=pw)
    assert get_staff(a.conn, login="itaku").outsourced

    # at the terminal: neither the rules nor the store let the outsourced account be an officer
    with pytest.raises(StaffError, match="outsourced"):
        set_roles(a, "itaku", ["clerk", "support_officer"], actor_id=None, terminal_id="TA")
    with pytest.raises(sqlite3.IntegrityError, match="outsourced"):
        with a.conn:
            a.conn.execute("""UPDATE staff SET roles = '["clerk","support_officer"]' WHERE login = 'itaku'""")
    assert get_staff(a.conn, login="itaku").roles == frozenset({Role.CLERK})

    # centrally: refused by the command, and by the server's own constraint past the command
    r = _cli("roles", "itaku", "--role", "support_officer", "--dsn", central.admin_dsn)
    assert r.returncode == 2 and "outsourced" in r.stderr and "委託" in r.stderr
    with psycopg.connect(central.admin_dsn) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("""UPDATE madoguchi.staff SET roles = '["support_officer"]' WHERE login = 'itaku'""")
    with pytest.raises(StaffError):
        staff_admin.add_staff(central.admin_dsn, login="itaku2", display_name="委託 次郎",
                              roles=["support_officer"], password="itaku-clerk-pass", outsourced=True)

    # taken off the outsourced list centrally, the person may then hold the role, at every terminal
    r = _cli("outsourced", "itaku", "--off", "--dsn", central.admin_dsn)
    assert r.returncode == 0 and "outsourced" not in r.stdout, r.stderr
    staff_admin.set_roles(central.admin_dsn, "itaku", ["clerk", "support_officer"])
    sync_round(a, target, password=pw)
    member = get_staff(a.conn, login="itaku")
    assert not member.outsourced and Role.SUPPORT_OFFICER in member.roles
    # and back: an officer cannot be marked outsourced, centrally or at the terminal
    r = _cli("outsourced", "itaku", "--dsn", central.admin_dsn)
    assert r.returncode == 2 and "outsourced" in r.stderr
    with pytest.raises(StaffError):
        set_outsourced(a, "itaku", True, actor_id=None, terminal_id="TA")
    with psycopg.connect(central.admin_dsn) as conn:
        assert [a for (a,) in conn.execute("SELECT action FROM madoguchi.staff_log ORDER BY id")] == [
            "staff.add", "staff.outsourced", "staff.roles"]
