"""The test card's administration at a certificate renewal (CardFile.admin_renew_certificates):
new keys and certificates from the test CA, valid to the earlier of the holder's sixth (renewed
before the expiry) or fifth (after) birthday and the card's own expiry; refusals that leave the
card file as it was."""

from __future__ import annotations

import datetime as dt

import pytest

from app.card.cardfile import (TRAINING_PINS, CardFileError, create_card_file, load_card_file,
                               nth_birthday_after)
from tests.conftest import TEST_HOLDER

TODAY = dt.date(2026, 11, 30)
NEW = {"sign": "RENEW2026", "auth": "5678"}


def _card(tmp_path, ca, **kw):
    return load_card_file(create_card_file(tmp_path / "c.json", pins=TRAINING_PINS, ca_dir=ca, **{**TEST_HOLDER, **kw}))


@pytest.mark.parametrize("day,n,expected", [("2026-11-30", 5, "2031-04-01"), ("2026-04-01", 1, "2027-04-01"),
                                            ("2026-03-31", 1, "2026-04-01")])
def test_nth_birthday_after(day, n, expected):
    assert nth_birthday_after(dt.date(1985, 4, 1), dt.date.fromisoformat(day), n).isoformat() == expected


def test_renewed_before_expiry_runs_to_the_sixth_birthday_or_the_card(tmp_path, test_card_ca):
    card = _card(tmp_path, test_card_ca, valid_from="2021-12-20", valid_until="2036-12-20")
    old = {w: card.certificate(w).serial_number for w in ("sign", "auth")}
    ends = card.admin_renew_certificates(dict(NEW), today=TODAY)
    assert ends == {"sign": "2032-04-01", "auth": "2032-04-01"}     # sixth birthday after today
    again = load_card_file(card.path)
    for which in ("sign", "auth"):
        cert = again.certificate(which)
        assert cert.serial_number != old[which] and cert.issuer == again.certificate("auth_ca").subject
        assert cert.public_key().public_numbers() == again.private_key(which).public_key().public_numbers()
        assert again.tries_left(which) == again.max_tries(which)
    assert again.check_pin("sign", NEW["sign"]).value == "ok" and again.check_pin("auth", "1234").value == "wrong"
    capped = _card(tmp_path, test_card_ca, valid_from="2021-12-20", valid_until="2031-12-20")
    assert capped.admin_renew_certificates({"auth": "5678"}, today=TODAY) == {"auth": "2031-12-20"}


def test_expired_certificate_is_issued_to_the_fifth_birthday(tmp_path, test_card_ca):
    card = _card(tmp_path, test_card_ca, valid_from="2021-06-01", valid_until="2036-06-01")
    assert card.admin_renew_certificates({"auth": "5678"}, today=TODAY) == {"auth": "2031-04-01"}


@pytest.mark.parametrize("pins,kw", [({"sign": "RENEW2026"}, {"signing_cert": False}),
                                     ({"auth": "12"}, {}), ({"juki": "1234"}, {}),
                                     ({"auth": "5678"}, {"valid_from": "2016-11-01", "valid_until": "2026-11-01"})])
def test_refusals_leave_the_card_as_it_was(tmp_path, test_card_ca, pins, kw):
    if kw.get("signing_cert") is False:
        card = load_card_file(create_card_file(tmp_path / "c.json", pins={k: v for k, v in TRAINING_PINS.items()
                                                                          if k != "sign"},
                                               ca_dir=test_card_ca, **{**TEST_HOLDER, **kw}))
    else:
        card = _card(tmp_path, test_card_ca, **kw)
    before = card.path.read_bytes()
    with pytest.raises(CardFileError) as caught:
        card.admin_renew_certificates(pins, today=TODAY)
    assert not any(pin in str(caught.value) for pin in pins.values())       # never echoes a PIN
    assert card.path.read_bytes() == before


def test_a_card_of_another_ca_is_not_renewed(tmp_path, test_card_ca):
    card = _card(tmp_path, test_card_ca, valid_from="2021-12-20", valid_until="2036-12-20")
    card.ca_dir = str(tmp_path / "another-ca")
    with pytest.raises(CardFileError, match="test CA"):
        card.admin_renew_certificates({"auth": "5678"}, today=TODAY)


def test_a_face_authentication_card_is_not_renewed_by_the_training_card(tmp_path, test_card_ca):
    path = create_card_file(tmp_path / "face.json", pins={}, ca_dir=test_card_ca, face_auth=True,
                            valid_from="2021-12-20", valid_until="2036-12-20", **TEST_HOLDER)
    before = path.read_bytes()
    with pytest.raises(CardFileError, match="face-authentication"):
        load_card_file(path).admin_renew_certificates({"auth": "5678"}, today=TODAY)
    assert path.read_bytes() == before and load_card_file(path).face_auth
