"""The reader service: one thread of its own owns the PC/SC context and every card operation.

Callers (the GUI through a small Qt bridge in ``app/ui``, the command line, tests) never touch
PC/SC. They:

- get :class:`ReaderEvent` callbacks (called on the card thread: a GUI must hand them over to its
  own thread, e.g. with a queued signal) — no service, no reader, readers plugged/unplugged, the
  chosen reader gone, no card, card inserted/removed, unknown card, My Number card;
- choose the reader with :meth:`ReaderService.select_reader` (the service never picks one by
  itself, not even "the first");
- run card work with :meth:`ReaderService.submit` or the helpers (``read_card``, ``tries_left``,
  ``verify``, ``sign_challenge``): each returns a ``concurrent.futures.Future`` that fails with a
  typed :mod:`app.card.errors` exception.

The thread waits in ``SCardGetStatusChange`` (reader and card events, plus the PnP pseudo-reader
for hotplug) and also re-checks readers and the card every ``poll_interval`` seconds — a fallback
for drivers that never send events. When pcscd goes away the context is dropped and made again
as soon as the service is back; reader names are matched again after a replug. PINs go from the
caller's argument into the APDU only; nothing here logs or keeps one.
"""

from __future__ import annotations

import enum
import logging
import queue
import threading
import time
from concurrent.futures import Future
from collections import namedtuple
from typing import Any, Callable, TypeVar

from smartcard import scard

from app.card import errors
from app.card.protocol import CardReadout, CertificatesReadout, MyNumberCard
from app.card.transport import CONTEXT_LOST, PcscCardLink, pcsc_error

log = logging.getLogger(__name__)
T = TypeVar("T")

PNP_READER = "\\\\?PnP?\\Notification"


class EventKind(str, enum.Enum):
    SERVICE_UNAVAILABLE = "service_unavailable"   # pcscd not running / went away
    SERVICE_AVAILABLE = "service_available"
    NO_READER = "no_reader"                       # the service runs but has no reader at all
    READERS_CHANGED = "readers_changed"           # plugged / unplugged (see .readers, .added, .removed)
    READER_GONE = "reader_gone"                   # the chosen reader was unplugged
    READER_SELECTED = "reader_selected"
    NO_CARD = "no_card"                           # the chosen reader is empty
    CARD_INSERTED = "card_inserted"
    CARD_REMOVED = "card_removed"
    UNKNOWN_CARD = "unknown_card"                 # a card, but not a My Number card (or mute)
    MY_NUMBER_CARD = "my_number_card"


class ReaderEvent(namedtuple("ReaderEvent", "kind reader readers added removed atr error",
                             defaults=(None, (), (), (), b"", None))):
    """What happened: ``kind`` (:class:`EventKind`), ``reader`` (its name, or None), ``readers``,
    ``added`` and ``removed`` (tuples of names, for READERS_CHANGED), the card's ``atr`` (bytes)
    and the ``error`` (:class:`~app.card.errors.CardError`) that made a card unknown."""

    __slots__ = ()

    @property
    def message(self) -> tuple[str, str]:
        """(ja, en) line for a status bar."""
        return _EVENT_TEXT[self.kind]


_EVENT_TEXT: dict[EventKind, tuple[str, str]] = {
    EventKind.SERVICE_UNAVAILABLE: (errors.ServiceUnavailable.ja, errors.ServiceUnavailable.en),
    EventKind.SERVICE_AVAILABLE: ("カードリーダーのサービスに接続しました。", "Connected to the smart-card service."),
    EventKind.NO_READER: (errors.NoReader.ja, errors.NoReader.en),
    EventKind.READERS_CHANGED: ("カードリーダーの接続が変わりました。", "The connected card readers changed."),
    EventKind.READER_GONE: (errors.ReaderGone.ja, errors.ReaderGone.en),
    EventKind.READER_SELECTED: ("カードリーダーを選択しました。", "Card reader selected."),
    EventKind.NO_CARD: (errors.NoCard.ja, errors.NoCard.en),
    EventKind.CARD_INSERTED: ("カードが置かれました。確認しています…", "Card placed. Checking it…"),
    EventKind.CARD_REMOVED: ("カードが取り外されました。", "The card was removed."),
    EventKind.UNKNOWN_CARD: (errors.UnknownCard.ja, errors.UnknownCard.en),
    EventKind.MY_NUMBER_CARD: ("マイナンバーカードを確認しました。", "My Number card detected."),
}


