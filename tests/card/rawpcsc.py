"""A raw PC/SC connection for tests (pyscard's low-level API, no project code in between).

Connect only once pcscd reports the card in the reader (``PcscStack.insert``, ``reinsert`` and
``wait_for_reader`` return then): the connection is made once, never retried.
"""

from __future__ import annotations

from smartcard import scard


class RawCard:
    def __init__(self, reader: str):
        hr, self.ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        assert hr == scard.SCARD_S_SUCCESS, scard.SCardGetErrorMessage(hr)
        hr, self.handle, self.protocol = scard.SCardConnect(
            self.ctx, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        if hr != scard.SCARD_S_SUCCESS:
            scard.SCardReleaseContext(self.ctx)
            raise AssertionError(f"no card in {reader}: {scard.SCardGetErrorMessage(hr)}")

    def tx(self, hexapdu: str | bytes) -> tuple[bytes, str]:
        apdu = bytes.fromhex(hexapdu) if isinstance(hexapdu, str) else hexapdu
        hr, response = scard.SCardTransmit(self.handle, self.protocol, list(apdu))
        assert hr == scard.SCARD_S_SUCCESS, scard.SCardGetErrorMessage(hr)
        response = bytes(response)
        return response[:-2], response[-2:].hex().upper()

    def close(self) -> None:
        scard.SCardDisconnect(self.handle, scard.SCARD_LEAVE_CARD)
        scard.SCardReleaseContext(self.ctx)
