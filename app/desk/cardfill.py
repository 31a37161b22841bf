"""What the card reader brings into a case: the fields a read of the four items fills, the
retry-counter fields, the steps where a PIN is reset, and the card actions a step offers.

The card itself is read on the reader service's own thread (``app.card.service``); the window
hands the finished readout here, on its own thread, and the values go into the case through the
engine like any typed value. No PIN ever reaches this module.
"""

from __future__ import annotations

from typing import Any, Callable

from app.rules.codes import Secret
from app.workflows.cases.common import CHIP_CHECK_FIELD

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


#: fields a card read fills, by field id: value from the readout (None: leave as it is)
CARD_FILLS: dict[str, Callable[[Any, Any], Any]] = {
    "family_name": lambda r, store: r.items.family_name,
    "given_name": lambda r, store: r.items.given_name,
    "address": lambda r, store: r.items.address,
    "birth_date": lambda r, store: r.items.birth_date,
    "sex": lambda r, store: r.items.sex,
    "holder_resident_id": lambda r, store: resident_by_number(store, r.my_number),
    # who asks, read from their own card (the card has no kana: from their record, if here)
    "requester_family_name": lambda r, store: r.items.family_name,
    "requester_given_name": lambda r, store: r.items.given_name,
    "requester_birth_date": lambda r, store: r.items.birth_date,
    "requester_address": lambda r, store: r.items.address,
    "requester_family_kana": lambda r, store: kana_by_number(store, r.my_number, 0),
    "requester_given_kana": lambda r, store: kana_by_number(store, r.my_number, 1),
}

#: json fields filled with the retry counters read from the card
COUNTER_FIELDS = ("retry_counters",)

#: steps where the PIN reset happens: in training the test card's administration does it
#: (the holder types the new PIN here); live, the J-LIS terminal does (step guide and tick)
RESET_STEPS = {("pin_reset", "reset")}


def chip_check_value(readout, *, face_matches: bool) -> dict:
    """The identity step's ``chip_check`` value from a chip check (``app.card.surface.
    SurfaceReadout``) and the clerk's word on the printed face: what the chip said (birth date,
    sex, expiry, signature verdict, trust anchor) — no check code, no image, no My Number."""
    return {**readout.summary(), "face_matches": bool(face_matches)}


def card_actions(view, *, reader: bool, training: bool) -> list[str]:
    """Card actions this step offers: "read_items" (the resident types the input-support PIN;
    fills the four items / the holder), "read_tries" (retry counters, no try used), "chip_check"
    (the clerk types 照合番号B from the card: the identity step of any case where a My Number card
    is shown) and, in training, "reset_on_card" (the test card's administration sets the new PIN)."""
    if not reader or view.status != "open":
        return []
    actions = []
    if any(f.id in CARD_FILLS for f in view.fields):
        actions.append("read_items")
    if any(f.id in COUNTER_FIELDS for f in view.fields):
        actions.append("read_tries")
    if any(f.id == CHIP_CHECK_FIELD for f in view.fields):
        actions.append("chip_check")
    if (view.case_type, view.step) in RESET_STEPS and training:
        actions.append("reset_on_card")
    return actions


def fill_from_readout(engine, case_id: str, readout):
    """Put what the card read into the fields of the case's current step; returns the new view.
    A value the case refuses raises the engine's CaseError and the rest is not written."""
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
