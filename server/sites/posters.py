"""Posters and QR codes of sites: the app's side of the qr/ library (data in, files out).

Staff-facing functions take the calling user and check scope; the ``*_for`` helpers that
take plain sites or units serve the `flask posters` command and the benchmark, which run
with the operator's authority.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from qr.batch import batch_png_zip, sanitise
from qr.codes import render_png as render_qr_png
from qr.codes import render_svg, site_url
from qr.fonts import FontNotFoundError, FontRef, find_cjk_font, missing_chars
from qr.posters import ELLIPSIS, HINTS, PosterSize, PosterSpec, render_pdf
from qr.posters import render_png as render_poster_png
from qr.scene import build_scene
from server.common.publicurl import printable_base_url
from server.common.text import SHANGHAI
from server.errors import DomainError, Forbidden, NotFound
from server.extensions import db
from server.people.access import can_access_unit
from server.people.models import User
from server.sites import scans
from server.sites.models import Site, Unit, in_subtree
from server.sites.services import get_unit, staff_site

DEFAULT_MINIPROGRAM_PAGE = "pages/index/index"


class FontMissing(DomainError):
    """The server has no usable CJK font, so it cannot print Chinese posters."""

    status, code = 503, "font_missing"
    message = "服务器缺少可用的中文字体，暂时无法生成海报，请联系系统管理员"


class NoSites(DomainError):
    status, code, message = 404, "no_sites", "该单元下没有在用的点位"


@dataclass(frozen=True)
class Download:
    """A generated file: its bytes, MIME type and the name offered to the browser."""

    data: bytes
    mimetype: str
    filename: str


# ---- fonts and specs --------------------------------------------------------------------


def poster_font() -> FontRef:
    """Return the CJK font for posters (CJK_FONT_PATH when set), or raise FontMissing."""
    configured = current_app.config.get("CJK_FONT_PATH") or None
    try:
        return find_cjk_font(configured)
    except FontNotFoundError as exc:
        raise FontMissing(errors={"detail": str(exc)}) from exc


def _check_glyphs(font: FontRef, specs: Sequence[PosterSpec]) -> None:
    # Checking the raw fields covers every character a layout can print (it only drops
    # characters when it shortens), and costs one cmap lookup per distinct character.
    text = "".join(HINTS.values()) + ELLIPSIS + "".join(
        s.heading + s.title + s.unit_path + s.contact + s.code + s.url for s in specs)
    gaps = missing_chars(font, text)
    if gaps:
        raise FontMissing(f"中文字体缺少这些字，海报会印成方框：{gaps}",
                          code="font_missing_glyphs", errors={"characters": gaps})


def _path_ids(unit: Unit) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part]


class _Tree:
    """Units loaded once, to label and order many sites without a query per site."""

    def __init__(self, units: Sequence[Unit]) -> None:
        self.units = {u.id: u for u in units}

    def chain(self, unit: Unit) -> list[Unit]:
        return [self.units[i] for i in _path_ids(unit) if i in self.units]

    def label(self, unit: Unit) -> str:
        return " · ".join(u.name for u in self.chain(unit) if u.kind != "district")

    def order_key(self, site: Site) -> tuple[Any, ...]:
        # The district's own order (sector order, then village order), not code-point
        # order of the names: a town's own sites first, then its villages' in turn.
        chain = tuple((u.sort_order, u.id) for u in self.chain(site.unit))
        return (chain, site.kind != "demo", site.name, site.code)


def _tree_for(units: Sequence[Unit]) -> _Tree:
    ids: set[int] = set()
    for unit in units:
        ids.update(_path_ids(unit))
    return _Tree(list(db.session.scalars(select(Unit).where(Unit.id.in_(ids)))))


def _spec(site: Site, tree: _Tree) -> PosterSpec:
    contact = f"联系电话：{site.contact_phone}" if site.contact_phone else ""
    return PosterSpec(
        url=site_url(printable_base_url(), site.code),
        code=site.code,
        title=site.name,
        unit_path=tree.label(site.unit),
        contact=contact,
    )


def site_spec(site: Site) -> PosterSpec:
    """Return what a site's poster prints."""
    return _spec(site, _tree_for([site.unit]))


def _unit_sites(unit: Unit) -> tuple[list[Site], _Tree]:
    rows = list(db.session.scalars(
        select(Site).join(Unit, Site.unit_id == Unit.id)
        .where(in_subtree(unit.path), Site.active.is_(True))
        .options(contains_eager(Site.unit))
    ))
    tree = _tree_for([site.unit for site in rows] + [unit])
    return sorted(rows, key=tree.order_key), tree


def unit_sites(unit: Unit) -> list[Site]:
    """Return the active sites at or below a unit, in the district's unit-path order."""
    return _unit_sites(unit)[0]


def unit_specs(unit: Unit) -> list[PosterSpec]:
    """Return the poster specs of a unit's active sites, in unit-path order."""
    sites, tree = _unit_sites(unit)
    return [_spec(site, tree) for site in sites]


def _stamp() -> str:
    return datetime.now(SHANGHAI).strftime("%Y%m%d")


# ---- files for one site ------------------------------------------------------------------


