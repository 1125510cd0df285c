"""Record audited requests centrally: one hook for every state-changing API call and export.

What is audited: every POST/PUT/PATCH/DELETE under /api/ (whatever the blueprint, so new
endpoints are covered without their authors doing anything), and GET endpoints that declare
themselves with `@audited(...)` (exports, downloads, audit searches) or call `mark_audited()`.
A view (or the service behind it) calls `flag_personal_data()` when what it hands out holds
personal data (e.g. unmasked phones).

The record is built after the response exists (so the status is known) and stored outside the
request's session, so the request's own rollback cannot take it away.

One exception, for the hottest path: a vote the Lua script accepts already travels to the
database as an entry in the poll's ballot stream. The view packs the request's address and
client into that entry and calls `recorded_by_ballot_stream()`; the hook then skips the
(successful) request and the ballot persister writes the same row with the ballot, in one
transaction (`ballot_record`). Replays, refusals and errors are recorded here as usual.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request, session

from server.common.models import utcnow
from server.common.text import clean_text, mask_phones_in_text

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
# Actions whose actor is named by the credentials in the body, not by the caller's session.
CREDENTIAL_ACTIONS = frozenset({"login", "token"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The JSON API, and Open311 GeoReport v2 (integrators create service requests there).
API_PREFIXES = ("/api/", "/open311/")
SUMMARY_MAX_CHARS = 1024
STRING_MAX_CHARS = 80
LIST_MAX_ITEMS = 10
DEPTH_MAX = 3
BODY_MAX_BYTES = 256 * 1024
USER_AGENT_MAX = 200
REDACTED = "[已隐去]"
# Keys whose values never reach the log: credentials, contact details, pictures, files.
SECRET_KEY = re.compile(
    r"pass|pwd|token|secret|auth|cookie|csrf|session|sig|key|otp|captcha|presence|"
    r"phone|mobile|tel|contact|wechat|wx|openid|unionid|id_?card|email|address|"
    r"photo|image|picture|avatar|file|blob|base64|first_name|last_name|full_name|real_?name",
    re.IGNORECASE,
)
RULE_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
VOTE_PATH_TEMPLATE = "/api/v1/polls/{poll_id}/votes"


@dataclass(frozen=True)
class AuditSpec:
    """How an endpoint is audited: its action name and whether it hands out personal data."""

    action: str
    personal_data: bool = False
    keep: tuple[str, ...] | None = None  # only these body keys reach the summary


def audited(action: str = "export", *, personal_data: bool = False,
            keep: tuple[str, ...] | None = None) -> Callable[[F], F]:
    """Declare how a view is audited; on GET views this turns auditing on (exports etc.)."""

    def decorator(view: F) -> F:
        view._audit_spec = AuditSpec(action, personal_data, keep)  # type: ignore[attr-defined]
        return view

    return decorator


def mark_audited(action: str = "download", *, personal_data: bool = False) -> None:
    """Audit the current request even if it is a GET (for helpers shared by download views)."""
    if _in_request():
        g.audit_spec = AuditSpec(action, personal_data)


def flag_personal_data(reason: str = "") -> None:
    """Mark the current request's audit row as handing out personal data."""
    if _in_request():
        g.audit_personal = reason or "personal_data"


def personal_data_shown(reason: str = "phone") -> None:
    """Record that this request showed personal data (say, an unmasked phone number).

    A read gets its own audit row (action `view`, flagged); a write's row is flagged.
    """
    if not _in_request():
        return
    if request.method in WRITE_METHODS:
        flag_personal_data(reason)
    else:
        mark_audited("view", personal_data=True)


def recorded_by_ballot_stream() -> None:
    """Leave this request's audit row to the ballot persister (an accepted ballot carries it).

    Only a successful answer is skipped: should the request still end in an error, the hook
    records it as usual.
    """
    g.audit_by_ballot = True


