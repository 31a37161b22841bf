"""A staff member signs in at the desk with their own card, through the real PC/SC stack: the desk
makes the challenge, the card signs it after the PIN (on the reader service's thread), and the desk
has app.security check the signature against the registered certificate."""

from __future__ import annotations

import pytest

from app.config import OfficeConfig
from tests.security.test_card_signin_pcsc import reader  # noqa: F401  (fixture: service + card cert)

pytestmark = pytest.mark.pcsc


def test_card_sign_in_through_the_desk(store, reader):  # noqa: F811
    from app.card.cardfile import TRAINING_PINS
    from app.desk import Desk
    from app.security.cardauth import register_card
    from app.security.staff import AuthError, add_staff

    service, cert = reader
    add_staff(store, login="officer1", display_name="責任 者", roles=["clerk"], terminal_id="T001")
    register_card(store, "officer1", cert.der, actor_id=None, terminal_id="T001")
    desk = Desk(store=store, config=OfficeConfig(), training=False)
    challenge = desk.card_challenge()
    signature, card_cert = service.sign_challenge(TRAINING_PINS["auth"], challenge.message).result(10)
    auth = desk.authenticate_card(challenge, signature, card_cert.der)
    assert desk.start_session(auth).ok and desk.staff.login == "officer1"
    with pytest.raises(AuthError):               # a signature signs in once
        desk.authenticate_card(challenge, signature, card_cert.der)
