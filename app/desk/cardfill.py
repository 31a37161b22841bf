"""What the card reader brings into a case: the fields a read of the four items fills, the
retry-counter fields, the steps where a PIN is reset, and the card actions a step offers.

The card itself is read on the reader service's own thread (``app.card.service``); the window
hands the finished readout here, on its own thread, and the values go into the case through the
engine like any typed value. No PIN ever reaches this module.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Callable

from app.rules import renewal
from app.rules.codes import Secret
from app.rules.renewal import CERTIFICATE_FIELDS, CERTIFICATES
from app.workflows.cases.common import CHIP_CHECK_FIELD
from app.workflows.registry import CASE_TYPES

#: the four secrets of the card as the desk names them (short; the rule tables hold the long names)
SECRET_NAMES = {
    Secret.SIGN: ("署名用電子証明書の暗証番号", "Signing password"),
    Secret.AUTH: ("利用者証明用電子証明書の暗証番号", "User-authentication PIN"),
    Secret.JUKI: ("住民基本台帳用の暗証番号", "Resident-registry PIN"),
    Secret.INPUT: ("券面事項入力補助用の暗証番号", "Card-info input-support PIN"),
}


def resident_by_number(store, my_number: str | None) -> str | None:
    """The resident holding this My Number, if the store has exactly that record."""
    from app.store.search import ResidentQuery, SearchError, search_residents   # after sign-in

    if not my_number:
        return None
    try:
        hits = search_residents(store, ResidentQuery(my_number=my_number)).hits
    except SearchError:
        return None
    return hits[0].id if hits else None


def kana_by_number(store, my_number: str | None, part: int) -> str | None:
    """The family (0) or given (1) kana of the resident with this My Number, if registered here."""
    rid = resident_by_number(store, my_number)
    if rid is None:
        return None
    row = store.conn.execute("SELECT family_kana, given_kana FROM residents WHERE id = ?", (rid,)).fetchone()
    return row[part] if row and row[part] else None


def _item(name: str) -> Callable[[Any, Any], Any]:
    """One of the four items, when the read got them (a face-authentication card has no
    input-support PIN to open them: ``items`` is None)."""
    return lambda r, store: getattr(r.items, name) if r.items is not None else None


#: fields a card read fills, by field id: value from the readout (None: leave as it is)
CARD_FILLS: dict[str, Callable[[Any, Any], Any]] = {
    "family_name": _item("family_name"),
    "given_name": _item("given_name"),
    "address": _item("address"),
    "birth_date": _item("birth_date"),
    "sex": _item("sex"),
    "holder_resident_id": lambda r, store: resident_by_number(store, r.my_number),
    # who asks, read from their own card (the card has no kana: from their record, if here)
    "requester_family_name": _item("family_name"),
    "requester_given_name": _item("given_name"),
    "requester_birth_date": _item("birth_date"),
    "requester_address": _item("address"),
    "requester_family_kana": lambda r, store: kana_by_number(store, r.my_number, 0),
    "requester_given_kana": lambda r, store: kana_by_number(store, r.my_number, 1),
    # what the card itself says (its PIN files answer 6A 88, no signing certificate: app.card.
    # protocol.CardReadout.face_auth); the clerk can still change it
    "face_auth_card": lambda r, store: bool(r.face_auth),
}

#: what the clerk is told when the card read is a face-authentication card's (no four items)
FACE_AUTH_READ = {
    "ja": "顔認証マイナンバーカードです（暗証番号の設定なし）。4情報は読み取れないため入力してください。"
          "顔認証カードであることは案件に入れました。",
    "en": "This is a face-authentication card (no PIN set): the four items cannot be read, type them. "
          "The case now says it is a face-authentication card.",
}

#: json fields filled with the retry counters read from the card
COUNTER_FIELDS = ("retry_counters",)

#: card actions a step declares (``Step.card``) that only the training card's administration
#: performs (the holder types the new PINs here); live, the J-LIS terminal does them (step guide
#: and tick)
TRAINING_ACTIONS = ("reset_on_card", "renew_on_card")


def declared_actions(view) -> tuple[str, ...]:
    """The card actions the case type declares on the view's step (``Step.card``)."""
    ctype = CASE_TYPES.get(view.case_type)
    try:
        return ctype.step(view.step).card if ctype else ()
    except KeyError:
        return ()


def chip_check_value(readout, *, face_matches: bool) -> dict:
    """The identity step's ``chip_check`` value from a chip check (``app.card.surface.
    SurfaceReadout``) and the clerk's word on the printed face: what the chip said (birth date,
    sex, expiry, signature verdict, trust anchor) — no check code, no image, no My Number."""
    return {**readout.summary(), "face_matches": bool(face_matches)}


