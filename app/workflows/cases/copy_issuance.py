"""Issuing copies of the resident record and related certificates (住民票の写し等の交付) as a case.

Steps: the request (document, requester type and particulars, persons and scope, removed records,
optional items, purpose) → delivery (counter or post; for a copy showing the My Number the
delivery table decides) → identity of the requester → issue (documents checked against the
request). Every person in scope is checked one by one; the restriction stage sees them all and
every mailing address. Rules: ``app.rules.copies`` and the tables in ``app.rules.tables``.
"""

from __future__ import annotations

from app.rules import copies
from app.rules.codes import Item, RequesterType
from app.rules.core import Decision, Person, Reason, RequestScope
from app.rules.identity import identity_basis, identity_problems
from app.rules.said import NOT_ISSUED
from app.rules.tables import (
    CHANNELS, DOCUMENTS, ITEM_LABELS, PROFESSIONS, PURPOSES, REPRESENTATIONS, REQUESTER_TYPES,
)
from app.workflows.cases.common import (
    IDENTITY_FIELDS, IDENTITY_ITEMS, choices, oral_identity_stage, requester_particulars,
)
from app.workflows.cases.pin_reset import requirement_items
from app.workflows.engine import (
    CaseTypeDef, ChecklistItem, Choice, FieldSpec, RouteContext, Step, complete, go,
)

SCOPES = (Choice("person", "本人のみ（個人）", "the person(s) named"),
          Choice("household", "世帯全員", "the whole household"))


def _is(*types):
    codes = {str(getattr(t, "value", t)) for t in types}
    return lambda v: v.get("requester_type") in codes


def _resident_facts(store, rid: str) -> dict | None:
    row = store.conn.execute(
        "SELECT id, family_name, given_name, status, removal_reason, removal_date, household_id "
        "FROM residents WHERE id = ?", (rid,)).fetchone()
    if row is None:
        return None
    return {"id": row[0], "name": f"{row[1]} {row[2]}", "status": row[3], "removal_reason": row[4],
            "removal_date": row[5], "household_id": row[6]}


def derive(store, values) -> dict:
    """The persons in scope (the household's members when the whole household is asked for, removed
    members only when asked), the requester and the principal, as facts from the store."""
    if store is None:
        return {}
    facts: dict = {}
    targets = values.get("target_resident_ids") or []
    persons: dict[str, dict] = {}
    for rid in targets:
        person = _resident_facts(store, rid)
        if person is None:
            continue
        persons[rid] = person
        if values.get("scope") == "household" and person["household_id"]:
            sql = "SELECT id FROM residents WHERE household_id = ?"
            if not values.get("include_removed"):
                sql += " AND status = 'active'"
            for (mid,) in store.conn.execute(sql + " ORDER BY birth_date", (person["household_id"],)):
                persons.setdefault(mid, _resident_facts(store, mid))
    if targets:
        facts["persons_facts"] = list(persons.values())
    if values.get("requester_resident_id"):
        facts["requester_facts"] = _resident_facts(store, values["requester_resident_id"]) or {}
    principal = values.get("principal_resident_id") or (targets[0] if targets else None)
    if principal:
        facts["principal_facts"] = _resident_facts(store, principal) or {}
    return facts


def build_scope(ctx: RouteContext) -> RequestScope:
    client = None
    if ctx.get("requester_type") == RequesterType.PROFESSIONAL:
        client = Person(family_name=ctx.get("client_family_name", ""), given_name=ctx.get("client_given_name", ""))
    to = copies.mailing_destination(ctx.values)
    return RequestScope(
        case_id=ctx.case_id, case_type="copy_issuance", handling_staff_id=ctx.staff_id,
        persons=tuple(p["id"] for p in ctx.get("persons_facts", []) if p.get("id")),
        documents=tuple(filter(None, [ctx.get("document")])),
        mail_to=(to.resident_id,) if to and to.resident_id else (),
        requester_type=ctx.get("requester_type", ""),
        requester=Person(family_name=ctx.get("requester_family_name", ""),
                         given_name=ctx.get("requester_given_name", ""),
                         family_kana=ctx.get("requester_family_kana", ""),
                         given_kana=ctx.get("requester_given_kana", ""),
                         birth_date=ctx.get("stated_birth_date") or ctx.get("requester_birth_date", ""),
                         sex=int(ctx.get("stated_sex")) if ctx.get("stated_sex") else None,
                         address=ctx.get("stated_address") or ctx.get("requester_address", "")),
        requester_resident_id=ctx.get("requester_resident_id"),
        professional_client=client,
        purpose=ctx.get("purpose", ""),
        identity=tuple(ctx.get("identity_documents", ())),
        oral_questions_ok=ctx.get("oral_questions") == "done",
        extra={"items": list(ctx.get("items", [])), "delivery": ctx.get("delivery"),
               "channel": ctx.get("channel"), "post_place": ctx.get("post_place"),
               "mail_to_addresses": [to.address] if to and to.typed else [],
               "scope": ctx.get("scope"), "include_removed": bool(ctx.get("include_removed")),
               "profession": ctx.get("profession"), "representation": ctx.get("representation")},
    )


