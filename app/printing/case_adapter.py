"""The adapter from a case of the workflow engine (``app.workflows.engine``) to the printable
:class:`~app.printing.slip.ProcessingSlip` and :class:`~app.printing.letters.RefusalNotice`.

The only module of ``app.printing`` that reads the engine's case state (the workflows never import
printing). It reads; it never writes a case event. Every function takes the case's replayed
``state`` when the caller has it (the desk replays a case once for all its documents).
Values are put into words here: choice labels, resident names, era dates; a 12-digit value is
masked and a JSON value (e.g. card data) is summarised, never dumped.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from dataclasses import dataclass
from typing import Any, Mapping

from app.config import OfficeConfig
from app.ids import mask_my_number
from app.printing.copies import SPECS
from app.printing.issuance import issuance_history, issue_copy
from app.printing.letters import (
    Enclosure, MailingAddress, RefusalNotice, build_cover_letter, issue_cover_letter, render_refusal,
)
from app.printing.model import Delivery, PrintRefused, build_copy_request, is_demo_store
from app.printing.slip import (
    Confirmer, ProcessingSlip, SlipCheck, SlipEntry, SlipReason, era_date_text, local_time, render_slip,
)
from app.rules.codes import Item
from app.rules.copies import mailing_destination
from app.rules.core import requester_channel
from app.rules.identity import chip_check_text
from app.rules.renewal import CERTIFICATE_FIELDS, CERTIFICATES
from app.rules.tables import (
    DELIVERY_METHODS, DOCUMENTS, HAND_OVER, TO_NOBODY, TO_PERSON_RECORD, TO_REQUESTER, TO_TYPED_PLACE,
)
from app.store.db import Store
from app.workflows.engine import COMPLETED, REFUSED, STATUS_LABELS, CaseEngine
from app.workflows.registry import entry

#: decision outcome → what the slip says
OUTCOME_LABELS = {
    "allow": "可（手続を行った）",
    "refuse": "不可（理由を説明）",
    "restrict": "制限中（支援措置責任者の解除待ち）",
    "wait": "後日（照会書の回答等を待つ）",
    "redirect": "他の窓口・機関を案内",
}

#: the document names of the rule tables, and the cover letter of a mailing
DOCUMENT_LABELS = {code: row.ja for code, row in DOCUMENTS.items()} | {"cover_letter": "送付書"}

RELEASE_ROLES = {
    "released": "支援措置責任者（一時解除）",
    "refused": "支援措置責任者（解除せず）",
}
RELEASE_EVENT_ROLES = {
    "relocked": "再ロック（支援措置責任者）",
    "relock_confirmed": "再ロック確認（第三者）",
}


class _Names:
    """Staff and resident names, looked up once each."""

    def __init__(self, store: Store):
        self.store = store
        self._staff: dict[str, str] = {}
        self._residents: dict[str, str] = {}

    def staff(self, staff_id: str | None) -> str:
        if not staff_id:
            return ""
        if staff_id not in self._staff:
            row = self.store.conn.execute("SELECT display_name FROM staff WHERE id = ?", (staff_id,)).fetchone()
            self._staff[staff_id] = row[0] if row else staff_id
        return self._staff[staff_id]

    def resident(self, resident_id: str) -> str:
        if resident_id not in self._residents:
            row = self.store.conn.execute(
                "SELECT family_name, given_name, status FROM residents WHERE id = ?", (resident_id,)
            ).fetchone()
            if row is None:
                self._residents[resident_id] = f"（不明な住民 {resident_id[:8]}）"
            else:
                self._residents[resident_id] = f"{row[0]}　{row[1]}" + ("（除票）" if row[2] == "removed" else "")
        return self._residents[resident_id]


def field_text(spec, value: Any, names: _Names) -> str:
    """A field value in words for the slip."""
    kind = spec.kind
    if value is None:
        return ""
    if kind == "choice":
        return next((c.ja for c in spec.choices if c.code == value), str(value))
    if kind == "multi":
        labels = {c.code: c.ja for c in spec.choices}
        return "、".join(labels.get(v, str(v)) for v in value)
    if kind == "bool":
        return "はい" if value else "いいえ"
    if kind == "date":
        return era_date_text(value)
    if kind == "resident":
        return names.resident(value)
    if kind == "residents":
        return "、".join(names.resident(v) for v in value)
    if kind == "digits":
        text = str(value)
        return mask_my_number(text) if len(text) == 12 else text
    if kind == "json" and spec.id in CERTIFICATE_FIELDS and isinstance(value, Mapping):
        # certificates read from the card (a renewal): each one's expiry
        return "、".join(f"{CERTIFICATES[k][0]} {v['not_after']}まで" if (v or {}).get("not_after")
                        else f"{CERTIFICATES[k][0]}（搭載・未読取）" for k, v in value.items())
    if kind == "json" and spec.id == "chip_check" and isinstance(value, Mapping):
        return chip_check_text(value)[0]
    if kind == "json":
        return "（記録あり：" + "、".join(sorted(str(k) for k in value)) + "）" if isinstance(value, Mapping) else "（記録あり）"
    return str(value)


def _table_exists(store: Store, name: str) -> bool:
    return store.db[name].exists()


def _release_confirmers(store: Store, case_id: str, names: _Names) -> list[Confirmer]:
    if not _table_exists(store, "releases"):
        return []
    out: list[Confirmer] = []
    for rid, officer, decision, issued_at, expires_at, reason, documents in store.conn.execute(
        "SELECT id, officer_id, decision, issued_at, expires_at, reason, documents FROM releases "
        "WHERE case_id = ? ORDER BY issued_at", (case_id,)
    ).fetchall():
        docs = "、".join(DOCUMENT_LABELS.get(d, d) for d in json.loads(documents or "[]"))
        if decision == "released":
            note = "　".join(x for x in (docs, f"期限 {_short_time(expires_at)}") if x)
        else:
            note = reason or ""
        out.append(Confirmer(RELEASE_ROLES.get(decision, "支援措置責任者"), names.staff(officer), issued_at, note))
        if _table_exists(store, "release_events"):
            for kind, staff_id, at in store.conn.execute(
                "SELECT kind, staff_id, at FROM release_events WHERE release_id = ? AND kind IN "
                "('relocked', 'relock_confirmed') ORDER BY at", (rid,)
            ).fetchall():
                out.append(Confirmer(RELEASE_EVENT_ROLES[kind], names.staff(staff_id), at))
    return out


def _short_time(at: str) -> str:

    return local_time(at)


def _decision_of(state) -> dict | None:
    if state.outcome and state.outcome.get("decision"):
        return state.outcome["decision"]
    last = state.last_decision()
    return last.get("decision") if last else None


def _engine(store: Store, case_id: str, case_types: Mapping[str, Any] | None):

    head = store.conn.execute("SELECT opened_by, terminal_id FROM cases WHERE id = ?", (case_id,)).fetchone()
    if head is None:
        raise PrintRefused(f"案件が見つかりません（{case_id}） / no case {case_id}")
    return CaseEngine(store, staff_id=head[0], terminal_id=head[1], case_types=case_types)


def case_state(store: Store, case_id: str, case_types: Mapping[str, Any] | None = None, state=None):
    """The case's state as its events say now: ``state`` when the caller replayed them already
    (the desk replays a case once for all its documents), else one replay here."""
    return state if state is not None else _engine(store, case_id, case_types).state(case_id)


def slip_from_case(store: Store, case_id: str, *, office: OfficeConfig | None = None, training: bool = False,
                   case_types: Mapping[str, Any] | None = None, state=None) -> ProcessingSlip:
    """The processing slip of a case, as the engine's events say it stands now."""

    engine = _engine(store, case_id, case_types)
    state = state if state is not None else engine.state(case_id)
    ctype = engine.case_types.get(state.case_type)
    training = training or is_demo_store(store)
    names = _Names(store)
    values = state.plain_values

    checks: list[SlipCheck] = []
    requester: list[tuple[str, str]] = []
    entries: list[SlipEntry] = []
    targets: list[str] = []
    known_items: set[str] = set()
    visited = {r[0] for r in store.conn.execute(
        "SELECT DISTINCT step FROM case_events WHERE case_id = ? AND step IS NOT NULL", (case_id,))}
    for step in (ctype.steps if ctype else ()):
        for item in step.items:
            known_items.add(item.id)
            tick = state.ticks.get(item.id)
            # an item of a step the case never reached, or hidden by the answers, is not on the slip
            if tick is None and (step.id not in visited or not item.visible(values)):
                continue
            checks.append(SlipCheck(step.ja, item.ja, bool(tick and tick.checked),
                                    names.staff(tick.by.staff_id) if tick else "", tick.by.at if tick else ""))
        for spec in step.fields:
            if spec.id not in state.values:
                continue
            entered = state.values[spec.id]
            text = field_text(spec, entered.value, names)
            if spec.id.startswith("requester"):
                requester.append((spec.ja, text))
            elif spec.kind in ("resident", "residents"):
                targets.append(f"{text}（{spec.ja}）")
            else:
                entries.append(SlipEntry(spec.ja, text, names.staff(entered.by.staff_id), entered.by.at))
    for item_id, tick in state.ticks.items():   # items of an older version of the case type
        if item_id not in known_items:
            checks.append(SlipCheck("", item_id, tick.checked, names.staff(tick.by.staff_id), tick.by.at))
    last = state.last_decision() or {}
    for key, value in (last.get("facts") or {}).items():
        if key.endswith("resident_ids") and isinstance(value, list):
            targets.extend(names.resident(v) for v in value)
        elif key.endswith("resident_id") and isinstance(value, str):
            targets.append(names.resident(value))

    decision = _decision_of(state) or {}
    confirmers = [Confirmer("窓口担当者", names.staff(state.opened_by), state.opened_at)]
    if state.is_final and state.updated_by != state.opened_by:
        confirmers.append(Confirmer("終了処理", names.staff(state.updated_by), state.updated_at))
    confirmers.extend(_release_confirmers(store, case_id, names))
    issued = tuple(
        f"{DOCUMENT_LABELS.get(r['document_type'], r['document_type'])}　交付番号 {r['issue_number']}"
        f"　{r['pages']}頁　{names.staff(r['staff_id'])}"
        for r in reversed(issuance_history(store, case_id=case_id))
    )
    return ProcessingSlip(
        case_id=case_id,
        case_type=(ctype.ja if ctype else state.case_type),
        status=STATUS_LABELS.get(state.status, (state.status,))[0],
        opened_at=state.opened_at, opened_by=names.staff(state.opened_by), terminal_id=state.terminal_id,
        office=office or OfficeConfig.load(), requester=tuple(requester), targets=tuple(dict.fromkeys(targets)),
        checks=tuple(checks), entries=tuple(entries), confirmers=tuple(confirmers),
        decision=OUTCOME_LABELS.get(decision.get("outcome", ""), decision.get("outcome", "")),
        reasons=tuple(SlipReason(r.get("ja", ""), r.get("source", "")) for r in decision.get("reasons", ())),
        issued=issued, training=training,
    )


