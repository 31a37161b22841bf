"""The test card's card file: the chip memory of one test My Number card, and the test CA.

A card file is what the test card (``app.card.emulator``) presents through vpcd: the four basic
items (基本4情報), the My Number, the RSA-2048 keys and certificates of the JPKI application, the
four secrets with their retry counters, and the card state. Like a chip, it keeps its PIN
counters across sessions: every change is written back atomically (temp file + ``os.replace``).

The PINs live only here — the card file is the chip's own memory. They are kept as salted PBKDF2
hashes, so a card file copied around does not show them in clear; nothing in this module logs,
prints or returns a PIN. Training PINs of the demo cards are the documented constants
:data:`TRAINING_PINS` (they are public by design: training cards are not real cards).

Certificates are issued by a *test* CA made with ``cryptography`` (RSA-2048). It is cached in a
folder (``ca_dir``) so many card files share one CA. The CA says plainly in its name that it is a
test CA and not J-LIS. This module must not touch PC/SC, sockets or Qt.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Iterator

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.card.layout import PIN_LOCATIONS, SURFACE_CHECK_TRIES
from app.errors import MadoguchiError
from app.ids import validate_my_number

FORMAT = "madoguchi-test-card"
FORMAT_VERSION = 1

#: The four secrets of the card (``app.rules.codes.Secret`` values) and their rules (CARD.md).
#: ``max_tries``: misses before the PIN is blocked. ``pattern``: what a valid PIN looks like.
PIN_RULES: dict[str, dict[str, Any]] = {
    "sign": {"max_tries": PIN_LOCATIONS["sign"].max_tries, "pattern": re.compile(r"^(?=.*[A-Z])(?=.*[0-9])[A-Z0-9]{6,16}$"),
             "ja": "署名用電子証明書の暗証番号（英大文字と数字を含む6〜16桁）",
             "en": "signing password (6–16 upper-case letters and digits, at least one of each)"},
    "auth": {"max_tries": PIN_LOCATIONS["auth"].max_tries, "pattern": re.compile(r"^[0-9]{4}$"),
             "ja": "利用者証明用電子証明書の暗証番号（数字4桁）",
             "en": "user-authentication PIN (4 digits)"},
    "juki": {"max_tries": PIN_LOCATIONS["juki"].max_tries, "pattern": re.compile(r"^[0-9]{4}$"),
             "ja": "住民基本台帳用の暗証番号（数字4桁）",
             "en": "resident-registry PIN (4 digits)"},
    "input": {"max_tries": PIN_LOCATIONS["input"].max_tries, "pattern": re.compile(r"^[0-9]{4}$"),
              "ja": "券面事項入力補助用の暗証番号（数字4桁）",
              "en": "card-info input-support PIN (4 digits)"},
}
SECRETS = tuple(PIN_RULES)
#: the PINs set when a face-authentication card becomes a PIN card (it has no signing certificate)
FACE_AUTH_SETTABLE = ("auth", "juki", "input")

#: PINs of every demo/training card (研修用). Public on purpose: training cards are not real
#: cards, and the trainee must be able to type them. Real PINs never appear anywhere in the app.
TRAINING_PINS: dict[str, str] = {"auth": "1234", "juki": "1234", "input": "1234", "sign": "ABC123"}

#: Card states a card file can hold. ``active``/``suspended``/``revoked`` mirror the store's
#: ``cards.status`` (suspension and revocation are J-LIS records: the chip still answers, the
#: app must look them up). ``broken``: the chip is dead — the test card answers nothing useful.
#: ``mute``: the chip gives its ATR but never answers a command (a damaged contact or antenna).
CARD_STATES = ("active", "suspended", "revoked", "broken", "mute")

#: The hash only keeps the PIN out of sight in the file: no iteration count protects a 4-digit
#: PIN against brute force, and the chip's check must stay fast (a full read verifies once).
#: Files made with an older count keep it (stored per record).
_PBKDF2_ITERATIONS = 1_000
_OLD_DEFAULT_ITERATIONS = 5_000
_CA_KEY_NAME = "test-jpki-ca.key.pem"
_CA_CERT_NAME = "test-jpki-ca.cert.pem"
_CA_COMMON_NAME = "Madoguchi TEST JPKI CA (test only, not J-LIS)"
_FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


class CardFileError(MadoguchiError, ValueError):
    """A card file that cannot be made or read; the message never contains a PIN."""

    code = "card.file"


class PinCheck(Enum):
    """Outcome of presenting a PIN to the chip."""

    OK = "ok"
    WRONG = "wrong"        # a try was used; see tries_left
    BLOCKED = "blocked"    # no tries left: nothing was compared
    NO_SUCH_PIN = "none"   # the card has no such secret (e.g. no signing certificate)


# ---------------------------------------------------------------------------------------------
# PIN records: salted hash + counter; the clear PIN is never kept.

def _pin_hash(pin: str, salt: bytes, iterations: int = _PBKDF2_ITERATIONS) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", pin.encode("ascii"), salt, iterations)


def validate_pin(secret: str, pin: str) -> None:
    """Raise :class:`CardFileError` when ``pin`` does not fit the rules of ``secret``."""
    rule = PIN_RULES.get(secret)
    if rule is None:
        raise CardFileError(f"unknown secret {secret!r}; expected one of {', '.join(SECRETS)}")
    if not isinstance(pin, str) or not rule["pattern"].match(pin):
        raise CardFileError(f"{rule['ja']}の形式ではありません / not a valid {rule['en']}")


@dataclass
class PinRecord:
    salt: bytes
    digest: bytes
    tries_left: int
    max_tries: int
    iterations: int = _PBKDF2_ITERATIONS

    @classmethod
    def new(cls, secret: str, pin: str) -> "PinRecord":
        validate_pin(secret, pin)
        salt = secrets.token_bytes(16)
        max_tries = PIN_RULES[secret]["max_tries"]
        return cls(salt, _pin_hash(pin, salt), max_tries, max_tries)

    @classmethod
    def for_code(cls, code: str, max_tries: int) -> "PinRecord":
        """A check code of the card-surface check application (digits; its own try count)."""
        salt = secrets.token_bytes(16)
        return cls(salt, _pin_hash(code, salt), max_tries, max_tries)

    def matches(self, candidate: str) -> bool:
        return hmac.compare_digest(_pin_hash(candidate, self.salt, self.iterations), self.digest)

    def to_json(self) -> dict[str, Any]:
        return {"salt": self.salt.hex(), "pbkdf2_sha256": self.digest.hex(), "iterations": self.iterations,
                "tries_left": self.tries_left, "max_tries": self.max_tries}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "PinRecord":
        return cls(bytes.fromhex(data["salt"]), bytes.fromhex(data["pbkdf2_sha256"]),
                   int(data["tries_left"]), int(data["max_tries"]),
                   int(data.get("iterations", _OLD_DEFAULT_ITERATIONS)))


# ---------------------------------------------------------------------------------------------
# The card file

@dataclass
class Holder:
    """The four basic items as printed on the card surface (券面)."""

    family_name: str
    given_name: str
    address: str
    birth_date: str   # ISO YYYY-MM-DD
    sex: int          # 1 male, 2 female, 9 not applicable

    @property
    def name(self) -> str:
        """Family and given name separated by an ideographic space (U+3000), as on the chip."""
        return f"{self.family_name}\u3000{self.given_name}"


@dataclass
class SurfaceData:
    """What the test card's card-surface check application holds (see :mod:`app.card.surface`)."""

    entries: bytes                   # EF 0002 (TLV), signed at issuance
    security_code: str               # printed on the card face
    codes: dict[str, PinRecord]      # 'b' 照合番号B, 'a' 照合番号A
    forged: bool = False             # made by a "forger": the signature is not the CA's

    def to_json(self) -> dict[str, Any]:
        return {"entries": base64.b64encode(self.entries).decode("ascii"), "security_code": self.security_code,
                "codes": {k: r.to_json() for k, r in self.codes.items()}, "forged": self.forged}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SurfaceData":
        return cls(base64.b64decode(data["entries"]), str(data["security_code"]),
                   {k: PinRecord.from_json(r) for k, r in data["codes"].items()}, bool(data.get("forged")))


