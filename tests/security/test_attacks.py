"""Issue 14: every attack, performed as the clerk at the terminal would — with the plain `sqlite3`
shell on the real store file and the plain `psql` client with the terminal's own database login
on a real PostgreSQL server. Each is refused or reported, and the message names what was wrong.

| § | attack | where it is stopped |
|---|---|---|
| 1 | forged release row naming an uninvolved officer | SQLite trigger (unsigned), engine's release predicate + `audit verify` (bad signature), server trigger (psql) |
| 2 | dual-role person releases a case she handled; another terminal writes into a case; officer who acted only at B; a re-lock confirmed by the releaser or someone who handled the case | engine + SQLite trigger; server: own cases only, handled = any terminal, third person for re-lock confirmations |
| 3 | a guard replaced by a same-name trigger that does nothing | `security selftest` compares full SQL |
| 4 | last entry + outbox row deleted, every outbox row deleted, chain rebuilt, faked witness | `audit verify` (offline, then `--online`); server quarantine in tests/sync/test_sync_witness.py |
| 5 | password typed in the login field | never recorded ("unknown login") |
| 6 | store readable by others | created 0600/0700; refused with the chmod that fixes it |
| 7 | wall clock set back after a sync | monotonic freshness (tests/sync/test_sync_freshness.py, also here) |
| 8 | `staff demo` on a live store | refused |
| 9 | sign-in answers telling accounts apart | one answer to a wrong password |
| 10 | terminal login reads staff password hashes | permission denied (psql) |
"""

from __future__ import annotations

import json
import os
import stat
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.rules.core import Outcome, RequestScope
from app.security import audit, release, sigcore
from app.security.restriction import restriction_stage
from tests.conftest import run_cli
from tests.security.helpers import TERMINAL, open_case, server_release
from tests.sync.conftest import central, master_store, pg_server, seeded, terminal_store  # noqa: F401
from tests.sync.municipality import sign_key, sid

