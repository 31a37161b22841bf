"""The test card: a My Number card emulator attached to vpcd, plus its test-only control channel.

:class:`TestCardChip` is the chip: it answers command APDUs from a card file exactly as CARD.md
describes (select by AID, EFs, VERIFY with tries left, CHANGE REFERENCE DATA, READ BINARY,
COMPUTE DIGITAL SIGNATURE) and keeps PIN counters in the card file like a real chip.

:class:`VpcdCardEmulator` carries a chip to vpcd over TCP (the card side connects; 2-byte length
framing; 1-byte controls power off/on/reset/ATR). Insertion is connect, removal is close. The
socket has ``TCP_NODELAY`` and ``TCP_QUICKACK`` before each ``recv``: without them every APDU
stalls ~40 ms on delayed ACKs. If pcscd goes away while the card is "inserted", the emulator
reconnects when vpcd listens again — the card stayed in the reader.

The control channel (:class:`ControlServer`, a Unix socket speaking JSON lines) is for tests and
training only: it performs what the J-LIS card-administration terminal would (reset a PIN, issue
renewed certificates),
pulls the card at a chosen APDU, and reports status. It is clearly not a card command and never
travels as an APDU. Nothing here logs a PIN or an APDU's data field.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import socketserver
import struct
import threading
import time
from pathlib import Path
from typing import Callable

from app.card import apdu as apdu_codec
from app.card import layout, tlv
from app.card.cardfile import CardFile, CardFileError, PinCheck, load_card_file

log = logging.getLogger(__name__)

SW_OK = b"\x90\x00"
SW = {
    "wrong_length": b"\x67\x00",
    "security": b"\x69\x82",
    "blocked": b"\x69\x84",
    "no_current_ef": b"\x69\x86",
    "wrong_data": b"\x6A\x80",
    "no_reference": b"\x6A\x88",      # the PIN is not set (a face-authentication card)
    "not_found": b"\x6A\x82",
    "wrong_p1p2": b"\x6A\x86",
    "offset": b"\x6B\x00",
    "ins": b"\x6D\x00",
    "cla": b"\x6E\x00",
    "technical": b"\x6F\x00",
}

_FULL_WIDTH_SPACE = "\u3000"


# ---------------------------------------------------------------------------------------------
# The chip

def basic_four_bytes(card: CardFile) -> bytes:
    """EF 0002 of the input-support application: FF 20 { DF21 offsets, DF22..DF25 }."""
    long_form = card.long_form_lengths
    h = card.holder
    fields = [
        tlv.encode(0xDF22, h.name.encode("utf-8"), long_form=long_form),
        tlv.encode(0xDF23, h.address.encode("utf-8"), long_form=long_form),
        tlv.encode(0xDF24, h.birth_date.replace("-", "").encode("ascii"), long_form=long_form),
        tlv.encode(0xDF25, str(h.sex).encode("ascii"), long_form=long_form),
    ]
    offsets_placeholder = tlv.encode(0xDF21, bytes(8), long_form=long_form)
    body_length = len(offsets_placeholder) + sum(len(f) for f in fields)
    outer_header = len(tlv.encode(0xFF20, bytes(body_length), long_form=long_form)) - body_length
    position = outer_header + len(offsets_placeholder)
    offsets = b""
    for item in fields:
        offsets += struct.pack(">H", position)
        position += len(item)
    body = tlv.encode(0xDF21, offsets, long_form=long_form) + b"".join(fields)
    return tlv.encode(0xFF20, body, long_form=long_form)


def my_number_bytes(card: CardFile) -> bytes:
    return b"\xFF\x10\x0C" + card.my_number.encode("ascii") + b"\xFF\xFF"


def _token_info() -> bytes:
    return layout.TOKEN_LABEL.ljust(32, b" ")


class _Ef:
    """One elementary file: binary content, a PIN or check code, or a private key. ``needs``: the
    PIN(s) of which one must be verified first (a name, or a tuple of names)."""

    def __init__(self, *, data: bytes | None = None, pin: str | None = None, key: str | None = None,
                 needs: str | tuple[str, ...] | None = None, code: str | None = None):
        self.data, self.pin, self.key, self.code = data, pin, key, code
        self.needs = (needs,) if isinstance(needs, str) else needs

    def open_to(self, verified: set[str]) -> bool:
        return not self.needs or any(n in verified for n in self.needs)


def _surface_files(card: CardFile) -> dict[int, _Ef]:
    """The card-surface check application (app.card.surface): EF 0002 after 照合番号B or A, the My
    Number (EF 0005) after 照合番号A only. A card file without the data: an empty application."""
    if card.surface is None:
        return {}
    from app.card import surface

    return {
        layout.EF_SURFACE_CHECK_B: _Ef(code="b"),
        layout.EF_SURFACE_CHECK_A: _Ef(code="a"),
        layout.EF_SURFACE_ENTRIES: _Ef(data=card.surface.entries, needs=("code_b", "code_a")),
        layout.EF_SURFACE_MY_NUMBER: _Ef(data=tlv.encode(0xFF40, tlv.encode(0xDF41, surface.text_png(
            card.my_number, width=200))), needs="code_a"),
    }


def _filesystem(card: CardFile) -> dict[str, dict[int, _Ef]]:
    certs = card.certificates
    jpki = {
        layout.EF_AUTH_CERT: _Ef(data=certs["auth"]),
        layout.EF_AUTH_CA_CERT: _Ef(data=certs["auth_ca"]),
        layout.EF_AUTH_PIN: _Ef(pin="auth"),
        layout.EF_AUTH_KEY: _Ef(key="auth", needs="auth"),
        layout.EF_TOKEN_INFO: _Ef(data=_token_info()),
        layout.EF_CERT_PRESENCE: _Ef(data=b"\x8F\x8F\x00" if card.has_signing_certificate else b"\x00\x8F\x00"),
    }
    if card.has_signing_certificate:
        jpki.update({
            layout.EF_SIGN_CERT: _Ef(data=certs["sign"], needs="sign"),
            layout.EF_SIGN_CA_CERT: _Ef(data=certs["sign_ca"]),
            layout.EF_SIGN_PIN: _Ef(pin="sign"),
            layout.EF_SIGN_KEY: _Ef(key="sign", needs="sign"),
        })
    return {
        "jpki": jpki,
        "input_support": {
            layout.EF_INPUT_PIN: _Ef(pin="input"),
            layout.EF_MY_NUMBER: _Ef(data=my_number_bytes(card), needs="input"),
            layout.EF_BASIC_FOUR: _Ef(data=basic_four_bytes(card), needs="input"),
        },
        "surface_check": _surface_files(card),
        "juki": {layout.EF_JUKI_PIN: _Ef(pin="juki")},
    }


def _rsa_pkcs1_sign_raw(card: CardFile, which: str, digest_info: bytes) -> bytes | None:
    """RSA PKCS#1 v1.5 signature of an already-built DigestInfo (what the chip does)."""
    key = card.private_key(which)
    numbers = key.private_numbers()
    n = numbers.public_numbers.n
    k = (n.bit_length() + 7) // 8
    if len(digest_info) > k - 11:
        return None
    block = b"\x00\x01" + b"\xFF" * (k - 3 - len(digest_info)) + b"\x00" + digest_info
    m = int.from_bytes(block, "big")
    # CRT
    s1 = pow(m, numbers.dmp1, numbers.p)
    s2 = pow(m, numbers.dmq1, numbers.q)
    h = (numbers.iqmp * (s1 - s2)) % numbers.p
    return (s2 + h * numbers.q).to_bytes(k, "big")


