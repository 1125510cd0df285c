"""Security headers on pages, the API and the vote fast path; Secure cookies behind https."""

from __future__ import annotations

from server.common.headers import content_security_policy, inline_script_hashes
from server.config import ROOT, finalize, load_config
from tests.factories import bearer, make_resident, make_user

EXPECTED = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin"}


def check(response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, dict(response.headers))
    policy = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]


def test_pages_api_errors_and_the_vote_fast_path_carry_the_headers(client, db):
    _resident, token = make_resident()
    for response in (client.get("/console/"), client.get("/api/v1/intake/categories"),
                     client.get("/api/v1/nothing"), client.get("/static/common/base.css"),
                     client.post("/api/v1/polls/1/votes", json={"choices": [1]},
                                 headers=bearer(token))):
        check(response)
        response.close()


def test_the_resident_pages_inline_script_is_allowed_by_its_hash_only():
    hashes = inline_script_hashes(ROOT / "static")
    assert hashes and all(h.startswith("'sha256-") for h in hashes)
    assert all(h in content_security_policy(hashes) for h in hashes)


def test_session_cookie_is_secure_when_the_public_address_is_https(app, client, db):
    assert app.config["SESSION_COOKIE_SECURE"] is True  # the suite's address is https
    user = make_user("admin")
    response = client.post("/api/v1/auth/login",
                           json={"username": user.username, "password": "correct-horse-battery"})
    cookie = response.headers.get("Set-Cookie", "")
    assert "sl_session=" in cookie and "Secure" in cookie, cookie


def test_plain_http_keeps_cookies_usable(tmp_path):
    plain = finalize(load_config({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                                  "PUBLIC_BASE_URL": "http://127.0.0.1:8000"}))
    assert plain["SESSION_COOKIE_SECURE"] is False
    forced = finalize(load_config({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                                   "PUBLIC_BASE_URL": "https://sl.example.cn",
                                   "SESSION_COOKIE_SECURE": False}))
    assert forced["SESSION_COOKIE_SECURE"] is False  # an explicit setting wins
