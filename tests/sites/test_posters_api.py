"""Poster and QR downloads: every file the API returns decodes to the site's URL; scopes."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from pypdfium2 import PdfDocument

from server.extensions import db
from tests.factories import make_district, make_resident, make_site, make_unit
from tests.sites.factories import (
    PDF_SCALE,
    decode,
    pdf_pages,
    png,
    staff_headers,
    svg_image,
    zip_pngs,
)

BASE = "https://sl.example.cn"


def url(site) -> str:
    return f"{BASE}/s/{site.code}"


@pytest.mark.parametrize("size", ["A4", "A3", "A5"])
def test_poster_pdf_and_png_of_each_size_decode_to_the_site_url(client, size):
    d = make_district()
    headers = staff_headers("admin")
    pdf = client.get(f"/api/v1/sites/{d.site_a.id}/poster.pdf?size={size}", headers=headers)
    assert pdf.status_code == 200, pdf.get_json()
    assert pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert d.site_a.code in unquote(pdf.headers["Content-Disposition"])
    [page] = pdf_pages(pdf.data, PDF_SCALE[size])
    # The A5 table tent prints the code on both faces (the back one upside down).
    faces = 2 if size == "A5" else 1
    assert decode(page) == [url(d.site_a)] * faces
    preview = client.get(f"/api/v1/sites/{d.site_a.id}/poster.png?size={size}&dpi=120",
                         headers=headers)
    assert preview.status_code == 200 and preview.mimetype == "image/png"
    assert decode(png(preview.data)) == [url(d.site_a)] * faces


def test_poster_pdf_with_bleed_and_crop_marks_still_decodes(client):
    d = make_district()
    response = client.get(f"/api/v1/sites/{d.site_b.id}/poster.pdf?size=A4&bleed=3"
                          "&crop_marks=true", headers=staff_headers("admin"))
    assert response.status_code == 200
    page = PdfDocument(response.data)[0]
    left, bottom, right, top = page.get_trimbox()
    assert (right - left, top - bottom) == pytest.approx((595.3, 841.9), abs=0.5)
    [img] = pdf_pages(response.data, 1.4)
    assert decode(img) == [url(d.site_b)]


def test_bare_qr_png_and_svg_decode_to_the_site_url(client):
    d = make_district()
    headers = staff_headers("admin")
    qr_png = client.get(f"/api/v1/sites/{d.site_c.id}/qr.png?px=600", headers=headers)
    assert qr_png.status_code == 200
    img = png(qr_png.data)
    assert img.size == (600, 600)
    assert decode(img) == [url(d.site_c)]
    qr_svg = client.get(f"/api/v1/sites/{d.site_c.id}/qr.svg", headers=headers)
    assert qr_svg.status_code == 200 and qr_svg.mimetype == "image/svg+xml"
    assert decode(svg_image(qr_svg.data.decode())) == [url(d.site_c)]
    too_big = client.get(f"/api/v1/sites/{d.site_c.id}/qr.png?px=99999", headers=headers)
    assert too_big.status_code == 422 and "px" in too_big.get_json()["errors"]


def _district_with_more_sites():
    d = make_district()
    # A town-level site comes before the town's villages; a retired site gets no poster.
    town_site = make_site(d.town, "龙冈镇政协委员工作室", kind="studio")
    retired = make_site(d.village_b, "朱沟村旧议事点", active=False)
    d.village_a.sort_order, d.village_b.sort_order = 2, 1  # the district's own order wins
    d.town.sort_order, d.other_town.sort_order = 1, 2
    db.session.commit()
    return d, town_site, retired


def test_unit_batch_pdf_has_one_page_per_active_site_in_unit_path_order(client):
    d, town_site, retired = _district_with_more_sites()
    headers = staff_headers("admin")
    response = client.get(f"/api/v1/units/{d.district.id}/posters.pdf?size=A4",
                          headers=headers)
    assert response.status_code == 200
    decoded = [decode(img) for img in pdf_pages(response.data, PDF_SCALE["A4"])]
    # 龙冈镇 (its own site, then 朱沟村 before 黄庄村 by sort order), then 大冈镇.
    assert decoded == [[url(town_site)], [url(d.site_b)], [url(d.site_a)], [url(d.site_c)]]
    assert [url(retired)] not in decoded
    town = client.get(f"/api/v1/units/{d.other_town.id}/posters.pdf", headers=headers)
    assert [decode(img) for img in pdf_pages(town.data, 1.4)] == [[url(d.site_c)]]


def test_unit_batch_zip_holds_one_decodable_png_per_site(client):
    d, town_site, _ = _district_with_more_sites()
    response = client.get(f"/api/v1/units/{d.town.id}/posters.zip?dpi=100",
                          headers=staff_headers("dispatcher", unit_id=d.town.id))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    images = zip_pngs(response.data)
    assert len(images) == 3
    assert {name.rsplit("-", 1)[1] for name in images} == {
        f"{s.code}.png" for s in (town_site, d.site_a, d.site_b)}
    for name, img in images.items():
        code = name.rsplit("-", 1)[1].removesuffix(".png")
        assert decode(img) == [f"{BASE}/s/{code}"]


def test_empty_unit_has_no_posters(client):
    d = make_district()
    empty = make_unit("新村", "village", d.other_town)
    db.session.commit()
    response = client.get(f"/api/v1/units/{empty.id}/posters.pdf",
                          headers=staff_headers("admin"))
    assert response.status_code == 404 and response.get_json()["code"] == "no_sites"


DOWNLOADS = ["poster.pdf", "poster.png", "qr.png", "qr.svg", "wxacode.png", "scans"]


def test_out_of_scope_staff_residents_and_strangers_cannot_download(client, wechat):
    d = make_district()
    outsider = staff_headers("dispatcher", unit_id=d.other_town.id)
    _, resident_token = make_resident()
    resident = {"Authorization": f"Bearer {resident_token}"}
    for suffix in DOWNLOADS:
        path = f"/api/v1/sites/{d.site_a.id}/{suffix}"
        denied = client.get(path, headers=outsider)
        assert denied.status_code == 403, suffix
        assert denied.get_json()["code"] == "out_of_scope"
        as_resident = client.get(path, headers=resident)
        assert as_resident.status_code == 403, suffix
        assert as_resident.get_json()["code"] == "staff_only"
        assert client.get(path).status_code == 401
    for suffix in ["posters.pdf", "posters.zip"]:
        # A town's dispatcher may print the town, not the district or another town.
        for unit in (d.district, d.town):
            response = client.get(f"/api/v1/units/{unit.id}/{suffix}", headers=outsider)
            assert response.status_code == 403
            assert response.get_json()["code"] == "out_of_scope"
        assert client.get(f"/api/v1/units/{d.town.id}/{suffix}",
                          headers=resident).status_code == 403
    assert wechat.calls == []  # nothing was asked of WeChat for a refused request


def test_site_scoped_member_may_print_their_own_site_only(client):
    d = make_district()
    member = staff_headers("member", site_id=d.site_a.id)
    assert client.get(f"/api/v1/sites/{d.site_a.id}/qr.svg", headers=member).status_code == 200
    assert client.get(f"/api/v1/sites/{d.site_b.id}/qr.svg", headers=member).status_code == 403


def test_wxacode_asks_wechat_with_the_site_scene(client, wechat):
    d = make_district()
    response = client.get(f"/api/v1/sites/{d.site_a.id}/wxacode.png",
                          headers=staff_headers("admin"))
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert png(response.data).size == (430, 430)
    [call] = [c for c in wechat.calls if c["path"] == "getwxacodeunlimit"]
    assert call["scene"] == f"s={d.site_a.code}"
    assert call["check_path"] is False and call["page"]


def test_missing_font_is_one_clear_503(client, app, config_override):
    d = make_district()
    config_override(CJK_FONT_PATH="/nonexistent/font.ttf")
    headers = staff_headers("admin")
    for path in (f"/api/v1/sites/{d.site_a.id}/poster.pdf",
                 f"/api/v1/sites/{d.site_a.id}/poster.png",
                 f"/api/v1/units/{d.district.id}/posters.pdf"):
        response = client.get(path, headers=headers)
        assert response.status_code == 503
        body = response.get_json()
        assert body["code"] == "font_missing" and body["status"] == 503
        assert "中文字体" in body["message"]
        assert "/nonexistent/font.ttf" in body["errors"]["detail"]
    # The bare QR needs no font and still works.
    assert client.get(f"/api/v1/sites/{d.site_a.id}/qr.png",
                      headers=headers).status_code == 200


def test_configured_font_path_is_used(client, app, config_override):
    from qr.fonts import find_cjk_font

    d = make_district()
    path = find_cjk_font().path
    config_override(CJK_FONT_PATH=path)
    response = client.get(f"/api/v1/sites/{d.site_a.id}/poster.pdf",
                          headers=staff_headers("admin"))
    assert response.status_code == 200
    assert b"/FontFile2" in response.data


def test_a_name_the_font_cannot_print_is_refused_not_boxed(client):
    d = make_district()
    d.site_a.name = "\U0002a6a5村协商议事室"  # a CJK Extension B character few fonts have
    db.session.commit()
    response = client.get(f"/api/v1/sites/{d.site_a.id}/poster.pdf",
                          headers=staff_headers("admin"))
    assert response.status_code == 503
    assert response.get_json()["code"] == "font_missing_glyphs"
    assert response.get_json()["errors"]["characters"] == "\U0002a6a5"