def identity_stage(store, ctx):
    def stage(scope):
        problems = identity_problems(ctx.values.get("identity_documents") or [], ctx.values.get("oral_questions"),
                                     ctx.values.get("oral_note") or "")
        if problems:
            return Decision.refuse(*problems)
        return Decision.allow(*identity_basis(ctx.values.get("identity_documents") or []))

    return stage


def summary_stage(store, ctx):
    """The final decision's data: what is issued, for whom, how (for the slip and the printer)."""

    def stage(scope):
        v = ctx.values
        return Decision.allow(
            document=v.get("document"), persons=list(scope.persons), items=list(v.get("items") or []),
            delivery=v.get("delivery") or copies.HAND_OVER, channel=v.get("channel", "counter"),
            requester_type=v.get("requester_type"), purpose=v.get("purpose"),
        )

    return stage


def _my_number_by_agent(v) -> bool:
    return v.get("requester_type") == RequesterType.VOLUNTARY_AGENT and Item.MY_NUMBER in (v.get("items") or [])


def _not_on_record(values) -> bool:
    """The requester is not picked from the resident records (every type but self and same
    household): their particulars are typed from the ID shown, or from the form by post."""
    return bool(values.get("requester_type")) and not _is(RequesterType.SELF, RequesterType.SAME_HOUSEHOLD)(values)


#: who asks, for every requester type (class 3 of the disclosure issue): name, kana, birth date
#: and address — from the resident record for self and same household, typed from the ID (or the
#: card) otherwise — so the restriction stage can match a perpetrator in full (folded name or
#: kana, plus birth date or address, the same folding as search)
REQUESTER_IDENTITY = requester_particulars("請求者", "requester's", _not_on_record)


def _scope_persons_check(ctx: RouteContext):
    if ctx.get("target_resident_ids") and not ctx.get("persons_facts") and ctx.store is not None:
        return [Reason("copy.scope.unknown_persons", "対象者が住民記録に見つかりません。",
                       "The persons asked for are not in the resident records.", "store", NOT_ISSUED)]
    return []