@dataclass
class CardFile:
    """One test card's chip memory. Mutating methods write the file back at once."""

    path: Path
    serial: str
    state: str
    valid_from: str
    valid_until: str
    holder: Holder
    my_number: str
    pins: dict[str, PinRecord]
    keys_pem: dict[str, bytes]          # 'auth', optionally 'sign'
    certificates: dict[str, bytes]      # DER: 'auth', 'auth_ca', optionally 'sign', 'sign_ca'
    long_form_lengths: bool = False     # encode the basic four items with long-form BER lengths
    #: where the test CA that issued the certificates is cached (None: the default folder); the
    #: test card's administration signs renewed certificates with it
    ca_dir: str | None = None
    #: card-surface check application (券面事項確認AP): EF 0002 as issued (signed), the security
    #: code PRINTED on the card face (the clerk reads it there; public like the printed name), and
    #: the two check codes as salted hashes with their counters ('b': 照合番号B, 'a': 照合番号A).
    #: None: a card file made before the application was emulated (the chip answers 6A82).
    surface: "SurfaceData | None" = None
    #: a face-authentication card (顔認証マイナンバーカード): no PIN set, no signing certificate
    face_auth: bool = False
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    # -- facts --------------------------------------------------------------------------------
    @property
    def has_signing_certificate(self) -> bool:
        return "sign" in self.certificates

    def tries_left(self, secret: str) -> int | None:
        record = self.pins.get(secret)
        return None if record is None else record.tries_left

    def max_tries(self, secret: str) -> int | None:
        record = self.pins.get(secret)
        return None if record is None else record.max_tries

    def private_key(self, which: str) -> rsa.RSAPrivateKey:
        # the test card's own key, checked against its certificate at load: no slow RSA self-check
        key = serialization.load_pem_private_key(self.keys_pem[which], password=None,
                                                 unsafe_skip_rsa_key_validation=True)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"the {which} key is not an RSA key")
        return key

    def certificate(self, which: str) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.certificates[which])

    # -- the chip's PIN logic ------------------------------------------------------------------
    def check_pin(self, secret: str, candidate: str) -> PinCheck:
        """Present a PIN: a correct one restores the counter, a wrong one uses a try. Persisted."""
        with self._lock:
            return self._present(self.pins.get(secret), candidate)

    def _present(self, record: PinRecord | None, candidate: str) -> PinCheck:
        if record is None:
            return PinCheck.NO_SUCH_PIN
        if record.tries_left <= 0:
            return PinCheck.BLOCKED
        if record.matches(candidate):
            if record.tries_left != record.max_tries:
                record.tries_left = record.max_tries
                self.save()
            return PinCheck.OK
        record.tries_left -= 1
        self.save()
        return PinCheck.WRONG

    def check_surface_code(self, which: str, candidate: str) -> PinCheck:
        """VERIFY of 照合番号B (``'b'``) or A (``'a'``): same counter logic as a PIN. Persisted."""
        with self._lock:
            return self._present(self.surface.codes.get(which) if self.surface else None, candidate)

    def change_pin(self, secret: str, new_pin: str) -> None:
        """CHANGE REFERENCE DATA after a successful VERIFY (the caller checked that)."""
        with self._lock:
            validate_pin(secret, new_pin)
            old = self.pins[secret]
            fresh = PinRecord.new(secret, new_pin)
            fresh.max_tries = old.max_tries
            fresh.tries_left = old.max_tries
            self.pins[secret] = fresh
            self.save()

    def admin_reset_pin(self, secret: str, new_pin: str) -> None:
        """What the card-administration terminal does at the counter: new PIN, full counter.

        Only the test card's test-only control channel calls this; it is not a card command.
        """
        with self._lock:
            if secret not in self.pins and self.face_auth and secret in FACE_AUTH_SETTABLE:
                # switching a face-authentication card to a PIN card: the PIN is set, not reset;
                # once all three are set it is a PIN card (still without a signing certificate)
                self.pins[secret] = PinRecord.new(secret, new_pin)
                self.face_auth = set(self.pins) != set(FACE_AUTH_SETTABLE)
                self.save()
                return
            if secret not in self.pins:
                raise CardFileError(f"this card has no {PIN_RULES[secret]['en']}")
            self.change_pin(secret, new_pin)

    def admin_switch_to_face_auth(self) -> None:
        """What the card-administration terminal does when the holder switches back to a
        face-authentication card (顔認証マイナンバーカード): every PIN removed, and the signing
        certificate with its key (such a card has none); the user-authentication certificate stays,
        used without a PIN. One save. Test card only: not a card command."""
        with self._lock:
            if self.face_auth:
                raise CardFileError("this card is already a face-authentication card")
            self.certificates = {k: v for k, v in self.certificates.items() if k not in ("sign", "sign_ca")}
            self.keys_pem = {k: v for k, v in self.keys_pem.items() if k != "sign"}
            self.pins = {}
            self.face_auth = True
            self.save()

    def admin_renew_certificates(self, new_pins: dict[str, str], *, today: dt.date | None = None) -> dict[str, str]:
        """What the card-administration terminal does at a certificate renewal (電子証明書の更新):
        for each certificate named in ``new_pins`` ('auth', 'sign'), a new RSA-2048 key pair and a
        certificate signed by the test CA, valid from ``today`` to the earlier of the holder's
        fifth birthday after today (sixth when renewed before the old one expired; J-LIS) and the
        card's own expiry; the holder's new PIN with a full counter. Written back in one atomic
        save: a card pulled or a process killed mid-way keeps either the old set or the new one.
        Returns the new expiry (ISO date) per certificate. Test card only: not a card command."""
        with self._lock:
            day = today or dt.date.today()
            card_end = dt.date.fromisoformat(self.valid_until)
            unknown = set(new_pins) - {"auth", "sign"}
            if unknown or not new_pins:
                raise CardFileError(f"certificates to renew must be auth and/or sign, not {sorted(unknown)}")
            if "sign" in new_pins and not self.has_signing_certificate:
                raise CardFileError("this card carries no signing certificate (holder under 15 or adult ward)")
            if card_end <= day:
                raise CardFileError("the card itself has expired: no certificate can be issued on it")
            if set(new_pins) - set(self.pins):
                raise CardFileError("this card has no PIN for that certificate (a face-authentication card): "
                                    "its renewal is not done by the training card")
            for secret, pin in new_pins.items():
                validate_pin(secret, pin)
            ca = load_or_create_test_ca(Path(self.ca_dir) if self.ca_dir else None)
            if ca.cert_der != self.certificates["auth_ca"]:
                raise CardFileError("the test CA that issued this card is not in its folder; "
                                    "no certificate can be renewed on this machine")
            birth = dt.date.fromisoformat(self.holder.birth_date)
            ends = {}
            for which in new_pins:
                old_end = self.certificate(which).not_valid_after_utc.date()
                ends[which] = min(card_end, nth_birthday_after(birth, day, 6 if old_end >= day else 5))
            keys, certs, pins = dict(self.keys_pem), dict(self.certificates), dict(self.pins)
            for which, pin in new_pins.items():
                key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                subject = self.certificate(which).subject
                certs[which] = _issue_certificate(ca, key, subject, day, ends[which], signing=which == "sign") \
                    .public_bytes(serialization.Encoding.DER)
                keys[which] = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption())
                pins[which] = PinRecord.new(which, pin)
            self.keys_pem, self.certificates, self.pins = keys, certs, pins
            self.save()
            return {which: end.isoformat() for which, end in ends.items()}

    def set_state(self, state: str) -> None:
        if state not in CARD_STATES:
            raise CardFileError(f"unknown card state {state!r}; expected one of {', '.join(CARD_STATES)}")
        with self._lock:
            self.state = state
            self.save()

    # -- persistence ---------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "note": "TEST CARD - not a real My Number card; certificates from a test CA, not J-LIS",
            "serial": self.serial,
            "state": self.state,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "holder": {
                "family_name": self.holder.family_name, "given_name": self.holder.given_name,
                "address": self.holder.address, "birth_date": self.holder.birth_date,
                "sex": self.holder.sex,
            },
            "my_number": self.my_number,
            "pins": {name: record.to_json() for name, record in self.pins.items()},
            "keys": {name: pem.decode("ascii") for name, pem in self.keys_pem.items()},
            "certificates": {name: base64.b64encode(der).decode("ascii")
                             for name, der in self.certificates.items()},
            "encoding": {"long_form_lengths": self.long_form_lengths},
            **({"ca_dir": self.ca_dir} if self.ca_dir else {}),
            **({"surface": self.surface.to_json()} if self.surface else {}),
            **({"face_auth": True} if self.face_auth else {}),
        }

    def save(self) -> None:
        """Write the file atomically (temp file in the same folder, fsync, rename)."""
        with self._lock:
            _atomic_write_json(self.path, self.to_json())


