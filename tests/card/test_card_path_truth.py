"""The card path never misleads the clerk (issue 12 §2), through the real stack (pcscd + vpcd +
the test card) and the real ``madoguchi card`` commands: a malformed PIN is a format error, a
pcscd restart is waited out, a mute card is named, bad card files are refused at load, a card
without the 住基AP is the same card in both commands, a one-byte answer is not a removal, the
certificate serial keeps its leading zero, and the JSON errors, pipes and exit codes agree."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from app.card import errors, layout
from app.card.cardfile import CardFileError, load_card_file, load_or_create_test_ca
from app.card.service import EventKind
from app.card.stack import reader_name
from tests.conftest import REPO

pytestmark = pytest.mark.pcsc

R0, R1 = reader_name(0), reader_name(1)


def _no_traceback(result) -> None:
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr.replace("CardError", ""), \
        result.stderr


# 1 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["abc\n", "\n", "12345\n", "１２３４\n", ""])
def test_a_malformed_pin_is_a_format_error_and_never_reaches_the_card(cli, pcsc_stack, inserted_card, typed):
    before = inserted_card.apdu_count
    result = cli("card", "read", "--pin-stdin", "--json", "--reader", R0, input=typed)
    assert result.returncode == 2, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert data["error"]["code"] == "pin_format" and "blocked" not in data and "tries_left" not in data
    assert "回数は減っていません" in result.stderr and "LOCKED" not in result.stdout + result.stderr
    assert inserted_card.apdu_count == before                 # nothing was sent
    text = cli("card", "read", "--pin-stdin", "--reader", R0, input=typed)
    assert text.returncode == 2 and "ロック" not in text.stdout + text.stderr
    assert load_card_file(inserted_card.card_file).tries_left("input") == 3


# 2 -------------------------------------------------------------------------------------------
def test_pcscd_restarting_while_the_read_waits_is_waited_out(pcsc_stack, card_file):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "app", "card", "read", "--no-pin", "--json", "--reader", R1,
                             "--timeout", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=REPO)
    try:
        assert "カードがリーダーに置かれていません" in proc.stderr.readline()   # waiting for a card
        pcsc_stack.stop_pcscd()
        # it sees the service go (perhaps the reader first, as pcscd shuts down) and keeps waiting
        assert any("pcscd" in line for line in iter(proc.stderr.readline, "")), proc.wait(5)
        pcsc_stack.start()
        pcsc_stack.insert(card_file, slot=1)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        pcsc_stack.remove(1)
    assert proc.returncode == 0, err
    assert json.loads(out)["reader"] == R1 and json.loads(out)["card"] == "my_number_card"


# 3 -------------------------------------------------------------------------------------------
def test_a_mute_card_is_named_without_a_traceback(cli, pcsc_stack, card_file):
    load_card_file(card_file).set_state("mute")               # ATR, then never an answer
    pcsc_stack.insert(card_file, slot=0)
    try:
        listed = cli("card", "readers", "--json", "--timeout", "2")
        _no_traceback(listed)
        assert listed.returncode == 0
        rows = {row["reader"]: row for row in json.loads(listed.stdout)["readers"]}
        assert rows[R0]["card_present"] and rows[R0]["card"] == "unknown"
        assert rows[R0]["error"]["code"] == "card_mute" and rows[R1]["card"] is None
        read = cli("card", "read", "--no-pin", "--json", "--reader", R0, "--timeout", "2")
        _no_traceback(read)
        assert read.returncode == 3
        assert json.loads(read.stdout) == {"reader": R0, "error": json.loads(read.stdout)["error"]}
        assert json.loads(read.stdout)["error"]["code"] == "card_mute"
        assert "カードが応答しません" in read.stderr
    finally:
        pcsc_stack.remove(0)


# 4 -------------------------------------------------------------------------------------------
def _damaged(card_file, tmp_path, name, change):
    data = json.loads(card_file.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


DAMAGES = {
    "pins_as_list": lambda d: d.__setitem__("pins", list(d["pins"].values())),
    "no_auth_certificate": lambda d: d["certificates"].pop("auth"),
    "huge_address": lambda d: d["holder"].__setitem__("address", "東" * 30000),
    "unparsable_key": lambda d: d["keys"].__setitem__("auth", "-----BEGIN PRIVATE KEY-----\nnonsense\n"
                                                             "-----END PRIVATE KEY-----\n"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_bad_card_file_is_refused_at_load_with_a_clear_message(cli, card_file, tmp_path, damage):
    path = _damaged(card_file, tmp_path, damage, DAMAGES[damage])
    with pytest.raises(CardFileError, match="damaged card file"):
        load_card_file(path)
    emulator = cli("card", "emulator", "--card", str(path), "--port", "1", timeout=60)
    _no_traceback(emulator)
    assert emulator.returncode == 2 and "カードファイルが壊れています" in emulator.stderr
    if damage == "pins_as_list":
        stack = cli("card", "stack", "--insert", str(path), timeout=60)
        _no_traceback(stack)
        assert stack.returncode == 2 and "damaged card file" in stack.stderr


def test_a_chip_that_fails_answers_6F00_and_keeps_answering(service, ready_card):
    ready_card.chip.card.keys_pem["auth"] = b"not a key any more"   # the chip's key memory fails
    with pytest.raises(errors.CardMalfunction):
        service.sign_challenge("1234", b"challenge").result(10)
    assert service.tries_left().result(10)["auth"] == 3          # the card thread lives on


# 5 -------------------------------------------------------------------------------------------
def _without_juki(_n, command, response):
    selects_juki = command[1] == 0xA4 and command[2] == 0x04 and command[5:5 + 10] == layout.AID_JUKI
    return b"\x6A\x82" if selects_juki else response


def test_a_card_without_the_juki_application_is_the_same_card_in_both_commands(cli, pcsc_stack, inserted_card):
    inserted_card.response_filter = _without_juki
    try:
        listed = cli("card", "readers", "--json")
        row = {r["reader"]: r for r in json.loads(listed.stdout)["readers"]}[R0]
        assert row["card"] == "my_number_card" and row["missing_applications"] == ["juki"]
        read = cli("card", "read", "--no-pin", "--json", "--reader", R0)
        assert read.returncode == 0, read.stderr
        data = json.loads(read.stdout)
        assert data["card"] == "my_number_card" and data["missing_applications"] == ["juki"]
        assert data["tries_left"] == {"sign": 5, "auth": 3, "juki": None, "input": 3}
        text = cli("card", "read", "--no-pin", "--reader", R0)
        assert "住基AP" in text.stdout and "resident-registry" in text.stdout
        listed_text = cli("card", "readers")
        assert "マイナンバーカード" in listed_text.stdout and "住基AP" in listed_text.stdout
    finally:
        inserted_card.response_filter = None


# 6 -------------------------------------------------------------------------------------------
def test_a_one_byte_answer_is_malformed_not_a_removed_card(service, ready_card):
    start = ready_card.apdu_count
    ready_card.response_filter = lambda n, _c, response: b"\x90" if n == start + 3 else response
    try:
        with pytest.raises(errors.MalformedResponse):
            service.read_card("1234").result(10)
    finally:
        ready_card.response_filter = None
    assert service.read_card("1234").result(10).items is not None   # still on the reader


# 7 -------------------------------------------------------------------------------------------
def test_the_certificate_serial_keeps_its_leading_zero(cli, pcsc_stack, card_file, test_card_ca):
    card = load_card_file(card_file)
    ca = load_or_create_test_ca(test_card_ca)
    old = card.certificate("auth")
    serial = 0x086CEBF0_1234_5678_9ABC
    cert = (x509.CertificateBuilder().subject_name(old.subject).issuer_name(old.issuer)
            .public_key(old.public_key()).serial_number(serial)
            .not_valid_before(old.not_valid_before_utc).not_valid_after(old.not_valid_after_utc)
            .sign(ca.key, hashes.SHA256()))
    data = json.loads(card_file.read_text(encoding="utf-8"))
    data["certificates"]["auth"] = base64.b64encode(cert.public_bytes(Encoding.DER)).decode()
    card_file.write_text(json.dumps(data), encoding="utf-8")
    pcsc_stack.insert(card_file, slot=0)
    try:
        read = cli("card", "read", "--no-pin", "--json", "--reader", R0)
        assert json.loads(read.stdout)["certificates"]["auth"]["serial"] == "086CEBF0123456789ABC"
        text = cli("card", "read", "--no-pin", "--reader", R0)
        assert "シリアル / serial: 086CEBF0123456789ABC" in text.stdout
    finally:
        pcsc_stack.remove(0)


# 8 -------------------------------------------------------------------------------------------
def test_json_errors_name_the_reader_chosen_automatically(cli, pcsc_stack, inserted_card):
    inserted_card.response_filter = lambda _n, command, response: (
        b"\x6A\x82" if command[1] == 0xA4 and command[2] == 0x04 else response)    # not a My Number card
    try:
        read = cli("card", "read", "--no-pin", "--json")          # R1 is empty: R0 is chosen
    finally:
        inserted_card.response_filter = None
    assert read.returncode == 3 and "カードのあるリーダー" in read.stderr
    data = json.loads(read.stdout)
    assert data["reader"] == R0 and data["error"]["code"] == "application_not_found"


def test_a_closed_pipe_ends_the_command_quietly(pcsc_stack, inserted_card):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for args in (["card", "read", "--no-pin", "--json", "--reader", R0], ["card", "readers"]):
        proc = subprocess.Popen([sys.executable, "-m", "app", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
        proc.stdout.close()                                    # `| head -1` that has already gone
        err = proc.stderr.read()
        proc.wait(timeout=60)
        assert "Traceback" not in err and "BrokenPipe" not in err, err
        assert proc.returncode == 128 + signal.SIGPIPE


def test_a_missing_pcscd_has_the_same_exit_status_in_both_commands(cli, tmp_path):
    nowhere = {"PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.comm")}
    listed = cli("card", "readers", "--json", env=nowhere)
    read = cli("card", "read", "--no-pin", "--json", env=nowhere)
    for result in (listed, read):
        _no_traceback(result)
        assert result.returncode == 3 and json.loads(result.stdout)["error"]["code"] == "no_service"
        assert "pcscd" in result.stderr


def test_the_service_names_what_a_card_lacks(service, ready_card, events):
    ready_card.response_filter = _without_juki
    try:
        mark = events.mark()
        service.select_reader(R0).result(10)
        events.wait_for(EventKind.MY_NUMBER_CARD, since=mark)
        assert service.submit(lambda card: card.missing_applications()).result(10) == ["juki"]
        assert service.read_card(None).result(10).missing_applications == ["juki"]
    finally:
        ready_card.response_filter = None


def test_the_reader_service_says_when_a_card_stops_answering(pcsc_stack, card_file, events):
    """The window's card panel: a mute card is an unknown card that does not answer, not a
    'reading…' for ever; taking it off frees the card thread."""
    from app.card.service import ReaderService

    load_card_file(card_file).set_state("mute")
    service = ReaderService(events, poll_interval=0.3, answer_timeout=1.0).start()
    try:
        pcsc_stack.insert(card_file, slot=0)
        selected = service.select_reader(R0)                   # its identification never gets an answer
        unknown = events.wait_for(EventKind.UNKNOWN_CARD, timeout=15)
        assert isinstance(unknown.error, errors.CardDoesNotAnswer) and unknown.reader == R0
        assert service.state.card_kind == "unknown" and not selected.done()
        pcsc_stack.remove(0)
        selected.result(15)                                    # the card thread is free again
        assert service.readers().result(15) == [R0, R1]
    finally:
        pcsc_stack.remove(0)
        service.stop()
