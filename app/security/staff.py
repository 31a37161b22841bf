"""職員 staff accounts, password sign-in with lockout, and the idle-locking session.

One account per person (unique login, unique employee number, one card certificate per account);
roles are :class:`app.rules.codes.Role` values and one person may hold several (a clerk who is
also a support officer keeps ONE account: the four-eyes rule compares accounts, i.e. persons).
Passwords are hashed with Argon2id (memory-hard); after repeated failures the account locks for a
while (settings). Every sign-in, failed or not, and every account change is audited.

A successful sign-in returns an :class:`Authenticated` proof that only this module and
:mod:`app.security.cardauth` can make (it carries an HMAC with a per-process key), so a release
cannot be granted on a hand-built proof. No PIN or password is ever logged or kept in memory
longer than the call.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.errors import MadoguchiError
from app.rules.codes import Role
from app.security import audit, keys, settings
from app.security.clock import SYSTEM_CLOCK, Clock, iso, parse
from app.store.db import new_id

_HASHER = PasswordHasher()          # Argon2id, library defaults (64 MiB, 3 passes)
_PROOF_KEY = secrets.token_bytes(32)
_LOGIN = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
#: a hash to verify against for unknown logins, so timing does not tell which logins exist
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


class StaffError(MadoguchiError, ValueError):
    """A staff-account problem worded for the administrator (ja / en)."""

    code = "staff.refused"


class AuthError(MadoguchiError):
    """Sign-in refused. ``ja``/``en`` are safe to show: they never say whether the login exists."""

    def __init__(self, code: str, ja: str, en: str):
        super().__init__(ja, en, code=code)


_BAD_CREDENTIALS = ("auth.bad_credentials", "ログインIDまたはパスワードが違います。",
                    "The login or the password is wrong.")
_LOCKED = ("auth.locked", "連続して失敗したため、このアカウントは一時的にロックされています。しばらく待つか管理者に連絡してください。",
           "This account is locked after repeated failures. Wait, or ask an administrator.")
_DISABLED = ("auth.disabled", "このアカウントは使用停止です。管理者に連絡してください。",
             "This account is disabled. Ask an administrator.")


@dataclass(frozen=True)
class StaffMember:
    id: str
    login: str
    display_name: str
    roles: frozenset[Role]
    employee_no: str | None = None
    disabled: bool = False
    has_password: bool = False
    has_card: bool = False
    must_change_password: bool = False
    locked_until: str | None = None
    outsourced: bool = False     # 委託: never a support officer, never past a restriction

    def has(self, role: Role) -> bool:
        if self.outsourced and role is Role.SUPPORT_OFFICER:
            return False
        return role in self.roles

    def as_dict(self) -> dict:
        return {"id": self.id, "login": self.login, "display_name": self.display_name,
                "roles": sorted(r.value for r in self.roles), "employee_no": self.employee_no,
                "disabled": self.disabled, "password": self.has_password, "card": self.has_card,
                "must_change_password": self.must_change_password,
                "locked_until": self.locked_until, "outsourced": self.outsourced}


_COLUMNS = ("id, login, display_name, roles, employee_no, disabled, password_hash IS NOT NULL, "
            "card_cert IS NOT NULL, must_change_password, locked_until, outsourced")


def _member(row) -> StaffMember:
    return StaffMember(id=row[0], login=row[1], display_name=row[2],
                       roles=frozenset(Role(r) for r in json.loads(row[3])), employee_no=row[4],
                       disabled=bool(row[5]), has_password=bool(row[6]), has_card=bool(row[7]),
                       must_change_password=bool(row[8]), locked_until=row[9],
                       outsourced=bool(row[10]))


def get_staff(conn: sqlite3.Connection, *, login: str | None = None,
              staff_id: str | None = None) -> StaffMember | None:
    if login is not None:
        row = conn.execute(f"SELECT {_COLUMNS} FROM staff WHERE login = ?", (login,)).fetchone()
    else:
        row = conn.execute(f"SELECT {_COLUMNS} FROM staff WHERE id = ?", (staff_id,)).fetchone()
    return _member(row) if row else None


def list_staff(conn: sqlite3.Connection) -> list[StaffMember]:
    return [_member(r) for r in conn.execute(f"SELECT {_COLUMNS} FROM staff ORDER BY login")]


def _require(conn, login: str) -> StaffMember:
    member = get_staff(conn, login=login)
    if member is None:
        raise StaffError(f"職員 {login} は登録されていません / no staff account {login}")
    return member


def check_password_policy(conn, password: str) -> None:
    check_password_rules(password, settings.get(conn, "security.password_min_length"))


def check_password_rules(password: str, minimum: int) -> None:
    """The password rules with a given minimum length (the central server uses the default)."""
    if len(password) < minimum:
        raise StaffError(f"パスワードは{minimum}文字以上にしてください / a password needs at least "
                         f"{minimum} characters")
    if password.strip() != password or not password.isprintable():
        raise StaffError("パスワードの前後に空白や制御文字は使えません / no leading or trailing "
                         "spaces or control characters in a password")


def check_login(login: str) -> None:
    if not _LOGIN.match(login or ""):
        raise StaffError("ログインIDは英小文字で始まる2〜32文字（a-z 0-9 . _ -）です / a login is 2–32 "
                         "characters a-z 0-9 . _ -, starting with a letter")


def hash_password(password: str) -> str:
    """Argon2id hash of a password (the one hasher of terminals and the central server)."""
    return _HASHER.hash(password)


def parse_roles(roles) -> list[str]:
    try:
        values = sorted({Role(r).value for r in roles})
    except ValueError as exc:
        raise StaffError(f"不明な役割です: {exc} / unknown role (clerk, support_officer, "
                         f"administrator)") from exc
    if not values:
        raise StaffError("役割を一つ以上指定してください / give at least one role")
    return values


def add_staff(store, *, login: str, display_name: str, roles, password: str | None = None,
              employee_no: str | None = None, actor_id: str | None = None, terminal_id: str,
              outsourced: bool = False, clock: Clock = SYSTEM_CLOCK) -> StaffMember:
    """Create one account for one person. A second account for the same employee number (or the
    same login) is refused."""
    check_login(login)
    if not (display_name or "").strip():
        raise StaffError("氏名を入力してください / the display name is required")
    role_values = parse_roles(roles)
    check_outsourced_roles(outsourced, role_values)
    with store.transaction() as conn:
        if get_staff(conn, login=login):
            raise StaffError(f"ログインID {login} は既に使われています / login {login} exists")
        if employee_no and conn.execute("SELECT 1 FROM staff WHERE employee_no = ?",
                                        (employee_no,)).fetchone():
            raise StaffError(f"職員番号 {employee_no} のアカウントは既にあります（一人一アカウント） / "
                             f"employee {employee_no} already has an account (one per person)")
        pw_hash = None
        staff_id = new_id()
        key = None
        if password is not None:
            check_password_policy(conn, password)
            pw_hash = hash_password(password)
            key = keys.new_key(password, staff_id)
        now = iso(clock.now())
        conn.execute(
            "INSERT INTO staff(id, login, display_name, roles, password_hash, employee_no, "
            "created_at, password_changed_at, sign_pub, sign_key, outsourced) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (staff_id, login, display_name.strip(), json.dumps(role_values), pw_hash,
             employee_no or None, now, now if pw_hash else None,
             key.public_hex if key else None, key.wrapped if key else None, int(bool(outsourced))))
        audit.append(conn, action="staff.add", staff_id=actor_id, terminal_id=terminal_id,
                     target_kind="staff", target_id=staff_id, clock=clock,
                     detail={"login": login, "roles": role_values,
                             **({"outsourced": True} if outsourced else {})})
        return get_staff(conn, staff_id=staff_id)


def check_outsourced_roles(outsourced: bool, role_values) -> None:
    if outsourced and Role.SUPPORT_OFFICER.value in role_values:
        raise StaffError("委託職員は支援措置責任者になれません / outsourced (委託) staff cannot be "
                         "support officers")


def set_outsourced(store, login: str, outsourced: bool, *, actor_id: str | None,
                   terminal_id: str) -> StaffMember:
    """Mark an account as outsourced (委託) or not; an outsourced account never holds the support
    officer role (the store refuses it too)."""
    with store.transaction() as conn:
        member = _require(conn, login)
        check_outsourced_roles(outsourced, [r.value for r in member.roles])
        conn.execute("UPDATE staff SET outsourced = ? WHERE id = ?", (int(bool(outsourced)), member.id))
        audit.append(conn, action="staff.outsourced", staff_id=actor_id, terminal_id=terminal_id,
                     target_kind="staff", target_id=member.id, detail={"outsourced": bool(outsourced)})
        return get_staff(conn, staff_id=member.id)


def set_roles(store, login: str, roles, *, actor_id: str | None, terminal_id: str) -> StaffMember:
    role_values = parse_roles(roles)
    with store.transaction() as conn:
        member = _require(conn, login)
        check_outsourced_roles(member.outsourced, role_values)
        conn.execute("UPDATE staff SET roles = ? WHERE id = ?", (json.dumps(role_values), member.id))
        audit.append(conn, action="staff.roles", staff_id=actor_id, terminal_id=terminal_id,
                     target_kind="staff", target_id=member.id,
                     detail={"from": sorted(r.value for r in member.roles), "to": role_values})
        return get_staff(conn, staff_id=member.id)


def disable_staff(store, login: str, *, actor_id: str | None, terminal_id: str,
                  enable: bool = False) -> StaffMember:
    with store.transaction() as conn:
        member = _require(conn, login)
        conn.execute("UPDATE staff SET disabled = ? WHERE id = ?", (0 if enable else 1, member.id))
        audit.append(conn, action="staff.enable" if enable else "staff.disable", staff_id=actor_id,
                     terminal_id=terminal_id, target_kind="staff", target_id=member.id)
        return get_staff(conn, staff_id=member.id)


def reset_password(store, login: str, password: str, *, actor_id: str | None, terminal_id: str,
                   must_change: bool = True, clock: Clock = SYSTEM_CLOCK,
                   _keep_key=None) -> StaffMember:
    """Set a new password (by an administrator); clears the lockout and failure count. The
    person's signing key is wrapped under the new password: the same key when the person changes
    their own password (``_keep_key``), a new one after an administrator's reset (the old public
    key stays listed so that earlier signatures still verify)."""
    with store.transaction() as conn:
        member = _require(conn, login)
        check_password_policy(conn, password)
        old_pub = conn.execute("SELECT sign_pub FROM staff WHERE id = ?", (member.id,)).fetchone()[0]
        if _keep_key is not None:
            private, wrapped = _keep_key, keys.wrap(_keep_key, password, member.id)
            pub = keys.add_public(old_pub, keys.public_hex(_keep_key))
        else:
            key = keys.new_key(password, member.id)
            private, wrapped, pub = key.private, key.wrapped, keys.add_public(old_pub, key.public_hex)
        del private
        conn.execute("UPDATE staff SET password_hash = ?, failed_attempts = 0, locked_until = NULL, "
                     "must_change_password = ?, password_changed_at = ?, sign_pub = ?, sign_key = ? "
                     "WHERE id = ?",
                     (hash_password(password), int(must_change), iso(clock.now()), pub, wrapped,
                      member.id))
        own = actor_id == member.id
        audit.append(conn, action="staff.change_password" if own else "staff.reset_password",
                     staff_id=actor_id,
                     terminal_id=terminal_id, target_kind="staff", target_id=member.id, clock=clock,
                     detail={"sign_key": "kept" if _keep_key is not None else "new"})
        return get_staff(conn, staff_id=member.id)


def change_own_password(store, login: str, old: str, new: str, *, terminal_id: str,
                        clock: Clock = SYSTEM_CLOCK) -> StaffMember:
    """The person changes their own password (the window's File menu, ``madoguchi staff passwd``).

    The new password follows the rules of ``staff add`` and must differ from the old one; the old
    one proves who is asking (a wrong one counts as a failed sign-in, lock-out included). The
    person's signing key is re-wrapped under the new password, not replaced, so what they signed
    before still verifies. An account kept by the central server (its row came down with a sync:
    ``seq`` > 0) is refused: a change made here would not reach the server or the other terminals,
    and the next pull of the row would bring the old password back; IT staff change it there."""
    with store.transaction() as conn:
        member = _require(conn, login)
        if kept_centrally(conn, member.id):
            raise StaffError(_CENTRAL_ACCOUNT, code="staff.central_account")
        check_password_policy(conn, new)
    auth = authenticate_password(store, login, old, terminal_id=terminal_id, clock=clock)
    if new == old:
        raise StaffError("新しいパスワードが今のパスワードと同じです / the new password is the same "
                         "as the current one", code="staff.same_password")
    return reset_password(store, login, new, actor_id=auth.staff.id, terminal_id=terminal_id,
                          must_change=False, clock=clock, _keep_key=auth.signing_key)


def kept_centrally(conn, staff_id: str) -> bool:
    """The account came down from the central server with a sync (its row carries the server's
    change sequence): its password is changed there, not on a terminal."""
    row = conn.execute("SELECT seq FROM staff WHERE id = ?", (staff_id,)).fetchone()
    return bool(row and row[0] > 0)


def own_password_due(conn, staff_id: str) -> bool:
    """An administrator reset the password on this terminal (``staff reset-password``): the
    person chooses their own at the next sign-in. Not for an account kept centrally (see
    :func:`kept_centrally`)."""
    row = conn.execute("SELECT must_change_password FROM staff WHERE id = ?", (staff_id,)).fetchone()
    return bool(row and row[0]) and not kept_centrally(conn, staff_id)


_CENTRAL_ACCOUNT = ("このアカウントは中央サーバーで管理されています。パスワードの変更は情報システム担当に依頼して"
                    "ください（中央サーバーで変更します） / this account is kept by the central server: "
                    "ask office IT staff to change its password there")


# ------------------------------------------------------------------------------------ sign-in

@dataclass(frozen=True)
class Authenticated:
    """Proof that ``staff`` just proved who they are on ``terminal_id`` (``method``: 'password' or
    'card'). Made only by this module and :mod:`app.security.cardauth`."""

    staff: StaffMember
    method: str
    at: str
    terminal_id: str
    proof: str = field(repr=False, default="")
    #: the person's Ed25519 signing key, opened by the password at this sign-in (password
    #: method only); it signs what the person gives (releases, re-locks) while the sign-in is fresh
    signing_key: object = field(repr=False, default=None, compare=False)

    def _payload(self) -> bytes:
        return "|".join((self.staff.id, self.method, self.at, self.terminal_id)).encode()

    def genuine(self) -> bool:
        expected = hmac.new(_PROOF_KEY, self._payload(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.proof)

    def fresh(self, now: dt.datetime, seconds: int) -> bool:
        at = parse(self.at)
        return at <= now + dt.timedelta(seconds=2) and now - at <= dt.timedelta(seconds=seconds)


def _issue(staff: StaffMember, method: str, at: dt.datetime, terminal_id: str,
           signing_key=None) -> Authenticated:
    unsigned = Authenticated(staff, method, iso(at), terminal_id)
    proof = hmac.new(_PROOF_KEY, unsigned._payload(), hashlib.sha256).hexdigest()
    return Authenticated(staff, method, iso(at), terminal_id, proof, signing_key)


def _gate(conn, staff_id: str | None, method: str, terminal_id: str, clock: Clock,
          secret_ok: bool | None = None):
    """Checks common to every sign-in method: unknown, disabled or locked accounts are refused
    (and logged). A failed attempt names the account only when the login is an existing one
    ("unknown login" otherwise: what was typed may be a password and is never recorded).

    ``secret_ok``: whether the password or card signature was right (None: not yet checked). To a
    wrong secret, unknown, disabled and locked accounts get the SAME answer as a wrong password,
    so the answer never tells which accounts exist or how they stand; the specific answer
    (disabled, locked) goes only to someone who gave the right secret."""
    now = clock.now()
    if staff_id is None:
        audit.append(conn, action="signin.fail", terminal_id=terminal_id, clock=clock,
                     detail={"method": method, "why": "unknown login"})
        return _BAD_CREDENTIALS
    member = get_staff(conn, staff_id=staff_id)
    why = ("disabled" if member.disabled else
           "locked" if member.locked_until and parse(member.locked_until) > now else None)
    if why is None:
        return None
    audit.append(conn, action="signin.fail", staff_id=member.id, terminal_id=terminal_id,
                 target_kind="staff", target_id=member.id, clock=clock,
                 detail={"method": method, "why": why + ("" if secret_ok else ", wrong secret")})
    if not secret_ok:
        return _BAD_CREDENTIALS
    return _DISABLED if why == "disabled" else _LOCKED


def record_failure(conn, member_id: str, method: str, why: str, terminal_id: str,
                   clock: Clock) -> tuple[str, str, str]:
    """Count a failed attempt; lock the account when the limit is reached. The answer is the
    wrong-password answer even when this attempt locked the account (an unknown login never
    locks, so saying "locked" would tell that the login exists)."""
    attempts = conn.execute("SELECT failed_attempts FROM staff WHERE id = ?",
                            (member_id,)).fetchone()[0] + 1
    limit = settings.get(conn, "security.lockout_attempts")
    locked_until = None
    if attempts >= limit:
        minutes = settings.get(conn, "security.lockout_minutes")
        locked_until = iso(clock.now() + dt.timedelta(minutes=minutes))
        attempts = 0
    conn.execute("UPDATE staff SET failed_attempts = ?, locked_until = ? WHERE id = ?",
                 (attempts, locked_until, member_id))
    audit.append(conn, action="signin.fail", staff_id=member_id, terminal_id=terminal_id,
                 target_kind="staff", target_id=member_id, clock=clock,
                 detail={"method": method, "why": why, **({"locked_until": locked_until}
                                                           if locked_until else {})})
    return _BAD_CREDENTIALS


def record_success(conn, member_id: str, method: str, terminal_id: str,
                   clock: Clock, signing_key=None) -> Authenticated:
    conn.execute("UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE id = ?",
                 (member_id,))
    audit.append(conn, action="signin.ok", staff_id=member_id, terminal_id=terminal_id,
                 target_kind="staff", target_id=member_id, clock=clock, detail={"method": method})
    return _issue(get_staff(conn, staff_id=member_id), method, clock.now(), terminal_id,
                  signing_key)


def _open_signing_key(conn, staff_id: str, password: str, terminal_id: str, clock: Clock):
    """The person's signing key, opened with the password just verified. An account made before
    signing keys existed gets one now (its public key must then be registered centrally before
    the server accepts what it signs)."""
    pub, wrapped = conn.execute("SELECT sign_pub, sign_key FROM staff WHERE id = ?",
                                (staff_id,)).fetchone()
    if wrapped:
        try:
            return keys.unwrap(wrapped, password, staff_id)
        except keys.KeyError_:
            pass                # damaged, or wrapped under another password: make a new one
    key = keys.new_key(password, staff_id)
    conn.execute("UPDATE staff SET sign_pub = ?, sign_key = ? WHERE id = ?",
                 (keys.add_public(pub, key.public_hex), key.wrapped, staff_id))
    audit.append(conn, action="staff.sign_key", staff_id=staff_id, terminal_id=terminal_id,
                 target_kind="staff", target_id=staff_id, clock=clock,
                 detail={"sign_pub": key.public_hex, "why": "replaced" if wrapped else "created"})
    return key.private


def authenticate_password(store, login: str, password: str, *, terminal_id: str,
                          clock: Clock = SYSTEM_CLOCK) -> Authenticated:
    """Sign in with login and password. Raises :class:`AuthError` (logged) when refused."""
    with store.transaction() as conn:
        row = conn.execute("SELECT id, password_hash FROM staff WHERE login = ?",
                           (login,)).fetchone()
        try:
            _HASHER.verify(row[1] if row and row[1] else _DUMMY_HASH, password)
            right = bool(row and row[1])
        except (VerificationError, InvalidHashError):
            right = False
        refusal = _gate(conn, row[0] if row else None, "password", terminal_id, clock, right)
        if refusal is None and not right:
            refusal = record_failure(conn, row[0], "password", "wrong password", terminal_id, clock)
        if refusal is None:
            if _HASHER.check_needs_rehash(row[1]):
                conn.execute("UPDATE staff SET password_hash = ? WHERE id = ?",
                             (_HASHER.hash(password), row[0]))
            key = _open_signing_key(conn, row[0], password, terminal_id, clock)
            return record_success(conn, row[0], "password", terminal_id, clock, key)
    raise AuthError(*refusal)


# ------------------------------------------------------------------------------------ session

class Session:
    """A signed-in clerk at a terminal (UI-free). The screen calls :meth:`touch` on every user
    action and asks :meth:`is_locked` on a timer; after ``idle_seconds`` without a touch the
    session is locked and only the same person's sign-in (:meth:`unlock`) opens it again.
    ``now`` values are monotonic seconds (``time.monotonic()``), so moving the wall clock does
    not keep a session open."""

    def __init__(self, auth: Authenticated, idle_seconds: float, *, now: float | None = None):
        if not auth.genuine():
            raise AuthError("auth.forged", "認証が確認できません。", "The sign-in cannot be verified.")
        self.auth = auth
        self.idle_seconds = float(idle_seconds)
        self._last = time.monotonic() if now is None else now
        self._locked = False

    @classmethod
    def start(cls, store, auth: Authenticated, *, now: float | None = None) -> "Session":
        """A session with the store's idle-lock setting."""
        return cls(auth, settings.get(store, "security.idle_lock_minutes") * 60, now=now)

    @property
    def staff(self) -> StaffMember:
        return self.auth.staff

    def touch(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if not self.is_locked(now):
            self._last = now

    def is_locked(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if not self._locked and now - self._last >= self.idle_seconds:
            self._locked = True
        return self._locked

    def lock(self) -> None:
        self._locked = True

    def remaining(self, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        return 0.0 if self.is_locked(now) else max(0.0, self.idle_seconds - (now - self._last))

    def unlock(self, auth: Authenticated, *, now: float | None = None) -> None:
        """Unlock with a fresh sign-in of the same person; anyone else starts a new session."""
        if not auth.genuine() or auth.staff.id != self.auth.staff.id:
            raise AuthError("auth.other_person", "ロック中の画面は本人だけが解除できます。",
                            "Only the signed-in person can unlock this session.")
        self.auth = auth
        self._locked = False
        self._last = time.monotonic() if now is None else now