GUARDS_BACK = """
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
UNGUARD = "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"


def sqlite3_shell(path, sql: str) -> subprocess.CompletedProcess:
    """The plain sqlite3 command-line shell on the real file (no Madoguchi code involved)."""
    return subprocess.run(["sqlite3", "-bail", str(path)], input=sql, text=True,
                          capture_output=True, timeout=60)


def psql(dsn: str, sql: str) -> subprocess.CompletedProcess:
    """The plain PostgreSQL client with the given login."""
    return subprocess.run(["psql", dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          text=True, capture_output=True, timeout=60)


def quote(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def insert_sql(table: str, row: dict) -> str:
    return (f"INSERT INTO {table}({', '.join(row)}) VALUES "
            f"({', '.join(quote(v) for v in row.values())});")


def forged_release_row(case_id, clerk, officer, persons, *, key=None, issued_at, expires_at):
    row = {"id": "forged-1", "case_id": case_id, "handling_staff_id": clerk, "officer_id": officer,
           "terminal_id": TERMINAL, "decision": "released", "persons": json.dumps(sorted(persons)),
           "protected": json.dumps(sorted(persons)), "documents": json.dumps(["juminhyo"]),
           "scope_digest": "", "reason": None, "checklist": "{}", "auth_method": "password",
           "issued_at": issued_at, "issued_tick": 10 ** 9, "expires_at": expires_at}
    return row


# ------------------------------------------------------------------------- §1 forged release

def test_1_forged_release_written_with_the_sqlite3_shell_opens_nothing_and_is_reported(
        sstore, world, clock, cli):
    from app.rules.core import scope_digest

    clerk, officer = world["staff"]["clerk1"], world["staff"]["officer2"]
    case = open_case(sstore, clerk)
    scope = RequestScope(case_id=case, case_type="copy_issuance", handling_staff_id=clerk,
                         persons=(world["V"],), documents=("juminhyo",))
    stage = restriction_stage(sstore, clock=clock, terminal_id=TERMINAL)
    assert stage(scope).outcome is Outcome.RESTRICT
    row = forged_release_row(case, clerk, officer, [world["V"]], issued_at=clock.now().isoformat(),
                             expires_at=(clock.now().replace(year=2031)).isoformat())
    row["scope_digest"] = scope_digest(scope)
    sstore.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # unsigned: the store itself refuses it
    r = sqlite3_shell(sstore.path, insert_sql("releases", row))
    assert r.returncode != 0 and "must carry the officer's signature" in r.stderr
    # "signed" with a key that is not the officer's: stored, but it opens nothing ...
    row["signature"] = Ed25519PrivateKey.generate().sign(sigcore.release_message(row)).hex()
    r = sqlite3_shell(sstore.path, insert_sql("releases", row))
    assert r.returncode == 0, r.stderr
    assert stage(scope).outcome is Outcome.RESTRICT
    assert release.valid_release(sstore.conn, scope, clock) is None
    # ... and `audit verify` names it
    sstore.close()
    r = cli("audit", "verify", "--store", str(sstore.path))
    assert r.returncode == 1
    assert ("not validly signed: released forged-1 of case " + case) in r.stderr
    assert "does not verify with the signer's registered key" in r.stderr


@pytest.mark.postgres
def test_1_forged_release_sent_with_psql_is_refused_by_the_server(seeded):
    dsn = seeded.terminal_dsn("TA")
    case = {"id": "case-1", "case_type": "copy_issuance", "terminal_id": "TA",
            "opened_by": sid("clerk_a"), "opened_at": "2026-11-30T09:00:00+00:00"}
    r = psql(dsn, insert_sql("madoguchi.cases", {**case, "row": json.dumps(case)}))
    assert r.returncode == 0, r.stderr
    rel = {"id": "rel-forged", "case_id": "case-1", "handling_staff_id": sid("clerk_a"),
           "officer_id": sid("officer_b"), "terminal_id": "TA", "decision": "released",
           "persons": "[]", "protected": "[]", "documents": '["juminhyo"]', "scope_digest": "d",
           "reason": None, "checklist": "{}", "auth_method": "password",
           "issued_at": "2026-11-30T09:05:00+00:00", "expires_at": "2026-11-30T09:20:00+00:00"}
    rel["signature"] = Ed25519PrivateKey.generate().sign(sigcore.release_message(rel)).hex()
    columns = {k: rel[k] for k in ("id", "case_id", "officer_id", "handling_staff_id",
                                   "terminal_id", "decision", "issued_at")}
    r = psql(dsn, insert_sql("madoguchi.releases", {**columns, "row": json.dumps(rel)}))
    assert r.returncode != 0
    assert ("releases rel-forged from terminal TA refused: its signature does not verify with "
            "the signer's registered key") in r.stderr
    # the same row signed by the officer's own key is accepted (the rule is the signature)
    rel["signature"] = sign_key("officer_b").private.sign(sigcore.release_message(rel)).hex()
    r = psql(dsn, insert_sql("madoguchi.releases", {**columns, "row": json.dumps(rel)}))
    assert r.returncode == 0, r.stderr


# --------------------------------------------------------------- §2 has handled the case

def test_2_dual_role_person_cannot_release_a_case_she_worked_on(sstore, world, clock, sign_in):
    clerk, dual = world["staff"]["clerk1"], world["staff"]["dual1"]
    case = open_case(sstore, clerk)                                  # she did not open it ...
    with sstore.transaction() as c:                                  # ... but recorded a step
        c.execute("INSERT INTO case_events(id, case_id, n, at, staff_id, terminal_id, kind) "
                  "VALUES ('ev1', ?, 1, ?, ?, ?, 'tick')", (case, clock.now().isoformat(), dual, TERMINAL))
    scope = RequestScope(case_id=case, case_type="copy_issuance", handling_staff_id=clerk,
                         persons=(world["V"],), documents=("juminhyo",))
    with pytest.raises(release.ReleaseError) as err:
        release.grant(sstore, scope, sign_in("dual1"), clock=clock)
    assert err.value.code == "release.same_person"
    row = forged_release_row(case, clerk, dual, [world["V"]], issued_at=clock.now().isoformat(),
                             expires_at=clock.now().isoformat())
    row["signature"] = "ab" * 64
    sstore.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    r = sqlite3_shell(sstore.path, insert_sql("releases", row))
    assert r.returncode != 0 and "the releasing officer has handled this case" in r.stderr


@pytest.mark.postgres
def test_2_server_events_only_into_own_cases_and_handled_counts_every_terminal(seeded):
    a, b = seeded.terminal_dsn("TA"), seeded.terminal_dsn("TB")
    case = {"id": "case-2", "case_type": "copy_issuance", "terminal_id": "TA",
            "opened_by": sid("clerk_a"), "opened_at": "2026-11-30T09:00:00+00:00"}
    assert psql(a, insert_sql("madoguchi.cases", {**case, "row": json.dumps(case)})).returncode == 0

    def event(eid, terminal, staff, n):
        ev = {"id": eid, "case_id": "case-2", "n": n, "at": "2026-11-30T09:01:00+00:00",
              "staff_id": sid(staff), "terminal_id": terminal, "kind": "tick", "step": "s"}
        return insert_sql("madoguchi.case_events", {**ev, "row": json.dumps(ev)})

    r = psql(b, event("ev-b", "TB", "officer_b", 1))                 # B writes into A's case
    assert r.returncode != 0
    assert "terminal TB cannot add event ev-b to case case-2 of terminal TA (not handed over to it)" \
        in r.stderr
    # an audited hand-over lets B work on it; the officer who acted there never releases it
    r = run_cli("server", "hand-over", "--dsn", seeded.admin_dsn, "--case", "case-2", "--to", "TB",
                "--reason", "clerk moved to the main office")
    assert r.returncode == 0 and "handed over to terminal TB" in r.stdout, r.stderr
    with seeded.admin() as conn:
        assert conn.execute("SELECT by_role, reason FROM madoguchi.case_handovers").fetchone()[1] \
            == "clerk moved to the main office"
    assert psql(b, event("ev-b", "TB", "officer_b", 1)).returncode == 0
    columns, rel = server_release("rel-2", "case-2", "clerk_a", "officer_b")
    r = psql(a, insert_sql("madoguchi.releases", {**columns, "row": json.dumps(rel)}))
    assert r.returncode != 0
    assert "cannot have handled it (an event of the case at any terminal)" in r.stderr


def _signed_release(case_id, rel_id, officer, clerk, issued_at, sign):
    rel = {"id": rel_id, "case_id": case_id, "handling_staff_id": sid(clerk),
           "officer_id": sid(officer), "terminal_id": "TA", "decision": "released",
           "persons": "[]", "protected": "[]", "documents": '["juminhyo"]', "scope_digest": "d",
           "reason": None, "checklist": "{}", "auth_method": "password", "issued_at": issued_at,
           "expires_at": "2099-01-01T00:00:00+00:00"}
    sign(rel)
    columns = {k: rel[k] for k in ("id", "case_id", "officer_id", "handling_staff_id",
                                   "terminal_id", "decision", "issued_at")}
    return rel, insert_sql("madoguchi.releases", {**columns, "row": json.dumps(rel)})


def _open_case_on_server(dsn, case_id, opener="clerk_a"):
    case = {"id": case_id, "case_type": "copy_issuance", "terminal_id": "TA",
            "opened_by": sid(opener), "opened_at": "2026-11-30T09:00:00+00:00"}
    r = psql(dsn, insert_sql("madoguchi.cases", {**case, "row": json.dumps(case)}))
    assert r.returncode == 0, r.stderr


@pytest.mark.postgres
def test_2_server_relock_confirmation_needs_a_third_person(seeded):
    """Issue 14: the server checked only the signature of a re-lock confirmation. Now, like the
    engine and the store: the confirmer neither released nor re-locked it and never handled the
    case (opened it, is its clerk, or wrote any event of it at any terminal). Each refusal sent
    with psql and the terminal's own login, each correctly signed by the person it names."""
    dsn = seeded.terminal_dsn("TA")
    _open_case_on_server(dsn, "case-3")
    ev = {"id": "ev-3", "case_id": "case-3", "n": 1, "at": "2026-11-30T09:01:00+00:00",
          "staff_id": sid("officer_a"), "terminal_id": "TA", "kind": "tick", "step": "s"}
    assert psql(dsn, insert_sql("madoguchi.case_events", {**ev, "row": json.dumps(ev)})).returncode == 0

    def sign_password(row):
        row["signature"] = sign_key("officer_b").private.sign(sigcore.release_message(row)).hex()

    rel, insert = _signed_release("case-3", "rel-3", "officer_b", "clerk_a",
                                  "2026-11-30T09:05:00+00:00", sign_password)
    assert psql(dsn, insert).returncode == 0
    digest = sigcore.release_digest(rel)

    def event(kind, who, n):
        row = {"id": f"rel-3-{kind}-{n}", "release_id": "rel-3", "kind": kind,
               "at": f"2026-11-30T10:0{n}:00+00:00", "staff_id": sid(who), "terminal_id": "TA",
               "note": None, "auth_method": "password"}
        row["signature"] = sign_key(who).private.sign(sigcore.event_message(row, digest)).hex()
        return insert_sql("madoguchi.release_events", {
            "id": row["id"], "release_id": "rel-3", "kind": kind, "staff_id": row["staff_id"],
            "terminal_id": "TA", "row": json.dumps(row)})

    assert psql(dsn, event("relocked", "officer_b", 1)).returncode == 0
    for n, (who, why) in enumerate((("officer_b", "released"), ("clerk_a", "its clerk and opener"),
                                    ("officer_a", "an event of the case")), start=2):
        r = psql(dsn, event("relock_confirmed", who, n))
        assert r.returncode != 0, why
        assert (f"re-lock confirmation rel-3-relock_confirmed-{n} from terminal TA refused: "
                f"{sid(who)} released, re-locked or handled case case-3") in r.stderr, r.stderr
        assert "a third person confirms a re-lock" in r.stderr
    r = psql(dsn, event("relock_confirmed", "clerk_b", 5))              # a third person: accepted
    assert r.returncode == 0, r.stderr


