"""The desk of one terminal: its store, the signed-in staff member, and the cases they drive.

:class:`Desk` is what the window's adapter (``app.ui.services``) wraps; a test can use it
directly. It never waits on the card: the card's results are handed in (see
:mod:`app.desk.cardfill`). Words it returns are in the language ``language()`` names ("ja"/"en").

The layers below (security with Argon2 and cryptography, the store with sqlite-utils, the
workflows, printing with reportlab) are imported inside the methods that use them, on first use:
the window constructs its desk before the sign-in window shows, and that must stay fast
(``python -m benchmarks ui``: cold start to the sign-in window, goal ≤ 0.8 s).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from app.config import OfficeConfig
from app.desk.queue import QueueEntry, queue
from app.errors import MadoguchiError
from app.paths import default_store_path


class StartError(MadoguchiError):
    """The counter cannot start (store missing or refused); the message is for the clerk."""

    code = "window.start"


@dataclass(frozen=True)
class SignInResult:
    ok: bool
    staff: Any = None
    error: Any = None        # ja/en (an AuthError, a dict or a Reason)


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
    status: str = "active"
    #: the security code printed on the card's face (the trainee reads it there for the chip check)
    security_code: str = ""


def _tray_card(label: str, path: Path, status: str) -> TrayCard | None:
    """A tray entry from a card file's printed face: holder, security code, and what kind of card
    (face authentication; forged — the training case of a chip check that fails)."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        holder = data["holder"]
    except (OSError, ValueError, KeyError, TypeError):
        return TrayCard(label, str(path), status) if label else None
    if data.get("surface", {}).get("forged"):
        status = "forged"
    elif data.get("face_auth"):
        status = "face_auth"
    return TrayCard(label or f"{holder['family_name']} {holder['given_name']}", str(path), status,
                    str(data.get("surface", {}).get("security_code", "")))


