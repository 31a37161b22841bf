"""The case engine (案件エンジン): counter cases as UI-free state machines, persisted as events.

A case type is data: an ordered list of :class:`Step`; a step holds checklist items
(:class:`ChecklistItem`), the typed values it collects (:class:`FieldSpec`) and a ``route``
function that decides where the case goes when the clerk presses Next: another step, a refusal, a
sign-off gate (RESTRICT: waits for the support officer), a wait for a return visit, or completion.
The screens (``app/ui``) only render a :class:`StepView` and call the methods of
:class:`CaseEngine`; they never decide anything.

Every tick, untick, entered value, decision and navigation is written as a ``case_events`` row
(who, when, which terminal) and queued in the outbox in the same transaction *before* the engine
moves on. The current state is never stored: it is derived by replaying the events, so a crash
at any point resumes at the same step with everything entered so far.

This module must not import Qt, talk to the card reader or print. The card and the printer are
driven by their own packages; the engine only records what the caller hands in (for instance the
retry counters read after a PIN reset). PINs are never handed in, stored or logged.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from app.config import OfficeConfig
from app.errors import MadoguchiError
from app.rules.core import (
    Decision, Outcome, Reason, RequestScope, scope_digest, scope_from_dict, scope_to_dict,
)
from app.rules.settings import Settings
from app.store.db import Store, new_id, now_iso
from app.store.outbox import enqueue
from app.workflows.pipeline import PipelineContext, on_complete, run_stages

# ---------------------------------------------------------------------------------------------
# Case statuses (the queue) and event kinds
# ---------------------------------------------------------------------------------------------

OPEN = "open"                        # in progress at a desk
PAUSED = "paused"                    # paused; resumes from the queue (also: waiting for a return visit)
AWAITING_RELEASE = "awaiting_release"  # stopped by a restriction; waits for the support officer
COMPLETED = "completed"
REFUSED = "refused"
ABANDONED = "abandoned"

ACTIVE_STATUSES = (OPEN, PAUSED, AWAITING_RELEASE)
FINAL_STATUSES = (COMPLETED, REFUSED, ABANDONED)
STATUSES = ACTIVE_STATUSES + FINAL_STATUSES

STATUS_LABELS = {
    OPEN: ("処理中", "open"),
    PAUSED: ("保留中", "paused"),
    AWAITING_RELEASE: ("支援措置責任者の解除待ち", "awaiting release by the support officer"),
    COMPLETED: ("完了", "completed"),
    REFUSED: ("不可（理由を説明済み）", "refused"),
    ABANDONED: ("取りやめ", "abandoned"),
}

#: event kinds written to ``case_events.kind``
EVENT_KINDS = (
    "opened", "tick", "value", "decision", "navigate", "paused", "resumed", "gated",
    "released", "completed", "refused", "abandoned",
)

ENGINE_SOURCE = "checklist (案件のチェックリスト)"


class CaseError(MadoguchiError):
    """An operation the case does not allow now, worded for the clerk (ja / en)."""

    def __init__(self, ja: str, en: str, code: str = "case.error"):
        super().__init__(ja, en, code=code)


class FieldError(CaseError):
    """A value that does not fit its field; names the field."""

    def __init__(self, field_id: str, ja: str, en: str):
        super().__init__(f"{field_id}: {ja}", f"{field_id}: {en}", code="case.field_invalid")
        self.field_id = field_id


class CaseNotFound(CaseError):
    pass


# ---------------------------------------------------------------------------------------------
# Case-type definitions (data)
# ---------------------------------------------------------------------------------------------

Predicate = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Choice:
    code: str
    ja: str
    en: str


@dataclass(frozen=True)
class ChecklistItem:
    """One thing the clerk confirms and ticks; ``when`` hides it unless the values call for it."""

    id: str
    ja: str
    en: str
    required: bool = True
    when: Predicate | None = None

    def visible(self, values: Mapping[str, Any]) -> bool:
        return self.when is None or bool(self.when(values))


FIELD_KINDS = ("text", "bool", "date", "int", "choice", "multi", "resident", "residents",
               "digits", "json")


@dataclass(frozen=True)
class FieldSpec:
    """A typed value a step collects. ``kind`` is one of :data:`FIELD_KINDS`:

    text, bool, date (ISO YYYY-MM-DD), int, choice (one code of ``choices``), multi (a list of
    codes of ``choices``), resident (a resident id), residents (a list of resident ids), digits
    (a string of ``length`` digits), json (a JSON object handed in by another component).
    """

    id: str
    kind: str
    ja: str
    en: str
    required: bool = True
    choices: tuple[Choice, ...] = ()
    when: Predicate | None = None
    length: int | None = None          # for digits

    def __post_init__(self):
        if self.kind not in FIELD_KINDS:
            raise ValueError(f"field {self.id}: unknown kind {self.kind}")

    def visible(self, values: Mapping[str, Any]) -> bool:
        return self.when is None or bool(self.when(values))

    @property
    def choice_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)

    def parse(self, value: Any) -> Any:
        """The value in its canonical JSON form, or :class:`FieldError` naming the field."""
        if value is None:
            return None
        kind = self.kind
        if kind == "text":
            if not isinstance(value, str):
                raise FieldError(self.id, "文字列で入力してください", "must be text")
            return value.strip()
        if kind == "bool":
            if not isinstance(value, bool):
                raise FieldError(self.id, "はい／いいえで入力してください", "must be true or false")
            return value
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise FieldError(self.id, "整数で入力してください", "must be a whole number")
            return value
        if kind == "date":
            if not isinstance(value, str):
                raise FieldError(self.id, "日付は YYYY-MM-DD で入力してください", "a date is YYYY-MM-DD")
            try:
                return _dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                raise FieldError(self.id, "日付は YYYY-MM-DD で入力してください",
                                 "a date is YYYY-MM-DD") from None
        if kind == "choice":
            if value not in self.choice_codes:
                raise FieldError(self.id, "選択肢にない値です（" + ", ".join(self.choice_codes) + "）",
                                 "must be one of " + ", ".join(self.choice_codes))
            return value
        if kind == "multi":
            if not isinstance(value, (list, tuple)) or any(v not in self.choice_codes for v in value):
                raise FieldError(self.id, "選択肢の一覧で入力してください（" + ", ".join(self.choice_codes) + "）",
                                 "must be a list of " + ", ".join(self.choice_codes))
            return sorted(set(value), key=self.choice_codes.index)
        if kind == "resident":
            if not isinstance(value, str) or not value.strip():
                raise FieldError(self.id, "住民を選んでください", "must be a resident id")
            return value.strip()
        if kind == "residents":
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
                raise FieldError(self.id, "住民の一覧で入力してください", "must be a list of resident ids")
            return list(dict.fromkeys(value))
        if kind == "digits":
            text = re.sub(r"[\s\-]", "", str(value)) if isinstance(value, (str, int)) else None
            if text is not None:
                import unicodedata

                text = unicodedata.normalize("NFKC", text)
            if not text or not text.isascii() or not text.isdigit() or (
                self.length and len(text) != self.length
            ):
                raise FieldError(self.id, f"{self.length or ''}桁の数字で入力してください",
                                 f"must be {self.length or 'some'} digits")
            return text
        if kind == "json":
            if not isinstance(value, dict):
                raise FieldError(self.id, "JSON オブジェクトで渡してください", "must be a JSON object")
            return json.loads(json.dumps(value))
        raise AssertionError(kind)


@dataclass(frozen=True)
class Route:
    """Where Next leads: ``decision.outcome`` says how, ``to`` says where.

    ALLOW + ``to`` → that step; ALLOW + no ``to`` → the case is completed; REFUSE or REDIRECT →
    refused (reasons recorded); WAIT + ``to`` → paused, resumes at ``to`` (e.g. the return visit);
    RESTRICT → awaiting release; Next re-checks and, once released, routes again.
    """

    decision: Decision
    to: str | None = None


def go(step: str, decision: Decision | None = None) -> Route:
    return Route(decision or Decision.allow(), step)


def complete(decision: Decision | None = None) -> Route:
    return Route(decision or Decision.allow(), None)


@dataclass(frozen=True)
class Step:
    id: str
    ja: str
    en: str
    route: Callable[["RouteContext"], Route]
    items: tuple[ChecklistItem, ...] = ()
    fields: tuple[FieldSpec, ...] = ()
    #: extra blocking reasons (beyond unticked items and missing fields), e.g. a counter not full
    check: Callable[["RouteContext"], list[Reason]] | None = None
    guide_ja: str = ""
    guide_en: str = ""
    #: what the card reader does on this step besides filling its fields (the desk offers it:
    #: ``app.desk.cardfill.card_actions``), e.g. "reset_on_card"; the engine never acts on it
    card: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseTypeDef:
    """A case type: ordered steps, how to build the request scope, store-derived facts."""

    id: str
    ja: str
    en: str
    steps: tuple[Step, ...]
    #: RequestScope of the request as it stands (values include the derived facts)
    build_scope: Callable[["RouteContext"], RequestScope]
    #: facts looked up in the store from the values (e.g. card status, residency); store may be None
    derive: Callable[[Any, Mapping[str, Any]], dict] | None = None
    #: the facts ``derive`` supplies, by name (a ``rules explain`` request may state them instead)
    facts: tuple[str, ...] = ()
    #: the first step whose decision runs the restriction stage; from there on every decision
    #: point does. Steps before it only collect the request, so that the officer releases the
    #: complete request (a release is bound to the digest of the whole scope). Default: the first.
    restricted_from: str = ""

    def __post_init__(self):
        ids = [s.id for s in self.steps]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.id}: duplicate step ids")
        items = [i.id for s in self.steps for i in s.items]
        if len(items) != len(set(items)):
            raise ValueError(f"{self.id}: duplicate checklist item ids")
        fields_ = [f.id for s in self.steps for f in s.fields]
        if len(fields_) != len(set(fields_)):
            raise ValueError(f"{self.id}: duplicate field ids")

    @property
    def first_step(self) -> str:
        return self.steps[0].id

    def restricted_at(self, point: str) -> bool:
        """Whether the restriction stage runs at decision point ``point``."""
        ids = [s.id for s in self.steps]
        start = ids.index(self.restricted_from) if self.restricted_from else 0
        return point not in ids or ids.index(point) >= start

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def field(self, field_id: str) -> FieldSpec:
        for s in self.steps:
            for f in s.fields:
                if f.id == field_id:
                    return f
        raise KeyError(field_id)

    def item(self, item_id: str) -> tuple[Step, ChecklistItem]:
        for s in self.steps:
            for i in s.items:
                if i.id == item_id:
                    return s, i
        raise KeyError(item_id)


# ---------------------------------------------------------------------------------------------
# Route context: what a step's rule sees
# ---------------------------------------------------------------------------------------------


@dataclass
class RouteContext:
    """What a step's route, check and scope builder see. Built by the engine for a case and by
    ``rules explain`` for a JSON request: both go through the same functions."""

    case_type: CaseTypeDef
    values: dict
    settings: Settings
    store: Any = None                     # app.store.Store or None (explain without a store)
    case_id: str = ""
    staff_id: str = ""
    terminal_id: str = ""
    step: str = ""
    today: str = ""
    trail: list = field(default_factory=list)   # decisions taken in this context, in order

    def __post_init__(self):
        if not self.today:
            self.today = _dt.date.today().isoformat()
        if self.case_type.derive is not None:
            derived = self.case_type.derive(self.store, self.values) or {}
            # entered values win over derived facts (explain may state facts directly)
            self.values = {**derived, **{k: v for k, v in self.values.items() if v is not None}}

    def get(self, key: str, default=None):
        value = self.values.get(key)
        return default if value is None else value

    def scope(self) -> RequestScope:
        return self.case_type.build_scope(self)

    def decide(self, point: str) -> Decision:
        """Run the decision pipeline for ``point`` (a step id) on the current scope."""
        ctx = PipelineContext(
            case_type=self.case_type.id, point=point, values=self.values, settings=self.settings,
            case_id=self.case_id, staff_id=self.staff_id, terminal_id=self.terminal_id,
            today=self.today, restriction=self.case_type.restricted_at(point),
        )
        scope = self.scope()
        decision = run_stages(self.case_type.id, self.store, ctx, scope)
        self.trail.append({"point": point, "scope": scope, "decision": decision})
        return decision


# ---------------------------------------------------------------------------------------------
# State (derived by replaying events)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """Who did something, when, where."""

    staff_id: str
    at: str
    terminal_id: str


@dataclass(frozen=True)
class Tick:
    checked: bool
    by: Mark


@dataclass(frozen=True)
class Value:
    value: Any
    by: Mark


@dataclass
class CaseState:
    case_id: str
    case_type: str
    terminal_id: str
    opened_by: str
    opened_at: str
    status: str = OPEN
    step: str = ""
    stack: list = field(default_factory=list)          # back-stack of earlier steps
    ticks: dict = field(default_factory=dict)           # item id -> Tick
    values: dict = field(default_factory=dict)          # field id -> Value
    decisions: list = field(default_factory=list)       # payloads of 'decision' events
    gate: dict | None = None                            # payload of the open 'gated' event
    pause: dict | None = None                           # payload of the open 'paused' event
    outcome: dict | None = None                         # payload of the final event
    last_event: int = 0
    updated_at: str = ""
    updated_by: str = ""

    @property
    def plain_values(self) -> dict:
        return {k: v.value for k, v in self.values.items()}

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def last_decision(self, point: str | None = None) -> dict | None:
        for d in reversed(self.decisions):
            if point is None or d.get("point") == point:
                return d
        return None


def _apply(state: CaseState, n: int, kind: str, step: str | None, payload: dict, mark: Mark) -> None:
    """Apply one event to the state. The one place that says what an event means."""
    state.last_event = n
    state.updated_at, state.updated_by = mark.at, mark.staff_id
    if kind == "opened":
        state.step = step or ""
    elif kind == "tick":
        state.ticks[payload["item"]] = Tick(bool(payload["checked"]), mark)
    elif kind == "value":
        if payload.get("value") is None:
            state.values.pop(payload["field"], None)
        else:
            state.values[payload["field"]] = Value(payload["value"], mark)
    elif kind == "decision":
        state.decisions.append(payload)
    elif kind == "navigate":
        if payload.get("via") == "back":
            if state.stack:
                state.stack.pop()
        elif payload.get("from"):
            state.stack.append(payload["from"])
        state.step = payload["to"]
        state.gate = None
    elif kind == "paused":
        state.pause = payload
    elif kind == "resumed":
        state.pause = None
        if payload.get("to") and payload.get("to") != state.step:
            if payload.get("from"):
                state.stack.append(payload["from"])
            state.step = payload["to"]
    elif kind == "gated":
        state.gate = payload
    elif kind == "released":
        state.gate = None
    elif kind in FINAL_STATUSES:
        state.outcome = payload
        state.gate = None
    if "status" in payload:
        state.status = payload["status"]


# ---------------------------------------------------------------------------------------------
# Views handed to the screens
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemView:
    id: str
    ja: str
    en: str
    required: bool
    checked: bool
    by: Mark | None


@dataclass(frozen=True)
class FieldView:
    id: str
    kind: str
    ja: str
    en: str
    required: bool
    choices: tuple[Choice, ...]
    value: Any
    by: Mark | None
    length: int | None = None


@dataclass(frozen=True)
class StepView:
    """Everything a screen needs to render the current step; no widgets, no decisions."""

    case_id: str
    case_type: str
    status: str
    step: str
    ja: str
    en: str
    index: int               # position in the case type's step list, from 0
    count: int
    items: tuple[ItemView, ...]
    fields: tuple[FieldView, ...]
    guide_ja: str
    guide_en: str
    can_go_back: bool
    blocking: tuple[Reason, ...]        # why Next is disabled (empty: Next is enabled)
    decision: dict | None               # the last decision taken (reasons, data), if any
    gate: dict | None                   # the open restriction gate, if awaiting release
    pause: dict | None
    outcome: dict | None

    @property
    def can_advance(self) -> bool:
        return not self.blocking


@dataclass(frozen=True)
class QueueRow:
    case_id: str
    case_type: str
    status: str
    step: str
    terminal_id: str
    opened_by: str
    opened_at: str
    updated_at: str
    updated_by: str


# ---------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------


def _reason(code: str, ja: str, en: str, source: str = ENGINE_SOURCE) -> Reason:
    return Reason(code, ja, en, source)


#: The case types a CaseEngine offers when none are given. ``app.workflows.registry`` fills it in
#: (the package imports the registry), so the engine never imports the case types that import it.
DEFAULT_CASE_TYPES: dict[str, CaseTypeDef] = {}


class CaseEngine:
    """Opens, replays and advances cases in one store, on behalf of one signed-in staff member.

    Every method that changes a case writes its events in one transaction (BEGIN IMMEDIATE, so
    two terminals or threads never interleave within a case) and returns the new :class:`StepView`.
    """

    def __init__(self, store: Store, *, staff_id: str, terminal_id: str | None = None,
                 case_types: Mapping[str, CaseTypeDef] | None = None,
                 settings_overrides: Mapping[str, Any] | None = None,
                 today: str | None = None):
        if case_types is None:
            case_types = DEFAULT_CASE_TYPES
        if terminal_id is None:
            terminal_id = OfficeConfig.load().terminal_id
        self.store = store
        self.staff_id = staff_id
        self.terminal_id = terminal_id
        self.case_types = dict(case_types)
        self._settings_overrides = dict(settings_overrides or {})
        self._today = today
        # security (Argon2, cryptography) loads when a case runs, not with `rules explain`
        from app.security.outsourced import is_outsourced

        #: 委託: this clerk sees only the neutral texts (app.security.outsourced)
        self.outsourced = is_outsourced(store.conn, staff_id)

    # -- reading ----------------------------------------------------------------------------

    def list_case_types(self) -> list[CaseTypeDef]:
        return list(self.case_types.values())

    def settings(self) -> Settings:
        return Settings.from_store(self.store, self._settings_overrides)

    def state(self, case_id: str) -> CaseState:
        row = self.store.conn.execute(
            "SELECT id, case_type, terminal_id, opened_by, opened_at FROM cases WHERE id = ?",
            (case_id,),
        ).fetchone()
        if row is None:
            raise CaseNotFound("案件が見つかりません", "no such case", code="case.not_found")
        state = CaseState(*row)
        for n, at, staff_id, terminal_id, kind, step, payload in self.store.conn.execute(
            "SELECT n, at, staff_id, terminal_id, kind, step, payload FROM case_events "
            "WHERE case_id = ? ORDER BY n",
            (case_id,),
        ):
            _apply(state, n, kind, step, json.loads(payload), Mark(staff_id, at, terminal_id))
        return state

    def _type(self, state: CaseState) -> CaseTypeDef:
        try:
            return self.case_types[state.case_type]
        except KeyError:
            raise CaseError("この版では扱えない種類の案件です", f"unknown case type {state.case_type}",
                            code="case.unknown_type") from None

    def context(self, state: CaseState) -> RouteContext:
        ctype = self._type(state)
        return RouteContext(
            case_type=ctype, values=visible_values(ctype, state.plain_values), settings=self.settings(),
            store=self.store, case_id=state.case_id, staff_id=self.staff_id,
            terminal_id=self.terminal_id, step=state.step, today=self._today or "",
        )

    def blocking(self, state: CaseState) -> list[Reason]:
        """Why Next cannot be pressed now; empty when it can."""
        if state.status == PAUSED:
            return [_reason("case.paused", "保留中です。再開してください", "the case is paused: resume it")]
        if state.status in FINAL_STATUSES:
            return [_reason("case.ended", "この案件は終了しています", "the case has ended")]
        step = self._type(state).step(state.step)
        reasons = step_blocking(
            step, state.plain_values, lambda item: item in state.ticks and state.ticks[item].checked,
            lambda: self.context(state),
        )
        if self.outsourced:
            # security (Argon2, cryptography) loads when a case runs, not with `rules explain`
            from app.security.outsourced import neutral_reasons

            return list(neutral_reasons(reasons))
        return reasons

    def can_advance(self, case_id: str) -> list[Reason]:
        """The reasons Next is disabled (the UI shows them); an empty list means Next is enabled.
        While awaiting release, Next re-checks the release and is therefore enabled."""
        return self.blocking(self.state(case_id))

    def view(self, state: CaseState) -> StepView:
        ctype = self._type(state)
        step = ctype.step(state.step)
        values = state.plain_values
        items = tuple(
            ItemView(i.id, i.ja, i.en, i.required,
                     bool(state.ticks.get(i.id) and state.ticks[i.id].checked),
                     state.ticks[i.id].by if i.id in state.ticks else None)
            for i in step.items if i.visible(values)
        )
        fields_ = tuple(
            FieldView(f.id, f.kind, f.ja, f.en, f.required, f.choices, values.get(f.id),
                      state.values[f.id].by if f.id in state.values else None, f.length)
            for f in step.fields if f.visible(values)
        )
        ids = [s.id for s in ctype.steps]
        return StepView(
            case_id=state.case_id, case_type=state.case_type, status=state.status, step=step.id,
            ja=step.ja, en=step.en, index=ids.index(step.id), count=len(ids), items=items,
            fields=fields_, guide_ja=step.guide_ja, guide_en=step.guide_en,
            can_go_back=bool(state.stack) and state.status in (OPEN, AWAITING_RELEASE),
            blocking=tuple(self.blocking(state)), decision=self._shown_decision(state),
            gate=self._shown_gate(state), pause=state.pause, outcome=state.outcome,
        )

    def _shown_decision(self, state: CaseState) -> dict | None:
        return self._neutral(state.last_decision())

    def _shown_gate(self, state: CaseState) -> dict | None:
        if state.gate and self.outsourced:
            return {**state.gate, "decision": self._neutral(state.gate.get("decision"))}
        return state.gate

    def _neutral(self, decision: dict | None) -> dict | None:
        """What this clerk may read of a decision: an outsourced clerk only the neutral texts."""
        if self.outsourced:
            # security (Argon2, cryptography) loads when a case runs, not with `rules explain`
            from app.security.outsourced import neutral_decision

            return neutral_decision(decision)
        return decision

    def current_step(self, case_id: str) -> StepView:
        return self.view(self.state(case_id))

    def gate_scope(self, case_id: str) -> RequestScope | None:
        """The request a case awaiting release stopped on, exactly as the restriction stage saw it
        (the handling clerk's id included): what the support officer reviews and releases."""
        state = self.state(case_id)
        if state.status != AWAITING_RELEASE or not state.gate:
            return None
        return scope_from_dict(state.gate["scope"])

    def current_scope(self, case_id: str) -> RequestScope:
        """The request as it stands now, as this engine's staff member would submit it."""
        return self.context(self.state(case_id)).scope()

    def queue(self, statuses: Iterable[str] | None = ACTIVE_STATUSES, *, terminal_id: str | None = None,
              case_type: str | None = None, limit: int = 500) -> list[QueueRow]:
        """Cases by status (default: the active ones), most recently touched first."""
        sql = ("SELECT case_id, case_type, status, step, terminal_id, opened_by, opened_at, "
               "updated_at, updated_by FROM case_queue WHERE 1=1")
        args: list[Any] = []
        if statuses is not None:
            statuses = list(statuses)
            sql += f" AND status IN ({','.join('?' * len(statuses))})"
            args += statuses
        if terminal_id is not None:
            sql += " AND terminal_id = ?"
            args.append(terminal_id)
        if case_type is not None:
            sql += " AND case_type = ?"
            args.append(case_type)
        sql += " ORDER BY updated_at DESC LIMIT ?"
        args.append(limit)
        return [QueueRow(*row) for row in self.store.conn.execute(sql, args)]

    # -- writing ----------------------------------------------------------------------------

    def _write(self, conn, state: CaseState, kind: str, step: str | None, payload: dict) -> None:
        """Append one event (and queue it for the server) and apply it to ``state``."""
        n = state.last_event + 1
        mark = Mark(self.staff_id, now_iso(), self.terminal_id)
        row = {
            "id": new_id(), "case_id": state.case_id, "n": n, "at": mark.at,
            "staff_id": mark.staff_id, "terminal_id": mark.terminal_id, "kind": kind,
            "step": step, "payload": json.dumps(payload, ensure_ascii=False, sort_keys=True),
        }
        conn.execute(
            "INSERT INTO case_events(id, case_id, n, at, staff_id, terminal_id, kind, step, payload) "
            "VALUES (:id, :case_id, :n, :at, :staff_id, :terminal_id, :kind, :step, :payload)", row,
        )
        enqueue(conn, "case_event", row["id"], row)
        _apply(state, n, kind, step, payload, mark)

    def _change(self, case_id: str, action: Callable[[Any, CaseState], None]) -> StepView:
        with self.store.transaction() as conn:
            state = self.state(case_id)       # replayed inside the write lock
            action(conn, state)
        return self.view(state)

    def open_case(self, case_type: str) -> StepView:
        ctype = self.case_types.get(str(getattr(case_type, "value", case_type)))
        if ctype is None:
            raise CaseError("この種類の案件はありません", f"no case type {case_type}",
                            code="case.unknown_type")
        case_id = new_id()
        at = now_iso()
        header = {"id": case_id, "case_type": ctype.id, "terminal_id": self.terminal_id,
                  "opened_by": self.staff_id, "opened_at": at}
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO cases(id, case_type, terminal_id, opened_by, opened_at) "
                "VALUES (:id, :case_type, :terminal_id, :opened_by, :opened_at)", header,
            )
            enqueue(conn, "case", case_id, header)
            state = CaseState(case_id, ctype.id, self.terminal_id, self.staff_id, at)
            self._write(conn, state, "opened", ctype.first_step, {"status": OPEN})
        return self.view(state)

    def _require_open(self, state: CaseState, *, allow_gate: bool = False) -> None:
        allowed = (OPEN, AWAITING_RELEASE) if allow_gate else (OPEN,)
        if state.status not in allowed:
            ja, en = STATUS_LABELS[state.status]
            raise CaseError(f"この案件は「{ja}」のため操作できません",
                            f"the case is {en}: this is not possible now", code="case.not_open")

    def tick(self, case_id: str, item_id: str, checked: bool = True) -> StepView:
        def action(conn, state):
            self._require_open(state)
            ctype = self._type(state)
            try:
                step, item = ctype.item(item_id)
            except KeyError:
                raise CaseError("この確認項目はありません", f"no checklist item {item_id}",
                                code="case.unknown_item") from None
            if step.id != state.step:
                raise CaseError("この確認項目は現在の手順にありません",
                                f"item {item_id} is not on the current step", code="case.wrong_step")
            current = state.ticks.get(item_id)
            if current is not None and current.checked == bool(checked):
                return                                    # nothing changes: no event
            self._write(conn, state, "tick", state.step, {"item": item_id, "checked": bool(checked)})

        return self._change(case_id, action)

    def set_value(self, case_id: str, field_id: str, value: Any) -> StepView:
        """Record a value for a field of the current step (``None`` clears it). A value that does
        not fit raises :class:`FieldError` and nothing is written."""

        def action(conn, state):
            self._require_open(state)
            ctype = self._type(state)
            try:
                spec = ctype.field(field_id)
            except KeyError:
                raise CaseError("この入力項目はありません", f"no field {field_id}",
                                code="case.unknown_field") from None
            if spec not in ctype.step(state.step).fields:
                raise CaseError("この入力項目は現在の手順にありません",
                                f"field {field_id} is not on the current step", code="case.wrong_step")
            parsed = spec.parse(value)
            current = state.values.get(field_id)
            if (current.value if current else None) == parsed:
                return
            self._write(conn, state, "value", state.step, {"field": field_id, "value": parsed})

        return self._change(case_id, action)

    def next(self, case_id: str) -> StepView:
        """Press Next: record the decision of the current step and move as it says. While the case
        awaits release, Next re-checks: once the officer's release matches the current request,
        the case goes on. Blocked: raises :class:`CaseError` with the blocking reasons."""

        def action(conn, state):
            self._require_open(state, allow_gate=True)
            blocking = self.blocking(state)
            if blocking:
                err = CaseError("次へ進めません: " + "、".join(r.ja for r in blocking),
                                "cannot go on: " + "; ".join(r.en for r in blocking),
                                code="case.blocked")
                err.reasons = blocking
                raise err
            ctx = self.context(state)
            step = self._type(state).step(state.step)
            route = step.route(ctx)
            decision = route.decision
            scope = ctx.trail[-1]["scope"] if ctx.trail else ctx.scope()
            digest = scope_digest(scope)
            was_gated = state.status == AWAITING_RELEASE
            self._write(conn, state, "decision", state.step, {
                "point": step.id, "decision": decision.as_dict(), "scope_digest": digest,
                "to": route.to, "facts": _facts(ctx, state),
            })
            outcome = decision.outcome
            if outcome is Outcome.RESTRICT:
                if not was_gated or (state.gate or {}).get("scope_digest") != digest:
                    self._write(conn, state, "gated", state.step, {
                        "status": AWAITING_RELEASE, "scope": scope_to_dict(scope),
                        "scope_digest": digest, "decision": decision.as_dict(), "to": route.to,
                    })
                return
            if was_gated and outcome in (Outcome.ALLOW, Outcome.WAIT):
                self._write(conn, state, "released", state.step,
                            {"status": OPEN, "scope_digest": digest})
            if outcome is Outcome.ALLOW and route.to:
                self._write(conn, state, "navigate", route.to,
                            {"from": state.step, "to": route.to, "via": "next"})
            elif outcome is Outcome.ALLOW:
                on_complete(self.store, scope, decision, staff_id=self.staff_id,
                            terminal_id=self.terminal_id)
                self._write(conn, state, "completed", state.step,
                            {"status": COMPLETED, "decision": decision.as_dict()})
            elif outcome in (Outcome.REFUSE, Outcome.REDIRECT):
                self._write(conn, state, "refused", state.step,
                            {"status": REFUSED, "decision": decision.as_dict()})
            elif outcome is Outcome.WAIT:
                # the act the case waits on (the form mailed) happened under any release: spend it
                on_complete(self.store, scope, decision, staff_id=self.staff_id,
                            terminal_id=self.terminal_id)
                self._write(conn, state, "paused", state.step, {
                    "status": PAUSED, "wait": True, "resume_to": route.to,
                    "decision": decision.as_dict(),
                })
            else:  # pragma: no cover - Outcome is closed
                raise AssertionError(outcome)

        return self._change(case_id, action)

    def back(self, case_id: str) -> StepView:
        def action(conn, state):
            self._require_open(state, allow_gate=True)
            if not state.stack:
                raise CaseError("最初の手順です", "this is the first step", code="case.no_back")
            payload = {"from": state.step, "to": state.stack[-1], "via": "back"}
            if state.status == AWAITING_RELEASE:
                payload["status"] = OPEN          # changing the request withdraws the gate
            self._write(conn, state, "navigate", state.stack[-1], payload)

        return self._change(case_id, action)

    def pause(self, case_id: str, note: str = "") -> StepView:
        """Pause (the resident fetches a document); the case waits in the queue."""

        def action(conn, state):
            self._require_open(state)
            self._write(conn, state, "paused", state.step,
                        {"status": PAUSED, "wait": False, "note": note})

        return self._change(case_id, action)

    def resume(self, case_id: str) -> StepView:
        """Resume a paused case (from the queue, at any desk); a case that waited for a return
        visit resumes at the step its decision named."""

        def action(conn, state):
            if state.status != PAUSED:
                ja, en = STATUS_LABELS[state.status]
                raise CaseError(f"この案件は「{ja}」です（保留中ではありません）",
                                f"the case is {en}, not paused", code="case.not_paused")
            to = (state.pause or {}).get("resume_to") or state.step
            payload = {"status": OPEN, "to": to}
            if to != state.step:
                payload["from"] = state.step
            self._write(conn, state, "resumed", to, payload)

        return self._change(case_id, action)

    def abandon(self, case_id: str, reason: str = "") -> StepView:
        def action(conn, state):
            if state.is_final:
                raise CaseError("この案件は終了しています", "the case has already ended",
                                code="case.ended")
            self._write(conn, state, "abandoned", state.step, {"status": ABANDONED, "note": reason})

        return self._change(case_id, action)


