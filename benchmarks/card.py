"""Benchmark of the card path through the real stack (pyscard → our pcscd → vpcd → test card).

- full read: select, tries left of the four PINs (without using a try), VERIFY of the
  input-support PIN, the four basic items, the My Number and the auth certificate — through the
  reader service (its thread, futures), as the counter screen does it. Goal: median ≤ 30 ms.
- APDU round trip: one ``00 20 00 80`` (tries left) straight through pyscard.

``quick``: fewer repetitions. Uses its own private pcscd (no system pcscd needed or touched).
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from pathlib import Path

FULL_READ_GOAL_MS = 30.0


@contextlib.contextmanager
def card_service(folder: Path, card_file: Path):
    """Our own pcscd + vpcd with ``card_file`` inserted and a started ReaderService that has
    detected it: yields (service, emulator)."""
    from app.card.service import ReaderService
    from app.card.stack import PcscStack, reader_name

    with PcscStack(folder / "pcsc") as stack:
        stack.use_in_this_process()
        emulator = stack.insert(card_file)
        service = ReaderService(poll_interval=1.0).start()
        try:
            service.select_reader(reader_name(0)).result(10)
            deadline = time.monotonic() + 10
            while service.state.card_kind != "my_number_card":
                if time.monotonic() > deadline:
                    raise RuntimeError("the test card was not detected")
                time.sleep(0.02)
            yield service, emulator
        finally:
            service.stop()


def make_test_card(folder: Path) -> Path:
    """The test card file the card benchmarks read (training PINs), in ``folder``."""
    from app.card.cardfile import TRAINING_PINS, create_card_file

    return create_card_file(
        folder / "card.json", family_name="窓口", given_name="花子", address="東京都千代田区霞が関1-2-3",
        birth_date="1985-04-01", sex=2, my_number="123456789018", pins=TRAINING_PINS, ca_dir=folder / "ca")


def main(quick: bool = False) -> dict:
    from app.card.cardfile import TRAINING_PINS
    from app.card.stack import reader_name

    reads, round_trips = (15, 200) if quick else (60, 2000)
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-card-") as tmp:
        folder = Path(tmp)
        card_file = make_test_card(folder)
        with card_service(folder, card_file) as (service, emulator):
            service.read_card(TRAINING_PINS["input"]).result(10)          # warm-up
            before = emulator.apdu_count
            service.read_card(TRAINING_PINS["input"]).result(10)
            apdus = emulator.apdu_count - before
            full = []
            for _ in range(reads):
                t0 = time.perf_counter()
                readout = service.read_card(TRAINING_PINS["input"]).result(10)
                full.append((time.perf_counter() - t0) * 1000)
                assert readout.items is not None
            rtt = _round_trips(reader_name(0), round_trips)
    result = {
        "full_read_median_ms": statistics.median(full),
        "full_read_p95_ms": sorted(full)[int(len(full) * 0.95) - 1],
        "full_read_apdus": apdus,
        "apdu_round_trip_median_ms": statistics.median(rtt),
        "apdu_round_trip_p95_ms": sorted(rtt)[int(len(rtt) * 0.95) - 1],
    }
    verdict = "OK" if result["full_read_median_ms"] <= FULL_READ_GOAL_MS else "OVER GOAL"
    print(f"card: full read ({apdus} APDUs, reader service) median {result['full_read_median_ms']:.1f} ms, "
          f"p95 {result['full_read_p95_ms']:.1f} ms (goal ≤ {FULL_READ_GOAL_MS:.0f} ms: {verdict}); "
          f"APDU round trip median {result['apdu_round_trip_median_ms']:.3f} ms, "
          f"p95 {result['apdu_round_trip_p95_ms']:.3f} ms")
    return result


def _round_trips(reader: str, count: int) -> list[float]:
    from smartcard import scard

    hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    hr, handle, protocol = scard.SCardConnect(ctx, reader, scard.SCARD_SHARE_SHARED,
                                              scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
    if hr != scard.SCARD_S_SUCCESS:
        raise RuntimeError(scard.SCardGetErrorMessage(hr))
    select = list(bytes.fromhex("00A4040C0AD3921000310001010408"))
    pin_ef = list(bytes.fromhex("00A4020C020011"))
    scard.SCardTransmit(handle, protocol, select)
    scard.SCardTransmit(handle, protocol, pin_ef)
    tries = [0x00, 0x20, 0x00, 0x80]
    out = []
    for _ in range(count):
        t0 = time.perf_counter()
        hr, response = scard.SCardTransmit(handle, protocol, tries)
        out.append((time.perf_counter() - t0) * 1000)
        if hr != scard.SCARD_S_SUCCESS or response[-2:] != [0x63, 0xC3]:
            raise RuntimeError("unexpected answer during the round-trip benchmark")
    scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
    scard.SCardReleaseContext(ctx)
    return out


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)
