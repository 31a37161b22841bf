"""A raw PC/SC connection for tests (pyscard's low-level API, no project code in between)."""

from __future__ import annotations

import time

from smartcard import scard


class RawCard:
    def __init__(self, reader: str, timeout: float = 5.0):
        hr, self.ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        assert hr == scard.SCARD_S_SUCCESS, scard.SCardGetErrorMessage(hr)
        deadline = time.monotonic() + timeout
        while True:
            hr, self.handle, self.protocol = scard.SCardConnect(
                self.ctx, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
            if hr == scard.SCARD_S_SUCCESS:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"no card in {reader}: {scard.SCardGetErrorMessage(hr)}")
            time.sleep(0.02)

    def tx(self, hexapdu: str | bytes) -> tuple[bytes, str]:
        apdu = bytes.fromhex(hexapdu) if isinstance(hexapdu, str) else hexapdu
        hr, response = scard.SCardTransmit(self.handle, self.protocol, list(apdu))
        assert hr == scard.SCARD_S_SUCCESS, scard.SCardGetErrorMessage(hr)
        response = bytes(response)
        return response[:-2], response[-2:].hex().upper()

    def close(self) -> None:
        scard.SCardDisconnect(self.handle, scard.SCARD_LEAVE_CARD)
        scard.SCardReleaseContext(self.ctx)
