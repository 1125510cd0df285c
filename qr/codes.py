"""QR codes for site and meeting URLs: matrix, PNG, SVG and vector drawing on a PDF canvas."""

from __future__ import annotations

import io
from functools import lru_cache
from typing import TYPE_CHECKING

import qrcode
import qrcode.constants
import qrcode.exceptions
import qrcode.util
from PIL import Image

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

# The quiet zone the QR spec asks for; scanners in dim village halls need all of it.
QUIET_ZONE = 4
# Largest share of the symbol width a centre logo may cover. Level H restores 30% of the
# codewords; a 20%-wide square hides about 4% of the modules, leaving a wide margin for
# creases, glare and dirt on a poster that hangs for years.
LOGO_MAX_FRACTION = 0.20


def _join(base_url: str, prefix: str, code: str) -> str:
    code = code.strip()
    if not code:
        raise ValueError("编号不能为空 / code must not be empty")
    return f"{base_url.rstrip('/')}/{prefix}/{code}"


def site_url(base_url: str, code: str) -> str:
    """Return the public URL a site's QR code points to."""
    return _join(base_url, "s", code)


def meeting_url(base_url: str, code: str) -> str:
    """Return the public URL a meeting's QR code points to."""
    return _join(base_url, "m", code)


@lru_cache(maxsize=4096)
def _matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    # Level H so a centre logo (and a poster's wear and tear) still decodes.
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_H, border=QUIET_ZONE, box_size=1
    )
    code.add_data(data)
    try:
        code.best_fit()
    except (qrcode.exceptions.DataOverflowError, ValueError) as exc:  # qrcode raises either
        raise ValueError(f"二维码内容太长（{len(data)} 个字符） / "
                         f"too much data for one QR code at level H ({len(data)} chars)") from exc
    # qrcode's own mask search lays the data out eight times in pure Python (~8 ms for a
    # site URL, most of a 265-page batch). Lay it out once, derive the other seven masks
    # by XOR and score them with the same rules faster; the symbol is then built by
    # qrcode with the mask it would have chosen itself (tests check it is identical).
    code.makeImpl(True, 0)
    best = _best_mask(code.version, code.modules)
    code.makeImpl(False, best)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


@lru_cache(maxsize=64)
def _mask_flips(version: int) -> tuple[tuple[int, ...], ...]:
    """Per mask k, per row, the data cells where mask k differs from mask 0, as bits."""
    probe = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_H)
    probe.version = version
    n = probe.modules_count = version * 4 + 17
    probe.modules = [[None] * n for _ in range(n)]
    probe.setup_position_probe_pattern(0, 0)
    probe.setup_position_probe_pattern(n - 7, 0)
    probe.setup_position_probe_pattern(0, n - 7)
    probe.setup_position_adjust_pattern()
    probe.setup_timing_pattern()
    probe.setup_type_info(True, 0)
    if version >= 7:
        probe.setup_type_number(True)
    masks = [qrcode.util.mask_func(k) for k in range(8)]
    flips: list[tuple[int, ...]] = []
    for k in range(8):
        rows = []
        for r in range(n):
            bits = 0
            for c in range(n):
                bits <<= 1
                if probe.modules[r][c] is None and masks[0](r, c) != masks[k](r, c):
                    bits |= 1
            rows.append(bits)
        flips.append(tuple(rows))
    return tuple(flips)


_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


def _penalty(rows: list[int], n: int) -> int:
    """Score a masked symbol by ISO 18004's four rules, exactly as qrcode.util.lost_point."""
    # Rows and columns as n-bit integers and as strings of 0/1: integer bit tricks and
    # str.find run in C, which is what makes this faster than qrcode's per-module loops.
    full = (1 << n) - 1
    lines = [format(r, f"0{n}b") for r in rows]
    cols = ["".join(col) for col in zip(*lines, strict=True)]
    points = 0
    for a in rows + [int(c, 2) for c in cols]:
        # N1: a run of L >= 5 equal modules costs L - 2. e marks "equals its neighbour", so
        # a run of L is L - 1 set bits of e, and f marks each window of four such bits.
        e = ~(a ^ (a >> 1)) & (full >> 1)
        f = e & (e >> 1) & (e >> 2) & (e >> 3)
        points += f.bit_count() + 2 * (f & ~(f >> 1)).bit_count()
    for a, b in zip(rows, rows[1:], strict=False):
        # N2: 3 points per 2x2 block of one colour (overlapping blocks all count).
        same_v = ~(a ^ b) & full
        same_h = ~(a ^ (a >> 1)) & (full >> 1)
        points += 3 * (same_v & (same_v >> 1) & same_h).bit_count()
    # N3: 40 points per finder-like 1011101 with four light modules before or after (both
    # count). "2" separates the lines so no pattern spans two of them.
    text = "2".join(lines + cols)
    i = text.find("1011101")
    while i >= 0:
        points += 40 * ((i >= 4 and text[i - 4:i] == "0000") + (text[i + 7:i + 11] == "0000"))
        i = text.find("1011101", i + 1)
    # N4: 10 points per 5% the dark share strays from 50%.
    dark = sum(r.bit_count() for r in rows)
    points += int(abs(float(dark) / (n * n) * 100 - 50) / 5) * 10
    return points


def _best_mask(version: int, modules: list[list[bool | None]]) -> int:
    n = len(modules)
    base = [int(bytes(row).translate(_TO_DIGITS), 2) for row in modules]  # type: ignore[arg-type]
    scores = [
        _penalty([row ^ flip for row, flip in zip(base, flips, strict=True)], n)
        for flips in _mask_flips(version)
    ]
    return scores.index(min(scores))  # the first best, as qrcode picks


