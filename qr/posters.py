"""Printable QR posters for consultation rooms: A4 and A3 wall posters and an A5 table tent.

The layout is computed once per page as a list of positioned elements (rectangles, text
lines, QR codes, lines) in points, and drawn by two backends: reportlab for the print PDF
(vector QR, embedded font subset) and Pillow for PNG previews. Both read the same numbers,
so the preview shows what the print shop gets.

Sizes: A4 and A3 are portrait wall posters (A3 is the A4 layout scaled by sqrt 2). A5 is a
table tent (桌牌): an A5 sheet in landscape, folded along its long middle into two
210 x 74 mm faces that stand on the table like a roof. Both faces carry the whole poster
(QR on the left, text on the right), the back one printed upside down on the sheet so it
reads upright once folded, so people on either side of the table can scan it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, get_args

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from qr.codes import draw_qr, qr_image
from qr.fonts import FontRef, find_cjk_font, register_font

PosterSize = Literal["A4", "A3", "A5"]
PosterKind = Literal["site", "meeting"]

MM = 72 / 25.4  # points per millimetre

# Trim sizes in mm. A5 is landscape because the table tent folds it along the long middle.
TRIM_MM: dict[str, tuple[float, float]] = {"A4": (210, 297), "A3": (297, 420), "A5": (210, 148)}

RED = "#C8161D"  # the red of CPPCC print material
GOLD = "#F2C462"  # gold text on the red band
GOLD_LINE = "#D9A441"
PALE_RED = "#FBEBE9"  # behind the call to action
INK = "#1F1F1F"
GREY = "#595959"
WHITE = "#FFFFFF"
REGISTRATION = "#000000"

HINTS: dict[str, str] = {
    "site": "微信扫一扫 · 反映问题 · 参与协商",
    "meeting": "微信扫一扫 · 签到 · 参与表决",
}
CODE_LABELS: dict[str, str] = {"site": "点位编号", "meeting": "活动编号"}
ELLIPSIS = "…"
LEADING = 1.22  # line pitch as a multiple of the font size

# Crop marks sit outside the bleed so they never print on the trimmed sheet.
MARK_MIN_OFFSET_MM = 3.0
MARK_LENGTH_MM = 5.0
MARK_WIDTH_PT = 0.3


@dataclass
class PosterSpec:
    """What one poster prints: where the QR points and the words around it."""

    url: str
    code: str
    title: str
    unit_path: str
    contact: str = ""
    kind: PosterKind = "site"
    heading: str = "有事好商量"
    logo: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in get_args(PosterKind):
            raise ValueError(f"海报类型应为 site 或 meeting，而不是 {self.kind!r} / "
                             f"kind must be 'site' or 'meeting', not {self.kind!r}")
        for name in ("url", "code", "title"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"海报字段 {name} 不能为空 / poster field {name!r} is required")
        for name in ("unit_path", "contact", "heading"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"海报字段 {name} 应为文本 / poster field {name!r} must be text")


# --- positioned elements ------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    """A rectangle in points, origin at the top left, y growing downwards."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def intersects(self, other: Box) -> bool:
        """Tell whether the two boxes overlap by more than a rounding error."""
        eps = 1e-6
        return (self.x < other.right - eps and other.x < self.right - eps
                and self.y < other.bottom - eps and other.y < self.bottom - eps)

    def contains(self, other: Box) -> bool:
        """Tell whether other lies entirely inside this box."""
        eps = 1e-6
        return (other.x >= self.x - eps and other.y >= self.y - eps
                and other.right <= self.right + eps and other.bottom <= self.bottom + eps)


@dataclass(frozen=True)
class RectEl:
    """A filled rectangle."""

    box: Box
    color: str


@dataclass(frozen=True)
class TextEl:
    """One line of text at a baseline."""

    text: str
    x: float  # left edge, or centre when align is "center"
    baseline: float
    size: float
    color: str
    align: Literal["left", "center"]
    box: Box  # from the font's ascent to its descent, as wide as the advance widths


@dataclass(frozen=True)
class QrEl:
    """A QR code, quiet zone included, filling its square box."""

    box: Box
    data: str
    logo: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class LineEl:
    """A stroked line (printer's marks)."""

    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    color: str
    dash: tuple[float, ...] = ()


Element = RectEl | TextEl | QrEl | LineEl


