import ctypes
import io
import zipfile
from collections.abc import Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image

from qr.batch import batch_pdf, batch_png_zip, sanitise
from qr.codes import site_url
from qr.fonts import FontRef, find_cjk_font, missing_chars, register_font
from qr.posters import (
    ELLIPSIS,
    MM,
    TRIM_MM,
    Box,
    PosterSpec,
    QrEl,
    TextEl,
    _metrics,
    fit_text,
    layout_page,
    printed_text,
    render_pdf,
    render_png,
)

BASE = "https://sl.example.cn"
SIZES = ["A4", "A3", "A5"]
# Raster scale per size: enough pixels per module for the decoder, few enough to stay fast.
SCALE = {"A4": 1.4, "A3": 1.0, "A5": 2.0}


def spec(code: str = "K7M2QX", **kw: object) -> PosterSpec:
    fields: dict[str, object] = {
        "url": site_url(BASE, code), "code": code, "title": "黄庄村协商议事室",
        "unit_path": "龙冈镇 · 黄庄村", "contact": "联系电话：0515-88888888",
    }
    fields.update(kw)
    return PosterSpec(**fields)  # type: ignore[arg-type]


LONG = spec(
    "LONG01",
    title="盐城市盐都区龙冈镇黄庄村党群服务中心“有事好商量”协商议事室（示范点）暨政协委员工作室",
    unit_path="盐都区 · 龙冈镇 · 黄庄村 · 第三村民小组 · 党群服务中心 · 新时代文明实践站",
    contact="联系人：王建国 13912345678；值班电话：0515-88888888"
            "（工作日 8:30-17:30，节假日另行通知）",
)
ABSURD = spec("ABSURD", title="协商议事" * 60, unit_path="龙冈镇 · " * 40, contact="电话" * 80)
MEETING = spec("AB12CD", url=f"{BASE}/m/AB12CD", kind="meeting", title="黄庄村道路拓宽协商会")


@pytest.fixture(scope="module")
def font() -> FontRef:
    return find_cjk_font()


def decode(img: Image.Image) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(img)]


def pdf_images(data: bytes, scale: float) -> Iterator[Image.Image]:
    doc = pdfium.PdfDocument(data)
    for page in doc:
        yield page.render(scale=scale).to_pil()


def logo_png() -> bytes:
    img = Image.new("RGBA", (80, 80), (200, 22, 29, 255))
    img.paste((242, 196, 98, 255), (20, 20, 60, 60))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


# --- the QR on every kind of output decodes to the URL -----------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_pdf_qr_decodes(size: str, font: FontRef) -> None:
    data = render_pdf([spec()], size, font=font)  # type: ignore[arg-type]
    doc = pdfium.PdfDocument(data)
    w_mm, h_mm = TRIM_MM[size]
    assert doc[0].get_size() == pytest.approx((w_mm * MM, h_mm * MM))
    [img] = pdf_images(data, SCALE[size])
    found = decode(img)
    # The tent prints the code on both faces; the back one upside down.
    assert found == [spec().url] * (2 if size == "A5" else 1)


def test_pdf_is_vector_with_embedded_subset_font(font: FontRef) -> None:
    data = render_pdf([spec()], "A4", font=font)
    assert b"/Subtype /Image" not in data
    assert b"/FontFile2" in data
    assert b"/Helvetica" not in data  # no referenced-but-unembedded base font
    assert render_pdf([spec()], "A4", font=font) == data  # reproducible bytes


def test_pdf_with_logo_decodes(font: FontRef) -> None:
    data = render_pdf([spec(logo=logo_png())], "A4", font=font)
    [img] = pdf_images(data, SCALE["A4"])
    assert decode(img) == [spec().url]


