"""What the support officer reviews at the sign-off gate: the summary of the stopped request
(case, handling clerk, persons, documents, requester, purpose, mailing addressees) and the
checks the officer confirms (recorded with the release, shown on the processing slip)."""

from __future__ import annotations

#: what the officer confirms before a release (DOMAIN: both check the request form, the identity
#: documents and the documents to be issued; the slip shows who checked what)
OFFICER_CHECKS = (
    ("request_form", "請求書（請求者・対象者・生年月日・住所）を確認した",
     "Checked the request form (requester, target, birth date, address)"),
    ("identity", "本人確認書類を確認した", "Checked the identity documents"),
    ("documents", "交付する書類と範囲を確認した", "Checked the documents to be issued and the scope"),
    ("support_record", "支援措置の内容（加害者の情報）と照合した",
     "Compared the request with the support measure (perpetrator particulars)"),
)


def gate_summary(desk, view) -> str:
    """Readable summary of the request the gate stopped (in the desk's language)."""
    pick = desk.pick
    scope = (view.gate or {}).get("scope", {})
    persons = [desk.resident_label({"resident_id": p}) for p in scope.get("persons", [])]
    lines = [
        pick("案件", "Case") + f": {desk.case_type_name(view.case_type)}",
        pick("処理担当", "Handling clerk") + f": {desk.staff_name(scope.get('handling_staff_id', ''))}",
        pick("対象者", "Persons in scope") + ": " + ("、".join(persons) or "—"),
    ]

    def label(field_id, code):
        return desk.choice_label(view.case_type, field_id, code)

    if scope.get("documents"):
        lines.append(pick("書類", "Documents") + ": " + "、".join(label("document", d) for d in scope["documents"]))
    if scope.get("requester_type"):
        lines.append(pick("請求者", "Requester") + ": " + label("requester_type", scope["requester_type"]))
    if scope.get("purpose"):
        lines.append(pick("目的", "Purpose") + ": " + label("purpose", scope["purpose"]))
    if scope.get("mail_to"):
        lines.append(pick("郵送先", "Mail to") + ": " + "、".join(
            desk.resident_label({"resident_id": p}) for p in scope["mail_to"]))
    return "\n".join(lines)
