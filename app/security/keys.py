"""Personal signing keys of password users: an Ed25519 key per person, kept encrypted.

The private key is stored (``staff.sign_key``) wrapped with AES-256-GCM under a key derived from
the person's password with Argon2id (argon2-cffi ``hash_secret_raw``, own random salt, parameters
kept with the wrapped key); the account id is the associated data, so a wrapped key copied onto
another account does not open. The public key (``staff.sign_pub``, hex) is part of the staff
record the server holds and sends to every terminal. It is made when the account gets its first
password, re-wrapped (same key) when the person changes their password, and replaced by a new key
when an administrator resets the password (the old public key stays listed, newest last, so what
the person signed before still verifies).

Someone holding the store file but not the password cannot sign: the file holds only the
encrypted key. (They can replace the public key in their own copy of the staff table — the
central server keeps the authoritative one and refuses such a signature at the next push.)
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

#: Argon2id cost of unwrapping (about 50–100 ms): paid once per sign-in
KDF = {"t": 2, "m": 65536, "p": 1}
_AAD = b"madoguchi-sign-key-v1|"


class KeyError_(ValueError):
    """The signing key cannot be opened (wrong password or damaged)."""


@dataclass(frozen=True)
class NewKey:
    public_hex: str
    wrapped: str
    private: Ed25519PrivateKey


def _kek(password: str, salt: bytes, t: int, m: int, p: int) -> bytes:
    return hash_secret_raw(password.encode("utf-8"), salt, time_cost=t, memory_cost=m,
                           parallelism=p, hash_len=32, type=Type.ID)


def public_hex(private: Ed25519PrivateKey) -> str:
    return private.public_key().public_bytes(serialization.Encoding.Raw,
                                             serialization.PublicFormat.Raw).hex()


def wrap(private: Ed25519PrivateKey, password: str, staff_id: str) -> str:
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    ct = AESGCM(_kek(password, salt, **KDF)).encrypt(nonce, raw, _AAD + staff_id.encode())
    return json.dumps({"v": 1, "kdf": "argon2id", **KDF, "salt": salt.hex(), "nonce": nonce.hex(),
                       "ct": ct.hex()}, sort_keys=True)


def unwrap(wrapped: str, password: str, staff_id: str) -> Ed25519PrivateKey:
    try:
        box = json.loads(wrapped)
        kek = _kek(password, bytes.fromhex(box["salt"]), box["t"], box["m"], box["p"])
        raw = AESGCM(kek).decrypt(bytes.fromhex(box["nonce"]), bytes.fromhex(box["ct"]),
                                  _AAD + staff_id.encode())
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (InvalidTag, ValueError, KeyError, TypeError) as exc:
        raise KeyError_("the signing key does not open with this password") from exc


def new_key(password: str, staff_id: str) -> NewKey:
    private = Ed25519PrivateKey.generate()
    return NewKey(public_hex(private), wrap(private, password, staff_id), private)


def add_public(existing: str | None, new_hex: str) -> str:
    """The list of a person's public keys with ``new_hex`` last (the current one)."""
    keys = [k for k in (existing or "").split() if k != new_hex]
    return " ".join((*keys, new_hex))


def current_public(sign_pub: str | None) -> str | None:
    keys = (sign_pub or "").split()
    return keys[-1] if keys else None


def sign_as(who, message: bytes, card_sign=None) -> str | None:
    """The signature (hex) of ``message`` by the person of ``who`` (an ``Authenticated``): their
    card through ``card_sign(message)`` for a card sign-in, else the key their password sign-in
    opened; None when neither is at hand (the caller asks them to sign in again)."""
    if who.method == "card":
        return bytes(card_sign(message)).hex() if card_sign is not None else None
    return who.signing_key.sign(message).hex() if who.signing_key is not None else None
