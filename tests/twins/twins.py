"""The twin suite's machinery: a demo municipality with twin households, the generated grid
(case type × requester type × delivery channel, every step walked), and the requester channel of
one walk — what the requester hears (requester texts), the found / not-found answer, and the text
of every document they receive, read back from the PDF.

A **twin set** is one household shape written twice into the demo store: a protected side (a
support measure on the adult, her child and her mother as members, and a provisional measure kept
on the member who moved away) and a plain side — same ages, same relationships, same cards and
applications, same history; only the names and the street (drawn by Hypothesis from the demo
pools, same lengths so that printed lines wrap alike) differ. Each grid cell runs the same
request for both sides; the protected side is then walked twice: the support officer releases
(it must then sound exactly like the plain side) and refuses (it must sound like a request for
nobody).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from app.rules.core import requester_channel
from app.store.db import new_id

TERMINAL = "T001"
TODAY = dt.date.today().isoformat()
PREFECTURE, CITY = "研修県", "研修市"
MOVED_CITY = "神奈川県横浜市中区"

#: the one person asking when the requester is not a resident picked from the records
#: (never a perpetrator's particulars: the twins compare requests by the same stranger)
STRANGER = {"requester_family_name": "窓口", "requester_given_name": "請求", "requester_family_kana": "マドグチ",
            "requester_given_kana": "セイキュウ", "requester_birth_date": "1970-07-07",
            "requester_address": "東京都千代田区丸の内一丁目1番1号"}


# ------------------------------------------------------------------------------ the world

@dataclass
class Side:
    """One side of a twin set: its resident ids and every string particular to it."""

    protected: bool
    adult: str = ""
    child: str = ""
    elder: str = ""
    moved: str = ""
    application_id: str = ""
    particulars: dict[str, str] = field(default_factory=dict)   # string -> token

    def four_items(self, store) -> dict:
        fam, giv, addr, birth, sex = store.conn.execute(
            "SELECT family_name, given_name, address, birth_date, sex FROM residents WHERE id = ?",
            (self.adult,)).fetchone()
        return {"family_name": fam, "given_name": giv, "address": addr, "birth_date": birth, "sex": str(sex)}


_NUMBERS = iter(range(1, 10**6))


def _my_number() -> str:
    """A valid My Number (check digit), different for every resident written here."""
    from app.ids import my_number_check_digit

    first11 = f"9{next(_NUMBERS):010d}"
    return first11 + str(my_number_check_digit(first11))


def _resident(conn, household, family, given, fk, gk, birth, sex, address, relationship, **extra) -> str:
    rid = new_id()
    extra.setdefault("my_number", _my_number())
    cols = {**dict(id=rid, household_id=household, family_name=family, given_name=given, family_kana=fk,
                   given_kana=gk, name_key="", kana_key="", birth_date=birth, sex=sex, address=address,
                   address_key="", status="active", relationship=relationship), **extra}
    conn.execute(f"INSERT INTO residents({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                 tuple(cols.values()))
    return rid


def _card(conn, rid, status, locked=()):
    conn.execute("INSERT INTO cards(id, resident_id, issued_date, expiry_date, status, cert_sign_status, "
                 "locked_pins) VALUES (?, ?, '2020-01-10', '2030-01-10', ?, 'valid', ?)",
                 (new_id(), rid, status, json.dumps(list(locked))))


def write_side(store, officer, names: dict, *, protected: bool, serial: int) -> Side:
    """Write one side of a twin set. ``names``: family/kana, the adult's, child's and elder's
    given names/kana, the town, and the moved-away member's street in the destination city."""
    from app.security import measures

    side = Side(protected)
    town = names["town"]
    address = f"{CITY}{town}二丁目7番5号"
    moved_to = f"{MOVED_CITY}{names['moved_street']}3番1号"
    fam, fk = names["family"]
    with store.transaction() as conn:
        hid = new_id()
        conn.execute("INSERT INTO households(id, household_code, address) VALUES (?, ?, ?)",
                     (hid, f"TW{serial:06d}", f"{PREFECTURE}{address}"))
        side.adult = _resident(conn, hid, fam, names["adult"][0], fk, names["adult"][1], "1986-05-12", 2,
                               address, "世帯主")
        side.child = _resident(conn, hid, fam, names["child"][0], fk, names["child"][1], "2016-09-03", 1,
                               address, "子")
        side.elder = _resident(conn, hid, fam, names["elder"][0], fk, names["elder"][1], "1950-01-20", 2,
                               address, "母")
        side.moved = _resident(conn, hid, fam, names["moved"][0], fk, names["moved"][1], "1984-02-28", 1,
                               address, "夫", status="removed", removal_reason="moved_out",
                               removal_date="2026-06-30", moved_to_address=moved_to)
        _card(conn, side.adult, "active", locked=("auth",))
        _card(conn, side.elder, "suspended")
        _card(conn, side.moved, "suspended")
        side.application_id = f"{serial:023d}"
        conn.execute("INSERT INTO card_applications(id, resident_id, application_id, received_date, status, "
                     "status_date) VALUES (?, ?, ?, '2026-10-01', 'producing', '2026-11-01')",
                     (new_id(), side.adult, side.application_id))
    if protected:
        perpetrator = measures.Perpetrator(family_name="遠方", given_name="某", family_kana="エンポウ",
                                           given_kana="ボウ", birth_date="1979-03-03",
                                           address="大阪府大阪市北区梅田1番1号")
        today = dt.date.fromisoformat(TODAY)
        measures.create_measure(store, officer, target_id=side.adult, kind="dv", applied_date=today,
                                start_date=today, members=[side.child, side.elder], perpetrator=perpetrator)
        measures.apply_provisional(store, officer, target_id=side.moved, kind="dv", applied_date=today,
                                   perpetrator=perpetrator)
    tokens = {
        fam: "〈氏〉", fk: "〈シ〉", address: "〈住所〉", f"{PREFECTURE}{address}": "〈住所〉", moved_to: "〈転出先〉",
        town: "〈町〉", names["moved_street"]: "〈転出町〉", side.application_id: "〈申請書ID〉",
    }
    for role, label in (("adult", "本人"), ("child", "子"), ("elder", "母"), ("moved", "夫")):
        (number,) = store.conn.execute("SELECT my_number FROM residents WHERE id = ?",
                                       (getattr(side, role),)).fetchone()
        tokens[number] = f"〈{label}の個人番号〉"
        given, gk = names[role]
        tokens.update({f"{fam}　{given}": f"〈{label}〉", f"{fam} {given}": f"〈{label}〉", fam + given: f"〈{label}〉",
                       given: f"〈{label}の名〉", f"{fk} {gk}": f"〈{label}カナ〉", f"{fk}　{gk}": f"〈{label}カナ〉",
                       gk: f"〈{label}のメイ〉"})
    side.particulars = tokens
    return side


