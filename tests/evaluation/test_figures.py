"""The four highs and counters on constructed data, every figure worked out by hand.

Tree (tests.factories.make_district): 盐都区 (population set to 10000 here) → 龙冈镇 (no
population) → 黄庄村 A (2000), 朱沟村 B (3000); 大冈镇 → 新丰村 C (2500).
Period: March 2025 (local dates); "now" is 2025-04-10.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bench.naive_figures import naive_figures
from server.evaluation.dashboard import _beside, dashboard, unit_figures
from server.evaluation.definitions import RATE_KEYS
from server.evaluation.periods import Period
from tests.evaluation.conftest import MARCH, NOW


def test_village_figures_by_hand(world: Any) -> None:
    f = unit_figures(world.village_a.id, MARCH, now=NOW)
    assert f["collected"] == 6          # 1-6; voided and out-of-period ones excluded
    assert f["accepted"] == 4           # 1-4
    assert f["solved"] == 2             # 1 and the redone 2, once
    assert f["success"] == 0.5
    assert f["rated"] == 2 and f["satisfied"] == 2
    assert f["satisfaction"] == 1.0     # last rating of the redone case is 满意
    assert f["answered"] == 3
    assert f["avg_answer_days"] == 5.0  # (2 + 10 + 3) / 3
    assert f["with_deadline"] == 4 and f["overdue"] == 2  # 3 answered late, 4 still open
    assert f["overdue_share"] == 0.5
    assert f["participants"] == 3       # r1 (twice), r2, r3; anonymous nobody
    assert f["participation"] == 0.0015  # 3 / 2000
    assert f["visitors"] == 4           # device 1 on two days counts once
    assert f["awareness"] == 0.002      # 4 / 2000
    assert f["activities"] == 1


def test_village_without_ratings_has_no_satisfaction_rate(world: Any) -> None:
    f = unit_figures(world.village_b.id, MARCH, now=NOW)
    assert f["collected"] == 2 and f["accepted"] == 1 and f["solved"] == 0
    assert f["success"] == 0.0          # one accepted, none resolved: a real 0%
    assert f["rated"] == 0
    assert f["satisfaction"] is None    # nobody rated: no rate, neither 0% nor 100%
    assert f["overdue_share"] is None   # no case has a deadline
    assert f["avg_answer_days"] == 3.0
    assert f["participants"] == 2       # r1 reported, r5 checked in
    assert f["participation"] == 0.000667  # 2 / 3000, half up to 6 places
    assert f["participation_per_10k"] == 6.7
    assert f["visitors"] == 0 and f["awareness"] == 0.0
    assert f["activities"] == 1


def test_sector_without_population_shows_counts_not_rates(world: Any) -> None:
    f = unit_figures(world.town.id, MARCH, now=NOW)
    assert f["unit"]["population"] is None
    assert f["participants"] == 4       # r1 (in both villages) once, r2, r3, r5
    assert f["participation"] is None
    assert f["visitors"] == 4
    assert f["awareness"] is None
    assert f["collected"] == 8 and f["accepted"] == 5 and f["solved"] == 2
    assert f["success"] == 0.4
    assert f["satisfaction"] == 1.0
    assert f["avg_answer_days"] == 4.5  # (15 + 3) / 4
    assert f["overdue_share"] == 0.5
    assert f["activities"] == 2


def test_district_figures_and_children(world: Any) -> None:
    dash = dashboard(world.district.id, MARCH, now=NOW)
    f = dash["figures"]
    assert f["collected"] == 10 and f["accepted"] == 7 and f["solved"] == 3
    assert f["success"] == 0.4286       # 3 / 7
    assert f["rated"] == 4 and f["satisfied"] == 3
    assert f["satisfaction"] == 0.75
    assert f["avg_answer_days"] == 3.7  # (18 + 1 + 3) / 6
    assert f["overdue"] == 2 and f["with_deadline"] == 6
    assert f["overdue_share"] == 0.3333
    assert f["participants"] == 6       # r1, r2, r3, r5, r6, r7
    assert f["participation"] == 0.0006
    assert f["awareness"] == 0.0004     # 4 / 10000
    assert f["activities"] == 2
    assert set(dash["definitions"]) >= set(RATE_KEYS) | {"collected", "solved"}

    rows = {r["unit"]["name"]: r for r in dash["children"]}
    assert rows["龙冈镇"]["collected"] == 8 and rows["龙冈镇"]["participants"] == 4
    assert rows["大冈镇"]["collected"] == 2 and rows["大冈镇"]["participants"] == 2
    assert rows["大冈镇"]["satisfaction"] == 0.5 and rows["大冈镇"]["success"] == 0.5
    assert [r["unit"]["name"] for r in dash["ranking"]] == ["大冈镇", "龙冈镇"]
    assert sum(w["collected"] for w in dash["trend"]) == 10
    assert dash["trend"][0]["week"] == "2025-02-24"  # the Monday of the week of 1 March
    assert dash["heat"]["units"] == [{"id": world.town.id, "name": "龙冈镇"},
                                     {"id": world.other_town.id, "name": "大冈镇"}]
    assert dash["heat"]["cells"] == [[8, 2]]  # one row: 未分类


def test_no_cases_means_no_rates(world: Any) -> None:
    empty = Period(date(2024, 1, 1), date(2024, 2, 1))
    f = unit_figures(world.district.id, empty, now=NOW)
    assert f["collected"] == 0
    assert f["success"] is None and f["satisfaction"] is None
    assert f["avg_answer_days"] is None and f["overdue_share"] is None
    assert f["participation"] == 0.0 and f["activities"] == 0


def test_queries_match_the_naive_python_computation(world: Any) -> None:
    for unit in (world.village_a, world.town, world.district):
        f = unit_figures(unit.id, MARCH, now=NOW, visitors=0)
        naive = naive_figures(unit.id, MARCH, now=NOW)
        assert (f["collected"], f["accepted"], f["solved"], f["rated"], f["overdue"]) == (
            naive["collected"], naive["accepted"], naive["resolved"], naive["rated"],
            naive["overdue"])


def test_participants_are_counted_beside_only_when_this_session_wrote_nothing(
        world: Any) -> None:
    # On PostgreSQL a clean session counts participants on a second connection while it reads
    # the case figures. After an uncommitted write that connection would not see it, so the
    # count runs here, and the new participant is counted.
    import threading

    from server.extensions import db
    from tests.evaluation.factories import local, make_opinion
    from tests.factories import make_resident

    where: list[str] = []

    def probe() -> int:
        where.append(threading.current_thread().name)
        return 1

    postgres = db.engine.dialect.name == "postgresql"
    here = threading.current_thread().name
    assert _beside(probe)() == 1
    assert where == ["evaluation-beside" if postgres else here]
    assert unit_figures(world.district.id, MARCH, now=NOW)["participants"] == 6

    newcomer, _ = make_resident()  # committed
    make_opinion(world.site_c, "received", local("2025-03-28"), resident=newcomer)  # not
    assert _beside(probe)() == 1
    assert where[-1] == here
    figures = unit_figures(world.district.id, MARCH, now=NOW)
    assert figures["participants"] == 7 and figures["collected"] == 11
    db.session.rollback()
    assert unit_figures(world.district.id, MARCH, now=NOW)["participants"] == 6
