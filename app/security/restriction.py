"""The DV restriction stage (交付制限) of the decision pipeline, run first at every decision point
of every case type (``app.workflows.pipeline.stages_for``).

For a request whose scope touches a protected person — any person in ``scope.persons`` (targets,
household members in scope, removed records) or ``scope.mail_to`` (mailings and notices) — under
a support measure in force (active or provisional; an end date passing does not end it):

1. **REFUSE** a request by the perpetrator: the requester (or the person a professional or agent
   acts for) matches the perpetrator's particulars (folded name or kana, plus birth date or
   address; for a professional's client, whose form gives only the name, the name alone), is the
   perpetrator's resident record, or is the perpetrator's lawyer on record; a
   "submission to a court" purpose gets the inquiry-commission (調査嘱託) guidance;
2. **REFUSE** a requester claiming to be the protected person without photo ID whose stated
   address, sex or birth date do not match the record; ask for them when not yet given;
3. **REFUSE** when the support officer refused exactly this request;
4. **ALLOW** when a release by a support officer opens exactly this request now;
5. otherwise **RESTRICT** — the clerk cannot go on; only a support officer who is not the handling
   clerk can release (:mod:`app.security.release`). A release whose request changed is voided.

Every such decision is audited (per protected person). The tables of reasons are data below. This
stage never shows anything and has no "alert only" mode: a DV restriction always blocks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from app.rules import said
from app.rules.core import Decision, Outcome, Person, Reason, RequestScope, Stage, scope_digest
from app.security import audit, release as releases
from app.security.clock import SYSTEM_CLOCK, Clock
from app.security.measures import Measure, Perpetrator, fold_address, fold_name, measures_protecting
from app.security.outsourced import is_outsourced

SRC_BLOCK = ("総務省通知 2015-09-04（別紙③）・2018-03-28 住基システム上の交付制限: 支援措置責任者が解除しない限り"
             "手続が進行しない仕組み / MIC notices 2015-09-04, 2018-03-28")
SRC_PERPETRATOR = "住民基本台帳事務処理要領 第5-10; 総務省通知 2018-03-28（加害者の代理人・特定事務受任者）"
SRC_COURT = "総務省通知 2018-12-03（裁判所への提出: 調査嘱託）"
SRC_IDENTITY = "総務省通知 2015-09-04（写真付き身分証明書がない場合: 住所の申告、性別・生年月日との照合）"
SRC_REASON = "総務省通知: 本人等請求の場合であっても、請求事由を明らかにさせる"

REASONS: dict[str, Reason] = {r.code: r for r in (
    Reason("dv.restricted",
           "交付制限（支援措置）：支援措置責任者の解除なしに手続を進めることはできません。",
           "Restricted (DV/stalking support measure): this request cannot go on without the "
           "support officer's release.", SRC_BLOCK, said.REVIEW),
    Reason("dv.released",
           "支援措置責任者が、この請求に限り一時的に制限を解除しました。",
           "The support officer has released the restriction for this request only, for a "
           "limited time.", SRC_BLOCK, said.NOTHING),
    Reason("dv.perpetrator",
           "加害者本人からの申出があったものとみなし、申出を拒否します。",
           "The request is treated as the perpetrator's own request and is refused.",
           SRC_PERPETRATOR, said.NOT_ISSUED),
    Reason("dv.perpetrator_agent",
           "加害者の代理人又は加害者が依頼した事件の特定事務受任者からの請求は、加害者本人からの申出があったものとみなし、拒否します。",
           "A request by an agent or professional acting for the perpetrator is treated as the "
           "perpetrator's own request and is refused.", SRC_PERPETRATOR, said.NOT_ISSUED),
    Reason("dv.court",
           "住民票の写し等を交付することはできません。交付されない場合の対応方法については、裁判所で手続の教示を受けることができます。"
           "具体的な手続については、裁判所にご相談ください。（裁判所からの調査嘱託に基づき、裁判所に交付します）",
           "No copy can be issued. The court can explain what to do when a copy is not issued; "
           "please consult the court. (The court obtains it by an inquiry commission.)",
           SRC_COURT),
    Reason("dv.possible_perpetrator",
           "請求者の氏名が加害者と一致します。支援措置責任者が確認してください。",
           "The requester's name matches the perpetrator's: the support officer must check.",
           SRC_PERPETRATOR, said.REVIEW),
    Reason("dv.identity_ask",
           "写真付きの本人確認書類がありません。請求者自身に住所を申告させ、性別・生年月日を記録と照合してください。",
           "No photo ID: ask the requester to state their own address and compare their sex and "
           "birth date with the record.", SRC_IDENTITY, said.REVIEW),
    Reason("dv.identity_mismatch",
           "申告された住所・性別・生年月日が記録と一致しません。なりすましのおそれがあるため交付できません。",
           "The stated address, sex or birth date do not match the record: possible "
           "impersonation, nothing can be issued.", SRC_IDENTITY, said.IDENTITY_FAILED),
    Reason("dv.reason_required",
           "本人等請求の場合であっても、請求事由を明らかにしてもらってください。",
           "Even for the person's own request, the requester must state the reason.", SRC_REASON,
           said.NOTHING),
    Reason("dv.release_voided",
           "解除後に請求内容が変わったため、解除は無効になりました。",
           "The request changed after the release, so the release is void.", SRC_BLOCK, said.REVIEW),
    Reason("dv.clock",
           "端末の時計が戻されたため、解除は使えません。",
           "The terminal's clock was moved backwards, so the release cannot be used.", SRC_BLOCK, said.REVIEW),
    Reason("dv.outsourced",
           "委託職員はこの請求を処理できません。市の職員に引き継いでください（解除があっても進めません）。",
           "Outsourced (委託) staff cannot handle this request: hand it over to a municipal "
           "employee (no release lets it through).", SRC_BLOCK, said.REVIEW),
)}

#: the pre-screen's staff-only note (app.workflows.pipeline.run_stages): nothing is said
PRESCREEN_NOTE = Reason(
    "dv.prescreen",
    "この請求の対象に交付制限（支援措置）の対象者が含まれます。本人確認の段階で支援措置責任者の確認を待ちます。"
    "請求者にはこのことを伝えないでください。",
    "A person under a support measure is in scope of this request: it will wait for the support "
    "officer at the identity step. Do not tell the requester.", SRC_BLOCK, said.NOTHING)

AGENT_TYPES = frozenset({"professional", "voluntary_agent", "legal_representative", "messenger"})
COURT_PURPOSES = frozenset({"court_submission"})


def _has_photo_id(identity) -> bool:
    """Photo ID per the workflow's identity table; without that table, assume none (stricter)."""
    try:
        # optional: without the workflow's identity table, assume no photo ID
        from app.rules.identity import has_photo_id
    except ImportError:
        return False
    return has_photo_id(identity)


