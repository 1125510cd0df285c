"""Shared data for evaluation tests: a March 2025 worked out by hand (see test_figures)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from server.evaluation.periods import Period
from server.extensions import db
from server.meetings.models import Attendance, Meeting
from server.sites.scans import Device, count_scan
from tests.evaluation.factories import local, make_opinion, rate_event
from tests.factories import make_district, make_resident

NOW = datetime(2025, 4, 10, 2, 0, tzinfo=UTC)
MARCH = Period(date(2025, 3, 1), date(2025, 4, 1))


def _meeting(site: Any, starts: datetime, status: str, code: str) -> Meeting:
    meeting = Meeting(code=code, site_id=site.id, title="村道修缮协商会", starts_at=starts,
                      status=status)
    db.session.add(meeting)
    db.session.flush()
    return meeting


@pytest.fixture
def world() -> Any:
    d = make_district()
    d.district.population = 10000
    r = {i: make_resident()[0] for i in range(1, 8)}
    a, b, c = d.site_a, d.site_b, d.site_c

    # --- village A (黄庄村) ---
    # 1: closed, satisfied; reported 00:30 on 1 March local (still February in UTC).
    make_opinion(a, "closed", local("2025-03-01", "00:30"), rating="satisfied",
                 answered=local("2025-03-03", "00:30"), due=local("2025-03-20"), resident=r[1],
                 events=[rate_event(r[1], local("2025-03-04"), "satisfied")])
    # 2: unsatisfied, redone, then satisfied and closed: one resolved case, last rating counts.
    make_opinion(a, "closed", local("2025-03-04"), rating="satisfied",
                 answered=local("2025-03-14"), due=local("2025-03-20"), resident=r[2],
                 events=[("answer", local("2025-03-08"), {"to_state": "answered"}),
                         rate_event(r[2], local("2025-03-09"), "unsatisfied"),
                         ("redo", local("2025-03-09"), {"to_state": "in_progress"}),
                         ("answer", local("2025-03-14"), {"to_state": "answered"}),
                         rate_event(r[2], local("2025-03-15"), "satisfied"),
                         ("close", local("2025-03-15"), {"to_state": "closed"})])
    # 3: answered after its deadline, not rated yet.
    make_opinion(a, "answered", local("2025-03-06"), answered=local("2025-03-09"),
                 due=local("2025-03-08"), resident=r[1])
    # 4: still in progress, deadline passed; anonymous.
    make_opinion(a, "in_progress", local("2025-03-10"), due=local("2025-03-25"))
    # 5, 6: not accepted (waiting, declined).
    make_opinion(a, "received", local("2025-03-20"), resident=r[3])
    make_opinion(a, "declined", local("2025-03-21"), resident=r[3])
    # Not counted: voided, before the period, after it (00:30 on 1 April local).
    make_opinion(a, "voided", local("2025-03-22"), resident=r[4])
    make_opinion(a, "closed", local("2025-02-28"), rating="satisfied", resident=r[4])
    make_opinion(a, "closed", local("2025-04-01", "00:30"), rating="satisfied", resident=r[4])
    _meeting(a, local("2025-03-18", "14:00"), "closed", "M1")
    _meeting(a, local("2025-03-25", "14:00"), "draft", "M2")  # not held
    _meeting(a, local("2025-04-02", "14:00"), "closed", "M3")  # outside the period
    # Scans at A: four phones, one of them on two days.
    for n, day in [(1, 3), (2, 3), (3, 4), (4, 5), (1, 6)]:
        count_scan(a.id, Device(f"device-{n:012d}", False, "fp"), day=date(2025, 3, day))
    count_scan(a.id, Device("device-late-000001", False, "fp"), day=date(2025, 4, 1))

    # --- village B (朱沟村): answered, never rated; no deadline set ---
    make_opinion(b, "answered", local("2025-03-15"), answered=local("2025-03-18"),
                 resident=r[1])
    make_opinion(b, "received", local("2025-03-16"))
    held = _meeting(b, local("2025-03-20", "09:00"), "closed", "M4")
    db.session.add(Attendance(meeting_id=held.id, resident_id=r[5].id,
                              checked_in_at=local("2025-03-20", "09:05")))

    # --- village C (新丰村) under 大冈镇 ---
    make_opinion(c, "closed", local("2025-03-12"), rating="basically",
                 answered=local("2025-03-13"), due=local("2025-03-20"), resident=r[6],
                 events=[rate_event(r[6], local("2025-03-14"), "basically")])
    # Rated unsatisfied, redo under way (new deadline in the future).
    make_opinion(c, "in_progress", local("2025-03-15"), rating="unsatisfied",
                 answered=local("2025-03-18"), due=local("2025-04-30"),
                 events=[rate_event(r[7], local("2025-03-19"), "unsatisfied")])
    db.session.commit()
    return d
