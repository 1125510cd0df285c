"""Factories for evaluation tests: opinions in a given state with their case and timeline."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from typing import Any

from server.common.text import SHANGHAI
from server.dispatch.models import Case
from server.extensions import db
from server.intake.models import Opinion, OpinionEvent
from server.people.models import Resident
from server.sites.models import Site

_seq = itertools.count(1)


def local(day: str, clock: str = "10:00") -> datetime:
    """Return an aware datetime for a local (Asia/Shanghai) date and time."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), SHANGHAI)


def make_opinion(site: Site, state: str, created: datetime, *, text: str = "村里的路坏了",
                 answered: datetime | None = None, rating: str | None = None,
                 due: datetime | None = None, resident: Resident | None = None,
                 category_id: int | None = None,
                 events: list[tuple[str, datetime, dict[str, Any]]] | None = None) -> Opinion:
    """Insert an opinion as the workflow would have left it (plus a case if it has a due)."""
    opinion = Opinion(
        tracking_no=f"T{next(_seq):08d}", site_id=site.id, unit_id=site.unit_id, text=text,
        state=state, answered_at=answered, rating=rating, created_at=created,
        resident_id=resident.id if resident else None, category_id=category_id,
        answer="已处理" if answered else None,
    )
    db.session.add(opinion)
    db.session.flush()
    if due is not None:
        db.session.add(Case(opinion_id=opinion.id, received_at=created, answer_due_at=due))
    db.session.add(OpinionEvent(opinion_id=opinion.id, at=created, action="submit",
                                actor_kind="resident", to_state="received"))
    for action, at, extra in events or []:
        db.session.add(OpinionEvent(opinion_id=opinion.id, at=at, action=action,
                                    actor_kind=extra.get("actor_kind", "system"),
                                    actor_resident_id=extra.get("resident_id"),
                                    to_state=extra.get("to_state"),
                                    data=extra.get("data", {})))
    db.session.flush()
    return opinion


def rate_event(resident: Resident, at: datetime, rating: str) -> tuple[str, datetime,
                                                                      dict[str, Any]]:
    """Return a 'rate' timeline event by the resident."""
    return ("rate", at, {"actor_kind": "resident", "resident_id": resident.id,
                         "data": {"rating": rating}})


def days(n: float) -> timedelta:
    return timedelta(days=n)


def seed_demo_like(weeks: int = 8, per_week: int = 40, seed: int = 7) -> Any:
    """Build a small demo district (3 sectors × 3 villages) with a few hundred opinions."""
    import random

    from server.intake.models import Category
    from tests.factories import make_site, make_unit

    rng = random.Random(seed)
    district = make_unit("盐都区", "district", population=720000)
    villages = []
    for s_name, v_names in [("龙冈镇", ["黄庄村", "朱沟村", "新桥村"]),
                            ("大冈镇", ["新丰村", "佳富村", "沙岗村"]),
                            ("盐龙街道", ["东闸社区", "龙港社区", "新园社区"])]:
        sector = make_unit(s_name, "town", district, population=rng.randint(50, 90) * 1000)
        for name in v_names:
            village = make_unit(name, "village", sector,
                                population=None if name == "沙岗村" else rng.randint(2, 6) * 1000)
            villages.append(make_site(village))
    categories = []
    for code, name in [("road", "道路交通"), ("env", "环境卫生"), ("elder", "养老服务"),
                       ("safety", "安全隐患"), ("other", "其他")]:
        category = Category(code=code, name=name)
        db.session.add(category)
        categories.append(category)
    db.session.flush()
    texts = ["村里的机耕路坑坑洼洼，拖拉机开不进田里", "老旧小区没有电梯，老人爬楼太难",
             "电瓶车飞线充电很危险，要装充电桩", "河道里垃圾很多，有黑臭水体",
             "独居老人吃饭难，希望办个老年食堂", "路灯坏了一个月没人修"]
    today = datetime.now(SHANGHAI).date()
    start = today - timedelta(days=7 * weeks)
    states = ["closed"] * 5 + ["answered"] * 2 + ["in_progress", "assigned", "received",
                                                   "declined"]
    for n in range(weeks * per_week):
        site = rng.choice(villages)
        created = datetime.combine(start + timedelta(days=rng.randrange(7 * weeks)),
                                   time(rng.randrange(8, 20)), SHANGHAI)
        state = rng.choice(states)
        answered = created + timedelta(days=rng.randint(1, 12)) if state in {
            "closed", "answered"} else None
        rating = (rng.choice(["satisfied", "satisfied", "basically", "unsatisfied"])
                  if state == "closed" else None)
        if rating == "unsatisfied":
            rating = "satisfied"  # closed after a redo
        text = texts[n % len(texts)]
        make_opinion(site, state, created, text=text, answered=answered, rating=rating,
                     due=created + timedelta(days=10) if state != "received" else None,
                     category_id=categories[(n + rng.randrange(2)) % len(categories)].id)
    db.session.commit()
    return district
