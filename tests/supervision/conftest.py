"""The dispatch test world (district, departments, one user per role) plus a department head."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from server.common.text import SHANGHAI
from server.extensions import db
from server.people.services import issue_api_token
from tests.dispatch.conftest import World, make_user
from tests.dispatch.conftest import world as _dispatch_world  # noqa: F401 - a fixture
from tests.factories import bearer


@pytest.fixture
def sv(_dispatch_world: World, client: FlaskClient) -> Any:  # noqa: F811
    """The world, with a head for the main department and a supervisor of the other town."""
    w = _dispatch_world
    # The head (局长) does not handle cases: only red warnings reach them.
    w.head = make_user("handler")
    w.d.department.head_user_id = w.head.id
    w.far_supervisor = make_user("supervisor", unit_id=w.d.other_town.id)
    w.moderator = make_user("moderator", site_id=w.d.site_a.id)
    db.session.commit()
    w.client = client
    tokens: dict[int, str] = {}

    def auth(user: Any) -> dict[str, str]:
        if user.id not in tokens:
            tokens[user.id] = issue_api_token(user)[0]
        return bearer(tokens[user.id])

    w.auth = auth
    return w


def sh(*parts: int) -> datetime:
    """Return a Beijing-time moment (year, month, day, hour=0, minute=0, second=0)."""
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]