def refusal_from_case(store: Store, case_id: str, *, office: OfficeConfig | None = None,
                      training: bool = False, case_types: Mapping[str, Any] | None = None, state=None,
                      slip: ProcessingSlip | None = None):
    """The refusal notice of a refused case: the requester channel of its final decision (neutral
    words and legal basis; the staff text stays on the processing slip). Raises
    :class:`PrintRefused` if the case was not refused."""


    state = case_state(store, case_id, case_types, state)
    slip = slip or slip_from_case(store, case_id, office=office, training=training, case_types=case_types,
                                  state=state)
    if state.status != REFUSED:
        raise PrintRefused("この案件は「不可」で終了していません。不可通知は作成できません。"
                           " / The case was not refused; there is no refusal notice to print.")
    name = requester_name(store, state.plain_values)
    opened = _dt.datetime.fromisoformat(state.opened_at)
    if opened.tzinfo is not None:
        opened = opened.astimezone()
    return RefusalNotice(
        requester_name=name, procedure=slip.case_type, reasons=requester_reasons(_decision_of(state) or {}),
        office=slip.office, case_id=case_id, request_date=opened.date(),
        appeal=bool(getattr(entry(state.case_type), "appeal", False)),
        training=slip.training,
    )


def requester_reasons(decision: Mapping[str, Any]) -> tuple[SlipReason, ...]:
    """The requester channel of a stored decision, for anything the requester receives: neutral
    words and the legal basis (``app.rules.core.requester_channel``), never the staff text."""
    return tuple(SlipReason(t.ja, t.basis) for t in requester_channel(decision.get("reasons", ())))


