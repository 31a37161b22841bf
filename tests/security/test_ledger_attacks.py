"""Issue 16 with issue 14's rule: the support-measure ledger holds against whoever can write the
terminal's store. Every attack is performed as the clerk at the terminal would — the plain
`sqlite3` shell on the real store file, the plain `psql` client with the terminal's own database
login on a real PostgreSQL server — and each is refused or reported, naming what was wrong.

| attack | where it is stopped |
|---|---|
| the "second person" of a registration forged with sqlite3 | store trigger (unsigned); engine reads only signed events; `audit verify` and `security selftest` name it |
| a linked system "blocked" / an end forged with sqlite3, or a genuine signature copied onto an altered row | engine (not counted / refused), `audit verify` |
| the officer's public key replaced in the local staff table, then a confirmation signed and pushed | central server (its own copy of the key) |
| forged confirmation, reconciliation sign-off, altered columns or measure rows sent with psql | central server trigger (PL/Python, sigcore) |
"""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.security import keys, ledgersig, sigcore
from app.security import registration as R
from app.security.measures import MeasureError, Perpetrator, measures_protecting
from tests.security.helpers import START, TERMINAL, server_release
from tests.security.test_attacks import insert_sql, psql, quote, sqlite3_shell
from tests.sync.conftest import central, master_store, pg_server, seeded, terminal_store  # noqa: F401
from tests.sync.municipality import password_of, sid, sign_key
from tests.security.test_card_signin_pcsc import reader  # noqa: F401
from tests.sync.test_sync_signoff import office  # noqa: F401

NOT_HIS_KEY = "its signature does not verify with the signer's registered key"


def ledger_row(kind, measure_id, staff_id, *, ref=None, system=None, stage=None, payload=None,
               at=None, row_id=None, terminal=TERMINAL) -> dict:
    """A ledger event as a client writes it (``ref``: the event row it confirms)."""
    at = at or START.isoformat()
    row = {"id": row_id or f"forged-{kind}", "measure_id": measure_id, "kind": kind, "stage": stage,
           "system": system, "ref_id": ref["id"] if ref else None, "office_day": R.office_day(START),
           "at": at, "staff_id": staff_id, "terminal_id": terminal,
           "payload": json.dumps(payload or {}), "auth_method": "password"}
    return row


def sign(row: dict, key=None, ref: dict | None = None) -> dict:
    """``row`` signed by ``key`` (a fresh key that is nobody's when not given)."""
    ref_digest = sigcore.ledger_digest(ref) if ref else None
    key = key or Ed25519PrivateKey.generate()
    return {**row, "signature": key.sign(sigcore.ledger_message(row, ref_digest)).hex()}


def local_row(conn, event_id) -> dict:
    return dict(zip(ledgersig.COLUMNS, conn.execute(
        f"SELECT {', '.join(ledgersig.COLUMNS)} FROM measure_events WHERE id = ?", (event_id,)).fetchone()))


def shell_insert(store, row) -> None:
    cols = [c for c in ledgersig.COLUMNS if c in row]
    r = sqlite3_shell(store.path, insert_sql("measure_events", {c: row[c] for c in cols}))
    assert r.returncode == 0, r.stderr


def _register(sstore, who, world, clock):
    return R.register(sstore, who, stage="application", applied_date=START.date(), target_id=world["U"],
                      perpetrator=Perpetrator(family_name="加害", given_name="三郎"), clock=clock)


# ------------------------------------------------------------------- the terminal's own store

def test_forged_second_person_written_with_sqlite3_confirms_nothing_and_is_reported(
        sstore, world, sign_in, clock, cli, staff_ids):
    reg = _register(sstore, sign_in("clerk1"), world, clock)
    sstore.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ref = local_row(sstore.conn, reg.event.id)
    row = ledger_row("confirmed", reg.event.measure_id, staff_ids["officer1"], ref=ref,
                     stage="application")
    # unsigned: the store itself refuses it
    r = sqlite3_shell(sstore.path, insert_sql("measure_events", row))
    assert r.returncode != 0
    assert "a support-measure ledger event must carry the signature of who gives it" in r.stderr
    # "signed" with a key that is not the officer's: stored, but it confirms nothing ...
    shell_insert(sstore, sign(row, ref=ref))
    entry = R.ledger_entry(sstore.conn, reg.event.measure_id, START.date())
    assert not entry.registrations[0].confirmed and not entry.complete
    assert [r.event.id for r in entry.pending_registrations] == [reg.event.id]
    # ... it does not stop the real second person either ...
    done = R.confirm(sstore, sign_in("officer2"), reg.event.id, clock=clock)
    assert done.confirmation.staff_id == staff_ids["officer2"]
    # ... and `audit verify` names it
    sstore.close()
    r = cli("audit", "verify", "--store", str(sstore.path))
    assert r.returncode == 1
    assert (f"not validly signed: ledger event confirmed forged-confirmed of measure "
            f"{reg.event.measure_id} by {staff_ids['officer1']}: {NOT_HIS_KEY}") in r.stderr
    # ... and so does the self-test, also when the signature guard was made to do nothing
    r = sqlite3_shell(sstore.path, "DROP TRIGGER measure_events_signed; CREATE TRIGGER "
                      "measure_events_signed BEFORE INSERT ON measure_events WHEN 0 "
                      "BEGIN SELECT RAISE(ABORT, 'x'); END;")
    assert r.returncode == 0, r.stderr
    r = cli("security", "selftest", "--store", str(sstore.path))
    assert r.returncode == 1
    assert (f"FAIL live_store_signatures: ledger event confirmed forged-confirmed of measure "
            f"{reg.event.measure_id} by {staff_ids['officer1']}: {NOT_HIS_KEY}") in r.stdout
    assert ("measure_events_signed differs from the migrations (a support-measure ledger event "
            "carries a signature)") in r.stdout