# ------------------------------------------------------------------------------ masking

_UUID = re.compile(r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}|[0-9a-f]{8}(?=[\s.）)]|$)")
_ISSUE = re.compile(r"\d{8}-\S+?-\S+?-\d+")


def masker(side: Side):
    keys = sorted(side.particulars, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(k) for k in keys if k))

    def mask(text):
        if isinstance(text, str):
            text = pattern.sub(lambda m: side.particulars[m.group(0)], text)
            # ids first: a case id may begin with eight digits, like an issue number
            return _ISSUE.sub("〈交付番号〉", _UUID.sub("〈ID〉", text))
        if isinstance(text, dict):
            return {k: mask(v) for k, v in text.items()}
        if isinstance(text, (list, tuple)):
            return [mask(v) for v in text]
        return text

    return mask


# ------------------------------------------------------------------------------ the grid

@dataclass(frozen=True)
class Cell:
    case_type: str
    requester_type: str
    channel: str          # counter / post, with the delivery code for copies
    target: str           # which member of the side the request is about
    document: str = ""
    method: str = ""      # status inquiry: four_items / application_id
    items: tuple[str, ...] = ()   # copies: optional items asked for

    @property
    def name(self) -> str:
        return "/".join(x for x in (self.case_type, self.requester_type, self.channel, self.target,
                                    self.document, self.method, "+".join(self.items)) if x)


COPY_CHANNELS = (("counter", "hand_over"), ("counter", "post_person_address"), ("post", "post_person_address"),
                 ("post", "post_requester_address"), ("counter", "post_other_address"),
                 ("post", "post_representative_address"))
MY_NUMBER_CHANNELS = (("counter", "hand_over"), ("post", "post_person_address"))
COPY_TARGETS = (("adult", "juminhyo"), ("moved", "juminhyo_removed"), ("moved", "juminhyo"))


