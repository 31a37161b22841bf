"""The card-surface check application (券面事項確認AP): its data, its signature, the check code.

Used by the reader (:meth:`app.card.protocol.MyNumberCard.read_surface`) and by the test card
(``cardfile`` makes the data, ``emulator`` serves it), so both follow one layout. No PC/SC, no Qt.

Public layout we build on (no official specification is public; these readers work with real cards):

- AID ``D3 92 10 00 31 00 01 01 04 02``; EF ``0012`` 照合番号B (14 digits: birth date YYMMDD +
  card expiry year YYYY + the 4-digit security code printed on the card), EF ``0013`` 照合番号A (the
  12-digit My Number), EF ``0002`` 券面事項, EF ``0005`` the My Number —
  AokiApp/jsapdu ``packages/mynacard/src/constants.ts`` (``KENKAKU_AP_EF``: ``PIN_B: 0x12``
  "照合番号B (券面事項14桁, YYMMDD + 有効期限年 + セキュリティコード)", ``PIN_A: 0x13``).
- EF ``0002``: private-class tags DF21 offsets, DF22 birth date, DF23 sex, DF24 public key,
  DF25 name (PNG image), DF26 address (PNG image), DF27 face photo (JPEG 2000), DF28 signature,
  DF29 expiry, DF2A security code (PNG image) — AokiApp/jsapdu ``packages/mynacard/src/schema.ts``
  (``schemaKenkakuEntries``) and jpki/myna ``src/visual.rs`` (the photo is the 7th item, JPEG 2000).
- SELECT / VERIFY / READ BINARY as for the other applications (CARD.md); jpki/myna
  ``libmyna/card_info_ap.go`` (``VerifyPinB`` selects EF ``00 12`` and VERIFYs).

On the real card the name and the address are **images**, not text: the clerk compares them with
the record and the printed face by eye; birth date and sex are text and are compared by the program.

What no public source gives, and what the test card therefore defines (the production boundary):
the exact bytes the J-LIS signature covers, and the J-LIS certificate that verifies it. The test
card signs SHA-256 over every TLV of EF 0002 but DF21 and DF28, in file order, with RSA PKCS#1 v1.5 by
the test card's CA; :func:`verify_signature` checks that against a CA certificate *the terminal
holds* (never one read from the card: a forger would bring their own). Against a real card the
J-LIS key and the signed range must be configured from J-LIS's own (non-public) documentation or
its 券面事項表示ソフトウェア; until then a real card's chip check says "signature not verifiable".
The retry count of 照合番号B is not public either: the reader always reads it from the card
(``63 Cx``); the test card gives :data:`app.card.layout.SURFACE_CHECK_TRIES`.

Qt cannot decode JPEG 2000 (no image plugin for it in PySide6): the face photo is converted to PNG
here with Pillow (which reportlab already brings), and the window shows the PNG.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
from dataclasses import dataclass, field

from app.card import errors, tlv

TAG_OUTER = 0xFF20
TAG_OFFSETS, TAG_BIRTH, TAG_SEX, TAG_PUBLIC_KEY = 0xDF21, 0xDF22, 0xDF23, 0xDF24
TAG_NAME_IMAGE, TAG_ADDRESS_IMAGE, TAG_FACE, TAG_SIGNATURE = 0xDF25, 0xDF26, 0xDF27, 0xDF28
TAG_EXPIRY, TAG_SECURITY_CODE_IMAGE = 0xDF29, 0xDF2A
#: the items after the offsets, in file order
ITEM_TAGS = (TAG_BIRTH, TAG_SEX, TAG_PUBLIC_KEY, TAG_NAME_IMAGE, TAG_ADDRESS_IMAGE, TAG_FACE,
             TAG_SIGNATURE, TAG_EXPIRY, TAG_SECURITY_CODE_IMAGE)
REQUIRED_TAGS = (TAG_BIRTH, TAG_SEX, TAG_NAME_IMAGE, TAG_ADDRESS_IMAGE, TAG_FACE, TAG_SIGNATURE, TAG_EXPIRY)
MAX_ENTRIES_SIZE = 32768
_JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

CHECK_CODE_RULE_JA = "照合番号B（生年月日6桁＋有効期限の西暦年4桁＋セキュリティコード4桁の14桁）"
CHECK_CODE_RULE_EN = "check code B (birth date YYMMDD + expiry year YYYY + 4-digit security code: 14 digits)"


class CheckCodeFormatError(errors.CardError):
    """The check code typed does not have the form of 照合番号B: refused before it reaches the card
    (no try used). The message never contains what was typed."""

    def __init__(self, ja: str = "", en: str = ""):
        super().__init__(ja or f"{CHECK_CODE_RULE_JA}の形式ではありません。カードの券面を見て入力し直してください。",
                         en or f"Not a valid {CHECK_CODE_RULE_EN}. Type it again from the card.",
                         detail="check code format")


def check_code_b(birth_date: str, expiry: str, security_code: str) -> str:
    """照合番号B from what the clerk reads on the card: the birth date (ISO ``YYYY-MM-DD`` or
    ``YYYYMMDD``), the card's expiry (ISO date or year) and the printed 4-digit security code.
    Raises :class:`CheckCodeFormatError` (never echoing the code)."""
    birth = (birth_date or "").replace("-", "")
    year = (expiry or "").replace("-", "")[:4]
    code = (security_code or "").strip()
    if not re.fullmatch(r"\d{8}", birth) or not re.fullmatch(r"\d{4}", year):
        raise CheckCodeFormatError("生年月日又は有効期限の年が正しくありません。",
                                   "The birth date or the expiry year is not valid.")
    if not re.fullmatch(r"\d{4}", code):
        raise CheckCodeFormatError("セキュリティコードは券面に印字された数字4桁です。",
                                   "The security code is the 4 digits printed on the card.")
    return birth[2:] + year + code


def check_code_format_ok(code: object) -> bool:
    return isinstance(code, str) and re.fullmatch(r"\d{14}", code) is not None


# ---------------------------------------------------------------------------------------------
# EF 0002: encoding (test card) and parsing (reader)

def sign_entries(items: dict[int, bytes], key) -> bytes:
    """EF 0002 of a test card: the items (without DF28) signed by ``key`` (RSA, PKCS#1 v1.5,
    SHA-256) over :func:`signed_bytes`. The test CA's key for a genuine test card; any other key
    makes a chip whose signature fails (the forged demo card)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    unsigned = {tag: value for tag, value in items.items() if tag != TAG_SIGNATURE}
    signature = key.sign(signed_bytes(encode_entries(unsigned)), padding.PKCS1v15(), hashes.SHA256())
    return encode_entries({**unsigned, TAG_SIGNATURE: signature})