def requester_name(store: Store, values: Mapping[str, Any]) -> str:
    """The requester's name as stated on the request, or from their resident record — the name
    only: the notice a requester receives never carries the staff marks (除票) of the slip."""
    stated = "　".join(v for v in (values.get("requester_family_name"), values.get("requester_given_name")) if v)
    if stated:
        return stated
    if values.get("requester_resident_id"):
        row = store.conn.execute("SELECT family_name, given_name FROM residents WHERE id = ?",
                                 (values["requester_resident_id"],)).fetchone()
        return f"{row[0]}　{row[1]}" if row else ""
    return ""


#: how each destination kind of the ONE delivery table (app.rules.tables.DELIVERY_METHODS) is
#: addressed: the printing side of every delivery code the rules may allow
_ADDRESSED = {TO_NOBODY: "counter", TO_PERSON_RECORD: "post", TO_REQUESTER: "post", TO_TYPED_PLACE: "post"}


def check_delivery_table(methods=None) -> None:
    """Fail at import time — not after a case has completed — when the rules know a delivery code
    that printing cannot print: an unknown way of leaving the counter or an unknown destination
    kind, or a destination that does not match how the copy leaves."""
    leaves = {d.value for d in Delivery}
    for code, method in (methods if methods is not None else DELIVERY_METHODS).items():
        if method.leaves not in leaves or _ADDRESSED.get(method.destination) != method.leaves:
            raise ImportError(
                f"delivery code {code!r} of app.rules.tables is not printable: leaves {method.leaves!r}, "
                f"destination {method.destination!r} (printing knows {sorted(leaves)} / {sorted(_ADDRESSED)})")