@pytest.mark.postgres
def test_card_replaced_on_the_server_keeps_what_it_signed(seeded, terminal_store, tmp_path):
    """Issue 14: `server staff register-card` with a new card keeps the old certificate in the
    card history with its window: a release (or ledger event) the old card signed before still
    verifies (also one that reaches the server only later), one it signs after the replacement is
    refused (psql), and a terminal receives the history with the staff rows and judges the same."""
    import datetime as dt

    import psycopg
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from app.security.clock import iso
    from app.sync import pull
    from tests.security.test_cardauth import make_card

    dsn = seeded.terminal_dsn("TA")
    key_a, der_a = make_card()
    key_b, der_b = make_card()
    _key_c, der_c = make_card()
    for name, der in (("a.der", der_a), ("b.der", der_b), ("c.der", der_c)):
        (tmp_path / name).write_bytes(der)

    def register(name):
        r = run_cli("server", "staff", "register-card", "officer.b", "--cert", str(tmp_path / name),
                    "--dsn", seeded.admin_dsn)
        assert r.returncode == 0, r.stderr

    def signed_by(key):
        def sign(row):
            row["auth_method"] = "card"
            row["signature"] = key.sign(sigcore.release_message(row), padding.PKCS1v15(),
                                        hashes.SHA256()).hex()
        return sign

    def now():
        return iso(dt.datetime.now(dt.timezone.utc))

    register("a.der")
    _open_case_on_server(dsn, "case-4")
    _open_case_on_server(dsn, "case-5")
    _open_case_on_server(dsn, "case-6")
    before = now()
    old, insert = _signed_release("case-4", "rel-old", "officer_b", "clerk_a", before,
                                  signed_by(key_a))
    assert psql(dsn, insert).returncode == 0
    late, late_insert = _signed_release("case-5", "rel-late", "officer_b", "clerk_a", before,
                                        signed_by(key_a))
    register("b.der")
    with seeded.admin() as conn:
        rows = conn.execute("SELECT card_cert, replaced_at IS NOT NULL FROM madoguchi.staff_card_certs "
                            "WHERE staff_id = %s ORDER BY registered_at", (sid("officer_b"),)).fetchall()
        assert [(bytes(c), r) for c, r in rows] == [(der_a, True), (der_b, False)]
        assert conn.execute("SELECT madoguchi.signature_problem('release', row) FROM "
                            "madoguchi.releases WHERE id = 'rel-old'").fetchone() == (None,)
    assert psql(dsn, late_insert).returncode == 0        # signed before, sent after: accepted
    after = now()
    new, insert = _signed_release("case-6", "rel-new", "officer_b", "clerk_a", after,
                                  signed_by(key_a))
    r = psql(dsn, insert)
    assert r.returncode != 0
    assert ("releases rel-new from terminal TA refused: its signature does not verify with the card "
            "registered to the signer at the time it was signed") in r.stderr
    new, insert = _signed_release("case-6", "rel-new", "officer_b", "clerk_a", after,
                                  signed_by(key_b))
    assert psql(dsn, insert).returncode == 0, r.stderr
    # a card set before the history was kept enters it when the person gets a new card
    _key_old, der_old = make_card()
    with seeded.admin() as conn:
        conn.execute("UPDATE madoguchi.staff SET card_cert = %s WHERE id = %s", (der_old, sid("officer_a")))
    r = run_cli("server", "staff", "register-card", "officer.a", "--cert", str(tmp_path / "c.der"),
                "--dsn", seeded.admin_dsn)
    assert r.returncode == 0, r.stderr
    with seeded.admin() as conn:
        rows = conn.execute("SELECT card_cert, registered_at IS NULL, replaced_at IS NULL FROM "
                            "madoguchi.staff_card_certs WHERE staff_id = %s ORDER BY registered_at "
                            "NULLS FIRST", (sid("officer_a"),)).fetchall()
        assert [(bytes(c), a, b) for c, a, b in rows] == [(der_old, True, False), (der_c, False, True)]
    # a ledger event is judged by the same history
    from tests.security.test_ledger_attacks import _server_insert, ledger_row

    for row_id, at, accepted in (("ledger-before", before, True), ("ledger-after", after, False)):
        row = ledger_row("registered", "measure-x", sid("officer_b"), stage="application",
                         terminal="TA", row_id=row_id, at=at,
                         payload={"rows_digest": sigcore.rows_digest({})})
        row["auth_method"] = "card"
        row["signature"] = key_a.sign(sigcore.ledger_message(row, None), padding.PKCS1v15(),
                                      hashes.SHA256()).hex()
        r = _server_insert(dsn, row)
        assert (r.returncode == 0) is accepted, r.stderr
        if not accepted:
            assert "registered to the signer at the time it was signed" in r.stderr
    # the history is kept on the server ...
    r = psql(seeded.admin_dsn, "DELETE FROM madoguchi.staff_card_certs")
    assert r.returncode != 0 and "the card history is kept" in r.stderr
    # ... and comes down to a terminal, which judges the same
    store = terminal_store("TA")
    with psycopg.connect(dsn) as conn:
        pull.pull_master(store, conn, pull.horizon(conn))
    assert store.conn.execute("SELECT count(*), count(replaced_at) FROM staff_card_certs WHERE "
                              "staff_id = ?", (sid("officer_b"),)).fetchone() == (2, 1)
    assert release.signature_problem(store.conn, old) is None
    forged = dict(new, auth_method="card")
    signed_by(key_a)(forged)
    assert "registered to the signer at the time" in release.signature_problem(store.conn, forged)


