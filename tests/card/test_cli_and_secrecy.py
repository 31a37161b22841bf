"""The diagnostics commands through the real stack, and the rule that a PIN is never logged,
stored or printed: after PIN work (right, wrong, reset, CLI), logs, stores and outputs are
searched for every PIN used."""

from __future__ import annotations

import functools
import json
import logging
import shutil

import pytest

from app.card import errors
from app.card.admin import TestCardAdministration
from app.card.cardfile import create_card_file, load_card_file
from app.card.protocol import serial_hex
from app.card.service import EventKind
from app.card.stack import reader_name
from tests.conftest import TEST_HOLDER

pytestmark = pytest.mark.pcsc

# unusual PINs, so a match in a log can only be a leak
PINS = {"auth": "8261", "juki": "5174", "input": "7395", "sign": "QZ7K9W2X"}
WRONG, NEW_AUTH = "6048", "3928"


def test_card_read_json(cli, pcsc_stack, inserted_card):
    result = cli("card", "read", "--json", "--pin-stdin", "--reader", reader_name(0), input="1234\n")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["items"]["name"] == "窓口\u3000花子" and data["items"]["birth_date"] == "1985-04-01"
    assert data["tries_left"] == {"sign": 5, "auth": 3, "juki": 3, "input": 3}
    assert data["my_number"] == "********9018" and TEST_HOLDER["my_number"] not in result.stdout
    cert = data["certificates"]["auth"]
    assert cert["subject"].startswith("CN=TEST-") and cert["not_after"] and cert["valid_now"]
    shown = cli("card", "read", "--json", "--pin-stdin", "--show-number", "--reader", reader_name(0),
                input="1234\n")
    assert json.loads(shown.stdout)["my_number"] == TEST_HOLDER["my_number"]


def test_card_readers_and_clear_failures(cli, pcsc_stack, inserted_card):
    result = cli("card", "readers", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["reader"]: row for row in json.loads(result.stdout)["readers"]}
    assert rows[reader_name(0)]["card"] == "my_number_card" and rows[reader_name(1)]["card"] is None
    # two readers, one with a card: that one (and it says so)
    only = cli("card", "read", "--no-pin", "--json")
    assert only.returncode == 0 and json.loads(only.stdout)["reader"] == reader_name(0)
    assert "カードのあるリーダー" in only.stderr
    # two readers with cards and no choice: the command does not guess
    pcsc_stack.insert(inserted_card.card_file, slot=1)   # read only: both may share the file
    try:
        guess = cli("card", "read", "--no-pin")
        assert guess.returncode == 2 and "--reader" in guess.stderr
    finally:
        pcsc_stack.remove(1)
    empty = cli("card", "read", "--no-pin", "--reader", reader_name(1), "--timeout", "0.5")
    assert empty.returncode == 3 and "カードがリーダーに置かれていません" in empty.stderr
    wrong = cli("card", "read", "--pin-stdin", "--reader", reader_name(0), input="0000\n")
    assert wrong.returncode == 1 and "あと2回" in wrong.stdout and "0000" not in wrong.stdout + wrong.stderr


def test_no_pin_is_logged_stored_or_printed(pcsc_stack, service, events, tmp_path, test_card_ca, cli, caplog,
                                            madoguchi_home):
    caplog.set_level(logging.DEBUG)
    card = create_card_file(tmp_path / "secret-card.json", pins=PINS, ca_dir=test_card_ca, **TEST_HOLDER)
    mark = events.mark()
    pcsc_stack.insert(card)
    events.wait_for(EventKind.MY_NUMBER_CARD, since=mark)
    outputs = []
    service.verify("input", PINS["input"]).result(5)
    service.verify("sign", PINS["sign"]).result(5)
    with pytest.raises(errors.WrongPin) as caught:
        service.verify("auth", WRONG).result(5)
    outputs.append(str(caught.value))
    service.sign_challenge(PINS["auth"], b"challenge").result(5)
    TestCardAdministration(pcsc_stack.control_path(0)).request_reset("auth", NEW_AUTH)
    service.verify("auth", NEW_AUTH).result(5)
    for pin in (PINS["input"], WRONG):
        result = cli("card", "read", "--json", "--pin-stdin", "--reader", reader_name(0), input=pin + "\n")
        outputs += [result.stdout, result.stderr]
    pcsc_stack.remove()

    secrets = [*PINS.values(), WRONG, NEW_AUTH]
    forms = {s: [s, s.encode().hex(), s.encode().hex(" "), s.encode().hex().upper(),
                 s.encode().hex(" ").upper()] for s in secrets}
    texts = {"captured log": caplog.text, "outputs": "\n".join(outputs)}
    searched = [pcsc_stack.log_path, *madoguchi_home.rglob("*")]
    for path in searched:
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    assert str(pcsc_stack.log_path) in texts and len(texts) >= 3
    # the card's random identifiers (hex serials, printed on purpose) may hold a PIN's digits by
    # chance ("…F937395AD…"): they are blanked, so a match can only be a leak
    chip = load_card_file(card)
    noise = [chip.serial, *(serial_hex(chip.certificate(name).serial_number) for name in chip.certificates)]
    texts = {where: functools.reduce(lambda t, n: t.replace(n, "<random id>"), noise, text)
             for where, text in texts.items()}
    # pcscd sees a PIN only as the bytes of a VERIFY command: its log is searched for those (hex),
    # not for four decimal digits, which the microseconds starting each of its lines and its
    # handles hold by chance ("03928032 eventhandler.c:…", one run in a few)
    for where, text in texts.items():
        for secret, variants in forms.items():
            for form in (variants[1:] if where == str(pcsc_stack.log_path) else variants):
                assert form not in text, f"PIN found in {where}"
    # the card file (the chip's memory) keeps only salted hashes
    data = json.loads(card.read_text(encoding="utf-8"))
    assert PINS["sign"] not in card.read_text(encoding="utf-8")
    assert all(set(r) == {"salt", "pbkdf2_sha256", "iterations", "tries_left", "max_tries"} for r in data["pins"].values())
    shutil.rmtree(tmp_path, ignore_errors=True)
