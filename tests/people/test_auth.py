"""Staff sign-in, lockout, tokens, CSRF; resident WeChat and guest sign-in."""

from __future__ import annotations

import time

from server.extensions import db
from tests.factories import PASSWORD, bearer, login, make_district, make_resident, make_user


def test_login_with_right_password_opens_a_session(client):
    user = make_user("admin")
    response = client.post("/api/v1/auth/login",
                           json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["roles"] == ["admin"] and body["csrf_token"]
    assert client.get("/api/v1/auth/me").get_json()["user"]["username"] == user.username


def test_wrong_password_and_unknown_user_get_the_same_401(client):
    user = make_user("admin")
    wrong = client.post("/api/v1/auth/login",
                        json={"username": user.username, "password": "nope-nope"})
    unknown = client.post("/api/v1/auth/login",
                          json={"username": "nobody", "password": "nope-nope"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.get_json() == {"code": "invalid_credentials", "status": 401,
                                       "message": "用户名或密码错误", "errors": {}}
    assert client.get("/api/v1/auth/me").status_code == 401


def _login(client, username, password, ip="10.0.0.1"):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password},
                       environ_overrides={"REMOTE_ADDR": ip})


def test_failures_slow_the_caller_down_but_never_lock_the_account(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_DELAY_BASE_SECONDS", 60)  # no race with the clock
    user = make_user("admin")
    free = app.config["LOGIN_MAX_FAILURES"]
    codes = [_login(client, user.username, "bad-password").status_code for _ in range(free)]
    assert codes == [401] * free
    throttled = _login(client, user.username, PASSWORD)
    assert throttled.status_code == 429, throttled.get_json()
    body = throttled.get_json()
    assert body["code"] == "login_throttled" and body["errors"]["retry_after"] >= 1
    # The owner signing in from another address is not affected: nobody locks anybody out.
    assert _login(client, user.username, PASSWORD, ip="10.0.0.2").status_code == 200
    db.session.refresh(user)
    assert user.locked_until is None


def test_unknown_usernames_are_answered_exactly_alike(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_DELAY_BASE_SECONDS", 60)
    user = make_user("dispatcher")
    free = app.config["LOGIN_MAX_FAILURES"]
    answers = {}
    for name in (user.username, "nobody-here"):
        seen = [_login(client, name, "bad-password", ip="10.0.0.3") for _ in range(free + 1)]
        answers[name] = [(r.status_code, r.get_json()["code"]) for r in seen]
    assert answers[user.username] == answers["nobody-here"]
    assert answers["nobody-here"][-1] == (429, "login_throttled")


def test_delays_grow_and_a_success_clears_them(client, app, redis):
    from server.people import login_throttle

    user = make_user("dispatcher")
    app.config["LOGIN_DELAY_BASE_SECONDS"] = 0.05
    try:
        free = app.config["LOGIN_MAX_FAILURES"]
        for _ in range(free):
            assert _login(client, user.username, "bad-password").status_code == 401
        waits = []
        for _ in range(3):
            deadline = time.monotonic() + 5
            while (r := _login(client, user.username, "bad-password")).status_code == 429:
                assert time.monotonic() < deadline, r.get_json()
                # Poll slowly: every try also counts against sign-in's 20/minute per address.
                time.sleep(0.15)
            waits.append(r.status_code)
        assert waits == [401, 401, 401]
        with app.test_request_context(environ_overrides={"REMOTE_ADDR": "10.0.0.1"}):
            key = login_throttle.throttle_key(user.username)
        assert int(redis.hget(key, "fails")) == free + 3
        deadline = time.monotonic() + 5
        while (r := _login(client, user.username, PASSWORD)).status_code == 429:
            assert time.monotonic() < deadline, r.get_json()
            time.sleep(0.15)
        assert r.status_code == 200 and not redis.exists(key)
    finally:
        app.config["LOGIN_DELAY_BASE_SECONDS"] = 1


def test_bearer_token_for_api_clients(client):
    user = make_user("supervisor")
    response = client.post("/api/v1/auth/tokens", json={"username": user.username,
                                                       "password": PASSWORD, "name": "报表"})
    assert response.status_code == 201
    token = response.get_json()["token"]
    assert token.startswith("sl_")
    other = client.application.test_client()
    assert other.get("/api/v1/auth/me", headers=bearer(token)).status_code == 200
    assert other.get("/api/v1/auth/me", headers=bearer(token + "x")).status_code == 401


def test_cookie_writes_need_the_csrf_token(client):
    district = make_district()
    user = make_user("admin")
    csrf = login(client, user)
    body = {"name": "新点位", "unit_id": district.village_a.id}
    refused = client.post("/api/v1/sites", json=body)
    assert refused.status_code == 403 and refused.get_json()["code"] == "csrf_failed"
    accepted = client.post("/api/v1/sites", json=body, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 201, accepted.get_json()


def test_resident_token_is_refused_on_staff_endpoints(client):
    make_district()
    _resident, token = make_resident()
    for path in ("/api/v1/sites", "/api/v1/auth/me", "/api/v1/units"):
        response = client.get(path, headers=bearer(token))
        assert response.status_code == 403, path
        assert response.get_json()["code"] == "staff_only"


def test_no_identity_is_401_and_forged_token_is_401(client):
    assert client.get("/api/v1/sites").status_code == 401
    assert client.get("/api/v1/residents/me", headers=bearer("r.forged")).status_code == 401
    assert client.get("/api/v1/residents/me", headers=bearer("garbage")).status_code == 401


def test_guest_token_identifies_a_browser_resident(client):
    response = client.post("/api/v1/auth/guest")
    assert response.status_code == 201
    body = response.get_json()
    assert body["kind"] == "guest" and body["token"].startswith("r.")
    me = client.get("/api/v1/residents/me", headers=bearer(body["token"]))
    assert me.get_json()["id"] == body["resident_id"]


def test_wechat_login_exchanges_the_code_and_never_returns_session_key(client, wechat):
    first = client.post("/api/v1/auth/wechat", json={"code": "zhang:1"})
    again = client.post("/api/v1/auth/wechat", json={"code": "zhang:2"})
    other = client.post("/api/v1/auth/wechat", json={"code": "li:1"})
    assert first.status_code == 200, first.get_json()
    assert "session_key" not in first.get_data(as_text=True)
    assert first.get_json()["resident_id"] == again.get_json()["resident_id"]
    assert other.get_json()["resident_id"] != first.get_json()["resident_id"]
    assert [c["js_code"] for c in wechat.calls] == ["zhang:1", "zhang:2", "li:1"]


def test_wechat_errors_are_clear_4xx_or_503(client, wechat):
    cases = {"invalid-code": (400, "wechat_code_invalid"),
             "rate-limited": (429, "wechat_rate_limited"),
             "busy": (503, "wechat_busy")}
    for code, (status, our_code) in cases.items():
        response = client.post("/api/v1/auth/wechat", json={"code": code})
        body = response.get_json()
        assert response.status_code == status, body
        assert body["code"] == our_code and body["status"] == status
        assert body["message"] and body["errors"]["errcode"]


def test_unknown_fields_are_422_in_the_error_shape(client):
    response = client.post("/api/v1/auth/login",
                           json={"username": "a", "password": "b", "role": "admin"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "validation_failed" and body["status"] == 422
    assert body["errors"] == {"role": ["不允许的字段"]}


def test_rate_limit_on_guest_tokens(client, app):
    # Per device (the page's X-Device-Id): a device needs a new token only when its storage
    # was cleared, so a few a minute.
    device = {"X-Device-Id": "d" * 32}
    statuses = [client.post("/api/v1/auth/guest", headers=device).status_code
                for _ in range(6)]
    assert statuses == [201] * 5 + [429]
    limited = client.post("/api/v1/auth/guest", headers=device)
    body = limited.get_json()
    assert body["code"] == "rate_limited" and body["status"] == 429
    # When to come back, in whole seconds, in the body and in the header alike.
    assert isinstance(body["errors"]["retry_after"], int)
    assert 1 <= body["errors"]["retry_after"] <= 61  # the minute window, rounded up
    assert limited.headers["Retry-After"] == str(body["errors"]["retry_after"])
    # Another device on the same address is not held back by it.
    other = client.post("/api/v1/auth/guest", headers={"X-Device-Id": "e" * 32})
    assert other.status_code == 201
    # Per address the limit is sized for a hall (see tests/meetings/test_hall.py); here a
    # small one shows it applies, to requests without a device id too.
    app.config["GUEST_LIMIT_PER_ADDRESS"] = "3/minute"
    try:
        statuses = [client.post("/api/v1/auth/guest").status_code for _ in range(4)]
    finally:
        app.config.pop("GUEST_LIMIT_PER_ADDRESS")
    assert statuses == [201, 201, 201, 429]
