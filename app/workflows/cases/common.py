"""Pieces shared by the case types: choices built from the rule tables, the identity step's
fields, the holder facts looked up in the store. Data and small functions only; no Qt."""

from __future__ import annotations

import json

from app.rules.cards import municipality_of
from app.rules.core import Decision
from app.rules.identity import (
    chip_check_problems, has_photo_id, oral_failed, oral_failures, rests_on_oral_answers,
)
from app.rules.tables import IDENTITY_DOCUMENTS, ORAL_ANSWERS, ORAL_QUESTIONS
from app.workflows.engine import ChecklistItem, Choice, FieldSpec


def choices(table: dict, label=lambda row: (row.ja, row.en)) -> tuple[Choice, ...]:
    out = []
    for code, row in table.items():
        ja, en = label(row) if not isinstance(row, tuple) else row
        out.append(Choice(str(getattr(code, "value", code)), ja, en))
    return tuple(out)


IDENTITY_CHOICES = choices(IDENTITY_DOCUMENTS)


SEXES = (Choice("1", "男", "male"), Choice("2", "女", "female"), Choice("9", "適用不能", "not applicable"))

#: item -> (field kind, choices, label ja, label en): the requester states their own address and
#: birth date; the sex is the requester's as they appear and say (source S:1145-1157: ask the
#: address, compare sex and birth date with the record)
_ANSWER_KINDS = {
    "address": ("text", (), "口頭質問: 請求者が答えた自分の住所", "oral answer: own address"),
    "birth_date": ("date", (), "口頭質問: 請求者が答えた生年月日", "oral answer: birth date"),
    "sex": ("choice", SEXES, "請求者の性別（外見・申告）", "sex of the requester (as seen and stated)"),
}


#: the identity step's field holding the chip check's result (no check code, no image)
CHIP_CHECK_FIELD = "chip_check"


def shown_documents(values) -> list[str]:
    return list(values.get("identity_documents") or [])


def identity_step(counted=shown_documents) -> tuple[tuple[FieldSpec, ...], tuple[ChecklistItem, ...]]:
    """(fields, checklist) of an identity step whose identity documents are ``counted(values)``
    (a suspension lift leaves the found card out): the documents shown; without a photo ID the
    oral questions; where identity rests on oral answers, what the requester said about themself
    (address, birth date, sex), each checked by a named clerk (a checklist item, ticked with who
    and when: the window and the slip show it) or recorded as not matching (``oral_failed``:
    that stops the case)."""
    def no_photo(values):
        docs = counted(values)
        return bool(docs) and not has_photo_id(docs)

    def rests(values):
        return rests_on_oral_answers(values, counted(values))

    def check_due(item):
        return lambda values: rests(values) and item not in (values.get("oral_failed") or ())

    fields = (
        FieldSpec("identity_documents", "multi", "提示された本人確認書類", "identity documents shown",
                  choices=IDENTITY_CHOICES),
        FieldSpec("oral_questions", "choice", "口頭質問", "oral questions", choices=choices(ORAL_QUESTIONS),
                  when=no_photo),
        FieldSpec("oral_note", "text", "口頭質問を不要と判断した理由", "why oral questions were not needed",
                  when=lambda v: no_photo(v) and v.get("oral_questions") == "not_needed"),
    ) + tuple(
        FieldSpec(answer, _ANSWER_KINDS[item][0], _ANSWER_KINDS[item][2], _ANSWER_KINDS[item][3],
                  choices=_ANSWER_KINDS[item][1], when=rests)
        for item, (answer, _check, _label) in ORAL_ANSWERS.items()
    ) + (FieldSpec("oral_failed", "multi", "記録・提示書類と一致しなかった回答", "answers that did not match",
                   required=False, when=rests,
                   choices=tuple(Choice(item, ja, en) for item, (_a, _c, (ja, en)) in ORAL_ANSWERS.items())),
         # the chip check (対面確認): offered wherever a My Number card is shown as identity; the
         # card reader fills it (app.desk.cardfill.CHIP_CHECK_FIELD), never typed
         FieldSpec(CHIP_CHECK_FIELD, "json", "ICチップの確認（券面事項確認AP）", "chip check (card-surface application)",
                   required=False, when=lambda values: "my_number_card" in counted(values)))
    items = (ChecklistItem("documents_original", "書類が原本で有効期限内であることを確認した",
                           "documents are originals and valid"),) + tuple(
        ChecklistItem(check, f"口頭質問の回答（{ja}）を記録・提示書類と照合し、一致を確認した",
                      f"oral answer ({en}) checked against the record or the documents: it matches",
                      when=check_due(item))
        for item, (_answer, check, (ja, en)) in ORAL_ANSWERS.items()
    )
    return fields, items


