"""DV self-test (支援措置機能の動作確認) for every installation and update.

The source asks that on every system update or new installation the support-measure and
address-hiding functions be confirmed present and working. :func:`run` builds a scratch store in a
temporary folder and proves, with the real code and the real database triggers, that: a protected
person blocks a case, and the case pipeline runs that check first; the perpetrator is refused; the handling clerk cannot release (Python and
database); an officer's release opens exactly that request and expires by itself; a DV
restriction cannot be set to "alert only"; the audit log verifies and an edited entry is caught.
Given the live store, it also runs SQLite's page check on it (a damaged store fails the test and
nothing is written into it), checks that store's guards (triggers) are in place, and records
the result there (setting ``security.selftest`` plus an audit entry). The installer must not go
live when it fails (``madoguchi security selftest`` exits non-zero).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import sqlite_utils

from app.security.clock import UTC, Clock
# lazy imports: each check loads what it exercises when the self-test runs

#: database guards every store must carry (name → what it guards)
GUARDS = {
    "audit_log_no_update": "audit log append-only",
    "audit_log_no_delete": "audit log append-only",
    "releases_officer_not_clerk": "officer is never the handling clerk",
    "releases_officer_role": "only a support officer releases",
    "releases_no_update": "releases append-only",
    "releases_no_delete": "releases append-only",
    "release_events_use_open_only": "a release is used once, while open",
    "release_events_confirm_third_person": "re-lock confirmed by a third person",
    "support_measures_no_alert": "no alert-only DV restriction",
    "releases_signed": "a release or refusal carries a signature",
    "release_events_signed": "a re-lock and its confirmation carry a signature",
    "releases_officer_never_handled": "the officer never handled the case (any event)",
    "case_events_no_update": "case events append-only",
    "case_events_no_delete": "case events append-only",
    "measure_events_second_person": "a measure is confirmed by a second person, the same day",
    "measure_events_no_update": "the measure ledger is append-only",
    "measure_events_not_outsourced": "outsourced staff never write the measure ledger",
    "staff_outsourced_not_officer_au": "outsourced staff are never support officers",
    "measure_events_signed": "a support-measure ledger event carries a signature",
    "staff_card_certs_kept": "a replaced card stays in the card history",
    "staff_card_certs_replace_only": "the card history changes only by marking a card replaced",
}


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class SelfTestResult:
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "checks": [vars(c) for c in self.checks]}


class _ManualClock(Clock):
    def __init__(self):
        self.t = dt.datetime.now(UTC)
        self.m = 0.0
        super().__init__(wall=lambda: self.t, mono=lambda: self.m, boot_id="selftest")

    def advance(self, seconds: float) -> None:
        self.t += dt.timedelta(seconds=seconds)
        self.m += seconds


def missing_guards(conn: sqlite3.Connection) -> list[str]:
    present = {t.name for t in sqlite_utils.Database(conn).triggers}
    return [name for name in GUARDS if name not in present]


def guard_sql(conn: sqlite3.Connection) -> dict[str, str]:
    """The full SQL of each guard as the database holds it (whitespace folded)."""
    marks = ",".join("?" * len(GUARDS))
    return {name: " ".join(sql.split()) for name, sql in conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",
        tuple(GUARDS))}


def changed_guards(conn: sqlite3.Connection, expected: dict[str, str]) -> list[str]:
    """Guards missing, or whose SQL differs from what the migrations create (``expected``: the
    guards of a store just made by the migrations): a same-name trigger that does nothing is
    caught here."""
    have = guard_sql(conn)
    out = []
    for name in GUARDS:
        if name not in have:
            out.append(f"{name} missing")
        elif have[name] != expected.get(name):
            out.append(f"{name} differs from the migrations ({GUARDS[name]})")
    return out


def _scenario(workdir: Path, expected_guards: dict[str, str]) -> list[CheckResult]:
    from app.rules.core import Outcome, Person, RequestScope, scope_digest
    from app.security import audit, measures, release
    from app.security.restriction import restriction_stage
    from app.security.staff import add_staff, authenticate_password
    from app.store.db import new_id, now_iso, open_store

    results: list[CheckResult] = []
    clock = _ManualClock()
    store = open_store(workdir / "selftest.db", create=True)
    try:
        def check(name: str, fn: Callable[[], str | None]) -> None:
            try:
                problem = fn()
            except Exception as exc:            # a crash is a failed check, with its message
                problem = f"{type(exc).__name__}: {exc}"
            results.append(CheckResult(name, problem is None, problem or ""))

        check("guards", lambda: ("missing: " + ", ".join(missing_guards(store.conn)))
              if missing_guards(store.conn) else None)
        expected_guards.update(guard_sql(store.conn))
        pw = "selftest-" + new_id()[:12]
        clerk = add_staff(store, login="selftest.clerk", display_name="selftest clerk",
                          roles=["clerk", "support_officer"], password=pw, terminal_id="SELFTEST",
                          clock=clock)
        add_staff(store, login="selftest.officer", display_name="selftest officer",
                  roles=["support_officer"], password=pw, terminal_id="SELFTEST", clock=clock)
        with store.transaction() as c:
            victim, perpetrator = new_id(), new_id()
            for rid, name in ((victim, "被害花子"), (perpetrator, "加害太郎")):
                c.execute("INSERT INTO residents(id, family_name, given_name, family_kana, given_kana, "
                          "name_key, kana_key, birth_date, sex, address, address_key) VALUES "
                          "(?, ?, ?, 'テスト', 'テスト', ?, 'テストテスト', '1980-01-01', 2, '研修市1番', '研修市1番')",
                          (rid, name[:2], name[2:], name))
            case_id = new_id()
            c.execute("INSERT INTO cases(id, case_type, terminal_id, opened_by, opened_at) VALUES "
                      "(?, 'copy_issuance', 'SELFTEST', ?, ?)", (case_id, clerk.id, now_iso()))
        officer = authenticate_password(store, "selftest.officer", pw, terminal_id="SELFTEST", clock=clock)
        measure = measures.create_measure(
            store, officer, target_id=victim, kind="dv", applied_date=clock.t.date(),
            start_date=clock.t.date(), clock=clock,
            perpetrator=measures.Perpetrator(family_name="加害", given_name="太郎",
                                             birth_date="1970-07-07", resident_id=perpetrator))
        stage = restriction_stage(store, clock=clock, terminal_id="SELFTEST")
        scope = RequestScope(case_id=case_id, case_type="copy_issuance", handling_staff_id=clerk.id,
                             persons=(victim,), documents=("juminhyo",))

        def blocks():
            d = stage(scope)
            return None if d and d.outcome is Outcome.RESTRICT else f"expected restrict, got {d}"

        def pipeline_runs_restriction():
            from app.workflows.pipeline import PipelineContext, stages_for

            ctx = PipelineContext(case_type="copy_issuance", point="identity", case_id=case_id,
                                  staff_id=clerk.id, terminal_id="SELFTEST")
            first = stages_for("copy_issuance", store, ctx)[:1]
            d = first[0](scope) if first else None
            return None if d and d.outcome is Outcome.RESTRICT else \
                "the case pipeline does not run the restriction stage first"

        def perpetrator_refused():
            d = stage(RequestScope(**{**vars(scope), "requester": Person(
                family_name="加害", given_name="太郎", birth_date="1970-07-07")}))
            return None if d and d.outcome is Outcome.REFUSE else f"expected refuse, got {d}"

        def clerk_cannot_release():
            own = authenticate_password(store, "selftest.clerk", pw, terminal_id="SELFTEST", clock=clock)
            try:
                release.grant(store, scope, own, clock=clock)
            except release.ReleaseError as exc:
                if exc.code != "release.same_person":
                    return f"refused for the wrong reason: {exc.code}"
            else:
                return "the handling clerk released her own case"
            try:
                store.conn.execute(
                    "INSERT INTO releases(id, case_id, handling_staff_id, officer_id, terminal_id, "
                    "decision, persons, protected, documents, scope_digest, auth_method, issued_at, "
                    "issued_tick, expires_at) VALUES ('selftest', ?, ?, ?, 'SELFTEST', 'released', "
                    "'[]', '[]', '[]', '-', 'password', '-', 0, '-')", (case_id, clerk.id, clerk.id))
            except sqlite3.IntegrityError:
                return None
            return "the database accepted a self-release"

        def release_opens_and_expires():
            release.grant(store, scope, officer, clock=clock)
            if stage(scope).outcome is not Outcome.ALLOW:
                return "the officer's release did not open the request"
            other = RequestScope(**{**vars(scope), "documents": ("juminhyo", "fuhyo")})
            if stage(other).outcome is Outcome.ALLOW:
                return "the release opened a different request"
            clock.advance(16 * 60)
            if stage(scope).outcome is Outcome.ALLOW:
                return "the release did not expire"
            return None

        def forged_release_opens_nothing():
            # a release row written with SQL, signed by a key that is not the officer's
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            from app.security import sigcore

            case2 = new_id()
            store.conn.execute("INSERT INTO cases(id, case_type, terminal_id, opened_by, opened_at) "
                               "VALUES (?, 'copy_issuance', 'SELFTEST', ?, ?)",
                               (case2, clerk.id, now_iso()))
            forged_scope = RequestScope(**{**vars(scope), "case_id": case2})
            row = {"id": new_id(), "case_id": case2, "handling_staff_id": clerk.id,
                   "officer_id": officer.staff.id, "terminal_id": "SELFTEST",
                   "decision": "released", "persons": json.dumps([victim]),
                   "protected": json.dumps([victim]), "documents": json.dumps(["juminhyo"]),
                   "scope_digest": scope_digest(forged_scope), "reason": None, "checklist": "{}",
                   "auth_method": "password", "issued_at": clock.t.isoformat(),
                   "issued_tick": 10 ** 6, "expires_at": (clock.t + dt.timedelta(minutes=10)).isoformat()}
            row["signature"] = Ed25519PrivateKey.generate().sign(sigcore.release_message(row)).hex()
            store.conn.execute(f"INSERT INTO releases({', '.join(row)}) VALUES "
                               f"({', '.join('?' * len(row))})", tuple(row.values()))
            if stage(forged_scope).outcome is Outcome.ALLOW:
                return "a release not signed by the officer opened a case"
            if not [p for p in release.signature_problems(store.conn) if p[0] == row["id"]]:
                return "the audit check did not report a release not signed by the officer"
            return None

        def no_alert_level():
            try:
                store.conn.execute("UPDATE support_measures SET level = 'alert' WHERE id = ?",
                                   (measure.id,))
            except sqlite3.IntegrityError:
                return None
            return "a DV restriction was set to alert only"

        def audit_detects_tampering():
            if not audit.verify(store.conn).ok:
                return "the fresh audit log does not verify"
            raw = sqlite3.connect(store.path)
            raw.executescript("DROP TRIGGER audit_log_no_update; "
                              "UPDATE audit_log SET detail = '{}' WHERE seq = 2;")
            raw.close()
            result = audit.verify(store.conn)
            return None if not result.ok and result.first.seq == 2 else "an edited entry went unnoticed"

        def registration_needs_a_second_person():
            from app.security import registration

            reg = registration.register(store, officer, stage="application", applied_date=clock.t.date(),
                                        target_id=perpetrator, clock=clock)
            try:
                registration.confirm(store, officer, reg.event.id, clock=clock)
            except measures.MeasureError:
                return None
            return "the person who registered a measure confirmed it"

        def forged_ledger_event_moves_nothing():
            # a second person's confirmation written with SQL, signed by a key that is not theirs
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            from app.security import ledgersig, registration, sigcore

            reg = registration.register(store, officer, stage="application", applied_date=clock.t.date(),
                                        target_id=perpetrator, clock=clock)
            row = {"id": new_id(), "measure_id": reg.event.measure_id, "kind": "confirmed",
                   "stage": "application", "system": None, "ref_id": reg.event.id,
                   "office_day": reg.event.office_day, "at": reg.event.at, "staff_id": clerk.id,
                   "terminal_id": "SELFTEST", "payload": "{}", "auth_method": "password"}
            ref = ledgersig.Checker(store.conn).ref_digest(row)
            row["signature"] = Ed25519PrivateKey.generate().sign(sigcore.ledger_message(row, ref)).hex()
            store.conn.execute(f"INSERT INTO measure_events({', '.join(row)}) VALUES "
                               f"({', '.join('?' * len(row))})", tuple(row.values()))
            entry = registration.ledger_entry(store.conn, reg.event.measure_id, clock.t.date())
            if entry.registrations[0].confirmed:
                return "a confirmation not signed by its person confirmed a registration"
            if not [p for p in ledgersig.signature_problems(store.conn) if p[0] == row["id"]]:
                return "the audit check did not report a ledger event not signed by its person"
            return None

        def outsourced_never_past_restriction():
            outsourced = add_staff(store, login="selftest.itaku", display_name="selftest outsourced",
                                   roles=["clerk"], password=pw, terminal_id="SELFTEST", outsourced=True,
                                   clock=clock)
            theirs = RequestScope(**{**vars(scope), "handling_staff_id": outsourced.id})
            try:
                release.grant(store, theirs, officer, clock=clock)
            except release.ReleaseError:
                pass
            else:
                return "a release was issued for a case an outsourced clerk handles"
            d = stage(theirs)
            return None if d and d.outcome is Outcome.RESTRICT else "an outsourced clerk passed the restriction"

        for name, fn in (("restriction_blocks", blocks),
                         ("pipeline_runs_restriction", pipeline_runs_restriction),
                         ("perpetrator_refused", perpetrator_refused),
                         ("clerk_cannot_release", clerk_cannot_release),
                         ("release_opens_exactly_and_expires", release_opens_and_expires),
                         ("no_alert_level", no_alert_level),
                         ("registration_needs_a_second_person", registration_needs_a_second_person),
                         ("outsourced_never_past_restriction", outsourced_never_past_restriction),
                         ("audit_detects_tampering", audit_detects_tampering),
                         ("forged_release_opens_nothing", forged_release_opens_nothing),
                         ("forged_ledger_event_moves_nothing", forged_ledger_event_moves_nothing)):
            check(name, fn)
    finally:
        store.close()
    return results


def run(live_store=None) -> SelfTestResult:
    """Run the self-test; with ``live_store`` (an open Store) also check its guards and record
    the result in it."""
    result = SelfTestResult()
    expected: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="madoguchi-selftest-") as tmp:
        result.checks.extend(_scenario(Path(tmp), expected))
    if live_store is not None:
        from app.security.release import signature_problems
        from app.store.db import check_integrity
        from app.store.modes import mode_problems

        damaged = check_integrity(live_store)
        result.checks.append(CheckResult("live_store_integrity", not damaged,
                                         ("damaged: " + "; ".join(damaged[:3])) if damaged else ""))
        if damaged:
            return result           # nothing is written into a damaged store
        changed = changed_guards(live_store.conn, expected)
        result.checks.append(CheckResult("live_store_guards", not changed, "; ".join(changed)))
        from app.security import ledgersig

        unsigned = [text for _rid, text in (*signature_problems(live_store.conn),
                                            *ledgersig.signature_problems(live_store.conn))]
        result.checks.append(CheckResult("live_store_signatures", not unsigned,
                                         "; ".join(unsigned[:5])))
        from app.paths import config_dir, log_dir
        from app.store.modes import private_tree_problems

        from app.store.db import is_shared

        shared = is_shared(live_store.conn, live_store.path)
        modes = mode_problems(live_store.path, shared=shared) + private_tree_problems(
            (config_dir(), log_dir()))
        result.checks.append(CheckResult("live_store_file_modes", not modes, "; ".join(modes[:5])))
        record(live_store, result)
    return result


def record(store, result: SelfTestResult) -> None:
    from app import __version__
    from app.config import OfficeConfig
    from app.security import audit

    summary = {"version": __version__, "at": dt.datetime.now(UTC).isoformat(), "ok": result.ok,
               "failed": [c.name for c in result.checks if not c.ok]}
    with store.transaction() as conn:
        conn.execute("INSERT INTO settings(key, value) VALUES ('security.selftest', ?) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                     (json.dumps(summary, ensure_ascii=False),))
        audit.append(conn, action="selftest.pass" if result.ok else "selftest.fail",
                     terminal_id=OfficeConfig.load().terminal_id, target_kind="store",
                     detail=summary)
