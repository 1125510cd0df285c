"""Time the think tank: demo seeding of 1,450 experts and suggestions over that pool.

    python bench/thinktank.py [--quick] [--database-url URL] [--runs N]

Builds the demo district in a fresh SQLite file (or the PostgreSQL database given; its
tables are dropped and re-created: use your own database), times seed_thinktank_demo()
(experts and members, bulk insert) and then the median of N warm suggestion runs for a
机耕路 opinion at 黄庄村 (龙冈镇) and for free text without an area. The last line printed
is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer timing runs")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=0)
    args = parser.parse_args()
    runs = args.runs or (5 if args.quick else 30)

    from sqlalchemy import delete, select

    from server import create_app
    from server.extensions import db
    from server.intake.models import Opinion
    from server.people.models import Expert, Member, MemberSite, User
    from server.sites.models import Site
    from server.thinktank.demo import seed_thinktank_demo
    from server.thinktank.suggestions import suggest, suggest_for_opinion

    workdir = Path(tempfile.mkdtemp(prefix="sl-bench-thinktank-"))
    app = create_app({"INSTANCE_PATH": str(workdir),
                      "DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'b.db'}"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        from server.demo import seed_demo

        seed_demo()
        for model in (MemberSite, Member, Expert):
            db.session.execute(delete(model))
        db.session.commit()
        started = time.perf_counter()
        counts = seed_thinktank_demo()
        seeding = time.perf_counter() - started

        site = db.session.scalar(select(Site).where(Site.name == "黄庄村协商议事室"))
        opinion = Opinion(tracking_no="BENCH0001", site_id=site.id, unit_id=site.unit_id,
                          text="黄庄村的机耕路坑坑洼洼，下雨天拖拉机下不了田，希望修一修")
        db.session.add(opinion)
        db.session.commit()
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        suggest_for_opinion(admin, opinion.id)  # loads jieba once
        timings, text_timings = [], []
        result = {}
        for _ in range(runs):
            started = time.perf_counter()
            result = suggest_for_opinion(admin, opinion.id)
            timings.append(time.perf_counter() - started)
            started = time.perf_counter()
            suggest(admin, "老旧小区加装电梯和电动车充电桩怎么协商")
            text_timings.append(time.perf_counter() - started)
            db.session.rollback()
    figures = {
        "database": "postgresql" if args.database_url else "sqlite",
        "experts": counts["experts"], "members": counts["members"],
        "seed_seconds": round(seeding, 3),
        "opinion_suggestion_ms_median": round(statistics.median(timings) * 1000, 1),
        "text_suggestion_ms_median": round(statistics.median(text_timings) * 1000, 1),
        "top_expert_reason": result["experts"][0]["reason"],
    }
    print(f"seeded {counts['experts']} experts and {counts['members']} members "
          f"in {seeding:.2f} s")
    print(f"suggestion for a 机耕路 case: median {figures['opinion_suggestion_ms_median']} ms")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