@dataclass(frozen=True)
class Panel:
    """One readable face of the sheet: elements in its own coordinates, placed on the page.

    ``rotate`` is 0 or 180; the back of the table tent is printed upside down so it reads
    upright once folded.
    """

    box: Box  # where the panel's trim lies on the page
    rotate: Literal[0, 180]
    elements: tuple[Element, ...]
    safe: Box  # the area content must stay in, panel coordinates


@dataclass(frozen=True)
class PageLayout:
    """A whole page: media size, trim and bleed boxes, panels and printer's marks."""

    width: float
    height: float
    trim: Box
    bleed: Box
    panels: tuple[Panel, ...]
    marks: tuple[LineEl, ...]


# --- text fitting -------------------------------------------------------------------------

# Latin words, numbers and URLs stay whole; every CJK character is its own break chance.
_TOKEN = re.compile(r"[A-Za-z0-9@#%&+\-_.,:/?=~!$'*()\[\]]+|\s+|.", re.S)
# Simple kinsoku: these never start a line, and those never end one.
_NO_START = set("，。、：；！？）》」』”’·…%,.;:!?)]}")
_NO_END = set("（《「『“‘([{")


@dataclass(frozen=True)
class FontMetrics:
    """What layout needs of a font: its reportlab name and vertical metrics per 1 pt."""

    name: str
    ascent: float
    descent: float  # positive, below the baseline

    def width(self, text: str, size: float) -> float:
        """Return the advance width of text at size, in points."""
        return pdfmetrics.stringWidth(text, self.name, size)


def _metrics(font_name: str) -> FontMetrics:
    face = pdfmetrics.getFont(font_name).face
    return FontMetrics(font_name, face.ascent / 1000, abs(face.descent) / 1000)


def _tokens(text: str) -> list[str]:
    raw = _TOKEN.findall(" ".join(text.split()))
    tokens: list[str] = []
    glue_next = False
    for tok in raw:
        if tokens and (glue_next or tok in _NO_START):
            tokens[-1] += tok
        else:
            tokens.append(tok)
        glue_next = tok in _NO_END
    return tokens


class _Measured:
    """Tokens of a text with their advance widths at 1 pt; widths scale with the size."""

    def __init__(self, text: str, fm: FontMetrics) -> None:
        self.fm = fm
        self.tokens = _tokens(text)
        self.widths = [fm.width(tok, 1.0) for tok in self.tokens]

    def wrap(self, size: float, width: float) -> list[str]:
        """Greedily fill lines no wider than width; split a token only if it alone is wider."""
        # Advance widths add up (reportlab applies no kerning), so a running sum is exact.
        lines: list[str] = []
        line, used = "", 0.0
        for tok, unit in zip(self.tokens, self.widths, strict=True):
            w = unit * size
            if tok.isspace():
                if line:  # a space at a break is dropped, so it never overflows
                    line, used = line + tok, used + w
                continue
            if used + w <= width:
                line, used = line + tok, used + w
                continue
            if line.strip():
                lines.append(line.rstrip())
            line, used = tok, w
            while used > width and len(line) > 1:
                cut, acc = 0, 0.0
                for ch in line:
                    cw = self.fm.width(ch, size)
                    if cut and acc + cw > width:
                        break
                    cut, acc = cut + 1, acc + cw
                lines.append(line[:cut])
                line = line[cut:]
                used = self.fm.width(line, size)
        if line.strip():
            lines.append(line.rstrip())
        return lines

    def balanced(self, size: float, width: float) -> list[str]:
        """Wrap with the narrowest measure that keeps the greedy line count."""
        lines = self.wrap(size, width)
        if len(lines) < 2:
            return lines
        # A ragged last line of one or two characters looks broken on a poster; narrowing
        # the measure until the line count would grow evens the lines out.
        lo, hi = width * (len(lines) - 1) / len(lines), width
        best = lines
        for _ in range(10):
            mid = (lo + hi) / 2
            trial = self.wrap(size, mid)
            if len(trial) <= len(lines):
                best, hi = trial, mid
            else:
                lo = mid
        return best


def _block_height(fm: FontMetrics, size: float, n: int) -> float:
    return size * (fm.ascent + fm.descent) + (n - 1) * size * LEADING


@dataclass(frozen=True)
class Fitted:
    """Text fitted to a box: the chosen size and its lines."""

    size: float
    lines: tuple[str, ...]