def _atomic_write_json(path: Path, data: dict[str, Any]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def load_card_file(path: str | os.PathLike[str]) -> CardFile:
    """Read a card file; raises :class:`CardFileError` with a readable message if it is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CardFileError(f"カードファイルがありません / no card file at {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CardFileError(f"カードファイルを読めません / cannot read card file {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CardFileError(f"テストカードのファイルではありません / {path} is not a test card file")
    if data.get("version") != FORMAT_VERSION:
        raise CardFileError(f"unsupported card file version {data.get('version')!r} in {path}")
    problem = _shape_problem(data)
    if problem:
        raise CardFileError(f"カードファイルが壊れています / damaged card file {path}: {problem}")
    try:
        h = data["holder"]
        card = CardFile(
            path=path,
            serial=data["serial"],
            state=data["state"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            holder=Holder(h["family_name"], h["given_name"], h["address"], h["birth_date"], int(h["sex"])),
            my_number=data["my_number"],
            pins={name: PinRecord.from_json(rec) for name, rec in data["pins"].items()},
            keys_pem={name: pem.encode("ascii") for name, pem in data["keys"].items()},
            certificates={name: base64.b64decode(der) for name, der in data["certificates"].items()},
            long_form_lengths=bool(data.get("encoding", {}).get("long_form_lengths", False)),
            ca_dir=data["ca_dir"] if isinstance(data.get("ca_dir"), str) else None,
            surface=SurfaceData.from_json(data["surface"]) if data.get("surface") else None,
            face_auth=bool(data.get("face_auth", False)),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CardFileError(f"カードファイルが壊れています / damaged card file {path}: {exc!r}") from None
    problem = _content_problem(card)
    if problem:
        raise CardFileError(f"カードファイルが壊れています / damaged card file {path}: {problem}")
    return card


#: longest name part / address a card file may hold (the chip's EF 0002 has 2-byte offsets; real
#: card surfaces hold far less)
MAX_NAME_CHARS = 100
MAX_ADDRESS_CHARS = 300


def _shape_problem(data: dict[str, Any]) -> str | None:
    """What is wrong with the JSON's structure and types (None: nothing), said per field."""
    expected: dict[str, type] = {"serial": str, "state": str, "valid_from": str, "valid_until": str,
                                 "holder": dict, "my_number": str, "pins": dict, "keys": dict,
                                 "certificates": dict}
    for name, kind in expected.items():
        if not isinstance(data.get(name), kind):
            return f"「{name}」がありません、または型が違います / {name!r} missing or not a {kind.__name__}"
    holder = data["holder"]
    for name in ("family_name", "given_name", "address", "birth_date"):
        if not isinstance(holder.get(name), str) or not holder[name]:
            return f"holder.{name} missing or not text"
    for name in ("family_name", "given_name"):
        if len(holder[name]) > MAX_NAME_CHARS:
            return f"holder.{name} longer than {MAX_NAME_CHARS} characters"
    if len(holder["address"]) > MAX_ADDRESS_CHARS:
        return f"holder.address longer than {MAX_ADDRESS_CHARS} characters"
    if holder.get("sex") not in (1, 2, 9, "1", "2", "9"):
        return "holder.sex must be 1, 2 or 9"
    if data["state"] not in CARD_STATES:
        return f"state must be one of {', '.join(CARD_STATES)}"
    for name, record in data["pins"].items():
        if name not in PIN_RULES or not isinstance(record, dict):
            return f"pins.{name} is not one of {', '.join(SECRETS)} with its record"
        for key in ("salt", "pbkdf2_sha256"):
            if not isinstance(record.get(key), str):
                return f"pins.{name}.{key} missing or not text"
        for key in ("tries_left", "max_tries"):
            if not isinstance(record.get(key), int) or isinstance(record.get(key), bool):
                return f"pins.{name}.{key} missing or not a number"
    for group in ("keys", "certificates"):
        for name, value in data[group].items():
            if not isinstance(value, str):
                return f"{group}.{name} is not text"
    return None


def _content_problem(card: CardFile) -> str | None:
    """What a chip made from this file could not do (None: nothing): missing PINs, keys or
    certificates, keys or certificates that do not parse, a key that is not its certificate's."""
    signing = "sign" in card.certificates
    needed = {"auth", "juki", "input"} | ({"sign"} if signing else set())
    if card.face_auth:
        if not set(card.pins) < set(FACE_AUTH_SETTABLE) or signing:
            return "a face-authentication card has no signing certificate and not all its PINs set"
    elif set(card.pins) != needed:
        return f"pins must be exactly {', '.join(sorted(needed))}"
    for name in ("auth", "auth_ca") + (("sign_ca",) if signing else ()):
        if name not in card.certificates:
            return f"certificates.{name} missing"
    for name in ("auth",) + (("sign",) if signing else ()):
        if name not in card.keys_pem:
            return f"keys.{name} missing"
        try:
            key = card.private_key(name)
            cert = card.certificate(name)
        except (ValueError, TypeError, AssertionError) as exc:
            return f"keys.{name} or certificates.{name} cannot be read: {exc}"
        if key.key_size != 2048 or cert.public_key().public_numbers() != key.public_key().public_numbers():
            return f"keys.{name} is not a 2048-bit RSA key matching certificates.{name}"
    for name in card.certificates:
        try:
            card.certificate(name)
        except ValueError as exc:
            return f"certificates.{name} cannot be read: {exc}"
    try:
        dt.date.fromisoformat(card.holder.birth_date)
        validate_my_number(card.my_number)
    except ValueError as exc:
        return str(exc)
    return None


# ---------------------------------------------------------------------------------------------
# The test CA (shared by many card files)

@dataclass(frozen=True)
class TestCA:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def default_ca_dir() -> Path:
    from app.paths import data_dir

    return data_dir() / "test-card-ca"


def load_or_create_test_ca(ca_dir: Path | None = None) -> TestCA:
    """The test CA in ``ca_dir`` (created once, under a file lock so parallel callers share it)."""
    directory = Path(ca_dir) if ca_dir is not None else default_ca_dir()
    with _locked(directory):
        key_path, cert_path = directory / _CA_KEY_NAME, directory / _CA_CERT_NAME
        if key_path.exists() and cert_path.exists():
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            assert isinstance(key, rsa.RSAPrivateKey)
            return TestCA(key, x509.load_pem_x509_certificate(cert_path.read_bytes()))
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Madoguchi TEST"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "TEST ONLY - not J-LIS"),
            x509.NameAttribute(NameOID.COMMON_NAME, _CA_COMMON_NAME),
        ])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))
            .not_valid_after(dt.datetime(2099, 12, 31, tzinfo=dt.timezone.utc))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                           critical=True)
            .sign(key, hashes.SHA256())
        )
        _write_private(key_path, key.private_bytes(serialization.Encoding.PEM,
                                                   serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
        _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        return TestCA(key, cert)


def training_ca_certificate_der(ca_dir: Path | None = None) -> bytes | None:
    """The test CA's certificate (DER) if that CA exists: the trust anchor of the chip check in
    training. Never created here: a missing CA verifies nothing."""
    path = (Path(ca_dir) if ca_dir is not None else default_ca_dir()) / _CA_CERT_NAME
    try:
        return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(serialization.Encoding.DER)
    except (OSError, ValueError):
        return None


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# Making a card file

def _as_date(value: dt.date | str | None, default: dt.date) -> dt.date:
    if value is None:
        return default
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CardFileError(f"not an ISO date (YYYY-MM-DD): {value!r}") from None


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def nth_birthday_after(birth: dt.date, day: dt.date, n: int) -> dt.date:
    """The holder's n-th birthday after ``day`` (a certificate issued on ``day`` runs to the
    fifth; 29 February counts as 28 February in other years)."""
    first = _add_years(birth, day.year - birth.year)
    if first <= day:
        first = _add_years(birth, day.year - birth.year + 1)
    return _add_years(birth, first.year - birth.year + n - 1)


def card_surface_address(address: str) -> str:
    """Address as the chip holds it: ASCII digits and hyphens folded to full width."""
    return address.translate(_FULL_WIDTH)


def _issue_certificate(ca: TestCA, key: rsa.RSAPrivateKey, subject: x509.Name, start: dt.date,
                       end: dt.date, signing: bool) -> x509.Certificate:
    usage = x509.KeyUsage(digital_signature=True, content_commitment=signing, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False,
                          crl_sign=False, encipher_only=False, decipher_only=False)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(ca.cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime.combine(start, dt.time(0, 0), tzinfo=dt.timezone.utc))
        .not_valid_after(dt.datetime.combine(end, dt.time(14, 59, 59), tzinfo=dt.timezone.utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
    )
    if not signing:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                                        critical=False)
    return builder.sign(ca.key, hashes.SHA256())


def create_card_file(
    path: str | os.PathLike[str],
    *,
    family_name: str,
    given_name: str,
    address: str,
    birth_date: str,
    sex: int,
    my_number: str,
    pins: dict[str, str],
    signing_cert: bool = True,
    ca_dir: Path | None = None,
    valid_from: dt.date | str | None = None,
    valid_until: dt.date | str | None = None,
    state: str = "active",
    long_form_lengths: bool = False,
    face_auth: bool = False,
    forged_surface: bool = False,
    security_code: str | None = None,
) -> Path:
    """Make a new test card file at ``path`` and return the path.

    ``pins`` has the keys ``'auth'``, ``'juki'``, ``'input'`` and, when ``signing_cert`` is true,
    ``'sign'`` (a holder under 15 or an adult ward has no signing certificate and so no signing
    password). ``valid_from`` defaults to today, ``valid_until`` to ten years later for the card;
    the certificates run five years (but never past the card). ``ca_dir`` is where the shared test
    CA is cached (default: the user data folder).

    Every card gets the card-surface check application (券面事項確認AP): drawn face photo (JPEG
    2000), name/address images, signed by the test CA — or, with ``forged_surface``, by a key of
    its own (a forged card: the chip check fails). ``security_code``: the 4 digits printed on the
    card (default: random). ``face_auth``: a face-authentication card (no PIN set, no signing
    certificate; ``pins`` is ignored).
    """
    if state not in CARD_STATES:
        raise CardFileError(f"unknown card state {state!r}; expected one of {', '.join(CARD_STATES)}")
    if sex not in (1, 2, 9):
        raise CardFileError("sex must be 1 (male), 2 (female) or 9 (not applicable)")
    birth = _as_date(birth_date, dt.date.today())
    if not family_name or not given_name or not address:
        raise CardFileError("family name, given name and address are required")
    number = validate_my_number(my_number)
    if face_auth:
        signing_cert, pins = False, {}
    if security_code is not None and not re.fullmatch(r"[0-9]{4}", security_code):
        raise CardFileError("security_code must be 4 digits")
    wanted = set() if face_auth else {"auth", "juki", "input"} | ({"sign"} if signing_cert else set())
    missing = wanted - set(pins)
    if missing:
        raise CardFileError(f"missing PINs for: {', '.join(sorted(missing))}")
    records = {secret: PinRecord.new(secret, pins[secret]) for secret in sorted(wanted)}

    start = _as_date(valid_from, dt.date.today())
    end = _as_date(valid_until, _add_years(start, 10))
    if end <= start:
        raise CardFileError("valid_until must be after valid_from")
    cert_end = min(end, _add_years(start, 5))

    ca = load_or_create_test_ca(ca_dir)
    serial = secrets.token_hex(8).upper()
    auth_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    auth_subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI TEST"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"TEST-{serial}"),
    ])
    keys = {"auth": auth_key}
    certs = {"auth": _issue_certificate(ca, auth_key, auth_subject, start, cert_end, signing=False),
             "auth_ca": ca.cert}
    if signing_cert:
        sign_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        sign_subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI TEST"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{family_name} {given_name}"),
        ])
        keys["sign"] = sign_key
        certs["sign"] = _issue_certificate(ca, sign_key, sign_subject, start, cert_end, signing=True)
        certs["sign_ca"] = ca.cert

    card = CardFile(
        path=Path(path),
        serial=serial,
        state=state,
        valid_from=start.isoformat(),
        valid_until=end.isoformat(),
        holder=Holder(family_name, given_name, card_surface_address(address), birth.isoformat(), sex),
        my_number=number,
        pins=records,
        keys_pem={name: key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()) for name, key in keys.items()},
        certificates={name: cert.public_bytes(serialization.Encoding.DER) for name, cert in certs.items()},
        long_form_lengths=long_form_lengths,
        ca_dir=str(ca_dir) if ca_dir is not None else None,
        face_auth=face_auth,
    )
    card.surface = _make_surface(card, ca, auth_key, forged=forged_surface,
                                 security_code=security_code or f"{secrets.randbelow(10000):04d}")
    card.save()
    return card.path


