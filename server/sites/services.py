"""Rules for units, sites and departments."""

from __future__ import annotations

import secrets
from collections.abc import Container
from typing import Any

from sqlalchemy import func, or_, select

from server.errors import NotFound, ValidationFailed
from server.extensions import db
from server.people.access import ensure_site_access, site_scope_filter
from server.people.models import User
from server.sites.models import SITE_KINDS, Department, Site, Unit, in_subtree

# No 0/O, 1/I/L: people type these codes from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def new_site_code(rng: secrets.SystemRandom | Any = None,
                  taken: Container[str] | None = None) -> str:
    """Draw an unused public site code (`taken`: every code in use, already loaded)."""
    rng = rng or secrets.SystemRandom()
    while True:
        code = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if taken is not None:
            if code not in taken:
                return code
        elif db.session.scalar(select(Site.id).where(Site.code == code)) is None:
            return code


def unit_chain(unit: Unit) -> list[Unit]:
    """Return the unit's ancestors and itself, from the top."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [units[i] for i in ids if i in units]


def unit_path_label(unit: Unit, *, with_district: bool = False) -> str:
    """Return a label like "龙冈镇 · 黄庄村" for posters and pages."""
    chain = unit_chain(unit)
    if not with_district:
        chain = [u for u in chain if u.kind != "district"]
    return " · ".join(u.name for u in chain)


def set_unit_path(unit: Unit) -> None:
    """Compute the materialised path of a (flushed) unit from its parent."""
    parent = db.session.get(Unit, unit.parent_id) if unit.parent_id else None
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0


def move_unit(unit: Unit, parent: Unit | None) -> None:
    """Put a unit (and its subtree) under another parent, rewriting the subtree's paths."""
    if parent is not None and parent.path.startswith(unit.path):
        raise ValidationFailed(errors={"parent_id": ["不能移到自己或自己的下级单元之下"]})
    old_path, old_depth = unit.path, unit.depth
    unit.parent_id = parent.id if parent else None
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0
    if unit.path == old_path:
        return
    for child in db.session.scalars(select(Unit).where(Unit.path.startswith(old_path),
                                                       Unit.id != unit.id)):
        child.path = unit.path + child.path[len(old_path):]
        child.depth = child.depth - old_depth + unit.depth


def list_units(parent_id: int | None, include_retired: bool = False) -> list[Unit]:
    """List the children of a unit (the top level when none is given), in use by default."""
    condition = Unit.parent_id == parent_id if parent_id else Unit.parent_id.is_(None)
    query = select(Unit).where(condition)
    if not include_retired:
        query = query.where(Unit.active.is_(True))
    return list(db.session.scalars(query.order_by(Unit.sort_order, Unit.id)))


def get_unit(unit_id: int) -> Unit:
    """Return a unit or raise NotFound."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("找不到该行政单元")
    return unit


def site_by_code(code: str) -> Site:
    """Return a site by its public code (any state), or raise NotFound."""
    site = db.session.scalar(select(Site).where(Site.code == code.upper()))
    if site is None:
        raise NotFound("找不到这个协商议事点位，请核对二维码或编号", code="site_not_found")
    return site


def staff_site(user: User, site_id: int) -> Site:
    """Return a site the staff user may see, raising 404 or 403."""
    site = db.session.get(Site, site_id)
    if site is None:
        raise NotFound("找不到该点位")
    ensure_site_access(user, site)
    return site


def list_sites(
    user: User, *, unit_id: int | None, q: str | None, kind: str | None, page: int, per_page: int
) -> tuple[list[Site], int]:
    """List the sites within the user's scope, filtered, one page at a time."""
    query = select(Site).join(Unit, Site.unit_id == Unit.id).where(site_scope_filter(user))
    if unit_id:
        unit = get_unit(unit_id)
        query = query.where(in_subtree(unit.path))
    if q:
        like = f"%{q}%"
        query = query.where(or_(Site.name.like(like), Site.code == q.upper()))
    if kind:
        query = query.where(Site.kind == kind)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(Unit.path, Site.id).offset((page - 1) * per_page).limit(per_page)
    )
    return list(rows), total


def create_site(user: User, data: dict[str, Any]) -> Site:
    """Create a site under a unit within the user's scope, with a fresh public code."""
    unit = get_unit(data["unit_id"])
    if data.get("kind", "room") not in SITE_KINDS:
        raise ValidationFailed(errors={"kind": ["未知点位类型"]})
    site = Site(code=new_site_code(), unit=unit, **{k: v for k, v in data.items()
                                                    if k != "unit_id"})
    ensure_site_access(user, site, roles={"admin", "dispatcher"})
    db.session.add(site)
    db.session.commit()
    return site


def update_site(user: User, site_id: int, data: dict[str, Any]) -> Site:
    """Change a site's editable fields (never its code)."""
    site = staff_site(user, site_id)
    ensure_site_access(user, site, roles={"admin", "dispatcher"})
    if "replaced_by_code" in data:
        code = data.pop("replaced_by_code")
        site.replaced_by = site_by_code(code) if code else None
    for key, value in data.items():
        setattr(site, key, value)
    db.session.commit()
    return site


def list_departments() -> list[Department]:
    """List active departments by name."""
    return list(db.session.scalars(
        select(Department).where(Department.active.is_(True)).order_by(Department.code)
    ))