@pytest.mark.parametrize("size", ["A4", "A5"])
def test_bleed_and_crop_marks(size: str, font: FontRef) -> None:
    data = render_pdf([spec()], size, font=font, bleed_mm=3, crop_marks=True)  # type: ignore[arg-type]
    page = pdfium.PdfDocument(data)[0]
    w, h = page.get_size()
    left, bottom, right, top = page.get_trimbox()
    assert (right - left, top - bottom) == pytest.approx((TRIM_MM[size][0] * MM,
                                                         TRIM_MM[size][1] * MM))
    assert left > 3 * MM and w - right > 3 * MM  # room for the marks outside the bleed
    b_left, _, _, b_top = page.get_bleedbox()
    assert left - b_left == pytest.approx(3 * MM)
    scale = 2.0
    img = page.render(scale=scale).to_pil()
    assert decode(img) == [spec().url] * (2 if size == "A5" else 1)
    # Top band runs into the bleed (red), and the slug beyond the bleed stays white.
    y_in_bleed = (h - top + 1.5 * MM) * scale
    x_mid = w / 2 * scale
    assert img.getpixel((x_mid, (h - top - 1.5 * MM) * scale))[0] > 150
    assert img.getpixel((x_mid, (h - top - 1.5 * MM) * scale))[1] < 60
    assert img.getpixel((x_mid, y_in_bleed)) != (255, 255, 255)
    assert img.getpixel((x_mid, (h - b_top - 2 * MM) * scale)) == (255, 255, 255)
    # A crop mark: dark pixels on the trim line, left of the bleed.
    mark_y = round((h - top) * scale)
    mark_xs = range(round((left - 7 * MM) * scale), round((b_left - 0.5 * MM) * scale))
    assert any(img.getpixel((x, mark_y))[0] < 128 for x in mark_xs)


def test_batch_pdf_each_page_decodes_to_its_own_url(font: FontRef) -> None:
    specs = [
        spec("ZX0001", title="王庄村协商议事室", unit_path="郭猛镇 · 王庄村"),
        spec("AA0002", title="黄庄村协商议事室", unit_path="龙冈镇 · 黄庄村"),
        MEETING,
        spec("QQ0003", title="大纵湖社区议事室", unit_path="大纵湖镇 · 湖滨社区"),
        LONG,
    ]
    data = batch_pdf(specs, "A4", font=font)
    ordered = sorted(specs, key=lambda s: (s.unit_path, s.title, s.code))
    pages = list(pdf_images(data, SCALE["A4"]))
    assert len(pages) == len(specs)
    for img, s in zip(pages, ordered, strict=True):
        assert decode(img) == [s.url]


@pytest.mark.parametrize("size", SIZES)
def test_png_preview_decodes(size: str, font: FontRef) -> None:
    img = Image.open(io.BytesIO(render_png(spec(logo=logo_png()), size, dpi=100, font=font)))  # type: ignore[arg-type]
    w_mm, h_mm = TRIM_MM[size]
    assert img.size == (round(w_mm * MM * 100 / 72), round(h_mm * MM * 100 / 72))
    assert decode(img) == [spec().url] * (2 if size == "A5" else 1)


def test_batch_png_zip(font: FontRef) -> None:
    specs = [spec("ZX0001", unit_path="郭猛镇 · 王庄村"), MEETING, spec("K7M2QX")]
    data = batch_png_zip(specs, "A5", dpi=90, font=font)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        # By unit path, then title: "黄庄村协商议事室" sorts before "黄庄村道路拓宽协商会".
        assert names == ["郭猛镇-王庄村-ZX0001.png", "龙冈镇-黄庄村-K7M2QX.png",
                         "龙冈镇-黄庄村-AB12CD.png"]
        assert all(i.flag_bits & 0x800 for i in zf.infolist())  # UTF-8 names
        for name, s in zip(names, [specs[0], specs[2], MEETING], strict=True):
            assert set(decode(Image.open(io.BytesIO(zf.read(name))))) == {s.url}


def test_sanitise_keeps_chinese() -> None:
    assert sanitise("龙冈镇 · 黄庄村") == "龙冈镇-黄庄村"
    assert sanitise('a/b\\c:d*e?"f<g>|h') == "a-b-c-d-e-f-g-h"
    assert sanitise(" · ") == "未命名"


# --- text: fonts, fitting, overflow ---------------------------------------------------------


def _text_objects(data: bytes) -> list[tuple[str, bytes]]:
    """Return (unicode text, embedded font program) of every text object in the PDF."""
    out = []
    for page in pdfium.PdfDocument(data):
        textpage = page.get_textpage()
        for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,)):
            n = pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)
            buf = (ctypes.c_ushort * n)()
            pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, buf, n)
            text = bytes(buf).decode("utf-16-le").rstrip("\0")
            fnt = pdfium_c.FPDFTextObj_GetFont(obj.raw)
            size = ctypes.c_size_t()
            pdfium_c.FPDFFont_GetFontData(fnt, None, 0, ctypes.byref(size))
            program = (ctypes.c_uint8 * size.value)()
            pdfium_c.FPDFFont_GetFontData(fnt, program, size.value, ctypes.byref(size))
            out.append((text, bytes(program)))
    return out


