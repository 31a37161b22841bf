"""Benchmarks of signed releases (issue 14), on real files and the real test card:

- password key: opening the personal Ed25519 key at sign-in (Argon2id), signing a release and
  verifying it (digest + staff key look-up + Ed25519), median µs;
- card: the JPKI authentication key of the test card signing a release through the real stack
  (ReaderService → our pcscd → vpcd → test card: VERIFY + SIGN), and verifying it (RSA), ms / µs;
- ``audit verify`` of 1,000,000 entries (100,000 with ``quick``) of which 4,000 record 2,000
  signed releases, all in the store with their outbox copies: wall and CPU seconds
  (goal ≤ 3 s for 1,000,000).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

VERIFY_GOAL_S = 3.0


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _median_us(fn, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e6)
    return statistics.median(times)


def _release_row(case_id: str, clerk: str, officer: str, method: str, i: int = 0) -> dict:
    return {"id": f"rel-{i}", "case_id": case_id, "handling_staff_id": clerk, "officer_id": officer,
            "terminal_id": "T001", "decision": "released", "persons": json.dumps([f"p{i}"]),
            "protected": json.dumps([f"p{i}"]), "documents": '["juminhyo"]',
            "scope_digest": "0" * 64, "reason": None, "checklist": "{}", "auth_method": method,
            "issued_at": "2026-11-30T09:00:00.000000+00:00", "issued_tick": i + 1,
            "issued_mono": None, "boot_id": None,
            "expires_at": "2026-11-30T09:15:00.000000+00:00"}


def _password(store, n: int) -> dict:
    from app.security import release, sigcore
    from app.security.staff import add_staff, authenticate_password

    add_staff(store, login="officer", display_name="o", roles=["support_officer"],
              password="bench-password-1", terminal_id="T001")
    clerk = add_staff(store, login="clerk", display_name="c", roles=["clerk"], terminal_id="T001")
    opens = []
    for _ in range(3):
        t = time.perf_counter()
        auth = authenticate_password(store, "officer", "bench-password-1", terminal_id="T001")
        opens.append((time.perf_counter() - t) * 1000)
    row = _release_row("case", clerk.id, auth.staff.id, "password")
    message = sigcore.release_message(row)
    row["signature"] = auth.signing_key.sign(message).hex()
    assert release.signature_problem(store.conn, row) is None
    return {"signin_with_key_open_ms": statistics.median(opens),
            "password_sign_us": _median_us(lambda: auth.signing_key.sign(sigcore.release_message(row)), n),
            "password_verify_us": _median_us(lambda: release.signature_problem(store.conn, row), n)}


def _card(n: int) -> dict:
    from app.card.cardfile import TRAINING_PINS, create_card_file
    from app.security import sigcore
    from benchmarks.card import card_service

    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-sign-card-") as tmp:
        folder = Path(tmp)
        card_file = create_card_file(
            folder / "card.json", family_name="支援", given_name="責任", address="研修市1-2-3",
            birth_date="1975-04-01", sex=1, my_number="123456789018", pins=TRAINING_PINS,
            ca_dir=folder / "ca")
        with card_service(folder, card_file) as (service, _emulator):
            row = _release_row("case", "clerk", "officer", "card")
            message = sigcore.release_message(row)
            signature, cert = service.sign_challenge(TRAINING_PINS["auth"], message).result(10)
            signs = []
            for _ in range(n):
                t = time.perf_counter()
                signature, cert = service.sign_challenge(TRAINING_PINS["auth"], message).result(10)
                signs.append((time.perf_counter() - t) * 1000)
    row["signature"] = bytes(signature).hex()
    assert sigcore.check_signature("card", message, row["signature"], None, cert.der) is None
    verify = _median_us(lambda: sigcore.check_signature("card", sigcore.release_message(row),
                                                        row["signature"], None, cert.der), 200)
    return {"card_sign_ms": statistics.median(signs), "card_verify_us": verify}


def _big_log(store, entries: int, releases: int) -> None:
    """``entries`` audit entries (chained, with outbox copies), ``releases`` of them pairs of
    entries for a signed release of its own case."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.security import audit, keys, sigcore

    key = Ed25519PrivateKey.generate()
    conn = store.conn
    with store.transaction():
        for sid, roles, pub in (("officer", '["support_officer"]', keys.public_hex(key)),
                                ("clerk", '["clerk"]', None)):
            conn.execute("INSERT INTO staff(id, login, display_name, roles, created_at, sign_pub) "
                         "VALUES (?, ?, ?, ?, '2026-01-01', ?)", (sid, sid, sid, roles, pub))
    every = max(1, entries // (2 * releases)) if releases else 0
    prev, batch, outbox, rel_rows = audit.GENESIS, [], [], []
    cols = (*audit.HASHED, "hash")
    insert = f"INSERT INTO audit_log({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    made = 0
    for seq in range(1, entries + 1):
        case_id, action, detail = None, "lookup.protected", '{"context":"search"}'
        if every and seq % every == 0 and made < releases * 2:
            r = made // 2
            case_id, action = f"case-{r}", "release.released"
            detail = audit.canonical({"release": f"rel-{r}", "documents": ["juminhyo"]})
            if made % 2 == 0:
                row = _release_row(case_id, "clerk", "officer", "password", r)
                row["signature"] = key.sign(sigcore.release_message(row)).hex()
                rel_rows.append(row)
            made += 1
        row = {"seq": seq, "id": f"a{seq}", "at": "2026-11-30T09:00:00.000000+00:00", "tick": seq,
               "staff_id": None, "terminal_id": "T001", "action": action,
               "target_kind": "resident", "target_id": f"r{seq % 5000}", "case_id": case_id,
               "detail": detail, "prev_hash": prev}
        row["hash"] = prev = audit.entry_hash(row)
        batch.append(tuple(row[c] for c in cols))
        outbox.append(("audit", row["id"], json.dumps(row, sort_keys=True), row["at"]))
        if len(batch) == 50_000 or seq == entries:
            with store.transaction():
                conn.executemany(insert, batch)
                conn.executemany("INSERT INTO outbox(kind, row_id, payload, created_at) "
                                 "VALUES (?, ?, ?, ?)", outbox)
            batch, outbox = [], []
    with store.transaction():
        for row in rel_rows:
            conn.execute("INSERT INTO cases(id, case_type, terminal_id, opened_by, opened_at) "
                         "VALUES (?, 'copy_issuance', 'T001', 'clerk', '2026-11-30')",
                         (row["case_id"],))
            conn.execute(f"INSERT INTO releases({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                         tuple(row.values()))
            conn.execute("INSERT INTO outbox(kind, row_id, payload, created_at) VALUES "
                         "('release', ?, ?, ?)", (row["id"], json.dumps(row), row["issued_at"]))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def main(quick: bool = False) -> dict:
    from app.security import audit
    from app.store.db import open_store

    entries = 100_000 if quick else 1_000_000
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-signing-") as tmp:
        with open_store(Path(tmp) / "keys.db", create=True) as store:
            results.update(_password(store, 200 if quick else 2000))
        results.update(_card(5 if quick else 20))
        with open_store(Path(tmp) / "log.db", create=True) as store:
            _big_log(store, entries, 2000)
        with open_store(Path(tmp) / "log.db") as store:
            audit.verify(store.conn)                   # warm the page cache, as a second run would
            wall, cpu, child = time.perf_counter(), time.process_time(), _children_cpu()
            result = audit.verify(store.conn)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            child = _children_cpu() - child            # the second half is walked by a child
        assert result.ok and result.entries == entries, result.problems[:3]
    results.update(verify_entries=entries, verify_wall_s=wall, verify_cpu_s=cpu,
                   verify_child_cpu_s=child)
    verdict = ("OK" if wall <= VERIFY_GOAL_S else "OVER GOAL") if entries == 1_000_000 else "quick"
    print(f"signing: password key opened at sign-in {results['signin_with_key_open_ms']:.0f} ms "
          f"(Argon2id password check + key unwrap); release signed {results['password_sign_us']:.0f} µs, "
          f"verified {results['password_verify_us']:.0f} µs (median)")
    print(f"signing: card (test card over pcscd/vpcd, PIN + SIGN) {results['card_sign_ms']:.1f} ms "
          f"per release, verified {results['card_verify_us']:.0f} µs (median)")
    print(f"signing: audit verify of {entries:,} entries with 2,000 signed releases: "
          f"{wall:.2f} s wall, CPU {cpu:.2f} s + {child:.2f} s in the second process "
          f"(goal ≤ {VERIFY_GOAL_S:.0f} s wall: {verdict})")
    return results
