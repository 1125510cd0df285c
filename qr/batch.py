"""Many posters at once: one sorted PDF, or a ZIP of PNG previews."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from qr.fonts import FontRef, find_cjk_font
from qr.posters import PosterSize, PosterSpec, render_pdf, render_png

# Characters that file systems or unzip tools on Windows refuse, plus the separators used
# in unit paths ("龙冈镇 · 黄庄村" -> "龙冈镇-黄庄村").
_UNSAFE = re.compile(r'[\\/:*?"<>|\s·•]+')


def _order(specs: Sequence[PosterSpec]) -> list[PosterSpec]:
    # Code point order keeps a town's villages together; it is not pinyin order.
    return sorted(specs, key=lambda s: (s.unit_path, s.title, s.code))


def sanitise(name: str) -> str:
    """Return name made safe for a file name, keeping Chinese characters."""
    cleaned = _UNSAFE.sub("-", name).strip("-.")
    return cleaned[:80] or "未命名"


def specs_from_dicts(items: object) -> list[PosterSpec]:
    """Build PosterSpecs from a JSON-style list of field dicts; a logo is a file path."""
    if not isinstance(items, list) or not items:
        raise ValueError("应为非空的海报列表 / expected a non-empty list of posters")
    known = {f.name for f in fields(PosterSpec)}
    specs: list[PosterSpec] = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ValueError(f"第 {i} 项不是对象 / item {i} is not an object")
        unknown = sorted(set(item) - known)
        if unknown:
            raise ValueError(f"第 {i} 项有未知字段 {unknown} / "
                             f"item {i} has unknown fields {unknown}")
        item = dict(item)
        # JSON cannot hold bytes, so a logo is named by its file path.
        if isinstance(item.get("logo"), str):
            try:
                item["logo"] = Path(item["logo"]).read_bytes()
            except OSError as exc:
                raise ValueError(f"第 {i} 项：无法读取标志 {item['logo']} / "
                                 f"item {i}: cannot read logo: {exc.strerror}") from exc
        try:
            specs.append(PosterSpec(**item))
        except TypeError as exc:
            raise ValueError(f"第 {i} 项缺少字段 / item {i}: {exc}") from exc
        except ValueError as exc:
            raise ValueError(f"第 {i} 项 / item {i}: {exc}") from exc
    return specs


def batch_pdf(specs: Sequence[PosterSpec], size: PosterSize = "A4", **kw: Any) -> bytes:
    """Render all posters into one PDF, ordered by unit path then title."""
    return render_pdf(_order(specs), size, **kw)


def batch_png_zip(
    specs: Sequence[PosterSpec],
    size: PosterSize = "A4",
    dpi: float = 150,
    *,
    font: FontRef | None = None,
) -> bytes:
    """Return a ZIP with one PNG preview per poster, named {unit path}-{code}.png."""
    if not specs:
        raise ValueError("没有要生成的海报 / no posters to render")
    ref = font or find_cjk_font()
    buf = io.BytesIO()
    used: set[str] = set()
    # PNGs are already deflated; storing them saves time and loses nothing.
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for spec in _order(specs):
            stem = f"{sanitise(spec.unit_path)}-{sanitise(spec.code)}"
            name, n = f"{stem}.png", 2
            while name in used:
                name, n = f"{stem}-{n}.png", n + 1
            used.add(name)
            # Non-ASCII names make zipfile set the UTF-8 flag, so unzip shows them right.
            zf.writestr(name, render_png(spec, size, dpi, font=ref))
    return buf.getvalue()