def fit_text(
    text: str,
    fm: FontMetrics,
    width: float,
    height: float,
    max_size: float,
    min_size: float,
    one_line_min: float | None = None,
) -> Fitted:
    """Fit text in width x height: shrink on one line, then wrap, then cut with an ellipsis."""
    text = " ".join(text.split())
    floor = max(min_size, one_line_min or min_size)
    # 1. One line, shrinking from max_size down to the one-line floor.
    unit = fm.width(text, 1.0)
    size = max_size if unit == 0 else min(max_size, width / unit)
    size = int(size * 2) / 2  # half-point steps keep sizes tidy and reproducible
    if size >= floor and _block_height(fm, size, 1) <= height:
        return Fitted(size, (text,))
    # 2. Wrap at the largest size whose lines fit the box height.
    measured = _Measured(text, fm)
    size = max_size
    while size >= min_size:
        if _block_height(fm, size, len(measured.wrap(size, width))) <= height:
            return Fitted(size, tuple(measured.balanced(size, width)))
        size -= 0.5
    # 3. Too long even at min_size: keep the lines that fit, end the last with an ellipsis.
    size = min_size
    lines = measured.wrap(size, width)
    keep = 1
    while keep < len(lines) and _block_height(fm, size, keep + 1) <= height:
        keep += 1
    kept = lines[:keep]
    if len(kept) < len(lines) or fm.width(kept[-1], size) > width:
        last = kept[-1]
        while last and fm.width(last + ELLIPSIS, size) > width:
            last = last[:-1]
        kept[-1] = last.rstrip() + ELLIPSIS
    return Fitted(size, tuple(kept))


def _text_block(
    out: list[Element],
    text: str,
    box: Box,
    fm: FontMetrics,
    color: str,
    *,
    max_size: float,
    min_size: float,
    one_line_min: float | None = None,
    align: Literal["left", "center"] = "center",
) -> None:
    """Append the lines of text fitted into box, centred vertically."""
    if not text.strip():
        return
    fit = fit_text(text, fm, box.w, box.h, max_size, min_size, one_line_min)
    top = box.y + (box.h - _block_height(fm, fit.size, len(fit.lines))) / 2
    for i, line in enumerate(fit.lines):
        baseline = top + fit.size * fm.ascent + i * fit.size * LEADING
        w = fm.width(line, fit.size)
        left = box.x + (box.w - w) / 2 if align == "center" else box.x
        x = box.x + box.w / 2 if align == "center" else box.x
        ink = Box(left, baseline - fit.size * fm.ascent, w, fit.size * (fm.ascent + fm.descent))
        out.append(TextEl(line, x, baseline, fit.size, color, align, ink))


# --- layouts ------------------------------------------------------------------------------


def _code_line(spec: PosterSpec) -> str:
    return f"{CODE_LABELS[spec.kind]}：{spec.code}"


def _wall_panel(spec: PosterSpec, fm: FontMetrics, k: float) -> tuple[list[Element], Box]:
    """Lay out the A4 poster, every length multiplied by k (A3 is A4 scaled by sqrt 2)."""

    def b(x: float, y: float, w: float, h: float) -> Box:
        return Box(x * MM * k, y * MM * k, w * MM * k, h * MM * k)

    els: list[Element] = []
    side, width = 16.0, 210 - 2 * 16.0
    els.append(RectEl(b(0, 0, 210, 54), RED))
    els.append(RectEl(b(0, 54, 210, 2), GOLD_LINE))
    _text_block(els, spec.heading, b(side, 9, width, 36), fm, GOLD,
                max_size=62 * k, min_size=30 * k)
    _text_block(els, spec.title, b(side, 64, width, 36), fm, INK,
                max_size=36 * k, one_line_min=28 * k, min_size=20 * k)
    _text_block(els, spec.unit_path, b(side, 101, width, 11), fm, GREY,
                max_size=17 * k, min_size=11 * k)
    # A pale band behind the call to action makes it read as an instruction, not a title.
    els.append(RectEl(b(side, 116, width, 13), PALE_RED))
    _text_block(els, HINTS[spec.kind], b(side + 4, 116, width - 8, 13), fm, RED,
                max_size=21 * k, min_size=12 * k)
    qr = b(105 - 52, 133, 104, 104)
    els.append(QrEl(qr, spec.url, spec.logo))
    _text_block(els, spec.url, b(side, 238, width, 8), fm, GREY, max_size=12 * k, min_size=8 * k)
    _text_block(els, _code_line(spec), b(side, 247, width, 11), fm, INK,
                max_size=18 * k, min_size=11 * k)
    els.append(RectEl(b(0, 266, 210, 2), GOLD_LINE))
    els.append(RectEl(b(0, 268, 210, 29), RED))
    _text_block(els, spec.contact, b(side, 271, width, 19), fm, WHITE,
                max_size=17 * k, min_size=10 * k)
    return els, b(side - 6, 6, width + 12, 285)


