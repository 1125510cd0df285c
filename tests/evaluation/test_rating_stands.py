"""Answering again after a redo leaves the resident's 不满意 standing until they rate anew."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from server.assessment.services import department_scores, site_scores
from server.common.text import SHANGHAI
from server.dispatch import workflow
from server.evaluation.dashboard import unit_figures
from server.evaluation.periods import Period
from server.extensions import db
from server.intake.models import Opinion
from server.intake.resident import rating_window
from tests.dispatch.conftest import make_user
from tests.dispatch.factories import make_opinion
from tests.factories import make_district, make_resident

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
NOW = datetime(2026, 3, 31, 12, 0, tzinfo=SHANGHAI)


def test_a_new_answer_does_not_erase_the_unsatisfied_rating() -> None:
    d = make_district()
    admin = make_user("admin")
    handler = make_user("handler", department_id=d.department.id)
    resident, _ = make_resident()
    good = make_opinion(d.site_a, resident_id=resident.id, created_at=T0)
    bad = make_opinion(d.site_a, resident_id=resident.id, created_at=T0)
    for o in (good, bad):
        workflow.assign(o.id, admin, department_id=d.department.id, now=T0 + timedelta(hours=1))
        workflow.sign(o.id, handler, now=T0 + timedelta(hours=2))
        workflow.answer(o.id, handler, "已修复", now=T0 + timedelta(days=1))
    workflow.rate(good.id, resident, "satisfied", None, now=T0 + timedelta(days=2))
    workflow.rate(bad.id, resident, "unsatisfied", None, now=T0 + timedelta(days=2))

    def figures() -> tuple[float | None, float | None, float | None, float | None]:
        f = unit_figures(d.village_a.id, MARCH, now=NOW, visitors=0)
        dept = next(r for r in department_scores(MARCH, now=NOW) if r["id"] == d.department.id)
        site = next(r for r in site_scores(MARCH) if r["id"] == d.site_a.id)
        rate = {c["key"]: c["rate"] for c in dept["components"]}["satisfaction"]
        site_rate = {c["key"]: c["rate"] for c in site["components"]}["satisfaction"]
        return f["satisfaction"], f["success"], rate, site_rate

    assert figures() == (0.5, 0.5, 0.5, 0.5)
    # The handler answers again; the resident does nothing: 不满意 still stands everywhere.
    workflow.answer(bad.id, handler, "再次答复：已重新施工", now=T0 + timedelta(days=4))
    assert figures() == (0.5, 0.5, 0.5, 0.5)
    opinion = db.session.get(Opinion, bad.id)
    assert opinion is not None and opinion.rating == "unsatisfied" and opinion.rated_at is None
    # The resident may rate the new answer (a new item with a new 7-day window) …
    window = rating_window(opinion, T0 + timedelta(days=5))
    assert window["can_rate"] is True and window["rating"] is None
    # … and once they do, the new rating counts.
    workflow.rate(bad.id, resident, "basically", None, now=T0 + timedelta(days=5))
    assert figures() == (1.0, 1.0, 1.0, 1.0)