check_delivery_table()


def copy_request_from_case(store: Store, case_id: str, *, office: OfficeConfig | None = None,
                           training: bool = False, case_types: Mapping[str, Any] | None = None, state=None):
    """The copy a completed 住民票の写し等の交付 case issues, from its final ALLOW decision's data
    (document, persons, items, delivery, requester_type; written by the case's summary stage).

    The items of that decision are what the rules allowed, so a number among them is entitled.
    Anything else — a case not completed, a decision without that data — raises PrintRefused."""

    state = case_state(store, case_id, case_types, state)
    decision = (state.outcome or {}).get("decision") or {}
    data = decision.get("data") or {}
    if state.status != COMPLETED or decision.get("outcome") != "allow" or not data.get("document"):
        raise PrintRefused("交付が認められた案件ではありません。写しは印刷しません。"
                           " / The case has not been completed with an issuance decision; nothing is printed.")
    items = frozenset(data.get("items") or ())
    delivery_code = data.get("delivery") or HAND_OVER
    if delivery_code not in DELIVERY_METHODS:     # a decision written by another version
        raise PrintRefused(f"交付方法が不明です（{delivery_code}） / unknown delivery {delivery_code}")

    return build_copy_request(
        store, data["document"], list(data.get("persons") or ()), items=items,
        entitled_numbers=items & {Item.MY_NUMBER.value, Item.RESIDENT_CODE.value},
        requester_type=data.get("requester_type") or "self", delivery=Delivery(DELIVERY_METHODS[delivery_code].leaves),
        office=office, training=training,
        purpose=data.get("purpose_detail") or state.plain_values.get("purpose_detail") or "",
    )


# --------------------------------------------------------------------------- what the screens call

@dataclass(frozen=True)
class PrintedDocument:
    """A finished PDF for the screens to preview, print or save."""

    kind: str                 # 'slip', 'refusal', 'copy', 'cover_letter'
    title_ja: str
    title_en: str
    pdf: bytes
    filename: str
    issue_number: str = ""


class AlreadyIssued(PrintRefused):
    """The copies of this case were issued already; a second issue needs a new case."""


def _slip_document(slip: ProcessingSlip, case_id: str) -> PrintedDocument:

    return PrintedDocument("slip", "処理票", "Processing slip", render_slip(slip), f"slip-{case_id[:8]}.pdf")