IDENTITY_FIELDS, IDENTITY_ITEMS = identity_step()


def _record_mismatches(store, resident_id: str, values: dict) -> list:
    """The oral answers that differ from the requester's own resident record (the address in the
    one folded form of app.store.normalize, as the restriction stage compares it), whatever the
    clerk recorded as the check."""
    # jaconv loads when a case checks, not with `rules explain`
    from app.store.normalize import fold_address

    row = store.conn.execute("SELECT address, birth_date, sex FROM residents WHERE id = ?",
                             (resident_id,)).fetchone()
    if row is None:
        return []
    address, birth, sex = row
    out = []
    if fold_address(values.get("stated_address")) != fold_address(address):
        out.append(oral_failed("address", against_record=True))
    if values.get("stated_birth_date") != birth:
        out.append(oral_failed("birth_date", against_record=True))
    if str(values.get("stated_sex")) != str(sex):
        out.append(oral_failed("sex", against_record=True))
    return out


def _record_items(store, resident_id: str | None) -> dict | None:
    if store is None or not resident_id:
        return None
    row = store.conn.execute("SELECT birth_date, sex FROM residents WHERE id = ?", (resident_id,)).fetchone()
    return {"birth_date": row[0], "sex": row[1]} if row else None


def oral_identity_stage_for(counted=shown_documents):
    """The rule stage of an identity step built by :func:`identity_step` with ``counted``."""

    def factory(store, ctx):
        """Where identity rests on oral answers, a failed check stops the case (REFUSE): an answer
        the clerk checked as not matching, or — when the requester has a resident record here
        (``scope.requester_resident_id``) — an answer that differs from it. A chip check that was
        done stops it too when the chip's signature fails, the clerk found the chip's face not
        matching the printed card, or the chip's items differ from that record
        (:func:`app.rules.identity.chip_check_problems`). A rule stage: it runs after the
        restriction stage, so an officer's release never steps over it."""

        def stage(scope):
            values = ctx.values
            docs = counted(values)
            failures = oral_failures(values, docs)
            if not failures and rests_on_oral_answers(values, docs) and store is not None \
                    and scope.requester_resident_id \
                    and all(values.get(answer) for answer, _check, _label in ORAL_ANSWERS.values()):
                failures = _record_mismatches(store, scope.requester_resident_id, values)
            if "my_number_card" in docs:
                failures = failures + chip_check_problems(values.get(CHIP_CHECK_FIELD),
                                                          _record_items(store, scope.requester_resident_id))
            return Decision.refuse(*failures) if failures else None

        return stage

    return factory


oral_identity_stage = oral_identity_stage_for()


#: the facts :func:`holder_facts` can derive, as the card procedures declare them
HOLDER_FACTS = ("holder_found", "holder_birth_date", "holder_is_resident", "holder_municipality",
                "card_status", "locked_pins", "cert_sign_status", "card_expiry")


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
        "SELECT status, locked_pins, cert_sign_status, expiry_date FROM cards WHERE resident_id = ? "
        "ORDER BY issued_date DESC LIMIT 1", (resident_id,),
    ).fetchone()
    if card is not None:
        facts.update(card_status=card[0], locked_pins=json.loads(card[1] or "[]"), cert_sign_status=card[2],
                     card_expiry=card[3])
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