# ------------------------------------------------------------------------ particulars matching

def _names(family, given) -> str:
    return fold_name((family or "") + (given or ""))


def matches_perpetrator(person: Person | None, p: Perpetrator) -> str:
    """'full' when the person matches the perpetrator (name or kana, plus birth date or address),
    'name' when only the name matches, '' otherwise."""
    if person is None:
        return ""
    name_hit = bool(_names(person.family_name, person.given_name)) and (
        _names(person.family_name, person.given_name) == _names(p.family_name, p.given_name))
    kana_hit = bool(_names(person.family_kana, person.given_kana)) and (
        _names(person.family_kana, person.given_kana) == _names(p.family_kana, p.given_kana))
    if not (name_hit or kana_hit):
        return ""
    birth_hit = bool(person.birth_date) and person.birth_date == p.birth_date
    address_hit = bool(fold_address(person.address)) and (
        fold_address(person.address) == fold_address(p.address))
    return "full" if birth_hit or address_hit else "name"


def _lawyer_hit(requester: Person, p: Perpetrator) -> bool:
    lawyer = fold_name(p.lawyer_name)
    return bool(lawyer) and lawyer == _names(requester.family_name, requester.given_name)


@dataclass(frozen=True)
class PerpetratorFinding:
    outcome: str        # 'perpetrator', 'agent', 'possible', ''
    measure: Measure | None = None


