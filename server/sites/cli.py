"""`flask posters`: print-ready posters from the database, offline (same output as the API)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click

from qr.posters import PosterSize
from server.errors import DomainError


@click.command("posters")
@click.option("--unit-code",
              help="行政单元编码（如 YD 全区、YD01 龙冈镇），输出其下全部在用点位")
@click.option("--site-code", help="单个点位编号（海报上的编号）")
@click.option("--size", type=click.Choice(["A4", "A3", "A5"]), default="A4", show_default=True)
@click.option("--bleed", type=click.FloatRange(0, 10), default=0.0, show_default=True,
              help="出血（毫米，PDF）")
@click.option("--crop-marks", is_flag=True, help="裁切线（PDF）")
@click.option("--dpi", type=click.IntRange(30, 300), default=150, show_default=True,
              help="PNG 分辨率")
@click.option("--zip", "as_zip", is_flag=True, help="输出每个点位一张 PNG 的压缩包")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="输出文件；以 .png 结尾时输出单张海报预览（单元则取其第一个点位）")
def posters_command(unit_code: str | None, site_code: str | None, size: str, bleed: float,
                    crop_marks: bool, dpi: int, as_zip: bool, output: str) -> None:
    """Write posters for a unit's sites (one PDF, or --zip of PNGs) or for one site."""
    from server.sites import posters
    from server.sites.services import site_by_code

    if bool(unit_code) == bool(site_code):
        raise click.UsageError("请指定 --unit-code 或 --site-code 之一")
    as_png = output.lower().endswith(".png")
    paper = cast(PosterSize, size)
    try:
        if site_code:
            site = site_by_code(site_code)
            download = (posters.site_poster_png_for(site, paper, dpi) if as_png
                        else posters.site_poster_pdf_for(site, paper, bleed, crop_marks))
        else:
            unit = posters.unit_by_code(unit_code or "")
            if as_zip:
                download = posters.unit_posters_zip_for(unit, paper, dpi)
            elif as_png:
                sites = posters.unit_sites(unit)
                if not sites:
                    raise posters.NoSites()
                download = posters.site_poster_png_for(sites[0], paper, dpi)
            else:
                download = posters.unit_posters_pdf_for(unit, paper, bleed, crop_marks)
    except DomainError as exc:
        detail = exc.errors.get("detail") if exc.errors else None
        raise click.ClickException(f"{exc.message}" + (f"\n{detail}" if detail else "")) from exc
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(download.data)
    click.echo(f"已写入 {path}（{len(download.data) / 1e6:.2f} MB）")
