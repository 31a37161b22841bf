"""The test card through the real stack (pyscard → our pcscd → vpcd → emulator): it answers
exactly as CARD.md describes, keeps its counters in the card file, and can be pulled, put back,
run from the command line and reset through its test-only control channel."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from app.card.cardfile import load_card_file
from app.card.emulator import control_call
from app.card.stack import reader_name
from tests.card.rawpcsc import RawCard
from tests.conftest import REPO

pytestmark = pytest.mark.pcsc

JPKI = "00A4040C0AD392F000260100000001"
INPUT = "00A4040C0AD3921000310001010408"
JUKI = "00A4040C0AD3921000310001010401"
SURFACE = "00A4040C0AD3921000310001010402"


@pytest.fixture
def raw(inserted_card):
    card = RawCard(reader_name(0))
    yield card
    card.close()


def read_cert(raw: RawCard, fid: str) -> bytes:
    assert raw.tx(f"00A4020C02{fid}")[1] == "9000"
    head, sw = raw.tx("00B0000004")
    assert sw == "9000" and head[:2] == b"\x30\x82"
    size = int.from_bytes(head[2:4], "big") + 4
    data = b""
    while len(data) < size:
        chunk, sw = raw.tx(bytes([0x00, 0xB0, len(data) >> 8, len(data) & 0xFF, min(256, size - len(data)) & 0xFF]))
        assert sw == "9000"
        data += chunk
    return data


def test_readers_and_atr(pcsc_stack, inserted_card):
    from smartcard.System import readers

    assert [str(r) for r in readers()] == ["Virtual PCD 00 00", "Virtual PCD 00 01"]
    raw = RawCard(reader_name(0))
    from smartcard import scard
    hr, _name, _state, _proto, atr = scard.SCardStatus(raw.handle)
    assert bytes(atr).hex().upper() == "3BE000FF8131FE4514"
    raw.close()


def test_applications_are_selected_by_aid(raw):
    for aid in (JPKI, INPUT, JUKI, SURFACE):
        assert raw.tx(aid) == (b"", "9000")
    assert raw.tx("00A4040C0AD392F000260100000099")[1] == "6A82"
    assert raw.tx("00A4070C02000A")[1] == "6A86"
    assert raw.tx("00A4020C03000A00")[1] == "6700"


def test_jpki_files_and_certificates(raw, card_file):
    assert raw.tx(JPKI)[1] == "9000"
    assert raw.tx("00A4020C020006")[1] == "9000"
    info, sw = raw.tx("00B0000020")
    assert sw == "9000" and info.startswith(b"JPKIAPICCTOKEN2")
    raw.tx("00A4020C020008")
    assert raw.tx("00B0000003") == (bytes.fromhex("8F8F00"), "9000")
    auth = x509.load_der_x509_certificate(read_cert(raw, "000A"))
    ca = x509.load_der_x509_certificate(read_cert(raw, "000B"))
    ca.public_key().verify(auth.signature, auth.tbs_certificate_bytes, padding.PKCS1v15(),
                           auth.signature_hash_algorithm)
    assert auth.serial_number == load_card_file(card_file).certificate("auth").serial_number
    # the signing certificate needs the signing password
    assert raw.tx("00A4020C020001")[1] == "9000"
    assert raw.tx("00B0000004")[1] == "6982"
    assert raw.tx("00A4020C02001B")[1] == "9000"
    assert raw.tx("00200080064142433132 33".replace(" ", ""))[1] == "9000"
    assert raw.tx("00A4020C020001")[1] == "9000"
    assert raw.tx("00B0000004")[1] == "9000"


def test_pin_tries_without_using_one_wrong_pin_and_block(raw, card_file):
    raw.tx(INPUT)
    raw.tx("00A4020C020011")
    assert raw.tx("00200080")[1] == "63C3"
    assert raw.tx("00200080")[1] == "63C3"              # asking does not use a try
    assert raw.tx("002000800430303030")[1] == "63C2"
    assert raw.tx("002000800430303030")[1] == "63C1"
    assert load_card_file(card_file).tries_left("input") == 1   # persisted like a chip
    assert raw.tx("002000800431323334")[1] == "9000"    # right PIN restores the count
    assert raw.tx("00200080")[1] == "63C3"
    for sw in ("63C2", "63C1", "63C0"):
        assert raw.tx("002000800439393939")[1] == sw
    assert raw.tx("002000800431323334")[1] == "6984"    # blocked: even the right PIN
    assert raw.tx("00200080")[1] == "6984"
    assert load_card_file(card_file).tries_left("input") == 0


def test_protected_items_need_the_pin_and_reselect_clears_it(raw):
    raw.tx(INPUT)
    raw.tx("00A4020C020002")
    assert raw.tx("00B0000000")[1] == "6982"
    raw.tx("00A4020C020011")
    assert raw.tx("002000800431323334")[1] == "9000"
    raw.tx("00A4020C020001")
    number, sw = raw.tx("00B0000011")
    assert sw == "9000" and number == b"\xFF\x10\x0C123456789018\xFF\xFF"
    raw.tx("00A4020C020002")
    four, sw = raw.tx("00B0000000")
    assert sw == "9000" and four[:2] == b"\xFF\x20" and "窓口\u3000花子".encode() in four
    raw.tx(INPUT)                                        # re-select: verified state cleared
    raw.tx("00A4020C020002")
    assert raw.tx("00B0000000")[1] == "6982"


def test_status_words_for_bad_commands(raw):
    raw.tx(JPKI)
    raw.tx("00A4020C02000A")
    assert raw.tx("00B07FFF04")[1] == "6B00"
    assert raw.tx("00B0FFFF04")[1] == "6A86"
    assert raw.tx("00CA000000")[1] == "6D00"
    assert raw.tx("00A4020C02FFFF")[1] == "6A82"
    raw.tx("00A4020C020018")
    assert raw.tx("00200081")[1] == "6A86"


def test_sign_with_the_auth_key(raw, card_file):
    raw.tx(JPKI)
    raw.tx("00A4020C020017")
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420") + bytes(32)
    assert raw.tx(bytes.fromhex("802A00803300") + digest_info[1:] + b"\x00")[1] in ("6982",)
    raw.tx("00A4020C020018")
    assert raw.tx("002000800431323334")[1] == "9000"
    raw.tx("00A4020C020017")
    import hashlib
    digest = hashlib.sha256(b"challenge").digest()
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420") + digest
    signature, sw = raw.tx(bytes([0x80, 0x2A, 0x00, 0x80, len(digest_info)]) + digest_info + b"\x00")
    assert sw == "9000" and len(signature) == 256
    cert = load_card_file(card_file).certificate("auth")
    cert.public_key().verify(signature, b"challenge", padding.PKCS1v15(), hashes.SHA256())


def test_pull_and_put_back(pcsc_stack, card_file):
    from smartcard import scard

    emulator = pcsc_stack.insert(card_file, slot=1)
    raw = RawCard(reader_name(1))
    raw.tx(JPKI)
    emulator.pull_at_apdu(1)
    hr, response = scard.SCardTransmit(raw.handle, raw.protocol, list(bytes.fromhex(JPKI)))
    # vpcd answers a command cut off by the pull with no bytes at all (not even a status word)
    assert hr != scard.SCARD_S_SUCCESS or len(response) < 2
    raw.close()
    pcsc_stack.reinsert(1)
    raw = RawCard(reader_name(1))
    assert raw.tx(JPKI)[1] == "9000"
    raw.close()
    pcsc_stack.remove(1)


def test_command_line_emulator_and_control_channel(pcsc_stack, card_file, tmp_path):
    control = tmp_path / "control.sock"
    proc = subprocess.Popen([sys.executable, "-m", "app", "card", "emulator", "--card", str(card_file),
                             "--port", str(pcsc_stack.slot_port(1)), "--control", str(control)],
                            stderr=subprocess.PIPE, text=True)
    try:
        pcsc_stack.wait_for_reader(1, present=True, timeout=20)   # pcscd sees it (its control is up)
        raw = RawCard(reader_name(1))
        raw.tx(INPUT)
        raw.tx("00A4020C020011")
        for _ in range(3):
            raw.tx("002000800439393939")
        assert raw.tx("00200080")[1] == "6984"
        answer = control_call(control, {"op": "reset_pin", "secret": "input", "new_pin": "4321"})
        assert answer == {"ok": True}
        assert raw.tx("00200080")[1] == "63C3"
        assert raw.tx("002000800434333231")[1] == "9000"
        status = control_call(control, {"op": "status"})
        assert status["tries_left"]["input"] == 3 and "4321" not in str(status)
        assert control_call(control, {"op": "nonsense"})["ok"] is False
        raw.close()
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=10)
        pcsc_stack.wait_for_reader(1, present=False)             # the next test finds reader 1 empty
    assert proc.returncode == 0, err
    assert load_card_file(card_file).tries_left("input") == 3


TRAINING_SCRIPT = r"""
import sys, threading
from app.card.stack import point_at_training_stack, training_stack, stop_training_stack, reader_name
from app.card.service import ReaderService
point_at_training_stack()                       # before any PC/SC call, as the app does
kinds = []
identified = threading.Event()                  # the service's own event, no polling

