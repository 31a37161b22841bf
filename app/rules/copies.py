"""Rules of issuing copies of the resident record and related certificates (住民票の写し等の交付):
who may ask (requester types), for whom (the scope, person by person, removed records included),
which optional items (item permissions), and how a copy showing the My Number may be delivered
(the delivery table since the notice of 2018-11-27).

Every rule reads its table in ``app.rules.tables``. The stages here read the request's values and
the facts about the persons in scope (``persons_facts``, ``requester_facts``: looked up in the
store by the case type, or stated in a ``rules explain`` request), so the screens and the explain
command decide identically. No I/O here.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, replace

from app.rules.codes import Item, RequesterType
from app.rules.core import Decision, Reason
from app.rules.said import CLIENT_REQUIRED, NOT_ISSUED
from app.rules.tables import (
    DELIVERY_LABELS, DELIVERY_METHODS, DELIVERY_ROW_OF, DOCUMENTS, HAND_OVER, ITEM_LABELS, ITEM_PERMISSIONS,
    MY_NUMBER_DELIVERY, POST_OTHER, POST_REPRESENTATIVE, PURPOSES, REQUESTER_TYPES,
    SRC_ACT_12, SRC_ACT_12_3, SRC_ACT_15_4, SRC_DELIVERY, SRC_POWER_OF_ATTORNEY_MN, TO_PERSON_RECORD,
    TO_REQUESTER, TO_TYPED_PLACE,
)

DELIVERIES = DELIVERY_LABELS

SELF_LIKE = (RequesterType.SELF, RequesterType.SAME_HOUSEHOLD)
AGENT_LIKE = (RequesterType.VOLUNTARY_AGENT, RequesterType.LEGAL_REPRESENTATIVE, RequesterType.MESSENGER)


def _refuse(code: str, ja: str, en: str, source: str, **data) -> Decision:
    return Decision.refuse(Reason(code, ja, en, source), **data)


def _name(p: dict) -> str:
    return p.get("name") or p.get("id", "")


# -- requester ------------------------------------------------------------------------------------


CLIENT_MISSING = Reason(
    "copy.professional.client_missing",
    "職務上請求書の依頼者の氏名が空欄です。依頼者が誰か分からない請求は受け付けられません"
    "（依頼者を支援措置の加害者と照合できないため。郵送の請求で依頼者欄が空欄のまま交付された事故があります）。",
    "The professional's request form leaves the client's name blank. A request whose client is unknown "
    "cannot be taken (the client cannot be compared with a perpetrator; a postal request with a blank "
    "client field was once served).",
    SRC_ACT_12_3 + "（特定事務受任者: 依頼者の氏名）", CLIENT_REQUIRED)


def requester_stage(store, ctx):
    """The requester type's purpose and particulars (公用: agency, basis, officer; 特定事務受任者:
    profession and client; 法定代理人: kind of representation)."""

    def stage(scope) -> Decision | None:
        v = ctx.values
        row = REQUESTER_TYPES[v["requester_type"]]
        purpose = v.get("purpose")
        if row.code == RequesterType.PROFESSIONAL and not (
                (v.get("client_family_name") or "").strip() and (v.get("client_given_name") or "").strip()):
            return Decision.refuse(CLIENT_MISSING)
        if row.purposes and purpose not in row.purposes:
            allowed = "、".join(PURPOSES[p][0] for p in sorted(row.purposes))
            return _refuse(
                f"copy.purpose.{row.code}",
                f"{row.ja}の請求では、請求事由が次のいずれかである必要があります: {allowed}。",
                f"A request by {row.en} needs one of these purposes: "
                + ", ".join(PURPOSES[p][1] for p in sorted(row.purposes)) + ".",
                row.source,
            )
        return Decision.allow(Reason(f"copy.requester.{row.code}", f"請求者の種別: {row.ja}",
                                     f"Requester: {row.en}", row.source))

    return stage


# -- scope, person by person ------------------------------------------------------------------------


def _retention_expired(person: dict, settings, today: str) -> bool:
    date = person.get("removal_date")
    if not date:
        return False
    removed = _dt.date.fromisoformat(date)
    cutover = _dt.date.fromisoformat(settings["removed_records.cutover_date"])
    years = 5 if removed < cutover else settings["removed_records.retention_years"]
    try:
        until = removed.replace(year=removed.year + years)
    except ValueError:                       # 29 February
        until = removed.replace(year=removed.year + years, day=28)
    return _dt.date.fromisoformat(today) > until


def scope_problems(values: dict, settings, today: str) -> list[Reason]:
    """Every person in scope checked in turn (the requester text of every problem is
    ``said.NOT_ISSUED``: nothing about a person's record reaches the requester): the document fits
    the record (current or removed), the removed record is still kept, and a request by the person's side (本人等) really is one:
    each person is the principal or an active member of the principal's household (a removed or
    deceased person has no same household)."""
    persons = values.get("persons_facts") or []
    document = DOCUMENTS[values["document"]]
    rtype = values["requester_type"]
    include_removed = bool(values.get("include_removed"))
    principal = (values.get("requester_facts") or {}) if rtype in SELF_LIKE else (values.get("principal_facts") or {})
    problems: list[Reason] = []
    if not persons:
        return [Reason("copy.scope.empty", "請求の対象者が特定されていません。", "No person in scope has been identified.",
                       SRC_ACT_12, NOT_ISSUED)]
    if rtype == RequesterType.SELF and principal.get("id") not in {p.get("id") for p in persons}:
        problems.append(Reason(
            "copy.scope.self_not_in_scope",
            "本人請求ですが、請求者本人が対象者に含まれていません（同一世帯員の請求として受け付けてください）。",
            "A request by the person themself, but the requester is not in scope (take it as a same-household request).",
            SRC_ACT_12))
    for p in persons:
        removed = p.get("status") == "removed"
        who = _name(p)
        if removed and not document.removed and not include_removed:
            problems.append(Reason(
                "copy.scope.removed_needs_removed_record",
                f"{who} は除票の方です。除票の写しとして請求してください（又は「除かれた者を含む」を選んでください）。",
                f"{who} is a removed record: request a copy of the removed record (or include removed persons).",
                SRC_ACT_15_4))
        if not removed and document.removed:
            problems.append(Reason(
                "copy.scope.not_removed", f"{who} は現に記録されている方です。除票の写しは交付できません。",
                f"{who} is a current record: there is no removed record to copy.", SRC_ACT_15_4))
        if removed and _retention_expired(p, settings, today):
            problems.append(Reason(
                "copy.scope.retention_expired",
                f"{who} の除票は保存期間を過ぎているため交付できません。",
                f"The removed record of {who} is past its retention period.",
                settings.source("removed_records.cutover_date")))
        if rtype in SELF_LIKE or rtype in AGENT_LIKE:
            if p.get("id") == principal.get("id"):
                continue
            same = (not removed and principal.get("status") == "active"
                    and principal.get("household_id") and principal.get("household_id") == p.get("household_id"))
            if not same:
                reason_ja = ("除票・死亡の方には同一世帯はありません" if removed
                             else "同一の世帯に属していません")
                reason_en = ("a removed or deceased person has no same household" if removed
                             else "not in the same household")
                problems.append(Reason(
                    "copy.scope.not_same_household",
                    f"{who}: {reason_ja}。この方の分は第三者としての請求（請求事由の記載）が必要です。",
                    f"{who}: {reason_en}. For this person the request must be a third-party request stating its reason.",
                    SRC_ACT_12 + "; " + SRC_ACT_15_4))
    # these depend on the persons' records (removed, moved, not in the household): the requester
    # hears the one sentence a person who does not exist or a refused request also gets
    return [replace(r, said=NOT_ISSUED) for r in problems]


def scope_stage(store, ctx):
    def stage(scope) -> Decision:
        problems = scope_problems(ctx.values, ctx.settings, ctx.today)
        if problems:
            return Decision.refuse(*problems)
        return Decision.allow(Reason(
            "copy.scope.checked", f"対象者 {len(ctx.values.get('persons_facts') or [])} 名を1名ずつ確認しました。",
            f"Checked {len(ctx.values.get('persons_facts') or [])} person(s) in scope one by one.", SRC_ACT_12),
            persons=[p.get("id") for p in ctx.values.get("persons_facts") or []])

    return stage


# -- items ----------------------------------------------------------------------------------------


def items_stage(store, ctx):
    def stage(scope) -> Decision:
        v = ctx.values
        document = DOCUMENTS[v["document"]]
        row = REQUESTER_TYPES[v["requester_type"]]
        items = list(v.get("items") or [])
        for item in items:
            label_ja, label_en = ITEM_LABELS[item]
            if item not in document.optional_items:
                return _refuse(f"copy.item.not_on_document.{item}",
                               f"{document.ja}には「{label_ja}」は記載できません。",
                               f"{label_en} is not an item of the {document.en}.", document.source)
            allowed, source = ITEM_PERMISSIONS[item]
            if row.code not in allowed:
                if item in (Item.MY_NUMBER, Item.RESIDENT_CODE):
                    return _refuse(
                        f"copy.item.not_for_requester.{item}",
                        f"「{label_ja}」は本人又は同一世帯員（その代理人を含む）の請求に限り記載できます。"
                        f"{row.ja}の請求では記載できません。",
                        f"The {label_en} is printed only for the person or their household (or their "
                        f"representative), not for {row.en}.", source)
                return _refuse(f"copy.item.not_for_requester.{item}",
                               f"{row.ja}の請求では「{label_ja}」は記載できません（基本事項のみ）。",
                               f"{label_en} cannot be printed for {row.en} (basic items only).", source)
        if (Item.MY_NUMBER in items and row.code == RequesterType.VOLUNTARY_AGENT
                and not v.get("power_of_attorney_my_number")):
            return _refuse("copy.item.power_of_attorney_my_number",
                           "個人番号の記載を求めるには、委任状にその旨が明記されている必要があります。",
                           "A power of attorney for a My-Number copy must say so explicitly.",
                           SRC_POWER_OF_ATTORNEY_MN)
        return Decision.allow(Reason("copy.items.checked", "記載事項を確認しました。", "Items checked.", row.source),
                              items=items)

    return stage


# -- delivery -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailTo:
    """Where a posted copy goes: the registered address of ``resident_id``, else ``address`` as
    typed (``typed`` says which: a typed address is never read from a record)."""

    resident_id: str | None = None
    address: str = ""

    @property
    def typed(self) -> bool:
        return not self.resident_id


def mailing_destination(values) -> MailTo | None:
    """THE destination of a copy request's delivery (None: handed over, or nothing entered yet).
    The restriction stage checks it when the delivery is entered and printing addresses the
    cover letter to it, so both always mean the same place."""
    method = DELIVERY_METHODS.get(values.get("delivery") or HAND_OVER)
    if method is None:
        return None
    if method.destination == TO_PERSON_RECORD:
        targets = values.get("target_resident_ids") or [p.get("id") for p in values.get("persons_facts") or []]
        person = values.get("principal_resident_id") or (targets[0] if targets else None)
        return MailTo(resident_id=person) if person else None
    if method.destination == TO_REQUESTER:
        if values.get("requester_resident_id"):
            return MailTo(resident_id=values["requester_resident_id"])
        return MailTo(address=values["requester_address"]) if values.get("requester_address") else None
    if method.destination == TO_TYPED_PLACE:
        return MailTo(address=values["post_place"]) if values.get("post_place") else None
    return None



def delivery_row(values: dict) -> str | None:
    """The row of the My-Number-copy delivery table this requester falls in (None: none)."""
    rtype = values.get("requester_type")
    rep = values.get("representation") if rtype == RequesterType.LEGAL_REPRESENTATIVE else None
    return DELIVERY_ROW_OF.get((rtype, rep))


def allowed_deliveries(values: dict, settings, today: str) -> tuple[str | None, frozenset, str]:
    row_code = delivery_row(values)
    if row_code is None:
        return None, frozenset(), SRC_DELIVERY
    row = MY_NUMBER_DELIVERY[(row_code, values.get("channel", "counter"))]
    in_force = today >= settings["my_number_copy.effective_date"]
    return row_code, (row.allowed if in_force else row.before), row.source


#: the destination is a resident's registered address and that resident has none here (a removed
#: record): refused where the delivery is chosen, not after the case completes at printing. The
#: requester hears only the one neutral sentence (whether a person moved is a record fact).
NO_REGISTERED_ADDRESS = Reason(
    "copy.delivery.no_registered_address",
    "送付先の方はこの市区町村に住所がありません（除票）。その住所あてには送付できません。"
    "窓口での交付か、理由及び送付場所を記録した送付先を選んでください。",
    "The addressee has no registered address here (a removed record), so nothing can be posted to "
    "it. Hand the copy over, or record a justified place to post it to.",
    SRC_ACT_12, said=NOT_ISSUED)


def _destination_removed(values) -> bool:
    dest = mailing_destination(values)
    if dest is None or not dest.resident_id:
        return False
    known = [*(values.get("persons_facts") or []), values.get("requester_facts") or {},
             values.get("principal_facts") or {}]
    status = next((f.get("status") for f in known if f and f.get("id") == dest.resident_id), None)
    return status not in (None, "active")


def delivery_stage(store, ctx):
    def stage(scope) -> Decision:
        v = ctx.values
        delivery = v.get("delivery") or HAND_OVER
        channel = v.get("channel", "counter")
        if delivery == HAND_OVER and channel == "post":
            return _refuse("copy.delivery.hand_over_by_post", "郵便による請求では直接交付はできません。",
                           "A request by post cannot be handed over.", SRC_ACT_12)
        if _destination_removed(v):
            return Decision.refuse(NO_REGISTERED_ADDRESS)
        if delivery == POST_OTHER and not (v.get("post_reason_justified") and v.get("post_reason")
                                           and v.get("post_place")):
            return _refuse(
                "copy.delivery.other_address_unjustified",
                "本人の住所以外の場所へ送付するには、理由及び送付場所を記録し、正当と認められる必要があります。",
                "Posting elsewhere than the person's address needs the reason and the place recorded and found justified.",
                SRC_DELIVERY + "（本人: 理由及び送付場所が正当と認められる場合 S:869-871）")
        if Item.MY_NUMBER not in (v.get("items") or []):
            if delivery == POST_REPRESENTATIVE and v.get("requester_type") not in AGENT_LIKE:
                return _refuse("copy.delivery.no_representative", "法定代理人の住所への送付は代理人の請求に限ります。",
                               "Posting to a representative's address needs a representative's request.", SRC_ACT_12)
            return Decision.allow(delivery=delivery)
        row_code, allowed, source = allowed_deliveries(v, ctx.settings, ctx.today)
        if delivery in allowed:
            label_ja, label_en = DELIVERIES[delivery]
            return Decision.allow(Reason(
                f"copy.delivery.my_number.{row_code}.{channel}.{delivery}",
                f"個人番号記載の写し: {label_ja}（{MY_NUMBER_DELIVERY[(row_code, channel)].ja}・{CHANNEL_JA[channel]}）",
                f"Copy showing the My Number: {label_en} ({MY_NUMBER_DELIVERY[(row_code, channel)].en}, {channel})",
                source), delivery=delivery, delivery_row=row_code)
        options_ja = "、".join(DELIVERIES[d][0] for d in sorted(allowed)) or "なし"
        options_en = ", ".join(DELIVERIES[d][1] for d in sorted(allowed)) or "none"
        if row_code == "voluntary_agent" and delivery != HAND_OVER:
            ja = ("窓口においても、代理人に直接交付せず、本人の住所あてに郵送することとされていることから、"
                  "本人の住所以外の場所あてに送付することは、理由及び送付場所が正当と認められません。")
        elif delivery == HAND_OVER and row_code in ("voluntary_agent", "messenger"):
            ja = (f"個人番号を記載した写しは{MY_NUMBER_DELIVERY[(row_code, channel)].ja}に直接交付できません。"
                  f"できる方法: {options_ja}")
        else:
            ja = f"個人番号を記載した写しをこの方法で交付することはできません。できる方法: {options_ja}"
        return _refuse(
            f"copy.delivery.my_number.{row_code}.{channel}.{delivery}", ja,
            f"A copy showing the My Number cannot go this way to {MY_NUMBER_DELIVERY[(row_code, channel)].en} "
            f"({channel}). Allowed: {options_en}.",
            source, allowed=sorted(allowed))

    return stage


CHANNEL_JA = {"counter": "窓口", "post": "郵便"}

STAGES = (requester_stage, scope_stage, items_stage, delivery_stage)
