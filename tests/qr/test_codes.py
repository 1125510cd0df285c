import io
import random
import re
import string

import pypdfium2 as pdfium
import pytest
import qrcode
import qrcode.constants
import qrcode.util
import zxingcpp
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from qr.codes import (
    QUIET_ZONE,
    _penalty,
    draw_qr,
    logo_modules,
    meeting_url,
    qr_matrix,
    render_png,
    render_svg,
    site_url,
)

URL = "https://sl.example.cn/s/K7M2QX"


def decode(img: Image.Image) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(img)]


def logo_png() -> bytes:
    img = Image.new("RGBA", (64, 48), (200, 22, 29, 255))
    img.paste((242, 196, 98, 255), (16, 12, 48, 36))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def test_urls_strip_trailing_slash() -> None:
    assert site_url("https://sl.example.cn/", "K7M2QX") == URL
    assert site_url("https://sl.example.cn", "K7M2QX") == URL
    assert meeting_url("https://sl.example.cn//", "AB12CD") == "https://sl.example.cn/m/AB12CD"
    with pytest.raises(ValueError):
        site_url("https://sl.example.cn", " ")


def test_matrix_has_quiet_zone_and_is_a_copy() -> None:
    m = qr_matrix(URL)
    n = len(m)
    assert all(len(row) == n for row in m)
    assert (n - 2 * QUIET_ZONE - 17) % 4 == 0  # a real QR version: 17 + 4v modules
    for i in range(QUIET_ZONE):
        assert not any(m[i]) and not any(m[n - 1 - i])
        assert not any(row[i] or row[n - 1 - i] for row in m)
    m[QUIET_ZONE][QUIET_ZONE] = False
    assert qr_matrix(URL)[QUIET_ZONE][QUIET_ZONE] is True  # cache not mutated


@pytest.mark.parametrize("size", [80, 123, 600, 1200])
def test_png_exact_size_and_decodes(size: int) -> None:
    img = Image.open(io.BytesIO(render_png(URL, size)))
    assert img.size == (size, size)
    assert decode(img) == [URL]


def test_png_is_crisp_black_and_white() -> None:
    img = Image.open(io.BytesIO(render_png(URL, 370))).convert("L")
    assert {color for _, color in img.getcolors()} <= {0, 255}


def test_png_with_logo_decodes_and_logo_is_small() -> None:
    img = Image.open(io.BytesIO(render_png(URL, 600, logo=logo_png())))
    assert decode(img) == [URL]
    n = len(qr_matrix(URL))
    assert logo_modules(n) <= 0.2 * (n - 2 * QUIET_ZONE)
    assert img.getpixel((300, 300)) != (0, 0, 0)  # the logo is there


def test_too_much_data_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="too much data"):
        qr_matrix("x" * 2000)


def test_bad_logo_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="logo"):
        render_png(URL, 200, logo=b"not an image")


def test_svg_path_reproduces_matrix() -> None:
    svg = render_svg(URL)
    n = len(qr_matrix(URL))
    assert f'viewBox="0 0 {n} {n}"' in svg
    assert 'shape-rendering="crispEdges"' in svg
    assert svg.count("<path") == 1
    rebuilt = [[False] * n for _ in range(n)]
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        for i in range(int(w)):
            rebuilt[int(y)][int(x) + i] = True
    assert rebuilt == qr_matrix(URL)


def test_draw_qr_is_vector_and_decodes() -> None:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(200, 200), pageCompression=0)
    draw_qr(c, URL, 20, 30, 150)
    c.showPage()
    c.save()
    data = buf.getvalue()
    assert b"/Subtype /Image" not in data  # no raster anywhere
    dark_runs = sum(1 for row in qr_matrix(URL) for a, b in zip([False, *row], row, strict=False)
                    if b and not a)
    assert data.count(b" re\n") + data.count(b" re\r") >= dark_runs
    page = pdfium.PdfDocument(data)[0]
    assert decode(page.render(scale=3).to_pil()) == [URL]


def _plain_qrcode(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_H, border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    return [[bool(c) for c in row] for row in code.get_matrix()]


def test_fast_mask_choice_gives_qrcodes_own_symbol() -> None:
    rng = random.Random(2024)
    samples = [URL, "a", "https://sl.example.cn/m/AB12CD", "黄庄村协商议事室" * 9]
    samples += ["".join(rng.choice(string.printable) for _ in range(rng.randrange(1, 160)))
                for _ in range(25)]
    for data in samples:
        assert qr_matrix(data) == _plain_qrcode(data), data


def test_penalty_matches_qrcode_lost_point() -> None:
    rng = random.Random(7)
    for _ in range(60):
        n = rng.choice([21, 25, 29, 33, 45])
        share = rng.choice([0.2, 0.5, 0.8])
        m = [[rng.random() < share for _ in range(n)] for _ in range(n)]
        rows = [int("".join("1" if c else "0" for c in row), 2) for row in m]
        assert _penalty(rows, n) == qrcode.util.lost_point(m)