def grid() -> list[Cell]:
    """Every case type × requester type × delivery channel (× whom, × how looked up)."""
    from app.rules.tables import CARD_REQUESTERS, REQUESTER_TYPES

    cells = [Cell("copy_issuance", str(rt), f"{ch}:{dl}", target, doc)
             for rt in REQUESTER_TYPES for ch, dl in COPY_CHANNELS for target, doc in COPY_TARGETS]
    # a copy showing the My Number and the household: the delivery table's rows
    cells += [Cell("copy_issuance", str(rt), f"{ch}:{dl}", target, doc, items=("household", "my_number"))
              for rt in REQUESTER_TYPES for ch, dl in MY_NUMBER_CHANNELS for target, doc in COPY_TARGETS]
    cells += [Cell(case, str(rt), "counter", "adult") for case in ("pin_reset", "cert_renewal") for rt in CARD_REQUESTERS]
    # a renewal for the member who moved away (the card register still holds the card here)
    cells += [Cell("cert_renewal", str(rt), "counter", "moved") for rt in CARD_REQUESTERS]
    cells += [Cell("suspension_lift", str(rt), "counter", target)
              for rt in CARD_REQUESTERS for target in ("elder", "moved")]
    cells += [Cell("status_inquiry", "self", "counter", "adult", method=m) for m in ("four_items", "application_id")]
    return cells


#: the typed destination (a workplace); its town is never a twin's own town, or masking the twin's
#: town would mask it on one side only
POST_PLACE_TOWN = "栄町"
POST_PLACE = f"研修県研修市{POST_PLACE_TOWN}一丁目1番1号 研修商事"


def request_of(cell: Cell, side: Side, store) -> dict:
    """The whole request of ``cell`` for ``side``, by field id (each step takes what it shows)."""
    target = getattr(side, cell.target)
    rt = cell.requester_type
    if cell.case_type == "copy_issuance":
        channel, delivery = cell.channel.split(":")
        v = {"document": cell.document, "requester_type": rt, "target_resident_ids": [target], "scope": "person",
             "items": list(cell.items), "power_of_attorney_my_number": True,
             "purpose": "own_use", "purpose_detail": "手続に使用", "channel": channel, "delivery": delivery,
             "identity_documents": ["driving_licence"], "post_place": POST_PLACE,
             "post_reason": "勤務先で受け取るため", "post_reason_justified": True, **STRANGER}
        if rt == "self":
            v["requester_resident_id"] = target
        elif rt == "same_household":
            v["requester_resident_id"] = side.elder
        elif rt in ("voluntary_agent", "legal_representative", "messenger"):
            v.update(principal_resident_id=target, representation="adult_guardian")
        elif rt == "public_body":
            v.update(purpose="official_duty", public_agency="研修税務署", public_legal_basis="国税徴収法第141条",
                     public_officer_name="税務 職員")
        else:
            v.update(purpose="own_right", purpose_detail="貸金の返還請求")
            if rt == "professional":
                v.update(profession="lawyer", client_family_name="依頼", client_given_name="一子")
        return v
    if cell.case_type == "status_inquiry":
        if cell.method == "application_id":
            return {"method": "application_id", "application_id": side.application_id}
        return {"method": "four_items", **side.four_items(store)}
    v = {"requester_type": rt, "holder_resident_id": target, **STRANGER,
         "identity_documents": ["my_number_card", "driving_licence"] if cell.case_type == "pin_reset"
         else ["driving_licence"], "inquiry_form_returned": True}
    if cell.case_type == "pin_reset":
        v.update(secrets=["auth"], retry_counters={"auth": 3}, new_pin_set=["auth"])
    if cell.case_type == "cert_renewal":       # the card read: its certificate within the window
        today = dt.date.today()
        v.update(identity_documents=["my_number_card", "driving_licence"], renew=["auth"],
                 certificates={"auth": _certificate("01", today - dt.timedelta(5 * 365), today + dt.timedelta(30))},
                 certificates_after={"auth": _certificate("02", today, today + dt.timedelta(5 * 365))})
    return v


def _certificate(serial: str, start: dt.date, end: dt.date) -> dict:
    """A certificate as the case holds it after a read of the card (app.desk.cardfill)."""
    return {"serial": serial, "not_before": start.isoformat(), "not_after": end.isoformat()}


# ------------------------------------------------------------------------------ one walk

@dataclass
class Walk:
    entries: list[dict] = field(default_factory=list)    # the requester channel, step by step
    waits: list[dict] = field(default_factory=list)      # the protected side's stops (allowed)
    documents: dict[str, str] = field(default_factory=dict)
    status: str = ""


def _said(reasons) -> list[dict]:
    return [t.as_dict() for t in requester_channel(reasons)]


