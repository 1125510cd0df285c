"""Members' duty record and score (委员履职考核).

The formula (also returned beside every score, in the style of the assessment scores):

    score = Σ over the kinds  min(上限ₖ, 每次分值ₖ × 次数ₖ)

A member falls short (履职不足) when their activities at their attached sites in the year
(meetings attended, studio activities and cases followed there) are fewer than the yearly
requirement; supervision lists those members.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from server.common.models import utcnow
from server.common.text import SHANGHAI, local_time, mask_phone
from server.duty.models import DutyEvent, DutySetting
from server.errors import Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.people.models import Member, User
from server.sites.models import Circle, Unit

KINDS: dict[str, str] = {
    "attend": "参加协商活动", "studio": "委员工作室活动", "topic": "提出议题",
    "proposal": "领衔提案", "case": "跟进案件与成果", "opinion": "报送社情民意",
    "invite_accept": "接受邀请", "invite_decline": "谢绝邀请",
}
DEFAULTS: dict[str, tuple[float, float]] = {  # kind -> (points each, cap)
    "attend": (2, 30), "studio": (2, 20), "topic": (3, 15), "proposal": (5, 20),
    "case": (3, 15), "opinion": (2, 20), "invite_accept": (1, 10), "invite_decline": (0, 0),
}
# Activities at the attached site that count toward the yearly requirement.
SITE_KINDS = ("attend", "studio", "case")
REQUIRED_KEY = "required_site_activities"
REQUIRED_DEFAULT = 4.0
SETTINGS: dict[str, dict[str, Any]] = {
    **{f"{k}.points": {"default": p, "name": f"{KINDS[k]} 每次分值"} for k, (p, _c) in
       DEFAULTS.items()},
    **{f"{k}.cap": {"default": c, "name": f"{KINDS[k]} 上限"} for k, (_p, c) in DEFAULTS.items()},
    REQUIRED_KEY: {"default": REQUIRED_DEFAULT, "name": "每年在挂钩点位应开展活动（次）"},
}
LIMITS = (0.0, 100.0)
FORMULA = ("得分 = Σ 各类 min(上限, 每次分值 × 次数)；"
           "履职不足：在挂钩点位参加活动、工作室活动和跟进案件的次数少于每年要求。")
STAFF_ROLES = ("admin", "supervisor", "dispatcher")


def current_settings() -> dict[str, float]:
    """Return every number of the formula: the stored value, or its default."""
    values = {key: float(spec["default"]) for key, spec in SETTINGS.items()}
    for row in db.session.scalars(select(DutySetting)):
        if row.key in values:
            values[row.key] = float(row.value)
    return values


def settings_payload() -> dict[str, Any]:
    """Return the settings with their names and the formula."""
    values = current_settings()
    return {"formula": FORMULA,
            "settings": [{"key": key, "value": values[key], "default": float(spec["default"]),
                          "name": spec["name"], "min": LIMITS[0], "max": LIMITS[1]}
                         for key, spec in SETTINGS.items()]}


def update_settings(user: User, values: dict[str, float]) -> dict[str, Any]:
    """Store new values for some settings (admins only)."""
    if "admin" not in user.roles:
        raise Forbidden("只有管理员可以修改履职计分", code="admin_only")
    errors = {key: ["没有这一项设置"] for key in values if key not in SETTINGS}
    errors.update({key: [f"应在 {LIMITS[0]:g} 到 {LIMITS[1]:g} 之间"] for key, value in
                   values.items() if key in SETTINGS and not (
                       isinstance(value, int | float) and math.isfinite(value)
                       and LIMITS[0] <= value <= LIMITS[1])})
    if errors:
        raise ValidationFailed("履职计分设置有误", errors=errors)
    for key, value in values.items():
        row = db.session.get(DutySetting, key) or DutySetting(key=key)
        row.value, row.updated_by_id, row.updated_at = float(value), user.id, utcnow()
        db.session.add(row)
    db.session.commit()
    return settings_payload()


def this_year() -> int:
    """Return the current year in Asia/Shanghai."""
    return datetime.now(SHANGHAI).year


def _counts(year: int, member_ids: list[int] | None = None) -> dict[int, dict[str, list[int]]]:
    """Return {member_id: {kind: [all, at attached site]}} for a year."""
    query = (select(DutyEvent.member_id, DutyEvent.kind, func.count(DutyEvent.id),
                    func.sum(case((DutyEvent.at_attached_site.is_(True), 1), else_=0)))
             .where(DutyEvent.year == year).group_by(DutyEvent.member_id, DutyEvent.kind))
    if member_ids is not None:
        query = query.where(DutyEvent.member_id.in_(member_ids))
    out: dict[int, dict[str, list[int]]] = {}
    for member_id, kind, count, attached in db.session.execute(query):
        out.setdefault(member_id, {})[kind] = [int(count), int(attached or 0)]
    return out


def score_of(counts: dict[str, list[int]], settings: dict[str, float]) -> dict[str, Any]:
    """Score one member's counts with the formula; show each item's working."""
    items = []
    total = 0.0
    for kind, name in KINDS.items():
        count = counts.get(kind, [0, 0])[0]
        points, cap = settings[f"{kind}.points"], settings[f"{kind}.cap"]
        value = min(cap, points * count)
        total += value
        items.append({"kind": kind, "name": name, "count": count, "points": points, "cap": cap,
                      "score": value, "formula": f"min({cap:g}, {points:g} × {count})"})
    site_activities = sum(counts.get(k, [0, 0])[1] for k in SITE_KINDS)
    required = int(settings[REQUIRED_KEY])
    return {"items": items, "score": round(total, 2), "site_activities": site_activities,
            "required_site_activities": required, "shortfall": max(0, required - site_activities)}


def _member_row(member: Member, counts: dict[str, list[int]], settings: dict[str, float],
                sectors: dict[int, Unit | None]) -> dict[str, Any]:
    sector = sectors.get(member.id)
    scored = score_of(counts, settings)
    if not member.sites:
        scored["shortfall"] = 0  # a member attached to no site is not assessed on site work
    return {"member_id": member.id, "name": member.name,
            "circle": member.circle.name if member.circle else "",
            "sector": sector.name if sector else "",
            "phone": mask_phone(member.phone),
            "sites": [link.site.name for link in member.sites],
            **scored}


def _sector(unit: Unit | None) -> Unit | None:
    # The sector (镇/街道/园区) is the second unit on the path: /district/sector/…
    parts = unit.path.strip("/").split("/") if unit is not None else []
    return db.session.get(Unit, int(parts[1])) if len(parts) > 1 else None


def _members(circle_id: int | None = None, sector_id: int | None = None) -> list[Member]:
    query = select(Member).where(Member.active.is_(True)).order_by(Member.id)
    if circle_id is not None:
        query = query.where(Member.circle_id == circle_id)
    members = list(db.session.scalars(query))
    if sector_id is not None:
        members = [m for m in members if (s := _sector(m.unit)) is not None and s.id == sector_id]
    return members


def scores(user: User, year: int | None = None, circle_id: int | None = None,
           sector_id: int | None = None) -> dict[str, Any]:
    """Return every member's record and score for a year, with totals per circle and sector."""
    _require_staff(user)
    year = year or this_year()
    members = _members(circle_id, sector_id)
    counts = _counts(year, [m.id for m in members])
    settings = current_settings()
    sectors = {m.id: _sector(m.unit) for m in members}
    rows = [_member_row(m, counts.get(m.id, {}), settings, sectors) for m in members]
    rows.sort(key=lambda r: (-r["score"], r["member_id"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return {"year": year, "formula": FORMULA, "items": rows,
            "circles": _groups(rows, "circle"), "sectors": _groups(rows, "sector"),
            "options": filter_options()}


def _groups(rows: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row[field] or "未分组", []).append(row)
    return [{"name": name, "members": len(items),
             "average": round(sum(r["score"] for r in items) / len(items), 2),
             "events": sum(i["count"] for r in items for i in r["items"]),
             "short": sum(1 for r in items if r["shortfall"] > 0)}
            for name, items in sorted(groups.items())]


def _require_staff(user: User) -> None:
    if not (user.roles & set(STAFF_ROLES)):
        raise Forbidden("只有政协机关工作人员可以查看委员履职考核", code="duty_staff_only")


def _events(member_id: int, year: int) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(DutyEvent).where(
        DutyEvent.member_id == member_id, DutyEvent.year == year).order_by(DutyEvent.at))
    return [{"kind": e.kind, "kind_name": KINDS.get(e.kind, e.kind), "title": e.title,
             "at_attached_site": e.at_attached_site,
             "at": local_time(e.at).strftime("%Y-%m-%d %H:%M")} for e in rows]


def member_record(member: Member, year: int | None = None) -> dict[str, Any]:
    """Return one member's record for a year: events, counts, score and formula."""
    year = year or this_year()
    counts = _counts(year, [member.id]).get(member.id, {})
    row = _member_row(member, counts, current_settings(), {member.id: _sector(member.unit)})
    return {"year": year, "formula": FORMULA, **row, "events": _events(member.id, year)}


def record_for(user: User, member_id: int, year: int | None = None) -> dict[str, Any]:
    """Return a member's record to staff (or to the member themself)."""
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound("找不到该委员")
    if member.user_id != user.id:
        _require_staff(user)
    return member_record(member, year)


def my_record(user: User, year: int | None = None) -> dict[str, Any]:
    """Return the signed-in member's own record."""
    member = db.session.scalar(select(Member).where(Member.user_id == user.id))
    if member is None:
        raise NotFound("您的账号没有关联政协委员档案", code="not_a_member")
    return member_record(member, year)


def shortfalls(year: int | None = None) -> list[dict[str, Any]]:
    """List members with attached sites whose site activities fall short of the requirement."""
    year = year or this_year()
    members = [m for m in _members() if m.sites]
    counts = _counts(year, [m.id for m in members])
    settings = current_settings()
    sectors = {m.id: _sector(m.unit) for m in members}
    rows = [_member_row(m, counts.get(m.id, {}), settings, sectors) for m in members]
    return [{key: row[key] for key in ("member_id", "name", "circle", "sector", "sites",
                                       "site_activities", "required_site_activities",
                                       "shortfall")}
            for row in rows if row["shortfall"] > 0]


def shortfalls_for(user: User, year: int | None = None) -> dict[str, Any]:
    """List the members who fall short, for supervision."""
    if not (user.roles & {"admin", "supervisor", "dispatcher"}):
        raise Forbidden("无权查看委员履职不足名单")
    year = year or this_year()
    return {"year": year, "items": shortfalls(year)}


def roll_call(user: User, meeting_id: int, member_id: int) -> dict[str, Any]:
    """Record a member's attendance from the moderator's roll."""
    from server.duty import hooks
    from server.meetings.services import moderated_meeting

    meeting = moderated_meeting(user, meeting_id)
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound("找不到该委员")
    return {"recorded": hooks.roll_call(member, meeting)}


def filter_options() -> dict[str, list[dict[str, Any]]]:
    """List the circles and sectors the staff page filters by."""
    return {"circles": [{"id": c.id, "name": c.name} for c in db.session.scalars(
                select(Circle).order_by(Circle.id))],
            "sectors": [{"id": u.id, "name": u.name} for u in db.session.scalars(
                select(Unit).where(Unit.depth == 1).order_by(Unit.sort_order, Unit.id))]}