def record_person(conn, resident_id: str | None) -> Person | None:
    """The particulars of a requester picked from the resident records (self, same household):
    name, kana, birth date and address as the record holds them."""
    if not resident_id or conn is None:
        return None
    row = conn.execute("SELECT family_name, given_name, family_kana, given_kana, birth_date, address "
                       "FROM residents WHERE id = ?", (resident_id,)).fetchone()
    return Person(*row[:6]) if row else None


def find_perpetrator(scope: RequestScope, measures: list[Measure], conn=None) -> PerpetratorFinding:
    """Whether the requester (or the client a professional acts for) is a perpetrator of one of
    ``measures``: by resident record, by the particulars stated or read from the ID (folded name
    or kana, plus birth date or address: the folding of search, ``app.store.normalize``), by the
    particulars of the requester's own resident record, or as the lawyer on record."""
    possible = None
    on_record = record_person(conn, scope.requester_resident_id)
    for m in measures:
        p = m.perpetrator
        if scope.requester_resident_id and scope.requester_resident_id == p.resident_id:
            return PerpetratorFinding("perpetrator", m)
        if on_record is not None and matches_perpetrator(on_record, p) == "full":
            return PerpetratorFinding("perpetrator", m)
        hit = matches_perpetrator(scope.requester, p)
        if hit == "full":
            return PerpetratorFinding("perpetrator", m)
        if _lawyer_hit(scope.requester, p):
            return PerpetratorFinding("agent", m)
        client = scope.professional_client
        if client is not None:
            # the client's name is all a professional's request form gives: a name (or kana)
            # match with the perpetrator is refused as the perpetrator's own request
            if matches_perpetrator(client, p):
                return PerpetratorFinding("agent", m)
            if client.family_name and not client.given_name and (
                    fold_name(client.family_name) == fold_name(p.family_name)):
                possible = possible or m
        if hit == "name":
            possible = possible or m
    return PerpetratorFinding("possible", possible) if possible else PerpetratorFinding("")


def identity_check(conn, scope: RequestScope, protected: list[str]) -> str:
    """For a requester claiming to be a protected person (requester type 'self') without photo
    ID: 'ask' (address, sex, birth date not yet stated), 'mismatch', 'ok' or '' (not applicable)."""
    if scope.requester_type != "self" or _has_photo_id(scope.identity):
        return ""
    claimed = scope.requester_resident_id or (scope.persons[0] if scope.persons else None)
    if claimed not in protected:
        return ""
    row = conn.execute("SELECT address, sex, birth_date FROM residents WHERE id = ?",
                       (claimed,)).fetchone()
    r = scope.requester
    if not (r.address and r.birth_date and r.sex):
        return "ask"
    if (row is None or fold_address(r.address) != fold_address(row[0]) or r.sex != row[1]
            or r.birth_date != row[2]):
        return "mismatch"
    return "ok"


# ------------------------------------------------------------------------------------- stage

