"""Declined (and merged) cases leave the overdue share: they can never be late."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bench.naive_figures import naive_figures
from server.common.text import SHANGHAI
from server.dispatch import workflow
from server.dispatch.models import Case
from server.evaluation.dashboard import unit_figures
from server.evaluation.periods import Period
from server.extensions import db
from tests.dispatch.conftest import make_user
from tests.dispatch.factories import make_opinion
from tests.factories import make_district

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
NOW = datetime(2026, 3, 31, 12, 0, tzinfo=SHANGHAI)


def test_declined_and_merged_cases_leave_the_overdue_denominator() -> None:
    d = make_district()
    admin = make_user("admin")
    handler = make_user("handler", department_id=d.department.id)
    on_time, late, declined, merged = (make_opinion(d.site_a, kind="help", created_at=T0)
                                       for _ in range(4))
    for o in (on_time, late):
        workflow.assign(o.id, admin, department_id=d.department.id, now=T0 + timedelta(hours=1))
        workflow.sign(o.id, handler, now=T0 + timedelta(hours=2))
    workflow.answer(on_time.id, handler, "已办理", now=T0 + timedelta(days=1))
    workflow.decline(declined.id, admin, "不属于受理范围", now=T0 + timedelta(hours=3))
    workflow.merge(merged.id, admin, late.id)
    # Every report got an answer deadline at submission (5 working days: 9 March).
    assert all(db.session.get(Case, o.id).answer_due_at is not None
               for o in (on_time, late, declined, merged))
    f = unit_figures(d.village_a.id, MARCH, now=NOW, visitors=0)
    assert f["collected"] == 4
    assert (f["with_deadline"], f["overdue"]) == (2, 1)   # the on-time one and the late one
    assert f["overdue_share"] == 0.5
    naive = naive_figures(d.village_a.id, MARCH, now=NOW)
    assert (naive["with_deadline"], naive["overdue"]) == (2, 1)