class TestCardChip:
    """The chip of one test card. Not thread-safe by itself: one carrier (vpcd link) drives it."""

    __test__ = False  # not a pytest test class

    def __init__(self, card: CardFile):
        self.card = card
        self.files = _filesystem(card)
        self.atr = layout.TEST_CARD_ATR
        self.reset()

    def reset(self) -> None:
        """Power cycle: no application selected, no PIN verified."""
        self.application: str | None = None
        self.current_ef: int | None = None
        self.verified: set[str] = set()

    def process(self, raw: bytes) -> bytes:
        if self.card.state == "broken":
            return SW["technical"]
        try:
            command = apdu_codec.parse(raw)
        except apdu_codec.ApduFormatError:
            return SW["wrong_length"]
        if command.cla not in (0x00, 0x80):
            return SW["cla"]
        handler = self._HANDLERS.get(command.ins)
        if handler is None:
            return SW["ins"]
        try:
            return handler(self, command)
        except CardFileError:
            log.exception("test card could not persist its state")
            return SW["technical"]
        except Exception:  # the chip answers 6F00 and lives on; it never dies silently
            log.exception("test card failed on INS %02X", command.ins)
            return SW["technical"]

    # -- SELECT ---------------------------------------------------------------------------------
    def _select(self, c: apdu_codec.Command) -> bytes:
        if c.p1 == 0x04:
            for name, aid in layout.APPLICATIONS.items():
                if c.data == aid:
                    self.application, self.current_ef = name, None
                    self.verified.clear()          # re-selecting clears verified PINs
                    return SW_OK
            return SW["not_found"]
        if c.p1 == 0x02:
            if len(c.data) != 2:
                return SW["wrong_length"]
            if self.application is None:
                return SW["not_found"]
            fid = int.from_bytes(c.data, "big")
            if fid not in self.files[self.application]:
                return SW["not_found"]
            self.current_ef = fid
            return SW_OK
        return SW["wrong_p1p2"]

    def _ef(self) -> _Ef | None:
        if self.application is None or self.current_ef is None:
            return None
        return self.files[self.application].get(self.current_ef)

    # -- READ BINARY ----------------------------------------------------------------------------
    def _read_binary(self, c: apdu_codec.Command) -> bytes:
        if c.p1 & 0x80:
            return SW["wrong_p1p2"]                  # short EF ids are not supported
        ef = self._ef()
        if ef is None:
            return SW["no_current_ef"]
        if ef.data is None:
            return SW["no_current_ef"] if ef.pin else SW["security"]
        if not ef.open_to(self.verified):
            return SW["security"]
        offset = (c.p1 << 8) | c.p2
        if offset >= len(ef.data):
            return SW["offset"]
        le = c.le if c.le is not None else 256
        return ef.data[offset:offset + le] + SW_OK

    # -- VERIFY ---------------------------------------------------------------------------------
    def _verify(self, c: apdu_codec.Command) -> bytes:
        if (c.p1, c.p2) != (0x00, 0x80):
            return SW["wrong_p1p2"]
        ef = self._ef()
        if ef is None or (ef.pin is None and ef.code is None):
            return SW["no_current_ef"]
        if ef.code is not None:
            name = f"code_{ef.code}"
            record = self.card.surface.codes.get(ef.code) if self.card.surface else None
            check = self.card.check_surface_code
        else:
            name, record, check = ef.pin, self.card.pins.get(ef.pin), self.card.check_pin
        if record is None:                             # no PIN set (face-authentication card)
            return SW["no_reference"]
        key = ef.code if ef.code is not None else ef.pin
        if not c.data:                                # tries left, without using one
            left = record.tries_left
            return bytes([0x63, 0xC0 | min(left, 15)]) if left else SW["blocked"]
        try:
            candidate = c.data.decode("ascii")
        except UnicodeDecodeError:
            candidate = "\x00"                       # never matches, still counts as a miss
        result = check(key, candidate)
        if result is PinCheck.OK:
            self.verified.add(name)
            return SW_OK
        if result is PinCheck.WRONG:
            self.verified.discard(name)
            return bytes([0x63, 0xC0 | min(record.tries_left, 15)])
        return SW["blocked"]

    # -- CHANGE REFERENCE DATA ------------------------------------------------------------------
    def _change_reference_data(self, c: apdu_codec.Command) -> bytes:
        if (c.p1, c.p2) != (0x01, 0x80):
            return SW["wrong_p1p2"]
        ef = self._ef()
        if ef is None or ef.pin is None:
            return SW["no_current_ef"]
        if ef.pin not in self.verified:
            return SW["security"]
        try:
            self.card.change_pin(ef.pin, c.data.decode("ascii"))
        except (UnicodeDecodeError, CardFileError):
            return SW["wrong_data"]
        return SW_OK

    # -- COMPUTE DIGITAL SIGNATURE --------------------------------------------------------------
    def _sign(self, c: apdu_codec.Command) -> bytes:
        if c.cla != 0x80 or (c.p1, c.p2) != (0x00, 0x80):
            return SW["wrong_p1p2"] if c.cla == 0x80 else SW["cla"]
        ef = self._ef()
        if ef is None or ef.key is None:
            return SW["no_current_ef"]
        if not ef.open_to(self.verified):
            return SW["security"]
        if not c.data:
            return SW["wrong_length"]
        signature = _rsa_pkcs1_sign_raw(self.card, ef.key, c.data)
        if signature is None:
            return SW["wrong_length"]
        return signature + SW_OK

    _HANDLERS: dict[int, Callable[["TestCardChip", apdu_codec.Command], bytes]] = {
        0xA4: _select,
        0xB0: _read_binary,
        0x20: _verify,
        0x24: _change_reference_data,
        0x2A: _sign,
    }


