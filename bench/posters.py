"""Benchmark the poster batch: our vector PDF against a PDF of 300 dpi poster images.

    python bench/posters.py [--quick] [--sites N | --json specs.json | --from-demo]

--from-demo seeds the demo district (server.demo) into a temporary SQLite database and
benches the posters of all its active sites, built by the app's own poster service.

Each side runs in its own fresh Python process so its peak RSS
(resource.getrusage(RUSAGE_SELF).ru_maxrss, interpreter and imports included) and its
time (cold: font loading and QR generation included) are its own. With --quick the
baseline renders only a subset of pages and is extrapolated per page; the output says so.
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    # Run as a plain script from anywhere: make the repository's `qr` importable.
    sys.path.insert(0, str(ROOT))

BASE_URL = "https://sl.example.cn"
QUICK_BASELINE_PAGES = 10
#盐都区's towns and subdistricts (the article's 14 sectors, give or take the parks).
SECTORS = ["龙冈镇", "郭猛镇", "大冈镇", "大纵湖镇", "楼王镇", "学富镇", "尚庄镇", "秦南镇",
           "潘黄街道", "盐渎街道", "张庄街道", "盐龙街道", "高新技术产业开发区", "台湾农民创业园"]
SURNAMES = "黄王张李刘陈杨周吴徐孙朱马胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡"
PLACES = ["庄", "舍", "垛", "河", "桥", "湾", "塘", "墩", "港", "圩", "沟", "岗", "集", "湖", "荡"]
KINDS = ["协商议事室", "协商议事室", "协商议事室", "社情民意联系点", "政协委员工作室"]
# No 0/O, 1/I/L: codes are typed by people reading a poster.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def synthetic_specs(n: int, seed: int = 20240) -> list[dict[str, Any]]:
    """Return n realistic site poster specs as JSON-style dicts."""
    rng = random.Random(seed)
    seen: set[str] = set()
    specs: list[dict[str, Any]] = []
    while len(specs) < n:
        code = "".join(rng.choice(CODE_ALPHABET) for _ in range(6))
        if code in seen:
            continue
        seen.add(code)
        sector = rng.choice(SECTORS)
        place = rng.choice(SURNAMES) + rng.choice(PLACES)
        village = place + ("社区" if sector.endswith("街道") else "村")
        kind = rng.choice(KINDS)
        title = f"{village}{kind}"
        if len(specs) < 10:  # the article's 10 demonstration sites have longer names
            title = f"{village}党群服务中心“有事好商量”协商议事室（示范点）"
        specs.append({
            "url": f"{BASE_URL}/s/{code}",
            "code": code,
            "title": title,
            "unit_path": f"{sector} · {village}",
            "contact": f"联系电话：0515-8{rng.randrange(10**6, 10**7)}",
        })
    return specs


def demo_specs() -> list[dict[str, Any]]:
    """Return the poster specs of every active demo site, as the app builds them."""
    from dataclasses import asdict

    from server import create_app
    from server.demo import seed_demo
    from server.extensions import db, redis_accessor
    from server.sites.models import Unit
    from server.sites.posters import unit_specs

    with tempfile.TemporaryDirectory(prefix="sl-bench-") as tmp:
        app = create_app({"INSTANCE_PATH": tmp, "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
                          "PUBLIC_BASE_URL": BASE_URL, "SECRET_KEY": "bench"})
        try:
            with app.app_context():
                db.create_all()
                seed_demo()
                district = db.session.query(Unit).filter(Unit.parent_id.is_(None)).one()
                specs = [asdict(spec) for spec in unit_specs(district)]
                db.session.remove()
                db.engine.dispose()
        finally:
            redis_accessor.close(app)  # create_app started an embedded Redis
    return specs


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def _worker_ours(specs_file: str) -> dict[str, Any]:
    from qr.batch import batch_pdf, specs_from_dicts

    specs = specs_from_dicts(json.loads(Path(specs_file).read_text(encoding="utf-8")))
    start = time.perf_counter()
    pdf = batch_pdf(specs, "A4")
    seconds = time.perf_counter() - start
    return {"pages": len(specs), "seconds": seconds, "bytes": len(pdf),
            "peak_rss_mb": _peak_rss_mb()}


def _worker_baseline(specs_file: str, pages: int) -> dict[str, Any]:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    from qr.batch import specs_from_dicts
    from qr.posters import render_png

    specs = specs_from_dicts(json.loads(Path(specs_file).read_text(encoding="utf-8")))[:pages]
    start = time.perf_counter()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    for spec in specs:
        png = render_png(spec, "A4", dpi=300)
        c.drawImage(ImageReader(io.BytesIO(png)), 0, 0, A4[0], A4[1])
        c.showPage()
    c.save()
    seconds = time.perf_counter() - start
    return {"pages": len(specs), "seconds": seconds, "bytes": len(buf.getvalue()),
            "peak_rss_mb": _peak_rss_mb()}


def _run_worker(kind: str, specs_file: str, pages: int) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind,
           "--specs-file", specs_file, "--pages", str(pages)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{kind} worker failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _table(rows: list[tuple[str, str, str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:>{widths[2]}}" for a, b, c in rows)


def main(argv: list[str] | None = None) -> int:
    """Run both sides and print a table, then one JSON line."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help=f"baseline on {QUICK_BASELINE_PAGES} pages only, extrapolated")
    p.add_argument("--sites", type=int, default=265, help="synthetic sites (default 265)")
    p.add_argument("--json", help="bench these PosterSpec dicts instead of synthetic sites")
    p.add_argument("--from-demo", action="store_true",
                   help="bench all sites of the demo district (seeded into a temp SQLite)")
    p.add_argument("--worker", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    p.add_argument("--specs-file", help=argparse.SUPPRESS)
    p.add_argument("--pages", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker == "ours":
        print(json.dumps(_worker_ours(args.specs_file)))
        return 0
    if args.worker == "baseline":
        print(json.dumps(_worker_baseline(args.specs_file, args.pages)))
        return 0

    if args.json and args.from_demo:
        p.error("--json and --from-demo exclude each other")
    if args.from_demo:
        specs = demo_specs()
        source = "demo district (all active sites)"
    elif args.json:
        specs = json.loads(Path(args.json).read_text(encoding="utf-8"))
        source = args.json
    else:
        if args.sites < 1:
            p.error("--sites must be at least 1")
        specs = synthetic_specs(args.sites)
        source = "synthetic"
    n = len(specs)
    baseline_pages = min(n, QUICK_BASELINE_PAGES) if args.quick else n
    with tempfile.TemporaryDirectory() as tmp:
        specs_file = os.path.join(tmp, "specs.json")
        Path(specs_file).write_text(json.dumps(specs, ensure_ascii=False), encoding="utf-8")
        ours = _run_worker("ours", specs_file, n)
        base = _run_worker("baseline", specs_file, baseline_pages)

    ours_spp = ours["seconds"] / n
    base_spp = base["seconds"] / base["pages"]
    base_total = base_spp * n
    base_mb = base["bytes"] / base["pages"] * n / 1e6
    extrapolated = base["pages"] < n
    note = f" (measured {base['pages']}, extrapolated)" if extrapolated else ""
    print(f"Posters: {n} A4 pages ({source}), {os.cpu_count()} CPUs, Python "
          f"{sys.version.split()[0]}; each side in a fresh process, cold (font + QR included)")
    print(_table([
        ("", "ours: vector PDF", "baseline: 300 dpi PNG pages" + note),
        ("pages", str(n), f"{base['pages']} → {n}" if extrapolated else str(n)),
        ("seconds", f"{ours['seconds']:.2f}", f"{base_total:.1f}"),
        ("seconds per page", f"{ours_spp * 1000:.1f} ms", f"{base_spp * 1000:.0f} ms"),
        ("pages per second", f"{n / ours['seconds']:.1f}", f"{1 / base_spp:.2f}"),
        ("output MB", f"{ours['bytes'] / 1e6:.2f}", f"{base_mb:.1f}"),
        ("peak RSS MB (ru_maxrss)", f"{ours['peak_rss_mb']:.0f}",
         f"{base['peak_rss_mb']:.0f}"),
    ]))
    ratio = base_spp / ours_spp
    print(f"baseline is {ratio:.0f}x slower per page; goal: {n} pages in < 5 s: "
          f"{'met' if ours['seconds'] < 5 or n != 265 else 'NOT met'}")
    print(json.dumps({
        "pages": n,
        "source": source,
        "ours_s": round(ours["seconds"], 3),
        "ours_pages_per_s": round(n / ours["seconds"], 1),
        "ours_mb": round(ours["bytes"] / 1e6, 3),
        "ours_peak_rss_mb": round(ours["peak_rss_mb"], 1),
        "baseline_pages_measured": base["pages"],
        "baseline_extrapolated": extrapolated,
        "baseline_s": round(base_total, 2),
        "baseline_s_per_page": round(base_spp, 4),
        "baseline_mb": round(base_mb, 2),
        "baseline_peak_rss_mb": round(base["peak_rss_mb"], 1),
        "ours_s_per_page": round(ours_spp, 5),
        "ratio_baseline_s_per_page_over_ours": round(ratio, 1),
        "rss_method": "resource.getrusage(RUSAGE_SELF).ru_maxrss per fresh worker process",
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