def ballot_record(poll_id: int, resident_id: int, cast_ms: int, choices: list[int],
                  key_in_body: bool, agent: str, ip: str,
                  request_id: str | None = None) -> dict[str, Any]:
    """Rebuild the audit record of an accepted vote from its ballot stream entry.

    The same fields the hook writes for `POST /api/v1/polls/<id>/votes` answered 200 (the
    request's duration is not known when the ballot is queued, so it stays empty).
    """
    return {
        "at": datetime.fromtimestamp(cast_ms / 1000, UTC),
        "actor_kind": "resident", "user_id": None, "username": None,
        "resident_id": resident_id, "action": "write", "method": "POST",
        "endpoint": "meetings.vote", "path_template": VOTE_PATH_TEMPLATE,
        "path": VOTE_PATH_TEMPLATE.replace("{poll_id}", str(poll_id)),
        "resource": {"poll_id": poll_id}, "status": 200, "outcome": "ok",
        "personal_data": False, "ip": ip or None, "user_agent": agent or None,
        "summary": _vote_summary(tuple(choices), key_in_body), "duration_ms": None,
        "request_id": request_id,
    }


@lru_cache(maxsize=4096)
def _vote_summary(choices: tuple[int, ...], key_in_body: bool) -> dict[str, Any] | None:
    # A poll has a handful of options, so a drain meets the same few summaries over and over.
    # (Shared between rows: only ever serialised, never changed.)
    body: dict[str, Any] = {"choices": list(choices)}
    if key_in_body:
        body["idempotency_key"] = ""  # redacted whatever it was
    return summarize(body)


def _in_request() -> bool:
    from flask import has_request_context

    return has_request_context()


# ---- the hook --------------------------------------------------------------------------


def init_capture(state: Any) -> None:
    """Install the hook on the app (called from the audit blueprint's registration)."""
    app: Flask = state.app
    # First in line, so a CSRF or rate-limit refusal raised by an earlier hook is still timed
    # and leaves no state from an earlier request behind.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request(_finish)


_G_NAMES = ("audit_spec", "audit_personal", "audit_t0", "audit_uid_before", "audit_by_ballot")


def _begin() -> None:
    # `g` lives on the app context, which a test (or a CLI) may keep across requests.
    # (Straight on its __dict__: this runs before every request, and each `g.` goes through
    # a context-local proxy.)
    state = g._get_current_object().__dict__  # type: ignore[attr-defined]
    for name in _G_NAMES:
        state.pop(name, None)
    if not request.path.startswith(API_PREFIXES):
        return
    state["audit_t0"] = time.perf_counter()
    if request.method in WRITE_METHODS:
        # Logout clears the session in the view: remember who it was. (Reads skip this so
        # public GET answers do not get `Vary: Cookie`.)
        state["audit_uid_before"] = session.get("uid")


def _finish(response: Response) -> Response:
    if not request.path.startswith(API_PREFIXES) or request.method in ("OPTIONS", "HEAD"):
        return response
    if response.status_code < 300 and g.get("audit_by_ballot"):
        return response  # the ballot persister writes this row (recorded_by_ballot_stream)
    spec = _spec()
    if request.method not in WRITE_METHODS and spec is None:
        return response
    try:
        record = build_record(response, spec)
        _persist(record)
    except Exception:  # noqa: BLE001 - an audit failure must not turn a done request into 500
        log.exception("audit record lost for %s %s", request.method, request.path)
    return response


def _spec() -> AuditSpec | None:
    spec = g.get("audit_spec")
    if spec is not None:
        return spec
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "_audit_spec", None)


