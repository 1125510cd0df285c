"""Members and the think tank (委员下沉, 协商智库): registers, suggestions, invitations.

Suggestions read a case's or a meeting's text with the evaluation domain's jieba tokenizer
(its user dictionary keeps local words like 机耕路 whole and folds variants), map the words
to specialties through data/specialty_keywords.txt, prefilter experts in SQL (a LIKE per
specialty or keyword over 1,450 rows) and score the few hundred left in Python.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, false, func, insert, or_, select

from server.audit.capture import personal_data_shown
from server.common.models import utcnow
from server.common.text import local_time, mask_phone
from server.duty import hooks as duty
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.people.access import can_access_site, can_access_unit, ensure_site_access
from server.people.models import (
    AVAILABILITY,
    INVITATION_STATUSES,
    MEMBER_LEVELS,
    SITE_ROLES,
    Expert,
    Invitation,
    Member,
    MemberSite,
    User,
)
from server.sites.models import Circle, Site, Unit, in_subtree

DATA = Path(__file__).with_name("data")
# Who may read the registers, ask for suggestions and invite (within their scope).
READ_ROLES = ("admin", "dispatcher", "moderator", "supervisor")
MANAGE_ROLES = ("admin",)
TOKEN_DAYS = 30

# Circles (界别) whose members usually know a field; used to suggest members by topic.
CIRCLE_SPECIALTIES = {
    "农业界": {"agriculture", "water"},
    "医药卫生界": {"health"},
    "中国农工民主党": {"health"},
    "教育界": {"education"},
    "中国民主促进会": {"education", "culture_tourism"},
    "经济界": {"economy"},
    "工商业联合会": {"economy"},
    "中国民主建国会": {"economy"},
    "科学技术界": {"planning", "environment", "water"},
    "九三学社": {"environment", "planning"},
    "文化艺术界": {"culture_tourism"},
    "社会福利和社会保障界": {"social_security", "elderly"},
    "中国民主同盟": {"education", "law"},
    "无党派人士": {"law"},
    "中国共产主义青年团": {"governance"},
    "中国共产党": {"governance"},
}


# ---- vocabulary ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    names: dict[str, str] = {}
    words: dict[str, set[str]] = {}
    for line in (DATA / "specialty_keywords.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        code, name, *keywords = line.split()
        names[code] = name
        for word in keywords:
            words.setdefault(word, set()).add(code)
    return names, {w: frozenset(c) for w, c in words.items()}


def specialties() -> dict[str, str]:
    """Return the fixed specialty vocabulary: code → Chinese name, in file order."""
    return dict(_vocabulary()[0])


@dataclass
class TextAnalysis:
    keywords: list[str]
    hits: Counter[str]  # specialty code → number of words that called for it

    @property
    def specialties(self) -> list[str]:
        return [code for code, _ in sorted(self.hits.items(), key=lambda kv: (-kv[1], kv[0]))]


def analyse(text: str) -> TextAnalysis:
    """Cut a text into keywords and count the specialties they call for."""
    from server.evaluation.topics import tokenize

    words = list(dict.fromkeys(tokenize(text)))
    vocabulary = _vocabulary()[1]
    # Words the segmenter split differently are still found inside the raw text.
    for word in vocabulary:
        if len(word) >= 2 and word in text and word not in words:
            words.append(word)
    hits: Counter[str] = Counter()
    for word in words:
        for code in vocabulary.get(word, ()):
            hits[code] += 1
    return TextAnalysis(words, hits)


def _codes(value: str) -> list[str]:
    return [part for part in value.split("|") if part]


def _joined(values: list[str]) -> str:
    return "|" + "|".join(dict.fromkeys(v.strip() for v in values if v.strip())) + "|"


def _check_specialties(codes: list[str]) -> None:
    unknown = [c for c in codes if c not in specialties()]
    if unknown:
        raise ValidationFailed(errors={"specialties": [f"未知专业领域：{'、'.join(unknown)}"]})


# ---- areas ---------------------------------------------------------------------------------


def sector_of(unit: Unit | None) -> Unit | None:
    """Return the sector (镇/街道/园区, depth 1) a unit lies in; None for the district."""
    if unit is None or unit.depth == 0:
        return None
    if unit.depth == 1:
        return unit
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    return db.session.get(Unit, ids[1]) if len(ids) > 1 else None


def _area_label(unit: Unit | None) -> str:
    return "全区" if unit is None or unit.depth == 0 else unit.name


# ---- registers -----------------------------------------------------------------------------


def _phone_for(user: User, phone: str | None, in_scope: bool, detail: bool) -> str | None:
    # Lists always mask; a single record shows the number to admins and staff in scope.
    if detail and ("admin" in user.roles or in_scope):
        if phone:
            personal_data_shown()  # the audit log keeps who read it
        return phone
    return mask_phone(phone)


def expert_payload(user: User, expert: Expert, detail: bool = False) -> dict[str, Any]:
    """Describe an expert for staff (phone masked unless allowed)."""
    names = specialties()
    # An expert without a unit belongs to the whole district: only district-wide staff.
    in_scope = detail and (can_access_unit(user, expert.unit, READ_ROLES) if expert.unit
                           else any(g.district_wide for g in user.grants
                                    if g.role in READ_ROLES))
    return {
        "id": expert.id,
        "name": expert.name,
        "specialties": _codes(expert.specialties),
        "specialty_names": [names.get(c, c) for c in _codes(expert.specialties)],
        "keywords": _codes(expert.keywords),
        "unit_id": expert.unit_id,
        "area": _area_label(expert.unit),
        "title": expert.title,
        "organisation": expert.organisation,
        "availability": expert.availability,
        "availability_name": AVAILABILITY.get(expert.availability, expert.availability),
        "phone": _phone_for(user, expert.phone, in_scope, detail),
        "active": expert.active,
    }


def member_payload(user: User, member: Member, detail: bool = False) -> dict[str, Any]:
    """Describe a member for staff (phone masked unless allowed)."""
    in_scope = detail and any(can_access_site(user, link.site, READ_ROLES)
                              for link in member.sites)
    return {
        "id": member.id,
        "name": member.name,
        "circle_id": member.circle_id,
        "circle": member.circle.name if member.circle else None,
        "level": member.level,
        "level_name": MEMBER_LEVELS.get(member.level, member.level),
        "user_id": member.user_id,
        "unit_id": member.unit_id,
        "area": _area_label(member.unit) if member.unit_id else None,
        "organisation": member.organisation,
        "phone": _phone_for(user, member.phone, in_scope, detail),
        "active": member.active,
        "sites": [{"site_id": link.site_id, "site_name": link.site.name, "role": link.role,
                   "role_name": SITE_ROLES.get(link.role, link.role)} for link in member.sites],
    }


def _page(query: Select[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return rows, int(total or 0)


def list_experts(user: User, args: dict[str, Any]) -> dict[str, Any]:
    """Search the expert pool by name/organisation/keyword, specialty, area, availability."""
    query = select(Expert).where(Expert.active.is_(True)).order_by(Expert.id)
    if args.get("q"):
        like = f"%{args['q']}%"
        query = query.where(or_(Expert.name.like(like), Expert.organisation.like(like),
                                Expert.title.like(like), Expert.keywords.like(like)))
    if args.get("specialty"):
        query = query.where(Expert.specialties.like(f"%|{args['specialty']}|%"))
    if args.get("unit_id"):
        query = query.where(Expert.unit_id == args["unit_id"])
    if args.get("availability"):
        query = query.where(Expert.availability == args["availability"])
    rows, total = _page(query, args["page"], args["per_page"])
    return {"items": [expert_payload(user, e) for e in rows], "total": total,
            "page": args["page"], "per_page": args["per_page"]}


def _expert(expert_id: int) -> Expert:
    expert = db.session.get(Expert, expert_id)
    if expert is None:
        raise NotFound("找不到该专家", code="expert_not_found")
    return expert


def get_expert(user: User, expert_id: int) -> dict[str, Any]:
    """Return one expert; the phone is shown to admins and staff whose scope covers the area."""
    return expert_payload(user, _expert(expert_id), detail=True)


def _area_unit(unit_id: int | None) -> None:
    if unit_id is None:
        return
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.depth > 1:
        raise ValidationFailed(errors={"unit_id": ["专家所在区域须为全区或某个镇（街道、园区）"]})


def save_expert(user: User, data: dict[str, Any], expert_id: int | None = None) -> dict[str, Any]:
    """Create an expert, or update one with the fields given."""
    expert = _expert(expert_id) if expert_id else Expert()
    if "specialties" in data:
        _check_specialties(data["specialties"])
        expert.specialties = _joined(data.pop("specialties"))
    if "keywords" in data:
        expert.keywords = _joined(data.pop("keywords"))
    if "unit_id" in data:
        _area_unit(data["unit_id"])
    for key, value in data.items():
        setattr(expert, key, value)
    if expert_id is None:
        db.session.add(expert)
    db.session.commit()
    return expert_payload(user, expert, detail=True)


def list_members(user: User, args: dict[str, Any]) -> dict[str, Any]:
    """Search the member register by name, circle, level or attached site."""
    query = select(Member).where(Member.active.is_(True)).order_by(Member.id)
    if args.get("q"):
        query = query.where(or_(Member.name.like(f"%{args['q']}%"),
                                Member.organisation.like(f"%{args['q']}%")))
    if args.get("circle_id"):
        query = query.where(Member.circle_id == args["circle_id"])
    if args.get("level"):
        query = query.where(Member.level == args["level"])
    if args.get("site_id"):
        query = query.where(Member.id.in_(
            select(MemberSite.member_id).where(MemberSite.site_id == args["site_id"])))
    rows, total = _page(query, args["page"], args["per_page"])
    return {"items": [member_payload(user, m) for m in rows], "total": total,
            "page": args["page"], "per_page": args["per_page"]}


def _member(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound("找不到该委员", code="member_not_found")
    return member


def get_member(user: User, member_id: int) -> dict[str, Any]:
    """Return one member; the phone is shown to admins and staff covering an attached site."""
    return member_payload(user, _member(member_id), detail=True)


def save_member(user: User, data: dict[str, Any], member_id: int | None = None) -> dict[str, Any]:
    """Create a member, or update one (sites given replace the attached sites)."""
    member = _member(member_id) if member_id else Member()
    if data.get("circle_id") is not None and db.session.get(Circle, data["circle_id"]) is None:
        raise ValidationFailed(errors={"circle_id": ["找不到该界别"]})
    if data.get("user_id") is not None:
        linked = db.session.get(User, data["user_id"])
        if linked is None or "member" not in linked.roles:
            raise ValidationFailed(errors={"user_id": ["关联账号须为具有“政协委员”角色的账号"]})
        taken = db.session.scalar(select(Member.id).where(Member.user_id == data["user_id"]))
        if taken is not None and taken != member_id:
            raise Conflict("该账号已关联其他委员", code="member_user_taken")
    if data.get("unit_id") is not None and db.session.get(Unit, data["unit_id"]) is None:
        raise ValidationFailed(errors={"unit_id": ["找不到该区域"]})
    if "sites" in data:
        links = data.pop("sites")
        site_ids = [link["site_id"] for link in links]
        if len(set(site_ids)) != len(site_ids):
            raise ValidationFailed(errors={"sites": ["点位重复"]})
        found = set(db.session.scalars(select(Site.id).where(Site.id.in_(site_ids))))
        if found != set(site_ids):
            raise ValidationFailed(errors={"sites": ["找不到部分点位"]})
        existing = {link.site_id: link for link in member.sites}
        member.sites = [existing.get(link["site_id"]) or MemberSite(site_id=link["site_id"])
                        for link in links]
        for row, link in zip(member.sites, links, strict=True):
            row.role = link.get("role", "liaison")
    for key, value in data.items():
        setattr(member, key, value)
    if member_id is None:
        db.session.add(member)
    db.session.commit()
    db.session.refresh(member)
    return member_payload(user, member, detail=True)


# ---- suggestions ---------------------------------------------------------------------------


def _opinion_for(user: User, opinion_id: int) -> tuple[Any, Site]:
    from server.intake.models import Opinion

    opinion = db.session.get(Opinion, opinion_id)
    if opinion is None:
        raise NotFound("找不到该诉求", code="opinion_not_found")
    site = db.session.get(Site, opinion.site_id)
    assert site is not None
    ensure_site_access(user, site, READ_ROLES)
    return opinion, site


def _meeting_for(user: User, meeting_id: int) -> tuple[Any, Site]:
    from server.meetings.models import Meeting

    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("找不到该协商活动", code="meeting_not_found")
    ensure_site_access(user, meeting.site, READ_ROLES)
    return meeting, meeting.site


def suggest_for_opinion(user: User, opinion_id: int, limit: int = 10) -> dict[str, Any]:
    """Suggest experts and members for a case, by its text and where it came from."""
    opinion, site = _opinion_for(user, opinion_id)
    text = opinion.text + (" " + opinion.category.name if opinion.category else "")
    result = suggest(user, text, site=site, limit=limit)
    return _mark_invited(result, Invitation.opinion_id == opinion_id)


def suggest_for_meeting(user: User, meeting_id: int, limit: int = 10) -> dict[str, Any]:
    """Suggest experts and members for a meeting, by its topic, agenda and site."""
    meeting, site = _meeting_for(user, meeting_id)
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
        own = set(_codes(own_codes))
        matched = [code for code in wanted if code in own]
        if matched:
            # The first matching field matters most; each further one adds a little.
            score += 4 + (len(matched) - 1) + 0.1 * sum(analysis.hits[c] for c in matched)
            # Vocabulary order reads the same for every expert.
            reasons.append("专业匹配：" + "、".join(n for c, n in names.items() if c in matched))
        shared = [w for w in _codes(own_words) if w in word_set]
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
    conditions = []
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


# ---- invitations ---------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="invitation-token")


def invitation_token(invitation: Invitation) -> str | None:
    """Sign the one-time response link token of a pending invitation."""
    if invitation.token_nonce is None:
        return None
    return str(_serializer().dumps({"i": invitation.id, "n": invitation.token_nonce}))


def respond_url(invitation: Invitation) -> str | None:
    """Return the link an invitee opens to answer without an account."""
    token = invitation_token(invitation)
    if token is None:
        return None
    return f"{current_app.config['PUBLIC_BASE_URL']}/invite/{token}"


def _target(invitation: Invitation) -> dict[str, Any]:
    from server.intake.models import Opinion
    from server.intake.textmatch import excerpt
    from server.meetings.models import Meeting

    if invitation.opinion_id is not None:
        opinion = db.session.get(Opinion, invitation.opinion_id)
        assert opinion is not None
        return {"kind": "opinion", "id": opinion.id, "label": f"诉求 {opinion.tracking_no}",
                "summary": excerpt(opinion.text, 120), "site_id": opinion.site_id,
                "starts_at": None}
    meeting = db.session.get(Meeting, invitation.meeting_id)
    assert meeting is not None
    return {"kind": "meeting", "id": meeting.id, "label": f"协商活动：{meeting.title}",
            "summary": excerpt(meeting.description, 120), "site_id": meeting.site_id,
            "starts_at": local_time(meeting.starts_at).strftime("%Y-%m-%d %H:%M")}


def invitation_payload(invitation: Invitation, *, staff: bool = True) -> dict[str, Any]:
    """Describe an invitation; the response link only for staff and while pending."""
    invitee = invitation.expert or invitation.member
    assert invitee is not None
    return {
        "id": invitation.id,
        "target": _target(invitation),
        "invitee_kind": "expert" if invitation.expert_id else "member",
        "expert_id": invitation.expert_id,
        "member_id": invitation.member_id,
        "invitee_name": invitee.name,
        "invited_by": invitation.invited_by.display_name if invitation.invited_by else None,
        "message": invitation.message,
        "status": invitation.status,
        "status_name": INVITATION_STATUSES.get(invitation.status, invitation.status),
        "response_note": invitation.response_note,
        "responded_via": invitation.responded_via,
        "created_at": invitation.created_at,
        "responded_at": invitation.responded_at,
        "respond_url": respond_url(invitation) if staff else None,
    }


def create_invitation(user: User, data: dict[str, Any]) -> dict[str, Any]:
    """Invite an expert or a member to a case or a meeting; notify a member's account."""
    from server.notify.models import Notification

    if (data.get("opinion_id") is None) == (data.get("meeting_id") is None):
        raise ValidationFailed(errors={"opinion_id": ["须指定一个诉求或一个协商活动"]})
    if (data.get("expert_id") is None) == (data.get("member_id") is None):
        raise ValidationFailed(errors={"expert_id": ["须指定一位专家或一位委员"]})
    if data.get("opinion_id") is not None:
        _opinion_for(user, data["opinion_id"])
    else:
        _meeting_for(user, data["meeting_id"])
    if data.get("expert_id") is not None:
        invitee: Expert | Member = _expert(data["expert_id"])
        if invitee.availability == "unavailable" or not invitee.active:
            raise Conflict("该专家暂不可邀请", code="expert_unavailable")
    else:
        invitee = _member(data["member_id"])
        if not invitee.active:
            raise Conflict("该委员已不在册", code="member_inactive")
    duplicate = db.session.scalar(select(Invitation.id).where(
        Invitation.opinion_id.is_(None) if data.get("opinion_id") is None
        else Invitation.opinion_id == data["opinion_id"],
        Invitation.meeting_id.is_(None) if data.get("meeting_id") is None
        else Invitation.meeting_id == data["meeting_id"],
        Invitation.expert_id == data["expert_id"] if data.get("expert_id") is not None
        else Invitation.member_id == data["member_id"],
        Invitation.status.in_(["pending", "accepted"])))
    if duplicate is not None:
        raise Conflict("已邀请过此人，请等待回复", code="already_invited")
    invitation = Invitation(
        opinion_id=data.get("opinion_id"), meeting_id=data.get("meeting_id"),
        expert_id=data.get("expert_id"), member_id=data.get("member_id"),
        invited_by_id=user.id, message=data.get("message", ""), status="pending",
        token_nonce=secrets.token_hex(8),
    )
    db.session.add(invitation)
    db.session.flush()
    if isinstance(invitee, Member) and invitee.user_id is not None:
        label = _target(invitation)["label"]
        db.session.add(Notification(
            event="invited", channel="inbox", user_id=invitee.user_id,
            opinion_id=invitation.opinion_id, title=f"邀请您参与{label}"[:64],
            body=invitation.message, payload={"invitation_id": invitation.id},
            status="sent", sent_at=utcnow(), attempts=0))
    db.session.commit()
    return invitation_payload(invitation)


