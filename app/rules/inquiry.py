"""Rules of the application-status inquiry (申請状況の照会).

The municipality answers from the four basic items (name, address, date of birth, sex); the call
centre answers from the application ID (申請書ID) [source S:839-841]. A municipality once sent the
resident to the call centre instead (事例③, S:833-836): the counter must answer, never send the
resident away. Looking up by application ID at the counter as well is a setting (default on).

The answer comes from the store's ``card_applications``. This module reads the store; it never
writes it.
"""

from __future__ import annotations

from app.rules import said
from app.rules.core import Decision, Outcome, Reason

SOURCE_FOUR_ITEMS = ("平成31年1月25日 総務省資料 事例③: 申請状況は住所地市区町村で４情報"
                     "（氏名・住所・生年月日・性別）から照会が可能 (S:839-841)")
SOURCE_APPLICATION_ID = ("平成31年1月25日 総務省資料 事例③: コールセンターでは申請書IDから照会が可能"
                         " (S:839-841)")

#: status codes of card_applications.status with what the clerk reads out
APPLICATION_STATUS = {
    "received": ("申請を受け付けました（審査待ち）", "application received, awaiting checks"),
    "checking": ("申請内容を審査中です", "the application is being checked"),
    "producing": ("カードを作成中です", "the card is being produced"),
    "sent_to_municipality": ("カードが市区町村に発送されました（交付通知書をお待ちください）",
                             "the card was sent to the municipality (wait for the notice)"),
    "ready": ("カードの交付準備ができています（交付通知書で来庁予約してください）",
              "the card is ready to be handed over"),
    "handed_over": ("カードは交付済みです", "the card has been handed over"),
    "rejected": ("申請に不備があり返戻されました（再申請が必要です）",
                 "the application was returned (a new application is needed)"),
}

ANSWERED_HERE = Reason(
    "inquiry.answered_at_counter",
    "申請状況は窓口でお答えします（コールセンターへご案内する必要はありません）。",
    "The counter answers the status inquiry itself (no need to send the resident to the call centre).",
    SOURCE_FOUR_ITEMS,
)
BY_APPLICATION_ID = Reason(
    "inquiry.by_application_id",
    "申請書IDから照会しました。",
    "Looked up by the application ID.",
    SOURCE_APPLICATION_ID,
)
NOT_FOUND = Reason(
    "inquiry.not_found",
    "入力された内容に一致する申請は見つかりませんでした。氏名・住所・生年月日・性別をもう一度確認してください"
    "（申請書IDがお手元にあれば、申請書IDでも照会できます）。",
    "No application matches what was entered. Check the name, address, birth date and sex again "
    "(the application ID can also be used if the resident has it).",
    SOURCE_FOUR_ITEMS, said.NO_APPLICATION,
)
APPLICATION_ID_OFF = Reason(
    "inquiry.application_id_not_offered",
    "この窓口では申請書IDによる照会を行っていません（設定）。４情報（氏名・住所・生年月日・性別）で照会してください。",
    "This counter does not look up by application ID (setting): look up by the four basic items.",
    "setting: status_inquiry.by_application_id",
)
CALL_CENTRE_ALSO = Reason(
    "inquiry.call_centre_also",
    "申請書IDをお持ちの場合は、コールセンターでも申請書IDから照会できます。",
    "With the application ID, the call centre can also answer.",
    SOURCE_APPLICATION_ID,
)


def _application_rows(store, where: str, args) -> list[dict]:
    rows = store.conn.execute(
        "SELECT application_id, received_date, status, status_date FROM card_applications "
        f"WHERE {where} ORDER BY received_date DESC", args,
    ).fetchall()
    return [
        {"application_id": a, "received_date": r, "status": s, "status_date": d,
         "status_ja": APPLICATION_STATUS.get(s, (s, s))[0], "status_en": APPLICATION_STATUS.get(s, (s, s))[1]}
        for a, r, s, d in rows
    ]


def match_four_items(store, *, family_name: str, given_name: str, address: str,
                     birth_date: str, sex: int) -> list[str]:
    """Ids of the residents whose four basic items match (name as written or in kana). Names and
    the address are compared in the store's one folded form: the folding functions every store
    connection registers (``madoguchi_fold_name``/``madoguchi_fold_address``, app.store.normalize),
    so 研修市本町一丁目1番1号 matches 研修市本町1-1-1 here exactly as in search and the DV checks."""
    return sorted(rid for (rid,) in store.conn.execute(
        "SELECT id FROM residents WHERE birth_date = ? AND sex = ? AND status = 'active' "
        "AND address_key = madoguchi_fold_address(?) "
        "AND madoguchi_fold_name(?) IN (madoguchi_fold_name(family_name), madoguchi_fold_name(family_kana)) "
        "AND madoguchi_fold_name(?) IN (madoguchi_fold_name(given_name), madoguchi_fold_name(given_kana))",
        (birth_date, sex, address, family_name, given_name)))


def four_items_of(values) -> dict:
    return {
        "family_name": values.get("family_name") or "", "given_name": values.get("given_name") or "",
        "address": values.get("address") or "", "birth_date": values.get("birth_date") or "",
        "sex": int(values.get("sex") or 0),
    }


def find_by_four_items(store, **four) -> list[dict]:
    """Applications of the residents whose four basic items match."""
    ids = match_four_items(store, **four)
    if not ids:
        return []
    return _application_rows(store, f"resident_id IN ({','.join('?' * len(ids))})", ids)


def find_by_application_id(store, application_id: str) -> list[dict]:
    return _application_rows(store, "application_id = ?", (application_id,))


def answer_as_nobody(decision: Decision, values, point: str) -> Decision:
    """A refusal by the restriction stage turned into the answer an inquiry gets when nothing
    matches (same reasons, same requester texts, no application), keeping the staff reasons."""
    if decision.outcome is not Outcome.REFUSE or not decision.data.get("answer_as_nobody"):
        return decision
    reasons = [ANSWERED_HERE] + ([BY_APPLICATION_ID] if values.get("method") == "application_id" else [])
    reasons += [NOT_FOUND] + ([CALL_CENTRE_ALSO] if point == "answer" else [])
    return Decision.allow(*reasons, *decision.reasons, applications=[], lookup="done", withheld=True)


def lookup_stage(store, ctx):
    """Rule stage at the inquiry's look-up: answer from the store, never redirect."""

    def stage(scope) -> Decision:
        v = ctx.values
        by_id = v.get("method") == "application_id"
        if store is None:
            reasons = [ANSWERED_HERE] + ([BY_APPLICATION_ID] if by_id else [])
            return Decision.allow(*reasons, lookup="not_run_without_store")
        if by_id:
            found = find_by_application_id(store, v["application_id"])
            reasons = [ANSWERED_HERE, BY_APPLICATION_ID]
        else:
            found = find_by_four_items(store, **four_items_of(v))
            reasons = [ANSWERED_HERE]
        if not found:
            reasons.append(NOT_FOUND)
        return Decision.allow(*reasons, applications=found, lookup="done")

    return stage
