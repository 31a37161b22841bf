"""The window's one door to the counter: a thin Qt adapter over :class:`app.desk.Desk`.

The counter's use cases (open, resume and drive a case, its documents, the queue, the gate
summary, resident search, sign-in and sign-off) live in ``app.desk`` and are reached through this
object unchanged (attribute access falls through to the desk). What is added here is Qt only: the
signals the card panel listens to, the card reader's Qt bridge and the flows that wait on the
card (:mod:`app.ui.cardlink`). Methods that touch the card take a GUI-thread callback and return
at once. Every rule is decided below this layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from app.config import OfficeConfig
from app.desk import Desk
from app.desk.counter import SignInResult, StartError  # noqa: F401  (the window's names)
from app.ui import i18n
from app.ui.cardbridge import CardBridge
from app.ui.cardlink import CardResult, CardSide
from app.ui.cardpanel import CardView
from app.workflows.engine import CaseError
# lazy imports: pages, dialogs and lower layers load on first use (the sign-in window first)


class Services(QObject, CardSide):
    """Everything the window needs, for one terminal and one store: the desk plus the card."""

    card_view_changed = Signal(object)     # CardView
    card_event = Signal(object)            # raw card events (card pulled mid-case, ...)

    def __init__(self, *, store=None, config: OfficeConfig, training: bool, card_service=None,
                 stack=None, store_path: Path | None = None, with_card: bool = True) -> None:
        """``card_service`` / ``stack``: a reader service and a PC/SC stack made elsewhere (tests
        share one per session); by default :meth:`start_card` makes them."""
        super().__init__()
        self.desk = Desk(store=store, config=config, training=training, store_path=store_path,
                         language=i18n.current)
        self.bridge = CardBridge(None, self)
        self.card_service = None
        self._given_card = card_service
        self._given_stack = stack
        self.with_card = with_card          # False: a terminal without a card reader
        self.card = CardView(reader=config.default_reader, state="no_service")

    def __getattr__(self, name: str):
        """Everything not Qt is the desk's (store, session, engine, cases, documents, ...)."""
        if name == "desk":
            raise AttributeError(name)
        return getattr(self.desk, name)

    @classmethod
    def open(cls, *, config: OfficeConfig, training: bool, store_path: Path | None,
             **options) -> "Services":
        """Cheap checks only, so the sign-in window shows at once; ``prepare`` does the rest."""
        return cls(store_path=Desk.locate(training=training, store_path=store_path), config=config,
                   training=training, **options)

    def close(self) -> None:
        if getattr(self, "sync_service", None) is not None:   # started by app.ui.syncstatus
            self.sync_service.on_change = None
            self.sync_service.stop()
            self.sync_service = None
        self.close_card()
        self.desk.close()

    def card_actions(self, view) -> list[str]:
        return self.desk.card_actions(view, reader=self.card_service is not None)

    # ---------------------------------------------------------------------------------- card flows
    def read_card_into_case(self, case_id: str, pin: str | None, on_done: Callable[[Any], None]) -> None:
        """Read the four items with the resident's input-support PIN (on the card thread), then
        fill the step's fields (``app.desk.cardfill``). The PIN goes to the card service only.
        A face-authentication card (no PIN: ``pin`` None) fills only what the card says of itself."""
        future = self.card_service.read_card(pin)
        del pin

        def done(f) -> None:
            try:
                readout = f.result()
            except Exception as exc:
                on_done(CardResult(False, error=exc))
                return
            self._show_tries(readout.tries_left)
            if readout.items is None and readout.face_auth:
                # no PIN to open the four items; what the card is goes into the case all the same
                from app.desk.cardfill import FACE_AUTH_READ
                try:
                    on_done(CardResult(True, view=self.desk.fill_from_card(case_id, readout), error=FACE_AUTH_READ))
                except CaseError as exc:
                    on_done(CardResult(False, error=exc))
                return
            if readout.items_error is not None or readout.items is None:
                on_done(CardResult(False, error=readout.items_error or {
                    "ja": "カードから4情報を読めませんでした。", "en": "The four items could not be read."}))
                return
            try:
                on_done(CardResult(True, view=self.desk.fill_from_card(case_id, readout)))
            except CaseError as exc:
                on_done(CardResult(False, error=exc))

        self.bridge.when_done(future, done)

    def authenticate_with_card(self, pin: str, on_done: Callable[[SignInResult], None],
                               then: Callable[[Any], SignInResult]) -> None:
        """A staff member proves who they are with their own card: the card signs a fresh challenge
        after their PIN (on the card thread); app.security checks the certificate registered to
        the account. ``then(authenticated)`` runs on the GUI thread and gives the result."""
        from app.security.staff import AuthError, StaffError

        self.desk.prepare()
        if self.card_service is None:
            on_done(SignInResult(False, error={"ja": "カードリーダーが使えません。パスワードを使ってください。",
                                               "en": "No card reader is available. Use the password."}))
            return
        challenge = self.desk.card_challenge()
        future = self.card_service.sign_challenge(pin, challenge.message)
        del pin

        def done(f) -> None:
            try:
                signature, cert = f.result()
                auth = self.desk.authenticate_card(challenge, signature, cert.der)
            except (AuthError, StaffError) as exc:
                on_done(SignInResult(False, error=exc if isinstance(exc, AuthError)
                                     else {"ja": str(exc), "en": str(exc)}))
                return
            except Exception as exc:       # a typed card error: wrong PIN, card pulled, ...
                on_done(SignInResult(False, error=exc))
                return
            result = then(auth)
            if result is not None:          # None: ``then`` answers later through on_done
                on_done(result)

        self.bridge.when_done(future, done)

    def sign_in_card(self, pin: str, on_done: Callable[[SignInResult], None], only=None) -> None:
        """Staff sign-in with their own card."""
        self.authenticate_with_card(pin, on_done, lambda auth: self.desk.start_session(auth, only))

    def sign_with_card(self, pin: str, on_done: Callable[[Any], None], *,
                       draft: Callable[[Any], Any], commit: Callable[[Any, bytes], Any]) -> None:
        """Something signed by a person's own card on this terminal's reader (PIN typed by that
        person): the card signs them in (a fresh challenge), ``draft(person)`` builds what they
        sign — ``(message, state)``, or a ``SignInResult`` refusal before anything is signed —,
        the card signs ``message`` (a second signature on the card thread; the GUI never waits)
        and ``commit(state, signature)`` stores it and gives the result for ``on_done``. A typed
        card error (wrong PIN, card pulled) or a refusal of ``commit`` comes to ``on_done`` as a
        failed ``SignInResult``: nothing is stored."""
        pin_box = [pin]
        del pin

        def then(person):
            drafted = draft(person)
            if isinstance(drafted, SignInResult):       # refused before anything was signed
                pin_box.clear()
                return drafted
            message, state = drafted

            def signed(f) -> None:
                try:
                    signature, _cert = f.result()
                    result = commit(state, signature)
                except Exception as exc:    # a refusal below or a typed card error
                    on_done(SignInResult(False, error=exc))
                    return
                on_done(result)

            self.bridge.when_done(self.card_service.sign_challenge(pin_box.pop(), message), signed)
            return None

        self.authenticate_with_card(pin_box[0], on_done, then)

    def sign_off_with_card(self, view, pin: str, *, action: str, checks: list[str], note: str,
                           on_done: Callable[[SignInResult], None]) -> None:
        """The officer signs in with their own card and the card signs the release or refusal
        itself (:meth:`sign_with_card`). What is signed and committed is the desk's
        (``Desk.draft_release`` / ``Desk.commit_release``)."""
        def draft(officer):
            drafted = self.desk.draft_release(view, officer, action, checks, note)
            return drafted if isinstance(drafted, SignInResult) else (drafted.message, (drafted, officer))

        def commit(state, signature):
            drafted, officer = state
            self.desk.commit_release(drafted, signature)
            return SignInResult(True, staff=officer.staff)

        self.sign_with_card(pin, on_done, draft=draft, commit=commit)

    def ledger_with_card(self, pin: str, action: Callable[[Any, Any], Any],
                         on_done: Callable[[Any], None], *, only_staff: str | None = None) -> None:
        """A support-measure ledger event signed by the person's own card, the way a release is
        (:meth:`sign_with_card`): ``action(person, card_sign)`` is the engine call (``app.security.
        registration``), run once to build the event (rolled back) and again with the card's
        signature (``CardSignature``). ``only_staff``: the card must be this person's (signing as
        the signed-in person). ``on_done(CardResult)`` with the action's result as ``view``."""
        from app.security.measures import MeasureError
        from app.security.registration import CardSignature

        def draft(person):
            if only_staff is not None and person.staff.id != only_staff:
                return SignInResult(False, error={"ja": "ご自身のカードで署名してください。",
                                                  "en": "Sign with your own card."})
            card = CardSignature()
            try:
                return card.draft(lambda sign: action(person, sign)), (person, card)
            except MeasureError as exc:
                return SignInResult(False, error=exc)

        def commit(state, signature):
            person, card = state
            return CardResult(True, view=card.commit(lambda sign: action(person, sign), signature))

        self.sign_with_card(pin, on_done, draft=draft, commit=commit)
