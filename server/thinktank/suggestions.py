"""Suggest experts and members for a case, a meeting or a text, with the reasons.

Experts are prefiltered in SQL (a LIKE per specialty or keyword over 1,450 rows) and the few
hundred left are scored in Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, select

from server.errors import NotFound
from server.extensions import db
from server.people.access import ensure_site_access
from server.people.models import (
    INVITATION_STATUSES,
    SITE_ROLES,
    Expert,
    Invitation,
    Member,
    MemberSite,
    User,
)
from server.sites.models import Circle, Site, Unit, in_subtree
from server.thinktank.registers import READ_ROLES, expert_payload, member_payload, sector_of
from server.thinktank.vocabulary import (
    CIRCLE_SPECIALTIES,
    TextAnalysis,
    analyse,
    specialties,
    split_codes,
)


def opinion_in_scope(user: User, opinion_id: int) -> tuple[Any, Site]:
    """Return a case the user may see and its site, or raise."""
    from server.intake.models import Opinion

    opinion = db.session.get(Opinion, opinion_id)
    if opinion is None:
        raise NotFound("找不到该诉求", code="opinion_not_found")
    site = db.session.get(Site, opinion.site_id)
    assert site is not None
    ensure_site_access(user, site, READ_ROLES)
    return opinion, site


def meeting_in_scope(user: User, meeting_id: int) -> tuple[Any, Site]:
    """Return a meeting the user may see and its site, or raise."""
    from server.meetings.models import Meeting

    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("找不到该协商活动", code="meeting_not_found")
    ensure_site_access(user, meeting.site, READ_ROLES)
    return meeting, meeting.site


def suggest_for_opinion(user: User, opinion_id: int, limit: int = 10) -> dict[str, Any]:
    """Suggest experts and members for a case, by its text and where it came from."""
    opinion, site = opinion_in_scope(user, opinion_id)
    text = opinion.text + (" " + opinion.category.name if opinion.category else "")
    result = suggest(user, text, site=site, limit=limit)
    return _mark_invited(result, Invitation.opinion_id == opinion_id)


def suggest_for_meeting(user: User, meeting_id: int, limit: int = 10) -> dict[str, Any]:
    """Suggest experts and members for a meeting, by its topic, agenda and site."""
    meeting, site = meeting_in_scope(user, meeting_id)
    parts = [meeting.title, meeting.description] + [item.title for item in meeting.agenda]
    result = suggest(user, " ".join(parts), site=site, limit=limit)
    return _mark_invited(result, Invitation.meeting_id == meeting_id)


def _mark_invited(result: dict[str, Any], target: Any) -> dict[str, Any]:
    # Staff should see at a glance whom they already asked and what they answered.
    rows = db.session.execute(select(Invitation.expert_id, Invitation.member_id,
                                     Invitation.status).where(target)).all()
    experts = {r.expert_id: r.status for r in rows if r.expert_id is not None}
    members = {r.member_id: r.status for r in rows if r.member_id is not None}
    for kind, statuses in (("experts", experts), ("members", members)):
        for row in result[kind]:
            status = statuses.get(row["id"])
            row["invitation_status"] = INVITATION_STATUSES[status] if status else None
    return result


def suggest_for_text(user: User, text: str, unit_id: int | None, limit: int = 10
                     ) -> dict[str, Any]:
    """Suggest experts and members for free text, optionally within an area."""
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit_id and unit is None:
        raise NotFound("找不到该区域", code="unit_not_found")
    return suggest(user, text, unit=unit, limit=limit)


def suggest(user: User, text: str, *, site: Site | None = None, unit: Unit | None = None,
            limit: int = 10) -> dict[str, Any]:
    """Rank experts and members for a text and a place; reasons are in Chinese."""
    analysis = analyse(text)
    town = sector_of(site.unit if site is not None else unit)
    names = specialties()
    return {
        "keywords": analysis.keywords,
        "specialties": [{"code": c, "name": names[c]} for c in analysis.specialties],
        "area": town.name if town else "全区",
        "unit_id": town.id if town else None,
        "experts": rank_experts(user, analysis, town, limit),
        "members": rank_members(user, analysis, site, town, limit),
    }


def rank_experts(user: User, analysis: TextAnalysis, town: Unit | None, limit: int
                 ) -> list[dict[str, Any]]:
    """Score experts by specialty, keyword, area and availability; best first."""
    wanted = analysis.specialties
    words = [w for w in analysis.keywords if "|" not in w][:40]
    if not wanted and not words:
        return []
    conditions = [Expert.specialties.like(f"%|{code}|%") for code in wanted]
    conditions += [Expert.keywords.like(f"%|{word}|%") for word in words]
    # Score plain tuples (hundreds of rows); build full records only for the few shown.
    candidates = db.session.execute(
        select(Expert.id, Expert.specialties, Expert.keywords, Expert.unit_id,
               Expert.availability)
        .where(Expert.active.is_(True), Expert.availability != "unavailable",
               or_(*conditions) if conditions else false()))
    district_ids = set(db.session.scalars(select(Unit.id).where(Unit.depth == 0)))
    names = specialties()
    word_set = set(words)
    scored = []
    for expert_id, own_codes, own_words, unit_id, availability in candidates:
        score = 0.0
        reasons = []
        own = set(split_codes(own_codes))
        matched = [code for code in wanted if code in own]
        if matched:
            # The first matching field matters most; each further one adds a little.
            score += 4 + (len(matched) - 1) + 0.1 * sum(analysis.hits[c] for c in matched)
            # Vocabulary order reads the same for every expert.
            reasons.append("专业匹配：" + "、".join(n for c, n in names.items() if c in matched))
        shared = [w for w in split_codes(own_words) if w in word_set]
        if shared:
            score += min(len(shared), 3)
            reasons.append("关键词：" + "、".join(shared))
        if town is not None and unit_id == town.id:
            score += 4
            reasons.append(f"同一板块：{town.name}")
        elif unit_id is None or unit_id in district_ids:
            score += 2
            reasons.append("全区专家")
        else:
            reasons.append("其他板块")  # named below, for the few shown
        if availability == "available":
            score += 1
        else:
            score -= 1
            reasons.append("近期较忙")
        scored.append((score, expert_id, reasons))
    scored.sort(key=lambda item: (-item[0], item[1]))
    top = scored[:limit]
    experts = {e.id: e for e in db.session.scalars(
        select(Expert).where(Expert.id.in_([expert_id for _, expert_id, _ in top])))}
    result = []
    for score, expert_id, reasons in top:
        expert = experts[expert_id]
        if expert.unit is not None:
            reasons = [f"其他板块：{expert.unit.name}" if r == "其他板块" else r
                       for r in reasons]
        result.append({**expert_payload(user, expert), "score": round(score, 2),
                       "reasons": reasons, "reason": "；".join(reasons)})
    return result


def rank_members(user: User, analysis: TextAnalysis, site: Site | None, town: Unit | None,
                 limit: int) -> list[dict[str, Any]]:
    """Score members by attachment to the site or town and by a relevant circle."""
    wanted = set(analysis.specialties)
    circles = [c.id for c in db.session.scalars(select(Circle))
               if CIRCLE_SPECIALTIES.get(c.name, set()) & wanted]
    conditions: list[ColumnElement[bool]] = []
    if circles:
        conditions.append(Member.circle_id.in_(circles))
    if town is not None:
        town_sites = select(Site.id).join(Unit, Site.unit_id == Unit.id).where(
            in_subtree(town.path))
        conditions.append(Member.id.in_(select(MemberSite.member_id).where(
            MemberSite.site_id.in_(town_sites))))
        conditions.append(Member.unit_id == town.id)
    elif site is not None:
        conditions.append(Member.id.in_(select(MemberSite.member_id).where(
            MemberSite.site_id == site.id)))
    if not conditions:
        return []
    scored = []
    for member in db.session.scalars(select(Member).where(Member.active.is_(True),
                                                          or_(*conditions))):
        score = 0.0
        reasons = []
        here = [link for link in member.sites if site is not None and link.site_id == site.id]
        if here:
            score += 5
            reasons.append(f"{SITE_ROLES.get(here[0].role, '挂钩委员')}：{here[0].site.name}")
        elif town is not None and (member.unit_id == town.id or any(
                link.site.unit.is_within(town) for link in member.sites)):
            score += 3
            reasons.append(f"同一板块：{town.name}")
        if member.circle is not None and member.circle_id in circles:
            score += 2
            reasons.append(f"界别相关：{member.circle.name}")
        if score:
            scored.append((score, member, reasons))
    scored.sort(key=lambda item: (-item[0], item[1].id))
    return [{**member_payload(user, member), "score": score, "reasons": reasons,
             "reason": "；".join(reasons)} for score, member, reasons in scored[:limit]]
