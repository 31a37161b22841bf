"""Malformed card answers never crash the reader: always a typed error (property-based).

Two levels: the parsers on arbitrary bytes, and the whole protocol through the real stack with
the test card's answers corrupted on the way (the emulator's test-only response filter)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.card import errors, tlv
from app.card.protocol import parse_basic_four, parse_certificate, parse_my_number
from app.card.service import EventKind

FOUR = bytes.fromhex("ff204ddf2108000e00200041004cdf220fe7aa93e58fa3e38080e88ab1e5ad90df231ee69db1e4baace983bde58d83e4bba3e794b0e58cbaefbc91efbc8defbc92df24083139383030313032df250132")


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_tlv_parser_raises_only_tlv_errors(data):
    try:
        items = tlv.parse_all(data)
    except tlv.TlvError:
        return
    assert sum(item.total_length for item in items) == len(data)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0x01, max_value=0xDFFF).filter(lambda t: t & 0x1F != 0x1F if t < 0x100 else
                                                            (t >> 8) & 0x1F == 0x1F and not t & 0x80),
       st.binary(max_size=400), st.booleans())
def test_encode_parse_round_trip_with_long_form_lengths(tag, value, long_form):
    item = tlv.parse_one(tlv.encode(tag, value, long_form=long_form))
    assert (item.tag, item.value) == (tag, value)


def test_long_form_where_short_would_fit_is_accepted():
    item = tlv.parse_one(bytes.fromhex("DF2281 03 414243".replace(" ", "")))
    assert item.value == b"ABC" and item.header_length == 4
    assert parse_basic_four(FOUR).name == "窓口\u3000花子"


@pytest.mark.parametrize("bad, why", [
    (FOUR[:-1], "truncated"), (FOUR[:3], "truncated"), (b"", "empty"),
    (bytes.fromhex("ff2080"), "indefinite"), (bytes.fromhex("ff2085ffffffffff"), "huge length"),
    (FOUR.replace(bytes.fromhex("df2408"), bytes.fromhex("df2409")), "wrong inner length"),
    (FOUR.replace(b"19800102", b"19801302"), "bad date"),
    (FOUR.replace(bytes.fromhex("df250132"), bytes.fromhex("df250133")), "bad sex"),
])
def test_bad_basic_four_items_are_typed_errors(bad, why):
    with pytest.raises(errors.MalformedResponse):
        parse_basic_four(bad)


def test_my_number_file_is_checked():
    assert parse_my_number(b"\xFF\x10\x0C123456789018\xFF\xFF") == "123456789018"
    with pytest.raises(errors.InvalidCardData):
        parse_my_number(b"\xFF\x10\x0C123456789012\xFF\xFF")      # wrong check digit
    for bad in (b"\xFF\x10\x0B12345678901", b"\xFF\x10\x0C12345678901A", b"\xFF\x10"):
        with pytest.raises(errors.MalformedResponse):
            parse_my_number(bad)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_parsers_on_arbitrary_bytes(data):
    for parse in (parse_basic_four, parse_my_number, lambda d: parse_certificate("auth", d)):
        try:
            parse(data)
        except errors.MalformedResponse:
            pass


@pytest.mark.pcsc
def test_unknown_status_words_are_typed():
    err = errors.error_for_status(0x6A89)
    assert isinstance(err, errors.UnexpectedStatus) and "6A89" in err.detail
    assert isinstance(errors.error_for_status(0x63C1, secret="auth"), errors.WrongPin)
    assert isinstance(errors.error_for_status(0x6984, secret="auth"), errors.PinBlocked)
    for sw in (0x6982, 0x6A82, 0x6A88, 0x6A86, 0x6700, 0x6B00, 0x6D00, 0x6E00, 0x6F00):
        assert type(errors.error_for_status(sw)) is errors.STATUS_WORDS[sw]


_mutation = st.one_of(
    st.tuples(st.just("truncate"), st.integers(0, 300)),
    st.tuples(st.just("status"), st.integers(0, 0xFFFF)),
    st.tuples(st.just("flip"), st.integers(0, 300)),
    st.tuples(st.just("append"), st.binary(min_size=1, max_size=20)),
)


def _mutate(response: bytes, mutation) -> bytes:
    kind, arg = mutation
    if kind == "truncate":           # 0 bytes is a dropped link (the emulator closes it)
        return response[:arg % (len(response) + 1)]
    if kind == "status":
        return response[:-2] + arg.to_bytes(2, "big")
    if kind == "flip":
        i = arg % len(response)
        return response[:i] + bytes([response[i] ^ 0xA5]) + response[i + 1:]
    return response[:-2] + arg + response[-2:]


@pytest.mark.pcsc
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(min_value=1, max_value=30), _mutation)
def test_corrupted_answers_through_the_real_stack(pcsc_stack, ready_card, service, events, at, mutation):
    """One answer of a full read is corrupted: the read succeeds or fails with a CardError."""
    start = ready_card.apdu_count

    def corrupt(number, command, response):
        return _mutate(response, mutation) if number - start == at else response

    ready_card.response_filter = corrupt
    try:
        service.read_card("1234").result(10)
    except errors.CardError as exc:
        assert exc.ja and exc.en
    finally:
        ready_card.response_filter = None
    if ready_card.pulled:
        # an empty answer pulled the card mid-command: put it back once pcscd has seen it go, and
        # wait for the service to identify it again (reader events, no retry)
        mark = events.mark()
        pcsc_stack.reinsert(0)
        events.wait_for(EventKind.MY_NUMBER_CARD, since=mark)
    # the service is still usable afterwards, at the first attempt
    readout = service.read_card("1234").result(10)
    assert readout.items is not None