def _make_surface(card: CardFile, ca: TestCA, card_key: rsa.RSAPrivateKey, *, forged: bool,
                  security_code: str) -> SurfaceData:
    """The card-surface check application's data, signed at issuance (app.card.surface)."""
    from app.card import surface, tlv

    h = card.holder
    numbers = card_key.public_key().public_numbers()
    items = {
        surface.TAG_BIRTH: h.birth_date.replace("-", "").encode("ascii"),
        surface.TAG_SEX: str(h.sex).encode("ascii"),
        surface.TAG_PUBLIC_KEY: tlv.encode(0x02, numbers.e.to_bytes(3, "big"))
        + tlv.encode(0x02, numbers.n.to_bytes(256, "big")),
        surface.TAG_NAME_IMAGE: surface.text_png(h.name),
        surface.TAG_ADDRESS_IMAGE: surface.text_png(h.address),
        surface.TAG_FACE: surface.face_jp2(card.serial + h.name),
        surface.TAG_EXPIRY: card.valid_until.replace("-", "").encode("ascii"),
        surface.TAG_SECURITY_CODE_IMAGE: surface.text_png(security_code, width=80),
    }
    signer = rsa.generate_private_key(public_exponent=65537, key_size=2048) if forged else ca.key
    code_b = surface.check_code_b(h.birth_date, card.valid_until, security_code)
    return SurfaceData(
        entries=surface.sign_entries(items, signer), security_code=security_code,
        codes={"b": PinRecord.for_code(code_b, SURFACE_CHECK_TRIES),
               "a": PinRecord.for_code(card.my_number, SURFACE_CHECK_TRIES)},
        forged=forged)