def evaluate(store, scope: RequestScope, *, terminal_id: str,
             clock: Clock = SYSTEM_CLOCK) -> Decision | None:
    """The restriction decision for ``scope`` (None when no protected person is in scope)."""
    conn = store.conn
    by_person = measures_protecting(conn, (*scope.persons, *scope.mail_to))
    if not by_person:
        return stale_support_decision(store, scope, clock)
    protected = sorted(by_person)
    measures = list({m.id: m for ms in by_person.values() for m in ms}.values())
    data = {"protected": protected, "measures": sorted(m.id for m in measures),
            "scope_digest": scope_digest(scope), "case_id": scope.case_id}
    reasons = lambda *codes: tuple(REASONS[c] for c in codes)  # noqa: E731

    finding = find_perpetrator(scope, measures, conn)
    court = scope.purpose in COURT_PURPOSES
    decision: Decision
    if finding.outcome in ("perpetrator", "agent"):
        codes = ["dv.perpetrator" if finding.outcome == "perpetrator" else "dv.perpetrator_agent"]
        if court:
            codes.append("dv.court")
        decision = refusal_(scope, reasons(*codes), {**data, "court_guidance": court})
        return _logged(store, scope, decision, "restriction.refuse_perpetrator", terminal_id, clock)

    identity = identity_check(conn, scope, protected)
    if identity == "mismatch":
        decision = refusal_(scope, reasons("dv.identity_mismatch"), data)
        return _logged(store, scope, decision, "restriction.refuse_identity", terminal_id, clock)

    refusal = releases.refusal_for(conn, scope)
    if refusal is not None:
        officer_reason = officer_refused(scope, refusal.reason)
        decision = refusal_(scope, (officer_reason,), {**data, "release_id": refusal.id})
        return _logged(store, scope, decision, "restriction.refuse_officer", terminal_id, clock)

    if is_outsourced(conn, scope.handling_staff_id):     # 委託: never past a restriction
        decision = Decision(Outcome.RESTRICT, reasons("dv.restricted", "dv.outsourced"), data)
        return _logged(store, scope, decision, "restriction.outsourced", terminal_id, clock)

    # a release never steps over a missing identity check: once documents without a photo are
    # shown, the request stays restricted until the oral answers are given, whatever was released
    granted = None if identity == "ask" and scope.identity else releases.valid_release(conn, scope, clock)
    if granted is not None:            # the officer reviewed the identity checklist
        decision = Decision(Outcome.ALLOW, reasons("dv.released"), {
            **data, "release_id": granted.id, "release_officer_id": granted.officer_id,
            "release_expires_at": granted.expires_at})
        return _logged(store, scope, decision, "restriction.released", terminal_id, clock)

    codes = ["dv.restricted"]
    if releases.void_changed(store, scope, terminal_id=terminal_id, clock=clock):
        codes.append("dv.release_voided")
    if any(releases.check(conn, r, scope, clock) == "clock_moved_back"
           for r in releases.releases_for_case(conn, scope.case_id)):
        codes.append("dv.clock")
    if finding.outcome == "possible":
        codes.append("dv.possible_perpetrator")
    if identity == "ask":
        codes.append("dv.identity_ask")
    if scope.requester_type == "self" and not scope.purpose:
        codes.append("dv.reason_required")
    # the court guidance (調査嘱託) is for the perpetrator's side only: never shown while the
    # request waits (a lawyer whose client is not the perpetrator must not get it)
    decision = Decision(Outcome.RESTRICT, reasons(*codes), data)
    return _logged(store, scope, decision, "restriction.block", terminal_id, clock)


def refusal_(scope: RequestScope, reasons: tuple[Reason, ...], data: dict) -> Decision:
    """A refusal by the restriction stage. A status inquiry is answered as for nobody: every
    reason says "no application found" to the requester and ``answer_as_nobody`` tells the case
    type to give the answer it gives when nothing matches (``status_inquiry``)."""
    if scope.case_type == "status_inquiry":
        reasons = tuple(replace(r, said=said.NO_APPLICATION) for r in reasons)
        data = {**data, "answer_as_nobody": True}
    else:      # "not issued" in the words of this kind of request (a card procedure: not here)
        reasons = tuple(replace(r, said=said.refused(scope.case_type)) if r.said == said.NOT_ISSUED else r
                        for r in reasons)
    return Decision(Outcome.REFUSE, reasons, data)


def officer_refused(scope: RequestScope, officer_reason: str) -> Reason:
    """The support officer's refusal: his words go to staff only."""
    return Reason("dv.officer_refused", f"支援措置責任者が拒否しました：{officer_reason}",
                  f"The support officer refused: {officer_reason}", SRC_BLOCK, said.refused(scope.case_type))


def needs_review(store, scope: RequestScope, clock: Clock = SYSTEM_CLOCK) -> bool:
    """The pre-screen: a person in scope (or a mailing target) is under a support measure in
    force, or this terminal's support data is stale. Reads only; audits nothing."""
    if measures_protecting(store.conn, (*scope.persons, *scope.mail_to)):
        return True
    # upward, fail closed (pyproject): sync loads when support data is judged
    from app.sync.freshness import stale_support_reason

    return stale_support_reason(store, scope, clock=clock) is not None