def list_invitations(user: User, args: dict[str, Any]) -> list[dict[str, Any]]:
    """List invitations: of a case or meeting in scope, else all in scope plus the caller's."""
    from server.intake.models import Opinion
    from server.meetings.models import Meeting
    from server.people.access import site_scope_filter

    query = select(Invitation).order_by(Invitation.id.desc()).limit(args.get("limit", 200))
    if args.get("opinion_id"):
        _opinion_for(user, args["opinion_id"])
        query = query.where(Invitation.opinion_id == args["opinion_id"])
    elif args.get("meeting_id"):
        _meeting_for(user, args["meeting_id"])
        query = query.where(Invitation.meeting_id == args["meeting_id"])
    else:
        site_id = func.coalesce(Opinion.site_id, Meeting.site_id)
        mine = Invitation.member_id.in_(select(Member.id).where(Member.user_id == user.id))
        query = (query.outerjoin(Opinion, Invitation.opinion_id == Opinion.id)
                 .outerjoin(Meeting, Invitation.meeting_id == Meeting.id)
                 .outerjoin(Site, Site.id == site_id)
                 .where(or_(site_scope_filter(user, READ_ROLES), mine)))
    if args.get("status"):
        query = query.where(Invitation.status == args["status"])
    return [invitation_payload(i) for i in db.session.scalars(query)]


