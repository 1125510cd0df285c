"""Benchmark the evaluation dashboard's SQL against a naive Python-side computation.

    python bench/analytics.py [--quick] [--rows N] [--database-url URL] [--keep] [--reuse]

Generates N opinions (default 1,000,000; --quick 20,000) with their timelines (submit,
accept, assign, answer, rate, redo, close events) and dispatch cases in PostgreSQL, in its
OWN schema `bench_analytics` (dropped and re-created; never the test suite's `public`),
spread over 365 days, 250 villages in 14 sectors. Loading uses COPY.

Then it times (median of several runs, warm) the district dashboard query set
(dashboard: four highs, counters, children, heat table, weekly trend) and one
village's, for the last full month and for the whole year, computed in SQL (cache off),
then the same served from the Redis cache (what a leader reloading the page gets), and the
naive computation that loads the month's rows into Python. `--reuse` skips generation and
measures the schema a previous `--keep` run left. The last line printed is one JSON object.
Use your own database (--database-url), never one the test suite uses.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCHEMA = "bench_analytics"
SECTORS, VILLAGES = 14, 250
STATES = (["closed"] * 50 + ["answered"] * 12 + ["in_progress"] * 8 + ["assigned"] * 5
          + ["signed"] * 3 + ["accepted"] * 3 + ["received"] * 6 + ["declined"] * 5
          + ["merged"] * 2 + ["voided"] * 1)
TEXTS = ["村里的机耕路坑坑洼洼", "老旧小区希望加装电梯", "电动车飞线充电，要装充电桩",
         "路灯坏了", "河道垃圾多", "独居老人吃饭难"]


def _url_with_schema(url: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={SCHEMA}')}"


def _ts(value: datetime) -> str:
    return value.isoformat()


def _generate(conn: Any, rows: int, today: date, seed: int) -> dict[str, Any]:
    """Fill the schema with units, sites, categories, opinions, events and cases via COPY."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with conn.cursor() as cur:
        cur.execute("INSERT INTO units (id, code, name, kind, parent_id, path, depth,"
                    " population, sort_order)"
                    " VALUES (1, 'YD', '盐都区', 'district', NULL, '/1/', 0, 720000, 0)")
        unit_rows: list[tuple[Any, ...]] = []
        site_rows: list[tuple[Any, ...]] = []
        next_id = 2
        villages: list[tuple[int, int]] = []  # (unit id, site id)
        for s in range(SECTORS):
            sector_id = next_id
            next_id += 1
            unit_rows.append((sector_id, f"YD{s:02d}", f"板块{s + 1}", "town", 1,
                              f"/1/{sector_id}/", 1, 50000, s))
            for v in range(VILLAGES // SECTORS + (1 if s < VILLAGES % SECTORS else 0)):
                vid = next_id
                next_id += 1
                unit_rows.append((vid, f"YD{s:02d}{v:02d}", f"村{s + 1}-{v + 1}", "village",
                                  sector_id, f"/1/{sector_id}/{vid}/", 2,
                                  rng.randint(1500, 6000), v))
                site_id = len(site_rows) + 1
                site_rows.append((site_id, f"B{site_id:05d}", f"村{s + 1}-{v + 1}协商议事室",
                                  "room", vid, "", "", False, True, _ts(now)))
                villages.append((vid, site_id))
        with cur.copy("COPY units (id, code, name, kind, parent_id, path, depth, population,"
                      " sort_order) FROM STDIN") as copy:
            for row in unit_rows:
                copy.write_row(row)
        with cur.copy("COPY sites (id, code, name, kind, unit_id, address, contact_phone,"
                      " is_demo, active, created_at) FROM STDIN") as copy:
            for row in site_rows:
                copy.write_row(row)
        for n, name in enumerate(["道路交通", "环境卫生", "养老服务", "安全隐患", "教育医疗",
                                  "农业农村", "物业管理", "其他"], 1):
            cur.execute("INSERT INTO categories (id, code, name, default_kind, sort_order, active)"
                        " VALUES (%s, %s, %s, 'suggestion', %s, true)", (n, f"c{n}", name, n))

        # Residents: four in five reports name one (half as many residents as reports), so
        # the participation query has real people to count.
        residents = max(1000, rows // 2)
        with cur.copy("COPY residents (id, kind, created_at) FROM STDIN") as copy:
            for rid in range(1, residents + 1):
                copy.write_row((rid, "guest", _ts(now)))

        def resident_of(i: int) -> int | None:
            return None if i % 5 == 0 else (i * 7919) % residents + 1

        start = datetime.combine(today - timedelta(days=365), datetime.min.time(), UTC)
        events = 0
        cases = 0
        # The opinions' draws start from the seed, as their replay below does: drawn after
        # the populations above, the timelines and cases used to belong to other opinions
        # (another unit, times before the report, a case received on another day).
        rng = random.Random(seed)
        with cur.copy("COPY opinions (id, tracking_no, site_id, unit_id, category_id, kind,"
                      " text, anonymous, resident_id, state, moderation, answered_at, rating,"
                      " support_count, created_at, updated_at) FROM STDIN") as op_copy:
            for i in range(1, rows + 1):
                unit_id, site_id = villages[rng.randrange(len(villages))]
                created = start + timedelta(seconds=rng.randrange(365 * 86400))
                state = STATES[rng.randrange(len(STATES))]
                answered = (created + timedelta(hours=rng.randint(12, 24 * 20))
                            if state in {"answered", "closed"} else None)
                rating = None
                if state == "closed":
                    rating = rng.choice(("satisfied", "satisfied", "basically"))
                elif state == "answered" and rng.random() < 0.2:
                    rating = "satisfied"
                op_copy.write_row((i, f"B{i:09d}", site_id, unit_id, rng.randint(1, 8),
                                   "suggestion", TEXTS[i % len(TEXTS)], False, resident_of(i),
                                   state, "ok",
                                   _ts(answered) if answered else None, rating, 0,
                                   _ts(created), _ts(created)))
        rng = random.Random(seed)  # replay the same draws for events and cases
        ev_buf = io.StringIO()
        case_buf = io.StringIO()
        ev_id = 0
        for i in range(1, rows + 1):
            unit_id, site_id = villages[rng.randrange(len(villages))]
            created = start + timedelta(seconds=rng.randrange(365 * 86400))
            state = STATES[rng.randrange(len(STATES))]
            answered = (created + timedelta(hours=rng.randint(12, 24 * 20))
                        if state in {"answered", "closed"} else None)
            if state == "closed":
                rng.choice(("satisfied", "satisfied", "basically"))
            elif state == "answered":
                rng.random()
            rng.randint(1, 8)
            steps = [("submit", created, "received")]
            if state not in {"received", "declined", "merged", "voided"}:
                steps += [("accept", created + timedelta(hours=2), "accepted"),
                          ("assign", created + timedelta(hours=3), "assigned")]
                due = created + timedelta(days=15)
                case_buf.write(f"{i}\t{_ts(created)}\t{_ts(due)}\t15\t0\t0\t0\n")
                cases += 1
            if answered is not None:
                steps.append(("answer", answered, "answered"))
            if state == "closed":
                steps += [("rate", answered + timedelta(hours=5), "answered"),
                          ("close", answered + timedelta(hours=5), "closed")]
            rid = resident_of(i)
            for action, at, to_state in steps:
                ev_id += 1
                who = (f"resident\t{rid}" if rid and action in {"submit", "rate"}
                       else "system\t\\N")
                unit = unit_id if action == "rate" else "\\N"  # as the workflow writes it
                ev_buf.write(f"{ev_id}\t{i}\t{_ts(at)}\t{action}\t{who}\t{to_state}\t{{}}"
                             f"\t{unit}\n")
            events += len(steps)
            if i % 200000 == 0 or i == rows:
                ev_buf.seek(0)
                with cur.copy("COPY opinion_events (id, opinion_id, at, action, actor_kind,"
                              " actor_resident_id, to_state, data, unit_id) FROM STDIN"
                              ) as copy:
                    while chunk := ev_buf.read(1 << 20):
                        copy.write(chunk)
                case_buf.seek(0)
                with cur.copy("COPY dispatch_cases (opinion_id, received_at, answer_due_at,"
                              " answer_days, redo_count, return_count, extension_count)"
                              " FROM STDIN") as copy:
                    while chunk := case_buf.read(1 << 20):
                        copy.write(chunk)
                ev_buf, case_buf = io.StringIO(), io.StringIO()
        for table in ("units", "sites", "categories", "residents", "opinions",
                      "opinion_events"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" (SELECT max(id) FROM {table}))")
    conn.commit()
    with conn.cursor() as cur:
        conn.autocommit = True
        # What autovacuum does soon after a bulk load: statistics and the visibility map
        # (index-only scans need it).
        cur.execute("VACUUM ANALYZE units, sites, categories, residents, opinions,"
                    " opinion_events, dispatch_cases")
        conn.autocommit = False
    return {"events": events, "cases": cases, "village_unit_id": villages[0][0]}


def _existing(db: Any) -> dict[str, Any]:
    """Describe the data a previous --keep run left in the schema."""
    from sqlalchemy import text

    count = db.session.execute(text(
        "SELECT (SELECT count(*) FROM opinions), (SELECT count(*) FROM opinion_events),"
        " (SELECT count(*) FROM dispatch_cases),"
        " (SELECT min(id) FROM units WHERE kind = 'village')")).one()
    db.session.rollback()
    return {"opinions": count[0], "events": count[1], "cases": count[2],
            "village_unit_id": count[3]}


def _check_columns(db: Any) -> None:
    """Stop when a kept schema lacks columns the models have (create_all adds none)."""
    from sqlalchemy import inspect

    inspector = inspect(db.engine)
    missing = []
    for table in db.metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in have]
    if missing:
        raise SystemExit(f"the kept schema lacks {', '.join(missing)}: run once without --reuse")


def _sync_indexes(db: Any) -> None:
    """Create indexes the models declare but a kept schema lacks (create_all skips them).

    An index of the same name with another number of columns (one that gained INCLUDE
    columns since) is rebuilt.
    """
    from sqlalchemy import text

    created = []
    for table in db.metadata.sorted_tables:
        for index in table.indexes:
            wanted = (len(index.expressions)
                      + len(index.dialect_options["postgresql"]["include"] or ()))
            have = db.session.execute(text(
                "SELECT indnatts FROM pg_index WHERE indexrelid = to_regclass(:n)"),
                {"n": index.name}).scalar()
            if have == wanted:
                continue
            if have is not None:
                index.drop(db.engine)
            index.create(db.engine)
            created.append(index.name)
    db.session.rollback()
    if created:
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("VACUUM ANALYZE opinions, opinion_events, dispatch_cases"))
        print("created", ", ".join(created))