def encode_entries(items: dict[int, bytes]) -> bytes:
    """EF 0002 from the items by tag (DF22…DF2A; DF28 included): FF20 { DF21 offsets, items }.
    The offsets are 2-byte big-endian positions of each item from the start of the file."""
    encoded = [tlv.encode(tag, items[tag]) for tag in ITEM_TAGS if tag in items]
    offsets_len = len(tlv.encode(TAG_OFFSETS, bytes(2 * len(encoded))))
    body_len = offsets_len + sum(len(e) for e in encoded)
    header = len(tlv.encode(TAG_OUTER, bytes(body_len))) - body_len
    position, offsets = header + offsets_len, b""
    for item in encoded:
        offsets += struct.pack(">H", position)
        position += len(item)
    return tlv.encode(TAG_OUTER, tlv.encode(TAG_OFFSETS, offsets) + b"".join(encoded))


def signed_bytes(data: bytes) -> bytes:
    """The bytes the test card's signature covers: every TLV inside the outer one, in file order,
    except the offsets (DF21, which move when the signature is added) and the signature (DF28)."""
    outer = tlv.parse_one(data)
    return b"".join(outer.value[c.offset:c.offset + c.total_length]
                    for c in tlv.parse_all(outer.value) if c.tag not in (TAG_OFFSETS, TAG_SIGNATURE))


@dataclass(frozen=True)
class SurfaceEntries:
    """券面事項 as the chip holds them (EF 0002 of the card-surface check application)."""

    birth_date: str            # ISO YYYY-MM-DD
    sex: str                   # "1" male, "2" female, "9" not applicable
    expiry: str                # ISO YYYY-MM-DD (the card's expiry as printed)
    name_image: bytes = field(repr=False)
    address_image: bytes = field(repr=False)
    face_image: bytes = field(repr=False)      # as stored (JPEG 2000 on a real card)
    signature: bytes = field(repr=False)
    signed: bytes = field(repr=False)          # what the signature covers (test-card layout)
    security_code_image: bytes = field(default=b"", repr=False)


def _iso(text: str, what: str) -> str:
    if not re.fullmatch(r"\d{8}", text):
        raise errors.MalformedResponse(detail=f"card-surface {what} is not YYYYMMDD")
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    except ValueError:
        raise errors.MalformedResponse(detail=f"card-surface {what} is not a date") from None