def _tent_panel(spec: PosterSpec, fm: FontMetrics) -> tuple[list[Element], Box]:
    """Lay out one face of the A5 tent: 210 x 74 mm, its top edge on the fold."""

    def b(x: float, y: float, w: float, h: float) -> Box:
        return Box(x * MM, y * MM, w * MM, h * MM)

    els: list[Element] = []
    els.append(RectEl(b(0, 0, 210, 12), RED))
    els.append(RectEl(b(0, 12, 210, 1), GOLD_LINE))
    _text_block(els, spec.heading, b(10, 1.5, 190, 9), fm, GOLD, max_size=22, min_size=13)
    qr = b(8, 15.5, 48, 48)
    els.append(QrEl(qr, spec.url, spec.logo))
    _text_block(els, spec.url, b(5, 63.8, 54, 5.6), fm, GREY, max_size=7.5, min_size=5)
    col, cw = 62.0, 140.0
    _text_block(els, spec.title, b(col, 16, cw, 17), fm, INK,
                max_size=24, one_line_min=19, min_size=12, align="left")
    _text_block(els, spec.unit_path, b(col, 34, cw, 6.5), fm, GREY,
                max_size=12, min_size=8, align="left")
    _text_block(els, HINTS[spec.kind], b(col, 42, cw, 7.5), fm, RED,
                max_size=14.5, min_size=9, align="left")
    _text_block(els, _code_line(spec), b(col, 51, cw, 6.5), fm, INK,
                max_size=12, min_size=8, align="left")
    _text_block(els, spec.contact, b(col, 58.5, cw, 6.5), fm, INK,
                max_size=11, min_size=8, align="left")
    els.append(RectEl(b(0, 71.5, 210, 2.5), RED))
    # The fold is not cut, so content may come close to it; trimmed edges keep 3.5 mm or more.
    return els, b(4, 0, 202, 70.5)


def _to_bleed(
    els: list[Element], pw: float, ph: float, bleed: float, edges: frozenset[str]
) -> list[Element]:
    """Stretch rectangles touching the given panel edges (page edges, not folds) into bleed."""
    if bleed <= 0:
        return els
    out: list[Element] = []
    eps = 1e-6
    for el in els:
        if isinstance(el, RectEl):
            x, y, r, btm = el.box.x, el.box.y, el.box.right, el.box.bottom
            x -= bleed if "left" in edges and x <= eps else 0
            y -= bleed if "top" in edges and y <= eps else 0
            r += bleed if "right" in edges and r >= pw - eps else 0
            btm += bleed if "bottom" in edges and btm >= ph - eps else 0
            el = RectEl(Box(x, y, r - x, btm - y), el.color)
        out.append(el)
    return out


ALL_EDGES = frozenset({"top", "left", "right", "bottom"})
# A tent face's top edge is the fold, so nothing bleeds there.
TENT_EDGES = frozenset({"left", "right", "bottom"})


def layout_page(
    spec: PosterSpec,
    size: PosterSize = "A4",
    *,
    font_name: str,
    bleed_mm: float = 0.0,
    crop_marks: bool = False,
) -> PageLayout:
    """Compute the positioned elements of one poster page."""
    if size not in TRIM_MM:
        raise ValueError(f"不支持的纸张 {size!r}，可选 A4、A3、A5 / "
                         f"unsupported size {size!r}, choose A4, A3 or A5")
    if not 0 <= bleed_mm <= 10:
        raise ValueError(f"出血应在 0–10 毫米之间，而不是 {bleed_mm} / "
                         f"bleed must be 0-10 mm, not {bleed_mm}")
    fm = _metrics(font_name)
    tw, th = TRIM_MM[size][0] * MM, TRIM_MM[size][1] * MM
    bleed = bleed_mm * MM
    offset = max(bleed, MARK_MIN_OFFSET_MM * MM)
    slug = offset + (MARK_LENGTH_MM + 1) * MM if crop_marks else bleed
    trim = Box(slug, slug, tw, th)
    panels: list[Panel] = []
    if size == "A5":
        els, safe = _tent_panel(spec, fm)
        ph = th / 2
        els = _to_bleed(els, tw, ph, bleed, TENT_EDGES)
        # Back face on the upper half, upside down; front face on the lower half.
        panels.append(Panel(Box(trim.x, trim.y, tw, ph), 180, tuple(els), safe))
        panels.append(Panel(Box(trim.x, trim.y + ph, tw, ph), 0, tuple(els), safe))
    else:
        els, safe = _wall_panel(spec, fm, TRIM_MM[size][0] / 210)
        els = _to_bleed(els, tw, th, bleed, ALL_EDGES)
        panels.append(Panel(trim, 0, tuple(els), safe))
    marks = _crop_marks(trim, offset, fold=size == "A5") if crop_marks else ()
    return PageLayout(
        width=tw + 2 * slug,
        height=th + 2 * slug,
        trim=trim,
        bleed=Box(trim.x - bleed, trim.y - bleed, tw + 2 * bleed, th + 2 * bleed),
        panels=tuple(panels),
        marks=marks,
    )


