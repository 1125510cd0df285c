"""Accounts: server-side sessions and revocation, the password policy, grants within scope."""

from __future__ import annotations

from flask import Flask

from server.extensions import db
from server.people.passwords import check_policy, policy_problems
from tests.factories import PASSWORD, bearer, login, make_district, make_user

NEW_PASSWORD = "Lantern-river-42"


def _copy_cookie(source, target) -> None:
    """Give a second client the first one's session cookie, as a thief with a copy would."""
    cookie = source.get_cookie("sl_session")
    assert cookie is not None
    target.set_cookie("sl_session", cookie.value)


def test_logout_revokes_a_copied_session_cookie(app: Flask):
    user = make_user("dispatcher")
    browser, thief = app.test_client(), app.test_client()
    csrf = login(browser, user)
    _copy_cookie(browser, thief)
    assert thief.get("/api/v1/auth/me").status_code == 200  # the copy works while signed in
    out = browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 200
    refused = thief.get("/api/v1/auth/me")
    assert refused.status_code == 401, refused.get_json()
    assert thief.get("/api/v1/cases").status_code == 401


def test_disabling_ends_cookie_sessions_and_bearer_tokens_at_once(app: Flask, client):
    make_district()
    admin = make_user("admin")
    user = make_user("dispatcher")
    staff = app.test_client()
    login(staff, user)
    token = client.post("/api/v1/auth/tokens", json={"username": user.username,
                                                    "password": PASSWORD}).get_json()["token"]
    assert staff.get("/api/v1/cases").status_code == 200
    assert client.get("/api/v1/cases", headers=bearer(token)).status_code == 200
    admin_client = app.test_client()
    csrf = login(admin_client, admin)
    disabled = admin_client.post(f"/api/v1/accounts/{user.id}/disable",
                                 headers={"X-CSRF-Token": csrf})
    assert disabled.status_code == 200, disabled.get_json()
    assert disabled.get_json()["active"] is False
    assert staff.get("/api/v1/cases").status_code == 401
    assert client.get("/api/v1/cases", headers=bearer(token)).status_code == 401
    # Enabling again does not bring the old session or token back.
    admin_client.post(f"/api/v1/accounts/{user.id}/enable", headers={"X-CSRF-Token": csrf})
    assert staff.get("/api/v1/cases").status_code == 401
    assert client.get("/api/v1/cases", headers=bearer(token)).status_code == 401


def test_password_policy():
    assert policy_problems("short-1") == ["密码至少 10 位"]
    assert "这个密码太常见，容易被猜到，请换一个" in policy_problems("woaini1314")
    assert policy_problems("123456789a") and policy_problems("QwertyUiop!")
    assert policy_problems("shangliang-demo")  # the public demo password, never again
    assert policy_problems("wangfang2026x", "wangfang")
    assert policy_problems("aaaaaaaaaaaa")
    assert policy_problems(NEW_PASSWORD, "someone") == []
    check_policy(NEW_PASSWORD, "someone")