# ---------------------------------------------------------------------------------------------
# Carrying the chip to vpcd

VPCD_POWER_OFF, VPCD_POWER_ON, VPCD_RESET, VPCD_GET_ATR = 0, 1, 2, 4


def _recv_exact(sock: socket.socket, count: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < count:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        part = sock.recv(count - len(chunks))
        if not part:
            return None
        chunks += part
    return bytes(chunks)


class VpcdCardEmulator:
    """One test card in one vpcd reader slot. ``start()`` inserts it, ``stop()`` removes it.

    The card file is loaded at start; the chip writes its PIN counters back to it.
    """

    def __init__(self, card_file: str | os.PathLike[str], *, port: int = 35963,
                 host: str = "127.0.0.1", control_path: str | os.PathLike[str] | None = None):
        self.card_file = Path(card_file)
        self.host, self.port = host, port
        self.chip = TestCardChip(load_card_file(self.card_file))
        self.control_path = Path(control_path) if control_path else None
        self._lock = threading.RLock()           # chip access: APDUs and control requests
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._control: ControlServer | None = None
        self.connected = threading.Event()
        self.apdu_count = 0
        self._pull_at: int | None = None          # test control: drop the link at this APDU
        self._pulled = threading.Event()
        #: test-only: ``f(apdu_number, command, response) -> response`` to feed the reader
        #: malformed answers through the real stack (fuzzing); None in normal use. An empty
        #: answer pulls the card like :meth:`pull_at_apdu` (put it back with ``reinsert``)
        self.response_filter: Callable[[int, bytes, bytes], bytes] | None = None

    # -- life cycle -----------------------------------------------------------------------------
    def start(self, *, wait: float | None = 5.0) -> "VpcdCardEmulator":
        if self.control_path is not None:
            self._control = ControlServer(self.control_path, self)
            self._control.start()
        self._thread = threading.Thread(target=self._run, name=f"test-card:{self.port}", daemon=True)
        self._thread.start()
        if wait and not self.connected.wait(wait):
            log.warning("test card on port %d is not connected to vpcd yet", self.port)
        return self

    def stop(self) -> None:
        """Remove the card: close the link and stop reconnecting."""
        self._stop.set()
        self._close_link()
        if self._thread is not None:
            self._thread.join(timeout=5)
        control, self._control = self._control, None
        if control is not None:
            control.stop()

    def run_forever(self) -> None:
        """Foreground mode for the command line; returns when stopped."""
        self.start(wait=None)
        try:
            while not self._stop.wait(0.5):
                pass
        finally:
            self.stop()

    def _close_link(self) -> None:
        sock, self._sock = self._sock, None
        self.connected.clear()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    # -- the link -------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            if self._pulled.is_set():
                if self._stop.wait(0.05):
                    break
                continue
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
            except OSError:
                if self._stop.wait(0.05):           # vpcd not listening (pcscd down): retry
                    break
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            self.connected.set()
            try:
                self._serve(sock)
            except OSError:
                pass
            finally:
                if self._sock is sock:
                    self._close_link()
            if not self._stop.is_set() and not self._pulled.is_set():
                self._stop.wait(0.05)

    def _serve(self, sock: socket.socket) -> None:
        while not self._stop.is_set():
            header = _recv_exact(sock, 2)
            if header is None:
                return
            (length,) = struct.unpack(">H", header)
            payload = _recv_exact(sock, length) if length else b""
            if payload is None:
                return
            if len(payload) == 1:
                self._control_byte(sock, payload[0])
                continue
            with self._lock:
                self.apdu_count += 1
                if self._pull_at is not None and self.apdu_count >= self._pull_at:
                    self._pull_at = None
                    self._pulled.set()
                    return                              # card pulled mid-command: no answer
                if self.chip.card.state == "mute":
                    continue                            # the ATR came, an answer never will
                response = self.chip.process(payload)
                if self.response_filter is not None:
                    response = self.response_filter(self.apdu_count, payload, response)
            if not response:
                # a card cannot answer with nothing: it was pulled mid-command (it stays out until
                # reinsert(), so the test can wait for pcscd to see it go and come back)
                self._pulled.set()
                return
            sock.sendall(struct.pack(">H", len(response)) + response)

    def _control_byte(self, sock: socket.socket, code: int) -> None:
        if code in (VPCD_POWER_OFF, VPCD_POWER_ON, VPCD_RESET):
            with self._lock:
                self.chip.reset()
        elif code == VPCD_GET_ATR:
            atr = self.chip.atr
            sock.sendall(struct.pack(">H", len(atr)) + atr)

    # -- test-only controls (never APDUs) -------------------------------------------------------
    def pull_at_apdu(self, n: int) -> None:
        """Pull the card when the n-th APDU from now arrives (it gets no answer)."""
        with self._lock:
            self._pull_at = self.apdu_count + n

    def reinsert(self, wait: float = 5.0) -> None:
        """Connect the card again after :meth:`pull_at_apdu` pulled it, and wait for the link.
        pcscd must have seen the removal first (it polls vpcd every 400 ms), or it never notices
        the card was away: :meth:`app.card.stack.PcscStack.reinsert` waits for that reader event."""
        self._pulled.clear()
        self.connected.wait(wait)

    @property
    def pulled(self) -> bool:
        return self._pulled.is_set()

    def admin_reset_pin(self, secret: str, new_pin: str) -> None:
        """What the card-administration terminal does (test card only): new PIN, full counter."""
        with self._lock:
            self.chip.card.admin_reset_pin(secret, new_pin)

    def admin_renew_certificates(self, new_pins: dict[str, str]) -> dict[str, str]:
        """What the card-administration terminal does at a certificate renewal (test card only):
        new key pairs and certificates from the test CA, the holder's new PINs; the chip answers
        with the new files from the next APDU on. Refused while the card is off the reader."""
        return self._rebuilt_after(lambda card: card.admin_renew_certificates(new_pins), "renewing")

    def admin_switch_to_face_auth(self) -> None:
        """The switch back to a face-authentication card (test card only): PINs and the signing
        certificate removed; the chip answers so from the next APDU on. Refused off the reader."""
        self._rebuilt_after(lambda card: card.admin_switch_to_face_auth(), "switching")

    def _rebuilt_after(self, change, doing: str):
        """Run an administration ``change`` on the card file while the card is on the reader, then
        serve the chip's new files (nothing verified any more); returns what ``change`` returns."""
        with self._lock:
            if self.pulled or not self.connected.is_set():
                raise CardFileError(f"the card is not on the reader: put it back before {doing}")
            result = change(self.chip.card)
            self.chip.files = _filesystem(self.chip.card)
            self.chip.verified.clear()
            return result

    def status(self) -> dict:
        with self._lock:
            card = self.chip.card
            return {
                "card_file": str(self.card_file), "serial": card.serial, "state": card.state,
                "connected": self.connected.is_set(), "apdus": self.apdu_count,
                "tries_left": {s: card.tries_left(s) for s in layout.PIN_LOCATIONS},
            }


# ---------------------------------------------------------------------------------------------
# Test-only control channel: a Unix socket with one JSON request and one JSON answer per line

class ControlServer:
    """Serves ``status``, ``reset_pin`` (secret, new_pin), ``renew_certificates`` (new_pins: the
    holder's PIN per renewed certificate), ``switch_to_face_auth`` and ``pull_at_apdu`` (n) for
    one card.

    Test and training only. The new PIN in a ``reset_pin`` request is handed to the chip and
    never logged; answers never contain it.
    """

    def __init__(self, path: Path, emulator: VpcdCardEmulator):
        self.path = path
        self.emulator = emulator
        self._server: socketserver.ThreadingUnixStreamServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        emulator = self.emulator
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.path.parent.mkdir(parents=True, exist_ok=True)

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                for line in self.rfile:
                    try:
                        answer = _control_request(emulator, json.loads(line))
                    except (ValueError, KeyError, TypeError, CardFileError) as exc:
                        answer = {"ok": False, "error": str(exc)}
                    self.wfile.write(json.dumps(answer, ensure_ascii=False).encode("utf-8") + b"\n")

        self._server = socketserver.ThreadingUnixStreamServer(str(self.path), Handler)
        self._server.daemon_threads = True
        os.chmod(self.path, 0o600)
        self._thread = threading.Thread(target=self._server.serve_forever, name="test-card-control",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def _control_request(emulator: VpcdCardEmulator, request: dict) -> dict:
    op = request["op"]
    if op == "status":
        return {"ok": True, **emulator.status()}
    if op == "reset_pin":
        emulator.admin_reset_pin(str(request["secret"]), str(request["new_pin"]))
        return {"ok": True}
    if op == "renew_certificates":
        pins = request["new_pins"]
        if not isinstance(pins, dict):
            raise TypeError("new_pins must map certificates to the holder's new PINs")
        return {"ok": True, "valid_until": emulator.admin_renew_certificates(
            {str(k): str(v) for k, v in pins.items()})}
    if op == "switch_to_face_auth":
        emulator.admin_switch_to_face_auth()
        return {"ok": True}
    if op == "pull_at_apdu":
        emulator.pull_at_apdu(int(request["n"]))
        return {"ok": True}
    if op == "reinsert":
        emulator.reinsert()
        return {"ok": True}
    raise ValueError(f"unknown control operation {op!r}")


def control_call(path: str | os.PathLike[str], request: dict, timeout: float = 5.0) -> dict:
    """Send one request to a test card's control socket and return its answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(json.dumps(request).encode("utf-8") + b"\n")
        buffer = b""
        deadline = time.monotonic() + timeout
        while not buffer.endswith(b"\n") and time.monotonic() < deadline:
            part = sock.recv(65536)
            if not part:
                break
            buffer += part
    if not buffer:
        raise ConnectionError(f"no answer from the test card control socket {path}")
    return json.loads(buffer)
