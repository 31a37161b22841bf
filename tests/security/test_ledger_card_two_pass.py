"""A ledger event signed by the card while the window goes on (``registration.CardSignature``):
the action runs once to build the event (rolled back: nothing stored), the real test card signs the
message (real PC/SC stack), and the same action runs again with that signature — the same row ids
and time, so a new measure's rows are the ones signed. If the ledger changes in between, the
second pass is refused and nothing is recorded."""

from __future__ import annotations

import pytest

from app.card.cardfile import TRAINING_PINS
from app.security import ledgersig
from app.security import registration as R
from app.security.measures import MeasureError
from tests.security.helpers import TERMINAL
from tests.security.test_card_signin_pcsc import card_sign_in, reader  # noqa: F401

pytestmark = pytest.mark.pcsc


def _count(conn, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_new_measure_registered_with_the_card_in_two_passes(sstore, world, reader):  # noqa: F811
    svc, _cert = reader
    officer, *_ = card_sign_in(sstore, reader)

    def action(sign):
        return R.register(sstore, officer, stage="application", applied_date=R.office_today(),
                          target_id=world["U"], card_sign=sign)

    card = R.CardSignature()
    events, measures = _count(sstore.conn, "measure_events"), _count(sstore.conn, "support_measures")
    message = card.draft(action)
    assert message.startswith(b"MADOGUCHI-LEDGER-EVENT-V1\x00")
    assert (_count(sstore.conn, "measure_events"), _count(sstore.conn, "support_measures")) == (events, measures)
    signature, _ = svc.sign_challenge(TRAINING_PINS["auth"], message).result(10)
    reg = card.commit(action, signature)
    assert reg.event.id == card.ids[1] and reg.event.measure_id == card.ids[0]   # the drafted rows
    assert reg.event.auth_method == "card" and reg.event.staff_id == officer.staff.id
    assert ledgersig.signature_problems(sstore.conn) == []


def test_the_ledger_changing_while_the_card_signs_records_nothing(sstore, world, reader):  # noqa: F811
    from app.security.staff import authenticate_password

    svc, _cert = reader
    officer, *_ = card_sign_in(sstore, reader)
    clerk = authenticate_password(sstore, "clerk1", "clerk1-kenshu", terminal_id=TERMINAL)
    reg = R.register(sstore, clerk, stage="application", applied_date=R.office_today(), target_id=world["U"])

    system = R.linked_systems_setting(sstore.conn)[0]

    def action(sign):
        return R.confirm_system(sstore, officer, reg.event.measure_id, system, card_sign=sign)

    card = R.CardSignature()
    message = card.draft(action)
    signature, _ = svc.sign_challenge(TRAINING_PINS["auth"], message).result(10)
    R.confirm_system(sstore, clerk, reg.event.measure_id, system)      # meanwhile, somebody else did
    before = _count(sstore.conn, "measure_events")
    with pytest.raises(MeasureError, match="already confirmed"):
        card.commit(action, signature)
    assert _count(sstore.conn, "measure_events") == before
