"""Personal data at rest: phone numbers encrypted (AES-256-GCM) and found by a keyed hash.

The key comes from configuration (PII_KEY: 32 bytes, base64). Without it a key is derived
from SECRET_KEY (HKDF), so a development instance works out of the box; production sets
PII_KEY and keeps it apart from the database backups. Stored values look like
`v1:<base64url(nonce | ciphertext | tag)>`; a value without the prefix is read as it is (rows
written before migration 0020 converted them). Lookups by number use `phone_digest()`, an
HMAC-SHA256 under a second derived key, kept in the row's `phone_hash` column.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import String, event
from sqlalchemy.types import TypeDecorator

PREFIX = "v1:"


def _keys(config: Any) -> tuple[Any, bytes]:
    """Return (the AES-GCM cipher, the HMAC key) for this configuration (cached)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    configured = str(config.get("PII_KEY") or "")
    secret = configured or str(config.get("SECRET_KEY") or "")
    cache = _CACHE.get(secret)
    if cache is not None:
        return cache
    if configured:
        master = base64.b64decode(configured)
        if len(master) != 32:
            raise ValueError("PII_KEY must be 32 bytes, base64-encoded")
    else:
        master = HKDF(hashes.SHA256(), 32, b"shangliang-pii", b"master").derive(
            secret.encode())
    enc = HKDF(hashes.SHA256(), 32, b"shangliang-pii", b"aes-gcm").derive(master)
    mac = HKDF(hashes.SHA256(), 32, b"shangliang-pii", b"hmac").derive(master)
    _CACHE[secret] = (AESGCM(enc), mac)
    return _CACHE[secret]


_CACHE: dict[str, tuple[Any, bytes]] = {}


def _config() -> Any:
    if not has_app_context():
        raise RuntimeError("personal data needs the application's key (an app context)")
    return current_app.config


def encrypt(value: str) -> str:
    """Encrypt a value for storage."""
    cipher, _mac = _keys(_config())
    nonce = os.urandom(12)
    sealed = cipher.encrypt(nonce, value.encode("utf-8"), b"phone")
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def decrypt(stored: str) -> str:
    """Return the plain value of a stored one (unprefixed legacy values as they are)."""
    if not stored.startswith(PREFIX):
        return stored
    cipher, _mac = _keys(_config())
    raw = base64.urlsafe_b64decode(stored[len(PREFIX):].encode("ascii"))
    return cipher.decrypt(raw[:12], raw[12:], b"phone").decode("utf-8")


def normalise_phone(phone: str) -> str:
    """Reduce a number to its digits (full-width too), dropping a leading +86/0086."""
    digits = re.sub(r"\D", "", phone.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix):]
    return digits


def phone_digest(phone: str | None) -> str | None:
    """Return the keyed hash a number is found by (same number, same digest)."""
    if not phone:
        return None
    _cipher, mac = _keys(_config())
    return hmac.new(mac, normalise_phone(phone).encode(), hashlib.sha256).hexdigest()


class EncryptedString(TypeDecorator[str]):
    """A string column stored encrypted; reads and writes plain text in Python."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None or value.startswith(PREFIX):
            return value
        return encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else decrypt(value)


def install_phone_hashes(models: Any) -> None:
    """Keep `phone_hash` in step with `phone` on every mapped class that has both.

    An attribute event (not a flush hook): it costs one HMAC per assignment, where a
    before_flush scan of the session's dirty objects grows with the session (the demo seeder).
    """
    for mapper in models.registry.mappers:
        cls = mapper.class_
        if "phone_hash" in mapper.columns and "phone" in mapper.columns \
                and not event.contains(cls.phone, "set", _hash_phone):
            event.listen(cls.phone, "set", _hash_phone)


def _hash_phone(target: Any, value: str | None, _old: Any, _initiator: Any) -> None:
    target.phone_hash = phone_digest(value)


def encrypt_plain_rows(bind: Any, table: str) -> int:
    """Encrypt and hash the plain phone numbers a table still holds (migration 0020)."""
    from sqlalchemy import text

    rows = bind.execute(text(f"SELECT id, phone FROM {table} WHERE phone IS NOT NULL"  # noqa: S608
                             f" AND phone NOT LIKE '{PREFIX}%'")).all()
    for row_id, phone in rows:
        bind.execute(text(f"UPDATE {table} SET phone = :p, phone_hash = :h WHERE id = :i"),  # noqa: S608
                     {"p": encrypt(phone), "h": phone_digest(phone), "i": row_id})
    return len(rows)
