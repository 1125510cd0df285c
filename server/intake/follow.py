"""Following a report one did not file from this phone: after 我也遇到了, or found again from
another phone by its tracking number and the last 4 digits of the phone given with it."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from server.common.models import utcnow
from server.errors import NotFound, ValidationFailed
from server.extensions import db
from server.intake.models import Opinion, OpinionSupport
from server.intake.ratelimit import check_rate
from server.intake.resident import _mine_summary, report_detail
from server.people.models import Resident

# Four digits are guessable: few tries per phone and per address, counted before the check.
LOOKUP_LIMITS = [(5, 600), (20, 86400)]
_LAST4 = re.compile(r"^\d{4}$")


def _read_only(data: dict[str, Any], relation: str) -> dict[str, Any]:
    """Strip what only the reporter on their own phone may see or do."""
    return {**data, "relation": relation, "can_rate": False, "phone": None, "photos": [],
            "rating_comment": None}


def followed_reports(resident: Resident) -> list[dict[str, Any]]:
    """List the reports this resident said 我也遇到了 to, newest first."""
    now = utcnow()
    rows = db.session.scalars(
        select(Opinion).join(OpinionSupport, OpinionSupport.opinion_id == Opinion.id)
        .where(OpinionSupport.resident_id == resident.id, Opinion.moderation == "ok")
        .order_by(Opinion.created_at.desc(), Opinion.id.desc()).limit(100))
    return [{**_mine_summary(o, now), "relation": "followed", "can_rate": False, "phone": None}
            for o in rows]


def followed_report(resident: Resident, tracking_no: str) -> dict[str, Any]:
    """Return a report the resident follows (read-only), or 404 like any unknown number."""
    opinion = db.session.scalar(
        select(Opinion).join(OpinionSupport, OpinionSupport.opinion_id == Opinion.id)
        .where(Opinion.tracking_no == tracking_no, OpinionSupport.resident_id == resident.id,
               Opinion.moderation == "ok"))
    if opinion is None:
        raise NotFound("找不到该反映", code="opinion_not_found")
    return _read_only(report_detail(opinion), "followed")


def lookup(resident: Resident, tracking_no: str, last4: str, ip: str | None) -> dict[str, Any]:
    """Find a report by its number and the last 4 digits of its phone (from any phone)."""
    if not _LAST4.match(last4 or ""):
        raise ValidationFailed(errors={"phone_last4": ["请输入留下的手机号码的后 4 位数字"]})
    message = "查询太频繁了，请 {minutes} 分钟后再试"
    check_rate("lookup", f"r{resident.id}", LOOKUP_LIMITS, message)
    if ip:
        check_rate("lookup-ip", ip, [(limit * 4, window) for limit, window in LOOKUP_LIMITS],
                   message)
    opinion = db.session.scalar(select(Opinion).where(
        Opinion.tracking_no == tracking_no.strip().upper()))
    # A wrong number and a wrong phone answer alike, so neither can be probed on its own.
    if opinion is None or not opinion.phone or not opinion.phone.endswith(last4):
        raise NotFound("编号或手机号后 4 位不对，请核对后再试", code="lookup_failed")
    return _read_only(report_detail(opinion), "lookup")
