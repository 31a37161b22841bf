"""A small deterministic municipality for the sync tests and benchmarks: staff (two clerks, two
support officers), households, residents with cards, and a DV support measure. Written straight into
a local store with SQL (the master data a main office would hold)."""

from __future__ import annotations

import json
import uuid

NS = uuid.UUID("6d61646f-6775-6368-6900-73796e630000")


def sid(name: str) -> str:
    return str(uuid.uuid5(NS, name))


STAFF = {
    "clerk_a": ("clerk.a", "窓口 花子", ["clerk"]),
    "clerk_b": ("clerk.b", "窓口 次郎", ["clerk"]),
    "officer_a": ("officer.a", "支援 一郎", ["clerk", "support_officer"]),
    "officer_b": ("officer.b", "支援 二葉", ["support_officer"]),
}
FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村"]
FAMILY_KANA = ["サトウ", "スズキ", "タカハシ", "タナカ", "イトウ", "ワタナベ", "ヤマモト", "ナカムラ"]
GIVEN = ["太郎", "花子", "健", "優子", "翔", "美咲"]
GIVEN_KANA = ["タロウ", "ハナコ", "ケン", "ユウコ", "ショウ", "ミサキ"]


def resident_row(i: int, household_id: str) -> dict:
    f, g = i % len(FAMILY), (i // len(FAMILY)) % len(GIVEN)
    addr = f"研修市中央{1 + i % 9}丁目{1 + i % 30}番{1 + i % 20}号"
    return {
        "id": sid(f"resident-{i}"), "household_id": household_id,
        "resident_code": f"{10000000000 + i:011d}",
        "family_name": FAMILY[f], "given_name": GIVEN[g],
        "family_kana": FAMILY_KANA[f], "given_kana": GIVEN_KANA[g],
        "name_key": FAMILY[f] + GIVEN[g], "kana_key": FAMILY_KANA[f] + GIVEN_KANA[g],
        "birth_date": f"{1950 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "sex": 1 + i % 2, "address": addr, "address_key": addr,
    }


_HASHES: dict[str, str] = {}


def password_of(login: str) -> str:
    return f"{login}-Kenshu-2026"


def _hash(login: str) -> str:
    """Argon2 hash of the staff member's test password (made once per process: it is slow)."""
    if login not in _HASHES:
        from argon2 import PasswordHasher

        _HASHES[login] = PasswordHasher().hash(password_of(login))
    return _HASHES[login]


_KEYS: dict[str, object] = {}


def sign_key(key: str):
    """The staff member's signing key pair, wrapped under the test password (made once)."""
    if key not in _KEYS:
        from app.security.keys import new_key

        _KEYS[key] = new_key(password_of(STAFF[key][0]), sid(key))
    return _KEYS[key]


def fill_master(store, residents: int = 60, passwords: bool = False) -> None:
    with store.transaction() as conn:
        for key, (login, name, roles) in STAFF.items():
            signing = sign_key(key)
            conn.execute("INSERT INTO staff(id, login, display_name, roles, created_at, password_hash, "
                         "sign_pub, sign_key) VALUES (?,?,?,?,?,?,?,?)",
                         (sid(key), login, name, json.dumps(roles), "2026-01-01T00:00:00+00:00",
                          _hash(login) if passwords else None,
                          signing.public_hex,
                          signing.wrapped))
        for h in range(0, residents, 3):
            conn.execute("INSERT INTO households(id, household_code, address) VALUES (?,?,?)",
                         (sid(f"household-{h}"), f"H{h:08d}", f"研修市中央{h}"))
        rows = [resident_row(i, sid(f"household-{i - i % 3}")) for i in range(residents)]
        cols = list(rows[0])
        conn.executemany(f"INSERT INTO residents({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                         [tuple(r[c] for c in cols) for r in rows])
        conn.executemany(
            "INSERT INTO cards(id, resident_id, issued_date, expiry_date, status) VALUES (?,?,?,?,?)",
            [(sid(f"card-{i}"), sid(f"resident-{i}"), "2020-04-01", "2030-04-01", "active")
             for i in range(residents)])
        add_measure(conn, 0, members=[1])


def add_measure(conn, target: int, members=(), status: str = "active") -> str:
    measure = sid(f"measure-{target}")
    conn.execute(
        "INSERT INTO support_measures(id, target_id, kind, status, applied_date, start_date, end_date, "
        "perpetrator_family_name, perpetrator_given_name) VALUES (?,?,?,?,?,?,?,?,?)",
        (measure, sid(f"resident-{target}"), "dv", status, "2026-01-10", "2026-01-15", "2027-01-14",
         "加害", "者"))
    for m in members:
        conn.execute("INSERT INTO support_measure_members(measure_id, resident_id) VALUES (?,?)",
                     (measure, sid(f"resident-{m}")))
    return measure
