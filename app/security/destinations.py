"""Every destination of a request checked against the perpetrators' addresses (DOMAIN: "every
destination is checked"), at the step where it is entered and again at printing.

A destination is where a copy or a notice goes by post: the registered address of a resident
(``RequestScope.mail_to``: the person, the requester, a card holder) or an address the clerk typed
(``RequestScope.extra["mail_to_addresses"]``: a workplace, another address, the representative's
home; the case type fills it from the one delivery table, ``app.rules.copies.mailing_destination``).

The places that must never receive anything about a protected person are the perpetrators'
(:func:`perpetrator_places`): the address recorded on the support application and, for a
perpetrator who lives here, his resident record (the registered address and the household's). They
are the perpetrators of the measures that protect a person the request is ABOUT (every person in
scope and every resident mailed to) — whatever the measure's status, ended included. So the
perpetrator's own copy posted to his own address goes (nothing about a protected person is in it),
while a victim's copy typed to "his workplace" at his address never does.

Addresses are compared with the one normaliser, :func:`app.store.normalize.same_address`.

This module is used by the decision pipeline (:func:`destination_stage`, which runs at every
decision point of every case type, before and after the restriction stage's own step) and by
printing (:mod:`app.printing.letters` screens the cover letter with :func:`perpetrator_places`),
so the rules never allow a mailing that printing then refuses, nor the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.rules import said
from app.rules.core import Decision, Reason, RequestScope, Stage, scope_digest
from app.security.clock import SYSTEM_CLOCK, Clock
from app.security.measures import measures_protecting
from app.security.restriction import _configured_terminal, _logged
from app.store.normalize import same_address

SRC_DESTINATION = ("住民基本台帳事務処理要領 第5-10; 総務省通知 2018-03-28（加害者への送付の防止）; "
                   "DV等支援措置: 送付先の確認")

#: staff text (full reason, for staff eyes only): the destination is a perpetrator's
STAFF_JA = ("送付先が、対象者を保護する支援措置の加害者の住所（又は加害者本人）と一致します。"
            "この送付先には送付できません。請求者には理由を告げず、支援措置責任者に報告してください。")
STAFF_EN = ("The destination matches an address of the perpetrator of a support measure protecting a "
            "person in this request (or the perpetrator himself). Nothing can be sent there. Do not "
            "tell the requester why; report to the support officer.")
#: requester text: the neutral sentence of every copy request that cannot be served for a reason
#: that depends on a person's record (app.rules.said.NOT_ISSUED) — not "this destination", which
#: would tell a perpetrator that his address is on record
REQUESTER = said.NOT_ISSUED


@dataclass(frozen=True)
class PerpetratorPlaces:
    """The addresses and resident ids that must receive nothing about the protected persons."""

    addresses: tuple[str, ...] = ()
    resident_ids: frozenset[str] = frozenset()

    def blocks(self, *, resident_id: str | None = None, address: str | None = None) -> bool:
        if resident_id and resident_id in self.resident_ids:
            return True
        return bool(address) and any(same_address(address, b) for b in self.addresses)


def perpetrator_places(conn, about_ids=None) -> PerpetratorPlaces:
    """The perpetrators' places of every support measure (any status) protecting one of
    ``about_ids`` — as its target or a covered member — or, with ``about_ids=None``, of every
    measure (a mailing whose subjects are not known is screened against all of them)."""
    if about_ids is None:
        where, args = "", ()
    else:
        measure_ids = sorted({m.id for ms in measures_protecting(conn, about_ids, in_force_only=False).values()
                              for m in ms})
        if not measure_ids:
            return PerpetratorPlaces()
        where, args = f"WHERE m.id IN ({','.join('?' * len(measure_ids))})", tuple(measure_ids)
    rows = conn.execute(
        f"SELECT m.perpetrator_address, r.id, r.address, h.address FROM support_measures m "
        f"LEFT JOIN residents r ON r.id = m.perpetrator_resident_id "
        f"LEFT JOIN households h ON h.id = r.household_id {where}", args).fetchall()
    addresses = {a for row in rows for a in (row[0], row[2], row[3]) if a and a.strip()}
    return PerpetratorPlaces(tuple(sorted(addresses)), frozenset(row[1] for row in rows if row[1]))


def registered_address(conn, resident_id: str) -> str:
    row = conn.execute("SELECT address FROM residents WHERE id = ?", (resident_id,)).fetchone()
    return (row[0] or "") if row else ""


def scope_destinations(scope: RequestScope) -> tuple[tuple[str | None, str], ...]:
    """(resident id, typed address) of every destination of a request."""
    typed = tuple((None, a) for a in (scope.extra or {}).get("mail_to_addresses") or () if a and a.strip())
    return tuple((rid, "") for rid in scope.mail_to if rid) + typed


def destination_decision(conn, scope: RequestScope) -> Decision | None:
    """REFUSE when a destination of the request is a perpetrator's place; None otherwise."""
    destinations = scope_destinations(scope)
    if not destinations:
        return None
    places = perpetrator_places(conn, {*scope.persons, *scope.mail_to})
    if not (places.addresses or places.resident_ids):
        return None
    hits = [i for i, (rid, typed) in enumerate(destinations)
            if places.blocks(resident_id=rid, address=typed or (registered_address(conn, rid) if rid else ""))]
    if not hits:
        return None
    protected = sorted(measures_protecting(conn, {*scope.persons, *scope.mail_to}, in_force_only=False))
    # the requester hears what this kind of procedure says to any refusal after review (a card
    # procedure: "not at this counter"; a copy: "cannot be issued")
    return Decision.refuse(
        replace(DESTINATION_REASON, said=said.refused(scope.case_type)), protected=protected,
        scope_digest=scope_digest(scope), case_id=scope.case_id,
        destinations_blocked=[{"typed": rid is None, "resident_id": rid} for rid, _ in
                              (destinations[i] for i in hits)],
    )


#: a blocked destination: the full reason for staff, the neutral sentence for the requester
DESTINATION_REASON = Reason("dv.destination", STAFF_JA, STAFF_EN, SRC_DESTINATION, said=REQUESTER)


def staff_only_destination_reasons(decision: Decision) -> tuple[Reason, ...]:
    """The blocked-destination reasons of ``decision`` with nothing said to the requester: for a
    decision that another one (the restriction's pre-screen) stands in for."""
    return tuple(replace(r, said=said.NOTHING) for r in decision.reasons if r.code == DESTINATION_REASON.code)


def destination_stage(store, ctx=None, *, clock: Clock = SYSTEM_CLOCK) -> Stage:
    """The pipeline stage (``app.workflows.pipeline.stages_for``): at every decision point, from
    the first step on, whether or not the restriction stage runs there yet. A blocked
    destination is audited once per protected person, like every restriction decision."""
    def stage(scope: RequestScope) -> Decision | None:
        decision = destination_decision(store.conn, scope)
        if decision is None:
            return None
        terminal = getattr(ctx, "terminal_id", "") or _configured_terminal()
        return _logged(store, scope, decision, "restriction.refuse_destination", terminal, clock)

    return stage