def walk(engine, store, cell: Cell, values: dict, *, officer=None, officer_says: str = "release",
         mask=lambda x: x) -> Walk:
    """Walk ``values`` through the case, step by step, recording the requester channel. When the
    case stops for the support officer, ``officer_says`` 'release' or 'refuse' (an officer's
    sign-in ``officer`` is needed)."""
    from app.security import release
    from app.workflows.engine import AWAITING_RELEASE, OPEN, PAUSED

    out = Walk()
    cid = engine.open_case(cell.case_type).case_id
    view = engine.current_step(cid)
    for _ in range(16):
        if view.status == PAUSED:
            out.entries.append({"step": view.step, "status": "paused",
                                "said": mask(view.pause["decision"]["requester"])})
            view = engine.resume(cid)
            continue
        if view.status == AWAITING_RELEASE:
            out.waits.append({"step": view.step, "said": mask(view.gate["decision"]["requester"])})
            scope = engine.gate_scope(cid)
            if officer_says == "release":
                release.grant(store, scope, officer, checklist={"request_form": True, "identity": True,
                                                                 "documents": True})
            else:
                release.refuse(store, scope, officer, reason="請求者と加害者の関係が疑われるため")
            step = view.step
            view = engine.next(cid)
            out.entries.append(_entry(step, view, mask))
            continue
        if view.status != OPEN:
            break
        for _pass in range(2):      # a field or item shown only once another is set (representation)
            for f in engine.current_step(cid).fields:
                if f.id in values and f.value is None:
                    engine.set_value(cid, f.id, values[f.id])
        for item in engine.current_step(cid).items:
            if not item.checked:
                engine.tick(cid, item.id)
        view = engine.current_step(cid)
        if view.blocking:
            out.entries.append({"step": view.step, "status": "blocked", "said": mask(_said(view.blocking))})
            break
        step = view.step
        view = engine.next(cid)
        if view.status != AWAITING_RELEASE:
            out.entries.append(_entry(step, view, mask))
    out.status = view.status
    out.documents = mask(documents(store, cid, view.status, cell))
    return out


def _entry(step: str, view, mask) -> dict:
    """What the requester learns from Next at ``step``: where the case went, the outcome, the
    requester texts, and the answer of a status inquiry (found applications and their status)."""
    decision = (view.outcome or {}).get("decision") or (view.decision or {}).get("decision") or {}
    entry = {"step": step, "status": view.status, "next": view.step, "outcome": decision.get("outcome"),
             "said": mask(decision.get("requester", []))}
    if "applications" in decision.get("data", {}):
        entry["answer"] = mask([a["status_ja"] for a in decision["data"]["applications"]])
    return entry


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF, read back by poppler's pdftotext (fast enough for hundreds)."""
    import subprocess

    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")
    return re.sub(r"\s+", " ", text).strip()      # words in reading order; spacing is layout


def documents(store, case_id: str, status: str, cell: Cell) -> dict[str, str]:
    """Every document the requester receives, as text read back from its PDF: the refusal
    notice of a refused case; the copy and its cover letter of a completed copy case (issued
    for real: issue number, history). The processing slip is a staff document."""
    from app.printing.case_adapter import issue_case_copies, refusal_from_case
    from app.printing.letters import render_refusal

    out = {}
    if status == "refused":
        out["refusal_notice"] = pdf_text(render_refusal(refusal_from_case(store, case_id)))
    elif status == "completed" and cell.case_type == "copy_issuance":
        from app.printing.model import PrintRefused

        staff = store.conn.execute("SELECT opened_by FROM cases WHERE id = ?", (case_id,)).fetchone()[0]
        try:
            for doc in issue_case_copies(store, case_id, staff_id=staff):
                if doc.kind != "slip":
                    out[doc.kind] = pdf_text(doc.pdf)
        except (PrintRefused, ValueError) as exc:   # the printer refused: it must do so for both twins
            out["print_refused"] = type(exc).__name__
    return out


def first_difference(a, b, path: str = "") -> str | None:
    """The path of the first field where ``a`` and ``b`` differ (None: equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(dict.fromkeys([*a, *b])):
            if k not in a or k not in b:
                return f"{path}.{k} (only on one side)"
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None if len(a) == len(b) else f"{path} (length {len(a)} != {len(b)})"
    if a == b:
        return None
    if isinstance(a, str) and isinstance(b, str):
        at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        return f"{path} at character {at}: …{a[max(0, at - 30):at + 40]!r} != …{b[max(0, at - 30):at + 40]!r}"
    return f"{path}: {a!r} != {b!r}"


def channel(w: Walk) -> dict:
    return {"entries": w.entries, "documents": w.documents, "status": w.status}

