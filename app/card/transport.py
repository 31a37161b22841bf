"""The PC/SC link to one card (pyscard's low-level ``smartcard.scard``), with typed errors.

:class:`PcscCardLink` sends APDUs and turns every PC/SC failure into a :mod:`app.card.errors`
class through :data:`PCSC_ERRORS`. It belongs to the thread that made it (the reader service's
card thread): a call from any other thread is a programming error and is refused. It never logs
an APDU's data field (a VERIFY carries a PIN).
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from smartcard import scard

from app.card import errors

#: PC/SC result code → typed error (for codes not listed: CardConnectionLost)
PCSC_ERRORS: dict[int, type[errors.CardError]] = {
    scard.SCARD_W_REMOVED_CARD: errors.CardRemoved,
    scard.SCARD_E_NO_SMARTCARD: errors.NoCard,
    scard.SCARD_W_RESET_CARD: errors.CardConnectionLost,
    scard.SCARD_W_UNPOWERED_CARD: errors.CardConnectionLost,
    scard.SCARD_W_UNRESPONSIVE_CARD: errors.CardMalfunction,
    scard.SCARD_W_UNSUPPORTED_CARD: errors.UnknownCard,
    scard.SCARD_E_READER_UNAVAILABLE: errors.ReaderGone,
    scard.SCARD_E_UNKNOWN_READER: errors.ReaderGone,
    scard.SCARD_E_NO_READERS_AVAILABLE: errors.NoReader,
    scard.SCARD_E_NO_SERVICE: errors.ServiceUnavailable,
    scard.SCARD_E_SERVICE_STOPPED: errors.ServiceUnavailable,
    scard.SCARD_E_INVALID_HANDLE: errors.ServiceUnavailable,
    scard.SCARD_F_COMM_ERROR: errors.ServiceUnavailable,
    scard.SCARD_E_NOT_TRANSACTED: errors.CardConnectionLost,
    scard.SCARD_E_SHARING_VIOLATION: errors.CardError,
}

#: errors after which the PC/SC context itself must be made again
CONTEXT_LOST = {scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED, scard.SCARD_E_INVALID_HANDLE,
                scard.SCARD_F_COMM_ERROR}


def pcsc_error(hresult: int, context: str) -> errors.CardError:
    cls = PCSC_ERRORS.get(hresult, errors.CardConnectionLost)
    detail = f"PC/SC {hresult & 0xFFFFFFFF:08X} ({scard.SCardGetErrorMessage(hresult)}) during {context}"
    if cls is errors.CardError:
        return errors.CardError("他のアプリケーションがカードを使用中です。そのアプリケーションを閉じてください。",
                                "Another application is using the card. Close it and try again.", detail=detail)
    return cls(detail=detail)


class CardLink(Protocol):
    """What the protocol layer needs: send one APDU, get (data, sw)."""

    def transmit(self, apdu: list[int]) -> tuple[bytes, int]: ...


class PcscCardLink:
    """A connection to the card in one reader, owned by the thread that opened it."""

    def __init__(self, context: int, reader: str):
        self.reader = reader
        self._owner = threading.current_thread()
        hr, self.handle, self.protocol = scard.SCardConnect(
            context, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        if hr != scard.SCARD_S_SUCCESS:
            raise pcsc_error(hr, f"connect to {reader}")
        self.apdu_count = 0
        self.closed = False
        #: monotonic time the APDU now in flight was sent (None: none), for the service's watchdog
        self.waiting_since: float | None = None

    def _check_thread(self) -> None:
        if threading.current_thread() is not self._owner:
            raise RuntimeError("card link used outside the card thread")

    def atr(self) -> bytes:
        self._check_thread()
        hr, _reader, _state, _protocol, atr = scard.SCardStatus(self.handle)
        if hr != scard.SCARD_S_SUCCESS:
            raise pcsc_error(hr, "status")
        return bytes(atr)

    def begin(self) -> None:
        self._check_thread()
        hr = scard.SCardBeginTransaction(self.handle)
        if hr != scard.SCARD_S_SUCCESS:
            raise pcsc_error(hr, "begin transaction")

    def end(self) -> None:
        self._check_thread()
        scard.SCardEndTransaction(self.handle, scard.SCARD_LEAVE_CARD)

    def transmit(self, apdu: list[int]) -> tuple[bytes, int]:
        self._check_thread()
        self.apdu_count += 1
        self.waiting_since = time.monotonic()
        try:
            hr, response = scard.SCardTransmit(self.handle, self.protocol, apdu)
        finally:
            self.waiting_since = None
        if hr != scard.SCARD_S_SUCCESS:
            raise pcsc_error(hr, f"APDU {apdu[1]:02X}")
        if not response:
            # vpcd (and some readers) answer a command cut off by a pulled card with nothing
            raise errors.CardRemoved(detail=f"empty answer to APDU {apdu[1]:02X}")
        if len(response) < 2:
            # an answer was there, just not a valid one: the card is on the reader
            raise errors.MalformedResponse(detail=f"{len(response)}-byte answer to APDU {apdu[1]:02X}")
        data = bytes(response[:-2])
        return data, (response[-2] << 8) | response[-1]

    def close(self, disposition: int = scard.SCARD_LEAVE_CARD) -> None:
        if not self.closed:
            self.closed = True
            scard.SCardDisconnect(self.handle, disposition)