def _time(fn: Any, runs: int) -> float:
    fn()  # warm: plan caches, buffers
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 opinions, fewer runs")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--database-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the schema a --keep run left (no generation)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rows = args.rows or (20_000 if args.quick else 1_000_000)
    runs = 3 if args.quick else args.runs

    from sqlalchemy import create_engine, text

    if not args.reuse:
        admin = create_engine(args.database_url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        admin.dispose()

    from server import create_app
    from server.extensions import db

    instance = tempfile.mkdtemp(prefix="sl-bench-analytics-")
    app = create_app({"DATABASE_URL": _url_with_schema(args.database_url),
                      "INSTANCE_PATH": instance, "SECRET_KEY": "bench"})
    try:
        with app.app_context():
            from bench.naive_figures import naive_figures
            from server.common.text import SHANGHAI
            from server.evaluation.dashboard import dashboard, unit_figures
            from server.evaluation.periods import Period

            db.create_all()
            today = datetime.now(SHANGHAI).date()
            t0 = time.perf_counter()
            if args.reuse:
                _check_columns(db)
                _sync_indexes(db)
                info = _existing(db)
                rows = info["opinions"]
            else:
                raw = db.engine.raw_connection()
                try:
                    info = _generate(raw.driver_connection, rows, today, args.seed)
                finally:
                    raw.close()
            load_s = time.perf_counter() - t0
            first = today.replace(day=1)
            last_month = Period((first - timedelta(days=1)).replace(day=1), first)
            year = Period(today - timedelta(days=365), today + timedelta(days=1))
            village = info["village_unit_id"]

            def run(unit: int, period: Period, cache: bool = False) -> Any:
                result = dashboard(unit, period, cache=cache)
                db.session.rollback()
                return result

            def naive(unit: int, period: Period) -> Any:
                result = naive_figures(unit, period)
                db.session.rollback()
                return result

            month_count = run(1, last_month)["figures"]["collected"]
            timings = {
                "district_month_ms": _time(lambda: run(1, last_month), runs),
                "village_month_ms": _time(lambda: run(village, last_month), runs),
                "district_year_ms": _time(lambda: run(1, year), max(1, runs // 2)),
                "village_year_ms": _time(lambda: run(village, year), max(1, runs // 2)),
                "district_month_cached_ms": _time(lambda: run(1, last_month, True), runs),
                "district_year_cached_ms": _time(lambda: run(1, year, True), runs),
                "naive_district_month_ms": _time(lambda: naive(1, last_month), 1),
                "naive_village_month_ms": _time(lambda: naive(village, last_month), 1),
            }
            sql_fig = unit_figures(1, last_month, visitors=0)
            naive_fig = naive(1, last_month)
            assert sql_fig["collected"] == naive_fig["collected"], (sql_fig, naive_fig)
            assert sql_fig["solved"] == naive_fig["resolved"]
    finally:
        if not args.keep:
            admin = create_engine(args.database_url)
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            admin.dispose()
        from server.extensions import redis_accessor

        redis_accessor.close(app)

    figures = {
        "opinions": rows, "events": info["events"], "cases": info["cases"],
        "load_seconds": round(load_s, 1), "month_opinions": month_count,
        **{k: round(v, 1) for k, v in timings.items()},
        "ratio_district_month": round(timings["naive_district_month_ms"]
                                      / timings["district_month_ms"], 1),
        "ratio_village_month": round(timings["naive_village_month_ms"]
                                     / timings["village_month_ms"], 1),
        "goal_district_ms": 300,
    }
    print(f"{'what':<34}{'ms':>12}")
    for key, value in timings.items():
        print(f"{key:<34}{value:>12.1f}")
    print(f"{'opinions / events / cases':<34}{rows:>12,} / {info['events']:,} / {info['cases']:,}")
    print(f"naive ÷ SQL (district, month): {figures['ratio_district_month']}×; "
          f"(village, month): {figures['ratio_village_month']}×")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
