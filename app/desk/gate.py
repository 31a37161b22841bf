"""The summary of a request stopped at the sign-off gate, as the support officer reviews it:
case, handling clerk, persons, documents, requester, purpose, mailing addressees."""

from __future__ import annotations


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
