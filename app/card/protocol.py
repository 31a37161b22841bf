"""The My Number card protocol (CARD.md): identify by AID, tries left without using a try, VERIFY,
the four basic items and the My Number, certificates, signing with the authentication key.

:class:`MyNumberCard` speaks through any :class:`~app.card.transport.CardLink` (in the app: the
reader service's PC/SC link). Every answer is checked: status words become typed errors
(:mod:`app.card.errors`), malformed data becomes :class:`~app.card.errors.MalformedResponse` —
never an IndexError or a crash. PINs are passed straight into the VERIFY APDU and never kept,
logged or put in an error message. No Qt, no threads of its own.
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

from app.card import apdu, errors, layout, tlv
from app.card.transport import CardLink
from app.ids import InvalidMyNumber, mask_my_number, validate_my_number

if TYPE_CHECKING:
    import datetime as dt

    from cryptography import x509

    from app.card import surface

# cryptography (x509, RSA), hashlib, datetime and the card-file module are imported where a
# certificate is parsed, a message hashed, a date read or a PIN checked, not here; the records are
# named tuples and plain classes, not dataclasses: `madoguchi card readers` needs none of that and
# starts faster without it (benchmarks/startup.py; app/card/__init__.py).

SW_OK = 0x9000
MAX_EF_SIZE = 16384      # no EF of the card is bigger; a header claiming more is malformed
CHUNK = 256

#: DigestInfo prefixes (RFC 8017 §9.2 note 1) by hash name
DIGEST_INFO_PREFIX = {
    "sha1": bytes.fromhex("3021300906052b0e03021a05000414"),
    "sha256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "sha384": bytes.fromhex("3041300d060960864801650304020205000430"),
    "sha512": bytes.fromhex("3051300d060960864801650304020305000440"),
}

_SEX = {"1": "male", "2": "female", "9": "not_applicable"}


class BasicFourItems(namedtuple("BasicFourItems", "name family_name given_name address birth_date sex")):
    """基本4情報 as the chip holds them (card surface form), all str: ``name`` (family and given
    name with an ideographic space), ``family_name``, ``given_name``, ``address``, ``birth_date``
    (ISO YYYY-MM-DD) and ``sex`` ("1" male, "2" female, "9" not applicable)."""

    __slots__ = ()

    @property
    def sex_label(self) -> str:
        return _SEX[self.sex]


class CertificateSummary(namedtuple("CertificateSummary", "which serial subject issuer not_before not_after der")):
    """One certificate of the card: ``which`` (``auth``, ``sign``, ``auth_ca``, ``sign_ca``),
    ``serial`` (hex of the DER INTEGER), ``subject`` and ``issuer`` (RFC 4514), ``not_before`` and
    ``not_after`` (ISO 8601 UTC) and the ``der`` bytes."""

    __slots__ = ()

    def __repr__(self) -> str:       # the DER is long and says nothing more here
        return (f"CertificateSummary(which={self.which!r}, serial={self.serial!r}, subject={self.subject!r}, "
                f"issuer={self.issuer!r}, not_before={self.not_before!r}, not_after={self.not_after!r})")

    def valid_on(self, moment: dt.datetime | None = None) -> bool:
        import datetime as dt        # here, not at the top: start-up of `card readers`

        moment = moment or dt.datetime.now(dt.timezone.utc)
        return dt.datetime.fromisoformat(self.not_before) <= moment <= dt.datetime.fromisoformat(self.not_after)

    def certificate(self) -> x509.Certificate:
        from cryptography import x509

        return x509.load_der_x509_certificate(self.der)

    def to_json(self) -> dict:
        data = self._asdict()
        data.pop("der")
        data["valid_now"] = self.valid_on()
        return data


class CardReadout:
    """What a full read gives (the diagnostics command and the counter screen). Filled in as
    the read goes on: ``items``, ``my_number`` and ``items_error`` after the PIN."""

    __slots__ = ("tries_left", "max_tries", "has_signing_certificate", "auth_certificate", "items", "my_number",
                 "items_error", "missing_applications", "pins_not_set")

    def __init__(self, tries_left: dict[str, int | None], max_tries: dict[str, int], has_signing_certificate: bool,
                 auth_certificate: CertificateSummary | None = None, items: BasicFourItems | None = None,
                 my_number: str | None = None, items_error: errors.CardError | None = None,
                 missing_applications: list[str] | None = None, pins_not_set: list[str] | None = None):
        self.tries_left = tries_left
        self.max_tries = max_tries
        self.has_signing_certificate = has_signing_certificate
        self.auth_certificate = auth_certificate
        self.items = items
        self.my_number = my_number
        self.items_error = items_error
        #: applications of a My Number card this card lacks (e.g. ``["juki"]``); their PINs: None
        self.missing_applications = [] if missing_applications is None else missing_applications
        #: secrets whose PIN file answers "no PIN set" (``6A 88``)
        self.pins_not_set = [] if pins_not_set is None else pins_not_set

    def __repr__(self) -> str:       # never the My Number
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__ if name != "my_number")
        return f"CardReadout({shown})"

    @property
    def face_auth(self) -> bool:
        """A face-authentication card (顔認証マイナンバーカード, since 2023-12-15): no PIN set and no
        signing certificate; the user-authentication certificate is there, used without a PIN."""
        return bool(self.pins_not_set) and not self.has_signing_certificate \
            and all(self.tries_left.get(s) is None for s in self.tries_left)

    def to_json(self, *, show_number: bool = False) -> dict:
        return {
            "missing_applications": self.missing_applications,
            "tries_left": self.tries_left,
            "max_tries": self.max_tries,
            "blocked": [s for s, left in self.tries_left.items() if left == 0],
            "has_signing_certificate": self.has_signing_certificate,
            "pins_not_set": self.pins_not_set,
            "face_auth": self.face_auth,
            "items": self.items._asdict() if self.items else None,
            "my_number": (self.my_number if show_number else mask_my_number(self.my_number)) if self.my_number else None,
            "certificates": {"auth": self.auth_certificate.to_json()} if self.auth_certificate else {},
            "items_error": self.items_error.to_json() if self.items_error else None,
        }


class CertificatesReadout(namedtuple("CertificatesReadout", "auth has_signing_certificate sign", defaults=(None,))):
    """The JPKI certificates of a card, as a certificate renewal reads them before and after:
    the user-authentication certificate ``auth`` (free to read), ``has_signing_certificate``, and
    the signing certificate ``sign`` when the card has one and the holder typed its password
    (``sign_read``); :class:`CertificateSummary` each."""

    __slots__ = ()

    @property
    def sign_read(self) -> bool:
        return self.sign is not None


def serial_hex(serial: int) -> str:
    """A certificate serial as its DER INTEGER bytes in hex: every byte, leading zeros kept
    (``0x086CEBF0`` → ``086CEBF0``, not ``86CEBF0``), so it matches what other tools print."""
    return serial.to_bytes(serial.bit_length() // 8 + 1, "big", signed=True).hex().upper()


def parse_certificate(which: str, der: bytes) -> CertificateSummary:
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(der)
        return CertificateSummary(
            which=which,
            serial=serial_hex(cert.serial_number),
            subject=cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            not_before=cert.not_valid_before_utc.isoformat(),
            not_after=cert.not_valid_after_utc.isoformat(),
            der=der,
        )
    except (ValueError, TypeError) as exc:
        raise errors.MalformedResponse(detail=f"certificate {which}: {exc}") from None


def parse_basic_four(data: bytes) -> BasicFourItems:
    """EF 0002 of the input-support application: FF 20 { DF21 offsets, DF22 name, DF23 address,
    DF24 birth date, DF25 sex }. Trailing filler after the outer TLV is tolerated."""
    try:
        outer = tlv.parse_one(data)
        if outer.tag != 0xFF20:
            raise tlv.TlvError(f"outer tag {outer.tag:X}, expected FF20")
        rest = data[outer.total_length:]
        if rest.strip(b"\xff\x00"):
            raise tlv.TlvError("data after the basic four items")
        inner = tlv.children(outer)
        missing = [f"{t:X}" for t in (0xDF22, 0xDF23, 0xDF24, 0xDF25) if t not in inner]
        if missing:
            raise tlv.TlvError(f"missing {', '.join(missing)}")
        if 0xDF21 in inner and len(inner[0xDF21].value) != 8:
            raise tlv.TlvError("offsets field DF21 is not 8 bytes")
        name = inner[0xDF22].value.decode("utf-8")
        address = inner[0xDF23].value.decode("utf-8")
        birth = inner[0xDF24].value.decode("ascii")
        sex = inner[0xDF25].value.decode("ascii")
    except (tlv.TlvError, UnicodeDecodeError) as exc:
        raise errors.MalformedResponse(detail=f"basic four items: {exc}") from None
    if len(birth) != 8 or not birth.isdigit():
        raise errors.MalformedResponse(detail="birth date is not YYYYMMDD")
    import datetime as dt            # here, not at the top: start-up of `card readers`

    try:
        birth_iso = dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:])).isoformat()
    except ValueError:
        raise errors.MalformedResponse(detail="birth date is not a date") from None
    if sex not in _SEX:
        raise errors.MalformedResponse(detail="sex is not 1, 2 or 9")
    if not name or not address:
        raise errors.MalformedResponse(detail="empty name or address")
    family, _sep, given = name.partition("\u3000")
    return BasicFourItems(name=name, family_name=family, given_name=given, address=address,
                          birth_date=birth_iso, sex=sex)


def parse_my_number(data: bytes) -> str:
    """EF 0001: ``FF 10 0C`` + 12 ASCII digits (+ ``FF FF`` filler); check digit checked."""
    try:
        item = tlv.parse_one(data)
        if item.tag != 0xFF10 or len(item.value) != 12:
            raise tlv.TlvError("not FF10 with 12 bytes")
        digits = item.value.decode("ascii")
    except (tlv.TlvError, UnicodeDecodeError) as exc:
        raise errors.MalformedResponse(detail=f"My Number file: {exc}") from None
    if not digits.isdigit():
        raise errors.MalformedResponse(detail="My Number is not 12 digits")
    try:
        return validate_my_number(digits)
    except InvalidMyNumber:
        raise errors.InvalidCardData(detail="My Number check digit") from None


def check_pin_format(secret: str, pin: object) -> None:
    """Raise :class:`~app.card.errors.PinFormatError` when ``pin`` cannot be a PIN of ``secret``
    (wrong length, not digits, empty): it is refused before it could reach the card."""
    from app.card.cardfile import PIN_RULES

    rule = PIN_RULES[secret]
    if not isinstance(pin, str) or not rule["pattern"].match(pin):
        raise errors.PinFormatError(secret, rule["ja"], rule["en"])


class MyNumberCard:
    """One session with a card through a link. Methods select what they need themselves, so each
    is correct on its own; verified state is lost whenever an application is re-selected."""

    def __init__(self, link: CardLink):
        self.link = link
        self._selected: str | None = None

    # -- plumbing ------------------------------------------------------------------------------
    def _send(self, cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None,
              *, context: str = "") -> tuple[bytes, int]:
        """Send one APDU; follows ``61 xx`` (GET RESPONSE) and ``6C xx`` (resend with Le = xx)."""
        response, sw = self.link.transmit(apdu.build(cla, ins, p1, p2, data, le))
        if sw >> 8 == 0x6C:
            response, sw = self.link.transmit(apdu.build(cla, ins, p1, p2, data, (sw & 0xFF) or 256))
        collected = response
        guard = 0
        while sw >> 8 == 0x61:
            guard += 1
            if guard > 64:
                raise errors.MalformedResponse(detail="endless GET RESPONSE chain")
            response, sw = self.link.transmit(apdu.build(0x00, 0xC0, 0x00, 0x00, le=(sw & 0xFF) or 256))
            collected += response
        return collected, sw

    def _expect_ok(self, sw: int, *, secret: str | None = None, context: str) -> None:
        if sw != SW_OK:
            raise errors.error_for_status(sw, secret=secret, context=context)

    def select_application(self, name: str, *, again: bool = False) -> None:
        """SELECT by AID; skipped when ``name`` is already selected in this session unless
        ``again`` (re-selecting clears the application's verified PINs)."""
        if self._selected == name and not again:
            return
        data, sw = self._send(0x00, 0xA4, 0x04, 0x0C, layout.APPLICATIONS[name])
        if sw == 0x6A82:
            self._selected = None
            raise errors.ApplicationNotFound(name, detail=f"SELECT {name}: SW 6A82")
        self._expect_ok(sw, context=f"select {name}")
        self._selected = name

    def select_ef(self, fid: int) -> None:
        _data, sw = self._send(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big"))
        self._expect_ok(sw, context=f"select EF {fid:04X}")

    def read_binary(self, offset: int, length: int) -> bytes:
        if not 0 <= offset <= 0x7FFF:
            raise errors.MalformedResponse(detail=f"offset {offset} beyond what READ BINARY addresses")
        data, sw = self._send(0x00, 0xB0, offset >> 8, offset & 0xFF, le=length, context="read")
        self._expect_ok(sw, context=f"read at {offset}")
        if len(data) > length:
            raise errors.MalformedResponse(detail=f"asked {length} bytes, got {len(data)}")
        return data

    def read_tlv_file(self, fid: int, *, header_bytes: int = 8, max_size: int = MAX_EF_SIZE) -> bytes:
        """Read an EF holding one BER-TLV (certificate, basic four items): header first, then
        the rest in chunks of at most 256 bytes."""
        self.select_ef(fid)
        head = self.read_binary(0, header_bytes)
        try:
            _tag, length, header_length = tlv.read_header(head)
        except tlv.TlvError as exc:
            raise errors.MalformedResponse(detail=f"EF {fid:04X} header: {exc}") from None
        total = header_length + length
        if total > max_size:
            raise errors.MalformedResponse(detail=f"EF {fid:04X} claims {total} bytes")
        data = bytearray(head[:total])
        while len(data) < total:
            chunk = self.read_binary(len(data), min(CHUNK, total - len(data)))
            if not chunk:
                raise errors.MalformedResponse(detail=f"EF {fid:04X} ended after {len(data)} of {total} bytes")
            data += chunk
        return bytes(data[:total])

    # -- identification ------------------------------------------------------------------------
    def identify(self) -> str:
        """``'my_number_card'`` if the JPKI and input-support applications answer; else UnknownCard."""
        self.select_application("jpki", again=True)
        self.select_application("input_support", again=True)
        return "my_number_card"

    def missing_applications(self) -> list[str]:
        """The applications of a My Number card that this card does not answer to (SELECT gives
        ``6A 82``), in :data:`layout.APPLICATIONS` order — e.g. ``["juki"]``."""
        missing = []
        for name in layout.APPLICATIONS:
            try:
                self.select_application(name, again=True)
            except errors.ApplicationNotFound:
                missing.append(name)
        return missing

    def is_face_auth(self) -> bool:
        """A face-authentication card: no PIN set (``6A 88``) and no signing certificate."""
        tries, not_set = self.pin_states()
        return bool(not_set) and all(v is None for v in tries.values()) and not self.has_signing_certificate()

    def has_signing_certificate(self) -> bool:
        self.select_application("jpki")
        self.select_ef(layout.EF_CERT_PRESENCE)
        flags = self.read_binary(0, 3)
        return bool(flags) and flags[0] == 0x8F

    # -- PINs ----------------------------------------------------------------------------------
    def _select_pin(self, secret: str) -> layout.PinLocation:
        where = layout.PIN_LOCATIONS[secret]
        self.select_application(where.application)
        self.select_ef(where.ef)
        return where

    def tries_left(self, secret: str) -> int | None:
        """Tries left, read from the card without using one; None if the card has no such PIN."""
        where = layout.PIN_LOCATIONS[secret]
        try:
            self._select_pin(secret)
        except (errors.CardFileNotFound, errors.ApplicationNotFound):
            return None
        _data, sw = self._send(0x00, 0x20, 0x00, 0x80, context=f"tries left {secret}")
        if sw & 0xFFF0 == 0x63C0:
            return sw & 0x0F
        if sw == 0x6984:
            return 0
        if sw == SW_OK:                  # already verified in this selection: counter is full
            return where.max_tries
        raise errors.error_for_status(sw, context=f"tries left {secret}")

    def all_tries_left(self) -> dict[str, int | None]:
        return self.pin_states()[0]

    def pin_states(self) -> tuple[dict[str, int | None], list[str]]:
        """(tries left by secret, the secrets whose PIN is not set). A PIN not set (``6A 88``,
        a face-authentication card) has None tries, like a PIN the card does not have."""
        tries: dict[str, int | None] = {}
        not_set: list[str] = []
        for secret in layout.PIN_LOCATIONS:
            try:
                tries[secret] = self.tries_left(secret)
            except errors.PinNotSet:
                tries[secret] = None
                not_set.append(secret)
        return tries, not_set

    def verify(self, secret: str, pin: str) -> None:
        """VERIFY; raises WrongPin (with tries left) or PinBlocked. Leaves the PIN's application
        selected and verified."""
        check_pin_format(secret, pin)
        self._select_pin(secret)
        _data, sw = self._send(0x00, 0x20, 0x00, 0x80, pin.encode("ascii"), context=f"verify {secret}")
        self._expect_ok(sw, secret=secret, context=f"verify {secret}")

    def change_pin(self, secret: str, old_pin: str, new_pin: str) -> None:
        self.verify(secret, old_pin)
        _data, sw = self._send(0x00, 0x24, 0x01, 0x80, new_pin.encode("ascii"), context=f"change {secret}")
        if sw == 0x6A80:
            raise errors.CardError("新しい暗証番号の形式が正しくありません。", "The new PIN has the wrong format.",
                                   detail="SW 6A80")
        self._expect_ok(sw, secret=secret, context=f"change {secret}")

    # -- the input-support application -----------------------------------------------------------
    def read_items_and_number(self, pin: str) -> tuple[BasicFourItems, str]:
        """Verify the input-support PIN, then read the four items and the My Number."""
        self.verify("input", pin)
        items = parse_basic_four(self.read_tlv_file(layout.EF_BASIC_FOUR))
        self.select_ef(layout.EF_MY_NUMBER)
        number = parse_my_number(self.read_binary(0, 17))
        return items, number

    # -- JPKI ----------------------------------------------------------------------------------
    def read_certificate(self, which: str = "auth") -> CertificateSummary:
        """``auth``, ``auth_ca`` or ``sign_ca`` (free); ``sign`` needs the signing password first."""
        fid = {"auth": layout.EF_AUTH_CERT, "auth_ca": layout.EF_AUTH_CA_CERT,
               "sign": layout.EF_SIGN_CERT, "sign_ca": layout.EF_SIGN_CA_CERT}[which]
        if which != "sign" or self._selected != "jpki":
            self.select_application("jpki")
        return parse_certificate(which, self.read_tlv_file(fid, header_bytes=4))

    def read_certificates(self, sign_pin: str | None = None) -> CertificatesReadout:
        """The user-authentication certificate and, with the holder's signing password, the
        signing certificate (EF 0001 is read only after VERIFY). A wrong password raises
        WrongPin / PinBlocked as VERIFY does; the password is never kept."""
        if sign_pin is not None:
            check_pin_format("sign", sign_pin)
        self.identify()
        auth = self.read_certificate("auth")
        has_sign = self.has_signing_certificate()
        sign = None
        if has_sign and sign_pin is not None:
            self.verify("sign", sign_pin)
            sign = self.read_certificate("sign")
        return CertificatesReadout(auth=auth, has_signing_certificate=has_sign, sign=sign)

    def sign_with_auth_key(self, pin: str, message: bytes, *, hash_name: str = "sha256") -> bytes:
        """Sign ``message`` with the user-authentication key: VERIFY, SELECT EF 0017, then
        ``80 2A 00 80 Lc DigestInfo 00`` → RSA PKCS#1 v1.5 signature."""
        import hashlib

        digest_info = DIGEST_INFO_PREFIX[hash_name] + hashlib.new(hash_name, message).digest()
        self.verify("auth", pin)
        self.select_ef(layout.EF_AUTH_KEY)
        signature, sw = self._send(0x80, 0x2A, 0x00, 0x80, digest_info, 256, context="sign")
        self._expect_ok(sw, secret="auth", context="sign")
        if len(signature) != 256:
            raise errors.MalformedResponse(detail=f"signature of {len(signature)} bytes")
        return signature

    # -- everything a counter read needs ---------------------------------------------------------
    def full_read(self, input_pin: str | None) -> CardReadout:
        """Tries left (read before any VERIFY), the auth certificate, and with a PIN the four
        items and My Number. A wrong/blocked PIN is reported in ``items_error``, not raised. A PIN
        of the wrong form raises :class:`~app.card.errors.PinFormatError` before any APDU is sent.
        The tries shown are only ever what the card answered."""
        if input_pin is not None:
            check_pin_format("input", input_pin)
        missing = self.missing_applications()
        for required in ("jpki", "input_support"):      # what identify() asks of a My Number card
            if required in missing:
                raise errors.ApplicationNotFound(required, detail=f"SELECT {required}: SW 6A82")
        tries, not_set = self.pin_states()
        readout = CardReadout(
            tries_left=tries,
            max_tries={s: loc.max_tries for s, loc in layout.PIN_LOCATIONS.items()},
            has_signing_certificate=tries.get("sign") is not None,
            auth_certificate=self.read_certificate("auth"),
            missing_applications=missing,
            pins_not_set=not_set,
        )
        if input_pin is not None:
            try:
                readout.items, readout.my_number = self.read_items_and_number(input_pin)
            except errors.WrongPin as exc:       # 63 Cx: the card said how many are left
                readout.items_error = exc
                readout.tries_left["input"] = exc.tries_left
            except errors.PinBlocked as exc:     # 69 84: the card said it is blocked
                readout.items_error = exc
                readout.tries_left["input"] = 0
            except errors.PinNotSet as exc:      # 6A 88: a face-authentication card
                readout.items_error = exc
        return readout

    # -- the card-surface check application (券面事項確認AP, app.card.surface) -------------------
    def surface_tries_left(self) -> int | None:
        """Tries left of 照合番号B, read without using one; None: the card has no such application."""
        try:
            self.select_application("surface_check", again=True)
            self.select_ef(layout.EF_SURFACE_CHECK_B)
        except (errors.ApplicationNotFound, errors.CardFileNotFound):
            return None
        _data, sw = self._send(0x00, 0x20, 0x00, 0x80, context="tries left surface_b")
        if sw & 0xFFF0 == 0x63C0:
            return sw & 0x0F
        if sw == 0x6984:
            return 0
        raise errors.error_for_status(sw, context="tries left surface_b")

    def read_surface(self, check_code: str, ca_certificate_der: bytes | None) -> "surface.SurfaceReadout":
        """The chip check: VERIFY 照合番号B (a wrong one uses a try: :class:`errors.WrongPin`
        with the tries the card reports), read the card-surface items, turn the face photo into
        PNG and verify the signature with ``ca_certificate_der`` (the CA the terminal trusts; None:
        not verifiable). The check code goes into the VERIFY APDU only; a code of the wrong form is
        refused before anything is sent."""
        from app.card import surface

        if not surface.check_code_format_ok(check_code):
            raise surface.CheckCodeFormatError()
        self.select_application("surface_check", again=True)
        try:
            self.select_ef(layout.EF_SURFACE_CHECK_B)
        except errors.CardFileNotFound:
            raise errors.ApplicationNotFound("surface_check", detail="no EF 0012") from None
        _data, sw = self._send(0x00, 0x20, 0x00, 0x80, check_code.encode("ascii"), context="verify surface_b")
        self._expect_ok(sw, secret="surface_b", context="verify surface_b")
        entries = surface.parse_entries(self.read_tlv_file(layout.EF_SURFACE_ENTRIES,
                                                           max_size=surface.MAX_ENTRIES_SIZE))
        return surface.SurfaceReadout(
            entries=entries, face_png=surface.image_as_png(entries.face_image),
            name_png=surface.image_as_png(entries.name_image),
            address_png=surface.image_as_png(entries.address_image),
            signature_valid=surface.verify_signature(entries, ca_certificate_der),
            trust_anchor="test_ca" if ca_certificate_der else "none",
        )


def verify_auth_signature(certificate: CertificateSummary | x509.Certificate, signature: bytes, message: bytes,
                          *, hash_name: str = "sha256") -> bool:
    """Check a signature made by :meth:`MyNumberCard.sign_with_auth_key` against the certificate."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    hash_classes = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
    cert = certificate.certificate() if isinstance(certificate, CertificateSummary) else certificate
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(signature, message, padding.PKCS1v15(), hash_classes[hash_name]())
    except Exception:  # cryptography raises InvalidSignature; any failure means "not valid"
        return False
    return True
