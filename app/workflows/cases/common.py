"""Pieces shared by the case types: choices built from the rule tables, the identity step's
fields, the holder facts looked up in the store. Data and small functions only; no Qt."""

from __future__ import annotations

import json

from app.rules.cards import municipality_of
from app.rules.identity import has_photo_id
from app.rules.tables import IDENTITY_DOCUMENTS, ORAL_QUESTIONS
from app.workflows.engine import Choice, FieldSpec


def choices(table: dict, label=lambda row: (row.ja, row.en)) -> tuple[Choice, ...]:
    out = []
    for code, row in table.items():
        ja, en = label(row) if not isinstance(row, tuple) else row
        out.append(Choice(str(getattr(code, "value", code)), ja, en))
    return tuple(out)


IDENTITY_CHOICES = choices(IDENTITY_DOCUMENTS)


def _no_photo(values) -> bool:
    return bool(values.get("identity_documents")) and not has_photo_id(values.get("identity_documents"))


def _oral_not_needed(values) -> bool:
    return _no_photo(values) and values.get("oral_questions") == "not_needed"


IDENTITY_FIELDS = (
    FieldSpec("identity_documents", "multi", "提示された本人確認書類", "identity documents shown",
              choices=IDENTITY_CHOICES),
    FieldSpec("oral_questions", "choice", "口頭質問", "oral questions", choices=choices(ORAL_QUESTIONS),
              when=_no_photo),
    FieldSpec("oral_note", "text", "口頭質問を不要と判断した理由", "why oral questions were not needed",
              when=_oral_not_needed),
)


#: the facts :func:`holder_facts` can derive, as the card procedures declare them
HOLDER_FACTS = ("holder_found", "holder_birth_date", "holder_is_resident", "holder_municipality",
                "card_status", "locked_pins", "cert_sign_status")


def derive_holder(store, values: dict) -> dict:
    """``derive`` of the card procedures: the facts of the holder the clerk picked."""
    return holder_facts(store, values.get("holder_resident_id"))


def holder_facts(store, resident_id: str | None) -> dict:
    """What the card procedures need to know about the holder, from the store."""
    if store is None or not resident_id:
        return {}
    row = store.conn.execute(
        "SELECT birth_date, status, moved_to_address FROM residents WHERE id = ?", (resident_id,)
    ).fetchone()
    if row is None:
        return {"holder_found": False}
    birth, status, moved_to = row
    facts = {"holder_found": True, "holder_birth_date": birth, "holder_is_resident": status == "active"}
    if status != "active" and moved_to:
        # the municipality only: the record's full destination address never enters the case
        facts["holder_municipality"] = municipality_of(moved_to)
    card = store.conn.execute(
        "SELECT status, locked_pins, cert_sign_status FROM cards WHERE resident_id = ? "
        "ORDER BY issued_date DESC LIMIT 1", (resident_id,),
    ).fetchone()
    if card is not None:
        facts.update(card_status=card[0], locked_pins=json.loads(card[1] or "[]"), cert_sign_status=card[2])
    return facts


def requester_particulars(who_ja: str, who_en: str, when) -> tuple[FieldSpec, ...]:
    """Name, kana, birth date and address of who asks (typed from the ID shown, or read from the
    card), shown when ``when(values)``: the restriction stage matches them with a perpetrator in
    full (folded name or kana, plus birth date or address)."""
    return (
        FieldSpec("requester_family_name", "text", f"{who_ja}の氏", f"{who_en} family name", when=when),
        FieldSpec("requester_given_name", "text", f"{who_ja}の名", f"{who_en} given name", when=when),
        FieldSpec("requester_family_kana", "text", f"{who_ja}の氏（カナ）", f"{who_en} family name (kana)",
                  when=when),
        FieldSpec("requester_given_kana", "text", f"{who_ja}の名（カナ）", f"{who_en} given name (kana)",
                  when=when),
        FieldSpec("requester_birth_date", "date", f"{who_ja}の生年月日", f"{who_en} birth date", when=when),
        FieldSpec("requester_address", "text", f"{who_ja}の住所", f"{who_en} address", when=when),
    )
