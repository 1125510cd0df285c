"""Command line: python -m qr png|svg|poster|batch ... (see --help)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from qr.batch import batch_pdf, batch_png_zip, specs_from_dicts
from qr.codes import render_png as render_qr_png
from qr.codes import render_svg
from qr.fonts import FontNotFoundError, FontRef, find_cjk_font, missing_chars
from qr.posters import PosterSize, PosterSpec, printed_text, render_pdf
from qr.posters import render_png as render_poster_png

EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """Input the user can fix; printed as one line and exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: 参数错误 / bad arguments: {message}\n")


def _read_bytes(path: str | None) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"无法读取文件 {path} / cannot read {path}: {exc.strerror}") from exc


def _write(out: str, data: bytes) -> None:
    if out == "-":
        sys.stdout.buffer.write(data)
        return
    try:
        Path(out).write_bytes(data)
    except OSError as exc:
        raise BadInput(f"无法写入 {out} / cannot write {out}: {exc.strerror}") from exc


def _specs_from_json(path: str) -> list[PosterSpec]:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"无法读取 {path} / cannot read {path}: {exc.strerror}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path} 不是有效的 JSON / {path} is not valid JSON: {exc}") from exc
    try:
        return specs_from_dicts(raw)
    except ValueError as exc:
        raise BadInput(f"{path}：{exc}") from exc


def _warn_missing_glyphs(specs: Sequence[PosterSpec], size: PosterSize, ref: FontRef) -> None:
    # reportlab prints a character its font lacks as .notdef (a box or a gap), silently.
    gaps = missing_chars(ref, "".join(printed_text(s, size, font=ref) for s in specs))
    if gaps:
        print(f"警告：字体缺少这些字，会印成方框：{gaps} / "
              f"warning: the font has no glyph for: {gaps}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser for python -m qr."""
    p = _Parser(prog="python -m qr", description="有事好商量：二维码与海报 / QR codes and posters")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)

    png = sub.add_parser("png", help="二维码 PNG / QR code as PNG")
    png.add_argument("url")
    png.add_argument("--size", type=int, default=1200, help="边长像素 / side in pixels")
    png.add_argument("--logo", help="中心标志图片 / centre logo image")
    png.add_argument("-o", "--output", required=True)

    svg = sub.add_parser("svg", help="二维码 SVG / QR code as SVG")
    svg.add_argument("url")
    svg.add_argument("-o", "--output", required=True)

    def poster_options(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--size", choices=["A4", "A3", "A5"], default="A4")
        sp.add_argument("--bleed", type=float, default=0.0,
                        help="出血毫米（PDF） / bleed in mm (PDF)")
        sp.add_argument("--crop-marks", action="store_true",
                        help="裁切线（PDF） / crop marks (PDF)")
        sp.add_argument("--font", help="TrueType 中文字体文件 / CJK TrueType font file")
        sp.add_argument("--dpi", type=float, default=150, help="PNG 分辨率 / PNG resolution")
        sp.add_argument("-o", "--output", required=True)

    poster = sub.add_parser("poster", help="单张海报 / one poster")
    poster.add_argument("--url", required=True)
    poster.add_argument("--code", required=True)
    poster.add_argument("--title", required=True)
    poster.add_argument("--unit-path", required=True)
    poster.add_argument("--contact", default="")
    poster.add_argument("--kind", choices=["site", "meeting"], default="site")
    poster.add_argument("--heading", default="有事好商量")
    poster.add_argument("--logo")
    poster.add_argument("--format", choices=["pdf", "png"], default="pdf")
    poster_options(poster)

    batch = sub.add_parser("batch", help="批量海报 / many posters from JSON")
    batch.add_argument("--json", required=True, help="PosterSpec 字段对象的列表 / list of specs")
    batch.add_argument("--zip", action="store_true", help="输出 PNG 压缩包 / ZIP of PNGs")
    poster_options(batch)
    return p


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit status."""
    args = build_parser().parse_args(argv)
    if args.cmd == "png":
        if not 21 <= args.size <= 10000:
            raise BadInput(f"--size 应在 21–10000 之间 / --size must be 21-10000, not {args.size}")
        _write(args.output, render_qr_png(args.url, args.size, _read_bytes(args.logo)))
        return 0
    if args.cmd == "svg":
        _write(args.output, render_svg(args.url).encode("utf-8"))
        return 0
    font = find_cjk_font(args.font)
    if args.cmd == "poster":
        specs = [PosterSpec(url=args.url, code=args.code, title=args.title,
                            unit_path=args.unit_path, contact=args.contact, kind=args.kind,
                            heading=args.heading, logo=_read_bytes(args.logo))]
    else:
        specs = _specs_from_json(args.json)
    _warn_missing_glyphs(specs, args.size, font)
    if args.cmd == "poster" and args.format == "png":
        data = render_poster_png(specs[0], args.size, args.dpi, font=font)
    elif args.cmd == "batch" and args.zip:
        data = batch_png_zip(specs, args.size, args.dpi, font=font)
    elif args.cmd == "batch":
        data = batch_pdf(specs, args.size, font=font, bleed_mm=args.bleed,
                         crop_marks=args.crop_marks)
    else:
        data = render_pdf(specs, args.size, font=font, bleed_mm=args.bleed,
                          crop_marks=args.crop_marks)
    _write(args.output, data)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI, turning bad input into one clear line and exit status 2."""
    try:
        return run(argv)
    except (BadInput, ValueError, FontNotFoundError) as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
