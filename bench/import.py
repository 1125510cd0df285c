"""Benchmark the district import: a ~5,000-row workbook checked and imported.

    python bench/import.py [--quick] [--rows-scale N] [--pg URL] [--no-pg]

Builds a workbook for a made-up county (tests/district/workbook_factory.py: units, one site
per village, departments, staff, routing rules, holidays), then on SQLite and PostgreSQL each
(in its own process, on an empty schema): times the dry run (read + check + write + roll
back), the import (read + check + write + commit) and a second import of the same workbook
(which must change nothing). Goal: the whole workbook in under 10 s on either database.
PostgreSQL uses its own bench database (default sl_x1), whose public schema is dropped.
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/sl_x1"
GOAL_SECONDS = 10.0


def shape(quick: bool) -> dict[str, int]:
    """Return the county's size: ~5,000 rows, or ~600 with --quick."""
    if quick:
        return {"towns": 5, "villages": 40, "staff_per_town": 20, "extra_departments": 20}
    return {"towns": 20, "villages": 80, "staff_per_town": 80, "extra_departments": 100}


def run_one(database: str, quick: bool) -> dict[str, Any]:
    """Import the workbook into an empty schema of one database; return the timings."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from server import create_app
    from server.district.importer import run_import
    from server.district.workbook import read_workbook
    from server.extensions import db, redis_accessor
    from server.people.accounts import create_admin
    from server.sites.models import Site
    from tests.district.workbook_factory import county

    workdir = Path(tempfile.mkdtemp(prefix="sl-bench-import-"))
    app = create_app({"TESTING": True, "MEETINGS_DRAIN_INTERVAL": 0, "MEETINGS_EXPIRY_TIMER": False,
                      "AUDIT_DRAIN_INTERVAL": 0,
                      "INSTANCE_PATH": str(workdir), "DATABASE_URL": database,
                      "SECRET_KEY": "bench", "PUBLIC_BASE_URL": "https://sl.example.cn"})
    try:
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
            upgrade(directory=str(ROOT / "migrations"), revision="heads")
            admin = create_admin("bench-chief", "管理员", "Zq8-lantern-river")
            started = time.perf_counter()
            workbook = county(**shape(quick))
            data = workbook.xlsx()
            build = time.perf_counter() - started
            figures: dict[str, Any] = {"dialect": db.engine.dialect.name, "rows": workbook.rows,
                                       "xlsx_bytes": len(data), "build_s": round(build, 2)}
            for label, dry in (("dry_run", True), ("import", False), ("reimport", False)):
                started = time.perf_counter()
                result = run_import(read_workbook(data), admin, dry_run=dry)
                seconds = time.perf_counter() - started
                figures[f"{label}_s"] = round(seconds, 2)
                figures[f"{label}_rows_per_s"] = round(workbook.rows / seconds)
                if label == "reimport":
                    changed = sum(c.created + c.updated + c.retired
                                  for c in result.counts.values())
                    figures["reimport_changed"] = changed
            figures["sites"] = db.session.scalar(select(func.count()).select_from(Site))
            figures["within_goal"] = figures["import_s"] < GOAL_SECONDS
        return figures
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        redis_accessor.close(app)


def main() -> None:
    """Run each database in its own process and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="~600 rows, under 30 s")
    parser.add_argument("--pg", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.quick), ensure_ascii=False))
        return
    targets = {"sqlite": f"sqlite:///{tempfile.mkdtemp(prefix='sl-bench-db-')}/bench.db"}
    if not args.no_pg:
        targets["postgresql"] = args.pg
    results: dict[str, Any] = {}
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    for name, url in targets.items():
        cmd = [sys.executable, __file__, "--one", url] + (["--quick"] if args.quick else [])
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT,
                              check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            results[name] = {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
        else:
            results[name] = json.loads(lines[-1])
        figures = results[name]
        if "error" in figures:
            print(f"{name:<11} error: {figures['error']}")
        else:
            print(f"{name:<11} {figures['rows']} rows: check {figures['dry_run_s']} s, "
                  f"import {figures['import_s']} s ({figures['import_rows_per_s']} rows/s), "
                  f"again {figures['reimport_s']} s ({figures['reimport_changed']} changed)")
    print(json.dumps({"bench": "import", "quick": args.quick, "goal_s": GOAL_SECONDS,
                      **results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
