"""Factories for notify tests: WeChat residents and their subscribe-message consent."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from server.extensions import db
from server.people.models import Resident
from server.people.services import resident_token
from tests.factories import bearer


def wechat_resident(openid: str) -> tuple[Resident, str]:
    """Create a mini-program resident; return it with its token."""
    resident = Resident(kind="wechat", appid="wx-test-appid", openid=openid)
    db.session.add(resident)
    db.session.commit()
    return resident, resident_token(resident)


def consent(client: FlaskClient, token: str, **results: str) -> list[dict[str, Any]]:
    """Tell the server what the resident answered in wx.requestSubscribeMessage."""
    response = client.post("/api/v1/notify/subscriptions", json={"results": results},
                           headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return list(response.get_json())
