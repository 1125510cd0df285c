"""Ballot stuffing defence at check-in: one per device, limited attempts, WeChat online.

Called once from `services.check_in` before the presence code is checked, so wrong codes
count against the limit too. Kept in Redis (a meeting lasts hours); the moderator lists
devices that several residents tried and may void a check-in before voting.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from flask import current_app, has_request_context, request
from sqlalchemy import delete, select

from server.common.limits import client_address
from server.errors import Conflict, Forbidden, NotFound, RateLimited
from server.extensions import db, get_redis
from server.meetings import keys
from server.meetings.models import Attendance, Meeting, Poll
from server.people.models import Resident

log = logging.getLogger(__name__)

WINDOW_SECONDS = 600
DEVICE_TTL_SECONDS = 2 * 24 * 3600


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def _device() -> str:
    if not has_request_context():
        return ""
    return (request.headers.get("X-Device-Id") or "").strip()[:64]


# The window starts at the first attempt (one atomic step; old servers lack EXPIRE NX).
COUNT_LUA = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


def _count(meeting_id: int, who: str) -> int:
    return int(get_redis().eval(COUNT_LUA, 1, keys.checkin_attempts(meeting_id, who),
                                WINDOW_SECONDS))


def admit(meeting: Meeting, resident_id: int) -> None:
    """Refuse a check-in attempt that breaks the anti-stuffing rules (before the code check)."""
    if meeting.online and not meeting.presence_check:
        resident = db.session.get(Resident, resident_id)
        if resident is None or resident.kind != "wechat":
            raise Forbidden("线上协商请通过微信小程序参加（需微信身份）", code="wechat_required")
    try:
        _limit_and_claim(meeting, resident_id)
    except redis.RedisError:
        # Check-in works through a Redis outage (the attendance table is the truth); the
        # limits and the device rule resume with Redis. The presence code still applies.
        log.warning("check-in guard skipped: Redis unavailable (meeting %s)", meeting.id)


def _limit_and_claim(meeting: Meeting, resident_id: int) -> None:
    device = _device()
    who = f"d:{device}" if device else f"r:{resident_id}"
    if _count(meeting.id, who) > _setting("MEETINGS_CHECKIN_ATTEMPTS_PER_DEVICE", 10):
        raise RateLimited("签到尝试次数过多，请 10 分钟后再试", code="checkin_throttled",
                          errors={"retry_after": WINDOW_SECONDS})
    address = client_address() if has_request_context() else ""
    if address and _count(meeting.id, f"a:{address}") > _setting(
            "MEETINGS_CHECKIN_ATTEMPTS_PER_ADDRESS", 600):  # a full hall shares one WiFi
        raise RateLimited("签到尝试次数过多，请稍后再试", code="checkin_throttled",
                          errors={"retry_after": WINDOW_SECONDS})
    if not device:
        return
    client = get_redis()
    if client.hsetnx(keys.checkin_devices(meeting.id), device, resident_id):
        client.expire(keys.checkin_devices(meeting.id), DEVICE_TTL_SECONDS)
        return
    owner = client.hget(keys.checkin_devices(meeting.id), device)
    if owner is not None and int(owner) != resident_id:
        client.sadd(keys.checkin_refused(meeting.id), f"{device}|{resident_id}")
        client.expire(keys.checkin_refused(meeting.id), DEVICE_TTL_SECONDS)
        raise Conflict("这台手机已为其他人签到，每台手机只能签到一人",
                       code="device_already_used")


def suspicious(meeting: Meeting) -> list[dict[str, Any]]:
    """List devices that several residents tried to check in from, with who got in."""
    client = get_redis()
    tried: dict[str, set[int]] = {}
    for member in client.smembers(keys.checkin_refused(meeting.id)):
        text = member.decode() if isinstance(member, bytes) else str(member)
        device, _, resident = text.rpartition("|")
        tried.setdefault(device, set()).add(int(resident))
    rows = []
    for device, residents in sorted(tried.items()):
        owner = client.hget(keys.checkin_devices(meeting.id), device)
        rows.append({"device": device[:8] + "…", "checked_in_resident_id":
                     int(owner) if owner is not None else None,
                     "refused_resident_ids": sorted(residents)})
    return rows


def void_check_in(meeting: Meeting, resident_id: int) -> None:
    """Void a resident's check-in: they may no longer vote in this meeting's polls."""
    found = db.session.scalar(select(Attendance.id).where(
        Attendance.meeting_id == meeting.id, Attendance.resident_id == resident_id))
    if found is None:
        raise NotFound("该居民未签到", code="checkin_not_found")
    db.session.execute(delete(Attendance).where(Attendance.id == found))
    db.session.commit()
    polls = db.session.scalars(select(Poll.id).where(Poll.meeting_id == meeting.id)).all()
    client = get_redis()
    for poll_id in polls:
        client.srem(keys.poll_eligible(poll_id), resident_id)
