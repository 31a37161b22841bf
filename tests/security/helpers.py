"""Helpers of the security tests: a controllable clock and a small DV world written into a real
store (importable as ``tests.security.helpers``)."""

from __future__ import annotations

import datetime as dt

from app.security.clock import UTC, Clock

TERMINAL = "T001"
#: later than any real "now" in which the template store was made (its clock high-water mark)
START = dt.datetime(2030, 4, 1, 9, 0, tzinfo=UTC)


class FakeClock(Clock):
    """Wall and monotonic time the test moves by hand (``advance``) or sets the wall clock only
    (``set_wall``: somebody changed the system time)."""

    def __init__(self, start: dt.datetime = START):
        self.t = start
        self.m = 5000.0
        super().__init__(wall=lambda: self.t, mono=lambda: self.m, boot_id="test-boot")

    def advance(self, seconds: float) -> None:
        self.t += dt.timedelta(seconds=seconds)
        self.m += seconds

    def set_wall(self, value: dt.datetime) -> None:
        self.t = value


# ------------------------------------------------------------------ a small DV world for tests

def add_resident(conn, *, family, given, fkana, gkana, birth, sex, address, household=None,
                 status="active"):
    from app.store.normalize import fold_address, fold_name
    from app.store.db import new_id

    rid = new_id()
    conn.execute(
        "INSERT INTO residents(id, household_id, family_name, given_name, family_kana, given_kana, "
        "name_key, kana_key, birth_date, sex, address, address_key, status) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (rid, household, family, given, fkana, gkana, fold_name(family + given),
         fold_name(fkana + gkana), birth, sex, address, fold_address(address), status))
    return rid


VICTIM_ADDRESS = "研修市中央一丁目2番3号"
PERPETRATOR = dict(family_name="加害", given_name="太郎", family_kana="カガイ", given_kana="タロウ",
                   birth_date="1980-05-05", address="研修市北町五丁目6番7号", relationship="元夫",
                   lawyer_name="弁護 士郎", lawyer_office="弁護法律事務所")


def build_world(sstore, clock):
    """Victim V with her child C (household member covered), a removed record R of V's household
    under a provisional measure, an unrelated resident U and the perpetrator P living here."""
    from app.security import measures
    from app.security.staff import authenticate_password

    with sstore.transaction() as c:
        c.execute("INSERT INTO households(id, household_code, address) VALUES ('h1', '0001', ?)",
                  (VICTIM_ADDRESS,))
        v = add_resident(c, family="被害", given="花子", fkana="ヒガイ", gkana="ハナコ",
                         birth="1985-03-03", sex=2, address=VICTIM_ADDRESS, household="h1")
        ch = add_resident(c, family="被害", given="一郎", fkana="ヒガイ", gkana="イチロウ",
                          birth="2015-07-07", sex=1, address=VICTIM_ADDRESS, household="h1")
        u = add_resident(c, family="無関", given="係子", fkana="ムカン", gkana="ケイコ",
                         birth="1990-01-01", sex=2, address="研修市南町1番1号")
        r = add_resident(c, family="転出", given="済美", fkana="テンシュツ", gkana="スミ",
                         birth="1970-02-02", sex=2, address="研修市西町2番2号", status="removed")
        p = add_resident(c, family="加害", given="太郎", fkana="カガイ", gkana="タロウ",
                         birth="1980-05-05", sex=1, address=PERPETRATOR["address"])
    officer = authenticate_password(sstore, "officer2", "officer2-kenshu", terminal_id=TERMINAL,
                                    clock=clock)
    m = measures.create_measure(
        sstore, officer, target_id=v, kind="dv", applied_date=START.date(),
        start_date=START.date(), members=[ch],
        perpetrator=measures.Perpetrator(**PERPETRATOR, resident_id=p), clock=clock)
    prov = measures.apply_provisional(
        sstore, officer, target_id=r, kind="stalking", applied_date=START.date(),
        perpetrator=measures.Perpetrator(family_name="付纏", given_name="次郎",
                                         family_kana="ツキマトイ", given_kana="ジロウ"), clock=clock)
    return dict(V=v, C=ch, U=u, R=r, P=p, measure=m.id, provisional=prov.id)


def open_case(store, staff_id, case_type="copy_issuance"):
    from app.store.db import new_id, now_iso

    case_id = new_id()
    with store.transaction() as c:
        c.execute("INSERT INTO cases(id, case_type, terminal_id, opened_by, opened_at) "
                  "VALUES (?,?,?,?,?)", (case_id, case_type, TERMINAL, staff_id, now_iso()))
    return case_id


# ------------------------------------------------------------ rows written as a client would

_TEST_KEYS: dict[str, object] = {}


def test_key(conn, staff_id: str):
    """A signing key registered (public key added) to ``staff_id`` for this test."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.security import keys

    key = _TEST_KEYS.setdefault(staff_id, Ed25519PrivateKey.generate())
    pub = conn.execute("SELECT sign_pub FROM staff WHERE id = ?", (staff_id,)).fetchone()[0]
    conn.execute("UPDATE staff SET sign_pub = ? WHERE id = ?",
                 (keys.add_public(pub, keys.public_hex(key)), staff_id))
    return key


def insert_signed_release(conn, row: dict, events=()) -> str:
    """Insert a release (with the columns a client writes) signed by its officer's key, and its
    events (``(kind, staff_id, at, tick)``; re-locks and confirmations signed by their person)."""
    from app.security import sigcore

    full = {"reason": None, "checklist": "{}", "auth_method": "password", **row}
    full["signature"] = test_key(conn, full["officer_id"]).sign(
        sigcore.release_message(full)).hex()
    conn.execute(f"INSERT INTO releases({', '.join(full)}) VALUES ({', '.join('?' * len(full))})",
                 tuple(full.values()))
    digest = sigcore.release_digest(full)
    for kind, staff_id, at, tick in events:
        event = {"id": f"{full['id']}-{kind}", "release_id": full["id"], "kind": kind, "at": at,
                 "tick": tick, "staff_id": staff_id, "terminal_id": full["terminal_id"],
                 "note": None, "auth_method": None, "signature": None}
        if kind in sigcore.SIGNED_EVENTS:
            event["auth_method"] = "password"
            event["signature"] = test_key(conn, staff_id).sign(
                sigcore.event_message(event, digest)).hex()
        conn.execute(f"INSERT INTO release_events({', '.join(event)}) "
                     f"VALUES ({', '.join('?' * len(event))})", tuple(event.values()))
    return full["id"]


def server_release(rid: str, case_id: str, clerk: str, officer: str, *, signer: str | None = None,
                   documents: str = "[]") -> tuple[dict, dict]:
    """A release as a terminal sends it to the server: ``(columns, row)``, the row signed with
    ``signer``'s key (the officer's by default) from the test municipality."""
    from app.security import sigcore
    from tests.sync.municipality import sid, sign_key

    row = {"id": rid, "case_id": case_id, "handling_staff_id": sid(clerk), "officer_id": sid(officer),
           "terminal_id": "TA", "decision": "released", "persons": "[]", "protected": "[]",
           "documents": documents, "scope_digest": "d", "reason": None, "checklist": "{}",
           "auth_method": "password", "issued_at": "2026-11-30T09:05:00+00:00",
           "expires_at": "2026-11-30T09:20:00+00:00"}
    row["signature"] = sign_key(signer or officer).private.sign(sigcore.release_message(row)).hex()
    columns = {k: row[k] for k in ("id", "case_id", "officer_id", "handling_staff_id", "terminal_id",
                                   "decision", "issued_at")}
    return columns, row