def stale_support_decision(store, scope: RequestScope, clock: Clock = SYSTEM_CLOCK) -> Decision | None:
    """Fail closed (``app.sync.freshness``): when this terminal's support-measure data is out of
    date (or was never received) a request with anyone in scope is restricted as if a protected
    person were in it, until a sync succeeds or a support officer releases exactly this request
    (or refuses it). None when the data is fresh or the store is standalone (training)."""
    # upward, fail closed (pyproject): sync loads when support data is judged
    from app.sync.freshness import stale_support_reason

    reason = stale_support_reason(store, scope, clock=clock)
    if reason is None:
        return None
    conn = store.conn
    data = {"protected": [], "measures": [], "scope_digest": scope_digest(scope),
            "case_id": scope.case_id, "stale_support_data": True}
    refusal = releases.refusal_for(conn, scope)
    if refusal is not None:
        return refusal_(scope, (officer_refused(scope, refusal.reason),),
                        {**data, "release_id": refusal.id})
    if is_outsourced(conn, scope.handling_staff_id):
        return Decision(Outcome.RESTRICT, (reason, REASONS["dv.outsourced"]), data)
    granted = releases.valid_release(conn, scope, clock)
    if granted is not None:
        return Decision(Outcome.ALLOW, (REASONS["dv.released"],), {
            **data, "release_id": granted.id, "release_officer_id": granted.officer_id,
            "release_expires_at": granted.expires_at})
    return Decision(Outcome.RESTRICT, (reason,), data)


_last_logged: dict[tuple, str] = {}


def _logged(store, scope: RequestScope, decision: Decision, action: str, terminal_id: str,
            clock: Clock) -> Decision:
    """Audit the decision once per protected person, case, request and outcome (the pipeline may
    run the same check many times while the clerk looks at one screen)."""
    key = (str(store.path), scope.case_id, decision.data["scope_digest"], action)
    if _last_logged.get(key) != action:
        with store.transaction() as conn:
            for rid in decision.data["protected"]:
                audit.append(conn, action=action, staff_id=scope.handling_staff_id or None,
                             terminal_id=terminal_id, target_kind="resident", target_id=rid,
                             case_id=scope.case_id or None, clock=clock,
                             detail={"case_type": scope.case_type,
                                     "documents": sorted(scope.documents),
                                     "reasons": [r.code for r in decision.reasons],
                                     "scope_digest": decision.data["scope_digest"]})
        _last_logged[key] = action
    return decision


def restriction_stage(store, ctx=None, *, clock: Clock = SYSTEM_CLOCK,
                      terminal_id: str | None = None) -> Stage:
    """The pipeline stage (``app.workflows.pipeline``): ``ctx`` is the workflow's
    PipelineContext (its ``terminal_id`` is used for the audit log)."""
    terminal = terminal_id or getattr(ctx, "terminal_id", "") or _configured_terminal()

    def stage(scope: RequestScope) -> Decision | None:
        return evaluate(store, scope, terminal_id=terminal, clock=clock)

    return stage


def _configured_terminal() -> str:
    # the configuration file is read only when a terminal id is needed
    from app.config import OfficeConfig

    return OfficeConfig.load().terminal_id


def record_lookup(store, resident_ids, *, staff_id: str | None, terminal_id: str,
                  context: str = "", clock: Clock = SYSTEM_CLOCK) -> set[str]:
    """Log a look-up (search result, record view) of any protected person among ``resident_ids``
    and return those ids, so the screen can show at once that they are under restriction."""
    with store.transaction() as conn:
        protected = sorted(measures_protecting(conn, resident_ids))
        for rid in protected:
            audit.append(conn, action="lookup.protected", staff_id=staff_id,
                         terminal_id=terminal_id, target_kind="resident", target_id=rid,
                         clock=clock, detail={"context": context})
    return set(protected)