def build_record(response: Response, spec: AuditSpec | None = None) -> dict[str, Any]:
    """Describe the current request and its response as an audit record (a plain dict)."""
    if spec is not None and spec.action in CREDENTIAL_ACTIONS:
        user_id, username, resident_id = _credential_actor(response)
    else:
        user_id, username, resident_id = _actor()
    actor_kind = "staff" if user_id else "resident" if resident_id else "anonymous"
    body = _body()
    if spec and spec.keep is not None:
        body = {k: v for k, v in body.items() if k in spec.keep} if isinstance(body, dict) \
            else None
    if username is None and spec is not None and spec.action in CREDENTIAL_ACTIONS \
            and isinstance(body, dict) and isinstance(body.get("username"), str):
        # A failed sign-in: keep the name that was tried (never the password).
        username = clean_text(body["username"][:64])
    status = response.status_code
    started = g.get("audit_t0")
    rule = request.url_rule
    personal = bool(g.get("audit_personal")) or bool(spec and spec.personal_data)
    return {
        "at": utcnow().isoformat(),
        "actor_kind": actor_kind,
        "user_id": user_id,
        "username": username,
        "resident_id": resident_id,
        "action": spec.action if spec else "write",
        "method": request.method,
        "endpoint": request.endpoint,
        "path_template": openapi_path(rule.rule) if rule is not None else None,
        "path": request.path[:500],
        "resource": _resource(response),
        "status": status,
        "outcome": outcome_for(status),
        "personal_data": personal,
        "ip": client_ip(),
        "user_agent": (request.user_agent.string or "")[:USER_AGENT_MAX] or None,
        "summary": summarize(body),
        "duration_ms": int((time.perf_counter() - started) * 1000) if started else None,
        "request_id": request.environ.get("sl.request_id"),
    }


@lru_cache(maxsize=1024)
def openapi_path(rule: str) -> str:
    """Turn a Flask rule (`/polls/<int:poll_id>`) into an OpenAPI path (`/polls/{poll_id}`)."""
    return RULE_PARAM.sub(r"{\1}", rule)


def outcome_for(status: int) -> str:
    """Classify a status code: ok, denied (401/403/429) or error."""
    if status < 400:
        return "ok"
    if status in (401, 403, 429):
        return "denied"
    return "error"


def client_ip() -> str | None:
    """Return the caller's address, believing X-Forwarded-For only behind trusted proxies."""
    return client_ip_of(request.remote_addr, request.headers.get("X-Forwarded-For", ""),
                        int(current_app.config.get("AUDIT_TRUSTED_PROXIES") or 0))


def client_ip_of(remote_addr: str | None, forwarded_for: str, trusted: int) -> str | None:
    """Return the caller's address from the socket's peer and X-Forwarded-For.

    The header is believed only behind `trusted` proxies: each appends the address it saw,
    and anything left of those is whatever the client chose to send.
    """
    if trusted > 0:
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        if hops:
            return hops[-trusted][:45] if len(hops) >= trusted else hops[0][:45]
    return (remote_addr or "")[:45] or None


def _actor() -> tuple[int | None, str | None, int | None]:
    """Return (user id, username, resident id) without raising and without reading the
    database for resident tokens (the vote path must stay off the database)."""
    from server.people.access import bearer_token
    from server.people.services import (
        RESIDENT_TOKEN_PREFIX,
        STAFF_TOKEN_PREFIX,
        resident_id_for_token,
        user_for_api_token,
    )

    identity = g.get("identity")
    if identity is not None and identity.user is not None:
        return identity.user.id, identity.user.username, None
    if identity is not None and identity.resident is not None:
        return None, None, identity.resident.id
    token = bearer_token()
    if token is not None:
        if token.startswith(RESIDENT_TOKEN_PREFIX):
            return None, None, resident_id_for_token(token)
        if token.startswith(STAFF_TOKEN_PREFIX):
            user = user_for_api_token(token)
            if user is not None:
                return user.id, user.username, None
        return None, None, None
    api_key = _api_key()
    if api_key.startswith(STAFF_TOKEN_PREFIX):
        # Open311 clients sign with a staff API token in the body, not in a header.
        user = user_for_api_token(api_key)
        if user is not None:
            return user.id, user.username, None
    uid = session.get("uid") or g.get("audit_uid_before")
    if uid:
        from server.extensions import db
        from server.people.models import User

        user = db.session.get(User, uid)
        if user is not None:
            return user.id, user.username, None
    return None, None, None


def _api_key() -> str:
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return str(request.form.get("api_key") or "")
    body = request.get_json(silent=True) if request.is_json else None
    return str(body.get("api_key") or "") if isinstance(body, dict) else ""