def step_blocking(step: Step, values: Mapping[str, Any], is_checked: Callable[[str], bool],
                  context: Callable[[], RouteContext]) -> list[Reason]:
    """Why Next is disabled on ``step``: required visible items unticked, required visible fields
    empty, then (only when those are complete) the step's own check. Used by the engine and by
    ``rules explain`` alike."""
    reasons: list[Reason] = []
    for item in step.items:
        if item.required and item.visible(values) and not is_checked(item.id):
            reasons.append(_reason(f"checklist.unticked.{item.id}", f"「{item.ja}」が未確認です",
                                   f"not yet checked: {item.en}"))
    for spec in step.fields:
        if spec.required and spec.visible(values) and values.get(spec.id) in (None, "", []):
            reasons.append(_reason(f"field.missing.{spec.id}", f"「{spec.ja}」が未入力です",
                                   f"not yet entered: {spec.en}"))
    if not reasons and step.check is not None:
        reasons.extend(step.check(context()))
    return reasons


def visible_values(ctype: CaseTypeDef, values: Mapping[str, Any]) -> dict:
    """The values the rules see: a value of a field that is hidden now (its ``when`` no longer
    holds, e.g. the four items after switching to the application ID) does not count."""
    hidden = {f.id for s in ctype.steps for f in s.fields if not f.visible(values)}
    return {k: v for k, v in values.items() if k not in hidden}


def _facts(ctx: RouteContext, state: CaseState) -> dict:
    """Store-derived facts the decision used (entered values are already events)."""
    entered = state.plain_values
    return {k: v for k, v in ctx.values.items() if k not in entered}