def _crop_marks(trim: Box, offset: float, fold: bool) -> tuple[LineEl, ...]:
    length = MARK_LENGTH_MM * MM
    marks: list[LineEl] = []
    for cx, sx in ((trim.x, -1), (trim.right, 1)):
        for cy, sy in ((trim.y, -1), (trim.bottom, 1)):
            marks.append(LineEl(cx + sx * offset, cy, cx + sx * (offset + length), cy,
                                MARK_WIDTH_PT, REGISTRATION))
            marks.append(LineEl(cx, cy + sy * offset, cx, cy + sy * (offset + length),
                                MARK_WIDTH_PT, REGISTRATION))
    if fold:
        # Dashed fold marks in the margin, at the middle of the long sides.
        y = trim.y + trim.h / 2
        for cx, sx in ((trim.x, -1), (trim.right, 1)):
            marks.append(LineEl(cx + sx * offset, y, cx + sx * (offset + length), y,
                                MARK_WIDTH_PT, REGISTRATION, (1.5, 1.5)))
    return tuple(marks)


# --- PDF backend --------------------------------------------------------------------------


def _pdf_page(c: Canvas, page: PageLayout, font_name: str) -> None:
    for panel in page.panels:
        c.saveState()
        # Panel coordinates run downwards from the panel's top left; reportlab's run up.
        if panel.rotate == 0:
            c.translate(panel.box.x, page.height - panel.box.y)
        else:
            c.translate(panel.box.right, page.height - panel.box.bottom)
            c.rotate(180)
        for el in panel.elements:
            _pdf_element(c, el, font_name)
        c.restoreState()
    c.saveState()
    c.translate(0, page.height)
    for mark in page.marks:
        _pdf_element(c, mark, font_name)
    c.restoreState()


def _pdf_element(c: Canvas, el: Element, font_name: str) -> None:
    if isinstance(el, RectEl):
        c.setFillColor(HexColor(el.color))
        c.rect(el.box.x, -el.box.bottom, el.box.w, el.box.h, stroke=0, fill=1)
    elif isinstance(el, TextEl):
        c.setFillColor(HexColor(el.color))
        c.setFont(font_name, el.size)
        if el.align == "center":
            c.drawCentredString(el.x, -el.baseline, el.text)
        else:
            c.drawString(el.x, -el.baseline, el.text)
    elif isinstance(el, QrEl):
        draw_qr(c, el.data, el.box.x, -el.box.bottom, el.box.w, el.logo)
    else:
        c.setStrokeColor(HexColor(el.color))
        c.setLineWidth(el.width)
        c.setDash(list(el.dash) if el.dash else [])
        c.line(el.x1, -el.y1, el.x2, -el.y2)


