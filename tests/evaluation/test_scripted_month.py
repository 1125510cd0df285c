"""A scripted March 2026 replayed through the real workflow and calendar, every figure by hand.

The script runs in time order with `now=` on each workflow step: reports, assignments, a
late sign-for, a decline, a void, a redo and a re-answer nobody rated again, a rating
changed from 基本满意 to 不满意 (a second redo), a staff calendar edit that moves two open
deadlines, a supervision order on a case. Then every dashboard figure of a village, its
town and the district, every department's and every site's score, are compared with values
worked out below from the README's definitions (the arithmetic is in the comments).

Tree: 盐都区 (population 10,000) → 龙冈镇 (5,000) → 黄庄村 A (2,000), 朱沟村 B (3,000);
大冈镇 → 新丰村 C (2,500). Departments: 交通运输局 (roads), 住建局 (housing).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bench.naive_figures import naive_figures
from server.assessment.services import department_scores, site_scores
from server.common.text import SHANGHAI
from server.dispatch import workflow
from server.dispatch.calendar_days import set_calendar_days
from server.dispatch.cases import timeline
from server.dispatch.models import Case
from server.evaluation.dashboard import dashboard, unit_figures
from server.evaluation.periods import Period
from server.extensions import db
from server.meetings.models import Meeting
from server.sites.scans import Device, count_scan
from server.supervision.models import SupervisionOrder
from tests.dispatch.conftest import make_user
from tests.dispatch.factories import make_opinion
from tests.factories import make_department, make_district, make_resident

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
NOW = datetime(2026, 3, 31, 20, 0, tzinfo=SHANGHAI)


def at(day: int, clock: str = "09:00") -> datetime:
    """Return a Beijing time on a day of March 2026."""
    hour, minute = (int(x) for x in clock.split(":"))
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


def due(opinion_id: int, field: str = "answer_due_at") -> str:
    db.session.expire_all()
    value = getattr(db.session.get(Case, opinion_id), field)
    return f"{value.astimezone(SHANGHAI):%m-%d %H:%M:%S}"


def replay() -> Any:
    d = make_district()
    d.district.population, d.town.population = 10000, 5000
    roads, housing = d.department, make_department("住建局")
    admin = make_user("admin")
    h_roads = make_user("handler", department_id=roads.id)
    h_housing = make_user("handler", department_id=housing.id)
    supervisor = make_user("supervisor")
    r = {i: make_resident()[0] for i in range(1, 6)}
    a, b, c = d.site_a, d.site_b, d.site_c

    # Mon 2 March. c1: help (5 working days, due 03-09); c2: suggestion (15, due 03-23).
    c1 = make_opinion(a, kind="help", resident_id=r[1].id, created_at=at(2))
    c2 = make_opinion(a, kind="suggestion", resident_id=r[2].id, created_at=at(2))
    assert due(c1.id) == "03-09 23:59:59" and due(c2.id) == "03-23 23:59:59"
    for o in (c1, c2):
        workflow.assign(o.id, admin, department_id=roads.id, now=at(2, "10:00"))
    assert due(c1.id, "sign_due_at") == "03-03 23:59:59"
    workflow.sign(c1.id, h_roads, now=at(3))
    # c3 is declined; it keeps its submission deadline but can never be late.
    c3 = make_opinion(a, kind="help", resident_id=r[3].id, created_at=at(3))
    workflow.decline(c3.id, admin, "不属于受理范围", now=at(3, "11:00"))
    workflow.answer(c1.id, h_roads, "已修复", now=at(4))
    workflow.sign(c2.id, h_roads, now=at(4))  # late: due 03-03 23:59:59
    workflow.rate(c1.id, r[1], "satisfied", None, now=at(5))  # closes c1
    # Mon 9 March. c4: consultation (3 working days, due 03-12), never signed for.
    c4 = make_opinion(b, kind="consult", resident_id=r[4].id, created_at=at(9))
    workflow.assign(c4.id, admin, department_id=housing.id, now=at(9, "10:00"))
    # Tue 10 March. c5: help, due 03-17 (11, 12, 13, 16, 17).
    c5 = make_opinion(b, kind="help", resident_id=r[1].id, created_at=at(10))
    assert due(c5.id) == "03-17 23:59:59"
    workflow.assign(c5.id, admin, department_id=housing.id, now=at(10, "10:00"))
    workflow.answer(c2.id, h_roads, "已列入计划", now=at(10))
    workflow.sign(c5.id, h_housing, now=at(11))
    # r2 is unhappy: redo, a new 15-day answer deadline from 11 March (04-01).
    workflow.rate(c2.id, r[2], "unsatisfied", "没修", now=at(11, "10:00"))
    assert due(c2.id) == "04-01 23:59:59"
    # Fri 13 March: staff enter Monday 16 March as a holiday. Open deadlines are recounted
    # with a 期限重算 entry: c5 03-17 → 03-18, c2 04-01 → 04-02; c4 (03-12) does not move.
    set_calendar_days(admin, [{"day": date(2026, 3, 16), "is_workday": False,
                                        "name": "假设的临时假日"}])
    assert due(c5.id) == "03-18 23:59:59" and due(c2.id) == "04-02 23:59:59"
    assert due(c4.id) == "03-12 23:59:59"
    moved = {o.id for o in (c2, c4, c5)
             if any(e["action"] == "deadline_recomputed" for e in timeline(o.id))}
    assert moved == {c2.id, c5.id}
    # c5 answered on 18 March at 15:00: on time only on the recounted deadline.
    workflow.answer(c5.id, h_housing, "已处理", now=at(18, "15:00"))
    workflow.rate(c5.id, r[1], "basically", None, now=at(19))  # closes c5
    # Fri 20 March. c2 answered again; r2 does not rate again: 不满意 stands.
    workflow.answer(c2.id, h_roads, "已重新施工", now=at(20))
    # r1 changes c5's rating to 不满意 within 7 days: a redo, due 5 working days from
    # 20 March (23–27 March), never answered again.
    workflow.rate(c5.id, r[1], "unsatisfied", "又坏了", now=at(20, "10:00"))
    assert due(c5.id) == "03-27 23:59:59"
    # c6 at village C (大冈镇): complaint, signed and answered in time, rated 满意.
    c6 = make_opinion(c, kind="complaint", resident_id=r[5].id, created_at=at(20))
    workflow.assign(c6.id, admin, department_id=roads.id, now=at(20, "10:00"))
    workflow.sign(c6.id, h_roads, now=at(20, "11:00"))
    workflow.answer(c6.id, h_roads, "已处理", now=at(25))
    workflow.rate(c6.id, r[5], "satisfied", None, now=at(26))
    # c7 anonymous, waiting (due in April); c8 voided.
    make_opinion(a, kind="suggestion", created_at=at(25))
    c8 = make_opinion(a, resident_id=r[2].id, created_at=at(26))
    workflow.void(c8.id, admin, "重复录入", now=at(26, "10:00"))
    # A supervision order on c4 (a case of 住建局 reported at site B): against 住建局 only.
    db.session.add(SupervisionOrder(
        target_kind="case", opinion_id=c4.id, department_id=housing.id, site_id=b.id,
        unit_id=b.unit_id, demand="请尽快签收办理", issued_by_id=supervisor.id,
        issued_at=at(20), due_set_at=at(20), due_at=at(25), status="issued", escalations=0))
    # A meeting held at A; visitors: two phones at A (one twice), one at B, one in February.
    db.session.add(Meeting(code="SM1", site_id=a.id, title="村道协商会",
                           starts_at=at(18, "14:00"), status="closed"))
    db.session.commit()
    for site, device, day in [(a, 1, 3), (a, 2, 3), (a, 1, 4), (b, 3, 5)]:
        count_scan(site.id, Device(f"device-{device:012d}", False, "fp"),
                   day=date(2026, 3, day))
    count_scan(a.id, Device("device-feb-000001", False, "fp"), day=date(2026, 2, 28))
    return d, roads, housing


def test_every_figure_and_score_of_a_scripted_month(app: Any) -> None:
    d, roads, housing = replay()
    dash = dashboard(d.district.id, MARCH, now=NOW)
    assert dash["period"] == {"start": "2026-03-01", "end": "2026-03-31",
                              "label": "2026-03-01 至 2026-03-31"}
    district = dash["figures"]
    town = next(r for r in dash["children"] if r["unit"]["id"] == d.town.id)
    village = dashboard(d.village_a.id, MARCH, now=NOW)["figures"]
    village_b = unit_figures(d.village_b.id, MARCH, now=NOW)
    assert town == unit_figures(d.town.id, MARCH, now=NOW)

    def pick(f: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in f.items() if k != "unit"}

    # 黄庄村 (A): c1 closed, c2 answered (不满意 stands), c3 declined, c7 waiting, c8 voided.
    assert pick(village) == {
        "collected": 4,            # c1 c2 c3 c7 (voided c8 is not counted)
        "accepted": 2,             # c1 c2 (declined c3 and waiting c7 are not accepted)
        "solved": 1,               # c1 closed; c2 answered but rated 不满意
        "success": 0.5,            # 1 ÷ 2
        "rated": 2, "satisfied": 1, "outcome_rated": 0, "outcome_satisfied": 0,
        "satisfaction": 0.5,       # (c1 满意) ÷ (c1, c2)
        "answered": 2,
        "avg_answer_days": 10.0,   # c1 2 days, c2 18 days (latest answer 20 March)
        "with_deadline": 3,        # c1 c2 c7 (declined c3 leaves the denominator)
        "overdue": 0,              # c1 and c2 answered in time, c7 due in April
        "overdue_share": 0.0,
        "participants": 3,         # r1 r2 report and rate, r3 reported (declined counts)
        "participation": 0.0015, "participation_per_10k": 15.0,   # 3 ÷ 2,000
        "visitors": 2, "awareness": 0.001, "awareness_per_10k": 10.0,  # 2 ÷ 2,000
        "activities": 1,
    }
    # 朱沟村 (B): c4 assigned and late, c5 back for redo (不满意) and late.
    assert pick(village_b) == {
        "collected": 2, "accepted": 2, "solved": 0, "success": 0.0,
        "rated": 1, "satisfied": 0, "outcome_rated": 0, "outcome_satisfied": 0,
        "satisfaction": 0.0,
        "answered": 1,
        "avg_answer_days": 8.3,    # c5: 10 March 09:00 → 18 March 15:00 = 8.25, half up
        "with_deadline": 2, "overdue": 2, "overdue_share": 1.0,  # c4 (03-12), c5 (03-27)
        "participants": 2,         # r4, r1
        "participation": 0.000667, "participation_per_10k": 6.7,  # 2 ÷ 3,000
        "visitors": 1, "awareness": 0.000333, "awareness_per_10k": 3.3,
        "activities": 0,
    }
    # 龙冈镇 = A + B (population 5,000).
    assert pick(town) == {
        "collected": 6, "accepted": 4, "solved": 1, "success": 0.25,
        "rated": 3, "satisfied": 1, "outcome_rated": 0, "outcome_satisfied": 0,
        "satisfaction": 0.3333,    # 1 ÷ 3
        "answered": 3,
        "avg_answer_days": 9.4,    # (2 + 18 + 8.25) ÷ 3 = 9.4167
        "with_deadline": 5, "overdue": 2, "overdue_share": 0.4,
        "participants": 4,         # r1 r2 r3 r4
        "participation": 0.0008, "participation_per_10k": 8.0,
        "visitors": 3, "awareness": 0.0006, "awareness_per_10k": 6.0,
        "activities": 1,
    }
    # 盐都区 = 龙冈镇 + 新丰村 C (c6 closed 满意).
    assert pick(district) == {
        "collected": 7, "accepted": 5, "solved": 2, "success": 0.4,
        "rated": 4, "satisfied": 2, "outcome_rated": 0, "outcome_satisfied": 0,
        "satisfaction": 0.5,
        "answered": 4,
        "avg_answer_days": 8.3,    # (2 + 18 + 8.25 + 5) ÷ 4 = 8.3125
        "with_deadline": 6, "overdue": 2, "overdue_share": 0.3333,
        "participants": 5,         # r1 … r5
        "participation": 0.0005, "participation_per_10k": 5.0,
        "visitors": 3, "awareness": 0.0003, "awareness_per_10k": 3.0,
        "activities": 1,
    }
    assert sum(w["collected"] for w in dash["trend"]) == 7
    assert sum(w["solved"] for w in dash["trend"]) == 2

    # Departments. 交通运输局: c1, c2, c6. Signs 3, one late (c2) → 2 ÷ 3; answers 4 (c2
    # twice), none late, nothing open and overdue → 1; solved 2 of 3; rated 3, good 2;
    # one redo (−2). 100 × (20 × 2/3 + 30 × 1 + 25 × 2/3 + 25 × 2/3) ÷ 100 − 2 = 74.67.
    depts = {row["id"]: row for row in department_scores(MARCH, now=NOW)}
    rates = {c["key"]: c["rate"] for c in depts[roads.id]["components"]}
    assert rates == {"sign_ontime": 0.6667, "answer_ontime": 1.0, "resolution": 0.6667,
                     "satisfaction": 0.6667}
    assert depts[roads.id]["facts"]["redo"] == 1 and depts[roads.id]["facts"]["orders"] == 0
    assert depts[roads.id]["score"] == 74.7
    # 住建局: c4 (never signed, past both deadlines), c5 (signed and answered in time, then
    # back for redo and past its new deadline). Signs 1 of (1 + 1 unsigned overdue) → 0.5;
    # answers 1 of (1 + 2 open overdue) → 1/3; solved 0 of 2; rated 1, good 0; one redo
    # (−2) and the order on c4 (−5). 100 × (20 × 0.5 + 30 × 1/3) ÷ 100 − 7 = 13.0.
    rates = {c["key"]: c["rate"] for c in depts[housing.id]["components"]}
    assert rates == {"sign_ontime": 0.5, "answer_ontime": 0.3333, "resolution": 0.0,
                     "satisfaction": 0.0}
    assert depts[housing.id]["score"] == 13.0

    # Sites. A: one meeting (required 2 × 31 ÷ 365 = 0.17 → 1), answered 2/2, solved 1/2,
    # satisfied 1/2: 30 + 20 + 12.5 + 12.5 = 75. B: no meeting (0), answered 1/2, solved
    # 0/2, satisfied 0/1, and no penalty for the order on c4: 20 × 0.5 = 10. C: no meeting,
    # 1/1 answered, solved, satisfied: 20 + 25 + 25 = 70.
    sites = {row["id"]: row for row in site_scores(MARCH)}
    assert {s: sites[s.id]["score"] for s in (d.site_a, d.site_b, d.site_c)} == {
        d.site_a: 75.0, d.site_b: 10.0, d.site_c: 70.0}
    assert sites[d.site_b.id]["facts"]["orders"] == 0
    assert [sites[d.site_a.id]["rank"], sites[d.site_c.id]["rank"],
            sites[d.site_b.id]["rank"]] == [1, 2, 3]
    # The naive Python computation agrees on the case counters.
    naive = naive_figures(d.district.id, MARCH, now=NOW)
    assert (naive["collected"], naive["accepted"], naive["resolved"], naive["rated"],
            naive["with_deadline"], naive["overdue"]) == (7, 5, 2, 4, 6, 2)
    assert timedelta(0) < NOW - datetime(2026, 3, 27, 23, 59, 59, tzinfo=SHANGHAI)
