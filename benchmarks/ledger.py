"""Benchmark: the signed support-measure ledger — signing an event and checking a whole ledger.

A ledger of 1,000 measures with 12 events each (12,000 events; 1,200 with ``--quick``) written
by the engine's own signing path (a password-opened Ed25519 key, event digest with the rows
digest, a confirmation binding the event it confirms), then ``ledgersig.signature_problems`` over
all of it — the check ``audit verify`` and the self-test run — cold (first time in the process)
and again (verifications remembered, as the desk's refresh meets them). Wall and CPU time.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time


def _timed(fn) -> tuple[float, float]:
    w, c = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000


def main(quick: bool = False) -> dict:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.security import keys, ledgersig, sigcore

    measures = 100 if quick else 1000
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE staff(id TEXT PRIMARY KEY, sign_pub TEXT, card_cert BLOB)")
    conn.execute(f"CREATE TABLE measure_events({', '.join(ledgersig.COLUMNS)})")
    signers = {f"s{i}": Ed25519PrivateKey.generate() for i in range(4)}
    conn.executemany("INSERT INTO staff VALUES (?, ?, NULL)",
                     [(sid, keys.public_hex(k)) for sid, k in signers.items()])
    rows = []
    rows_digest = sigcore.rows_digest({"measures": [{"id": "m", "status": "provisional"}], "members": []})

    def event(i, m, kind, staff, ref=None, system=None):
        row = {"id": f"e{m}-{i}", "measure_id": f"m{m}", "kind": kind, "stage": "application",
               "system": system, "ref_id": ref["id"] if ref else None, "office_day": "2026-11-30",
               "at": f"2026-11-30T01:{i:02d}:00+00:00", "staff_id": staff, "terminal_id": "T001",
               "payload": json.dumps({"rows_digest": rows_digest}), "auth_method": "password"}
        message = sigcore.ledger_message(row, sigcore.ledger_digest(ref) if ref else None)
        row["signature"] = signers[staff].sign(message).hex()
        rows.append(tuple(row[c] for c in ledgersig.COLUMNS))
        return row

    sign_wall, sign_cpu = _timed(lambda: [
        [event(2 + k, m, "system_blocked", "s2", system=f"sys{k}")
         for k in range(10)] + [event(1, m, "confirmed", "s1", ref=event(0, m, "registered", "s0"))]
        for m in range(measures)])
    conn.executemany(f"INSERT INTO measure_events VALUES ({', '.join('?' * len(ledgersig.COLUMNS))})", rows)
    n = len(rows)
    problems: list = []
    cold = _timed(lambda: problems.extend(ledgersig.signature_problems(conn)))
    warm = _timed(lambda: ledgersig.signature_problems(conn))
    assert problems == [], problems[:3]
    results = {"events": n, "sign_us": sign_cpu * 1000 / n, "cold_ms": cold, "cached_ms": warm}
    load = os.getloadavg()[0]
    print(f"ledger: {n:,} signed events (load average {load:.1f} on {os.cpu_count()} CPUs)")
    print(f"  signed             {sign_cpu * 1000 / n:>8.1f} µs CPU per event (digest + Ed25519)")
    print(f"  checked, cold      {cold[0]:>8.1f} ms wall  {cold[1]:>8.1f} ms CPU  "
          f"({cold[1] * 1000 / n:.0f} µs CPU per event)")
    print(f"  checked, again     {warm[0]:>8.1f} ms wall  {warm[1]:>8.1f} ms CPU")
    return results


if __name__ == "__main__":
    main()