# ------------------------------------------------------------------ §3 guard doing nothing

def test_3_guard_replaced_by_a_trigger_that_does_nothing_fails_the_selftest(sstore, cli):
    sstore.close()
    r = sqlite3_shell(sstore.path, "DROP TRIGGER releases_officer_not_clerk; "
                      "CREATE TRIGGER releases_officer_not_clerk BEFORE INSERT ON releases WHEN 0 "
                      "BEGIN SELECT RAISE(ABORT, 'x'); END;")
    assert r.returncode == 0, r.stderr
    r = cli("security", "selftest", "--store", str(sstore.path))
    assert r.returncode == 1
    assert ("FAIL live_store_guards: releases_officer_not_clerk differs from the migrations "
            "(officer is never the handling clerk)") in r.stdout


# --------------------------------------------------------------------------- §4 audit log

def _filled(store, n=6):
    for i in range(n):
        audit.record(store, action="lookup.protected", terminal_id=TERMINAL, target_kind="resident",
                     target_id=f"r{i}", detail={"i": i})
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return store.path


def test_4_last_entry_deleted_with_its_outbox_row_is_reported(store, cli):
    path = _filled(store)
    r = sqlite3_shell(path, UNGUARD + "DELETE FROM outbox WHERE row_id = (SELECT id FROM audit_log "
                      "WHERE seq = 6); DELETE FROM audit_log WHERE seq = 6;" + GUARDS_BACK)
    assert r.returncode == 0, r.stderr
    r = cli("audit", "verify", "--store", str(path))
    assert r.returncode == 1
    assert "rows were deleted from its end (the last audit entries and their outbox rows" in r.stderr


