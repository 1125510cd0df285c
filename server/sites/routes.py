"""Endpoints for units, sites and departments."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint

from server.audit.capture import mark_audited
from server.people.access import require_staff
from server.sites import posters, services, structure
from server.sites.models import SITE_KINDS, Site, Unit
from server.sites.schemas import (
    DepartmentCreateSchema,
    DepartmentSchema,
    DepartmentUpdateSchema,
    PosterArgsSchema,
    PosterPngArgsSchema,
    PublicSiteSchema,
    QrPngArgsSchema,
    ScanArgsSchema,
    ScanStatsSchema,
    SiteArgsSchema,
    SiteCreateSchema,
    SitePageSchema,
    SiteSchema,
    SiteUpdateSchema,
    UnitArgsSchema,
    UnitCreateSchema,
    UnitSchema,
    UnitUpdateSchema,
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
        "latitude": site.latitude,
        "longitude": site.longitude,
        "population": site.population,
    }


@blp.route("/units")
@blp.arguments(UnitArgsSchema, location="query")
@blp.response(200, UnitSchema(many=True))
def units(args: dict[str, Any]) -> list[Unit]:
    """List the children of a unit, or the district at the top."""
    require_staff()
    return services.list_units(args.get("parent_id"), args["include_retired"])


@blp.route("/units", methods=["POST"])
@blp.arguments(UnitCreateSchema)
@blp.response(201, UnitSchema)
def create_unit(body: dict[str, Any]) -> Unit:
    """Add a unit under a parent within your admin scope."""
    return structure.create_unit(require_staff("admin"), body)


@blp.route("/units/<int:unit_id>", methods=["PATCH"])
@blp.arguments(UnitUpdateSchema)
@blp.response(200, UnitSchema)
def update_unit(body: dict[str, Any], unit_id: int) -> Unit:
    """Rename a unit, change its kind, population or order, or move it (parent_id)."""
    return structure.update_unit(require_staff("admin"), unit_id, body)


@blp.route("/units/<int:unit_id>/retire", methods=["POST"])
@blp.response(200, UnitSchema)
def retire_unit(unit_id: int) -> Unit:
    """Retire a unit with nothing in use below it (it is kept, with its history)."""
    return structure.retire_unit(require_staff("admin"), unit_id)


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


@blp.route("/sites/<int:site_id>/replace-code", methods=["POST"])
@blp.response(201, SiteSchema)
def replace_site_code(site_id: int) -> dict[str, Any]:
    """Retire a site's code: a copy gets a new code; the old code's page points to it."""
    user = require_staff("admin", "dispatcher")
    return site_payload(structure.replace_site_code(user, site_id))


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


@blp.route("/departments", methods=["POST"])
@blp.arguments(DepartmentCreateSchema)
@blp.response(201, DepartmentSchema)
def create_department(body: dict[str, Any]) -> Any:
    """Add a department (district-wide administrators)."""
    return structure.create_department(require_staff("admin"), body)


@blp.route("/departments/<int:department_id>", methods=["PATCH"])
@blp.arguments(DepartmentUpdateSchema)
@blp.response(200, DepartmentSchema)
def update_department(body: dict[str, Any], department_id: int) -> Any:
    """Rename a department, change its phone or set its head."""
    return structure.update_department(require_staff("admin"), department_id, body)


# ---- posters, QR codes and scan figures (staff only, within scope) -----------------------

BINARY = {"type": "string", "format": "binary"}


def send_download(download: posters.Download) -> Response:
    """Send a generated file as an attachment with its (Chinese) file name."""
    mark_audited("download")
    import io

    from flask import send_file

    response = send_file(io.BytesIO(download.data), mimetype=download.mimetype,
                         as_attachment=True, download_name=download.filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@blp.route("/sites/<int:site_id>/poster.pdf")
@blp.arguments(PosterArgsSchema, location="query")
@blp.response(200, BINARY, content_type="application/pdf",
              description="print-ready poster: vector QR, embedded CJK font subset")
def site_poster_pdf(args: dict[str, Any], site_id: int) -> Response:
    """Download a site's poster as a print PDF (A4/A3 wall poster, A5 table tent)."""
    return send_download(posters.site_poster_pdf(
        require_staff(), site_id, args["size"], args["bleed"], args["crop_marks"]))


@blp.route("/sites/<int:site_id>/poster.png")
@blp.arguments(PosterPngArgsSchema, location="query")
@blp.response(200, BINARY, content_type="image/png", description="poster preview")
def site_poster_png(args: dict[str, Any], site_id: int) -> Response:
    """Download a PNG preview of a site's poster."""
    return send_download(posters.site_poster_png(require_staff(), site_id, args["size"],
                                                 args["dpi"]))


@blp.route("/sites/<int:site_id>/qr.png")
@blp.arguments(QrPngArgsSchema, location="query")
@blp.response(200, BINARY, content_type="image/png", description="QR code, px square")
def site_qr_png(args: dict[str, Any], site_id: int) -> Response:
    """Download a site's QR code as a PNG of the requested size."""
    return send_download(posters.site_qr_png(require_staff(), site_id, args["px"]))


@blp.route("/sites/<int:site_id>/qr.svg")
@blp.response(200, BINARY, content_type="image/svg+xml", description="QR code as SVG")
def site_qr_svg(site_id: int) -> Response:
    """Download a site's QR code as SVG."""
    return send_download(posters.site_qr_svg(require_staff(), site_id))


@blp.route("/sites/<int:site_id>/wxacode.png")
@blp.response(200, BINARY, content_type="image/png",
              description="WeChat mini-program code (getwxacodeunlimit)")
def site_wxacode(site_id: int) -> Response:
    """Download a site's WeChat mini-program code, made by WeChat."""
    return send_download(posters.site_wxacode(require_staff(), site_id))


@blp.route("/sites/<int:site_id>/scans")
@blp.arguments(ScanArgsSchema, location="query")
@blp.response(200, ScanStatsSchema)
def site_scans(args: dict[str, Any], site_id: int) -> dict[str, Any]:
    """Return a site's daily unique visitors and scans of its QR code."""
    return posters.site_scans(require_staff(), site_id, args["days"])


@blp.route("/units/<int:unit_id>/posters.pdf")
@blp.arguments(PosterArgsSchema, location="query")
@blp.response(200, BINARY, content_type="application/pdf",
              description="one page per active site under the unit, in unit-path order")
def unit_posters_pdf(args: dict[str, Any], unit_id: int) -> Response:
    """Download one PDF with the posters of every active site under a unit."""
    return send_download(posters.unit_posters_pdf(
        require_staff(), unit_id, args["size"], args["bleed"], args["crop_marks"]))


@blp.route("/units/<int:unit_id>/posters.zip")
@blp.arguments(PosterPngArgsSchema, location="query")
@blp.response(200, BINARY, content_type="application/zip",
              description="one PNG preview per active site under the unit")
def unit_posters_zip(args: dict[str, Any], unit_id: int) -> Response:
    """Download a ZIP of poster PNGs for every active site under a unit."""
    return send_download(posters.unit_posters_zip(require_staff(), unit_id, args["size"],
                                                  args["dpi"]))
