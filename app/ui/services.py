"""The window's one door to the UI-free layers: store, staff sign-in and session (app.security),
case engine (app.workflows), resident search (app.store), card reader (app.card) and documents
(app.printing).

Widgets call these methods and render what comes back; every rule is decided below this layer.
The card reader is reached only through the card service's own thread: methods that touch the
card take a GUI-thread callback and return at once (see :mod:`app.ui.cardbridge`).
"""

from __future__ import annotations

import logging
import sys
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
class TrayCard:
    label: str
    path: str


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
                 tray=None, store_path: Path | None = None) -> None:
        super().__init__()
        self.store = store
        self.store_path = store_path
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
        """Cheap checks only, so the sign-in window shows at once; :meth:`prepare` does the rest."""
        from app.paths import default_store_path

        path = store_path or default_store_path(training)
        if not path.exists() and not training:
            raise StartError(f"ローカルストアがありません: {path}\nNo local store at {path}. "
                             "Ask office IT staff to set up this terminal.")
        return cls(store=None, store_path=path, config=config, training=training)

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
            from app.security.demo import create_training_accounts

            create_training_accounts(self.store, terminal_id=self.terminal_id)

    def close(self) -> None:
        if self.card_service is not None:
            try:
                self.card_service.close()
            except Exception:
                log.exception("closing the card service")
        if getattr(self, "_chores", None) is not None:
            self._chores.shutdown(wait=True)
        if self.training and "app.card.stack" in sys.modules:
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

    def card_sign_in_available(self) -> bool:
        return self.card_service is not None

    def sign_in_card(self, pin: str, on_done: Callable[[SignInResult], None], only=None) -> None:
        on_done(SignInResult(False, error={"ja": "カードリーダーが使えません。パスワードでサインインしてください。",
                                           "en": "No card reader is available. Sign in with your password."}))

    def search_residents(self, text: str, limit: int = 50):
        """Residents matching the search box; returns (hits, error) with the error for the clerk."""
        from app.store.search import ResidentQuery, SearchError, search_residents

        try:
            result = search_residents(self.store, ResidentQuery(**parse_search(text), limit=limit))
        except SearchError as exc:
            ja, _, en = str(exc).partition(" / ")
            return [], {"ja": ja, "en": en or ja}
        hits = list(result.hits)
        if result.truncated:
            return hits, {"ja": f"{len(hits)} 件を超えました。条件を加えて絞り込んでください。",
                          "en": f"More than {len(hits)} matches: add to the search to narrow it."}
        return hits, None

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

    def current_scope(self, case_id: str):
        """The request of a case as it stands now (the scope the restriction stage judges)."""
        state = self.engine.state(case_id)
        return self.engine.context(state).scope()

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

    def sign_off(self, view, login: str, password: str, *, action: str, checks: list[str],
                 note: str) -> SignInResult:
        """A second person signs in on the spot and releases or refuses this request. Who may do
        it (a support officer who never worked on the case) is decided by ``app.security``."""
        from app.security import release as releases
        from app.security.staff import AuthError, authenticate_password

        if not login or not password:
            return SignInResult(False, error={"ja": "責任者の職員IDとパスワードを入力してください。",
                                              "en": "Type the officer's staff ID and password."})
        try:
            officer = authenticate_password(self.store, login, password, terminal_id=self.terminal_id)
        except AuthError as exc:
            return SignInResult(False, error=exc)
        scope = self.current_scope(view.case_id)
        try:
            if action == "release":
                releases.grant(self.store, scope, officer, checklist={c: True for c in checks},
                               note=note or None)
            else:
                releases.refuse(self.store, scope, officer, reason=note)
        except releases.ReleaseError as exc:
            return SignInResult(False, error=exc)
        return SignInResult(True, staff=officer.staff)

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
            state = {"active": "", "suspended": "（一時停止）", "revoked": "（廃止）"}.get(status, "")
            cards.append(TrayCard(f"{family} {given}{state}", str(path)))
        return cards

    def tray_slots(self) -> list[str]:
        if not self.training:
            return []
        from app.card.stack import SLOTS, reader_name

        return [reader_name(i) for i in range(SLOTS)]

    def _stack(self):
        from app.card.stack import training_stack

        return training_stack()

    def tray_insert(self, card_file: str, slot: int, on_done: Callable[[dict], None]) -> None:
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