def test_reset_gives_a_temporary_password_that_must_be_changed(app: Flask):
    make_district()
    admin = make_user("admin")
    user = make_user("handler")
    old = app.test_client()
    login(old, user)
    admin_client = app.test_client()
    csrf = login(admin_client, admin)
    reset = admin_client.post(f"/api/v1/accounts/{user.id}/reset-password",
                              headers={"X-CSRF-Token": csrf})
    assert reset.status_code == 200, reset.get_json()
    temporary = reset.get_json()["temporary_password"]
    assert old.get("/api/v1/auth/me").status_code == 401  # the reset ended the old session
    staff = app.test_client()
    assert staff.post("/api/v1/auth/login", json={"username": user.username,
                                                  "password": PASSWORD}).status_code == 401
    signed = staff.post("/api/v1/auth/login",
                        json={"username": user.username, "password": temporary})
    assert signed.status_code == 200
    assert signed.get_json()["user"]["must_change_password"] is True
    csrf2 = signed.get_json()["csrf_token"]
    blocked = staff.get("/api/v1/cases")
    assert blocked.status_code == 403
    assert blocked.get_json()["code"] == "password_change_required"
    token = app.test_client().post("/api/v1/auth/tokens", json={
        "username": user.username, "password": temporary})
    assert token.get_json()["code"] == "password_change_required"
    weak = staff.post("/api/v1/auth/password", headers={"X-CSRF-Token": csrf2},
                      json={"current_password": temporary, "new_password": "woaini1314"})
    assert weak.status_code == 422 and weak.get_json()["errors"]["password"]
    changed = staff.post("/api/v1/auth/password", headers={"X-CSRF-Token": csrf2},
                         json={"current_password": temporary, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["user"]["must_change_password"] is False
    assert staff.get("/api/v1/cases").status_code == 200  # same browser, fresh session
    again = app.test_client()
    assert again.post("/api/v1/auth/login", json={"username": user.username,
                                                  "password": temporary}).status_code == 401
    assert again.post("/api/v1/auth/login", json={"username": user.username,
                                                  "password": NEW_PASSWORD}).status_code == 200


def test_a_town_admin_cannot_grant_district_wide_or_manage_other_towns(app: Flask):
    d = make_district()
    town_admin = make_user("admin", unit_id=d.town.id)
    elsewhere = make_user("dispatcher", unit_id=d.other_town.id)
    client = app.test_client()
    csrf = login(client, town_admin)
    headers = {"X-CSRF-Token": csrf}

    def create(username: str, **grant):
        return client.post("/api/v1/accounts", headers=headers, json={
            "username": username, "display_name": "新同事", "grants": [grant]})

    wide = create("wide1", role="dispatcher")
    assert wide.status_code == 403, wide.get_json()
    assert wide.get_json()["code"] == "grant_out_of_scope"
    assert "全区" in wide.get_json()["message"]
    assert create("other1", role="dispatcher", unit_id=d.other_town.id).status_code == 403
    ok = create("village1", role="moderator", unit_id=d.village_a.id)
    assert ok.status_code == 201, ok.get_json()
    created = ok.get_json()["account"]
    assert ok.get_json()["temporary_password"]
    # Within the town: a further grant there works; district-wide does not.
    more = client.post(f"/api/v1/accounts/{created['id']}/grants", headers=headers,
                       json={"role": "dispatcher", "unit_id": d.town.id})
    assert more.status_code == 200
    up = client.post(f"/api/v1/accounts/{created['id']}/grants", headers=headers,
                     json={"role": "admin"})
    assert up.status_code == 403 and up.get_json()["code"] == "grant_out_of_scope"
    # Someone of another town is out of reach, and not even listed.
    assert client.post(f"/api/v1/accounts/{elsewhere.id}/disable",
                       headers=headers).status_code == 403
    listed = {a["username"] for a in client.get("/api/v1/accounts").get_json()["items"]}
    assert "village1" in listed and elsewhere.username not in listed
    db.session.expire_all()


def test_non_admins_cannot_manage_accounts(app: Flask):
    user = make_user("supervisor")
    client = app.test_client()
    csrf = login(client, user)
    assert client.get("/api/v1/accounts").status_code == 403
    assert client.post("/api/v1/accounts", headers={"X-CSRF-Token": csrf}, json={
        "username": "x1", "display_name": "x", "grants": [{"role": "admin"}]}).status_code == 403


def test_account_changes_are_in_the_audit_log(app: Flask):
    from sqlalchemy import select

    from server.audit.models import AuditEvent
    from server.audit.services import drain

    admin = make_user("admin")
    client = app.test_client()
    csrf = login(client, admin)
    created = client.post("/api/v1/accounts", headers={"X-CSRF-Token": csrf}, json={
        "username": "audited1", "display_name": "甲", "phone": "13912345678",
        "grants": [{"role": "supervisor"}]}).get_json()["account"]
    client.post(f"/api/v1/accounts/{created['id']}/disable", headers={"X-CSRF-Token": csrf})
    drain()
    rows = db.session.scalars(select(AuditEvent).where(
        AuditEvent.path.like("/api/v1/accounts%")).order_by(AuditEvent.id)).all()
    assert [(r.method, r.path_template, r.username) for r in rows] == [
        ("POST", "/api/v1/accounts", admin.username),
        ("POST", "/api/v1/accounts/{user_id}/disable", admin.username)]
    assert "13912345678" not in str(rows[0].summary)  # the phone never reaches the log
