"""Helpers that write real rows into a real store for the workflow and rules tests."""

from __future__ import annotations

import json

from app.store.db import new_id, now_iso


def add_staff(store, login: str, name: str, roles=("clerk",)) -> str:
    sid = new_id()
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO staff(id, login, display_name, roles, created_at) VALUES (?, ?, ?, ?, ?)",
            (sid, login, name, json.dumps(list(roles)), now_iso()),
        )
    return sid


def add_household(store, address: str = "研修市中央一丁目1番1号") -> str:
    hid = new_id()
    with store.transaction() as conn:
        conn.execute("INSERT INTO households(id, household_code, address) VALUES (?, ?, ?)",
                     (hid, hid[:12], address))
    return hid


def add_resident(store, household_id: str | None, *, family="研修", given="花子", family_kana="ケンシュウ",
                 given_kana="ハナコ", birth="1980-04-01", sex=2, address="研修市中央一丁目1番1号",
                 status="active", removal_reason=None, relationship="世帯主", my_number=None,
                 moved_to=None) -> str:
    rid = new_id()
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO residents(id, household_id, family_name, given_name, family_kana, given_kana,"
            " name_key, kana_key, birth_date, sex, address, address_key, status, removal_reason,"
            " relationship, my_number, moved_to_address) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (rid, household_id, family, given, family_kana, given_kana, family + given,
             family_kana + given_kana, birth, sex, address, address, status, removal_reason,
             relationship, my_number, moved_to),
        )
    return rid


def add_card(store, resident_id: str, *, status="active", cert_sign="valid", locked=(),
             expiry="2030-01-10") -> str:
    cid = new_id()
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO cards(id, resident_id, issued_date, expiry_date, status, cert_sign_status, locked_pins)"
            " VALUES (?, ?, '2020-01-10', ?, ?, ?, ?)",
            (cid, resident_id, expiry, status, cert_sign, json.dumps(list(locked))),
        )
    return cid


def add_application(store, resident_id: str, application_id: str, status="producing") -> str:
    aid = new_id()
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO card_applications(id, resident_id, application_id, received_date, status, status_date)"
            " VALUES (?, ?, ?, '2026-10-01', ?, '2026-11-01')",
            (aid, resident_id, application_id, status),
        )
    return aid
