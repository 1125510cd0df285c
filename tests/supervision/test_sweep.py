"""The sweep with a frozen clock: weekends, National Day, staff overrides, twice, concurrently."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from server.dispatch import workflow
from server.dispatch.models import CalendarDay, Case
from server.dispatch.workdays import add_working_days, load_calendar
from server.extensions import db
from server.notify.models import Notification
from server.supervision.models import OverdueWarning
from server.supervision.sweep import sweep
from tests.dispatch.factories import make_opinion
from tests.supervision.conftest import sh


def _warnings() -> list[tuple[str, str]]:
    return [(w.step, w.level) for w in db.session.scalars(
        select(OverdueWarning).order_by(OverdueWarning.id))]


def _recipients(level: str) -> dict[int, int]:
    rows = db.session.execute(select(Notification.user_id, func.count()).where(
        Notification.event == f"warn_{level}").group_by(Notification.user_id)).all()
    return {user_id: count for user_id, count in rows}


def _signed_case(sv: Any, created: datetime, kind: str) -> Any:
    opinion = make_opinion(sv.d.site_a, kind=kind, created_at=created.astimezone(UTC))
    workflow.assign(opinion.id, sv.dispatcher, department_id=sv.d.department.id)
    workflow.sign(opinion.id, sv.handler)
    return opinion


def _run(schedule: list[datetime]) -> dict[str, datetime]:
    """Sweep at each moment; return when each level was first raised."""
    first: dict[str, datetime] = {}
    for now in schedule:
        result = sweep(now.astimezone(UTC))
        for level, count in result.raised.items():
            if count:
                assert level not in first, f"{level} raised twice"
                first[level] = now
    return first


def test_answer_warnings_across_national_day_and_a_weekend(sv: Any) -> None:
    # Staff extended the 2026 holiday to 10-08 (the package says it is a working day).
    db.session.add(CalendarDay(day=date(2026, 10, 8), is_workday=False, name="国庆节"))
    db.session.commit()
    created = sh(2026, 9, 29, 10)  # Tuesday; 5 working days to answer a request for help
    opinion = _signed_case(sv, created, "help")
    case = db.session.get(Case, opinion.id)
    # 9-30, then 10-01..10-08 off, 10-09, Saturday 10-10 (make-up day), Monday 10-12, 10-13.
    assert case.answer_due_at == sh(2026, 10, 13, 23, 59, 59)
    # window 14 h + 5 days = 134 h: blue with ≤ 44 h 40 min left (Monday 10-12 03:20),
    # yellow with ≤ 22 h 20 min left (10-13 01:40), red after 10-13 23:59:59.
    hourly = [created + timedelta(hours=h) for h in range(1, 16 * 24)]
    precise = [sh(2026, 10, 12, 3, 19), sh(2026, 10, 12, 3, 21), sh(2026, 10, 13, 1, 39),
               sh(2026, 10, 13, 1, 41), sh(2026, 10, 13, 23, 59, 59), sh(2026, 10, 14, 0, 0)]
    schedule = sorted(hourly + precise)
    first = _run(schedule)
    assert first == {"blue": sh(2026, 10, 12, 3, 21), "yellow": sh(2026, 10, 13, 1, 41),
                     "red": sh(2026, 10, 14, 0, 0)}
    assert _warnings() == [("answer", "blue"), ("answer", "yellow"), ("answer", "red")]
    # Nothing during the holiday: the sweeps of 10-01..10-08 raised nothing (see `first`).
    # Sweeps again (a second cron, a restart): nothing new, no second message.
    assert _run(sorted(hourly[::6] + precise)) == {}
    assert len(_warnings()) == 3
    assert _recipients("blue") == {sv.handler.id: 1}
    assert _recipients("yellow") == {sv.handler.id: 1}
    # Red goes to the handler, the department's head and the supervisor covering the place,
    # not to a supervisor of another town nor another department's handler.
    assert _recipients("red") == {sv.handler.id: 1, sv.head.id: 1, sv.supervisor.id: 1}
    live = db.session.scalars(select(OverdueWarning).where(
        OverdueWarning.cleared_at.is_(None))).all()
    assert [w.level for w in live] == ["red"]  # red replaced blue and yellow


def test_sign_warnings_across_a_weekend(sv: Any) -> None:
    opinion = make_opinion(sv.d.site_a, kind="complaint")
    workflow.assign(opinion.id, sv.dispatcher, department_id=sv.d.department.id)
    case = db.session.get(Case, opinion.id)
    assigned = sh(2026, 11, 20, 16)  # Friday afternoon
    case.assigned_at = assigned.astimezone(UTC)
    case.received_at = assigned.astimezone(UTC)
    case.sign_due_at = add_working_days(assigned, 1, load_calendar()).astimezone(UTC)
    case.answer_due_at = add_working_days(assigned, 15, load_calendar()).astimezone(UTC)
    db.session.commit()
    schedule = [assigned + timedelta(minutes=20 * i) for i in range(1, 3 * 24 * 4)]
    first = _run(schedule)
    # 8 h + 24 h to sign: blue at 10 h 40 min left (Mon 13:20), yellow at 5 h 20 min
    # (Mon 18:40), red from Tuesday 00:00; the weekend raised nothing.
    assert first == {"blue": sh(2026, 11, 23, 13, 20), "yellow": sh(2026, 11, 23, 18, 40),
                     "red": sh(2026, 11, 24, 0, 0)}
    assert {s for s, _l in _warnings()} == {"sign"}
    # Signing for it ends the step: the next sweep clears its warnings and raises nothing.
    workflow.sign(opinion.id, sv.handler)
    result = sweep(sh(2026, 11, 24, 9).astimezone(UTC))
    assert sum(result.raised.values()) == 0 and result.cleared == 1
    body = sv.client.get("/api/v1/supervision/warnings", headers=sv.auth(sv.supervisor))
    assert body.get_json()["items"] == []


def test_a_new_deadline_warns_afresh_and_an_answer_stops_warnings(sv: Any) -> None:
    opinion = _signed_case(sv, sh(2026, 11, 16, 10), "consult")  # 3 days: due Thu 11-19
    assert sweep(sh(2026, 11, 20, 9).astimezone(UTC)).raised["red"] == 1
    workflow.request_extension(opinion.id, sv.handler, 5, "需要协调多个部门")
    workflow.approve_extension(opinion.id, sv.dispatcher)
    assert db.session.get(Case, opinion.id).answer_due_at == sh(2026, 11, 26, 23, 59, 59)
    result = sweep(sh(2026, 11, 20, 9, 30).astimezone(UTC))
    assert sum(result.raised.values()) == 0 and result.cleared == 1
    assert sweep(sh(2026, 11, 25, 12).astimezone(UTC)).raised["blue"] == 1
    assert _warnings() == [("answer", "red"), ("answer", "blue")]
    workflow.answer(opinion.id, sv.handler, "已协调解决。")
    result = sweep(sh(2026, 11, 27, 12).astimezone(UTC))
    assert sum(result.raised.values()) == 0 and result.cleared == 1
    assert len(_warnings()) == 2


def test_concurrent_sweeps_raise_each_warning_once(sv: Any, app: Flask) -> None:
    for _ in range(6):
        _signed_case(sv, sh(2026, 11, 16, 10), "consult")
    now = sh(2026, 11, 23, 9).astimezone(UTC)
    raised: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        with app.app_context():
            try:
                raised.append(sum(sweep(now).raised.values()))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(raised) == 6
    assert _warnings() == [("answer", "red")] * 6
    assert _recipients("red") == {sv.handler.id: 6, sv.head.id: 6, sv.supervisor.id: 6}


def test_cli_sweep_accepts_a_frozen_now(sv: Any, app: Flask) -> None:
    _signed_case(sv, sh(2026, 11, 16, 10), "consult")
    runner = app.test_cli_runner()
    out = runner.invoke(args=["supervision", "sweep", "--now", "2026-11-18T09:00", "--commit"])
    assert out.exit_code == 0, out.output
    assert "新增蓝色 0、黄色 0、红色 0" in out.output
    out = runner.invoke(args=["supervision", "sweep", "--now", "2026-11-20T09:00+08:00",
                              "--commit"])
    assert "红色 1 条预警，发出 3 条通知" in out.output
    out = runner.invoke(args=["supervision", "sweep", "--now", "2026-11-20T09:01+08:00",
                              "--commit"])
    assert "红色 0 条预警" in out.output
    assert runner.invoke(args=["supervision", "sweep", "--now", "soon"]).exit_code != 0


def test_cli_sweep_with_a_future_now_is_a_dry_run_unless_told(sv: Any, app: Flask) -> None:
    _signed_case(sv, sh(2026, 11, 16, 10), "consult")
    runner = app.test_cli_runner()
    out = runner.invoke(args=["supervision", "sweep", "--now", "2026-11-20T09:00+08:00"])
    assert out.exit_code == 0, out.output
    assert "试运行" in out.output and "未写入任何预警，未发送任何通知" in out.output
    assert "将新增蓝色 0、黄色 0、红色 1 条预警，将发出 3 条通知" in out.output
    # Nothing was written: no warning, no notice, no red mark on the case.
    assert _warnings() == []
    assert _recipients("red") == {}
    data = runner.invoke(args=["supervision", "sweep", "--now", "2026-11-20T09:00+08:00",
                               "--json"]).output
    assert '"dry_run": true' in data and _warnings() == []
    assert runner.invoke(args=["supervision", "sweep", "--commit"]).exit_code != 0
    out = runner.invoke(args=["supervision", "sweep", "--now", "2026-11-20T09:00+08:00",
                              "--commit"])
    assert "红色 1 条预警" in out.output and _warnings() == [("answer", "red")]