def test_4_every_outbox_audit_row_deleted_is_reported(store, cli):
    path = _filled(store)
    assert sqlite3_shell(path, "DELETE FROM outbox WHERE kind = 'audit';").returncode == 0
    r = cli("audit", "verify", "--store", str(path))
    assert r.returncode == 1
    assert "entry 1 has no copy in the outbox (outbox rows of the audit log were deleted)" in r.stderr


def test_4_chain_rebuilt_on_a_never_synced_store(sstore, world, clock, sign_in, cli):
    """A rebuild that drops what a signed release left in the log is caught; a perfect rebuild
    cannot be told from the file alone, and `audit verify` says so instead of a bare OK."""
    case = open_case(sstore, world["staff"]["clerk1"])
    scope = RequestScope(case_id=case, case_type="copy_issuance",
                         handling_staff_id=world["staff"]["clerk1"], persons=(world["V"],),
                         documents=("juminhyo",))
    granted = release.grant(sstore, scope, sign_in("officer1"), clock=clock)
    r = cli("audit", "verify", "--store", str(sstore.path))
    assert r.returncode == 0
    assert "are not yet witnessed by the central server (never synced)" in r.stdout
    # rebuild the chain without the release's entries, outbox and its numbering included
    cols = ", ".join((*audit.HASHED, "hash"))
    rows = [dict(zip((*audit.HASHED, "hash"), v)) for v in sstore.conn.execute(
        f"SELECT {cols} FROM audit_log WHERE action NOT LIKE 'release.%' ORDER BY seq")]
    prev, script = audit.GENESIS, [UNGUARD, "DELETE FROM audit_log;",
                                   "DELETE FROM outbox WHERE kind = 'audit';"]
    for seq, row in enumerate(rows, 1):
        row.update(seq=seq, prev_hash=prev)
        row["hash"] = prev = audit.entry_hash(row)
        script.append(insert_sql("audit_log", row))
        script.append(insert_sql("outbox", {"kind": "audit", "row_id": row["id"],
                                            "payload": json.dumps(row, sort_keys=True),
                                            "created_at": row["at"]}))
    script.append("UPDATE sqlite_sequence SET seq = (SELECT max(seq) FROM outbox) WHERE name = 'outbox';")
    script.append(GUARDS_BACK)
    sstore.close()
    r = sqlite3_shell(sstore.path, "\n".join(script))
    assert r.returncode == 0, r.stderr
    r = cli("audit", "verify", "--store", str(sstore.path))
    assert r.returncode == 1
    assert f"release {granted.id} has no entry in the audit log: the log was rebuilt without it" \
        in r.stderr


