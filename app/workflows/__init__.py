"""Counter cases as UI-free state machines (see ``engine``), their case types (``cases``), the
decision pipeline (``pipeline``) and ``madoguchi rules explain`` (``explain``, ``cli``). No Qt.

Details:

Counter cases are UI-free state machines in the Electrum-wizard style: navigation is data.
- `engine.py` — `CaseTypeDef` = ordered `Step`s; a step has checklist items (`ChecklistItem`, ja/en,
  optional `when` predicate), typed fields (`FieldSpec`: text, bool, date, int, choice, multi,
  resident(s), digits, json; `when` hides a field and its value stops counting), an optional
  `check(ctx)` giving extra blocking reasons, and `route(ctx) -> Route` saying where Next leads:
  `go(step)`, `complete()`, or a Decision whose outcome REFUSE/REDIRECT ends the case refused, WAIT
  pauses it until a return visit (resumes at `Route.to`), RESTRICT puts it in `awaiting_release`.
- `CaseEngine(store, staff_id=..., terminal_id=...)` is the API the screens use:
  `list_case_types`, `open_case`, `current_step` (a `StepView`: items with who/when, fields with
  values and who/when, `blocking` reasons = why Next is disabled, last decision, gate, pause,
  outcome), `tick`, `set_value` (a bad value raises `FieldError` naming the field and writes
  nothing), `next`, `back`, `pause`, `resume`, `abandon`, `can_advance`, `queue(statuses)`,
  `gate_scope(case_id)` (the exact RequestScope a waiting case stopped on: what the officer
  releases), `current_scope`.
- Every action is a `case_events` row (staff, time, terminal) queued in the outbox (`case`,
  `case_event`) in the same BEGIN IMMEDIATE transaction before the engine moves; the state is
  replayed from the events inside that transaction (`CaseState`, one `_apply` says what each event
  means), so a crash resumes at the same step with all data (tested by SIGKILLing a child process
  at every step of every case type). Statuses: open, paused, awaiting_release, completed, refused,
  abandoned. Status-changing events carry `status` in their payload; `case_heads` (migration 6,
  kept by triggers, local only) gives the queue its status and step without replay, and the
  `case_queue` view joins it with `cases`.
- `pipeline.py` — `stages_for(case_type, store, ctx)`: the ONE place that orders the stages of a
  decision point: the restriction stage of `app.security` first (`app.security.stage.restriction_stage
  (store, ctx) -> Stage`; it is also the release predicate: RESTRICT until a release matches
  `app.rules.core.scope_digest(scope)`, canonical-JSON SHA-256 of the whole scope), then the case
  type's rule stages (`pipeline.RULES[case_type][point]`, filled by the registry). The restriction stage runs from the case
  type's `restricted_from` step on (the step where the request is complete: identity for copies and
  card procedures, the look-up for the status inquiry), so an officer releases the whole request
  once; anything changed afterwards changes the digest and stops the case again. Right after it, at
  EVERY point, `app.security.destinations.destination_stage` checks each mailing destination (the
  one `app.rules.copies.mailing_destination` of the delivery code in `tables.DELIVERY_METHODS`,
  the table printing reads too) against the perpetrators' places: REFUSE where it is entered. On completion
  `on_complete` spends the release (`app.security.release.use`) when one let the case through.
- `registry.py` — each case type declared once (`Entry`: module, shortcut, `issues_copies`,
  `appeal`); it fills the engine's default case types and the pipeline's rule table, so neither
  imports the case types. How the next case type lands: its docstring.
- `cases/*.py` — one module per case type (`CASE`, `RULES`), registered in `registry.py`:
  `pin_reset` (requester → identity [agent: form mailed, WAIT] → return_visit → reset → confirm
  [retry counters handed in by the caller, must be full] → new_pin [only which secrets were set]),
  `suspension_lift` (holder [non-resident: REDIRECT to their municipality; revoked: refuse + re-issue
  fee] → identity → return_visit → lift [certificates per setting]), `status_inquiry` (request [four
  items or 23-digit ID, answered from `card_applications`] → answer), `copy_issuance` (request →
  delivery → identity → issue; persons in scope checked one by one, removed records included),
  `cert_renewal` (card [certificates read from the card; window from three months before the
  expiry, expired ones issued anew, no signing certificate under 15, the card expiring first →
  card renewal: `app.rules.renewal`] → identity → return_visit → renew [J-LIS; training: the
  test card] → confirm [read again: each renewed certificate new and longer; the new validity
  goes on the slip]). A step declares the card actions it offers beyond its fields (`Step.card`,
  e.g. `reset_on_card`, `renew_on_card`, `read_certificates`: `app.desk.cardfill.card_actions`).
- `app/rules/` — `tables.py` holds every decision table as data (documents, requester types,
  purposes, professions, item permissions, the My-Number-copy delivery table with before/after
  2018-11-27 cells, identity-document groups, secrets, who may come for card procedures) with the
  source of each row; `copies.py`, `identity.py`, `cards.py`, `inquiry.py` are the rule stages that
  read them; `settings.py` the municipality settings with defaults and sources (store `settings`).
  Every Reason carries two channels: the staff text (code, ja, en, source) and the requester text
  (`reason.requester`: neutral words + legal basis, `app/rules/said.py`); only the requester text
  is read aloud, shown to or printed for a requester (docs/DV.md). Before `restricted_from`, a
  pre-screen in `pipeline.run_stages` lets no outcome but "go on" out without the restriction
  stage once a protected person is in scope. Where the source and DOMAIN.md differ the source wins
  (notably: a legal representative of a minor under 15 or an adult guardian may receive a
  My-Number copy; other legal representatives fall to the agent row; see docs/rules-json.md).
- `explain.py`, `cli.py` — `madoguchi rules explain CASE.json [--text] [--store] [--check]` walks a
  JSON request through the same steps, checks, routes and pipeline without writing a case;
  `madoguchi rules settings [--store PATH] [--set KEY=VALUE]` (changes validated first, written
  all-or-nothing with a `setting.change` audit entry). Schema and 40 examples: docs/rules-json.md,
  docs/examples/.
- Benchmark: `benchmarks/workflows.py` (action, Next, replay of a long case, queue, explain).
"""

from app.workflows.engine import CaseEngine, CaseError, FieldError  # noqa: F401
from app.workflows import registry  # noqa: F401,E402  (registers the case types with engine and pipeline)