def qr_matrix(data: str) -> list[list[bool]]:
    """Return the QR modules for data (True is dark), quiet zone included."""
    if not data:
        raise ValueError("二维码内容不能为空 / QR data must not be empty")
    # The cache holds immutable tuples; callers get a fresh list they may modify.
    return [list(row) for row in _matrix(data)]


@lru_cache(maxsize=4096)
def _runs(data: str) -> tuple[tuple[int, int, int], ...]:
    """Return (row, first column, length) for each horizontal run of dark modules."""
    runs: list[tuple[int, int, int]] = []
    for y, row in enumerate(_matrix(data)):
        x = 0
        n = len(row)
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return tuple(runs)


def logo_modules(size: int) -> int:
    """Return the side, in modules, of the white pad for a centre logo in a size-module QR."""
    symbol = size - 2 * QUIET_ZONE
    pad = int(symbol * LOGO_MAX_FRACTION)
    # Odd, like the symbol, so the pad sits centred on whole modules.
    if pad % 2 == 0:
        pad -= 1
    return max(pad, 3)


def qr_image(data: str, size_px: int, logo: bytes | None = None) -> Image.Image:
    """Return the QR for data as an RGB image of exactly size_px square."""
    if size_px < 1:
        raise ValueError("图片尺寸必须为正数 / size_px must be positive")
    matrix = _matrix(data)
    n = len(matrix)
    raw = bytes(0 if cell else 255 for row in matrix for cell in row)
    # NEAREST keeps module edges crisp; any other filter greys them and hurts scanning.
    img = Image.frombytes("L", (n, n), raw).resize((size_px, size_px), Image.Resampling.NEAREST)
    img = img.convert("RGB")
    if logo is not None:
        _paste_logo(img, n, logo)
    return img


def _paste_logo(img: Image.Image, n: int, logo: bytes) -> None:
    size_px = img.width
    pad = logo_modules(n)
    lo = (n - pad) // 2
    x0 = round(lo * size_px / n)
    x1 = round((lo + pad) * size_px / n)
    img.paste((255, 255, 255), (x0, x0, x1, x1))
    # Half a module of white around the logo keeps it visually apart from the modules.
    inset = max(1, round(0.5 * size_px / n))
    box = x1 - x0 - 2 * inset
    if box < 2:
        return
    mark = _load_logo(logo)
    mark.thumbnail((box, box), Image.Resampling.LANCZOS)
    ox = x0 + inset + (box - mark.width) // 2
    oy = x0 + inset + (box - mark.height) // 2
    img.paste(mark, (ox, oy), mark)


def _load_logo(logo: bytes) -> Image.Image:
    try:
        mark = Image.open(io.BytesIO(logo))
        mark.load()
    except Exception as exc:  # Pillow raises several types for bad input
        raise ValueError(f"无法读取标志图片 / cannot read logo image: {exc}") from exc
    return mark.convert("RGBA")


def render_png(data: str, size_px: int, logo: bytes | None = None) -> bytes:
    """Render the QR for data as a PNG of exactly size_px square, with an optional logo."""
    out = io.BytesIO()
    qr_image(data, size_px, logo).save(out, format="PNG", optimize=False)
    return out.getvalue()


def render_svg(data: str) -> str:
    """Render the QR for data as an SVG whose viewBox counts modules."""
    n = len(_matrix(data))
    d = "".join(f"M{x} {y}h{w}v1h-{w}z" for y, x, w in _runs(data))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" '
        f'shape-rendering="crispEdges">'
        f'<rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path d="{d}" fill="#000"/></svg>\n'
    )


@lru_cache(maxsize=4096)
def _pdf_ops(data: str) -> str:
    # One path of merged runs filled once: a few hundred rects instead of ~1,000 modules
    # keeps the PDF small, and one fill avoids hairline seams between touching rects.
    # Written as integer operators because reportlab's float formatting is pure Python
    # (without its optional C accelerator) and was half the time of a 265-page batch.
    ops = [f"{col} {row} {w} 1 re" for row, col, w in _runs(data)]
    ops.append("f")
    return "\n".join(ops)


def draw_qr(
    canvas: Canvas, data: str, x: float, y: float, size: float, logo: bytes | None = None
) -> None:
    """Draw the QR for data as vector rectangles with its lower-left corner at (x, y)."""
    n = len(_matrix(data))
    canvas.saveState()
    # The quiet zone must be white even when the poster behind it is coloured.
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    # Work in module units, y down from the top edge, so every rectangle is whole numbers.
    canvas.translate(x, y + size)
    canvas.scale(size / n, -size / n)
    canvas.addLiteral(_pdf_ops(data))
    canvas.restoreState()
    if logo is not None:
        canvas.saveState()
        _draw_logo(canvas, n, logo, x, y, size)
        canvas.restoreState()


def _draw_logo(canvas: Canvas, n: int, logo: bytes, x: float, y: float, size: float) -> None:
    from reportlab.lib.utils import ImageReader

    m = size / n
    pad = logo_modules(n)
    lo = (n - pad) // 2
    px, py = x + lo * m, y + (n - lo - pad) * m
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(px, py, pad * m, pad * m, stroke=0, fill=1)
    mark = _load_logo(logo)
    box = (pad - 1) * m
    scale = min(box / mark.width, box / mark.height)
    w, h = mark.width * scale, mark.height * scale
    canvas.drawImage(
        ImageReader(mark),
        px + (pad * m - w) / 2,
        py + (pad * m - h) / 2,
        w,
        h,
        mask="auto",
    )