def parse_entries(data: bytes) -> SurfaceEntries:
    """EF 0002 → :class:`SurfaceEntries`; any malformation is :class:`MalformedResponse`."""
    try:
        outer = tlv.parse_one(data)
        if not outer.constructed:
            raise tlv.TlvError(f"outer tag {outer.tag:X} is not constructed")
        if data[outer.total_length:].strip(b"\xff\x00"):
            raise tlv.TlvError("data after the card-surface items")
        inner = tlv.children(outer)
        missing = [f"{t:X}" for t in REQUIRED_TAGS if t not in inner]
        if missing:
            raise tlv.TlvError(f"missing {', '.join(missing)}")
        birth = inner[TAG_BIRTH].value.decode("ascii")
        sex = inner[TAG_SEX].value.decode("ascii")
        expiry = inner[TAG_EXPIRY].value.decode("ascii")
        signed = signed_bytes(data)
    except (tlv.TlvError, UnicodeDecodeError) as exc:
        raise errors.MalformedResponse(detail=f"card-surface items: {exc}") from None
    if sex not in ("1", "2", "9"):
        raise errors.MalformedResponse(detail="card-surface sex is not 1, 2 or 9")
    return SurfaceEntries(
        birth_date=_iso(birth, "birth date"), sex=sex, expiry=_iso(expiry, "expiry"),
        name_image=inner[TAG_NAME_IMAGE].value, address_image=inner[TAG_ADDRESS_IMAGE].value,
        face_image=inner[TAG_FACE].value, signature=inner[TAG_SIGNATURE].value, signed=signed,
        security_code_image=inner[TAG_SECURITY_CODE_IMAGE].value if TAG_SECURITY_CODE_IMAGE in inner else b"",
    )


def verify_signature(entries: SurfaceEntries, ca_certificate_der: bytes | None) -> bool:
    """True when the signature over the card-surface data verifies with the CA the terminal trusts.
    No CA (a real card, production boundary) or any failure: False."""
    if not ca_certificate_der:
        return False
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        key = x509.load_der_x509_certificate(ca_certificate_der).public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            return False
        key.verify(entries.signature, entries.signed, padding.PKCS1v15(), hashes.SHA256())
    except Exception:  # InvalidSignature, a malformed certificate: not valid either way
        return False
    return True


def image_as_png(data: bytes) -> bytes:
    """A chip image (JPEG 2000 or PNG) as PNG bytes Qt can show; MalformedResponse if undecodable."""
    if data.startswith(_PNG_SIGNATURE):
        return data
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            out = io.BytesIO()
            image.convert("RGB").save(out, format="PNG", compress_level=1)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise errors.MalformedResponse(detail=f"chip image: {exc}") from None
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# The reader's result

@dataclass
class SurfaceReadout:
    """What the chip check read: the entries, the face as PNG, the verdict of the signature, and
    the tries of 照合番号B read from the card. Holds no check code."""

    entries: SurfaceEntries
    face_png: bytes = field(repr=False)
    name_png: bytes = field(repr=False)
    address_png: bytes = field(repr=False)
    signature_valid: bool
    trust_anchor: str           # "test_ca" (training) or "none" (no J-LIS key configured)
    my_number: str | None = field(default=None, repr=False)

    def summary(self) -> dict:
        """What a case records (no images, no My Number, no check code)."""
        return {"birth_date": self.entries.birth_date, "sex": self.entries.sex,
                "expiry": self.entries.expiry, "signature_valid": self.signature_valid,
                "trust_anchor": self.trust_anchor}


# ---------------------------------------------------------------------------------------------
# Images for the test card (Pillow; not used by the reader)

def _font(size: int):
    from PIL import ImageFont

    from app.paths import resource

    return ImageFont.truetype(str(resource("fonts", "ipaexg.ttf")), size)


def text_png(text: str, *, width: int = 360, size: int = 20) -> bytes:
    """A line of text as a small 1-bit PNG (the chip's name/address images)."""
    from PIL import Image, ImageDraw

    font = _font(size)
    lines, line = [], ""
    for ch in text:                      # wrap by width
        if font.getlength(line + ch) > width - 8:
            lines.append(line)
            line = ""
        line += ch
    lines.append(line)
    image = Image.new("1", (width, (size + 6) * len(lines) + 6), 1)
    draw = ImageDraw.Draw(image)
    for i, part in enumerate(lines):
        draw.text((4, 4 + i * (size + 6)), part, font=font, fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def face_jp2(seed: str) -> bytes:
    """A drawn test face (never a photo of anyone) as JPEG 2000, 120×150, varied by ``seed``."""
    import hashlib

    from PIL import Image, ImageDraw

    h = hashlib.sha256(seed.encode("utf-8")).digest()
    image = Image.new("RGB", (120, 150), (200 + h[0] % 40, 215 + h[1] % 30, 235))
    draw = ImageDraw.Draw(image)
    skin = (230 - h[2] % 50, 190 - h[3] % 50, 160 - h[4] % 50)
    hair = (h[5] % 90, h[6] % 70, h[7] % 60)
    draw.ellipse((25, 30, 95, 120), fill=skin)
    draw.pieslice((22, 20, 98, 90), 180, 360, fill=hair)
    for x in (45, 75):
        draw.ellipse((x - 5, 65, x + 5, 73), fill=(40, 40, 40))
    draw.arc((45, 85, 75, 105), 20, 160, fill=(150, 60, 60), width=2)
    draw.rectangle((30, 125, 90, 150), fill=(60 + h[8] % 100, 60, 110))
    out = io.BytesIO()
    image.save(out, format="JPEG2000", quality_mode="rates", quality_layers=[40], irreversible=True)
    return out.getvalue()