def test_forged_linked_system_end_and_copied_signature_move_nothing(sstore, world, sign_in, clock,
                                                                     staff_ids):
    reg = _register(sstore, sign_in("clerk1"), world, clock)
    mid = reg.event.measure_id
    R.confirm(sstore, sign_in("officer1"), reg.event.id, clock=clock)
    genuine = R.confirm_system(sstore, sign_in("clerk2"), mid, "税", clock=clock)
    sstore.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # a linked system "blocked" in the name of clerk2, signed by someone else
    shell_insert(sstore, sign(ledger_row("system_blocked", mid, staff_ids["clerk2"], system="戸籍の附票",
                                         payload={"blocked_at": START.isoformat()})))
    # clerk2's genuine signature copied onto the same event for another system
    copied = {**local_row(sstore.conn, genuine.id), "id": "copied", "system": "選挙"}
    shell_insert(sstore, copied)
    # the genuine signature on its own event, under another id
    shell_insert(sstore, {**local_row(sstore.conn, genuine.id), "id": "renamed"})
    entry = R.ledger_entry(sstore.conn, mid, START.date())
    assert {"戸籍の附票", "選挙"} <= set(entry.unconfirmed_systems) and "税" not in entry.unconfirmed_systems
    # an end asked and "confirmed" with the sqlite3 shell: the measure still blocks, and the
    # engine will not confirm a forged request either
    ask = ledger_row("end_requested", mid, staff_ids["officer1"], payload={"on": "2030-04-01",
                                                                          "reason": "forged"})
    shell_insert(sstore, sign(ask))
    shell_insert(sstore, sign(ledger_row("end_confirmed", mid, staff_ids["officer2"], ref=ask), ref=ask))
    assert world["U"] in measures_protecting(sstore.conn, [world["U"]])
    assert R.ledger_entry(sstore.conn, mid, START.date()).end_request is None
    with pytest.raises(MeasureError, match="not validly signed"):
        R.confirm_end(sstore, sign_in("officer2"), "forged-end_requested", clock=clock)
    named = {rid for rid, _text in ledgersig.signature_problems(sstore.conn)}
    assert named == {"forged-system_blocked", "copied", "renamed", "forged-end_requested",
                     "forged-end_confirmed"}


def test_forged_reconciliation_sign_off_is_not_listed_and_is_reported(sstore, sign_in, clock, staff_ids):
    R.record_signoff(sstore, sign_in("officer1"), month="2030-03", digest="ab" * 32, incomplete=0,
                     clock=clock)
    shell_insert(sstore, sign(ledger_row("reconcile_signed", None, staff_ids["officer2"],
                                         payload={"month": "2030-03", "digest": "ab" * 32,
                                                  "incomplete": 0})))
    assert [e.staff_id for e in R.signoffs(sstore.conn, "2030-03")] == [staff_ids["officer1"]]
    assert [rid for rid, _ in ledgersig.signature_problems(sstore.conn)] == ["forged-reconcile_signed"]


