"""Sign-in with the staff member's own card: a fresh challenge signed by the card's
user-authentication key, checked against the certificate registered to the account. Here the
card's key and certificate are made with `cryptography` (RSA-2048, PKCS#1 v1.5 over SHA-256, as
the JPKI authentication key signs); the end-to-end test with the project's test card over
pcscd + vpcd lives with the card stack."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from app.security.cardauth import authenticate_card, new_challenge, register_card
from app.security.staff import AuthError, StaffError, disable_staff

TERMINAL = "T001"


def make_card(not_after_days=3650, start=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "JPKI test user auth")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=not_after_days))
            .sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.DER)


def card_sign(key, message: bytes) -> bytes:
    return key.sign(message, padding.PKCS1v15(), hashes.SHA256())


@pytest.fixture(scope="module")
def card():
    return make_card()


def test_card_sign_in(sstore, clock, card):
    key, der = card
    register_card(sstore, "officer1", der, actor_id=None, terminal_id=TERMINAL, clock=clock)
    challenge = new_challenge(TERMINAL, clock)
    auth = authenticate_card(sstore, challenge, card_sign(key, challenge.message), der,
                             terminal_id=TERMINAL, clock=clock)
    assert auth.staff.login == "officer1" and auth.method == "card" and auth.genuine()


def test_challenge_used_once(sstore, clock, card):
    key, der = card
    register_card(sstore, "officer1", der, actor_id=None, terminal_id=TERMINAL, clock=clock)
    challenge = new_challenge(TERMINAL, clock)
    sig = card_sign(key, challenge.message)
    authenticate_card(sstore, challenge, sig, der, terminal_id=TERMINAL, clock=clock)
    with pytest.raises(AuthError):
        authenticate_card(sstore, challenge, sig, der, terminal_id=TERMINAL, clock=clock)


@pytest.mark.parametrize("attack", ["other_key", "expired_challenge", "other_terminal",
                                    "other_message"])
def test_card_sign_in_refused(sstore, clock, card, attack):
    key, der = card
    register_card(sstore, "officer1", der, actor_id=None, terminal_id=TERMINAL, clock=clock)
    challenge = new_challenge("T009" if attack == "other_terminal" else TERMINAL, clock)
    signer = make_card()[0] if attack == "other_key" else key
    message = b"something else" if attack == "other_message" else challenge.message
    sig = card_sign(signer, message)
    if attack == "expired_challenge":
        clock.advance(121)
    with pytest.raises(AuthError) as err:
        authenticate_card(sstore, challenge, sig, der, terminal_id=TERMINAL, clock=clock)
    assert err.value.code == "auth.bad_credentials"
    assert sstore.conn.execute("SELECT count(*) FROM audit_log WHERE action='signin.fail'").fetchone()[0] == 1


def test_unregistered_card_expired_certificate_and_disabled_account(sstore, clock, card):
    key, der = card
    challenge = new_challenge(TERMINAL, clock)
    with pytest.raises(AuthError):      # no account holds this card
        authenticate_card(sstore, challenge, card_sign(key, challenge.message), der,
                          terminal_id=TERMINAL, clock=clock)
    old_key, old_der = make_card(not_after_days=30, start=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc))
    register_card(sstore, "clerk1", old_der, actor_id=None, terminal_id=TERMINAL, clock=clock)
    challenge = new_challenge(TERMINAL, clock)
    with pytest.raises(AuthError):
        authenticate_card(sstore, challenge, card_sign(old_key, challenge.message), old_der,
                          terminal_id=TERMINAL, clock=clock)
    register_card(sstore, "officer1", der, actor_id=None, terminal_id=TERMINAL, clock=clock)
    disable_staff(sstore, "officer1", actor_id=None, terminal_id=TERMINAL)
    challenge = new_challenge(TERMINAL, clock)
    with pytest.raises(AuthError) as err:
        authenticate_card(sstore, challenge, card_sign(key, challenge.message), der,
                          terminal_id=TERMINAL, clock=clock)
    assert err.value.code == "auth.disabled"


def test_one_card_one_account(sstore, clock, card):
    _, der = card
    register_card(sstore, "officer1", der, actor_id=None, terminal_id=TERMINAL, clock=clock)
    with pytest.raises(StaffError, match="already registered"):
        register_card(sstore, "dual1", der, actor_id=None, terminal_id=TERMINAL, clock=clock)
    with pytest.raises(StaffError):
        register_card(sstore, "dual1", b"not a certificate", actor_id=None, terminal_id=TERMINAL)


def test_cli_register_card(cli, sstore, card, tmp_path):
    _, der = card
    (tmp_path / "c.der").write_bytes(der)
    sstore.close()
    r = cli("staff", "register-card", "--store", str(sstore.path), "officer2", "--cert",
            str(tmp_path / "c.der"))
    assert r.returncode == 0, r.stderr
    r = cli("staff", "list", "--store", str(sstore.path))
    assert "card" in [line for line in r.stdout.splitlines() if line.startswith("officer2")][0]


def test_a_replaced_card_keeps_what_it_signed_and_signs_nothing_new(sstore, world, clock):
    """Issue 14: card A signs a release; the officer's card is replaced by card B (re-registered
    with `register_card`); the release signed with A still verifies (engine, audit verify, the
    self-test's signature sweep) and a release signed with A after the replacement is refused."""
    from app.rules.core import RequestScope
    from app.security import audit, release
    from tests.security.helpers import open_case

    key_a, der_a = make_card()
    key_b, der_b = make_card()
    officer_id = world["staff"]["officer1"]
    register_card(sstore, "officer1", der_a, actor_id=None, terminal_id=TERMINAL, clock=clock)
    challenge = new_challenge(TERMINAL, clock)
    officer = authenticate_card(sstore, challenge, card_sign(key_a, challenge.message), der_a,
                                terminal_id=TERMINAL, clock=clock)

    def scope():
        case = open_case(sstore, world["staff"]["clerk1"])
        return RequestScope(case_id=case, case_type="copy_issuance",
                            handling_staff_id=world["staff"]["clerk1"], persons=(world["V"],),
                            documents=("juminhyo",))

    old = release.grant(sstore, scope(), officer, clock=clock,
                        card_sign=lambda m: card_sign(key_a, m))
    clock.advance(30)
    register_card(sstore, "officer1", der_b, actor_id=None, terminal_id=TERMINAL, clock=clock)
    history = sstore.conn.execute(
        "SELECT card_cert, registered_at IS NOT NULL, replaced_at IS NOT NULL FROM staff_card_certs "
        "WHERE staff_id = ? ORDER BY registered_at", (officer_id,)).fetchall()
    assert history == [(der_a, True, True), (der_b, True, False)]
    assert release.signature_problem(sstore.conn, release.get_release(sstore.conn, old.id)) is None
    assert release.signature_problems(sstore.conn) == []
    assert audit.verify(sstore.conn).ok
    # the old card signs a new release after the replacement: refused, nothing stored
    clock.advance(5)
    draft = release.prepare(sstore, scope(), officer, decision="released", clock=clock)
    with pytest.raises(release.ReleaseError) as err:
        release.commit(sstore, draft, card_sign(key_a, draft.message), clock=clock)
    assert err.value.code == "release.bad_signature"
    assert sstore.conn.execute("SELECT count(*) FROM releases WHERE id = ?",
                               (draft.row["id"],)).fetchone() == (0,)
    # ... and card A no longer signs in; card B does, and signs
    with pytest.raises(AuthError):
        c = new_challenge(TERMINAL, clock)
        authenticate_card(sstore, c, card_sign(key_a, c.message), der_a, terminal_id=TERMINAL,
                          clock=clock)
    c = new_challenge(TERMINAL, clock)
    officer_b = authenticate_card(sstore, c, card_sign(key_b, c.message), der_b,
                                  terminal_id=TERMINAL, clock=clock)
    draft = release.prepare(sstore, scope(), officer_b, decision="released", clock=clock)
    assert release.commit(sstore, draft, card_sign(key_b, draft.message), clock=clock)
    # a release row written with the shell, signed by A and dated after the replacement: named
    forged = dict(draft.row, id="forged-after-replacement")
    forged["signature"] = card_sign(key_a, release.sigcore.release_message(forged)).hex()
    with sstore.transaction() as conn:
        conn.execute(f"INSERT INTO releases({', '.join(forged)}) VALUES "
                     f"({', '.join('?' * len(forged))})", tuple(forged.values()))
    problems = release.signature_problems(sstore.conn)
    assert [p[0] for p in problems] == ["forged-after-replacement"]
    assert "registered to the signer at the time" in problems[0][1]
    # the support-measure ledger judges card signatures by the same history
    from app.security import ledgersig, sigcore
    from app.security.clock import iso
    from tests.security.test_ledger_attacks import ledger_row

    with sstore.transaction() as conn:
        for row_id, at in (("ledger-before", old.issued_at), ("ledger-after", iso(clock.now()))):
            row = ledger_row("registered", world["measure"].id, officer_id, stage="application",
                             at=at, row_id=row_id, payload={"rows_digest": sigcore.rows_digest({})})
            row["auth_method"] = "card"
            row["signature"] = card_sign(key_a, sigcore.ledger_message(row, None)).hex()
            conn.execute(f"INSERT INTO measure_events({', '.join(row)}) VALUES "
                         f"({', '.join('?' * len(row))})", tuple(row.values()))
    assert [p[0] for p in ledgersig.signature_problems(sstore.conn)] == ["ledger-after"]


def test_the_card_history_is_kept_in_the_database(sstore, clock):
    _key, der_a = make_card()
    _key, der_b = make_card()
    register_card(sstore, "officer1", der_a, actor_id=None, terminal_id=TERMINAL, clock=clock)
    register_card(sstore, "officer1", der_b, actor_id=None, terminal_id=TERMINAL, clock=clock)
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError, match="card history is kept"):
        sstore.conn.execute("DELETE FROM staff_card_certs")
    with pytest.raises(sqlite3.IntegrityError, match="card history is kept"):
        sstore.conn.execute("UPDATE staff_card_certs SET replaced_at = NULL")


def test_a_card_registered_before_the_history_was_kept_enters_it_when_replaced(sstore, clock):
    """A card in the account but not in the history (registered before migration 14, or pulled
    from a server without it) is kept when the person registers a new card."""
    from app.security.release_record import card_history

    _key, der_a = make_card()
    _key, der_b = make_card()
    with sstore.transaction() as conn:
        conn.execute("UPDATE staff SET card_cert = ? WHERE login = 'officer1'", (der_a,))
    register_card(sstore, "officer1", der_b, actor_id=None, terminal_id=TERMINAL, clock=clock)
    officer_id = sstore.conn.execute("SELECT id FROM staff WHERE login = 'officer1'").fetchone()[0]
    history = card_history(sstore.conn, officer_id)
    assert [(der, registered is None, replaced is None) for der, registered, replaced in history] \
        == [(der_a, True, False), (der_b, False, True)]
