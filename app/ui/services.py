"""The window's one door to the UI-free layers: store, staff sign-in and session (app.security),
case engine (app.workflows), resident search (app.store), card reader (app.card) and documents
(app.printing).

Widgets call these methods and render what comes back; every rule is decided below this layer.
The card reader is reached only through the card service's own thread: methods that touch the
card take a GUI-thread callback and return at once (see :mod:`app.ui.cardbridge`).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from app.config import OfficeConfig
from app.errors import MadoguchiError
from app.rules.codes import Secret
from app.ui.cardbridge import CardBridge
from app.ui.cardpanel import CardView

log = logging.getLogger(__name__)


class StartError(MadoguchiError):
    """The window cannot start (store missing or refused); the message is for the clerk."""

    code = "window.start"


@dataclass(frozen=True)
class SignInResult:
    ok: bool
    staff: Any = None
    error: Any = None        # ja/en (an AuthError, a dict or a Reason)


def hit_name_line(hit) -> str:
    """Name with kana as the result list shows it (a store ``ResidentHit``)."""
    return f"{hit.family_name} {hit.given_name}（{hit.family_kana} {hit.given_kana}）"


SEX_NAMES = {1: ("男", "male"), 2: ("女", "female"), 9: ("―", "n/a")}

#: how a word typed into the one search box is understood, tried in order: (test, query field)
SEARCH_WORDS = (
    (lambda w: len(w) == 12 and w.isdigit(), "my_number"),
    (lambda w: w in ("男", "女", "男性", "女性", "male", "female"), "sex"),
    (lambda w: _is_date(w), "birth_date"),
    (lambda w: any(c.isdigit() for c in w) or w.endswith(("市", "町", "村", "区", "丁目", "番地")), "address"),
    (lambda w: True, "name"),
)


def _is_date(word: str) -> bool:
    from app.store.normalize import parse_birth_date

    try:
        parse_birth_date(word)
    except Exception:
        return False
    return True


def parse_search(text: str) -> dict:
    """The words of the search box as a resident query (name words are joined)."""
    import unicodedata

    query: dict = {}
    for raw in unicodedata.normalize("NFKC", text).replace("\u3000", " ").split():
        word = raw.replace("-", "") if raw.replace("-", "").isdigit() and len(raw.replace("-", "")) == 12 else raw
        for test, key in SEARCH_WORDS:
            if test(word):
                query[key] = (query.get(key, "") + word) if key == "name" else word
                break
    return query


class ReleaseView:
    """A release in force, as the countdown shows it (the decision stays with app.security)."""

    def __init__(self, release, officer_name: str) -> None:
        self.release = release
        self.officer_name = officer_name

    def seconds_left(self) -> float:
        return self.release.seconds_left()


@dataclass(frozen=True)
class CardResult:
    ok: bool
    view: Any = None
    error: Any = None


@dataclass(frozen=True)
class TrayCard:
    label: str
    path: str
    status: str = "active"


@dataclass(frozen=True)
class QueueEntry:
    case_id: str
    case_type: str
    status: str
    step: Any           # ja/en of the step
    resident: str
    opened_at: str
    clerk: str


class Services(QObject):
    """Everything the window needs, for one terminal and one store."""

    card_view_changed = Signal(object)     # CardView
    card_event = Signal(object)            # raw card events (card pulled mid-case, ...)

    def __init__(self, *, store=None, config: OfficeConfig, training: bool, card_service=None,
                 stack=None, store_path: Path | None = None, with_card: bool = True) -> None:
        """``card_service`` / ``stack``: a reader service and a PC/SC stack made elsewhere (tests
        share one per session); by default :meth:`start_card` makes them."""
        super().__init__()
        self.store = store
        self.store_path = store_path
        self.config = config
        self.training = training
        self.terminal_id = config.terminal_id
        self.session = None
        self._engine = None
        self.bridge = CardBridge(None, self)
        self.card_service = None
        self._given_card = card_service
        self._given_stack = stack
        self.with_card = with_card          # False: a terminal without a card reader
        self.card = CardView(reader=config.default_reader, state="no_service")

    # ---------------------------------------------------------------------------------- start
    @classmethod
    def open(cls, *, config: OfficeConfig, training: bool, store_path: Path | None,
             **options) -> "Services":
        """Cheap checks only, so the sign-in window shows at once; :meth:`prepare` does the rest."""
        from app.paths import default_store_path

        path = store_path or default_store_path(training)
        if not training and path.parent.exists() and not os.access(path.parent, os.R_OK | os.X_OK):
            raise StartError(f"この OS アカウントは端末のストア {path} を使えません（グループ madoguchi に入っていません）。\n"
                             f"This OS account may not use the terminal's store {path} (it is not in the "
                             "group madoguchi). Ask office IT staff to add it.")
        if not path.exists() and not training:
            raise StartError(f"ローカルストアがありません: {path}\nNo local store at {path}. "
                             "Ask office IT staff to set up this terminal.")
        return cls(store=None, store_path=path, config=config, training=training, **options)

    def prepare(self) -> None:
        """Open the store (and, in training mode, make the training accounts). Called right after
        the sign-in window is shown, and before anything needs the store; idempotent."""
        if self.store is not None:
            return
        from app.store import StoreError, open_store

        try:
            self.store = open_store(self.store_path, create=self.training)
        except StoreError as exc:
            raise StartError(str(exc)) from exc
        if self.training:
            from app.security.demo import NotTrainingStoreError, create_training_accounts

            try:
                create_training_accounts(self.store, terminal_id=self.terminal_id)
            except NotTrainingStoreError as exc:      # training mode never touches a live store
                raise StartError(str(exc)) from exc

    def close(self) -> None:
        if getattr(self, "sync_service", None) is not None:   # started by app.ui.syncstatus
            self.sync_service.on_change = None
            self.sync_service.stop()
            self.sync_service = None
        if self.card_service is not None:
            try:
                self.card_service.stop()
            except Exception:
                log.exception("closing the card service")
        if getattr(self, "_chores", None) is not None:
            self._chores.shutdown(wait=True)
        if self.training and self._given_stack is None and "app.card.stack" in sys.modules:
            sys.modules["app.card.stack"].stop_training_stack()
        if self.store is not None:
            self.store.close()

    def remember_language(self, lang: str) -> None:
        self.config.language = lang
        self.config.save()

    # ---------------------------------------------------------------------------------- session
    def touch(self) -> None:
        if self.session is not None:
            self.session.touch()

    def session_locked(self) -> bool:
        return self.session is not None and self.session.is_locked()

    def lock_session(self):
        if self.session is None:
            return None
        self.session.lock()
        return self.session.staff

    def sign_out(self) -> None:
        self.session = None
        self._engine = None

    @property
    def staff(self):
        return self.session.staff if self.session else None

    def _start_session(self, auth, only) -> SignInResult:
        from app.security.staff import AuthError, Session

        if only is not None and self.session is not None:
            try:
                self.session.unlock(auth)
            except AuthError as exc:
                return SignInResult(False, error=exc)
        else:
            self.session = Session.start(self.store, auth)
            self._engine = None
        return SignInResult(True, staff=auth.staff)

    def sign_in_password(self, login: str, password: str, only=None) -> SignInResult:
        from app.security.staff import AuthError, authenticate_password

        self.prepare()
        try:
            auth = authenticate_password(self.store, login, password, terminal_id=self.terminal_id)
        except AuthError as exc:
            return SignInResult(False, error=exc)
        return self._start_session(auth, only)


    def search_residents(self, text: str, limit: int = 50, context: str = "ui.search"):
        """Residents matching the search box; returns (hits, error) with the error for the clerk."""
        from app.store.search import ResidentQuery, SearchError, search_residents

        try:
            result = search_residents(self.store, ResidentQuery(**parse_search(text), limit=limit))
        except SearchError as exc:
            ja, _, en = str(exc).partition(" / ")
            return [], {"ja": ja, "en": en or ja}
        hits = list(result.hits)
        self.audit_lookup([h.id for h in hits if h.restricted], context)
        if result.truncated:
            return hits, {"ja": f"{len(hits)} 件を超えました。条件を加えて絞り込んでください。",
                          "en": f"More than {len(hits)} matches: add to the search to narrow it."}
        return hits, None

    def audit_lookup(self, resident_ids, context: str) -> set[str]:
        """DV point 11: every look-up of a protected person is audited (operator, terminal)."""
        if not resident_ids:
            return set()
        from app.security.restriction import record_lookup

        staff = self.session.staff.id if self.session else None
        return record_lookup(self.store, resident_ids, staff_id=staff, terminal_id=self.terminal_id,
                             context=context)

    def staff_name(self, staff_id: str) -> str:
        row = self.store.conn.execute("SELECT display_name FROM staff WHERE id = ?", (staff_id,)).fetchone()
        return row[0] if row else staff_id[:8]

    # ---------------------------------------------------------------------------------- cases
    @property
    def engine(self):
        from app.workflows.engine import CaseEngine

        if self._engine is None:
            if self.session is None:
                raise RuntimeError("no one is signed in")
            self._engine = CaseEngine(self.store, staff_id=self.session.staff.id,
                                      terminal_id=self.terminal_id)
        return self._engine

    def case_view(self, case_id: str):
        return self.engine.current_step(case_id)

    def tick(self, case_id: str, item_id: str, checked: bool):
        return self.engine.tick(case_id, item_id, checked)

    def set_value(self, case_id: str, field_id: str, value):
        return self.engine.set_value(case_id, field_id, value)

    def next(self, case_id: str):
        return self.engine.next(case_id)

    def back(self, case_id: str):
        return self.engine.back(case_id)

    def pause(self, case_id: str):
        return self.engine.pause(case_id)

    def resume(self, case_id: str):
        return self.engine.resume(case_id)

    def abandon(self, case_id: str):
        return self.engine.abandon(case_id)

    #: where a resident chosen on the home page goes when a case starts (field id → as a list?)
    PRESELECT_FIELDS = {"holder_resident_id": False, "target_resident_ids": True}

    def start_case(self, case_type: str, resident_id: str | None = None) -> str:
        view = self.engine.open_case(case_type)
        if resident_id:
            for f in view.fields:
                if f.id in self.PRESELECT_FIELDS:
                    value = [resident_id] if self.PRESELECT_FIELDS[f.id] else resident_id
                    self.engine.set_value(view.case_id, f.id, value)
                    break
        return view.case_id

    def open_case(self, case_id: str) -> str:
        """Open a case from the queue; a paused case is resumed."""
        state = self.engine.state(case_id)
        if state.status == "paused":
            self.engine.resume(case_id)
        return case_id

    def interrupted_case(self) -> str | None:
        """The case that was open on this terminal when the app stopped (leaving a case through
        the window always pauses it, so an "open" case here means the app did not get to)."""
        rows = self.engine.queue(("open",), terminal_id=self.terminal_id, limit=1)
        return rows[0].case_id if rows else None

    #: queue tab → engine statuses
    QUEUE_STATUSES = {
        "open": ("open",),
        "paused": ("paused",),
        "awaiting_signoff": ("awaiting_release",),
        "done": ("completed", "refused", "abandoned"),
    }

    def queue(self, tab: str) -> list[QueueEntry]:
        import datetime as dt

        today = dt.date.today().isoformat()
        out = []
        for row in self.engine.queue(self.QUEUE_STATUSES[tab], limit=200):
            if tab == "done" and not row.updated_at.startswith(today):
                continue
            state = self.engine.state(row.case_id)
            ctype = self.engine.case_types.get(row.case_type)
            step = ctype.step(row.step) if ctype else None
            out.append(QueueEntry(
                case_id=row.case_id, case_type=row.case_type, status=row.status,
                step={"ja": step.ja, "en": step.en} if step else row.step,
                resident=self._resident_label(state.plain_values), opened_at=row.opened_at[11:16],
                clerk=self.staff_name(row.opened_by)))
        return out

    def _resident_label(self, values: dict) -> str:
        ids = [v for k, v in values.items() if isinstance(v, str) and k.endswith("resident_id")]
        ids += [x for k, v in values.items() if isinstance(v, list) and k.endswith("resident_ids")
                for x in v]
        if not ids:
            name = " ".join(x for x in (values.get("family_name"), values.get("given_name")) if x)
            return name
        row = self.store.conn.execute("SELECT family_name, given_name FROM residents WHERE id = ?",
                                      (ids[0],)).fetchone()
        return f"{row[0]} {row[1]}" if row else ""

    def case_subject(self, view) -> str:
        return self._resident_label({f.id: f.value for f in view.fields}) or ""

    def describe_value(self, field) -> str:
        value = field.value
        if value is None:
            return "—"
        if field.kind == "resident":
            return self._resident_label({"resident_id": value}) or value
        if field.kind == "residents":
            return "、".join(self._resident_label({"resident_id": v}) for v in value)
        if field.kind == "json":
            from app.ui import i18n
            from app.ui.cardpanel import SECRET_NAMES

            names = {s.value: i18n.pick(*n) for s, n in SECRET_NAMES.items()}   # retry counters
            return "\n".join(f"{names.get(k, k)}: {v}" for k, v in value.items() if k != "my_number")
        return str(value)

    # ---------------------------------------------------------------------------------- restriction
    def release_minutes(self) -> int:
        from app.security import settings

        return settings.get(self.store, "security.release_minutes")

    def gate_summary(self, view) -> str:
        """Readable summary of the request the gate stopped: case, persons, documents, requester."""
        from app.ui.mainwindow import case_type_name
        from app.ui import i18n

        scope = (view.gate or {}).get("scope", {})
        persons = [self._resident_label({"resident_id": p}) for p in scope.get("persons", [])]
        lines = [
            i18n.pick("案件", "Case") + f": {case_type_name(view.case_type)}",
            i18n.pick("処理担当", "Handling clerk") + f": {self.staff_name(scope.get('handling_staff_id', ''))}",
            i18n.pick("対象者", "Persons in scope") + ": " + ("、".join(persons) or "—"),
        ]
        label = lambda field_id, code: self._choice_label(view.case_type, field_id, code)  # noqa: E731
        if scope.get("documents"):
            lines.append(i18n.pick("書類", "Documents") + ": " + "、".join(
                label("document", d) for d in scope["documents"]))
        if scope.get("requester_type"):
            lines.append(i18n.pick("請求者", "Requester") + ": " + label("requester_type", scope["requester_type"]))
        if scope.get("purpose"):
            lines.append(i18n.pick("目的", "Purpose") + ": " + label("purpose", scope["purpose"]))
        if scope.get("mail_to"):
            lines.append(i18n.pick("郵送先", "Mail to") + ": " + "、".join(
                self._resident_label({"resident_id": p}) for p in scope["mail_to"]))
        return "\n".join(lines)

    def _choice_label(self, case_type: str, field_id: str, code: str) -> str:
        """The words for a choice code, from the case type's own field definition."""
        from app.ui import i18n

        try:
            spec = self.engine.case_types[case_type].field(field_id)
        except KeyError:
            return code
        return next((i18n.pick(c.ja, c.en) for c in spec.choices if c.code == code), code)

    # ---------------------------------------------------------------------------------- card
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
            return
        if self.training:
            def start_stack():
                self._stack()
                return True
            self.card = CardView(state="no_service")
            self.bridge.when_done(self._background().submit(start_stack), self._stack_started)
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
        if state == "mynumber":
            self.refresh_tries()
        self.card_view_changed.emit(self.card)
        self.card_event.emit(event)

    def refresh_tries(self) -> None:
        """Read the tries left of the four secrets (no try is used) and show them."""
        if self.card_service is None:
            return

        def done(future) -> None:
            from app.rules.codes import Secret

            try:
                tries = future.result()
            except Exception as exc:
                self.card.detail = exc
                self.card.tries = {}
            else:
                self.card.tries = {Secret(code): left for code, left in tries.items()}
                self.card.detail = None
            self.card_view_changed.emit(self.card)

        self.bridge.when_done(self.card_service.tries_left(), done)

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
        self.card_view_changed.emit(self.card)

    def card_was_pulled(self, event) -> bool:
        return getattr(event.kind, "value", event.kind) in ("card_removed", "reader_gone")

    #: fields a card read fills, by field id: value from the readout (None: leave as it is)
    CARD_FILLS = {
        "family_name": lambda r, s: r.items.family_name,
        "given_name": lambda r, s: r.items.given_name,
        "address": lambda r, s: r.items.address,
        "birth_date": lambda r, s: r.items.birth_date,
        "sex": lambda r, s: r.items.sex,
        "holder_resident_id": lambda r, s: s._resident_by_number(r.my_number),
        # who asks, read from their own card (the card has no kana: from their record, if here)
        "requester_family_name": lambda r, s: r.items.family_name,
        "requester_given_name": lambda r, s: r.items.given_name,
        "requester_birth_date": lambda r, s: r.items.birth_date,
        "requester_address": lambda r, s: r.items.address,
        "requester_family_kana": lambda r, s: s._kana_by_number(r.my_number, 0),
        "requester_given_kana": lambda r, s: s._kana_by_number(r.my_number, 1),
    }

    #: json fields filled with the retry counters read from the card
    COUNTER_FIELDS = ("retry_counters",)

    def card_actions(self, view) -> list[str]:
        """Card actions this step offers: "read_items" (the resident types the input-support PIN;
        fills the four items / the holder) and "read_tries" (retry counters, no try used)."""
        if self.card_service is None or view.status != "open":
            return []
        actions = []
        if any(f.id in self.CARD_FILLS for f in view.fields):
            actions.append("read_items")
        if any(f.id in self.COUNTER_FIELDS for f in view.fields):
            actions.append("read_tries")
        if (view.case_type, view.step) in self.RESET_STEPS and self.training:
            actions.append("reset_on_card")
        return actions

    #: steps where the PIN reset happens: in training the test card's administration does it
    #: (the holder types the new PIN here); live, the J-LIS terminal does (step guide and tick)
    RESET_STEPS = {("pin_reset", "reset")}

    def secrets_to_reset(self, case_id: str) -> list[str]:
        return list(self.engine.state(case_id).plain_values.get("secrets") or [])

    def _slot_of_reader(self) -> int:
        from app.card.stack import SLOTS, reader_name

        return next((i for i in range(SLOTS) if reader_name(i) == self.card.reader), 0)

    def reset_on_training_card(self, secret: str, new_pin: str, on_done: Callable[[Any], None]) -> None:
        """The test card's administration resets ``secret`` to the holder's new PIN (test-only
        control of the training card, never a card command), off the GUI thread."""
        from app.card.admin import TestCardAdministration

        admin = TestCardAdministration(self._stack().control_path(self._slot_of_reader()))
        future = self._background().submit(admin.request_reset, secret, new_pin)
        del new_pin

        def done(f) -> None:
            try:
                request = f.result()
            except Exception as exc:
                on_done(CardResult(False, error=exc))
                return
            on_done(CardResult(True, view=None, error={"ja": request.instruction_ja,
                                                       "en": request.instruction_en}))
            self.refresh_tries()

        self.bridge.when_done(future, done)

    def _kana_by_number(self, my_number: str | None, part: int) -> str | None:
        """The family (0) or given (1) kana of the resident with this My Number, if registered here."""
        rid = self._resident_by_number(my_number)
        if rid is None:
            return None
        row = self.store.conn.execute("SELECT family_kana, given_kana FROM residents WHERE id = ?", (rid,)).fetchone()
        return row[part] if row and row[part] else None

    def _resident_by_number(self, my_number: str | None) -> str | None:
        if not my_number:
            return None
        from app.store.search import ResidentQuery, SearchError, search_residents

        try:
            hits = search_residents(self.store, ResidentQuery(my_number=my_number)).hits
        except SearchError:
            return None
        return hits[0].id if hits else None

    def read_card_into_case(self, case_id: str, pin: str, on_done: Callable[[Any], None]) -> None:
        """Read the four items with the resident's input-support PIN (on the card thread), then
        fill the step's fields. The PIN goes to the card service and nowhere else."""
        future = self.card_service.read_card(pin)
        del pin

        def done(f) -> None:
            from app.workflows.engine import CaseError

            try:
                readout = f.result()
            except Exception as exc:
                on_done(CardResult(False, error=exc))
                return
            self.card.tries = {Secret(c): left for c, left in readout.tries_left.items()}
            self.card_view_changed.emit(self.card)
            if readout.items_error is not None or readout.items is None:
                on_done(CardResult(False, error=readout.items_error or {
                    "ja": "カードから4情報を読めませんでした。", "en": "The four items could not be read."}))
                return
            view = self.engine.current_step(case_id)
            # a step that asks for the card holder reads the holder's card: it says nothing
            # about who came (an agent types their own particulars)
            holder_card = any(f.id == "holder_resident_id" for f in view.fields)
            try:
                for field in view.fields:
                    if holder_card and field.id.startswith("requester_"):
                        continue
                    fill = self.CARD_FILLS.get(field.id)
                    value = fill(readout, self) if fill else None
                    if value is not None:
                        view = self.engine.set_value(case_id, field.id, value)
            except CaseError as exc:
                on_done(CardResult(False, error=exc))
                return
            on_done(CardResult(True, view=view))

        self.bridge.when_done(future, done)

    def read_tries_into_case(self, case_id: str, field_id: str, on_done: Callable[[Any], None]) -> None:
        """Read the retry counters from the card (no try used) into a json field of the step."""
        def done(f) -> None:
            try:
                tries = f.result()
            except Exception as exc:
                on_done(CardResult(False, error=exc))
                return
            self.card.tries = {Secret(c): left for c, left in tries.items()}
            self.card_view_changed.emit(self.card)
            on_done(CardResult(True, view=self.engine.set_value(case_id, field_id, dict(tries))))

        self.bridge.when_done(self.card_service.tries_left(), done)

    def authenticate_with_card(self, pin: str, on_done: Callable[[SignInResult], None],
                               then: Callable[[Any], SignInResult]) -> None:
        """A staff member proves who they are with their own card: the card signs a fresh challenge
        after their PIN (on the card thread); app.security checks the certificate registered to
        the account. ``then(authenticated)`` runs on the GUI thread and gives the result."""
        from app.security import cardauth
        from app.security.staff import AuthError, StaffError

        self.prepare()
        if self.card_service is None:
            on_done(SignInResult(False, error={"ja": "カードリーダーが使えません。パスワードを使ってください。",
                                               "en": "No card reader is available. Use the password."}))
            return
        challenge = cardauth.new_challenge(self.terminal_id)
        future = self.card_service.sign_challenge(pin, challenge.message)
        del pin

        def done(f) -> None:
            try:
                signature, cert = f.result()
                auth = cardauth.authenticate_card(self.store, challenge, signature, cert.der,
                                                  terminal_id=self.terminal_id)
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
        self.authenticate_with_card(pin, on_done, lambda auth: self._start_session(auth, only))

    # ---------------------------------------------------------------------------------- documents
    def has_documents(self, view) -> bool:
        """A case that has ended has at least its processing slip (処理票)."""
        return view.status in ("completed", "refused", "abandoned")

    def documents_for(self, view) -> list:
        """The PDFs of an ended case, made by ``app.printing``: the processing slip, the refusal
        notice of a refused case, and the copy of a completed issuance — issued (numbered and
        recorded) once; a case whose copy was already issued is not issued again here."""
        from app.printing import case_adapter
        from app.printing.issuance import issuance_history
        from app.printing.letters import render_refusal
        from app.printing.model import PrintRefused
        from app.printing.slip import render_slip
        from app.ui.preview import Document

        if not self.has_documents(view):
            return []
        cache = self.__dict__.setdefault("_documents", {})
        if view.case_id in cache:
            return cache[view.case_id]
        docs = []
        short = view.case_id[:8]
        if view.status == "completed" and view.case_type == "copy_issuance":
            if not issuance_history(self.store, case_id=view.case_id):
                # The copy and, for a posted copy, its cover letter to the address the rules
                # allowed (never a perpetrator's: then nothing is issued) in one transaction.
                try:
                    printed = case_adapter.issue_case_copies(
                        self.store, view.case_id, staff_id=self.staff.id, office=self.config,
                        training=self.training)
                except PrintRefused as exc:
                    # shown to the clerk by the page (print_refusal); the slip is still made
                    log.warning("copy not printed for case %s: %s", short, exc)
                    self.__dict__.setdefault("_print_refusals", {})[view.case_id] = str(exc)
                else:
                    for p in printed:
                        if p.kind == "copy":
                            docs.append(Document("住民票の写し等（交付番号 " + p.issue_number + "）",
                                                 f"Copy (issue number {p.issue_number})", p.pdf,
                                                 f"copy-{p.issue_number}.pdf"))
                        elif p.kind == "cover_letter":
                            docs.append(Document("送付書（交付番号 " + p.issue_number + "）",
                                                 f"Cover letter (issue number {p.issue_number})", p.pdf,
                                                 f"cover-letter-{p.issue_number}.pdf"))
                        # the processing slip is added below, as for every ended case
        if view.status == "refused":
            notice = case_adapter.refusal_from_case(self.store, view.case_id, office=self.config,
                                                    training=self.training)
            docs.append(Document("お知らせ（交付できない理由）", "Refusal notice", render_refusal(notice),
                                 f"refusal-{short}.pdf"))
        slip = case_adapter.slip_from_case(self.store, view.case_id, office=self.config, training=self.training)
        docs.append(Document("処理票", "Processing slip", render_slip(slip), f"slip-{short}.pdf"))
        cache[view.case_id] = docs
        return docs

    def print_refusal(self, case_id: str) -> str | None:
        """Why the copy of this case was not issued (printing's refusal, ja / en), if it was not."""
        return self.__dict__.get("_print_refusals", {}).get(case_id)

    def current_scope(self, case_id: str):
        """The request of a case as it stands now (the scope the restriction stage judges)."""
        return self.engine.current_scope(case_id)

    def active_release(self, view) -> "ReleaseView | None":
        """The support officer's release that opens this request now, for the countdown."""
        if view.status not in ("open", "awaiting_release"):
            return None
        last = ((view.decision or {}).get("decision") or {}).get("data") or {}
        if view.status != "awaiting_release" and "release_id" not in last:
            return None            # no protected person was in this request
        from app.security import release as releases

        release = releases.valid_release(self.store.conn, self.current_scope(view.case_id))
        if release is None:
            return None
        return ReleaseView(release, self.staff_name(release.officer_id))

    def _decide_release(self, view, officer, action: str, checks: list[str], note: str) -> SignInResult:
        """Grant or refuse on the request the case stopped on, as the signed-in ``officer``."""
        from app.security import release as releases

        scope = self.engine.gate_scope(view.case_id) or self.current_scope(view.case_id)
        try:
            if action == "release":
                releases.grant(self.store, scope, officer, checklist={c: True for c in checks},
                               note=note or None)
            else:
                releases.refuse(self.store, scope, officer, reason=note)
        except releases.ReleaseError as exc:
            return SignInResult(False, error=exc)
        return SignInResult(True, staff=officer.staff)

    def sign_off_with_card(self, view, pin: str, *, action: str, checks: list[str], note: str,
                           on_done: Callable[[SignInResult], None]) -> None:
        """The officer signs in with their own card on this terminal's reader (PIN typed by the
        officer), then the card signs the release or refusal itself (a second signature on the
        card thread; the GUI never waits): a card sign-off is signed by the card."""
        from app.security import release as releases

        pin_box = [pin]
        del pin

        def then(officer):
            scope = self.engine.gate_scope(view.case_id) or self.current_scope(view.case_id)
            try:
                draft = releases.prepare(
                    self.store, scope, officer,
                    decision="released" if action == "release" else "refused",
                    reason=note or None,
                    checklist={c: True for c in checks} if action == "release" else {})
            except releases.ReleaseError as exc:
                pin_box.clear()
                return SignInResult(False, error=exc)

            def signed(f) -> None:
                try:
                    signature, _cert = f.result()
                    releases.commit(self.store, draft, signature)
                except Exception as exc:    # a release refusal or a typed card error
                    on_done(SignInResult(False, error=exc))
                    return
                on_done(SignInResult(True, staff=officer.staff))

            self.bridge.when_done(self.card_service.sign_challenge(pin_box.pop(), draft.message),
                                  signed)
            return None

        self.authenticate_with_card(pin_box[0], on_done, then)

    def sign_off(self, view, login: str, password: str, *, action: str, checks: list[str],
                 note: str) -> SignInResult:
        """A second person signs in on the spot and releases or refuses this request. Who may do
        it (a support officer who never worked on the case) is decided by ``app.security``."""
        from app.security.staff import AuthError, authenticate_password

        if not login or not password:
            return SignInResult(False, error={"ja": "責任者の職員IDとパスワードを入力してください。",
                                              "en": "Type the officer's staff ID and password."})
        try:
            officer = authenticate_password(self.store, login, password, terminal_id=self.terminal_id)
        except AuthError as exc:
            return SignInResult(False, error=exc)
        return self._decide_release(view, officer, action, checks, note)

    # ---------------------------------------------------------------------------------- training tray
    def _background(self):
        """One worker thread for slow non-card chores (the training stack); never the card thread."""
        if getattr(self, "_chores", None) is None:
            from concurrent.futures import ThreadPoolExecutor

            self._chores = ThreadPoolExecutor(1, thread_name_prefix="ui-chores")
        return self._chores

    def tray_cards(self) -> list[TrayCard]:
        """The demo store's test cards (training mode only)."""
        if not self.training or self.store is None:
            return []
        base = Path(self.store_path).parent if self.store_path else Path(".")
        cards = []
        for card_file, family, given, status in self.store.conn.execute(
                "SELECT c.card_file, r.family_name, r.given_name, c.status FROM cards c "
                "JOIN residents r ON r.id = c.resident_id WHERE c.card_file IS NOT NULL "
                "ORDER BY r.family_kana, r.given_kana"):
            path = Path(card_file)
            if not path.is_absolute():
                path = base / path
            cards.append(TrayCard(f"{family} {given}", str(path), status))
        return cards

    def tray_slots(self) -> list[str]:
        if not self.training:
            return []
        from app.card.stack import SLOTS, reader_name

        return [reader_name(i) for i in range(SLOTS)]

    def _stack(self):
        if self._given_stack is not None:
            return self._given_stack
        from app.card.stack import training_stack

        return training_stack()

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
