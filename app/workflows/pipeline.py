"""The decision pipeline: which stages run, in which order, at every decision point of every case.

This is the ONE place that assembles them (:func:`stages_for`). At every decision point (a step's
Next) a case type builds an :class:`app.rules.core.RequestScope` of the request as it stands and
the stages run in this order:

1. the DV / support-measure restriction stage of ``app.security`` (it sees every person in scope,
   every document and every mailing address, and can stop ANY case with ``Outcome.RESTRICT``, or
   refuse a perpetrator's request with ``Outcome.REFUSE``);
   The restriction stage runs from the case type's ``restricted_from`` step on (by default from
   the first), so that the officer sees and releases the complete request;
   before that step a pre-screen (:func:`run_stages`) makes every non-ALLOW outcome pass the
   restriction stage once a person in scope is identified;
2. the destination check of ``app.security.destinations`` at EVERY point, from the first step on
   (a mailing address, typed or from a record, that is a perpetrator's place refuses the request
   where it is entered — behind the pre-screen, so with a protected person in scope the request
   first waits for the officer, and the staff text says why; a release does not open it);
3. the case type's own rule stages for that point (``app.rules``: requester types, identity
   documents, item permissions, the My-Number-copy delivery table, card rules...).

Interface with ``app.security`` (the sign-off gate):
``app.security.stage.restriction_stage(store, ctx: PipelineContext) -> Stage``. The returned stage
gets the scope and returns ``None`` (no protected person in scope) or a Decision: RESTRICT while no
release by a support officer matches ``scope_digest(scope)``; ALLOW (with a reason naming the
release, for the processing slip) when one does; REFUSE for a perpetrator's request. The stage is
therefore also the release predicate: when a case waits with status ``awaiting_release``, Next runs
the pipeline again and the case goes on only once the stage no longer restricts. A release bound to
a digest stops matching as soon as anything in the request changes.

This module decides nothing itself and must not import Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from app.rules.core import Decision, RequestScope, Stage, run_pipeline


@dataclass(frozen=True)
class PipelineContext:
    """What a stage may know besides the scope: where in which case, the values and settings."""

    case_type: str
    point: str                           # the decision point: a step id, or "*" for all points
    values: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)
    case_id: str = ""
    staff_id: str = ""
    terminal_id: str = ""
    today: str = ""
    #: whether the restriction stage runs at this point (see ``CaseTypeDef.restricted_from``)
    restriction: bool = True


StageFactory = Callable[[Any, PipelineContext], Stage]

#: case type → decision point → its rule stage factories. ``app.workflows.registry`` fills it in
#: (the package imports the registry), so the pipeline never imports the case types.
RULES: dict[str, Mapping[str, Sequence[StageFactory]]] = {}


def restriction_stages(store, ctx: PipelineContext) -> list[Stage]:
    """The restriction stage, when a store is there to look support measures up in. Imported
    plainly (not by name at run time) so that a frozen build always carries it: a build without it
    fails here instead of silently skipping the DV check."""
    if store is None:
        return []
    # security (Argon2, cryptography) loads when a case runs, not with `rules explain`
    from app.security.stage import restriction_stage

    return [restriction_stage(store, ctx)]


def destination_stages(store, ctx: PipelineContext) -> list[Stage]:
    """The destination check of ``app.security.destinations``: every mailing address of the
    request (from a record or typed) against the perpetrators' places, at EVERY point from the
    first step on (a destination is checked where it is entered, not only once the restriction
    stage starts)."""
    if store is None:
        return []
    # security (Argon2, cryptography) loads when a case runs, not with `rules explain`
    from app.security.destinations import destination_stage

    return [destination_stage(store, ctx)]


def rule_stages(case_type: str, store, ctx: PipelineContext) -> list[Stage]:
    points = RULES.get(case_type, {})
    factories: list[StageFactory] = []
    if ctx.point == "*":
        for point_factories in points.values():
            factories.extend(point_factories)
    else:
        factories.extend(points.get(ctx.point, ()))
    return [factory(store, ctx) for factory in factories]


def stages_for(case_type: str, store, ctx: PipelineContext) -> list[Stage]:
    """Every stage of ``case_type`` at ``ctx.point``, in order: the restriction stage (from the
    case type's ``restricted_from`` step on), the destination check (every point), the rules."""
    restriction = restriction_stages(store, ctx) if ctx.restriction else []
    return restriction + destination_stages(store, ctx) + rule_stages(case_type, store, ctx)


def on_complete(store, scope: RequestScope, decision: Decision, *, staff_id: str, terminal_id: str) -> None:
    """Called by the engine in the transaction that completes a case, or that pauses it after an act
    (the inquiry form mailed): a release that opens this request is single-use, so it is spent now
    (``app.security.release.use``)."""
    if store is None:
        return
    # security (Argon2, cryptography) loads when a case runs, not with `rules explain`
    from app.security import release

    if release.valid_release(store.conn, scope) is not None:
        release.use(store, scope, staff_id=staff_id, terminal_id=terminal_id)


def run_stages(case_type: str, store, ctx: PipelineContext, scope: RequestScope) -> Decision:
    """The decision at ``ctx.point``. From the case type's ``restricted_from`` step on, the
    restriction stage runs first. Before it, the **pre-screen**: as soon as a person in scope is
    identified, an outcome other than ALLOW (a refusal, a redirect, a wait: anything that can
    depend on a person's record facts) is given only after the restriction stage has looked at
    the request — a protected person in scope (or stale support data) gets the restriction
    stage's decision instead (the request waits for the support officer, or the perpetrator is
    refused), and the rules' own outcome only once the officer has released exactly this
    request. A step that lets the request go on adds a staff-only note when a protected person is
    in scope, so the clerk knows early and says nothing."""
    decision = run_pipeline(stages_for(case_type, store, ctx), scope)
    if ctx.restriction or store is None or not (scope.persons or scope.mail_to):
        return decision
    # security (Argon2, cryptography) loads when a case runs, not with `rules explain`
    from app.security.restriction import PRESCREEN_NOTE, needs_review

    if not needs_review(store, scope):
        return decision
    if decision.allowed:
        return Decision(decision.outcome, (*decision.reasons, PRESCREEN_NOTE), decision.data)
    screened = run_pipeline(restriction_stages(store, ctx), scope)
    if not screened.allowed:
        # a perpetrator's place among the destinations: the clerk and the officer at the gate
        # learn it now (staff only; the requester hears the restriction's words alone)
        from app.security.destinations import staff_only_destination_reasons

        return Decision(screened.outcome, (*screened.reasons, *staff_only_destination_reasons(decision)),
                        screened.data)
    return Decision(decision.outcome, (*screened.reasons, *decision.reasons), decision.data)
