"""Demo data for the dashboard and the wall: reports with timelines, ratings, meetings, scans.

Rows go in with a few bulk INSERTs (no workflow calls per case) so seeding stays fast; they
look like what the workflow leaves: a case with deadlines, an append-only timeline, the
latest rating on the opinion. A third of the reports fall in the current month, so the
dashboard's default period (this month) is never empty, even on the 1st.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from server.common.models import utcnow
from server.common.text import SHANGHAI
from server.extensions import db, get_redis
from server.intake.models import Category, Opinion, OpinionEvent
from server.people.models import Resident
from server.sites import keys as site_keys
from server.sites.models import Department, Site

TEXTS = [
    "村东头的路灯坏了三个月，晚上出行不安全，希望尽快修复。",
    "小区里没有电动车充电桩，大家只能从楼上拉电线，很危险。",
    "村里独居老人吃饭难，希望能办个老年助餐点。",
    "农田里的机耕路坑坑洼洼，收割机开不进去。",
    "垃圾清运不及时，夏天气味很大。",
    "河道里漂着很多垃圾，有黑臭的迹象。",
    "学校门口上下学时段车辆乱停，孩子过马路很危险。",
    "老旧小区没有电梯，老人上下楼困难，希望加装电梯。",
    "菜市场周边占道经营严重，道路堵塞。",
    "村卫生室药品不全，老人配药要跑到镇上。",
]
STATES = (["closed"] * 9 + ["answered"] * 3 + ["in_progress"] * 2 + ["assigned"] * 2
          + ["signed", "received", "received", "declined"])
RATINGS = ("satisfied", "satisfied", "satisfied", "basically", "basically", "unsatisfied")
MEETINGS = [
    ("农路修缮协商会", "先修东西向主干道，年内完工，村民投工投劳"),
    ("老年助餐点选址议事", "在党群服务中心一楼设助餐点，每周一至周五供应午餐"),
    ("电动车充电桩建设协商", "在小区东门和北门各建一处集中充电棚"),
    ("河道长效保洁议事", "聘请两名保洁员，每周巡河三次"),
]


def seed_evaluation_demo(reports: int = 600, seed: int = 7) -> int:
    """Add reports, cases, timelines, ratings, meetings and scans for the demo; return reports."""
    from server.dispatch.models import Case
    from server.evaluation.models import OutcomeRating
    from server.meetings.models import Attendance, Meeting, Outcome

    rng = random.Random(seed)
    sites = list(db.session.scalars(select(Site).where(Site.active.is_(True))
                                    .order_by(Site.id)))
    categories = list(db.session.scalars(select(Category).order_by(Category.sort_order)))
    departments = list(db.session.scalars(select(Department).order_by(Department.id)))
    if not sites or not categories or not departments:
        return 0
    # Demonstration sites are busier: they appear four times in the draw.
    weighted = sites + [s for s in sites if s.is_demo] * 3
    now = utcnow()
    today = now.astimezone(SHANGHAI)
    month_start = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)

    db.session.execute(insert(Resident), [{"kind": "guest", "created_at": now - timedelta(
        days=120)} for _ in range(300)])
    residents = list(db.session.scalars(select(Resident.id).order_by(Resident.id.desc())
                                        .limit(300)))
    opinions: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []

    def event(oid: int, at: datetime, action: str, to_state: str, **extra: Any) -> None:
        events.append({"opinion_id": oid, "at": at, "action": action,
                       "actor_kind": extra.pop("actor_kind", "system"), "to_state": to_state,
                       "actor_resident_id": extra.pop("resident_id", None),
                       "note": extra.pop("note", None), "data": extra.pop("data", {}),
                       "role": extra.pop("role", None),
                       # As the workflow writes them: rate events carry the opinion's unit.
                       "unit_id": opinions[oid]["unit_id"] if action == "rate" else None})

    for n in range(reports):
        oid = n  # an index into `opinions` until the database hands out the ids
        site = rng.choice(weighted)
        if n % 3 == 0:  # this month, up to now
            span = max(60.0, (now - month_start).total_seconds())
            created = now - timedelta(seconds=rng.uniform(30, span))
        else:
            created = now - timedelta(days=rng.uniform(1, 90))
        state = rng.choice(STATES)
        age = (now - created).total_seconds() / 86400
        if state in {"closed", "answered"} and age < 1.5:
            state = "in_progress"
        resident = rng.choice(residents) if rng.random() < 0.8 else None
        if state == "closed" and resident is None:
            resident = rng.choice(residents)
        category = categories[(n * 7 + rng.randrange(3)) % len(categories)]
        dept = departments[category.id % len(departments)]
        answered = rated = rating = None
        if state in {"closed", "answered"}:
            answered = created + timedelta(days=rng.uniform(0.5, min(age - 0.5, 14)))
        if state == "closed":
            rating = rng.choice(RATINGS)
            if rating == "unsatisfied":
                rating = "satisfied"  # closed after a redo: see the timeline below
                redo = True
            else:
                redo = False
            rated = min(now, answered + timedelta(hours=rng.uniform(2, 20)))
        due = created + timedelta(days=15)
        opinions.append({
            "tracking_no": f"YD{created.astimezone(SHANGHAI):%Y%m%d}-D{n:04d}",
            "site_id": site.id, "unit_id": site.unit_id, "category_id": category.id,
            "kind": category.default_kind, "text": TEXTS[n % len(TEXTS)], "anonymous": False,
            "resident_id": resident, "state": state, "moderation": "ok",
            "answer": "已安排人员处理，问题已解决。" if answered else None,
            "answered_at": answered, "rating": rating, "rated_at": rated,
            "support_count": rng.randrange(4), "created_at": created, "updated_at": rated
            or answered or created})
        event(oid, created, "submit", "received", actor_kind="resident" if resident else "system",
              resident_id=resident)
        if state in {"received"}:
            continue
        if state == "declined":
            event(oid, created + timedelta(hours=3), "decline", "declined",
                  note="不属于受理范围，已告知反映人")
            continue
        cases.append({"opinion_id": oid, "received_at": created, "department_id": dept.id,
                      "assigned_at": created + timedelta(hours=2),
                      "answer_due_at": due, "answer_days": 15, "redo_count": 0,
                      "return_count": 0, "extension_count": 0})
        event(oid, created + timedelta(hours=1), "accept", "accepted")
        event(oid, created + timedelta(hours=2), "assign", "assigned",
              data={"department_id": dept.id, "department_name": dept.name})
        if state == "assigned":
            continue
        event(oid, created + timedelta(hours=5), "sign", "signed")
        if state == "signed":
            continue
        if state == "in_progress":
            event(oid, created + timedelta(hours=6), "start", "in_progress")
            continue
        assert answered is not None
        if state == "closed" and redo:
            first = created + (answered - created) / 2
            event(oid, first, "answer", "answered", note="已派人查看")
            event(oid, first + timedelta(hours=3), "rate", "answered", actor_kind="resident",
                  resident_id=resident, role="resident",
                  data={"rating": "unsatisfied", "rating_name": "不满意"})
            event(oid, first + timedelta(hours=3), "redo", "in_progress",
                  note="群众不满意，退回承办单位重办（第 1 次）")
            cases[-1]["redo_count"] = 1
        event(oid, answered, "answer", "answered", note="已安排人员处理，问题已解决。")
        if state == "closed":
            assert rated is not None and rating is not None
            event(oid, rated, "rate", "answered", actor_kind="resident", resident_id=resident,
                  role="resident", data={"rating": rating})
            event(oid, rated, "close", "closed", note="群众评价满意，案件办结")
    ids = list(db.session.scalars(
        insert(Opinion).returning(Opinion.id, sort_by_parameter_order=True), opinions))
    for row in cases:
        row["opinion_id"] = ids[row["opinion_id"]]
    for row in events:
        row["opinion_id"] = ids[row["opinion_id"]]
    db.session.execute(insert(Case), cases)
    db.session.execute(insert(OpinionEvent), events)

    # Meetings: held ones with outcomes rated by who came; two in session for the wall.
    demo_sites = [s for s in sites if s.is_demo] or sites[:6]
    for index, site in enumerate(demo_sites[:8]):
        title, agreement = MEETINGS[index % len(MEETINGS)]
        in_session = index < 2
        starts = now - timedelta(minutes=40) if in_session else max(
            month_start.astimezone(now.tzinfo), now - timedelta(days=2 + index * 3))
        if starts > now:
            starts = now - timedelta(hours=2)
        meeting = Meeting(code=f"DM{index + 1:03d}", site_id=site.id,
                          title=f"{site.name.removesuffix('协商议事室')}{title}", starts_at=starts,
                          status="in_session" if in_session else "closed", quorum=30)
        db.session.add(meeting)
        db.session.flush()
        came = rng.sample(residents, rng.randint(18, 40))
        db.session.execute(insert(Attendance), [
            {"meeting_id": meeting.id, "resident_id": rid, "channel": "onsite",
             "checked_in_at": starts + timedelta(minutes=rng.uniform(0, 15))} for rid in came])
        if in_session:
            continue
        outcome = Outcome(meeting_id=meeting.id, text=agreement, created_at=starts)
        db.session.add(outcome)
        db.session.flush()
        raters = came[: len(came) * 2 // 3]
        db.session.execute(insert(OutcomeRating), [
            {"outcome_id": outcome.id, "meeting_id": meeting.id, "unit_id": site.unit_id,
             "resident_id": rid, "rating": rng.choice(RATINGS),
             "rated_at": min(now, starts + timedelta(hours=3)),
             "updated_at": min(now, starts + timedelta(hours=3)), "history": []}
            for rid in raters])
    db.session.commit()
    _seed_scans(rng, sites, today.date())
    return len(opinions)


def _seed_scans(rng: random.Random, sites: list[Site], today: Any) -> None:
    """Put visitors into the sites' daily scan counters (the awareness figure's source)."""
    try:
        pipe = get_redis().pipeline(transaction=False)
        for site in sites:
            people = 30 if site.is_demo else 8
            for back in range(40):
                day = today - timedelta(days=back)
                devices = [f"demo-{site.id}-{rng.randrange(people * 3)}"
                           for _ in range(rng.randrange(people))]
                if not devices:
                    continue
                uv = site_keys.scan_visitors(site.id, day)
                pipe.pfadd(uv, *devices)
                pipe.expire(uv, site_keys.SCAN_STATS_TTL)
                count = site_keys.scan_count(site.id, day)
                pipe.incrby(count, len(devices))
                pipe.expire(count, site_keys.SCAN_STATS_TTL)
        pipe.execute()
    except Exception:  # noqa: BLE001 - demo scans are decoration; Redis may be down
        pass
