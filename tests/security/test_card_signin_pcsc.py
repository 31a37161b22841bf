"""Staff sign-in with the project's test card through the real PC/SC stack (pcscd + vpcd + the
test card emulator): the card signs a fresh challenge with its user-authentication key after the
PIN, and the certificate registered to the account verifies it."""

from __future__ import annotations


import pytest

from app.card import errors
from app.card.cardfile import TRAINING_PINS
from app.card.service import ReaderService
from app.card.stack import reader_name
from app.security.cardauth import authenticate_card, new_challenge, register_card
from app.security.staff import AuthError

pytestmark = pytest.mark.pcsc
TERMINAL = "T001"


@pytest.fixture
def reader(pcsc_stack, inserted_card):
    svc = ReaderService(poll_interval=0.3).start()
    svc.select_reader(reader_name(0)).result(10)   # the stack's insert returned once pcscd had the card
    cert = svc.submit(lambda card: card.read_certificate("auth")).result(10)
    yield svc, cert
    svc.stop()


def card_sign_in(sstore, reader):
    """officer1's card registered and signed in with (real clock here, not the fake one)."""
    sstore.conn.execute("DELETE FROM store_clock")
    svc, cert = reader
    register_card(sstore, "officer1", cert.der, actor_id=None, terminal_id=TERMINAL)
    challenge = new_challenge(TERMINAL)
    signature, card_cert = svc.sign_challenge(TRAINING_PINS["auth"], challenge.message).result(10)
    auth = authenticate_card(sstore, challenge, signature, card_cert.der, terminal_id=TERMINAL)
    return auth, challenge, signature, card_cert


def test_sign_in_with_the_test_card(sstore, reader):
    svc, _ = reader
    auth, challenge, signature, card_cert = card_sign_in(sstore, reader)
    assert auth.staff.login == "officer1" and auth.method == "card" and auth.genuine()
    # the same signature does not sign in twice, nor for a new challenge
    with pytest.raises(AuthError):
        authenticate_card(sstore, challenge, signature, card_cert.der, terminal_id=TERMINAL)
    with pytest.raises(AuthError):
        authenticate_card(sstore, new_challenge(TERMINAL), signature, card_cert.der,
                          terminal_id=TERMINAL)
    # a wrong PIN never reaches the application: the card refuses to sign
    with pytest.raises(errors.WrongPin):
        svc.sign_challenge("0000", new_challenge(TERMINAL).message).result(10)
    # the PIN goes from the PIN pad to the card thread only; the log holds the method, nothing else
    ok = sstore.conn.execute("SELECT detail FROM audit_log WHERE action = 'signin.ok' "
                             "ORDER BY seq DESC LIMIT 1").fetchall()
    assert ok == [('{"method":"card"}',)]


def test_a_release_signed_with_the_officers_card(sstore, world, reader):
    """Issue 14: a card sign-in signs the release with the JPKI authentication key (PIN on the
    card thread); the store, audit verify and the engine accept exactly that signature."""
    from app.rules.core import RequestScope
    from app.security import audit, release
    from tests.security.helpers import open_case

    svc, _ = reader
    officer, _challenge, signature, _cert = card_sign_in(sstore, reader)
    case = open_case(sstore, world["staff"]["clerk1"])
    scope = RequestScope(case_id=case, case_type="copy_issuance",
                         handling_staff_id=world["staff"]["clerk1"], persons=(world["V"],),
                         documents=("juminhyo",))
    with pytest.raises(release.ReleaseError) as err:          # a card sign-in needs the card
        release.grant(sstore, scope, officer)
    assert err.value.code == "release.no_key"
    draft = release.prepare(sstore, scope, officer, decision="released")
    signed, _ = svc.sign_challenge(TRAINING_PINS["auth"], draft.message).result(10)
    with pytest.raises(release.ReleaseError) as err:          # another message's signature
        release.commit(sstore, draft, signature)
    assert err.value.code == "release.bad_signature"
    granted = release.commit(sstore, draft, signed)
    assert granted.auth_method == "card"
    assert release.signature_problem(sstore.conn, granted) is None
    assert release.valid_release(sstore.conn, scope) == granted
    assert audit.verify(sstore.conn).ok
    # the re-lock by the same card, through the API's card_sign hook
    relocked = release.relock(sstore, granted.id, officer, card_sign=lambda m: svc.sign_challenge(
        TRAINING_PINS["auth"], m).result(10)[0])
    assert release.event_signature_problem(sstore.conn, relocked,
                                           relocked.events["relocked"]) is None