def render_pdf(
    specs: Sequence[PosterSpec],
    size: PosterSize = "A4",
    *,
    font: FontRef | None = None,
    bleed_mm: float = 0.0,
    crop_marks: bool = False,
) -> bytes:
    """Render one poster page per spec into a PDF with a vector QR and an embedded font."""
    if not specs:
        raise ValueError("没有要生成的海报 / no posters to render")
    font_name = register_font(font or find_cjk_font())
    layouts = [layout_page(s, size, font_name=font_name, bleed_mm=bleed_mm,
                           crop_marks=crop_marks) for s in specs]
    first = layouts[0]
    buf = io.BytesIO()
    # invariant=1 drops timestamps and random ids so the same input gives the same bytes.
    # Starting in our font keeps reportlab's default Helvetica, which it would reference
    # but not embed, out of the file: print shops' preflight flags unembedded fonts.
    c = Canvas(buf, pagesize=(first.width, first.height), pageCompression=1, invariant=1,
               initialFontName=font_name)
    c.setTitle("有事好商量 二维码海报")
    c.setCreator("Shangliang qr")

    def pdf_box(b: Box) -> tuple[float, float, float, float]:
        return (b.x, first.height - b.bottom, b.right, first.height - b.y)

    if bleed_mm > 0 or crop_marks:
        # Page boxes tell imposition software where to cut, independent of our marks.
        c.setTrimBox(pdf_box(first.trim))
        c.setBleedBox(pdf_box(first.bleed))
    for page in layouts:
        _pdf_page(c, page, font_name)
        c.showPage()
    c.save()
    return buf.getvalue()


# --- PNG backend --------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _pil_font(path: str, index: int, px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, px, index=index)


def _png_elements(
    img: Image.Image, els: Sequence[Element], ox: float, oy: float, s: float, font: FontRef
) -> None:
    draw = ImageDraw.Draw(img)

    def px(v: float) -> int:
        return round(v * s)

    for el in els:
        if isinstance(el, RectEl):
            x0, y0 = px(ox + el.box.x), px(oy + el.box.y)
            x1, y1 = px(ox + el.box.right), px(oy + el.box.bottom)
            if x1 > x0 and y1 > y0:
                draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=el.color)
        elif isinstance(el, TextEl):
            pil_font = _pil_font(font.path, font.subfont_index, round(el.size * s * 4) / 4)
            anchor = "ms" if el.align == "center" else "ls"
            draw.text(((ox + el.x) * s, (oy + el.baseline) * s), el.text, fill=el.color,
                      font=pil_font, anchor=anchor)
        elif isinstance(el, QrEl):
            x0, y0 = px(ox + el.box.x), px(oy + el.box.y)
            side = px(ox + el.box.right) - x0
            img.paste(qr_image(el.data, side, el.logo), (x0, y0))
        else:
            draw.line((px(ox + el.x1), px(oy + el.y1), px(ox + el.x2), px(oy + el.y2)),
                      fill=el.color, width=max(1, px(el.width)))


def _png_page(page: PageLayout, font: FontRef, dpi: float) -> Image.Image:
    s = dpi / 72
    img = Image.new("RGB", (round(page.width * s), round(page.height * s)), WHITE)
    # Turned panels first: each is drawn upright on its own image (with room for bleed) and
    # rotated, and its white margin must not cover an upright neighbour's elements.
    for panel in sorted(page.panels, key=lambda p: p.rotate != 180):
        if panel.rotate == 0:
            _png_elements(img, panel.elements, panel.box.x, panel.box.y, s, font)
            continue
        m = page.trim.x - page.bleed.x
        sub = Image.new("RGB", (round((panel.box.w + 2 * m) * s),
                                round((panel.box.h + 2 * m) * s)), WHITE)
        _png_elements(sub, panel.elements, m, m, s, font)
        img.paste(sub.rotate(180), (round((panel.box.x - m) * s), round((panel.box.y - m) * s)))
    _png_elements(img, page.marks, 0, 0, s, font)
    return img


def render_png(spec: PosterSpec, size: PosterSize = "A4", dpi: float = 150,
               *, font: FontRef | None = None) -> bytes:
    """Render a PNG preview of one poster, from the same layout as the PDF."""
    if not 30 <= dpi <= 600:
        raise ValueError(f"分辨率应在 30–600 dpi 之间，而不是 {dpi} / "
                         f"dpi must be 30-600, not {dpi}")
    ref = font or find_cjk_font()
    page = layout_page(spec, size, font_name=register_font(ref))
    out = io.BytesIO()
    _png_page(page, ref, dpi).save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def printed_text(spec: PosterSpec, size: PosterSize = "A4", *, font: FontRef | None = None) -> str:
    """Return every line of text the layout prints, one per line (ellipses included)."""
    page = layout_page(spec, size, font_name=register_font(font or find_cjk_font()))
    lines: dict[str, None] = {}
    for panel in page.panels:
        for el in panel.elements:
            if isinstance(el, TextEl):
                lines[el.text] = None
    return "\n".join(lines)
