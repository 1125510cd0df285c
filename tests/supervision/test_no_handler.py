"""Warnings for a department with no handler account reach its head or the dispatchers."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import func, select

from server.dispatch import workflow
from server.extensions import db
from server.notify.models import Notification
from server.supervision.services import list_warnings
from server.supervision.sweep import sweep
from tests.dispatch.conftest import make_user
from tests.dispatch.factories import make_opinion
from tests.factories import make_department
from tests.supervision.conftest import sh


def _recipients(level: str) -> dict[int, int]:
    rows = db.session.execute(select(Notification.user_id, func.count()).where(
        Notification.event == f"warn_{level}").group_by(Notification.user_id)).all()
    return dict(rows)


def test_blue_and_yellow_go_to_the_head_or_the_dispatchers(sv: Any) -> None:
    nobody = make_department("生态环境局")       # no handler, no head
    headed = make_department("水务局")           # no handler, a head
    headed.head_user_id = make_user("handler").id
    db.session.commit()
    created = sh(2026, 11, 16, 10)              # Monday; consultations: 3 working days
    cases = {}
    for dept in (nobody, headed):
        o = make_opinion(sv.d.site_a, kind="consult", created_at=created.astimezone(UTC))
        workflow.assign(o.id, sv.admin, department_id=dept.id, now=created)
        cases[dept.id] = o
    # Signed for by nobody: the sign-for step turns yellow late on Tuesday.
    result = sweep(sh(2026, 11, 17, 20).astimezone(UTC))
    assert result.raised["yellow"] == 2, result.as_dict()
    yellow = _recipients("yellow")
    # The head of 水务局; the dispatchers covering 黄庄村 (the town's and the district's).
    assert yellow == {headed.head_user_id: 1, sv.dispatcher.id: 1}
    assert sv.far_dispatcher.id not in yellow
    data = list_warnings(sv.supervisor, {})
    assert {d["name"] for d in data["departments_without_handlers"]} == {"生态环境局", "水务局"}
    assert all(item["no_handler"] for item in data["items"])
    # A department with a handler is not a gap.
    o = make_opinion(sv.d.site_a, kind="consult", created_at=created.astimezone(UTC))
    workflow.assign(o.id, sv.admin, department_id=sv.d.department.id, now=created)
    sweep(sh(2026, 11, 17, 20).astimezone(UTC))
    data = list_warnings(sv.supervisor, {})
    assert sv.d.department.name not in {d["name"] for d in data["departments_without_handlers"]}
    assert [i["no_handler"] for i in data["items"]].count(False) == 1