class Desk:
    """Everything the counter does, for one terminal and one store."""

    #: where a resident chosen on the home page goes when a case starts (field id → as a list?)
    PRESELECT_FIELDS = {"holder_resident_id": False, "target_resident_ids": True}

    def __init__(self, *, store=None, config: OfficeConfig, training: bool, store_path: Path | None = None,
                 language: Callable[[], str] = lambda: "ja") -> None:
        self.store = store
        self.store_path = store_path
        self.config = config
        self.training = training
        self.terminal_id = config.terminal_id
        self.language = language
        self.session = None
        self._engine = None
        self._documents: dict = {}          # case id -> app.desk.documents.CaseDocuments

    def pick(self, ja: str, en: str) -> str:
        return en if self.language() == "en" else ja

    # ---------------------------------------------------------------------------------- start
    @staticmethod
    def locate(*, training: bool, store_path: Path | None) -> Path:
        """The store this terminal works on; cheap checks only (see :meth:`prepare`)."""
        path = store_path or default_store_path(training)
        if not training and path.parent.exists() and not os.access(path.parent, os.R_OK | os.X_OK):
            raise StartError(f"この OS アカウントは端末のストア {path} を使えません（グループ madoguchi に入っていません）。\n"
                             f"This OS account may not use the terminal's store {path} (it is not in the "
                             "group madoguchi). Ask office IT staff to add it.")
        if not path.exists() and not training:
            raise StartError(f"ローカルストアがありません: {path}\nNo local store at {path}. "
                             "Ask office IT staff to set up this terminal.")
        return path

    def prepare(self) -> None:
        """Open the store (and, in training mode, make the training accounts); idempotent."""
        from app.store import StoreError, open_store

        if self.store is not None:
            return
        try:
            self.store = open_store(self.store_path, create=self.training)
        except StoreError as exc:
            raise StartError(str(exc)) from exc
        if self.training:
            from app.security.demo import create_training_accounts

            try:
                create_training_accounts(self.store, terminal_id=self.terminal_id)
            except MadoguchiError as exc:      # e.g. a live store: training mode never touches one
                raise StartError(str(exc)) from exc

    def close(self) -> None:
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

    def start_session(self, auth, only=None) -> SignInResult:
        """Start a session for ``auth`` (or, with ``only``, unlock the locked one for them)."""
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

    def card_challenge(self):
        """A fresh challenge for a staff member's card to sign (see :meth:`authenticate_card`)."""
        from app.security import cardauth

        return cardauth.new_challenge(self.terminal_id)

    def authenticate_card(self, challenge, signature: bytes, cert_der: bytes):
        """Who signed ``challenge``: the account the card's certificate is registered to, or
        AuthError / StaffError (``app.security.cardauth`` decides)."""
        from app.security import cardauth

        return cardauth.authenticate_card(self.store, challenge, signature, cert_der,
                                          terminal_id=self.terminal_id)

    def sign_in_password(self, login: str, password: str, only=None) -> SignInResult:
        from app.security.staff import AuthError, authenticate_password

        self.prepare()
        try:
            auth = authenticate_password(self.store, login, password, terminal_id=self.terminal_id)
        except AuthError as exc:
            return SignInResult(False, error=exc)
        return self.start_session(auth, only)

    def own_password_due(self) -> bool:
        """The signed-in person must choose their own password now (after an administrator's
        reset on this terminal; ``app.security.staff.own_password_due``)."""
        from app.security.staff import own_password_due

        return self.staff is not None and own_password_due(self.store.conn, self.staff.id)

    def change_own_password(self, old: str, new: str, again: str) -> SignInResult:
        """The signed-in person changes their own password (``app.security.staff`` decides:
        the rules of ``staff add``, the old password as proof, the signing key re-wrapped)."""
        from app.security.staff import AuthError, StaffError, change_own_password

        if self.staff is None:
            return SignInResult(False, error={"ja": "サインインしていません。", "en": "Nobody is signed in."})
        if new != again:
            return SignInResult(False, error={"ja": "新しいパスワードが一致しません。",
                                              "en": "The two new passwords do not match."})
        try:
            member = change_own_password(self.store, self.staff.login, old, new,
                                         terminal_id=self.terminal_id)
        except (AuthError, StaffError) as exc:
            return SignInResult(False, error=exc)
        return SignInResult(True, staff=member)

    # ---------------------------------------------------------------------------------- residents
    def search_residents(self, text: str, limit: int = 50, context: str = "ui.search"):
        """Residents matching the search box; returns (hits, error) with the error for the clerk."""
        from app.desk.search import parse_search
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
        from app.security.restriction import record_lookup

        if not resident_ids:
            return set()
        staff = self.session.staff.id if self.session else None
        return record_lookup(self.store, resident_ids, staff_id=staff, terminal_id=self.terminal_id,
                             context=context)

    def staff_name(self, staff_id: str) -> str:
        row = self.store.conn.execute("SELECT display_name FROM staff WHERE id = ?", (staff_id,)).fetchone()
        return row[0] if row else staff_id[:8]

    def resident_label(self, values: dict) -> str:
        """The name of the first resident a case's values point at (or the typed name)."""
        ids = [v for k, v in values.items() if isinstance(v, str) and k.endswith("resident_id")]
        ids += [x for k, v in values.items() if isinstance(v, list) and k.endswith("resident_ids")
                for x in v]
        if not ids:
            return " ".join(x for x in (values.get("family_name"), values.get("given_name")) if x)
        row = self.store.conn.execute("SELECT family_name, given_name FROM residents WHERE id = ?",
                                      (ids[0],)).fetchone()
        return f"{row[0]} {row[1]}" if row else ""

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

    def case_type_name(self, code: str) -> str:
        from app.workflows.registry import names

        return self.pick(*names(code))

    def status_name(self, status: str) -> str:
        """A case status in words (the engine's ``STATUS_LABELS``; an unknown one is its code)."""
        from app.workflows.engine import STATUS_LABELS

        return self.pick(*STATUS_LABELS.get(status, (status, status)))

    def new_case_keys(self) -> str:
        """The registered case types' shortcuts in a few characters: "Ctrl+1…5" when they run on
        (``Ctrl+1`` … ``Ctrl+5``), else listed ("Ctrl+1, Ctrl+Shift+N")."""
        from app.workflows.registry import ENTRIES

        keys = [e.shortcut for e in ENTRIES]
        parts = [k.rpartition("+") for k in keys]
        numbers = [int(n) if n.isdigit() else None for _, _, n in parts]
        if (len(keys) > 1 and len({p for p, _, _ in parts}) == 1 and None not in numbers
                and numbers == list(range(numbers[0], numbers[0] + len(numbers)))):
            return f"{keys[0]}{self.pick('〜', '…')}{numbers[-1]}"
        return ", ".join(keys)

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
        """Open a case; a resident chosen on the home page fills its first resident field."""
        view = self.engine.open_case(case_type)
        for f in view.fields if resident_id else ():
            if f.id in self.PRESELECT_FIELDS:
                self.engine.set_value(view.case_id, f.id,
                                      [resident_id] if self.PRESELECT_FIELDS[f.id] else resident_id)
                break
        return view.case_id

    def open_case(self, case_id: str) -> str:
        """Open a case from the queue; a paused case is resumed."""
        if self.engine.state(case_id).status == "paused":
            self.engine.resume(case_id)
        return case_id

    def interrupted_case(self) -> str | None:
        """The case that was open on this terminal when the app stopped (leaving a case through
        the window always pauses it, so an "open" case here means the app did not get to)."""
        rows = self.engine.queue(("open",), terminal_id=self.terminal_id, limit=1)
        return rows[0].case_id if rows else None

    def queue(self, tab: str) -> list[QueueEntry]:
        return queue(self, tab)

    def case_subject(self, view) -> str:
        return self.resident_label({f.id: f.value for f in view.fields}) or ""

    def describe_value(self, field) -> str:
        """A field's value in words for the case page."""
        from app.desk import cardfill
        from app.desk.cardfill import SECRET_NAMES

        value = field.value
        if value is None:
            return "—"
        if field.kind == "resident":
            return self.resident_label({"resident_id": value}) or value
        if field.kind == "residents":
            return "、".join(self.resident_label({"resident_id": v}) for v in value)
        if field.kind == "json" and field.id in cardfill.CERTIFICATE_FIELDS:
            return "\n".join(cardfill.certificate_line(row, self.pick) for row in cardfill.certificate_rows(value))
        if field.id == "chip_check":
            return self.chip_check_words(value)
        if field.kind == "json":     # retry counters
            names = {s.value: self.pick(*n) for s, n in SECRET_NAMES.items()}
            return "\n".join(f"{names.get(k, k)}: {v}" for k, v in value.items() if k != "my_number")
        return str(value)

    def chip_check_words(self, value: dict) -> str:
        from app.rules.identity import chip_check_text

        return self.pick(*chip_check_text(value))

    def choice_label(self, case_type: str, field_id: str, code: str) -> str:
        """The words for a choice code, from the case type's own field definition."""
        try:
            spec = self.engine.case_types[case_type].field(field_id)
        except KeyError:
            return code
        return next((self.pick(c.ja, c.en) for c in spec.choices if c.code == code), code)

    def gate_summary(self, view) -> str:
        from app.desk.gate import gate_summary

        return gate_summary(self, view)

    # ---------------------------------------------------------------------------------- card
    def card_actions(self, view, *, reader: bool) -> list[str]:
        from app.desk import cardfill

        return cardfill.card_actions(view, reader=reader, training=self.training)

    def fill_from_card(self, case_id: str, readout):
        from app.desk import cardfill

        return cardfill.fill_from_readout(self.engine, case_id, readout)

    def fill_certificates(self, case_id: str, readout):
        """Put the certificates read from the card (``CertificatesReadout``) into the step's
        certificates field (a renewal's before / after); returns the new view."""
        from app.desk import cardfill

        view = self.engine.current_step(case_id)
        field_id = cardfill.certificate_field(view)
        if field_id is None:
            from app.workflows.engine import CaseError

            raise CaseError("この手順では電子証明書を読み取りません。", "This step reads no certificates.",
                            code="case.wrong_step")
        return self.engine.set_value(case_id, field_id, cardfill.certificate_values(readout))

    def certificates_to_renew(self, case_id: str) -> list[str]:
        return list(self.engine.state(case_id).plain_values.get("renew") or [])

    def chip_check_anchor(self) -> bytes | None:
        """The CA certificate the chip check verifies against: the test card's CA in training;
        live, none (the J-LIS key is the production boundary: app.card.surface)."""
        from app.card.cardfile import training_ca_certificate_der

        return training_ca_certificate_der() if self.training else None

    def chip_check_person(self, case_id: str) -> dict | None:
        """The resident record of the person whose identity the step checks (name, address,
        birth date, sex), to show beside the chip's items; None when that person has no record here."""
        rid = self.engine.current_scope(case_id).requester_resident_id
        row = self.store.conn.execute(
            "SELECT family_name, given_name, address, birth_date, sex FROM residents WHERE id = ?",
            (rid,)).fetchone() if rid else None
        if row is None:
            return None
        return {"name": f"{row[0]}\u3000{row[1]}", "address": row[2], "birth_date": row[3], "sex": str(row[4])}

    def record_chip_check(self, case_id: str, readout, *, face_matches: bool):
        """Record a chip check in the case (an event with who did it) and in the audit log, in one
        transaction; returns the new view (the identity stage judges it at Next)."""
        from app.desk.cardfill import chip_check_value
        from app.security import audit
        from app.workflows.cases.common import CHIP_CHECK_FIELD

        value = chip_check_value(readout, face_matches=face_matches)
        with self.store.transaction() as conn:
            view = self.engine.set_value(case_id, CHIP_CHECK_FIELD, value)
            audit.append(conn, action="card.chip_check", staff_id=self.session.staff.id,
                         terminal_id=self.terminal_id, case_id=case_id,
                         detail={k: value[k] for k in ("signature_valid", "trust_anchor", "face_matches")})
        return view

    def secrets_to_reset(self, case_id: str) -> list[str]:
        return list(self.engine.state(case_id).plain_values.get("secrets") or [])

    def card_switch(self, case_id: str) -> str | None:
        """The PIN-reset case's card switch ("to_pin_card", "to_face_auth"; None: a plain reset)."""
        return self.engine.state(case_id).plain_values.get("switch_card")

    # ---------------------------------------------------------------------------------- documents
    def has_documents(self, view) -> bool:
        from app.desk import documents

        return documents.has_documents(view)

    def documents_for(self, view) -> list:
        """The PDFs of an ended case (see :mod:`app.desk.documents`), made once per case."""
        from app.desk import documents

        if not self.has_documents(view):
            return []
        if view.case_id not in self._documents:
            self._documents[view.case_id] = documents.make_documents(
                self.store, self.engine.state(view.case_id), staff_id=self.staff.id, office=self.config,
                training=self.training)
        return self._documents[view.case_id].documents

    def print_refusal(self, case_id: str) -> str | None:
        """Why the copy of this case was not issued (printing's refusal, ja / en), if it was not."""
        made = self._documents.get(case_id)
        return made.refusal if made else None

    # ---------------------------------------------------------------------------------- restriction
    def release_minutes(self) -> int:
        from app.security import settings

        return settings.get(self.store, "security.release_minutes")

    def current_scope(self, case_id: str):
        """The request of a case as it stands now (the scope the restriction stage judges)."""
        return self.engine.current_scope(case_id)

    def active_release(self, view) -> ReleaseView | None:
        """The support officer's release that opens this request now, for the countdown."""
        from app.security import release as releases

        if view.status not in ("open", "awaiting_release"):
            return None
        last = ((view.decision or {}).get("decision") or {}).get("data") or {}
        if view.status != "awaiting_release" and "release_id" not in last:
            return None            # no protected person was in this request
        release = releases.valid_release(self.store.conn, self.current_scope(view.case_id))
        if release is None:
            return None
        return ReleaseView(release, self.staff_name(release.officer_id))

    def decide_release(self, view, officer, action: str, checks: list[str], note: str) -> SignInResult:
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

    def draft_release(self, view, officer, action: str, checks: list[str], note: str):
        """The release or refusal an officer signed in with their card is about to sign (its
        ``message`` goes to the card), or a SignInResult saying why not."""
        from app.security import release as releases

        scope = self.engine.gate_scope(view.case_id) or self.current_scope(view.case_id)
        try:
            return releases.prepare(self.store, scope, officer,
                                    decision="released" if action == "release" else "refused",
                                    reason=note or None,
                                    checklist={c: True for c in checks} if action == "release" else {})
        except releases.ReleaseError as exc:
            return SignInResult(False, error=exc)

    def commit_release(self, draft, signature: bytes):
        """Record the card-signed release or refusal (``app.security.release`` checks it)."""
        from app.security import release as releases

        return releases.commit(self.store, draft, signature)

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
        return self.decide_release(view, officer, action, checks, note)

    # ---------------------------------------------------------------------------------- training
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
            cards.append(_tray_card(f"{family} {given}", path if path.is_absolute() else base / path, status))
        # cards in no register, in the demo store's card folder: the forged demo card (the same
        # printed face as a resident's own card)
        from app.store.demo import cards_dir_for

        known = {Path(c.path).resolve() for c in cards}
        folder = cards_dir_for(Path(self.store_path)) if self.store_path else None
        for path in sorted(folder.glob("*.json")) if folder and folder.is_dir() else ():
            if path.resolve() not in known:
                card = _tray_card("", path, "active")
                if card is not None:
                    cards.append(card)
        return [c for c in cards if c is not None]
