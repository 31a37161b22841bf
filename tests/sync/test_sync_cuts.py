"""The connection cut at random points of push and pull (a proxy on loopback drops it after N
bytes, N drawn per seed over the whole length of a round): after a later good round nothing is
lost and nothing is twice, on the server and in the local store."""

from __future__ import annotations

import random

import pytest

from app.sync.connection import SyncError
from app.sync.service import sync_round
from tests.sync.casewriter import write_audit_outbox, write_case
from tests.sync.municipality import sid

pytestmark = pytest.mark.postgres

SEEDS = 30


def _server_state(central):
    with central.admin() as conn:
        return {
            "cases": conn.execute("SELECT count(*), count(DISTINCT id) FROM madoguchi.cases").fetchone(),
            "events": conn.execute("SELECT count(*), count(DISTINCT id) FROM madoguchi.case_events").fetchone(),
            "audit": conn.execute("SELECT count(*), max(chain_seq) FROM madoguchi.audit").fetchone(),
            "residents": dict(conn.execute("SELECT id, address FROM madoguchi.residents").fetchall()),
        }


def test_cut_anywhere_loses_nothing_and_duplicates_nothing(seeded, terminal_store, proxy):
    a = terminal_store("a")
    via_proxy = seeded.target("TA", host="127.0.0.1", port=proxy.port)
    pw = seeded.password("TA")
    # measure a first sync's traffic to draw cut points over the whole length of a round
    before = proxy.passed
    sync_round(a, via_proxy, password=pw, batch_size=7)
    round_bytes = proxy.passed - before
    rng = random.Random(20261125)
    audit_next, prev = 1, "0" * 64
    cuts = failures = 0
    for seed in range(SEEDS):
        rng.seed(seed)
        for _ in range(rng.randint(1, 4)):
            write_case(a, "TA", sid(rng.choice(["clerk_a", "clerk_b"])), events=rng.randint(1, 12))
        head = write_audit_outbox(a, "TA", rng.randint(0, 9), start=audit_next, prev=prev)
        audit_next, prev = head["seq"] + 1, head["hash"]
        with seeded.admin() as conn:   # the main office changes master data meanwhile
            for i in rng.sample(range(60), rng.randint(0, 25)):
                conn.execute("UPDATE madoguchi.residents SET address = %s WHERE id = %s",
                             (f"研修市{seed}-{i}", sid(f"resident-{i}")))
        proxy.cut_after(rng.randint(1, round_bytes))
        cut_before = proxy.cuts
        try:
            sync_round(a, via_proxy, password=pw, batch_size=7)
        except SyncError as exc:
            assert exc.exit_status == 3, exc
            failures += 1
        cuts += proxy.cuts > cut_before
        proxy.cut_after(None)
        if rng.random() < 0.5:        # sometimes the next round is cut too before a good one
            continue
        before = proxy.passed
        sync_round(a, via_proxy, password=pw, batch_size=7)
        round_bytes = max(proxy.passed - before, 2000)
        server = _server_state(seeded)
        local_events = a.conn.execute("SELECT count(*) FROM case_events").fetchone()[0]
        local_cases = a.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        assert server["events"] == (local_events, local_events)
        assert server["cases"] == (local_cases, local_cases)
        assert server["audit"] == (audit_next - 1, audit_next - 1 if audit_next > 1 else None)
        assert a.conn.execute("SELECT count(*) FROM outbox WHERE pushed_at IS NULL").fetchone()[0] == 0
        assert dict(a.conn.execute("SELECT id, address FROM residents").fetchall()) == server["residents"]
    assert failures >= SEEDS // 4 and cuts >= SEEDS // 4      # the cuts really happened