@pytest.mark.pcsc
def test_a_confirmation_signed_with_the_officers_card(sstore, world, reader):
    """The card path: officer1's card (real PC/SC stack) signs the second person's confirmation
    through the engine's ``card_sign`` hook; it verifies, and without the card nothing is signed."""
    from app.card.cardfile import TRAINING_PINS
    from app.security.staff import authenticate_password
    from tests.security.test_card_signin_pcsc import card_sign_in

    svc, _cert = reader
    officer, *_ = card_sign_in(sstore, reader)
    clerk = authenticate_password(sstore, "clerk1", "clerk1-kenshu", terminal_id=TERMINAL)
    reg = R.register(sstore, clerk, stage="application", applied_date=R.office_today(), target_id=world["U"])
    with pytest.raises(MeasureError, match="no signing key"):
        R.confirm(sstore, officer, reg.event.id)
    done = R.confirm(sstore, officer, reg.event.id,
                     card_sign=lambda m: svc.sign_challenge(TRAINING_PINS["auth"], m).result(10)[0])
    assert done.confirmation.auth_method == "card"
    assert ledgersig.signature_problems(sstore.conn) == []
    assert R.ledger_entry(sstore.conn, reg.event.measure_id, R.office_today()).registrations[0].confirmed


# ------------------------------------------------------------------------- the central server

@pytest.mark.postgres
def test_own_key_put_into_the_local_staff_table_is_refused_by_the_server_on_push(office):
    """The clerk replaces the officer's public key in her own store with a key of her own, signs
    the officer's confirmation with it and queues it: her terminal believes it, the server does
    not (it holds the officer's real key) and refuses the push, naming the event."""
    import psycopg

    from app.security.staff import authenticate_password
    from app.sync.connection import SyncError

    central, a, b, sync = office
    clerk = authenticate_password(a, "clerk.a", password_of("clerk.a"), terminal_id="TA")
    reg = R.register(a, clerk, stage="application", applied_date=R.office_today(), target_id=sid("resident-9"))
    sync(a, "TA")
    mine = Ed25519PrivateKey.generate()
    ref = local_row(a.conn, reg.event.id)
    row = ledger_row("confirmed", reg.event.measure_id, sid("officer_a"), ref=ref, stage="application",
                     terminal="TA", at=reg.event.at)
    row["office_day"] = reg.event.office_day
    row["payload"] = json.dumps({"rows_digest": sigcore.rows_digest({})})
    row = sign(row, mine, ref=ref)
    a.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    r = sqlite3_shell(a.path, f"UPDATE staff SET sign_pub = {quote(keys.public_hex(mine))} "
                              f"WHERE id = {quote(sid('officer_a'))};\n"
                      + insert_sql("measure_events", row)
                      + f"\nINSERT INTO outbox(kind, row_id, payload, created_at) VALUES ('measure_event', "
                        f"{quote(row['id'])}, {quote(json.dumps(row))}, {quote(START.isoformat())});")
    assert r.returncode == 0, r.stderr
    assert R.ledger_entry(a.conn, reg.event.measure_id, R.office_today()).registrations[0].confirmed
    with pytest.raises(SyncError, match="The central server refused data") as refused:
        sync(a, "TA")
    assert (f"support-measure ledger event forged-confirmed (confirmed) from terminal TA refused: "
            f"{NOT_HIS_KEY}") in str(refused.value)
    with psycopg.connect(central.admin_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM madoguchi.measure_events WHERE kind = 'confirmed'"
                            ).fetchone()[0] == 0
        assert conn.execute("SELECT status FROM madoguchi.support_measures WHERE id = %s",
                            (reg.event.measure_id,)).fetchone()[0] == "provisional"


def _server_insert(dsn, row: dict):
    columns = {k: row.get(k) for k in ("id", "measure_id", "kind", "stage", "system", "ref_id",
                                       "office_day", "at", "staff_id", "terminal_id")}
    return psql(dsn, insert_sql("madoguchi.measure_events", {**columns, "row": json.dumps(row)}))


def _signed_registration(dsn) -> dict:
    reg = ledger_row("registered", "measure-x", sid("clerk_a"), stage="application", terminal="TA",
                     row_id="reg-1", payload={"rows_digest": sigcore.rows_digest({})})
    reg = sign(reg, sign_key("clerk_a").private)
    r = _server_insert(dsn, reg)
    assert r.returncode == 0, r.stderr
    return reg