def _credential_actor(response: Response) -> tuple[int | None, str | None, int | None]:
    """Sign-ins are credited to whoever the credentials named, not to an earlier session:
    on success the user (or resident) signed in, on failure nobody (the username tried is
    kept by the caller)."""
    if response.status_code >= 400:
        return None, None, None
    data = response.get_json(silent=True) if response.is_json else None
    if isinstance(data, dict) and isinstance(data.get("resident_id"), int):
        return None, None, data["resident_id"]
    if isinstance(data, dict) and isinstance(data.get("user"), dict):
        user = data["user"]
        return user.get("id"), user.get("username"), None
    body = request.get_json(silent=True) if request.is_json else None
    if isinstance(body, dict) and isinstance(body.get("username"), str):
        from sqlalchemy import select

        from server.extensions import db
        from server.people.models import User

        found = db.session.execute(select(User.id, User.username)
                                   .where(User.username == body["username"])).first()
        if found is not None:
            return found.id, found.username, None
    return None, None, None


def _resource(response: Response) -> dict[str, Any] | None:
    resource: dict[str, Any] = {k: v for k, v in (request.view_args or {}).items()
                                if isinstance(v, int | str)}
    if response.status_code == 201 and response.is_json and not response.direct_passthrough:
        data = response.get_json(silent=True)
        if isinstance(data, dict) and isinstance(data.get("id"), int):
            resource["created_id"] = data["id"]
    return resource or None


def _body() -> Any:
    if request.content_length and request.content_length > BODY_MAX_BYTES:
        return {"_bytes": request.content_length}
    if request.is_json:
        return request.get_json(silent=True)
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        body: dict[str, Any] = {k: v for k, v in request.form.items()}
        if request.files:
            body["_uploads"] = len(request.files)  # counted, never kept
        return body
    if request.content_length:
        return {"_bytes": request.content_length}
    return None


def summarize(body: Any) -> dict[str, Any] | None:
    """Return a small, redacted copy of a request body (no secrets, phones or pictures)."""
    if body is None:
        return None
    cleaned = _redact(body, 0)
    if not isinstance(cleaned, dict):
        cleaned = {"_body": cleaned}
    text = json.dumps(cleaned, ensure_ascii=False, default=str)
    if len(text) <= SUMMARY_MAX_CHARS:
        return cleaned
    return {"_truncated": True, "keys": sorted(str(k) for k in cleaned)[:30]}


def _redact(value: Any, depth: int) -> Any:
    if isinstance(value, dict):
        if depth >= DEPTH_MAX:
            return "{…}"
        return {clean_text(str(k)[:40]):
                (REDACTED if SECRET_KEY.search(str(k)) else _redact(v, depth + 1))
                for k, v in list(value.items())[:30]}
    if isinstance(value, list):
        if depth >= DEPTH_MAX:
            return f"[{len(value)} 项]"
        items = [_redact(v, depth + 1) for v in value[:LIST_MAX_ITEMS]]
        if len(value) > LIST_MAX_ITEMS:
            items.append(f"…共 {len(value)} 项")
        return items
    if isinstance(value, str):
        text = mask_phones_in_text(clean_text(value)) or ""
        return text if len(text) <= STRING_MAX_CHARS else text[:STRING_MAX_CHARS] + "…"
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)[:STRING_MAX_CHARS]


def _persist(record: dict[str, Any]) -> None:
    from server.audit.services import store

    via_stream = record["actor_kind"] != "staff" or _session_holds_sqlite_write_lock()
    store(record, via_stream=via_stream)


def _session_holds_sqlite_write_lock() -> bool:
    """Tell whether the request's session has uncommitted writes on SQLite.

    A second connection would wait for that lock (busy_timeout) and fail; such records take
    the stream instead, and the session is left alone (it is not ours to roll back).
    """
    from server.extensions import db

    if db.engine.dialect.name != "sqlite":
        return False
    current = db.session()  # the request's Session behind the scoped proxy
    if not current.in_transaction():
        return False
    try:
        raw = current.connection().connection.dbapi_connection
    except Exception:  # noqa: BLE001 - a failed flush already rolled the database back
        return False
    return bool(getattr(raw, "in_transaction", False))
