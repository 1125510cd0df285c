"""The live vote's fast path: a new ballot answered before Flask's request cycle.

In a live poll every resident in the hall votes within seconds, and per vote Flask's own
work (request context, URL matching in a ~130-route app, the identity, CSRF and audit hooks,
the response object) cost more than the vote itself (one Redis script). This WSGI
middleware answers the one common case, a well-formed new ballot that the script accepts,
with the same service call, the same answer bytes and the same audit row (written by the
persister from the ballot's stream entry, see meetings.persister). Everything else (other
paths, a missing or forged token, a body the short cut does not take, a retry, a refusal,
Redis unreachable) goes on to Flask untouched, body included, and gets the full rules,
messages and audit (while Redis is away that is a 503 `vote_pending`, see
services.cast_vote); the vote script writes nothing unless it accepts, so a ballot is never
counted twice. `VOTE_FAST_PATH = False` turns it off (tests compare both paths).
"""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from server.audit.capture import USER_AGENT_MAX, client_ip_of
from server.common.inputs import parse_json
from server.people.access import RESIDENT_BEARER

VOTE_PATH = re.compile(r"/api/v1/polls/([1-9][0-9]{0,17})/votes")
VOTE_FIELDS = frozenset(("choices", "idempotency_key"))
MAX_BODY = 4096  # a ballot is a few dozen bytes; anything bigger takes the full path

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def vote_shortcut(data: Any) -> tuple[list[int], str | None, bool] | None:
    """Return (choices, idempotency key, key in body) for a body VoteSchema takes unchanged.

    None for anything else: the schema then parses it, with its answers and messages.
    """
    if type(data) is dict and data.keys() <= VOTE_FIELDS:
        choices = data.get("choices")
        key = data.get("idempotency_key")
        if (type(choices) is list and choices and all(type(c) is int for c in choices)
                and (key is None or (type(key) is str and len(key) <= 80))):
            return choices, key, "idempotency_key" in data
    return None


def ballot_audit(choices: list[int], key_in_body: bool, user_agent: str,
                 ip: str | None, request_id: str | None = None) -> str:
    """Pack what the vote's audit row needs beyond the ballot, for the ballot stream entry.

    An accepted ballot already travels to the database through the poll's stream; carrying
    the request's address and client there lets the persister write the audit row with the
    ballot, instead of the audit hook building and queueing one more record per vote.
    The request id rides after the address, apart by a space (an address has none).
    """
    canonical = sorted(choices)
    order = "" if choices == canonical else ",".join(map(str, choices))
    return f"{order}|{'1' if key_in_body else '0'}|{user_agent[:USER_AGENT_MAX]}\n{ip or ''}" \
        + (f" {request_id}\n" if request_id else "\n")


def answer_text(ballot_uid: str, poll_id: int, replay: bool, cast_at_ms: int,
                choices: list[int]) -> bytes:
    """Return the vote's JSON answer (the same bytes as VoteAnswerSchema through jsonify)."""
    text = json.dumps({"ballot_id": ballot_uid, "poll_id": poll_id, "replay": replay,
                       "cast_at_ms": cast_at_ms, "choices": choices, "message": "已投票"},
                      ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode()


class VoteFastPath:
    """WSGI middleware in front of the Flask app for `POST /api/v1/polls/{id}/votes`."""

    def __init__(self, app: Flask, wsgi_app: WsgiApp) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST":
            match = VOTE_PATH.fullmatch(environ.get("PATH_INFO", ""))
            if match is not None and self.app.config["VOTE_FAST_PATH"]:
                body = self._accept(environ, int(match.group(1)))
                if body is not None:
                    start_response("200 OK", [("Content-Type", "application/json"),
                                              ("Content-Length", str(len(body)))])
                    return [body]
        return self.wsgi_app(environ, start_response)

    def _accept(self, environ: dict[str, Any], poll_id: int) -> bytes | None:
        """Cast the ballot and return the answer, or None (the body is left for Flask)."""
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        if authorization[:len(RESIDENT_BEARER)].lower() != RESIDENT_BEARER:
            return None
        mimetype = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        if mimetype != "application/json":
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if not 0 < length <= MAX_BODY:
            return None
        raw = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(raw)  # Flask reads the same body if we pass
        try:
            parsed = vote_shortcut(parse_json(raw))
        except Exception:  # noqa: BLE001 - not JSON, too deep...: Flask's input guard answers
            return None
        if parsed is None:
            return None
        choices, key, key_in_body = parsed
        if not key:  # as the view: an empty key in the body counts as none
            key = environ.get("HTTP_IDEMPOTENCY_KEY") or uuid.uuid4().hex
            # Should Flask take over, it must use the same ballot identity.
            environ["HTTP_IDEMPOTENCY_KEY"] = key
        return self._cast(environ, poll_id, authorization[7:].strip(), choices, key,
                          key_in_body)

    def _cast(self, environ: dict[str, Any], poll_id: int, token: str, choices: list[int],
              key: str, key_in_body: bool) -> bytes | None:
        try:
            with self.app.app_context():
                answer = _cast_new_ballot(self.app, environ, poll_id, token, choices, key,
                                          key_in_body)
        except Exception:  # noqa: BLE001 - Flask's path answers it in the one error shape
            log.exception("vote fast path failed; the full path takes the request")
            return None
        if answer is None:
            return None
        return answer_text(answer.ballot_uid, poll_id, False, answer.cast_at_ms,
                           answer.choices)


def _cast_new_ballot(app: Flask, environ: dict[str, Any], poll_id: int, token: str,
                     choices: list[int], key: str, key_in_body: bool) -> Any:
    """Return the VoteAnswer of a new ballot, or None (inside an app context)."""
    from server.meetings.persister import ensure_background_drain
    from server.meetings.services import try_vote_in_redis
    from server.people.services import resident_id_for_token

    resident_id = resident_id_for_token(token)
    if resident_id is None:
        return None
    ip = client_ip_of(environ.get("REMOTE_ADDR"), environ.get("HTTP_X_FORWARDED_FOR", ""),
                      int(app.config.get("AUDIT_TRUSTED_PROXIES") or 0))
    audit = ballot_audit(choices, key_in_body, environ.get("HTTP_USER_AGENT", ""), ip,
                         environ.get("sl.request_id"))
    answer = try_vote_in_redis(poll_id, resident_id, choices, key, audit=audit)
    if answer is not None:
        ensure_background_drain(app)
    return answer


def install(app: Flask) -> None:
    """Put the fast path in front of the app's WSGI callable."""
    app.wsgi_app = VoteFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
