"""The window's side of the card reader: the reader service's life (its own thread), its events
turned into the card panel's :class:`CardView`, retry counters, the reader choice, and the
training tray's private PC/SC stack. Part of :class:`app.ui.services.Services` (a mixin, so the
window keeps one object to talk to); what a card read means for a case is ``app.desk.cardfill``.

Every card call returns a future at once; results come back on the GUI thread through the
:class:`app.ui.cardbridge.CardBridge`. The GUI never waits on the card.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Any, Callable

from app.desk.cardfill import certificate_values
from app.rules.codes import Secret
from app.ui.cardpanel import CardView
# lazy imports: pages, dialogs and lower layers load on first use (the sign-in window first)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardResult:
    ok: bool
    view: Any = None
    error: Any = None


class CardSide:
    """Reader service, card panel state and training tray (mixed into ``Services``)."""

    #: reader service event kind → card panel state
    EVENT_STATES = {
        "service_unavailable": "no_service", "no_reader": "no_reader", "reader_gone": "reader_gone",
        "no_card": "no_card", "card_removed": "no_card", "card_inserted": "reading",
        "unknown_card": "unknown_card", "my_number_card": "mynumber",
    }

    def start_card(self, service=None) -> None:
        """Start the reader service (its own thread). In training mode the private PC/SC stack of
        the training tray is started first, off the GUI thread, so the service sees its readers."""
        if self.card_service is not None or not self.with_card:
            return
        service = service or self._given_card
        if service is not None or self._given_stack is not None:
            self._attach_card(service)
        elif self.training:
            self.card = CardView(state="no_service")
            self.bridge.when_done(self._background().submit(self._stack), self._stack_started)
        else:
            self._attach_card(None)

    def _stack_started(self, future) -> None:
        try:
            future.result()
        except Exception as exc:
            log.error("training PC/SC stack did not start: %s", exc)
            self.card = CardView(state="no_service", detail={
                "ja": f"研修用カードリーダーを起動できませんでした: {exc}",
                "en": f"The training card readers could not start: {exc}"})
            self.card_view_changed.emit(self.card)
            return
        self._attach_card(None)

    def _attach_card(self, service) -> None:
        from app.card.service import ReaderService

        self.card_service = service or ReaderService()
        self.bridge.service = self.card_service
        self.bridge.event.connect(self._on_card_event)
        self.card_service.add_listener(self.bridge.on_card_event)
        self.card_service.start()
        if self.config.default_reader:
            self.card_service.select_reader(self.config.default_reader)
        self.bridge.when_done(self.card_service.readers(), self._got_readers)

    def _got_readers(self, future) -> None:
        try:
            self.card.readers = list(future.result())
        except Exception as exc:
            self.card.detail = exc
        self.card_view_changed.emit(self.card)

    def _on_card_event(self, event) -> None:
        """A reader service event, now on the GUI thread: update the panel, pass it on."""
        kind = getattr(event.kind, "value", event.kind)
        if event.readers or kind == "readers_changed":
            self.card.readers = list(event.readers)
        if kind == "reader_selected":
            self.card.reader = event.reader or ""
        state = self.EVENT_STATES.get(kind)
        if state is not None:
            self.card.state = state
            self.card.detail = event.error
            if state != "mynumber":
                self.card.tries = {}
                self.card.certificates = {}
                self.card.face_auth = False
        if state == "mynumber":
            self.refresh_tries()
            self.refresh_certificates()
        self.card_view_changed.emit(self.card)
        self.card_event.emit(event)

    def _show_tries(self, tries: dict) -> None:
        self.card.tries = {Secret(code): left for code, left in tries.items()}
        self.card_view_changed.emit(self.card)

    def refresh_tries(self) -> None:
        """Read the tries left of the four secrets (no try is used) and show them."""
        if self.card_service is None:
            return

        def done(future) -> None:
            try:
                tries = future.result()
            except Exception as exc:
                self.card.detail, self.card.tries = exc, {}
                self.card_view_changed.emit(self.card)
            else:
                self.card.detail = None
                self._show_tries(tries)
                if tries and all(left is None for left in tries.values()):   # no PIN answers: ask why
                    self.bridge.when_done(self.card_service.face_auth(), self._face_auth_known)

        self.bridge.when_done(self.card_service.tries_left(), done)

    def refresh_certificates(self) -> None:
        """Read the certificates that need no PIN (their expiry, for the panel and the home
        screen's renewal offer)."""
        if self.card_service is None:
            return

        def done(future) -> None:
            try:
                self.card.certificates = certificate_values(future.result())
            except Exception as exc:        # a typed card error: shown, the tries stay
                self.card.certificates, self.card.detail = {}, exc
            self.card_view_changed.emit(self.card)

        self.bridge.when_done(self.card_service.read_certificates(None), done)

    def read_certificates_into_case(self, case_id: str, sign_pin: str | None,
                                    on_done: Callable[[Any], None]) -> None:
        """Read the certificates (the signing one when the holder typed its password, on the
        card thread) into the step's certificates field. The password goes to the card only."""
        future = self.card_service.read_certificates(sign_pin)
        del sign_pin

        def done(f) -> None:
            try:
                view = self.desk.fill_certificates(case_id, f.result())
            except Exception as exc:       # a typed card error (wrong password, pulled) or CaseError
                on_done(CardResult(False, error=exc))
                return
            on_done(CardResult(True, view=view))
            self.refresh_card()

        self.bridge.when_done(future, done)

    def _face_auth_known(self, future) -> None:
        try:
            self.card.face_auth = bool(future.result())
        except Exception as exc:
            self.card.detail = exc
        self.card_view_changed.emit(self.card)

    def choose_reader(self, name: str) -> None:
        self.config.default_reader = name
        self.config.save()
        self.card.reader = name
        if self.card_service is not None:
            self.card_service.select_reader(name)
        self.card_view_changed.emit(self.card)

    def refresh_card(self) -> None:
        if self.card_service is not None and self.card.state == "mynumber":
            self.refresh_tries()
            self.refresh_certificates()
        self.card_view_changed.emit(self.card)

    def card_was_pulled(self, event) -> bool:
        return getattr(event.kind, "value", event.kind) in ("card_removed", "reader_gone")

    def read_tries_into_case(self, case_id: str, field_id: str, on_done: Callable[[Any], None]) -> None:
        """Read the retry counters from the card (no try used) into a json field of the step."""
        def done(f) -> None:
            try:
                tries = f.result()
            except Exception as exc:
                on_done(CardResult(False, error=exc))
                return
            self._show_tries(tries)
            on_done(CardResult(True, view=self.desk.set_value(case_id, field_id, dict(tries))))

        self.bridge.when_done(self.card_service.tries_left(), done)

    def chip_check(self, check_code: str, on_done: Callable[[Any], None]) -> None:
        """The chip check on the card thread against the CA the desk trusts; ``on_done(CardResult)``
        with the readout as ``view``. The check code goes to the card service only."""
        future = self.card_service.chip_check(check_code, self.desk.chip_check_anchor())
        del check_code

        def done(f) -> None:
            try:
                on_done(CardResult(True, view=f.result()))
            except Exception as exc:
                on_done(CardResult(False, error=exc))

        self.bridge.when_done(future, done)

    # ---------------------------------------------------------------------------------- training tray
    def _background(self):
        """One worker thread for slow non-card chores (the training stack); never the card thread."""
        if getattr(self, "_chores", None) is None:
            from concurrent.futures import ThreadPoolExecutor

            self._chores = ThreadPoolExecutor(1, thread_name_prefix="ui-chores")
        return self._chores

    def _stack(self):
        if self._given_stack is not None:
            return self._given_stack
        from app.card.stack import training_stack

        return training_stack()

    def close_card(self) -> None:
        if self.card_service is not None:
            try:
                self.card_service.stop()
            except Exception:
                log.exception("closing the card service")
        if getattr(self, "_chores", None) is not None:
            self._chores.shutdown(wait=True)
        if self.training and self._given_stack is None and "app.card.stack" in sys.modules:
            sys.modules["app.card.stack"].stop_training_stack()

    def tray_slots(self) -> list[str]:
        if not self.training:
            return []
        from app.card.stack import SLOTS, reader_name

        return [reader_name(i) for i in range(SLOTS)]

    def _slot_of_reader(self) -> int:
        from app.card.stack import SLOTS, reader_name

        return next((i for i in range(SLOTS) if reader_name(i) == self.card.reader), 0)

    def tray_insert(self, card_file: str, slot: int, on_done: Callable[[dict], None]) -> None:
        from app.card.stack import reader_name

        if not self.card.reader and self.card_service is not None:
            self.choose_reader(reader_name(slot))     # the clerk put the card on this reader

        def work():
            self._stack().insert(card_file, slot)
            return {"ja": "カードをリーダーに置きました。", "en": "The card is on the reader."}

        self._tray_call(work, on_done)

    def tray_remove(self, slot: int, on_done: Callable[[dict], None]) -> None:
        def work():
            self._stack().remove(slot)
            return {"ja": "カードを取り外しました。", "en": "The card was taken off."}

        self._tray_call(work, on_done)

    def _tray_call(self, work, on_done) -> None:
        def finished(future):
            try:
                on_done(future.result())
            except Exception as exc:
                log.exception("training tray")
                on_done({"ja": f"カードトレイの操作に失敗しました: {exc}",
                         "en": f"The training tray failed: {exc}"})

        self.bridge.when_done(self._background().submit(work), finished)

    def reset_on_training_card(self, secret: str, new_pin: str, on_done: Callable[[Any], None]) -> None:
        """The test card's administration resets ``secret`` to the holder's new PIN (test-only
        control of the training card, never a card command), off the GUI thread."""
        self._training_admin("request_reset", (secret, new_pin), on_done)
        del new_pin

    def switch_to_face_auth_on_training_card(self, on_done: Callable[[Any], None]) -> None:
        """The test card's administration makes the card a face-authentication card (PINs and
        signing certificate removed; test-only control of the training card), off the GUI thread."""
        self._training_admin("request_face_auth_switch", (), on_done)

    def renew_on_training_card(self, new_pins: dict[str, str], on_done: Callable[[Any], None]) -> None:
        """The test card's administration issues new certificates with the holder's new PINs
        (test-only control of the training card, never a card command), off the GUI thread."""
        self._training_admin("request_renewal", (dict(new_pins),), on_done)
        new_pins.clear()

    def _training_admin(self, request: str, args: tuple, on_done: Callable[[Any], None]) -> None:
        """Run ``TestCardAdministration.<request>(*args)`` on the chores thread; its instruction
        (or its error) comes back to ``on_done``, and the panel reads the card again."""
        from app.card.admin import TestCardAdministration

        admin = TestCardAdministration(self._stack().control_path(self._slot_of_reader()))
        future = self._background().submit(getattr(admin, request), *args)

        def done(f) -> None:
            try:
                answer = f.result()
            except Exception as exc:
                on_done(CardResult(False, error=exc))
                return
            on_done(CardResult(True, view=None, error={"ja": answer.instruction_ja, "en": answer.instruction_en}))
            self.refresh_card()

        self.bridge.when_done(future, done)

