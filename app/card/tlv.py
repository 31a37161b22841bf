"""BER-TLV: a small, strict parser and encoder for what the My Number card stores.

Handles multi-byte tags and short- and long-form definite lengths (long form even where the short
form would fit, as real cards do). Never crashes on bad input: every malformation is a
:class:`TlvError` with the offset where it was found. Indefinite lengths do not occur on the card
and are refused. Pure functions, no I/O.
"""

from __future__ import annotations

from collections import namedtuple


class TlvError(ValueError):
    """Malformed BER-TLV (truncated, bad length, trailing garbage where none is allowed)."""


class Tlv(namedtuple("Tlv", "tag value offset header_length")):
    """One data object: ``tag`` (the tag bytes as one big-endian int, e.g. 0xDF22, 0xFF20, 0x30),
    ``value`` (bytes), ``offset`` (where the tag starts in the parsed buffer) and
    ``header_length`` (tag + length bytes)."""

    __slots__ = ()

    @property
    def constructed(self) -> bool:
        first = self.tag.to_bytes(max(1, (self.tag.bit_length() + 7) // 8), "big")[0]
        return bool(first & 0x20)

    @property
    def total_length(self) -> int:
        return self.header_length + len(self.value)


def read_header(data: bytes, offset: int = 0) -> tuple[int, int, int]:
    """Parse the tag and length at ``offset``: returns (tag, value_length, header_length)."""
    start = offset
    if offset >= len(data):
        raise TlvError(f"truncated: no tag at offset {offset}")
    first = data[offset]
    tag = first
    offset += 1
    if first & 0x1F == 0x1F:          # multi-byte tag: continuation bytes have bit 8 set
        while True:
            if offset >= len(data):
                raise TlvError(f"truncated tag at offset {start}")
            byte = data[offset]
            tag = (tag << 8) | byte
            offset += 1
            if not byte & 0x80:
                break
            if offset - start > 4:
                raise TlvError(f"tag longer than 4 bytes at offset {start}")
    if offset >= len(data):
        raise TlvError(f"truncated: no length after tag {tag:X} at offset {start}")
    length_byte = data[offset]
    offset += 1
    if length_byte < 0x80:
        length = length_byte
    elif length_byte == 0x80:
        raise TlvError(f"indefinite length at offset {start} is not allowed")
    else:
        count = length_byte & 0x7F
        if count > 4:
            raise TlvError(f"length field of {count} bytes at offset {start}")
        if offset + count > len(data):
            raise TlvError(f"truncated length at offset {start}")
        length = int.from_bytes(data[offset:offset + count], "big")
        offset += count
    return tag, length, offset - start


def parse_one(data: bytes, offset: int = 0) -> Tlv:
    tag, length, header = read_header(data, offset)
    end = offset + header + length
    if end > len(data):
        raise TlvError(f"value of tag {tag:X} at offset {offset} runs {end - len(data)} bytes past the end")
    return Tlv(tag, bytes(data[offset + header:end]), offset, header)


def parse_all(data: bytes, *, allow_padding: bool = False) -> list[Tlv]:
    """Parse consecutive TLVs filling ``data``. ``allow_padding``: stop at 0x00/0xFF filler."""
    items: list[Tlv] = []
    offset = 0
    while offset < len(data):
        if allow_padding and data[offset] in (0x00, 0xFF) and all(b == data[offset] for b in data[offset:]):
            break
        item = parse_one(data, offset)
        items.append(item)
        offset += item.total_length
    return items


def children(item: Tlv) -> dict[int, Tlv]:
    """The TLVs inside a constructed TLV, by tag; a repeated tag is malformed here."""
    found: dict[int, Tlv] = {}
    for child in parse_all(item.value):
        if child.tag in found:
            raise TlvError(f"tag {child.tag:X} occurs twice inside {item.tag:X}")
        found[child.tag] = child
    return found


def encode_length(length: int, *, long_form: bool = False) -> bytes:
    if length < 0x80 and not long_form:
        return bytes([length])
    body = length.to_bytes(max(1, (length.bit_length() + 7) // 8), "big")
    return bytes([0x80 | len(body)]) + body


def encode(tag: int, value: bytes, *, long_form: bool = False) -> bytes:
    tag_bytes = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    return tag_bytes + encode_length(len(value), long_form=long_form) + value
