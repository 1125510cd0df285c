"""Factories and helpers for the sites tests: staff tokens, QR decoding of files."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image

from server.extensions import db
from server.people.models import User
from server.people.services import issue_api_token
from tests.factories import bearer, make_user

# Raster scale per paper size: enough pixels per QR module, few enough to stay fast.
PDF_SCALE = {"A4": 1.4, "A3": 1.0, "A5": 2.0}


def staff_headers(role: str, **scope: int | None) -> dict[str, str]:
    """Create a staff user with one grant and return bearer headers for an API token."""
    return token_headers(make_user(role, **scope))


def token_headers(user: User) -> dict[str, str]:
    token, _ = issue_api_token(user, "tests")
    db.session.commit()
    return bearer(token)


def decode(img: Image.Image) -> list[str]:
    """Return the text of every QR code zxing-cpp finds in an image."""
    return [b.text for b in zxingcpp.read_barcodes(img)]


def pdf_pages(data: bytes, scale: float) -> Iterator[Image.Image]:
    """Rasterise each page of a PDF."""
    doc = pdfium.PdfDocument(data)
    try:
        for page in doc:
            yield page.render(scale=scale).to_pil()
    finally:
        doc.close()


def png(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def zip_pngs(data: bytes) -> dict[str, Image.Image]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: png(zf.read(name)) for name in zf.namelist()}


def svg_image(svg: str, module_px: int = 8) -> Image.Image:
    """Rasterise our QR SVG (a viewBox in modules and one path of "MxyhWv1h-Wz" runs)."""
    n = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))  # type: ignore[union-attr]
    img = Image.new("L", (n * module_px, n * module_px), 255)
    d = re.search(r'<path d="([^"]*)"', svg).group(1)  # type: ignore[union-attr]
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", d):
        x0, y0 = int(x) * module_px, int(y) * module_px
        img.paste(0, (x0, y0, x0 + int(w) * module_px, y0 + module_px))
    return img
