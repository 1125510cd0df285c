"""`flask posters`: the offline path to the same files the API serves."""

from __future__ import annotations

from server.extensions import db
from tests.factories import make_district, make_site
from tests.sites.factories import decode, pdf_pages, png, zip_pngs

BASE = "https://sl.example.cn"


def test_cli_writes_the_district_batch_pdf_in_unit_path_order(app, tmp_path, artifacts):
    d = make_district()
    town_site = make_site(d.other_town, "大冈镇“有事好商量”协商议事示范点", kind="demo",
                          is_demo=True)
    db.session.commit()
    out = tmp_path / "out" / "district-posters.pdf"
    result = app.test_cli_runner().invoke(
        args=["posters", "--unit-code", d.district.code, "--size", "A4", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "已写入" in result.output
    pages = [decode(img) for img in pdf_pages(out.read_bytes(), 1.4)]
    assert pages == [[f"{BASE}/s/{s.code}"] for s in (d.site_a, d.site_b, town_site, d.site_c)]
    (artifacts / "district-posters-test.pdf").write_bytes(out.read_bytes())


def test_cli_writes_one_a4_png_and_a_zip(app, tmp_path, artifacts):
    d = make_district()
    runner = app.test_cli_runner()
    poster = tmp_path / "poster-A4.png"
    result = runner.invoke(args=["posters", "--unit-code", d.village_a.code, "-o", str(poster)])
    assert result.exit_code == 0, result.output
    img = png(poster.read_bytes())
    assert img.size == (1240, 1754)  # A4 at 150 dpi
    assert decode(img) == [f"{BASE}/s/{d.site_a.code}"]
    (artifacts / "poster-A4-test.png").write_bytes(poster.read_bytes())
    by_code = tmp_path / "site.pdf"
    result = runner.invoke(args=["posters", "--site-code", d.site_c.code.lower(), "--size",
                                 "A5", "-o", str(by_code)])
    assert result.exit_code == 0, result.output
    [page] = pdf_pages(by_code.read_bytes(), 2.0)
    assert decode(page) == [f"{BASE}/s/{d.site_c.code}"] * 2
    archive = tmp_path / "town.zip"
    result = runner.invoke(args=["posters", "--unit-code", d.town.code, "--zip", "--dpi", "100",
                                 "-o", str(archive)])
    assert result.exit_code == 0, result.output
    assert sorted(decode(i)[0] for i in zip_pngs(archive.read_bytes()).values()) == sorted(
        f"{BASE}/s/{s.code}" for s in (d.site_a, d.site_b))


def test_cli_errors_are_one_clear_line(app, tmp_path, config_override):
    d = make_district()
    runner = app.test_cli_runner()
    out = str(tmp_path / "x.pdf")
    unknown = runner.invoke(args=["posters", "--unit-code", "NOPE", "-o", out])
    assert unknown.exit_code != 0 and "找不到编码为 NOPE 的行政单元" in unknown.output
    both = runner.invoke(args=["posters", "-o", out])
    assert both.exit_code == 2 and "--unit-code 或 --site-code" in both.output
    config_override(CJK_FONT_PATH="/nonexistent/font.ttf")
    no_font = runner.invoke(args=["posters", "--unit-code", d.town.code, "-o", out])
    assert no_font.exit_code == 1
    assert "中文字体" in no_font.output and "/nonexistent/font.ttf" in no_font.output
    assert not (tmp_path / "x.pdf").exists()
