"""The registers of experts and members: who may read them, phones masked, areas, paging."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select

from server.audit.capture import personal_data_shown
from server.common.text import mask_phone
from server.errors import Conflict, NotFound, ValidationFailed
from server.extensions import db
from server.people.access import can_access_site, can_access_unit
from server.people.models import (
    AVAILABILITY,
    MEMBER_LEVELS,
    SITE_ROLES,
    Expert,
    Member,
    MemberSite,
    User,
)
from server.sites.models import Circle, Site, Unit
from server.thinktank.vocabulary import check_specialties, join_codes, specialties, split_codes

# Who may read the registers, ask for suggestions and invite (within their scope).
READ_ROLES = ("admin", "dispatcher", "moderator", "supervisor")
MANAGE_ROLES = ("admin",)


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
        "specialties": split_codes(expert.specialties),
        "specialty_names": [names.get(c, c) for c in split_codes(expert.specialties)],
        "keywords": split_codes(expert.keywords),
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


def load_expert(expert_id: int) -> Expert:
    """Return an expert, or raise 404."""
    expert = db.session.get(Expert, expert_id)
    if expert is None:
        raise NotFound("找不到该专家", code="expert_not_found")
    return expert


def get_expert(user: User, expert_id: int) -> dict[str, Any]:
    """Return one expert; the phone is shown to admins and staff whose scope covers the area."""
    return expert_payload(user, load_expert(expert_id), detail=True)


def _area_unit(unit_id: int | None) -> None:
    if unit_id is None:
        return
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.depth > 1:
        raise ValidationFailed(errors={"unit_id": ["专家所在区域须为全区或某个镇（街道、园区）"]})


def save_expert(user: User, data: dict[str, Any], expert_id: int | None = None) -> dict[str, Any]:
    """Create an expert, or update one with the fields given."""
    expert = load_expert(expert_id) if expert_id else Expert()
    if "specialties" in data:
        check_specialties(data["specialties"])
        expert.specialties = join_codes(data.pop("specialties"))
    if "keywords" in data:
        expert.keywords = join_codes(data.pop("keywords"))
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


def load_member(member_id: int) -> Member:
    """Return a member, or raise 404."""
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound("找不到该委员", code="member_not_found")
    return member


def get_member(user: User, member_id: int) -> dict[str, Any]:
    """Return one member; the phone is shown to admins and staff covering an attached site."""
    return member_payload(user, load_member(member_id), detail=True)


def save_member(user: User, data: dict[str, Any], member_id: int | None = None) -> dict[str, Any]:
    """Create a member, or update one (sites given replace the attached sites)."""
    member = load_member(member_id) if member_id else Member()
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