def case_documents(store: Store, case_id: str, *, office: OfficeConfig | None = None, training: bool = False,
                   case_types: Mapping[str, Any] | None = None, state=None) -> list[PrintedDocument]:
    """The documents that can be printed for a case at any time, as often as needed: the refusal
    notice of a refused case, and the processing slip (always last). Nothing is recorded."""

    state = case_state(store, case_id, case_types, state)
    slip = slip_from_case(store, case_id, office=office, training=training, case_types=case_types, state=state)
    docs = []
    if state.status == REFUSED:
        notice = refusal_from_case(store, case_id, office=office, training=training, case_types=case_types,
                                   state=state, slip=slip)
        docs.append(PrintedDocument("refusal", "お手続きができない理由のお知らせ", "Refusal notice",
                                    render_refusal(notice), f"refusal-{case_id[:8]}.pdf"))
    return docs + [_slip_document(slip, case_id)]


def _mailing_target(store: Store, values: Mapping[str, Any], delivery: str):
    """Who and where a posted copy goes, as the rules allowed it: the one destination of the
    delivery code (``app.rules.copies.mailing_destination``) that the destination check screened
    when it was entered — a resident's registered address, or the place typed in."""

    to = mailing_destination({**values, "delivery": delivery})
    if to is None:
        raise PrintRefused("送付先が記録されていません。 / No destination was recorded for the posted copy.")
    if to.resident_id:
        return to.resident_id, None
    return "", MailingAddress("", requester_name(store, values), "", to.address)


def issue_case_copies(store: Store, case_id: str, *, staff_id: str, office: OfficeConfig | None = None,
                      training: bool = False, case_types: Mapping[str, Any] | None = None,
                      state=None) -> list[PrintedDocument]:
    """Issue the copy of a completed 住民票の写し等の交付 case — once: issue number, PDF and history
    — and, for a posted copy, the cover letter to the address the rules allowed (never a
    perpetrator's: then nothing is issued at all). Returns the copy, the cover letter and the slip
    that now lists them. Raises :class:`AlreadyIssued` on a second call for the same case."""


    state = case_state(store, case_id, case_types, state)
    request = copy_request_from_case(store, case_id, office=office, training=training, case_types=case_types,
                                     state=state)
    done = [r for r in issuance_history(store, case_id=case_id) if r["document_type"] == request.document.value]
    if done:
        raise AlreadyIssued(
            f"この案件の写しは交付済みです（交付番号 {done[0]['issue_number']}）。再度の交付は新しい案件で行ってください。"
            f" / The copy of this case was issued already ({done[0]['issue_number']}); open a new case to issue again.")
    decision_data = ((state.outcome or {}).get("decision") or {}).get("data") or {}
    title = SPECS[request.document].name_ja
    out: list[PrintedDocument] = []
    with store.transaction():
        letter = None
        if request.delivery is Delivery.POST:
            addressee, address = _mailing_target(store, state.plain_values, decision_data.get("delivery", ""))
            placeholder = [Enclosure(title, 1)]
            letter = build_cover_letter(store, addressee, placeholder, address=address,
                                        subject_ids=[p.resident_id for p in request.persons], case_id=case_id,
                                        office=request.office, training=request.training)
        copy = issue_copy(store, request, staff_id=staff_id, case_id=case_id)
        out.append(PrintedDocument("copy", f"{title}（交付番号 {copy.issue_number}）",
                                   f"Copy (issue number {copy.issue_number})", copy.pdf,
                                   f"copy-{copy.issue_number}.pdf", copy.issue_number))
        if letter is not None:
            enclosure = Enclosure(title, 1, copy.issue_number, carries_my_number=Item.MY_NUMBER in request.items)
            mailed = issue_cover_letter(store, dataclasses.replace(letter, enclosures=(enclosure,)), staff_id=staff_id)
            out.append(PrintedDocument("cover_letter", f"送付書（交付番号 {mailed.issue_number}）",
                                       f"Cover letter (issue number {mailed.issue_number})", mailed.pdf,
                                       f"cover-letter-{mailed.issue_number}.pdf", mailed.issue_number))
    slip = slip_from_case(store, case_id, office=office, training=training, case_types=case_types, state=state)
    return out + [_slip_document(slip, case_id)]
