"""The smaller points a leader would misread: rounding, tiny rates, periods, participants."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from server.assessment.services import compose, current_settings
from server.common.numbers import percent_text, round_half_up
from server.common.text import SHANGHAI
from server.dispatch import workflow
from server.evaluation.dashboard import _empty_sums, _figures, unit_figures
from server.evaluation.definitions import ratio
from server.evaluation.periods import Period
from server.evaluation.reports import percent
from server.evaluation.tree import UnitNode
from tests.dispatch.conftest import make_user
from tests.dispatch.factories import make_opinion
from tests.factories import login, make_district, make_resident


def test_half_up_rounding_as_officials_expect() -> None:
    assert round(41.25, 1) == 41.2                       # what Python's round() does
    assert round_half_up(41.25, 1) == 41.3
    assert round_half_up(0.03125, 4) == 0.0313
    assert ratio(1, 32) == 0.0313                # 1/32 = 0.03125
    assert percent_text(0.4125) == percent(0.4125) == "41.3%"
    assert percent_text(0.0) == "0.0%" and percent_text(None) == "—"
    # A score of exactly 41.25 is shown 41.3: satisfaction alone, 41.25% of it good.
    settings = current_settings()
    result = compose("department", {"sign_ontime": None, "answer_ontime": None,
                                    "resolution": None, "satisfaction": 0.4125},
                     {"redo": 0, "order": 0}, settings)
    assert result["score"] == 41.3


def test_tiny_district_participation_keeps_its_precision() -> None:
    node = UnitNode(1, "盐都区", "district", "/1/", None, 0, 960383)
    sums = _empty_sums()
    f = _figures(node, sums, participants=218, visitors=None, activities=0)
    assert f["participation"] == 0.000227               # not 0.0002, shown as 0.0%
    assert f["participation_per_10k"] == 2.3
    assert percent(f["participation"]) == "0.023%"
    assert f["awareness"] is None and f["awareness_per_10k"] is None


def test_dashboard_period_end_is_inclusive_like_the_request(client: Any) -> None:
    d = make_district()
    admin = make_user("admin")
    login(client, admin, "correct-horse-battery")
    res = client.get(f"/api/v1/evaluation/dashboard?unit_id={d.district.id}"
                     "&start=2026-03-01&end=2026-03-31")
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["period"]["start"] == "2026-03-01"
    assert res.get_json()["period"]["end"] == "2026-03-31"   # inclusive, as asked
    assert res.get_json()["period"]["label"] == "2026-03-01 至 2026-03-31"
    scores = client.get("/api/v1/assessment/departments?start=2026-03-01&end=2026-03-31")
    assert scores.get_json()["period"]["end"] == "2026-03-31"


def test_reporters_of_declined_reports_take_part_those_of_voided_ones_do_not() -> None:
    """Decision: a declined report was still raised (议题都提出) and counts in 收集意见, so its
    reporter took part; a voided report is struck from every figure, its reporter too."""
    d = make_district()
    admin = make_user("admin")
    declined_by, voided_by = make_resident()[0], make_resident()[0]
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    a = make_opinion(d.site_a, resident_id=declined_by.id, created_at=t0)
    b = make_opinion(d.site_a, resident_id=voided_by.id, created_at=t0)
    workflow.decline(a.id, admin, "不属于受理范围", now=t0 + timedelta(hours=1))
    workflow.void(b.id, admin, "重复录入", now=t0 + timedelta(hours=1))
    march = Period(date(2026, 3, 1), date(2026, 4, 1))
    f = unit_figures(d.village_a.id, march, visitors=0)
    assert f["collected"] == 1 and f["participants"] == 1
