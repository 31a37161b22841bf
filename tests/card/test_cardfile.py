"""The test card's card file: making, loading, PIN counters persisted like a chip, the shared test CA."""

from __future__ import annotations

import functools
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding

from app.card.cardfile import (
    TRAINING_PINS, CardFileError, PinCheck, create_card_file, load_card_file, load_or_create_test_ca,
)

HOLDER = dict(family_name="窓口", given_name="花子", address="東京都千代田区霞が関1-2-3",
              birth_date="1985-04-01", sex=2, my_number="123456789018")


@pytest.fixture(scope="module")
def ca_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("ca")


def test_create_and_load_round_trip(tmp_path, ca_dir):
    path = create_card_file(tmp_path / "card.json", pins=TRAINING_PINS, ca_dir=ca_dir, **HOLDER)
    card = load_card_file(path)
    assert card.holder.name == "窓口\u3000花子"
    assert card.holder.address == "東京都千代田区霞が関１－２－３"   # card surface: full width
    assert card.holder.birth_date == "1985-04-01" and card.holder.sex == 2
    assert card.my_number == "123456789018"
    assert card.state == "active" and card.has_signing_certificate
    assert {s: card.tries_left(s) for s in TRAINING_PINS} == {"sign": 5, "auth": 3, "juki": 3, "input": 3}
    auth = card.certificate("auth")
    ca = load_or_create_test_ca(ca_dir)
    assert auth.issuer == ca.cert.subject
    ca.cert.public_key().verify(auth.signature, auth.tbs_certificate_bytes, padding.PKCS1v15(),
                                auth.signature_hash_algorithm)
    pub = card.private_key("auth").public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert pub == auth.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
    assert card.private_key("auth").key_size == 2048


def test_pin_counters_persist_across_loads(tmp_path, ca_dir):
    path = create_card_file(tmp_path / "c.json", pins=TRAINING_PINS, ca_dir=ca_dir, **HOLDER)
    card = load_card_file(path)
    assert card.check_pin("input", "0000") is PinCheck.WRONG
    assert card.check_pin("input", "9999") is PinCheck.WRONG
    assert load_card_file(path).tries_left("input") == 1
    assert load_card_file(path).check_pin("input", "1234") is PinCheck.OK
    assert load_card_file(path).tries_left("input") == 3
    card = load_card_file(path)
    for left in (2, 1, 0):
        assert card.check_pin("auth", "1111") is PinCheck.WRONG
        assert card.tries_left("auth") == left
    assert card.check_pin("auth", "1234") is PinCheck.BLOCKED   # blocked: even the right PIN
    assert load_card_file(path).tries_left("auth") == 0
    card.admin_reset_pin("auth", "4321")
    again = load_card_file(path)
    assert again.tries_left("auth") == 3
    assert again.check_pin("auth", "4321") is PinCheck.OK
    assert not list(tmp_path.glob(".*.tmp"))          # atomic writes leave no temp files


def test_pins_never_in_clear_in_the_file(tmp_path, ca_dir):
    pins = {"auth": "8642", "juki": "7531", "input": "9753", "sign": "ZX9Q7W"}
    # the printed security code is fixed here: four random digits could equal a PIN by chance
    path = create_card_file(tmp_path / "c.json", pins=pins, ca_dir=ca_dir, security_code="0000", **HOLDER)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data["pins"]) == set(pins)
    hashed = [*data["pins"].values(), *data["surface"]["codes"].values()]   # PINs, check codes A and B
    for record in hashed:
        assert set(record) == {"salt", "pbkdf2_sha256", "iterations", "tries_left", "max_tries"}
    # random material (salts, hashes, keys, certificates, the chip's serial and signed face data)
    # and the test's own folder may hold any 4 digits by chance ("…668642932d…" held 8642): they
    # are blanked, so a match can only be a leak; the signing password (letters beyond hex) is
    # looked for everywhere
    noise = [data["serial"], data["surface"]["entries"], str(ca_dir),
             *(record[k] for record in hashed for k in ("salt", "pbkdf2_sha256"))]
    rest = {k: v for k, v in data.items() if k not in ("pins", "keys", "certificates")}
    text = functools.reduce(lambda t, n: t.replace(n, "<random>"), noise, json.dumps(rest, ensure_ascii=False))
    for pin in pins.values():
        assert pin not in text
    assert pins["sign"] not in path.read_text(encoding="utf-8")


def test_card_without_signing_certificate(tmp_path, ca_dir):
    pins = {k: v for k, v in TRAINING_PINS.items() if k != "sign"}
    card = load_card_file(create_card_file(tmp_path / "c.json", pins=pins, ca_dir=ca_dir,
                                           signing_cert=False, **HOLDER))
    assert not card.has_signing_certificate and card.tries_left("sign") is None
    assert card.check_pin("sign", "ABC123") is PinCheck.NO_SUCH_PIN


def test_many_cards_share_one_ca(tmp_path, ca_dir):
    a = load_card_file(create_card_file(tmp_path / "a.json", pins=TRAINING_PINS, ca_dir=ca_dir, **HOLDER))
    b = load_card_file(create_card_file(tmp_path / "b.json", pins=TRAINING_PINS, ca_dir=ca_dir, **HOLDER))
    assert a.certificates["auth_ca"] == b.certificates["auth_ca"]
    assert a.serial != b.serial


@pytest.mark.parametrize("change, message", [
    (dict(my_number="123456789012"), "check digit"),
    (dict(sex=3), "sex"),
    (dict(pins={"auth": "12345", "juki": "1234", "input": "1234", "sign": "ABC123"}), "4 digits"),
    (dict(pins={"auth": "1234", "juki": "1234", "input": "1234", "sign": "ABCDEF"}), "signing password"),
    (dict(pins={"auth": "1234", "input": "1234", "sign": "ABC123"}), "juki"),
    (dict(state="lost"), "card state"),
    (dict(valid_from="2030-01-01", valid_until="2029-01-01"), "valid_until"),
])
def test_bad_input_is_refused_with_a_clear_message(tmp_path, ca_dir, change, message):
    args = dict(HOLDER, pins=TRAINING_PINS)
    args.update(change)
    with pytest.raises((CardFileError, ValueError), match=message):
        create_card_file(tmp_path / "bad.json", ca_dir=ca_dir, **args)
    assert not (tmp_path / "bad.json").exists()


def test_loader_refuses_foreign_and_damaged_files(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(CardFileError, match="not a test card file"):
        load_card_file(tmp_path / "x.json")
    (tmp_path / "y.json").write_text("{")
    with pytest.raises(CardFileError, match="cannot read"):
        load_card_file(tmp_path / "y.json")
    (tmp_path / "z.json").write_text(json.dumps({"format": "madoguchi-test-card", "version": 1}))
    with pytest.raises(CardFileError, match="damaged"):
        load_card_file(tmp_path / "z.json")
    with pytest.raises(CardFileError, match="no card file"):
        load_card_file(tmp_path / "missing.json")
