"""The My Number card's layout: application IDs, elementary files, PIN files (CARD.md).

One table shared by the test card (which answers to it) and the reader (which asks by it), so the
two can never disagree. Data only: no I/O, no PC/SC.

The resident-registry application's PIN file is not given by any public source we build on; the
test card and this reader use EF ``001C`` there. A real card reader that finds no such EF reports
the juki PIN's tries as unknown instead of guessing.
"""

from __future__ import annotations

from collections import namedtuple

# Applications, selected by AID (``00 A4 04 0C 0A <AID>``): never trust the ATR.
AID_JPKI = bytes.fromhex("D392F000260100000001")        # 公的個人認証AP
AID_INPUT_SUPPORT = bytes.fromhex("D3921000310001010408")  # 券面事項入力補助AP
AID_SURFACE_CHECK = bytes.fromhex("D3921000310001010402")  # 券面事項確認AP
AID_JUKI = bytes.fromhex("D3921000310001010401")           # 住基AP

APPLICATIONS: dict[str, bytes] = {
    "jpki": AID_JPKI,
    "input_support": AID_INPUT_SUPPORT,
    "surface_check": AID_SURFACE_CHECK,
    "juki": AID_JUKI,
}

#: The ATR the test card presents (OpenSC's JPKI match); the reader does not rely on it.
TEST_CARD_ATR = bytes.fromhex("3BE000FF8131FE4514")

# JPKI application files
EF_AUTH_CERT = 0x000A
EF_AUTH_CA_CERT = 0x000B
EF_SIGN_CERT = 0x0001
EF_SIGN_CA_CERT = 0x0002
EF_AUTH_PIN = 0x0018
EF_SIGN_PIN = 0x001B
EF_AUTH_KEY = 0x0017
EF_SIGN_KEY = 0x001A
EF_TOKEN_INFO = 0x0006
EF_CERT_PRESENCE = 0x0008
# card-info input-support application files
EF_INPUT_PIN = 0x0011
EF_MY_NUMBER = 0x0001
EF_BASIC_FOUR = 0x0002
# resident-registry application (see module docstring)
EF_JUKI_PIN = 0x001C
# card-surface check application (券面事項確認AP): see app/card/surface.py for the sources
EF_SURFACE_ENTRIES = 0x0002     # 券面事項: birth date, sex, name/address images, face, signature
EF_SURFACE_MY_NUMBER = 0x0005   # the My Number as printed (image); after 照合番号A only
EF_SURFACE_CHECK_B = 0x0012     # 照合番号B: birth YYMMDD + expiry year YYYY + security code (14 digits)
EF_SURFACE_CHECK_A = 0x0013     # 照合番号A: the My Number (12 digits)
#: tries of the check codes on the TEST card; a real card's count is read from it (63 Cx), never assumed
SURFACE_CHECK_TRIES = 10

TOKEN_LABEL = b"JPKIAPICCTOKEN2"


class PinLocation(namedtuple("PinLocation", "secret application ef max_tries")):
    """Where a secret lives on the card (``application`` name, PIN file ``ef``) and how many tries
    it has when full (``max_tries``)."""

    __slots__ = ()


#: The four secrets (``app.rules.codes.Secret`` values), in the order a clerk reads them out.
PIN_LOCATIONS: dict[str, PinLocation] = {
    "sign": PinLocation("sign", "jpki", EF_SIGN_PIN, 5),
    "auth": PinLocation("auth", "jpki", EF_AUTH_PIN, 3),
    "juki": PinLocation("juki", "juki", EF_JUKI_PIN, 3),
    "input": PinLocation("input", "input_support", EF_INPUT_PIN, 3),
}

#: Which key EF is unlocked by which secret.
KEY_SECRETS: dict[int, str] = {EF_AUTH_KEY: "auth", EF_SIGN_KEY: "sign"}
