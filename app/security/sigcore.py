"""What a signed release binds, and how its signature is checked — the ONE definition.

This module imports only the standard library and ``cryptography``: the central PostgreSQL runs
this same source inside its PL/Python trigger (``app/sync/server_schema.py`` embeds it), so the
terminal's engine, ``audit verify``, the self-test and the server compute the digest and check
the signature the same way.

- A release or refusal binds: its id, the case, the handling clerk, the officer, the terminal,
  the decision, the persons (and mailing addresses) in scope, the protected persons among them,
  the document types, the scope digest of the whole request, the officer's reason, the checklist,
  the sign-in method, the issue time and the expiry.
- A re-lock or re-lock confirmation binds: its id, the release (by the release's digest), the
  kind, the time, the person, the terminal and the note.
- A support-measure ledger event (registration, second confirmation, linked system blocked, end
  asked and confirmed, reconciliation signed) binds: its id, the measure, the kind, the stage, the
  linked system, the office day, the time, the person, the terminal, the sign-in method and its
  payload — which carries the digest of the measure rows the event sends to the server
  (:func:`rows_digest`); a confirmation binds the event it confirms by that event's digest.

The message signed is a domain label plus the SHA-256 hex digest of canonical JSON of those
fields. Password sign-in: Ed25519 with the person's own key (public key ``staff.sign_pub``, hex;
several keys separated by spaces after an administrator's password reset, newest last). Card:
the JPKI user-authentication key (RSA PKCS#1 v1.5 over SHA-256 of the message, or ECDSA), checked
against the certificate registered to the account at the time of signing: a card renewed or
replaced keeps its certificate in the account's card history (``staff_card_certs``: registered
at, replaced at), so what it signed before still verifies and nothing it signs afterwards does
(:func:`certs_at`).
"""

import hashlib
import json

RELEASE_DOMAIN = b"MADOGUCHI-RELEASE-V1\x00"
EVENT_DOMAIN = b"MADOGUCHI-RELEASE-EVENT-V1\x00"

#: the fields of a release (or refusal) its signature covers
RELEASE_FIELDS = ("id", "case_id", "handling_staff_id", "officer_id", "terminal_id", "decision",
                  "persons", "protected", "documents", "scope_digest", "reason", "checklist",
                  "auth_method", "issued_at", "expires_at")
#: the fields of a re-lock / re-lock confirmation its signature covers (plus the release digest)
EVENT_FIELDS = ("id", "release_id", "kind", "at", "staff_id", "terminal_id", "note",
                "auth_method")
#: release events that are signed by the person who gives them
SIGNED_EVENTS = ("relocked", "relock_confirmed")
LEDGER_DOMAIN = b"MADOGUCHI-LEDGER-EVENT-V1\x00"
#: the fields of a support-measure ledger event its signature covers (plus the confirmed event's
#: digest for a confirmation)
LEDGER_FIELDS = ("id", "measure_id", "kind", "stage", "system", "ref_id", "office_day", "at",
                 "staff_id", "terminal_id", "payload", "auth_method")
#: ledger events that confirm another event (bound by its digest)
LEDGER_CONFIRMS = ("confirmed", "end_confirmed")


def _canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _field(row, key):
    value = row.get(key)
    if key in ("persons", "protected", "documents", "checklist", "payload") and isinstance(value, str):
        value = json.loads(value)          # stored as JSON text; bound as the value it holds
    return value


def release_digest(row):
    """SHA-256 hex of what a release binds (``row``: the release as a dict, JSON columns as text
    or values)."""
    bound = {k: _field(row, k) for k in RELEASE_FIELDS}
    return hashlib.sha256(_canonical(bound).encode("utf-8")).hexdigest()


def event_digest(row, release_digest_hex):
    bound = {k: row.get(k) for k in EVENT_FIELDS}
    bound["release_digest"] = release_digest_hex
    return hashlib.sha256(_canonical(bound).encode("utf-8")).hexdigest()


def release_message(row):
    return RELEASE_DOMAIN + release_digest(row).encode("ascii")


def event_message(row, release_digest_hex):
    return EVENT_DOMAIN + event_digest(row, release_digest_hex).encode("ascii")


def certs_at(history, at):
    """The certificates (DER) of a person's card history valid for something signed at ``at``
    (ISO text, as the row states it): registered at or before it (no time: registered before the
    history was kept) and not replaced before it. ``history``: ``(der, registered_at,
    replaced_at)`` rows."""
    return tuple(bytes(der) for der, registered, replaced in history
                 if (not registered or (at is not None and registered <= at))
                 and (not replaced or (at is not None and at < replaced)))


def ledger_digest(row, ref_digest_hex=None):
    """SHA-256 hex of what a ledger event binds (``ref_digest_hex``: for a confirmation, the
    :func:`ledger_digest` of the event it confirms)."""
    bound = {k: _field(row, k) for k in LEDGER_FIELDS}
    bound["ref_digest"] = ref_digest_hex
    return hashlib.sha256(_canonical(bound).encode("utf-8")).hexdigest()


def ledger_message(row, ref_digest_hex=None):
    return LEDGER_DOMAIN + ledger_digest(row, ref_digest_hex).encode("ascii")


def rows_digest(doc):
    """SHA-256 hex of the measure rows a ledger event sends to the server (``doc``: a dict with
    ``measures`` and ``members``, as queued; missing keys are empty lists)."""
    rows = {"measures": doc.get("measures") or [], "members": doc.get("members") or []}
    return hashlib.sha256(_canonical(rows).encode("utf-8")).hexdigest()


def check_signature(method, message, signature_hex, sign_pub, card_cert):
    """None when ``signature_hex`` is a valid signature of ``message`` by the person whose
    registered keys are ``sign_pub`` (hex Ed25519 public keys, space-separated) and
    ``card_cert`` (DER bytes, or a tuple of them: the certificates valid at the time of signing,
    :func:`certs_at`); else why not, in English (the caller words it for people)."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not signature_hex:
        return "it is not signed"
    try:
        signature = bytes.fromhex(signature_hex)
    except (TypeError, ValueError):
        return "its signature is unreadable"
    if method == "password":
        keys = (sign_pub or "").split()
        if not keys:
            return "the signer has no signing key registered"
        for key_hex in keys:
            try:
                Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex)).verify(signature, message)
                return None
            except (InvalidSignature, ValueError):
                continue
        return "its signature does not verify with the signer's registered key"
    if method == "card":
        certs = (card_cert if isinstance(card_cert, (list, tuple))
                 else [card_cert] if card_cert else [])
        if not certs:
            return "the signer has no card registered for the time it was signed"
        for der in certs:
            try:
                key = x509.load_der_x509_certificate(bytes(der)).public_key()
                if isinstance(key, rsa.RSAPublicKey):
                    key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
                elif isinstance(key, ec.EllipticCurvePublicKey):
                    key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
                else:
                    continue
                return None
            except (InvalidSignature, ValueError, TypeError):
                continue
        return ("its signature does not verify with the card registered to the signer at the "
                "time it was signed")
    return "its sign-in method is unknown"
