"""Benchmarks of security (no Qt): the audit log and the restriction stage on a real SQLite store.

- audit append: one entry per write transaction, as the counter writes them (entries/s);
- audit verify: ``madoguchi audit verify``'s walk over the whole chain (entries/s);
- restriction stage: one decision for a household of five, none protected (the common case) and
  one protected (a RESTRICT decision, audited), on a store with 1,000 support measures
  (median / p95 in ms; goal p95 ≤ 5 ms for the common case so Next never waits on it);
- Argon2id password check: deliberately slow (memory-hard), reported for the sign-in screen.

``quick``: smaller sizes.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

STAGE_GOAL_P95_MS = 5.0


def _pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main(quick: bool = False) -> dict:
    from app.rules.core import RequestScope
    from app.security import audit, measures
    from app.security.restriction import restriction_stage
    from app.security.staff import add_staff, authenticate_password
    from app.store.db import new_id, now_iso, open_store

    n_audit, n_residents, n_measures, n_decisions = (
        (2_000, 5_000, 200, 200) if quick else (20_000, 50_000, 1_000, 1_000))
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-security-") as tmp:
        store = open_store(Path(tmp) / "bench.db", create=True)
        t = time.perf_counter()
        for i in range(n_audit):
            audit.record(store, action="lookup.protected", terminal_id="T001", target_kind="resident",
                         target_id=f"r{i}", detail={"context": "bench"})
        elapsed = time.perf_counter() - t
        results["audit_append_per_s"] = n_audit / elapsed
        t = time.perf_counter()
        result = audit.verify(store.conn)
        elapsed = time.perf_counter() - t
        assert result.ok
        results["audit_verify_per_s"] = result.entries / elapsed

        with store.transaction() as c:
            ids = [new_id() for _ in range(n_residents)]
            c.executemany(
                "INSERT INTO residents(id, family_name, given_name, family_kana, given_kana, name_key, "
                "kana_key, birth_date, sex, address, address_key) VALUES "
                "(?, '研修', '花子', 'ケンシュウ', 'ハナコ', '研修花子', 'ケンシュウハナコ', '1980-01-01', 2, "
                "'研修市1番', '研修市1番')", [(i,) for i in ids])
        pw = "bench-password-1"
        officer_staff = add_staff(store, login="officer", display_name="o", roles=["support_officer"],
                                  password=pw, terminal_id="T001")
        clerk = add_staff(store, login="clerk", display_name="c", roles=["clerk"], password=pw,
                          terminal_id="T001")
        checks = []
        for _ in range(3 if quick else 8):
            t = time.perf_counter()
            officer = authenticate_password(store, "officer", pw, terminal_id="T001")
            checks.append((time.perf_counter() - t) * 1000)
        results["argon2_signin_ms"] = statistics.median(checks)
        import datetime as dt
        protected = ids[:: max(1, n_residents // n_measures)][:n_measures]
        for rid in protected:
            measures.create_measure(store, officer, target_id=rid, kind="dv",
                                    applied_date=dt.date(2026, 1, 1), start_date=dt.date(2026, 1, 1),
                                    perpetrator=measures.Perpetrator(family_name="加害", given_name="某"))
        case_id = new_id()
        with store.transaction() as c:
            c.execute("INSERT INTO cases(id, case_type, terminal_id, opened_by, opened_at) VALUES "
                      "(?, 'copy_issuance', 'T001', ?, ?)", (case_id, clerk.id, now_iso()))
        stage = restriction_stage(store, terminal_id="T001")
        protected_set = set(protected)
        plain = [i for i in ids if i not in protected_set]
        for label, persons_of in (
                ("stage_unprotected", lambda k: plain[k * 5 % (len(plain) - 5):][:5]),
                ("stage_protected", lambda k: [protected[k % len(protected)], *plain[k * 4 % 1000:][:4]])):
            times = []
            for k in range(n_decisions):
                scope = RequestScope(case_id=case_id, case_type="copy_issuance",
                                     handling_staff_id=clerk.id, persons=tuple(persons_of(k)),
                                     documents=("juminhyo",))
                t = time.perf_counter()
                stage(scope)
                times.append((time.perf_counter() - t) * 1000)
            results[f"{label}_ms_median"] = statistics.median(times)
            results[f"{label}_ms_p95"] = _pct(times, 0.95)
        store.close()

    print(f"security: audit append {results['audit_append_per_s']:.0f} entries/s; "
          f"verify {results['audit_verify_per_s']:.0f} entries/s ({n_audit} entries)")
    print(f"security: restriction stage, 5 persons, {n_measures} measures: unprotected median "
          f"{results['stage_unprotected_ms_median']:.2f} ms p95 {results['stage_unprotected_ms_p95']:.2f} ms "
          f"(goal p95 ≤ {STAGE_GOAL_P95_MS} ms: "
          f"{'met' if results['stage_unprotected_ms_p95'] <= STAGE_GOAL_P95_MS else 'NOT met'}); "
          f"protected median {results['stage_protected_ms_median']:.2f} ms p95 "
          f"{results['stage_protected_ms_p95']:.2f} ms")
    print(f"security: Argon2id sign-in median {results['argon2_signin_ms']:.0f} ms (memory-hard by design)")
    return results


if __name__ == "__main__":
    main()
