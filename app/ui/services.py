"""The window's one door to the UI-free layers: store, staff sign-in and session (app.security),
case engine (app.workflows), resident search (app.store), card reader (app.card) and documents
(app.printing).

Widgets call these methods and render what comes back; every rule is decided below this layer.
The card reader is reached only through the card service's own thread: methods that touch the
card take a GUI-thread callback and return at once (see :mod:`app.ui.cardbridge`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from app.config import OfficeConfig
from app.ui.cardbridge import CardBridge
from app.ui.cardpanel import CardView

log = logging.getLogger(__name__)


class StartError(Exception):
    """The window cannot start (store missing or refused); the message is for the clerk."""


@dataclass(frozen=True)
class SignInResult:
    ok: bool
    staff: Any = None
    error: Any = None        # ja/en (an AuthError, a dict or a Reason)


@dataclass(frozen=True)
class ResidentRow:
    id: str
    family_name: str
    given_name: str
    family_kana: str
    given_kana: str
    birth_date: str
    sex: int
    address: str
    my_number_masked: str
    restricted: bool
    status: str = "active"

    def name_line(self) -> str:
        kana = f"{self.family_kana} {self.given_kana}".strip()
        return f"{self.family_name} {self.given_name}（{kana}）"

    def sex_names(self) -> tuple[str, str]:
        return {1: ("男", "male"), 2: ("女", "female")}.get(self.sex, ("―", "n/a"))


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

    def __init__(self, *, store, config: OfficeConfig, training: bool, card_service=None,
                 tray=None) -> None:
        super().__init__()
        self.store = store
        self.config = config
        self.training = training
        self.terminal_id = config.terminal_id
        self.session = None
        self._engine = None
        self.bridge = CardBridge(card_service, self)
        self.card_service = card_service
        self.tray = tray
        self.card = CardView(reader=config.default_reader, state="no_service" if card_service is None else "no_reader")

    # ---------------------------------------------------------------------------------- start
    @classmethod
    def open(cls, *, config: OfficeConfig, training: bool, store_path: Path | None) -> "Services":
        from app.paths import default_store_path
        from app.store import StoreError, open_store

        path = store_path or default_store_path(training)
        if not path.exists() and not training:
            raise StartError(f"ローカルストアがありません: {path}\nNo local store at {path}. "
                             "Ask office IT staff to set up this terminal.")
        try:
            store = open_store(path, create=training)
        except StoreError as exc:
            raise StartError(str(exc)) from exc
        if training:
            from app.security.demo import create_training_accounts

            create_training_accounts(store, terminal_id=config.terminal_id)
        return cls(store=store, config=config, training=training)

    def close(self) -> None:
        if self.card_service is not None:
            try:
                self.card_service.close()
            except Exception:
                log.exception("closing the card service")
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

        try:
            auth = authenticate_password(self.store, login, password, terminal_id=self.terminal_id)
        except AuthError as exc:
            return SignInResult(False, error=exc)
        return self._start_session(auth, only)

    def card_sign_in_available(self) -> bool:
        return self.card_service is not None

    def sign_in_card(self, pin: str, on_done: Callable[[SignInResult], None], only=None) -> None:
        on_done(SignInResult(False, error={"ja": "カードリーダーが使えません。パスワードでサインインしてください。",
                                           "en": "No card reader is available. Sign in with your password."}))

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

    def start_case(self, case_type: str, resident_id: str | None = None) -> str:
        view = self.engine.open_case(case_type)
        if resident_id:
            for f in view.fields:
                if f.kind == "resident":
                    self.engine.set_value(view.case_id, f.id, resident_id)
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
            return "\n".join(f"{k}: {v}" for k, v in value.items() if k not in ("my_number",))
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
        if scope.get("documents"):
            lines.append(i18n.pick("書類", "Documents") + ": " + ", ".join(scope["documents"]))
        if scope.get("requester_type"):
            lines.append(i18n.pick("請求者", "Requester") + f": {scope['requester_type']}")
        if scope.get("purpose"):
            lines.append(i18n.pick("目的", "Purpose") + f": {scope['purpose']}")
        if scope.get("mail_to"):
            lines.append(i18n.pick("郵送先", "Mail to") + ": " + "、".join(
                self._resident_label({"resident_id": p}) for p in scope["mail_to"]))
        return "\n".join(lines)

    # ---------------------------------------------------------------------------------- card
    def step_reads_card(self, view) -> bool:
        return False

    def card_was_pulled(self, event) -> bool:
        return False

    def choose_reader(self, name: str) -> None:
        self.config.default_reader = name
        self.config.save()
        self.card.reader = name
        self.card_view_changed.emit(self.card)

    def refresh_card(self) -> None:
        self.card_view_changed.emit(self.card)

    # ---------------------------------------------------------------------------------- documents
    def documents_for(self, view) -> list:
        return []

    def active_release(self, view):
        return None

    # ---------------------------------------------------------------------------------- training tray
    def tray_cards(self) -> list:
        return []

    def tray_slots(self) -> list[str]:
        return []