@pytest.mark.postgres
def test_4_faked_witness_is_caught(seeded, terminal_store, cli):
    from app.sync import state
    from app.sync.connection import connect
    from app.sync.push import confirm_witness
    from app.sync.service import sync_round

    a = terminal_store("a")
    target = seeded.target("TA")
    for i in range(5):
        audit.record(a, action="lookup.protected", terminal_id="TA", target_kind="resident",
                     target_id=f"r{i}", detail={"i": i})
    sync_round(a, target, password=seeded.password("TA"))
    r = cli("audit", "verify", "--store", str(a.path))
    assert r.returncode == 0 and "entries 1–5 witnessed" in r.stdout
    for i in range(3):
        audit.record(a, action="lookup.protected", terminal_id="TA", target_kind="resident",
                     target_id=f"s{i}", detail={"i": i})
    r = cli("audit", "verify", "--store", str(a.path))
    assert "3 entries since, not yet witnessed" in r.stdout
    # rewrite entry 4 on, outbox copies too, and write a witness that matches the rewrite
    cols = ", ".join((*audit.HASHED, "hash"))
    rows = [dict(zip((*audit.HASHED, "hash"), v)) for v in a.conn.execute(
        f"SELECT {cols} FROM audit_log ORDER BY seq")]
    prev, script = rows[2]["hash"], [UNGUARD]
    for row in rows[3:]:
        if row["seq"] == 4:
            row["target_id"] = "someone-else"
        row["prev_hash"] = prev
        row["hash"] = prev = audit.entry_hash(row)
        script.append(f"UPDATE audit_log SET target_id = {quote(row['target_id'])}, "
                      f"prev_hash = {quote(row['prev_hash'])}, hash = {quote(row['hash'])} "
                      f"WHERE seq = {row['seq']};")
        script.append(f"UPDATE outbox SET payload = {quote(json.dumps(row, sort_keys=True))} "
                      f"WHERE kind = 'audit' AND row_id = {quote(row['id'])};")
    fake = {**state.get(a.conn, state.AUDIT_WITNESS), "hash": rows[4]["hash"]}
    script.append(f"UPDATE sync_state SET value = {quote(json.dumps(fake))} WHERE key = 'audit_witness';")
    script.append(GUARDS_BACK)
    r = sqlite3_shell(a.path, "\n".join(script))
    assert r.returncode == 0, r.stderr
    # the file alone agrees with itself now; the server does not
    with connect(target, seeded.password("TA")) as conn:
        problems = confirm_witness(a, conn)
    assert any("entry 5, the last the server holds from this terminal, differs here" in p
               for p in problems)
    assert any("the witness kept in this store (entry 5) is not the server's" in p for p in problems)