def _answer(invitation: Invitation, response: str, note: str | None, via: str) -> None:
    from server.notify.models import Notification

    if invitation.status != "pending":
        raise Conflict("该邀请已回复", code="invitation_answered")
    invitation.status = "accepted" if response == "accept" else "declined"
    invitation.response_note = note or None
    invitation.responded_via = via
    invitation.responded_at = utcnow()
    invitation.token_nonce = None  # the link has been used
    invitee = invitation.expert or invitation.member
    assert invitee is not None
    if invitation.status == "accepted" and invitation.meeting_id is not None:
        _add_participant(invitation, invitee)
    if invitation.invited_by_id is not None:
        db.session.add(Notification(
            event="invite_reply", channel="inbox", user_id=invitation.invited_by_id,
            opinion_id=invitation.opinion_id,
            title=f"{invitee.name}{INVITATION_STATUSES[invitation.status]}邀请"[:64],
            body=note or "", payload={"invitation_id": invitation.id},
            status="sent", sent_at=utcnow(), attempts=0))
    db.session.commit()
    duty.invitation_answered(invitation)


def _add_participant(invitation: Invitation, invitee: Expert | Member) -> None:
    # An accepted meeting invitation puts the person on the meeting's participant list.
    from server.meetings.models import MeetingParticipant

    kind = "expert" if invitation.expert_id else "member"
    listed = db.session.scalar(select(MeetingParticipant.id).where(
        MeetingParticipant.meeting_id == invitation.meeting_id,
        MeetingParticipant.kind == kind, MeetingParticipant.name == invitee.name))
    if listed is None:
        organisation = invitee.organisation if isinstance(invitee, Expert) else (
            invitee.circle.name if invitee.circle else invitee.organisation)
        db.session.add(MeetingParticipant(meeting_id=invitation.meeting_id, kind=kind,
                                          name=invitee.name, organisation=organisation[:100]))


