"""Whom a rate limit counts: the caller's identity, or their real address behind the proxy.

Limits never key on raw header text: `bearer`, `BEARER` or an extra space name the same
caller, and a token that does not verify counts against the address it came from. The
address honours the one trusted-proxy setting (AUDIT_TRUSTED_PROXIES, env TRUSTED_PROXIES),
the same rule the audit log uses (audit.capture.client_ip).
"""

from __future__ import annotations

from flask import request, session


def client_address() -> str:
    """Return the caller's address (X-Forwarded-For believed only behind trusted proxies)."""
    from server.audit.capture import client_ip

    return client_ip() or "unknown"


def caller_key() -> str:
    """Return a stable key for the caller: resident, staff user, or else their address."""
    from server.people.services import (
        RESIDENT_TOKEN_PREFIX,
        STAFF_TOKEN_PREFIX,
        resident_id_for_token,
        user_for_api_token,
    )

    scheme, _space, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        if token.startswith(RESIDENT_TOKEN_PREFIX):
            resident_id = resident_id_for_token(token)
            if resident_id is not None:
                return f"r:{resident_id}"
        elif token.startswith(STAFF_TOKEN_PREFIX):
            user = user_for_api_token(token)
            if user is not None:
                return f"u:{user.id}"
        return f"ip:{client_address()}"
    uid = session.get("uid")
    if uid is not None:
        return f"u:{uid}"
    return f"ip:{client_address()}"