# --------------------------------------------------------------- §5 and §9: sign-in answers

def test_5_and_9_password_typed_as_login_is_never_recorded_and_answers_are_alike(sstore, clock):
    from app.security import settings
    from app.security.staff import AuthError, authenticate_password, disable_staff

    disable_staff(sstore, "clerk2", actor_id=None, terminal_id=TERMINAL)
    for _ in range(settings.get(sstore, "security.lockout_attempts")):
        with pytest.raises(AuthError):
            authenticate_password(sstore, "officer1", "wrong-password", terminal_id=TERMINAL,
                                  clock=clock)
    answers = set()
    for login in ("officer2-kenshu", "clerk2", "officer1", "nobody"):
        with pytest.raises(AuthError) as err:
            authenticate_password(sstore, login, "wrong-password", terminal_id=TERMINAL, clock=clock)
        answers.add(str(err.value))
    assert len(answers) == 1
    sstore.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    r = sqlite3_shell(sstore.path, "SELECT count(*) FROM audit_log WHERE detail LIKE '%kenshu%'; "
                      "SELECT count(*) FROM outbox WHERE payload LIKE '%kenshu%'; "
                      "SELECT detail FROM audit_log WHERE action = 'signin.fail' AND staff_id IS NULL;")
    lines = r.stdout.splitlines()
    assert lines[:2] == ["0", "0"]
    assert lines[2:] == ['{"method":"password","why":"unknown login"}'] * 2


