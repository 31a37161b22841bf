"""Staff accounts managed on the central server: ``madoguchi server staff add|list|disable|enable|
roles|reset-password --dsn DSN``. The accounts come down to every terminal with its next sync
(staff is a master table with a change sequence), and a terminal keeps working offline with the
accounts it already has: sign-in is always checked against the terminal's own store.

The rules are the terminal's own (:mod:`app.security.staff`): the same login pattern, the same
roles, Argon2id hashes from the same hasher, the same password rules (minimum length: the
default of ``security.password_min_length``, since that setting lives in each store), one account
per employee number. A reset password must be changed at the next sign-in, as at a terminal.
Lock-outs stay per terminal (the terminal's ``failed_attempts``/``locked_until`` are never
overwritten by a pull). Every change is logged in ``madoguchi.staff_log`` (server migration 5) with
the database and OS user who made it.

The person's signing key (app.security.keys, server schema v3) is made here as at a terminal:
created with the account and wrapped under its password; an administrator's reset makes a new key
and keeps the old public key listed, so earlier signatures still verify. The outsourced (委託)
attribute is set with the account (``add --outsourced``) or later (``outsourced LOGIN [--off]``),
under the terminal's rule that an outsourced account never holds the support-officer role (checked
here, by the server's ``staff_outsourced_not_officer`` constraint and by the terminal's store
triggers when the row comes down).

Runs with the administrator's DSN. Never prints, logs or keeps a password. Must not import Qt.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import uuid

import psycopg
from psycopg.types.json import Jsonb

from app.security import keys
from app.security.clock import iso
from app.security.settings import SPECS
from app.security.staff import (StaffError, check_login, check_outsourced_roles, check_password_rules,
                                hash_password, parse_roles)

_MIN_LENGTH = SPECS["security.password_min_length"].default
_COLUMNS = "id, login, display_name, roles, employee_no, disabled, password_hash IS NOT NULL, " \
           "card_cert IS NOT NULL, must_change_password, created_at, outsourced"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def _row(r) -> dict:
    return {"id": r[0], "login": r[1], "display_name": r[2], "roles": json.loads(r[3]),
            "employee_no": r[4], "disabled": bool(r[5]), "password": bool(r[6]), "card": bool(r[7]),
            "must_change_password": bool(r[8]), "created_at": r[9], "outsourced": bool(r[10])}


def _log(conn, action: str, staff_id: str, detail: dict | None = None) -> None:
    conn.execute("INSERT INTO madoguchi.staff_log (action, staff_id, detail, os_user) VALUES (%s, %s, %s, %s)",
                 (action, staff_id, Jsonb(detail or {}), getpass.getuser()))


def _require(conn, login: str) -> dict:
    r = conn.execute(f"SELECT {_COLUMNS} FROM madoguchi.staff WHERE login = %s", (login,)).fetchone()
    if r is None:
        raise StaffError(f"職員 {login} は中央サーバーに登録されていません / no staff account {login} "
                         "on the central server")
    return _row(r)


def list_staff(dsn: str) -> list[dict]:
    with psycopg.connect(dsn) as conn:
        return [_row(r) for r in conn.execute(f"SELECT {_COLUMNS} FROM madoguchi.staff ORDER BY login")]


def add_staff(dsn: str, *, login: str, display_name: str, roles, password: str | None,
              employee_no: str | None = None, outsourced: bool = False) -> dict:
    """One account for one person; refused for a login or employee number already there."""
    check_login(login)
    if not (display_name or "").strip():
        raise StaffError("氏名を入力してください / the display name is required")
    role_values = parse_roles(roles)
    check_outsourced_roles(outsourced, role_values)
    if password is not None:
        check_password_rules(password, _MIN_LENGTH)
    with psycopg.connect(dsn, autocommit=False) as conn:
        if conn.execute("SELECT 1 FROM madoguchi.staff WHERE login = %s", (login,)).fetchone():
            raise StaffError(f"ログインID {login} は既に使われています / login {login} exists")
        if employee_no and conn.execute("SELECT 1 FROM madoguchi.staff WHERE employee_no = %s",
                                        (employee_no,)).fetchone():
            raise StaffError(f"職員番号 {employee_no} のアカウントは既にあります（一人一アカウント） / "
                             f"employee {employee_no} already has an account (one per person)")
        staff_id = str(uuid.uuid4())
        now = _now()
        # the person's signing key (app.security.keys): the server verifies what they sign with it
        key = keys.new_key(password, staff_id) if password is not None else None
        conn.execute(
            "INSERT INTO madoguchi.staff (id, login, display_name, roles, password_hash, employee_no, "
            "created_at, password_changed_at, sign_pub, sign_key, outsourced) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (staff_id, login, display_name.strip(), json.dumps(role_values),
             hash_password(password) if password is not None else None, employee_no or None, now,
             now if password is not None else None, key.public_hex if key else None,
             key.wrapped if key else None, int(bool(outsourced))))
        _log(conn, "staff.add", staff_id, {"login": login, "roles": role_values,
                                           **({"outsourced": True} if outsourced else {})})
        conn.commit()
        return _require(conn, login)


def set_roles(dsn: str, login: str, roles) -> dict:
    role_values = parse_roles(roles)
    with psycopg.connect(dsn, autocommit=False) as conn:
        member = _require(conn, login)
        check_outsourced_roles(member["outsourced"], role_values)
        conn.execute("UPDATE madoguchi.staff SET roles = %s WHERE id = %s", (json.dumps(role_values), member["id"]))
        _log(conn, "staff.roles", member["id"], {"from": member["roles"], "to": role_values})
        conn.commit()
        return _require(conn, login)


def set_outsourced(dsn: str, login: str, outsourced: bool) -> dict:
    """Mark an account as outsourced (委託) or not (a municipal employee)."""
    with psycopg.connect(dsn, autocommit=False) as conn:
        member = _require(conn, login)
        check_outsourced_roles(outsourced, member["roles"])
        conn.execute("UPDATE madoguchi.staff SET outsourced = %s WHERE id = %s",
                     (int(bool(outsourced)), member["id"]))
        _log(conn, "staff.outsourced", member["id"], {"from": member["outsourced"], "to": bool(outsourced)})
        conn.commit()
        return _require(conn, login)


def disable_staff(dsn: str, login: str, *, enable: bool = False) -> dict:
    with psycopg.connect(dsn, autocommit=False) as conn:
        member = _require(conn, login)
        conn.execute("UPDATE madoguchi.staff SET disabled = %s WHERE id = %s", (0 if enable else 1, member["id"]))
        _log(conn, "staff.enable" if enable else "staff.disable", member["id"])
        conn.commit()
        return _require(conn, login)


def register_card(dsn: str, login: str, cert_der: bytes) -> dict:
    """Register the person's card certificate (DER of the user-authentication certificate) on the
    server, which checks card signatures with it. A card renewed or replaced: the previous
    certificate stays in the card history (server v8), marked replaced from now, so releases it
    signed before still verify and nothing it signs afterwards does."""
    # certificate parsing only for `server staff register-card`
    from app.security.cardauth import fingerprint, load_certificate

    load_certificate(cert_der)
    fp = fingerprint(cert_der)
    with psycopg.connect(dsn, autocommit=False) as conn:
        member = _require(conn, login)
        other = conn.execute("SELECT login FROM madoguchi.staff WHERE card_cert_sha256 = %s "
                             "AND id <> %s", (fp, member["id"])).fetchone()
        if other:
            raise StaffError(f"このカードは既に {other[0]} に登録されています（一人一アカウント） / this card "
                             f"is already registered to {other[0]}")
        # a card registered before the history was kept enters it as it is, without a start
        conn.execute("INSERT INTO madoguchi.staff_card_certs (id, staff_id, cert_sha256, card_cert) "
                     "SELECT %s, s.id, encode(sha256(s.card_cert), 'hex'), s.card_cert "
                     "FROM madoguchi.staff s WHERE s.id = %s AND s.card_cert IS NOT NULL AND NOT EXISTS "
                     "(SELECT 1 FROM madoguchi.staff_card_certs h WHERE h.staff_id = s.id)",
                     (str(uuid.uuid4()), member["id"]))
        current = conn.execute("SELECT cert_sha256 FROM madoguchi.staff_card_certs WHERE staff_id = %s "
                               "AND replaced_at IS NULL", (member["id"],)).fetchall()
        if [r[0] for r in current] != [fp]:
            now = iso(dt.datetime.now(dt.timezone.utc))
            conn.execute("UPDATE madoguchi.staff_card_certs SET replaced_at = %s WHERE staff_id = %s "
                         "AND replaced_at IS NULL", (now, member["id"]))
            conn.execute("INSERT INTO madoguchi.staff_card_certs (id, staff_id, cert_sha256, card_cert, "
                         "registered_at) VALUES (%s, %s, %s, %s, %s)",
                         (str(uuid.uuid4()), member["id"], fp, bytes(cert_der), now))
        conn.execute("UPDATE madoguchi.staff SET card_cert = %s, card_cert_sha256 = %s WHERE id = %s",
                     (bytes(cert_der), fp, member["id"]))
        _log(conn, "staff.register_card", member["id"], {"cert_sha256": fp})
        conn.commit()
        return _require(conn, login)


def reset_password(dsn: str, login: str, password: str) -> dict:
    """A new password, to be changed at the next sign-in (at whichever terminal)."""
    check_password_rules(password, _MIN_LENGTH)
    with psycopg.connect(dsn, autocommit=False) as conn:
        member = _require(conn, login)
        key = keys.new_key(password, member["id"])      # a new key; the old public key stays listed
        old_pub = conn.execute("SELECT sign_pub FROM madoguchi.staff WHERE id = %s",
                               (member["id"],)).fetchone()[0]
        conn.execute("UPDATE madoguchi.staff SET password_hash = %s, must_change_password = 1, "
                     "password_changed_at = %s, sign_pub = %s, sign_key = %s WHERE id = %s",
                     (hash_password(password), _now(), keys.add_public(old_pub, key.public_hex),
                      key.wrapped, member["id"]))
        _log(conn, "staff.reset_password", member["id"])
        conn.commit()
        return _require(conn, login)
