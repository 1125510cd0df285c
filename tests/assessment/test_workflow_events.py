"""Scores from cases driven through the real dispatch workflow (not hand-made timelines)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from server.assessment import services
from server.common.models import utcnow
from server.common.text import SHANGHAI
from server.dispatch import workflow
from server.dispatch.models import Case
from server.evaluation.periods import Period
from server.extensions import db
from tests.dispatch.factories import make_category, make_opinion
from tests.factories import make_department, make_district, make_resident, make_user


def test_late_sign_before_a_return_stays_with_the_first_department(app: Any) -> None:
    d = make_district()
    first, second = d.department, make_department("住建局")
    admin = make_user("admin")
    handler_a = make_user("handler", department_id=first.id)
    handler_e = make_user("handler", department_id=second.id)
    resident, _token = make_resident()
    opinion = make_opinion(d.site_a, category=make_category(), resident_id=resident.id)
    db.session.commit()

    workflow.assign(opinion.id, admin, department_id=first.id)
    case = db.session.get(Case, opinion.id)
    case.sign_due_at = utcnow() - timedelta(hours=1)  # the first department is already late
    db.session.commit()
    workflow.sign(opinion.id, handler_a)
    workflow.return_case(opinion.id, handler_a, "不属于本部门职责")
    workflow.reassign(opinion.id, admin, department_id=second.id)
    workflow.sign(opinion.id, handler_e)
    workflow.answer(opinion.id, handler_e, "已安排维修")
    workflow.rate(opinion.id, resident, "unsatisfied", "还没修好")
    workflow.answer(opinion.id, handler_e, "已修好")

    today = datetime.now(SHANGHAI).date()
    rows = {r["name"]: r for r in
            services.department_scores(Period(today, today + timedelta(days=1)))}
    a, e = rows[first.name], rows["住建局"]
    assert (a["facts"]["signs"], a["facts"]["late_signs"], a["facts"]["cases"]) == (1, 1, 0)
    # Only 按时签收率 has data for the first department: 0 ÷ 1 → score 0.0 (not "—").
    assert [c["rate"] for c in a["components"]] == [0.0, None, None, None]
    assert a["score"] == 0.0
    # The 不满意 stands after the second answer (the resident has not rated it yet).
    wanted = {"signs": 1, "late_signs": 0, "answers": 2, "late_answers": 0, "redo": 1,
              "cases": 1, "rated": 1, "good": 0}
    assert {key: e["facts"][key] for key in wanted} == wanted
    # 100 × (20×1 + 30×1 + 25×0 + 25×0) ÷ 100 = 50, minus one redo × 2 = 48
    assert e["score"] == 48.0
