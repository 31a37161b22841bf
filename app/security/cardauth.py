"""Sign-in with the staff member's own My Number card (職員証として): challenge and verification.

The application makes a fresh random challenge; the card engineer's reader (``app/card``) has the
card sign ``challenge.message`` with its user-authentication key after the holder types the PIN
(SHA-256 DigestInfo, RSA PKCS#1 v1.5 — CARD.md), and returns the signature together with the
user-authentication certificate read from the card (EF 000A). Here the certificate must be the
one registered to an account, still valid, and the signature must verify against it over this
challenge. A challenge is used once and only for a short time. The PIN never comes here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from app.security import audit
from app.security.clock import SYSTEM_CLOCK, Clock, iso
from app.security.staff import (AuthError, Authenticated, StaffError, _BAD_CREDENTIALS, _gate,
                                _require, record_failure, record_success)
from app.store.db import new_id

CHALLENGE_SECONDS = 120
#: the one answer to a card that does not sign in (not registered to an account, not the card
#: registered, a certificate out of date, a bad signature), worded for a card, not a password
_BAD_CARD = (_BAD_CREDENTIALS[0],
             "このカードでは認証できません。職員アカウントに登録された本人のカードを置いてください。",
             "This card cannot sign in: put your own card, the one registered to your staff account, "
             "on the reader.")
_DOMAIN = b"MADOGUCHI-STAFF-SIGNIN-V1\x00"
_used: set[bytes] = set()
_used_lock = threading.Lock()


@dataclass(frozen=True)
class Challenge:
    nonce: bytes
    terminal_id: str
    issued_at: dt.datetime

    @property
    def message(self) -> bytes:
        """The bytes the card signs (the card side hashes them with SHA-256)."""
        return _DOMAIN + self.terminal_id.encode() + b"\x00" + self.nonce


def new_challenge(terminal_id: str, clock: Clock = SYSTEM_CLOCK) -> Challenge:
    return Challenge(secrets.token_bytes(32), terminal_id, clock.now())


def load_certificate(cert_der: bytes) -> x509.Certificate:
    try:
        cert = x509.load_der_x509_certificate(bytes(cert_der))
    except ValueError as exc:
        raise StaffError("カードの証明書を読み取れません / the card certificate cannot be read") from exc
    if not isinstance(cert.public_key(), (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        raise StaffError("対応していない鍵の証明書です / unsupported key type in the certificate")
    return cert


def fingerprint(cert_der: bytes) -> str:
    return hashlib.sha256(bytes(cert_der)).hexdigest()


def register_card(store, login: str, cert_der: bytes, *, actor_id: str | None, terminal_id: str,
                  clock: Clock = SYSTEM_CLOCK) -> None:
    """Register the user-authentication certificate (DER, from EF 000A of the staff member's own
    card) to an account. One card belongs to one account. A card renewed or replaced: the
    previous certificate stays in the card history, marked replaced from now, so what it signed
    before still verifies (:func:`app.security.release_record.card_history`)."""
    cert = load_certificate(cert_der)
    fp = fingerprint(cert_der)
    with store.transaction() as conn:
        member = _require(conn, login)
        other = conn.execute("SELECT login FROM staff WHERE card_cert_sha256 = ? AND id <> ?",
                             (fp, member.id)).fetchone()
        if other:
            raise StaffError(f"このカードは既に {other[0]} に登録されています（一人一アカウント） / this card "
                             f"is already registered to {other[0]}")
        entry = audit.append(conn, action="staff.register_card", staff_id=actor_id,
                             terminal_id=terminal_id, target_kind="staff", target_id=member.id,
                             clock=clock, detail={"cert_sha256": fp,
                                                  "not_after": iso(cert.not_valid_after_utc)})
        _keep_unlisted_card(conn, member.id)
        current = conn.execute("SELECT cert_sha256 FROM staff_card_certs WHERE staff_id = ? AND "
                               "replaced_at IS NULL", (member.id,)).fetchall()
        if [r[0] for r in current] != [fp]:
            now = _store_time(conn, entry.at)
            conn.execute("UPDATE staff_card_certs SET replaced_at = ? WHERE staff_id = ? AND "
                         "replaced_at IS NULL", (now, member.id))
            conn.execute("INSERT INTO staff_card_certs(id, staff_id, cert_sha256, card_cert, "
                         "registered_at) VALUES (?, ?, ?, ?, ?)",
                         (new_id(), member.id, fp, bytes(cert_der), now))
        conn.execute("UPDATE staff SET card_cert = ?, card_cert_sha256 = ? WHERE id = ?",
                     (bytes(cert_der), fp, member.id))


def _keep_unlisted_card(conn, staff_id: str) -> None:
    """A card registered before the history was kept (or pulled without it) enters the history
    as it is, without a start, before it is replaced."""
    if conn.execute("SELECT 1 FROM staff_card_certs WHERE staff_id = ?", (staff_id,)).fetchone():
        return
    row = conn.execute("SELECT card_cert FROM staff WHERE id = ?", (staff_id,)).fetchone()
    if row and row[0]:
        conn.execute("INSERT INTO staff_card_certs(id, staff_id, cert_sha256, card_cert) "
                     "VALUES (?, ?, ?, ?)", (new_id(), staff_id, fingerprint(row[0]), bytes(row[0])))


def _store_time(conn, wall: str) -> str:
    """The store's own time (never earlier than any time it has handed out) for a card window:
    releases are issued at this time, so a window and a release compare on one clock."""
    row = conn.execute("SELECT high_water FROM store_clock WHERE id = 1").fetchone()
    return max(wall, row[0]) if row else wall


def _verify_signature(cert: x509.Certificate, signature: bytes, message: bytes) -> None:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    else:
        key.verify(signature, message, ec.ECDSA(hashes.SHA256()))


def authenticate_card(store, challenge: Challenge, signature: bytes, cert_der: bytes, *,
                      terminal_id: str, clock: Clock = SYSTEM_CLOCK) -> Authenticated:
    """Sign in with a card: ``signature`` over ``challenge.message`` by the key of ``cert_der``.
    Raises :class:`AuthError` (logged) when refused."""
    now = clock.now()
    fp = fingerprint(cert_der)
    with store.transaction() as conn:
        row = conn.execute("SELECT id FROM staff WHERE card_cert_sha256 = ?", (fp,)).fetchone()
        why = _check(challenge, signature, cert_der, terminal_id, now)
        refusal = _gate(conn, row[0] if row else None, "card", terminal_id, clock, why is None)
        if refusal is None:
            if why:
                refusal = record_failure(conn, row[0], "card", why, terminal_id, clock)
            else:
                return record_success(conn, row[0], "card", terminal_id, clock)
    raise AuthError(*(_BAD_CARD if refusal in (None, _BAD_CREDENTIALS) else refusal))


def _check(challenge: Challenge, signature: bytes, cert_der: bytes, terminal_id: str,
           now: dt.datetime) -> str | None:
    """Why the card sign-in fails, or None."""
    if challenge.terminal_id != terminal_id:
        return "challenge of another terminal"
    age = now - challenge.issued_at
    if age < dt.timedelta(seconds=-2) or age > dt.timedelta(seconds=CHALLENGE_SECONDS):
        return "challenge expired"
    with _used_lock:
        if challenge.nonce in _used:
            return "challenge reused"
        _used.add(challenge.nonce)
    try:
        cert = load_certificate(cert_der)
    except StaffError:
        return "unreadable certificate"
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        return "certificate not valid now"
    try:
        _verify_signature(cert, bytes(signature), challenge.message)
    except (InvalidSignature, ValueError, TypeError):
        return "bad signature"
    return None
