"""A constructed 2025 worked out by hand (see test_scores for the arithmetic).

Tree (tests.factories.make_district): 龙冈镇 → 黄庄村 (site A, made a demo site here),
朱沟村 (site B); 大冈镇 → 新丰村 (site C); plus a second demo site D at 新丰村.
Departments: 交通运输局 (A: six cases at site A, and a late sign on a case it then returned),
民政局 (B: one perfect case at site B), 水务局 (C: nothing), 农业农村局 (D: one case at site B,
answered on time, not rated), 住建局 (E: took over the returned case, on time, not rated).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from server.dispatch.models import Case
from server.extensions import db
from server.meetings.models import Meeting
from server.sites.models import Department, Site
from tests.evaluation.factories import local, make_opinion
from tests.factories import District, make_department, make_district, make_site

_codes = itertools.count(1)
FUTURE = local("2099-01-01")


def ev(action: str, day: str, late: bool = False, **data: Any) -> tuple[str, datetime,
                                                                         dict[str, Any]]:
    """Return a timeline event as the workflow writes it (sign/answer carry `late`)."""
    payload = {"late": late, **data} if action in ("sign", "answer") else data
    return (action, local(day), {"data": payload})


def make_case(site: Site, dept: Department, state: str, created: str, *,
              signed: str | None = None, sign_due: str | None = "2025-03-05",
              answer_due: datetime | None = None, answered: str | None = None,
              rating: str | None = None, redo: int = 0,
              events: list[tuple[str, datetime, dict[str, Any]]] | None = None) -> Case:
    """Insert an opinion with its dispatch case, as the workflow would have left them."""
    opinion = make_opinion(site, state, local(created), rating=rating,
                           answered=local(answered) if answered else None, events=events)
    case = Case(opinion_id=opinion.id, department_id=dept.id, received_at=local(created),
                assigned_at=local(created), signed_at=local(signed) if signed else None,
                sign_due_at=local(sign_due) if sign_due else None,
                answer_due_at=answer_due or local("2025-03-20"), redo_count=redo)
    db.session.add(case)
    db.session.flush()
    return case


def meeting(site: Site, day: str, status: str = "closed") -> Meeting:
    row = Meeting(code=f"AS{next(_codes):05d}", site_id=site.id, title="协商议事活动",
                  starts_at=local(day, "14:00"), status=status)
    db.session.add(row)
    db.session.flush()
    return row


@dataclass
class World:
    d: District
    dept_a: Department
    dept_b: Department
    dept_c: Department
    dept_d: Department
    dept_e: Department
    site_d: Site


@pytest.fixture
def world() -> World:
    d = make_district()
    a_site, b_site = d.site_a, d.site_b
    a_site.is_demo = True
    site_d = make_site(d.village_c, "新丰村示范点", is_demo=True)
    dept_a = d.department  # 交通运输局
    dept_b = make_department("民政局")
    dept_c = make_department("水务局")
    dept_d = make_department("农业农村局")
    dept_e = make_department("住建局")

    # --- 交通运输局 (dept A), all at site A ---
    # c1: signed and answered on time, satisfied, closed.
    make_case(a_site, dept_a, "closed", "2025-03-01", signed="2025-03-02",
              answered="2025-03-10", rating="satisfied",
              events=[ev("sign", "2025-03-02"), ev("answer", "2025-03-10")])
    # c2: first answer late, redone once, second answer on time, then satisfied.
    make_case(a_site, dept_a, "closed", "2025-03-02", signed="2025-03-03",
              answered="2025-04-10", rating="satisfied", redo=1,
              events=[ev("sign", "2025-03-03"), ev("answer", "2025-03-25", late=True),
                      ev("rate", "2025-03-26", rating="unsatisfied"), ev("redo", "2025-03-26"),
                      ev("answer", "2025-04-10"), ev("rate", "2025-04-11", rating="satisfied")])
    # c3: signed late, answered late, not rated yet.
    make_case(a_site, dept_a, "answered", "2025-03-03", signed="2025-03-07",
              answered="2025-03-28",
              events=[ev("sign", "2025-03-07", late=True),
                      ev("answer", "2025-03-28", late=True)])
    # c4: signed on time, still in progress past its answer deadline.
    make_case(a_site, dept_a, "in_progress", "2025-03-04", signed="2025-03-04",
              events=[ev("sign", "2025-03-04")])
    # c5: never signed, both deadlines passed.
    make_case(a_site, dept_a, "assigned", "2025-03-04", signed=None)
    # c6: answered twice (on time, then late), rated 不满意 twice: redo under way, new
    #     deadline far ahead (not overdue).
    make_case(a_site, dept_a, "in_progress", "2025-03-05", signed="2025-03-05",
              answered="2025-04-02", rating="unsatisfied", redo=2, answer_due=FUTURE,
              events=[ev("sign", "2025-03-05"), ev("answer", "2025-03-15"),
                      ev("rate", "2025-03-20", rating="unsatisfied"), ev("redo", "2025-03-20"),
                      ev("answer", "2025-04-02", late=True),
                      ev("rate", "2025-04-03", rating="unsatisfied"), ev("redo", "2025-04-03")])
    # c7 (site B): assigned to A, signed late by A, returned, reassigned to 住建局 (E), which
    #     signed and answered on time; not rated. The late sign stays with A.
    make_case(b_site, dept_e, "answered", "2025-07-01", signed="2025-07-02",
              sign_due="2025-07-02", answered="2025-07-08", answer_due=local("2025-07-15"),
              events=[ev("assign", "2025-07-01", department_id=dept_a.id),
                      ev("sign", "2025-07-03", late=True), ev("return", "2025-07-03"),
                      ev("reassign", "2025-07-03", department_id=dept_e.id),
                      ev("sign", "2025-07-04"), ev("answer", "2025-07-08")])

    # --- 民政局 (dept B): one perfect case at site B ---
    make_case(b_site, dept_b, "closed", "2025-05-06", signed="2025-05-06",
              answered="2025-05-08", rating="basically", sign_due="2025-05-07",
              answer_due=local("2025-05-20"),
              events=[ev("sign", "2025-05-06"), ev("answer", "2025-05-08")])
    # --- 农业农村局 (dept D): answered on time, unrated, no sign deadline recorded ---
    make_case(b_site, dept_d, "answered", "2025-06-02", signed="2025-06-02", sign_due=None,
              answered="2025-06-05", answer_due=local("2025-06-20"),
              events=[ev("sign", "2025-06-02"), ev("answer", "2025-06-05")])
    # Outside 2025: must not count anywhere.
    make_case(b_site, dept_d, "assigned", "2024-12-20", sign_due="2024-12-21")

    # --- meetings ---
    meeting(a_site, "2025-02-10")
    meeting(a_site, "2025-05-10")
    meeting(a_site, "2025-09-10", "in_session")  # being held: counts
    meeting(a_site, "2025-10-10", "draft")       # not held
    meeting(a_site, "2024-11-10")                # other year
    meeting(b_site, "2025-06-18")
    db.session.commit()
    return World(d, dept_a, dept_b, dept_c, dept_d, dept_e, site_d)