@pytest.mark.postgres
def test_forged_confirmation_sent_with_psql_is_refused_by_the_server(seeded):
    dsn = seeded.terminal_dsn("TA")
    reg = _signed_registration(dsn)
    confirm = ledger_row("confirmed", "measure-x", sid("officer_b"), ref=reg, stage="application",
                         terminal="TA", payload={"rows_digest": sigcore.rows_digest({})})
    r = _server_insert(dsn, confirm)                       # unsigned
    assert r.returncode != 0 and "refused: it is not signed" in r.stderr
    r = _server_insert(dsn, sign(confirm, ref=reg))        # not the officer's key
    assert r.returncode != 0
    assert f"ledger event forged-confirmed (confirmed) from terminal TA refused: {NOT_HIS_KEY}" in r.stderr
    # the officer's real signature over another registration does not confirm this one
    other = {**reg, "id": "reg-other"}
    r = _server_insert(dsn, sign(confirm, sign_key("officer_b").private, ref=other))
    assert r.returncode != 0 and NOT_HIS_KEY in r.stderr
    # the columns name another officer than the signed event
    columns_lie = sign(confirm, sign_key("officer_b").private, ref=reg)
    r = psql(dsn, insert_sql("madoguchi.measure_events", {
        "id": columns_lie["id"], "measure_id": "measure-x", "kind": "confirmed", "stage": "application",
        "ref_id": "reg-1", "office_day": columns_lie["office_day"], "at": columns_lie["at"],
        "staff_id": sid("officer_a"), "terminal_id": "TA", "row": json.dumps(columns_lie)}))
    assert r.returncode != 0 and "refused: its columns differ from the event it carries" in r.stderr
    # measure rows added after signing (the server would apply them to the master tables)
    tampered = {**sign(confirm, sign_key("officer_b").private, ref=reg),
                "measures": [{"id": "measure-x", "status": "ended", "ended_reason": "forged"}]}
    r = _server_insert(dsn, tampered)
    assert r.returncode != 0
    assert "refused: the measure rows it carries are not the ones its signer signed" in r.stderr
    # signed by the officer's own key: accepted (the rule is the signature)
    r = _server_insert(dsn, sign(confirm, sign_key("officer_b").private, ref=reg))
    assert r.returncode == 0, r.stderr


@pytest.mark.postgres
def test_forged_reconciliation_sign_off_sent_with_psql_is_refused_by_the_server(seeded):
    dsn = seeded.terminal_dsn("TA")
    signoff = ledger_row("reconcile_signed", None, sid("officer_b"), terminal="TA",
                         payload={"month": "2030-03", "digest": "ab" * 32, "incomplete": 2,
                                  "rows_digest": sigcore.rows_digest({})})
    r = _server_insert(dsn, sign(signoff))
    assert r.returncode != 0
    assert (f"ledger event forged-reconcile_signed (reconcile_signed) from terminal TA refused: "
            f"{NOT_HIS_KEY}") in r.stderr
    # the officer's signature over another month's content does not sign this one
    genuine = sign(signoff, sign_key("officer_b").private)
    r = _server_insert(dsn, {**genuine, "payload": json.dumps({**json.loads(genuine["payload"]),
                                                               "incomplete": 0})})
    assert r.returncode != 0 and NOT_HIS_KEY in r.stderr
    r = _server_insert(dsn, genuine)
    assert r.returncode == 0, r.stderr


@pytest.mark.postgres
def test_a_release_whose_columns_name_another_officer_than_its_signed_row_is_refused(seeded):
    """Noticed while checking the ledger's columns: officer_a opened a case and signs her own
    release of it; with psql the ``officer_id`` column names uninvolved officer_b, so the server's
    four-eyes rule (which reads the columns) passed while the signed row (what every terminal
    pulls) is a self-release. The server now refuses any traffic row whose columns differ from
    the row it carries."""
    dsn = seeded.terminal_dsn("TA")
    case = {"id": "case-self", "case_type": "copy_issuance", "terminal_id": "TA",
            "opened_by": sid("officer_a"), "opened_at": "2026-11-30T09:00:00+00:00"}
    assert psql(dsn, insert_sql("madoguchi.cases", {**case, "row": json.dumps(case)})).returncode == 0
    columns, rel = server_release("rel-self", "case-self", "officer_a", "officer_a")
    r = psql(dsn, insert_sql("madoguchi.releases", {**columns, "officer_id": sid("officer_b"),
                                                    "row": json.dumps(rel)}))
    assert r.returncode != 0
    assert (f"releases rel-self from terminal TA refused: its column officer_id ({sid('officer_b')}) "
            f"differs from the row it carries ({sid('officer_a')})") in r.stderr
    # told the truth, the same row is what the four-eyes rule refuses
    r = psql(dsn, insert_sql("madoguchi.releases", {**columns, "row": json.dumps(rel)}))
    assert r.returncode != 0 and "cannot be its handling clerk" in r.stderr
    # a case event whose column hides who wrote it
    ev = {"id": "ev-hidden", "case_id": "case-self", "n": 1, "at": "2026-11-30T09:01:00+00:00",
          "staff_id": sid("officer_b"), "terminal_id": "TA", "kind": "tick", "step": "s"}
    r = psql(dsn, insert_sql("madoguchi.case_events", {**ev, "staff_id": sid("clerk_b"), "row": json.dumps(ev)}))
    assert r.returncode != 0 and "its column staff_id" in r.stderr