def heard(event):
    kinds.append(event.kind.value)
    if event.kind.value == "my_number_card":
        identified.set()

service = ReaderService(heard, poll_interval=0.2).start()
service.select_reader(reader_name(0))
stack = training_stack()                        # pcscd comes up after the service started
stack.insert(sys.argv[1], 0)
identified.wait(30)
readout = service.read_card("1234").result(10)
print(readout.items.name, kinds[0], "my_number_card" in kinds)
service.close()
stop_training_stack()
"""


def test_training_stack_started_after_the_reader_service(card_file):
    """The training tray: the service is pointed at the training stack before pcscd exists and
    finds the tray's card once it is up (own process: libpcsclite reads its socket once)."""
    result = subprocess.run([sys.executable, "-c", TRAINING_SCRIPT, str(card_file)], capture_output=True,
                            text=True, timeout=60, cwd=str(REPO))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "窓口\u3000花子 service_unavailable True"


def test_card_stack_command_runs_its_own_pcscd(card_file):
    proc = subprocess.Popen([sys.executable, "-m", "app", "card", "stack", "--insert", str(card_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(REPO))
    try:
        first = proc.stdout.readline()
        assert first.startswith("export PCSCLITE_CSOCK_NAME=") and first.strip().endswith("/run/pcscd.comm")
        assert "card " + str(card_file) in proc.stdout.readline()
        # the command says where the card is only once pcscd has it: a client run now sees it
        env = {**os.environ, "PCSCLITE_CSOCK_NAME": first.strip().split("=", 1)[1]}
        listed = subprocess.run([sys.executable, "-m", "app", "card", "readers", "--json"], env=env,
                                capture_output=True, text=True, timeout=60, cwd=str(REPO))
        rows = {row["reader"]: row["card"] for row in json.loads(listed.stdout)["readers"]}
        assert rows == {reader_name(0): "my_number_card", reader_name(1): None}, listed.stderr
    finally:
        proc.terminate()
        proc.communicate(timeout=15)
    assert proc.returncode == 0


def test_insert_and_remove_return_once_pcscd_reports_the_reader(pcsc_stack, card_file):
    """The fresh-clone race (issue 12 §1): the card tray returns only when pcscd itself shows the
    card in (or out of) the reader, so the very next PC/SC client sees it — no sleep anywhere."""
    from smartcard import scard

    hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert hr == scard.SCARD_S_SUCCESS

    def state_now() -> int:
        hr, states = scard.SCardGetStatusChange(ctx, 0, [(reader_name(1), scard.SCARD_STATE_UNAWARE)])
        assert hr == scard.SCARD_S_SUCCESS, scard.SCardGetErrorMessage(hr)
        return states[0][1]

    try:
        for _ in range(5):
            pcsc_stack.insert(card_file, slot=1)
            assert state_now() & scard.SCARD_STATE_PRESENT
            pcsc_stack.remove(1)
            assert state_now() & scard.SCARD_STATE_EMPTY
    finally:
        pcsc_stack.remove(1)
        scard.SCardReleaseContext(ctx)