def respond(user: User, invitation_id: int, response: str, note: str | None
            ) -> dict[str, Any]:
    """Answer an invitation signed in: the invited member, or staff recording a phone reply."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound("找不到该邀请", code="invitation_not_found")
    if invitation.member is not None and invitation.member.user_id == user.id:
        via = "account"
    elif set(READ_ROLES) & user.roles:
        site = db.session.get(Site, _target(invitation)["site_id"])
        assert site is not None
        ensure_site_access(user, site, READ_ROLES)
        via = "staff"
    else:
        raise Forbidden("只能回复发给您本人的邀请", code="not_invitee")
    _answer(invitation, response, note, via)
    return invitation_payload(invitation)


def _by_token(token: str) -> Invitation:
    max_age = current_app.config.get("INVITATION_TOKEN_DAYS", TOKEN_DAYS) * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        raise NotFound("邀请链接无效或已过期", code="invalid_invitation_link") from None
    invitation = db.session.get(Invitation, int(data.get("i", 0)))
    if invitation is None:
        raise NotFound("邀请链接无效或已过期", code="invalid_invitation_link")
    if invitation.token_nonce != data.get("n"):
        raise Conflict("该邀请已回复，链接已失效", code="invitation_answered",
                       errors={"status": invitation.status})
    return invitation


def invitation_for_token(token: str) -> dict[str, Any]:
    """Show an invitee (no account) what the link invites them to."""
    return invitation_payload(_by_token(token), staff=False)


def respond_by_token(token: str, response: str, note: str | None) -> dict[str, Any]:
    """Answer an invitation through its one-time link."""
    invitation = _by_token(token)
    _answer(invitation, response, note, "link")
    return invitation_payload(invitation, staff=False)


# ---- import --------------------------------------------------------------------------------

IMPORT_COLUMNS = ("姓名", "专业领域", "关键词", "区域", "职称", "单位", "状态", "电话")


def _split(value: str) -> list[str]:
    for sep in "，,;；/ ":
        value = value.replace(sep, "、")
    return [part for part in value.split("、") if part]


def import_experts(rows: list[dict[str, str]]) -> dict[str, Any]:
    """Add or update experts from spreadsheet rows (columns IMPORT_COLUMNS); all or nothing.

    A row whose 姓名 and 电话 match an expert already in the pool updates that expert.
    """
    by_name = {name: code for code, name in specialties().items()}
    availability = {name: code for code, name in AVAILABILITY.items()}
    areas = {u.name: u for u in db.session.scalars(select(Unit).where(Unit.depth <= 1))}
    district = next((u for u in areas.values() if u.depth == 0), None)
    existing = {(e.name, e.phone or ""): e for e in db.session.scalars(select(Expert))}
    errors: list[str] = []
    parsed: list[dict[str, Any]] = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        name = row.get("姓名", "")
        if not name:
            errors.append(f"第 {line} 行：缺少姓名")
            continue
        fields_ = _split(row.get("专业领域", ""))
        unknown = [f for f in fields_ if f not in by_name and f not in specialties()]
        if not fields_ or unknown:
            errors.append(f"第 {line} 行：专业领域须为固定分类之一，"
                          f"无法识别：{'、'.join(unknown) or '（空）'}")
            continue
        area_name = row.get("区域", "") or "全区"
        area = district if area_name in {"全区", "区级"} else areas.get(area_name)
        if area is None:
            errors.append(f"第 {line} 行：找不到区域“{area_name}”（填镇、街道、园区名或“全区”）")
            continue
        state = row.get("状态", "") or "可邀请"
        if state not in availability and state not in AVAILABILITY:
            errors.append(f"第 {line} 行：状态须为 可邀请、较忙 或 暂不可邀请")
            continue
        parsed.append({
            "name": name[:32],
            "specialties": _joined([by_name.get(f, f) for f in fields_]),
            "keywords": _joined([k[:16] for k in _split(row.get("关键词", ""))][:12]),
            "unit_id": area.id if area else None, "title": row.get("职称", "")[:64],
            "organisation": row.get("单位", "")[:128],
            "availability": availability.get(state, state), "phone": row.get("电话") or None,
        })
    if errors:
        return {"added": 0, "updated": 0, "errors": errors}
    added = updated = 0
    fresh = []
    for data in parsed:
        expert = existing.get((data["name"], data["phone"] or ""))
        if expert is None:
            fresh.append({**data, "active": True, "created_at": utcnow(),
                          "updated_at": utcnow()})
            added += 1
        else:
            for key, value in data.items():
                setattr(expert, key, value)
            updated += 1
    if fresh:
        db.session.execute(insert(Expert), fresh)
    db.session.commit()
    return {"added": added, "updated": updated, "errors": []}
