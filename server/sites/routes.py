"""Endpoints for units, sites and departments."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from server.people.access import require_staff
from server.sites import services
from server.sites.models import SITE_KINDS, Site, Unit
from server.sites.schemas import (
    DepartmentSchema,
    PublicSiteSchema,
    SiteArgsSchema,
    SiteCreateSchema,
    SitePageSchema,
    SiteSchema,
    SiteUpdateSchema,
    UnitArgsSchema,
    UnitSchema,
)

blp = Blueprint("sites", __name__, url_prefix="/api/v1", description="行政单元、点位与部门")


def site_payload(site: Site) -> dict[str, Any]:
    """Describe a site for staff."""
    return {
        "id": site.id,
        "code": site.code,
        "name": site.name,
        "kind": site.kind,
        "unit_id": site.unit_id,
        "unit_path": services.unit_path_label(site.unit),
        "address": site.address,
        "contact_phone": site.contact_phone,
        "is_demo": site.is_demo,
        "active": site.active,
        "replaced_by_code": site.replaced_by.code if site.replaced_by else None,
        "url": f"{current_app.config['PUBLIC_BASE_URL']}/s/{site.code}",
    }


@blp.route("/units")
@blp.arguments(UnitArgsSchema, location="query")
@blp.response(200, UnitSchema(many=True))
def units(args: dict[str, Any]) -> list[Unit]:
    """List the children of a unit, or the district at the top."""
    require_staff()
    return services.list_units(args.get("parent_id"))


@blp.route("/sites")
@blp.arguments(SiteArgsSchema, location="query")
@blp.response(200, SitePageSchema)
def list_sites(args: dict[str, Any]) -> dict[str, Any]:
    """List the sites within the caller's scope."""
    user = require_staff()
    rows, total = services.list_sites(
        user, unit_id=args["unit_id"], q=args["q"], kind=args["kind"],
        page=args["page"], per_page=args["per_page"],
    )
    return {"items": [site_payload(s) for s in rows], "total": total,
            "page": args["page"], "per_page": args["per_page"]}


@blp.route("/sites", methods=["POST"])
@blp.arguments(SiteCreateSchema)
@blp.response(201, SiteSchema)
def create_site(body: dict[str, Any]) -> dict[str, Any]:
    """Create a site; its public code is drawn once and never changes."""
    user = require_staff("admin", "dispatcher")
    return site_payload(services.create_site(user, body))


@blp.route("/sites/<int:site_id>")
@blp.response(200, SiteSchema)
def get_site(site_id: int) -> dict[str, Any]:
    """Return one site within the caller's scope."""
    return site_payload(services.staff_site(require_staff(), site_id))


@blp.route("/sites/<int:site_id>", methods=["PATCH"])
@blp.arguments(SiteUpdateSchema)
@blp.response(200, SiteSchema)
def update_site(body: dict[str, Any], site_id: int) -> dict[str, Any]:
    """Edit a site's name, address, state or replacement (not its code)."""
    user = require_staff("admin", "dispatcher")
    return site_payload(services.update_site(user, site_id, body))


@blp.route("/public/sites/<string:code>")
@blp.response(200, PublicSiteSchema)
def public_site(code: str) -> dict[str, Any]:
    """Return what a resident may see of a site, by its public code."""
    site = services.site_by_code(code)
    return {
        "code": site.code,
        "name": site.name,
        "kind_name": SITE_KINDS.get(site.kind, site.kind),
        "unit_path": services.unit_path_label(site.unit),
        "address": site.address,
        "is_demo": site.is_demo,
        "active": site.active,
    }


@blp.route("/departments")
@blp.response(200, DepartmentSchema(many=True))
def departments() -> list[Any]:
    """List the departments that handle cases."""
    require_staff()
    return services.list_departments()
