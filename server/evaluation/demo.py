"""Demo data for the dashboard and the wall: reports with timelines, ratings, meetings, scans.

Every report goes through the real workflow (server/dispatch/workflow) at past moments
(`now=`): deadlines come from the working-day calendar, sign-for deadlines are set on
assignment, lateness is what the workflow computes, a 不满意 sends the case back for redo
with a new deadline. So the demo's overdue and on-time figures follow the product's rules.
Half the reports fall in the current month, so a month view is never empty.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select

from server.common.models import utcnow
from server.common.text import SHANGHAI
from server.extensions import db, get_redis
from server.people.models import Grant, Resident, User
from server.sites import keys as site_keys
from server.sites.models import Department, Site

# The state each demo report is driven towards (it stops earlier if its time has not come).
PLANS = (["closed"] * 9 + ["answered"] * 3 + ["in_progress"] * 2 + ["assigned"] * 2
         + ["signed", "received", "received", "declined"])
RATINGS = ("satisfied", "satisfied", "satisfied", "basically", "basically", "unsatisfied")
MEETINGS = [
    ("农路修缮协商会", "先修东西向主干道，年内完工，村民投工投劳"),
    ("老年助餐点选址议事", "在党群服务中心一楼设助餐点，每周一至周五供应午餐"),
    ("电动车充电桩建设协商", "在小区东门和北门各建一处集中充电棚"),
    ("河道长效保洁议事", "聘请两名保洁员，每周巡河三次"),
]
ANSWERS = ["已安排人员现场查看并处理，问题已解决。", "已列入近期计划，施工队已进场。",
           "已协调相关单位整改到位，欢迎继续监督。"]


class _Later(Exception):
    """The next step of a demo case would be in the future: the case stays where it is."""


def _handler(dept: Department, admin: User, handlers: dict[int, User]) -> User:
    """Return the department's own handler account (the demo's 交通运输局 has one), or admin."""
    if dept.id not in handlers:
        handlers[dept.id] = db.session.scalar(select(User).join(Grant).where(
            Grant.role == "handler", Grant.department_id == dept.id,
            User.id != dept.head_user_id).order_by(User.id)) or admin
    return handlers[dept.id]


def _drive(opinion_id: int, plan: str, created: datetime, now: datetime, rng: random.Random,
           admin: User, dept: Department, resident: Resident | None,
           handlers: dict[int, User]) -> None:
    """Take one report through the workflow towards its plan, at plausible past moments."""
    from server.dispatch import workflow
    from server.dispatch.models import Case

    def at(moment: datetime, step: Callable[[datetime], Any]) -> datetime:
        if moment >= now:
            raise _Later
        step(moment)
        return moment

    def case() -> Case:
        row = db.session.get(Case, opinion_id)
        assert row is not None
        return row

    def answer_by(start: datetime) -> datetime:
        due = case().answer_due_at or start + timedelta(days=5)
        if rng.random() < 0.85:  # most answers are in time, some are late
            return start + (due - start) * rng.uniform(0.2, 0.9)
        return due + timedelta(days=rng.uniform(0.3, 4))

    if plan == "received":
        return
    if plan == "declined":
        at(created + timedelta(hours=rng.uniform(1, 6)), lambda t: workflow.decline(
            opinion_id, admin, "不属于受理范围，已告知反映人并建议通过其他渠道反映", now=t))
        return
    assigned = at(created + timedelta(hours=rng.uniform(0.5, 8)), lambda t: workflow.assign(
        opinion_id, admin, department_id=dept.id, note="演示派单", now=t))
    if plan == "assigned":
        return
    sign_due = case().sign_due_at or assigned + timedelta(days=1)
    signed = (assigned + (sign_due - assigned) * rng.uniform(0.05, 0.8)
              if rng.random() < 0.88 else sign_due + timedelta(hours=rng.uniform(2, 30)))
    handler = _handler(dept, admin, handlers)
    at(signed, lambda t: workflow.sign(opinion_id, handler, now=t))
    if plan == "signed":
        return
    started = at(signed + timedelta(hours=1), lambda t: workflow.start(opinion_id, handler,
                                                                        now=t))
    if plan == "in_progress":
        return
    answered = at(max(started + timedelta(hours=1), answer_by(created)),
                  lambda t: workflow.answer(opinion_id, handler, rng.choice(ANSWERS), now=t))
    if plan == "answered" or resident is None:
        return
    rating = rng.choice(RATINGS)
    rated = at(answered + timedelta(hours=rng.uniform(2, 30)), lambda t: workflow.rate(
        opinion_id, resident, rating, None, now=t))
    if rating != "unsatisfied":
        return
    # Back for redo with a new deadline from the rating: answered again, mostly rated again.
    again = at(max(rated + timedelta(hours=2), answer_by(rated)),
               lambda t: workflow.answer(opinion_id, handler, "重新组织施工，已整改到位。", now=t))
    if rng.random() < 0.7:
        at(again + timedelta(hours=rng.uniform(2, 30)), lambda t: workflow.rate(
            opinion_id, resident, rng.choice(RATINGS[:5]), None, now=t))


def _file_reports(drawn: list[tuple[datetime, int, Site]], rng: random.Random, now: datetime,
                  categories: dict[str, Any], departments: dict[str, Department],
                  residents: list[Resident], admin: User) -> None:
    """Submit each drawn report and drive it through the workflow, oldest first."""
    from server.dispatch import workflow
    from server.dispatch.demo import REPORTS
    from server.intake.models import Opinion

    fallback = next(iter(departments.values()))
    handlers: dict[int, User] = {}
    for created, n, site in drawn:
        text, code, dept_code = REPORTS[(n * 7 + rng.randrange(3)) % len(REPORTS)]
        category = categories[code]
        resident = rng.choice(residents) if rng.random() < 0.8 else None
        plan = rng.choice(PLANS)
        if plan in {"closed"} and resident is None:
            resident = rng.choice(residents)
        opinion = Opinion(
            tracking_no=f"YD{created.astimezone(SHANGHAI):%Y%m%d}-D{n:04d}", site_id=site.id,
            unit_id=site.unit_id, category_id=category.id, kind=category.default_kind,
            text=text, anonymous=False, resident_id=resident.id if resident else None,
            state="received", moderation="ok", support_count=rng.randrange(4),
            created_at=created, updated_at=created)
        db.session.add(opinion)
        db.session.flush()
        workflow.record_submission(opinion, resident_id=opinion.resident_id, entered_by_id=None)
        try:
            _drive(opinion.id, plan, created, now, rng, admin,
                   departments.get(dept_code, fallback), resident, handlers)
        except _Later:
            pass  # the next step is not due yet: nothing of it was written


def seed_evaluation_demo(reports: int = 240, seed: int = 7) -> int:
    """Add reports driven through the workflow, meetings and scans for the demo; return reports."""
    from server.dispatch.demo import demo_categories
    from server.evaluation.models import OutcomeRating
    from server.meetings.models import Attendance, Meeting, Outcome

    rng = random.Random(seed)
    sites = list(db.session.scalars(select(Site).where(Site.active.is_(True))
                                    .order_by(Site.id)))
    categories = demo_categories()
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    admin = db.session.scalar(select(User).join(Grant).where(Grant.role == "admin")
                              .order_by(User.id))
    if not sites or not departments or admin is None:
        return 0
    # Demonstration sites are busier: they appear four times in the draw.
    weighted = sites + [s for s in sites if s.is_demo] * 3
    now = utcnow()
    today = now.astimezone(SHANGHAI)
    month_start = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)

    db.session.execute(insert(Resident), [{"kind": "guest", "created_at": now - timedelta(
        days=120)} for _ in range(300)])
    residents = list(db.session.scalars(select(Resident).order_by(Resident.id.desc())
                                        .limit(300)))
    drawn = []
    for n in range(reports):
        site = rng.choice(weighted)
        if n % 2 == 0:  # this month, up to now
            span = max(60.0, (now - month_start).total_seconds())
            created = now - timedelta(seconds=rng.uniform(30, span))
        else:
            created = now - timedelta(days=rng.uniform(1, 90))
        # Reports arrive in the day, not at night.
        local = created.astimezone(SHANGHAI)
        created = datetime.combine(local.date(), time(rng.randint(7, 20), rng.randint(0, 59)),
                                   SHANGHAI)
        if created >= now:
            created = now - timedelta(minutes=rng.uniform(5, 60))
        drawn.append((created, n, site))
    drawn.sort(key=lambda item: item[0])
    # One transaction for the whole history: each workflow step flushes instead of committing
    # (a commit per step, thousands of them, took over a minute on SQLite).
    session = db.session()
    real_commit = session.commit
    session.commit = session.flush  # type: ignore[method-assign]
    try:
        _file_reports(drawn, rng, now, categories, departments, residents, admin)
    finally:
        session.commit = real_commit  # type: ignore[method-assign]
    db.session.commit()

    # Meetings: held ones with outcomes rated by who came; two in session for the wall.
    demo_sites = [s for s in sites if s.is_demo] or sites[:6]
    for index, site in enumerate(demo_sites[:8]):
        title, agreement = MEETINGS[index % len(MEETINGS)]
        in_session = index < 2
        # Held meetings start at 14:30 on a past day of this month (or the last days).
        day = max(month_start.date(), (today - timedelta(days=2 + index * 3)).date())
        starts = now - timedelta(minutes=40) if in_session else datetime.combine(
            day, time(14, 30), SHANGHAI)
        if starts > now:
            starts = now - timedelta(hours=2)
        meeting = Meeting(code=f"DM{index + 1:03d}", site_id=site.id,
                          title=f"{site.name.removesuffix('协商议事室')}{title}", starts_at=starts,
                          status="in_session" if in_session else "closed", quorum=30)
        db.session.add(meeting)
        db.session.flush()
        came = rng.sample([r.id for r in residents], rng.randint(18, 40))
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
    return len(drawn)


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