@pytest.mark.parametrize("size", SIZES)
def test_every_printed_character_is_in_the_embedded_font(size: str, font: FontRef) -> None:
    specs = [spec(), LONG, MEETING, ABSURD]
    printed = "".join(printed_text(s, size, font=font) for s in specs)  # type: ignore[arg-type]
    assert ELLIPSIS in printed and "盐城市" in printed and "签到" in printed
    # 1. The font file we embed has a glyph for every character we lay out.
    assert missing_chars(font, printed) == ""
    # 2. Each laid-out line reaches the PDF whole: reportlab maps a character its font lacks
    #    to .notdef, which text extraction cannot map back, so a line extracted through the
    #    embedded subset's ToUnicode map that equals the laid-out line proves every glyph
    #    made it into the subset.
    objects = _text_objects(render_pdf(specs, size, font=font))  # type: ignore[arg-type]
    extracted = {text for text, _ in objects}
    expected = {line for s in specs for line in printed_text(s, size, font=font).split("\n")}  # type: ignore[arg-type]
    assert expected <= extracted
    # 3. The embedded programs are TrueType subsets, not the 5 MB collection.
    for program in {p for _, p in objects}:
        sub = TTFont(io.BytesIO(program))
        assert "glyf" in sub
        assert len(sub.getGlyphOrder()) < 1000
        assert len(program) < 200_000


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("poster", [spec(), LONG, ABSURD, MEETING], ids=["short", "long",
                                                                         "absurd", "meeting"])
def test_text_stays_inside_and_off_the_qr(size: str, poster: PosterSpec, font: FontRef) -> None:
    name = register_font(font)
    page = layout_page(poster, size, font_name=name)  # type: ignore[arg-type]
    for panel in page.panels:
        inside = Box(0, 0, panel.box.w, panel.box.h)
        texts = [e for e in panel.elements if isinstance(e, TextEl)]
        [qr] = [e for e in panel.elements if isinstance(e, QrEl)]
        assert panel.safe.contains(qr.box)
        assert inside.contains(panel.safe)
        for t in texts:
            assert panel.safe.contains(t.box), t.text
            assert not t.box.intersects(qr.box), t.text
        for i, a in enumerate(texts):
            for b in texts[i + 1:]:
                assert not a.box.intersects(b.box), (a.text, b.text)


def test_long_title_shrinks_then_wraps(font: FontRef) -> None:
    name = register_font(font)
    lines = {
        p.title: [e for e in layout_page(p, "A4", font_name=name).panels[0].elements
                  if isinstance(e, TextEl) and e.color == "#1F1F1F" and e.box.y < 300]
        for p in (spec(), spec(title="盐城市盐都区龙冈镇黄庄村协商议事室"), LONG, ABSURD)
    }
    short, medium, long, absurd = lines.values()
    assert len(short) == 1 and short[0].size == 36
    assert len(medium) == 1 and 28 <= medium[0].size < 36  # shrunk, still one line
    assert len(long) > 1 and "".join(t.text for t in long) == LONG.title
    assert absurd[-1].text.endswith(ELLIPSIS)


def test_fit_text_rules(font: FontRef) -> None:
    fm = _metrics(register_font(font))
    fit = fit_text("有事好商量", fm, 1000, 100, 40, 10)
    assert fit == fit_text("有事好商量", fm, 1000, 100, 40, 10) and fit.size == 40
    fit = fit_text("有事好商量", fm, 100, 100, 40, 10)
    assert len(fit.lines) == 1 and fit.size == 20 and fm.width("有事好商量", 20) <= 100
    # No line may start with closing punctuation, and Latin words stay whole.
    fit = fit_text("村民代表，党员代表，政协委员 Wang Jianguo，部门负责人，群众代表", fm, 90, 400,
                   14, 14)
    assert len(fit.lines) > 2
    assert not any(line[0] in "，。、：；）" for line in fit.lines)
    assert any("Jianguo" in line for line in fit.lines)
    assert "".join(fit.lines).replace(" ", "") == \
        "村民代表，党员代表，政协委员WangJianguo，部门负责人，群众代表"
    fit = fit_text("协商" * 100, fm, 100, 30, 12, 10)
    assert fit.lines[-1].endswith(ELLIPSIS) and all(fm.width(x, fit.size) <= 100
                                                    for x in fit.lines)


def test_spec_validation() -> None:
    with pytest.raises(ValueError, match="kind"):
        spec(kind="opinion")
    with pytest.raises(ValueError, match="title"):
        spec(title=" ")
    with pytest.raises(ValueError):
        render_pdf([], "A4")
    with pytest.raises(ValueError, match="A4"):
        render_pdf([spec()], "B5")  # type: ignore[arg-type]