# ----------------------------------------------------------------------------- §6 file modes

def test_6_store_files_are_private_and_a_readable_store_is_refused(tmp_path, cli):
    folder = tmp_path / "data"
    path = folder / "store.db"
    old = os.umask(0o022)                  # even with a permissive umask
    try:
        r = cli("staff", "demo", "--store", str(path))
    finally:
        os.umask(old)
    assert r.returncode == 0, r.stderr
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)        # noqa: E731
    assert mode(folder) == 0o700 and mode(path) == 0o600
    for extra in (folder / "store.db-wal", folder / "store.db-shm"):
        if extra.exists():
            assert mode(extra) == 0o600
    r = cli("security", "selftest", "--store", str(path))
    assert "OK   live_store_file_modes" in r.stdout, r.stdout
    os.chmod(path, 0o644)
    r = cli("store", "info", "--store", str(path))
    assert r.returncode != 0
    assert "can be read by other users" in r.stderr and f'chmod 600 "{path}"' in r.stderr


# ----------------------------------------------------------------------------- §8 staff demo

def test_8_staff_demo_refuses_a_live_store(sstore, cli):
    with sstore.transaction() as c:
        c.execute("INSERT INTO settings(key, value) VALUES ('training', 'false') "
                  "ON CONFLICT(key) DO UPDATE SET value = 'false'")
    sstore.close()
    before = sqlite3_shell(sstore.path, "SELECT count(*) FROM staff;").stdout
    r = cli("staff", "demo", "--store", str(sstore.path))
    assert r.returncode == 2 and "not a training store" in r.stderr
    assert sqlite3_shell(sstore.path, "SELECT count(*) FROM staff;").stdout == before


# ---------------------------------------------------------------- §10 staff secrets on server

@pytest.mark.postgres
def test_10_terminal_login_cannot_read_staff_secrets(seeded):
    dsn = seeded.terminal_dsn("TA")
    for column in ("password_hash", "sign_key"):
        r = psql(dsn, f"SELECT {column} FROM madoguchi.staff")
        assert r.returncode != 0 and "permission denied for table staff" in r.stderr
    r = psql(dsn, "SELECT login, sign_pub IS NOT NULL FROM madoguchi.staff ORDER BY login")
    assert r.returncode == 0 and "officer.a" in r.stdout
    # credentials come only for staff who may sign in at this terminal
    with seeded.admin() as conn:
        conn.execute("INSERT INTO madoguchi.staff_terminals VALUES (%s, 'TB')", (sid("officer_b"),))
    r = psql(dsn, "SELECT id, sign_key IS NOT NULL FROM madoguchi.staff_credentials(0, 1000000) "
                  f"WHERE id IN ('{sid('officer_b')}', '{sid('officer_a')}') ORDER BY id = '{sid('officer_a')}'")
    assert r.returncode == 0
    assert [line.split("|")[1].strip() for line in r.stdout.splitlines()[2:4]] == ["f", "t"]


def test_6_selftest_reports_configuration_or_logs_readable_by_others(sstore, cli, madoguchi_home):
    from app.paths import config_dir

    config_dir().mkdir(parents=True, exist_ok=True)
    leaked = config_dir() / "office.toml"
    leaked.write_text("# office\n")
    os.chmod(leaked, 0o644)
    sstore.close()
    r = cli("security", "selftest", "--store", str(sstore.path))
    assert r.returncode == 1
    assert f"FAIL live_store_file_modes: {leaked} is mode 0644" in r.stdout