def card_actions(view, *, reader: bool, training: bool) -> list[str]:
    """Card actions this step offers: "read_items" (the resident types the input-support PIN;
    fills the four items / the holder), "read_tries" (retry counters, no try used), "chip_check"
    (the clerk types 照合番号B from the card: the identity step of any case where a My Number card
    is shown), and what the step declares: "read_certificates" (the JPKI certificates' validity;
    the holder may type the signing password) and, in training, "reset_on_card" / "renew_on_card"
    (the test card's administration sets the new PIN / issues the new certificates)."""
    if not reader or view.status != "open":
        return []
    actions = []
    if any(f.id in CARD_FILLS for f in view.fields):
        actions.append("read_items")
    if any(f.id in COUNTER_FIELDS for f in view.fields):
        actions.append("read_tries")
    if any(f.id == CHIP_CHECK_FIELD for f in view.fields):
        actions.append("chip_check")
    actions += [a for a in declared_actions(view) if training or a not in TRAINING_ACTIONS]
    return actions


#: the office's time zone: a certificate's last moment (14:59:59 UTC) is the day it expires here
_JST = _dt.timezone(_dt.timedelta(hours=9))


def certificate_values(readout) -> dict:
    """What a read of the certificates (``app.card.protocol.CertificatesReadout``) puts in a
    case: per certificate its serial and validity as office dates; a signing certificate that
    is on the card but was not read (no password typed) as ``{"present": true}``."""
    def day(iso: str) -> str:
        return _dt.datetime.fromisoformat(iso).astimezone(_JST).date().isoformat()

    def one(summary) -> dict:
        return {"serial": summary.serial, "not_before": day(summary.not_before),
                "not_after": day(summary.not_after)}

    out = {"auth": one(readout.auth)}
    if readout.sign is not None:
        out["sign"] = one(readout.sign)
    elif readout.has_signing_certificate:
        out["sign"] = {"present": True}
    return out


def certificate_field(view) -> str | None:
    """The step's certificates field, if it has one."""
    return next((f.id for f in view.fields if f.id in CERTIFICATE_FIELDS), None)


def fill_from_readout(engine, case_id: str, readout):
    """Put what the card read into the fields of the case's current step; returns the new view.
    A read without the four items (a face-authentication card: no input-support PIN) still fills
    what the card says of itself (``face_auth_card``). A value the case refuses raises the
    engine's CaseError and the rest is not written."""
    view = engine.current_step(case_id)
    # a step that asks for the card holder reads the holder's card: it says nothing about who
    # came (an agent types their own particulars)
    holder_card = any(f.id == "holder_resident_id" for f in view.fields)
    for field in view.fields:
        if holder_card and field.id.startswith("requester_"):
            continue
        fill = CARD_FILLS.get(field.id)
        value = fill(readout, engine.store) if fill else None
        if value is not None:
            view = engine.set_value(case_id, field.id, value)
    return view


def counter_field(view) -> str | None:
    """The step's retry-counter field, if it has one."""
    return next((f.id for f in view.fields if f.id in COUNTER_FIELDS), None)


@dataclass(frozen=True)
class CertificateRow:
    """One certificate as the card panel shows it: its expiry (None: on the card but not read,
    the signing one needs its password), days left, and whether it is renewable now (within
    three months of its expiry, or expired: ``app.rules.renewal``)."""

    which: str
    not_after: str | None
    days_left: int | None
    renewable: bool


def certificate_rows(certificates: dict, today: str | None = None) -> list[CertificateRow]:
    day = today or _dt.date.today().isoformat()
    rows = []
    for which in renewal.CERTIFICATES:
        entry = (certificates or {}).get(which)
        if entry is None:
            continue
        end = entry.get("not_after")
        rows.append(CertificateRow(which, end, renewal.days_left(end, day) if end else None,
                                   renewal.renewable(end, day)))
    return rows


#: the case type the home screen offers when the card on the reader qualifies for a renewal
RENEWAL_CASE = "cert_renewal"


def renewal_offer(certificates: dict, today: str | None = None) -> bool:
    """Whether the card on the reader qualifies for a renewal. The user-authentication
    certificate decides: it is read without a PIN, and the signing certificate never runs past
    it (tables.SRC_RENEWAL_VALIDITY), so when it is renewable the signing one is too."""
    return any(r.renewable for r in certificate_rows(certificates, today))


def certificate_line(row: CertificateRow, pick: Callable[[str, str], str]) -> str:
    """One certificate's validity in words (``pick(ja, en)`` chooses the language)."""
    name = pick(*CERTIFICATES[row.which])
    if row.not_after is None:
        return pick(f"{name}: 搭載あり（有効期限は署名用の暗証番号で読取）",
                    f"{name}: on the card (its expiry is read with the signing password)")
    if row.days_left < 0:
        return pick(f"{name}: {row.not_after} に期限切れ（{-row.days_left} 日前）",
                    f"{name}: expired on {row.not_after} ({-row.days_left} days ago)")
    return pick(f"{name}: {row.not_after} まで（残り {row.days_left} 日）",
                f"{name}: valid until {row.not_after} ({row.days_left} days left)")
