"""Command APDUs (ISO 7816-4): building them for the reader and parsing them for the test card.

Short and extended forms, cases 1 to 4. Pure functions, no I/O. A VERIFY APDU carries a PIN:
nothing here keeps, logs or formats the data field.
"""

from __future__ import annotations

from collections import namedtuple


class ApduFormatError(ValueError):
    """A command APDU whose length fields do not match its size (the card answers 67 00)."""


class Command(namedtuple("Command", "cla ins p1 p2 data le", defaults=(b"", None))):
    """A command APDU: ``cla``, ``ins``, ``p1``, ``p2`` (int), ``data`` (bytes) and ``le`` (int;
    None: no Le; 256 / 65536 when Le is 00 / 0000). The card layer's records are named tuples,
    not dataclasses, for the start-up of the card diagnostics (``app/card/__init__.py``)."""

    __slots__ = ()

    def __repr__(self) -> str:  # never show the data field: it may be a PIN
        return (f"Command(cla={self.cla:02X}, ins={self.ins:02X}, p1={self.p1:02X}, p2={self.p2:02X}, "
                f"lc={len(self.data)}, le={self.le})")


def build(cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None) -> list[int]:
    """Encode a command APDU (extended form only when a length needs it); returns a list of ints
    as pyscard wants."""
    extended = len(data) > 255 or (le is not None and le > 256)
    out = [cla, ins, p1, p2]
    if data:
        out += [0x00, len(data) >> 8, len(data) & 0xFF] if extended else [len(data)]
        out += list(data)
    if le is not None:
        if extended:
            value = 0 if le == 65536 else le
            out += ([] if data else [0x00]) + [value >> 8, value & 0xFF]
        else:
            out.append(0 if le == 256 else le)
    return out


def parse(apdu: bytes) -> Command:
    """Decode a command APDU; raises :class:`ApduFormatError` if its lengths are inconsistent."""
    if len(apdu) < 4:
        raise ApduFormatError("APDU shorter than its header")
    cla, ins, p1, p2 = apdu[:4]
    body = apdu[4:]
    if not body:                                          # case 1
        return Command(cla, ins, p1, p2)
    if len(body) == 1:                                    # case 2 short
        return Command(cla, ins, p1, p2, le=body[0] or 256)
    if body[0] == 0 and len(body) >= 3:                   # extended
        if len(body) == 3:                                # case 2 extended
            le = (body[1] << 8) | body[2]
            return Command(cla, ins, p1, p2, le=le or 65536)
        lc = (body[1] << 8) | body[2]
        rest = body[3:]
        if lc == 0:
            raise ApduFormatError("extended Lc of 0")
        if len(rest) == lc:                               # case 3 extended
            return Command(cla, ins, p1, p2, bytes(rest))
        if len(rest) == lc + 2:                           # case 4 extended
            le = (rest[-2] << 8) | rest[-1]
            return Command(cla, ins, p1, p2, bytes(rest[:lc]), le or 65536)
        raise ApduFormatError("extended Lc does not match the data")
    lc = body[0]
    rest = body[1:]
    if lc and len(rest) == lc:                            # case 3 short
        return Command(cla, ins, p1, p2, bytes(rest))
    if lc and len(rest) == lc + 1:                        # case 4 short
        return Command(cla, ins, p1, p2, bytes(rest[:lc]), rest[-1] or 256)
    raise ApduFormatError("Lc does not match the data")
