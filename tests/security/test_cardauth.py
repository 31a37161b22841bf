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