def site_poster_pdf_for(site: Site, size: PosterSize, bleed_mm: float = 0.0,
                        crop_marks: bool = False) -> Download:
    """Render one site's poster as a print PDF."""
    font = poster_font()
    spec = site_spec(site)
    _check_glyphs(font, [spec])
    data = render_pdf([spec], size, font=font, bleed_mm=bleed_mm, crop_marks=crop_marks)
    return Download(data, "application/pdf", f"海报-{sanitise(site.name)}-{site.code}-{size}.pdf")


def site_poster_png_for(site: Site, size: PosterSize, dpi: float = 150) -> Download:
    """Render a PNG preview of one site's poster."""
    font = poster_font()
    spec = site_spec(site)
    _check_glyphs(font, [spec])
    data = render_poster_png(spec, size, dpi, font=font)
    return Download(data, "image/png", f"海报-{sanitise(site.name)}-{site.code}-{size}.png")


def site_poster_pdf(user: User, site_id: int, size: PosterSize, bleed_mm: float,
                    crop_marks: bool) -> Download:
    """Render the print PDF of a site within the user's scope."""
    return site_poster_pdf_for(staff_site(user, site_id), size, bleed_mm, crop_marks)


def site_poster_png(user: User, site_id: int, size: PosterSize, dpi: float) -> Download:
    """Render the PNG preview of a site's poster within the user's scope."""
    return site_poster_png_for(staff_site(user, site_id), size, dpi)


def site_qr_png(user: User, site_id: int, px: int) -> Download:
    """Render a site's bare QR code as a PNG of px square."""
    site = staff_site(user, site_id)
    url = site_url(printable_base_url(), site.code)
    return Download(render_qr_png(url, px), "image/png", f"二维码-{site.code}-{px}px.png")


def site_qr_svg(user: User, site_id: int) -> Download:
    """Render a site's bare QR code as SVG."""
    site = staff_site(user, site_id)
    url = site_url(printable_base_url(), site.code)
    return Download(render_svg(url).encode(), "image/svg+xml", f"二维码-{site.code}.svg")


def site_wxacode(user: User, site_id: int) -> Download:
    """Fetch the site's WeChat mini-program code (wxacode.getUnlimited) as a PNG."""
    from server.people.services import wechat_client

    site = staff_site(user, site_id)
    body = {
        "scene": build_scene("site", site.code),
        "page": current_app.config.get("WECHAT_MINIPROGRAM_PAGE") or DEFAULT_MINIPROGRAM_PAGE,
        "check_path": False,
    }
    data = wechat_client().post_api_raw("/wxa/getwxacodeunlimit", body)
    return Download(data, "image/png", f"小程序码-{site.code}.png")


def site_scans(user: User, site_id: int, days: int) -> dict[str, object]:
    """Return a site's daily unique visitors and scans within the user's scope."""
    site = staff_site(user, site_id)
    return {"site_id": site.id, "code": site.code, **scans.scan_stats(site.id, days)}


# ---- batches for a unit ------------------------------------------------------------------


def unit_posters_pdf_for(unit: Unit, size: PosterSize, bleed_mm: float = 0.0,
                         crop_marks: bool = False) -> Download:
    """Render every active site under a unit into one PDF, in unit-path order."""
    specs = unit_specs(unit)
    if not specs:
        raise NoSites()
    font = poster_font()
    _check_glyphs(font, specs)
    data = render_pdf(specs, size, font=font, bleed_mm=bleed_mm, crop_marks=crop_marks)
    return Download(data, "application/pdf",
                    f"海报-{sanitise(unit.name)}-{len(specs)}个点位-{size}-{_stamp()}.pdf")


def unit_posters_zip_for(unit: Unit, size: PosterSize, dpi: float = 150) -> Download:
    """Render a ZIP of PNG previews, one per active site under a unit."""
    specs = unit_specs(unit)
    if not specs:
        raise NoSites()
    font = poster_font()
    _check_glyphs(font, specs)
    data = batch_png_zip(specs, size, dpi, font=font)
    return Download(data, "application/zip",
                    f"海报-{sanitise(unit.name)}-{len(specs)}个点位-{size}-{_stamp()}.zip")


def _staff_unit(user: User, unit_id: int) -> Unit:
    unit = get_unit(unit_id)
    if not can_access_unit(user, unit):
        raise Forbidden("该单元不在您的管辖范围内", code="out_of_scope")
    return unit


def unit_posters_pdf(user: User, unit_id: int, size: PosterSize, bleed_mm: float,
                     crop_marks: bool) -> Download:
    """Render the batch PDF of a unit the user's scope covers."""
    return unit_posters_pdf_for(_staff_unit(user, unit_id), size, bleed_mm, crop_marks)


def unit_posters_zip(user: User, unit_id: int, size: PosterSize, dpi: float) -> Download:
    """Render the ZIP of PNG previews of a unit the user's scope covers."""
    return unit_posters_zip_for(_staff_unit(user, unit_id), size, dpi)


def unit_by_code(code: str) -> Unit:
    """Return a unit by its code, or raise NotFound."""
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(f"找不到编码为 {code} 的行政单元", code="unit_not_found")
    return unit
