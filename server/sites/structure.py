"""The district's structure, edited by its administrators: units, sites, departments.

Units are added, renamed, moved and retired; retiring keeps the row (history points at it)
and needs nothing in use below it. A site's public code never changes: replacing a code
retires the site and opens a copy with a new code, and the retired code's page points there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from server.common.models import utcnow
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.people.access import can_access_unit, ensure_site_access
from server.people.models import User
from server.sites.models import UNIT_KINDS, Department, Site, Unit
from server.sites.services import get_unit, move_unit, new_site_code, set_unit_path, staff_site

ADMIN = {"admin"}


def require_district_admin(user: User) -> None:
    """Raise 403 unless the user is an administrator over the whole district."""
    if not any(g.role == "admin" and g.district_wide for g in user.grants):
        raise Forbidden("仅全区范围的系统管理员可修改", code="district_only")


def _admin_over(user: User, unit: Unit) -> None:
    if not can_access_unit(user, unit, roles=ADMIN):
        raise Forbidden("该单元不在您的管理范围内", code="out_of_scope")


def create_unit(user: User, data: dict[str, Any]) -> Unit:
    """Add a unit under a parent the administrator's scope covers (the root: district-wide)."""
    if db.session.scalar(select(Unit.id).where(Unit.code == data["code"])) is not None:
        raise Conflict("单元编码已存在", code="unit_code_taken", errors={"code": ["编码已存在"]})
    if data["kind"] not in UNIT_KINDS:
        raise ValidationFailed(errors={"kind": ["未知类型"]})
    parent = get_unit(data["parent_id"]) if data.get("parent_id") else None
    if parent is None:
        require_district_admin(user)
        if db.session.scalar(select(Unit.id).where(Unit.parent_id.is_(None))) is not None:
            raise Conflict("已有区县根单元，新单元须有上级", code="root_exists")
    else:
        _admin_over(user, parent)
        if not parent.active:
            raise Conflict("上级单元已撤销", code="unit_retired")
    unit = Unit(code=data["code"], name=data["name"], kind=data["kind"],
                parent_id=parent.id if parent else None, population=data.get("population"),
                sort_order=data.get("sort_order") or 0)
    db.session.add(unit)
    db.session.flush()
    set_unit_path(unit)
    db.session.commit()
    return unit


def update_unit(user: User, unit_id: int, data: dict[str, Any]) -> Unit:
    """Rename a unit, change its kind, population or order, or move it under another."""
    unit = get_unit(unit_id)
    _admin_over(user, unit)
    if "parent_id" in data and data["parent_id"] != unit.parent_id:
        if data["parent_id"] is None:
            raise ValidationFailed(errors={"parent_id": ["只能有一个区县根单元"]})
        parent = get_unit(data["parent_id"])
        _admin_over(user, parent)
        if unit.parent_id is not None:
            _admin_over(user, get_unit(unit.parent_id))
        move_unit(unit, parent)
    for key in ("name", "kind", "population", "sort_order"):
        if key in data:
            if key == "kind" and data[key] not in UNIT_KINDS:
                raise ValidationFailed(errors={"kind": ["未知类型"]})
            setattr(unit, key, data[key])
    db.session.commit()
    return unit


def retire_unit(user: User, unit_id: int) -> Unit:
    """Retire a unit with nothing in use below it (its row and history stay)."""
    unit = get_unit(unit_id)
    _admin_over(user, unit)
    children = db.session.scalar(select(func.count()).select_from(Unit).where(
        Unit.parent_id == unit.id, Unit.active.is_(True))) or 0
    sites = db.session.scalar(select(func.count()).select_from(Site).where(
        Site.unit_id == unit.id, Site.active.is_(True))) or 0
    if children or sites:
        raise Conflict(f"该单元下还有 {children} 个在用下级单元、{sites} 个在用点位，"
                       "须先撤销或移走", code="unit_in_use")
    unit.active, unit.retired_at = False, utcnow()
    db.session.commit()
    return unit


def replace_site_code(user: User, site_id: int) -> Site:
    """Retire a site's code: a copy gets a new code, the old code's page points to it."""
    old = staff_site(user, site_id)
    ensure_site_access(user, old, roles={"admin", "dispatcher"})
    if not old.active:
        raise Conflict("该点位已停用", code="site_retired")
    new = Site(code=new_site_code(), name=old.name, kind=old.kind, unit_id=old.unit_id,
               address=old.address, contact_phone=old.contact_phone, is_demo=old.is_demo,
               latitude=old.latitude, longitude=old.longitude, population=old.population)
    db.session.add(new)
    db.session.flush()
    old.active = False
    old.replaced_by_id = new.id
    db.session.commit()
    return new


# ---- departments ----------------------------------------------------------------------------


def get_department(department_id: int) -> Department:
    """Return a department or raise NotFound."""
    dept = db.session.get(Department, department_id)
    if dept is None:
        raise NotFound("找不到该部门", code="department_not_found")
    return dept


def create_department(user: User, data: dict[str, Any]) -> Department:
    """Add a department (district-wide administrators)."""
    require_district_admin(user)
    if db.session.scalar(select(Department.id).where(Department.code == data["code"])):
        raise Conflict("部门编码已存在", code="department_code_taken",
                       errors={"code": ["编码已存在"]})
    unit_id = data.get("unit_id") or db.session.scalar(
        select(Unit.id).where(Unit.parent_id.is_(None)))
    dept = Department(code=data["code"], name=data["name"], phone=data.get("phone"),
                      unit_id=unit_id)
    db.session.add(dept)
    db.session.commit()
    return dept


def update_department(user: User, department_id: int, data: dict[str, Any]) -> Department:
    """Rename a department, change its phone, or set its head (who gets red warnings)."""
    require_district_admin(user)
    dept = get_department(department_id)
    if "head_user_id" in data and data["head_user_id"] is not None:
        head = db.session.get(User, data["head_user_id"])
        if head is None or not head.active:
            raise ValidationFailed(errors={"head_user_id": ["负责人账号不存在或已停用"]})
    for key in ("name", "phone", "head_user_id"):
        if key in data:
            setattr(dept, key, data[key])
    db.session.commit()
    return dept


def retire_department_into(source: Department, target: Department) -> None:
    """Mark a department merged into another (not committed; the caller moved its work)."""
    if source.id == target.id:
        raise ValidationFailed(errors={"into_id": ["不能合并到自己"]})
    if not target.active:
        raise Conflict("目标部门已停用", code="department_retired")
    source.active = False
    source.merged_into_id = target.id
    if target.head_user_id is None:
        target.head_user_id = source.head_user_id