class ReaderState:
    """What the service knows; :attr:`ReaderService.state` gives a copy (safe to read from any
    thread). A plain class, as the card layer's records are named tuples, not dataclasses
    (``app/card/__init__.py`` says why)."""

    __slots__ = ("service", "readers", "selected", "selected_present", "card_present", "card_kind", "atr")

    def __init__(self) -> None:
        self.service = False
        self.readers: tuple[str, ...] = ()
        self.selected: str | None = None
        self.selected_present = False
        self.card_present = False
        self.card_kind: str | None = None     # 'my_number_card', 'unknown', None
        self.atr = b""

    def copy(self) -> "ReaderState":
        twin = ReaderState()
        for name in self.__slots__:
            setattr(twin, name, getattr(self, name))
        return twin

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"ReaderState({shown})"


class ReaderService:
    """The card thread. ``start()`` it once; ``stop()`` it at exit."""

    def __init__(self, on_event: Callable[[ReaderEvent], None] | None = None, *,
                 poll_interval: float = 1.0, wait_ms: int = 250, answer_timeout: float = 10.0,
                 linger: float = 0.02, log_events: bool = True):
        self._listeners: list[Callable[[ReaderEvent], None]] = [on_event] if on_event else []
        #: write each reader event to the log (the counter window: a day's card history for IT
        #: staff). The one-shot diagnostics print what they saw instead; errors are logged always.
        self.log_events = log_events
        self.poll_interval = poll_interval
        self.wait_ms = wait_ms
        #: seconds the card thread waits for the next job after the last one before it goes back
        #: to waiting for reader events: work that comes as a series of jobs (a read, then a
        #: signature; the diagnostics' reader by reader) runs without cancelling that wait each time
        self.linger = linger
        self._arrived = threading.Event()          # set by every new job (and by stop())
        #: a card operation still waiting for the card after this many seconds is reported as an
        #: unknown card that does not answer (a mute card keeps PC/SC's transmit waiting; the
        #: thread resumes when the card is taken off)
        self.answer_timeout = answer_timeout
        self._silence_reported: float | None = None     # the waiting_since already reported
        # (kind, callable, future): kind "card" runs with the card, "service" without
        self._jobs: queue.Queue[tuple[str, Callable[..., Any], Future]] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ctx: int | None = None
        self._link: PcscCardLink | None = None
        self._state = ReaderState()
        self._state_lock = threading.Lock()
        self._wanted_reader: str | None = None
        self._reader_states: dict[str, int] = {}
        self._last_poll = 0.0
        self._service_reported: bool | None = None
        self._wake_lock = threading.Lock()
        self._in_wait = False
        self._kick = threading.Event()
        self._waker: threading.Thread | None = None

    # -- public API (any thread) ---------------------------------------------------------------
    def add_listener(self, callback: Callable[[ReaderEvent], None]) -> None:
        self._listeners.append(callback)

    def start(self) -> "ReaderService":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="card-reader", daemon=True)
            self._thread.start()
            self._waker = threading.Thread(target=self._waker_loop, name="card-reader-waker", daemon=True)
            self._waker.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._kick.set()
        if self._waker is not None:
            self._waker.join(timeout)
            self._waker = None

    close = stop

    @property
    def state(self) -> ReaderState:
        with self._state_lock:
            return self._state.copy()

    def readers(self) -> Future:
        """Future of the reader names pcscd has now (fresh query on the card thread)."""
        return self._call(lambda: list(self._list_readers()))

    def card_presence(self) -> Future:
        """Future of {reader: card present?} for every reader (a look, nothing selected)."""
        def look() -> dict[str, bool]:
            names = self._list_readers()
            if not names:
                return {}
            hr, states = scard.SCardGetStatusChange(self._ctx, 0, [(n, scard.SCARD_STATE_UNAWARE) for n in names])
            if hr != scard.SCARD_S_SUCCESS:
                raise pcsc_error(hr, "card presence")
            return {name: bool(state & scard.SCARD_STATE_PRESENT) for name, state, _atr in states}
        return self._call(look)

    def select_reader(self, name: str | None) -> Future:
        """Use reader ``name`` from now on (None: none). The choice is kept across unplug/replug."""
        def choose() -> str | None:
            self._wanted_reader = name
            self._drop_link()
            with self._state_lock:
                self._state.selected = name
                self._state.card_present = False
                self._state.card_kind = None
                self._state.atr = b""
                self._state.selected_present = False
            self._reader_states.pop(name or "", None)
            self._emit(ReaderEvent(EventKind.READER_SELECTED, reader=name))
            self._refresh_readers(force_card_check=True)
            return name
        return self._call(choose)

    def submit(self, work: Callable[[MyNumberCard], T]) -> "Future[T]":
        """Run ``work(card)`` on the card thread against the chosen reader's card."""
        future: Future = Future()
        self._jobs.put(("card", work, future))
        self._wake()
        return future

    def read_card(self, input_pin: str | None = None) -> "Future[CardReadout]":
        return self.submit(lambda card: card.full_read(input_pin))

    def tries_left(self) -> "Future[dict[str, int | None]]":
        return self.submit(lambda card: (card.identify(), card.all_tries_left())[1])

    def read_certificates(self, sign_pin: str | None = None) -> "Future[CertificatesReadout]":
        """The JPKI certificates (a renewal's before and after); the signing certificate only
        with the holder's signing password."""
        return self.submit(lambda card: card.read_certificates(sign_pin))

    def verify(self, secret: str, pin: str) -> "Future[None]":
        return self.submit(lambda card: card.verify(secret, pin))

    def sign_challenge(self, pin: str, challenge: bytes) -> "Future[tuple[bytes, Any]]":
        """Signature of ``challenge`` with the auth key, and the auth certificate to check it."""
        def work(card: MyNumberCard):
            cert = card.read_certificate("auth")
            return card.sign_with_auth_key(pin, challenge), cert
        return self.submit(work)

    def face_auth(self) -> "Future[bool]":
        """Is the card a face-authentication card (no PIN set, no signing certificate)?"""
        return self.submit(lambda card: card.is_face_auth())

    def chip_check(self, check_code: str, ca_certificate_der: bytes | None) -> "Future[Any]":
        """The chip check (券面事項確認AP): ``Future[SurfaceReadout]``; the check code goes to the
        card thread and into one VERIFY APDU, nowhere else."""
        return self.submit(lambda card: card.read_surface(check_code, ca_certificate_der))

    # -- internals: everything below runs on the card thread -----------------------------------
    def _call(self, fn: Callable[[], T]) -> "Future[T]":
        future: Future = Future()
        self._jobs.put(("service", fn, future))
        self._wake()
        return future

    def _wake(self) -> None:
        with self._wake_lock:
            self._arrived.set()
            ctx = self._ctx
            if ctx is not None and self._in_wait:
                self._kick.set()

    def _waker_loop(self) -> None:
        """Interrupt the card thread's SCardGetStatusChange when work arrives. pcsc-lite drops a
        cancel that arrives before the wait reaches pcscd, so cancel again until it returns."""
        while not self._stop.is_set():
            if not self._kick.wait(min(1.0, self.answer_timeout)):
                self._report_if_stuck()
                continue
            self._kick.clear()
            for _ in range(200):
                with self._wake_lock:
                    ctx = self._ctx
                    if not self._in_wait or ctx is None:
                        break
                scard.SCardCancel(ctx)
                time.sleep(0.002)

    def _report_if_stuck(self) -> None:
        """On the waker thread: a card that has not answered an APDU for ``answer_timeout``
        seconds is reported once (the card thread stays in the transmit until the card goes)."""
        link = self._link
        since = link.waiting_since if link is not None else None
        if since is None or since == self._silence_reported or time.monotonic() - since < self.answer_timeout:
            return
        self._silence_reported = since
        self._set(card_kind="unknown")
        self._emit(ReaderEvent(EventKind.UNKNOWN_CARD, reader=link.reader, atr=self.state.atr,
                               error=errors.CardDoesNotAnswer(
                                   detail=f"no answer within {self.answer_timeout:g} s")))

    def _emit(self, event: ReaderEvent) -> None:
        if self.log_events:
            log.info("card event %s reader=%s", event.kind.value, event.reader)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a listener's bug must not kill the card thread
                log.exception("card event listener failed")

    def _set(self, **changes: Any) -> None:
        with self._state_lock:
            for key, value in changes.items():
                setattr(self._state, key, value)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._arrived.clear()         # before the queue is read: a later job sets it again
                if not self._ensure_context():
                    self._run_jobs()
                    self._stop.wait(min(self.poll_interval, 0.5))
                    continue
                ran = self._run_jobs()
                if self._stop.is_set():
                    break
                if ran and self._arrived.wait(self.linger):
                    continue                  # the next job came while we lingered
                self._wait_for_change()
            except Exception:
                log.exception("card thread error; starting over")
                self._drop_context()
                self._stop.wait(0.2)
        self._drop_context()
        self._fail_pending(errors.ServiceUnavailable(detail="reader service stopped"))

    def _fail_pending(self, error: errors.CardError) -> None:
        while True:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                return
            future = item[2]
            if future.set_running_or_notify_cancel():
                future.set_exception(error)

    # context -----------------------------------------------------------------------------------
    def _ensure_context(self) -> bool:
        if self._ctx is not None:
            return True
        hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hr != scard.SCARD_S_SUCCESS:
            if self._service_reported is not False:
                self._service_reported = False
                self._set(service=False, readers=(), selected_present=False, card_present=False, card_kind=None)
                self._emit(ReaderEvent(EventKind.SERVICE_UNAVAILABLE, error=pcsc_error(hr, "establish context")))
            return False
        self._ctx = ctx
        self._reader_states = {}
        if self._service_reported is not True:
            self._service_reported = True
            self._set(service=True)
            self._emit(ReaderEvent(EventKind.SERVICE_AVAILABLE))
        self._refresh_readers(force_card_check=True)
        return True

    def _drop_link(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            try:
                link.close()
            except Exception:
                log.debug("closing a dead card link failed", exc_info=True)

    def _drop_context(self) -> None:
        self._drop_link()
        ctx, self._ctx = self._ctx, None
        if ctx is not None:
            scard.SCardReleaseContext(ctx)

    def _context_lost(self, hr: int) -> None:
        log.warning("PC/SC context lost (%08X); reconnecting", hr & 0xFFFFFFFF)
        self._drop_context()
        had_card = self.state.card_present
        # readers stay as last known, so the comparison after reconnecting reports what changed
        self._set(service=False, card_present=False, card_kind=None, atr=b"")
        if had_card:
            self._emit(ReaderEvent(EventKind.CARD_REMOVED, reader=self._wanted_reader))
        self._service_reported = False
        self._emit(ReaderEvent(EventKind.SERVICE_UNAVAILABLE, error=pcsc_error(hr, "service")))

    # readers -----------------------------------------------------------------------------------
    def _list_readers(self) -> tuple[str, ...]:
        if self._ctx is None:
            raise errors.ServiceUnavailable()
        hr, names = scard.SCardListReaders(self._ctx, [])
        if hr == scard.SCARD_E_NO_READERS_AVAILABLE:
            return ()
        if hr != scard.SCARD_S_SUCCESS:
            if hr in CONTEXT_LOST:
                self._context_lost(hr)
            raise pcsc_error(hr, "list readers")
        return tuple(names)

    def _refresh_readers(self, *, force_card_check: bool = False) -> None:
        try:
            names = self._list_readers()
        except errors.CardError:
            return
        before = self.state.readers
        if names != before:
            added = tuple(n for n in names if n not in before)
            removed = tuple(n for n in before if n not in names)
            self._set(readers=names)
            self._emit(ReaderEvent(EventKind.READERS_CHANGED, readers=names, added=added, removed=removed))
            for name in removed:
                self._reader_states.pop(name, None)
        if not names and not self._no_reader_reported:
            self._no_reader_reported = True
            self._emit(ReaderEvent(EventKind.NO_READER))
        elif names:
            self._no_reader_reported = False
        wanted = self._wanted_reader
        present = wanted in names if wanted else False
        was_present = self.state.selected_present
        if wanted and was_present and not present:
            self._drop_link()
            had_card = self.state.card_present
            self._set(selected_present=False, card_present=False, card_kind=None)
            if had_card:
                self._emit(ReaderEvent(EventKind.CARD_REMOVED, reader=wanted))
            self._emit(ReaderEvent(EventKind.READER_GONE, reader=wanted, readers=names))
        elif wanted and present and (not was_present or force_card_check):
            self._set(selected_present=True)
            self._check_card(wanted)

    def _check_card(self, reader: str) -> None:
        """Poll the chosen reader's card state directly (start-up, fallback, after replug)."""
        if self._ctx is None:
            return
        hr, states = scard.SCardGetStatusChange(self._ctx, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
        if hr != scard.SCARD_S_SUCCESS:
            if hr in CONTEXT_LOST:
                self._context_lost(hr)
            return
        _name, event_state, atr = states[0]
        self._reader_states[reader] = event_state & ~scard.SCARD_STATE_CHANGED
        self._card_state_changed(reader, event_state, bytes(atr))

    def _card_state_changed(self, reader: str, event_state: int, atr: bytes) -> None:
        present = bool(event_state & scard.SCARD_STATE_PRESENT)
        was_present = self.state.card_present
        # pcsc-lite counts card insertions/removals in the high 16 bits of the event state: a
        # changed count with a card present both times is a swap between two looks
        count = (event_state >> 16) & 0xFFFF
        last_count, self._card_events = self._card_events.get(reader), {**self._card_events, reader: count}
        swapped = last_count is not None and count != last_count
        if present and not was_present:
            self._set(card_present=True, atr=atr, card_kind=None)
            self._emit(ReaderEvent(EventKind.CARD_INSERTED, reader=reader, atr=atr))
            self._identify(reader, atr, mute=bool(event_state & scard.SCARD_STATE_MUTE))
        elif present and was_present and ((atr and atr != self.state.atr) or swapped):
            # another card was put in between two looks (fast swap): treat as remove + insert
            self._drop_link()
            self._emit(ReaderEvent(EventKind.CARD_REMOVED, reader=reader))
            self._set(card_present=True, atr=atr, card_kind=None)
            self._emit(ReaderEvent(EventKind.CARD_INSERTED, reader=reader, atr=atr))
            self._identify(reader, atr, mute=bool(event_state & scard.SCARD_STATE_MUTE))
        elif not present and was_present:
            self._drop_link()
            self._set(card_present=False, card_kind=None, atr=b"")
            self._emit(ReaderEvent(EventKind.CARD_REMOVED, reader=reader))
            self._emit(ReaderEvent(EventKind.NO_CARD, reader=reader))
        elif not present and self.state.card_kind is None and self._last_empty_reported != reader:
            self._emit(ReaderEvent(EventKind.NO_CARD, reader=reader))
        self._last_empty_reported = None if present else reader

    _last_empty_reported: str | None = None
    _no_reader_reported = False
    _card_events: dict[str, int] = {}

    def _identify(self, reader: str, atr: bytes, *, mute: bool) -> None:
        if mute:
            self._set(card_kind="unknown")
            self._emit(ReaderEvent(EventKind.UNKNOWN_CARD, reader=reader, atr=atr,
                                   error=errors.CardMalfunction(detail="card is mute")))
            return
        try:
            self._with_card(lambda card: card.identify())
        except errors.CardError as exc:
            if isinstance(exc, (errors.CardConnectionLost, errors.NoCard)):
                return                       # pulled while we looked: the removal event follows
            self._set(card_kind="unknown")
            self._emit(ReaderEvent(EventKind.UNKNOWN_CARD, reader=reader, atr=atr, error=exc))
            return
        self._set(card_kind="my_number_card")
        self._emit(ReaderEvent(EventKind.MY_NUMBER_CARD, reader=reader, atr=atr))

    # waiting -----------------------------------------------------------------------------------
    def _wait_for_change(self) -> None:
        ctx = self._ctx
        assert ctx is not None
        watch = [(PNP_READER, self._reader_states.get(PNP_READER, scard.SCARD_STATE_UNAWARE))]
        wanted = self._wanted_reader
        if wanted and self.state.selected_present:
            watch.append((wanted, self._reader_states.get(wanted, scard.SCARD_STATE_UNAWARE)))
        with self._wake_lock:
            if self._arrived.is_set() or not self._jobs.empty():
                return
            self._in_wait = True
        try:
            hr, states = scard.SCardGetStatusChange(ctx, self.wait_ms, watch)
        finally:
            with self._wake_lock:
                self._in_wait = False
        now = time.monotonic()
        if hr in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
            if now - self._last_poll >= self.poll_interval:   # polling fallback
                self._last_poll = now
                self._refresh_readers(force_card_check=True)
            return
        if hr in CONTEXT_LOST:
            self._context_lost(hr)
            return
        if hr != scard.SCARD_S_SUCCESS:
            # e.g. the chosen reader vanished between list and wait: look again
            self._refresh_readers(force_card_check=False)
            self._stop.wait(0.05)
            return
        readers_changed = False
        for name, event_state, atr in states:
            if not event_state & scard.SCARD_STATE_CHANGED:
                continue
            self._reader_states[name] = event_state & ~scard.SCARD_STATE_CHANGED
            if name == PNP_READER:
                readers_changed = True
            elif event_state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                readers_changed = True
            elif name == wanted:
                self._card_state_changed(name, event_state, bytes(atr))
        if readers_changed:
            self._refresh_readers(force_card_check=False)

    # jobs --------------------------------------------------------------------------------------
    def _run_jobs(self) -> int:
        """Run the jobs waiting now; returns how many."""
        ran = 0
        while True:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                return ran
            ran += 1
            kind, work, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = work() if kind == "service" else self._with_card(work)
            except BaseException as exc:  # delivered to the caller, typed when it is a card error
                future.set_exception(exc)
            else:
                future.set_result(result)

    def _with_card(self, work: Callable[[MyNumberCard], T]) -> T:
        if self._ctx is None:
            raise errors.ServiceUnavailable()
        reader = self._wanted_reader
        if not reader:
            raise errors.NoReaderSelected()
        if reader not in self.state.readers:
            self._refresh_readers()
            if reader not in self.state.readers:
                raise errors.ReaderGone(detail=reader)
        for attempt in (1, 2):
            if self._link is None:
                try:
                    self._link = PcscCardLink(self._ctx, reader)
                except errors.CardError as exc:
                    if isinstance(exc, errors.ServiceUnavailable):
                        self._context_lost(scard.SCARD_E_NO_SERVICE)
                    raise
            link = self._link
            try:
                link.begin()
            except errors.CardConnectionLost:
                # a stale handle from before a removal or reset: connect afresh once
                self._drop_link()
                if attempt == 2:
                    raise
                continue
            except errors.CardError:
                self._drop_link()
                raise
            try:
                return work(MyNumberCard(link))
            except (errors.CardConnectionLost, errors.NoCard, errors.ReaderGone):
                self._drop_link()
                raise
            except errors.ServiceUnavailable:
                self._context_lost(scard.SCARD_E_NO_SERVICE)
                raise
            finally:
                if self._link is link:
                    link.end()
        raise errors.CardConnectionLost()


def wait(future: "Future[T]", timeout: float = 10.0) -> T:
    """Block for a result — for the command line and tests only, never on a GUI thread."""
    return future.result(timeout)