CASE = CaseTypeDef(
    id="copy_issuance",
    ja="住民票の写し等の交付",
    en="Issuing copies of the resident record",
    steps=(
        Step(
            "request", "請求の内容", "The request",
            route=lambda ctx: go("delivery", ctx.decide("request")),
            check=_scope_persons_check,
            items=(ChecklistItem("request_form", "請求書の記載（請求者・対象者・生年月日・住所）を確認した",
                                 "request form checked (requester, persons, birth dates, addresses)"),)
            + requirement_items(REQUESTER_TYPES),
            fields=(
                FieldSpec("document", "choice", "請求する証明書", "document", choices=choices(DOCUMENTS)),
                FieldSpec("requester_type", "choice", "請求者の種別", "requester type", choices=choices(REQUESTER_TYPES)),
                FieldSpec("representation", "choice", "法定代理人の種類", "kind of legal representative",
                          choices=choices(REPRESENTATIONS),
                          when=_is(RequesterType.LEGAL_REPRESENTATIVE, RequesterType.MESSENGER)),
                FieldSpec("profession", "choice", "資格", "profession", choices=choices(PROFESSIONS),
                          when=_is(RequesterType.PROFESSIONAL)),
                FieldSpec("client_family_name", "text", "依頼者の氏", "client's family name",
                          when=_is(RequesterType.PROFESSIONAL)),
                FieldSpec("client_given_name", "text", "依頼者の名", "client's given name",
                          when=_is(RequesterType.PROFESSIONAL)),
                FieldSpec("public_agency", "text", "請求機関", "requesting agency", when=_is(RequesterType.PUBLIC_BODY)),
                FieldSpec("public_legal_basis", "text", "根拠法令", "legal basis", when=_is(RequesterType.PUBLIC_BODY)),
                FieldSpec("public_officer_name", "text", "担当職員の氏名", "officer's name",
                          when=_is(RequesterType.PUBLIC_BODY)),
                FieldSpec("requester_resident_id", "resident", "請求者（住民記録）", "requester (resident record)",
                          when=_is(RequesterType.SELF, RequesterType.SAME_HOUSEHOLD)),
            ) + REQUESTER_IDENTITY + (
                FieldSpec("principal_resident_id", "resident", "本人（代理される方）", "the person represented",
                          required=False,
                          when=_is(RequesterType.VOLUNTARY_AGENT, RequesterType.LEGAL_REPRESENTATIVE,
                                   RequesterType.MESSENGER)),
                FieldSpec("target_resident_ids", "residents", "対象者", "persons asked for"),
                FieldSpec("scope", "choice", "範囲", "scope", choices=SCOPES),
                FieldSpec("include_removed", "bool", "除かれた者（除票）を含む", "include removed records",
                          required=False),
                FieldSpec("items", "multi", "記載を求める事項", "optional items asked for", required=False,
                          choices=choices(ITEM_LABELS)),
                FieldSpec("power_of_attorney_my_number", "bool", "委任状に個人番号の記載を求める旨が明記されている",
                          "the power of attorney says the My Number is to be shown", required=False,
                          when=_my_number_by_agent),
                FieldSpec("purpose", "choice", "請求事由", "purpose", choices=choices(PURPOSES)),
                FieldSpec("purpose_detail", "text", "請求事由の内容", "purpose in detail"),
            ),
            guide_ja="本人等の請求であっても、請求事由を明らかにしてもらいます。対象者は1名ずつ確認します。",
            guide_en="Even the person themself states a reason. Every person in scope is checked one by one.",
        ),
        Step(
            "delivery", "交付方法", "Delivery",
            route=lambda ctx: go("identity", ctx.decide("delivery")),
            fields=(
                FieldSpec("channel", "choice", "請求の方法", "request made", choices=choices(CHANNELS)),
                FieldSpec("delivery", "choice", "交付方法", "delivery", choices=choices(copies.DELIVERIES)),
                FieldSpec("post_reason", "text", "本人住所以外へ送付する理由", "reason to post elsewhere",
                          when=lambda v: v.get("delivery") == copies.POST_OTHER),
                FieldSpec("post_place", "text", "送付場所", "where to post",
                          when=lambda v: v.get("delivery") in (copies.POST_OTHER, copies.POST_REPRESENTATIVE)),
                FieldSpec("post_reason_justified", "bool", "理由及び送付場所が正当と認められる",
                          "reason and place found justified", required=False,
                          when=lambda v: v.get("delivery") == copies.POST_OTHER),
            ),
            guide_ja="個人番号を記載した写しは、請求者の種別ごとに交付方法が決まっています（平成30年11月27日付け通知）。",
            guide_en="A copy showing the My Number goes only as the delivery table allows (notice of 2018-11-27).",
        ),
        Step(
            "identity", "請求者の本人確認", "Identity of the requester",
            route=lambda ctx: go("issue", ctx.decide("identity")),
            check=lambda ctx: identity_problems(ctx.get("identity_documents", []), ctx.get("oral_questions"),
                                                ctx.get("oral_note", "")),
            items=IDENTITY_ITEMS,
            fields=IDENTITY_FIELDS,
            guide_ja="写真付きの書類がない場合は、請求者自身に住所・生年月日・性別を申告してもらいます（なりすまし防止）。",
            guide_en="Without a photo ID, the requester states their own address, birth date and sex (impersonation check).",
        ),
        Step(
            "issue", "交付", "Issue",
            route=lambda ctx: complete(ctx.decide("issue")),
            items=(
                ChecklistItem("documents_match", "交付する写しを請求書と照合した（対象者・記載事項・通数）",
                              "copies checked against the request (persons, items, number)"),
                ChecklistItem("fee_received", "手数料を受領した", "fee received", required=False),
            ),
        ),
    ),
    build_scope=build_scope,
    derive=derive,
    facts=("persons_facts", "requester_facts", "principal_facts"),
    restricted_from="identity",
)

RULES = {
    "request": (copies.requester_stage, copies.scope_stage, copies.items_stage),
    "delivery": (copies.delivery_stage,),
    "identity": (identity_stage, oral_identity_stage),
    "issue": copies.STAGES + (identity_stage, oral_identity_stage, summary_stage),
}

