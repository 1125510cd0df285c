"""Rules of consultation meetings: meetings, presence check-in, polls, votes, topics."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from typing import Any

import redis
from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from server.common.models import utcnow
from server.common.publicurl import printable_base_url
from server.duty import hooks as duty
from server.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from server.extensions import db, get_redis
from server.meetings import checkin_guard, keys, persister, rebuild
from server.meetings.models import (
    MEETING_STATUSES,
    PARTICIPANT_KINDS,
    POLL_KINDS,
    YESNO_OPTIONS,
    AgendaItem,
    Attendance,
    Ballot,
    Meeting,
    MeetingParticipant,
    Outcome,
    PaperCount,
    Poll,
    PollOption,
    Proposal,
    SiteFollow,
    Topic,
    TopicSupport,
)
from server.meetings.scripts import script
from server.people.access import ensure_site_access
from server.people.models import User
from server.redis_urls import run_durably
from server.sites.models import Site

log = logging.getLogger(__name__)

MODERATOR_ROLES = ("moderator", "admin", "dispatcher")
PRESENCE_WINDOW_SECONDS = 30
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class PollClosed(Conflict):
    code, message = "poll_closed", "投票已结束"


class AlreadyVoted(Conflict):
    code, message = "already_voted", "您已投过票，每人只能投一次"


class NotCheckedIn(Forbidden):
    code, message = "not_checked_in", "请先签到再投票"


class PresenceExpired(DomainError):
    status, code = 422, "presence_expired"
    message = "签到二维码已过期，请扫描大屏幕上最新的二维码（二维码每 30 秒更换一次）"


class PresenceInvalid(DomainError):
    status, code, message = 422, "presence_invalid", "签到码无效，请扫描会场大屏幕上的签到二维码"


class TallyUnavailable(DomainError):
    status, code = 503, "tally_unavailable"
    message = "计票服务暂时不可用，投票已停止；计票服务恢复后会自动完成结算"


# Seconds a phone waits before sending a pending ballot again (the page backs off further).
VOTE_RETRY_AFTER = 2


class VotePending(DomainError):
    """The ballot was not counted: Redis, the only place that acknowledges ballots, is away.

    Why not take it through the database meanwhile: without Redis the server cannot know
    whether this resident's earlier ballot, acknowledged a moment before Redis went away, is
    still waiting in the poll's stream; accepting another one could acknowledge a second
    ballot for the same resident. So the page keeps the ballot (and its idempotency key) and
    sends it again until a definite answer comes.
    """

    status, code = 503, "vote_pending"
    message = "计票服务正在恢复，您的选票尚未计入，页面会自动重试，请勿关闭页面"

    def __init__(self) -> None:
        super().__init__(errors={"retry_after": VOTE_RETRY_AFTER})


# How long a vote that found the poll's Redis state stale waits for it to be reloaded.
REBUILD_WAIT_SECONDS = 5.0


# ---- helpers -----------------------------------------------------------------------------


def _now_ms() -> int:
    return int(time.time() * 1000)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(7))


def publish(meeting_id: int, event: str, topic: str, payload: dict[str, Any]) -> None:
    """Announce a live event to every process serving the meeting's event streams."""
    message = f"{event}\t{topic}\t{json.dumps(payload, ensure_ascii=False, default=str)}"
    try:
        get_redis().publish(keys.events_channel(meeting_id), message)
    except redis.RedisError:
        log.warning("could not publish %s for meeting %s", event, meeting_id)


def get_meeting(meeting_id: int) -> Meeting:
    """Return a meeting or raise 404."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("找不到该协商活动")
    return meeting


def meeting_by_code(code: str) -> Meeting:
    """Return a meeting by its public code, or raise 404 (drafts are not public)."""
    meeting = db.session.scalar(select(Meeting).where(Meeting.code == code.strip().upper()))
    if meeting is None or meeting.status == "draft":
        raise NotFound("找不到该协商活动，请确认二维码是否正确")
    return meeting


def get_poll(poll_id: int) -> Poll:
    """Return a poll or raise 404."""
    poll = db.session.get(Poll, poll_id)
    if poll is None:
        raise NotFound("找不到该表决")
    return poll


def moderated_meeting(user: User, meeting_id: int) -> Meeting:
    """Return a meeting the staff user may run, or raise 404/403."""
    meeting = get_meeting(meeting_id)
    ensure_site_access(user, meeting.site, MODERATOR_ROLES)
    return meeting


def moderated_poll(user: User, poll_id: int) -> Poll:
    """Return a poll the staff user may run."""
    poll = get_poll(poll_id)
    ensure_site_access(user, poll.meeting.site, MODERATOR_ROLES)
    return poll


# ---- meetings ----------------------------------------------------------------------------


def create_meeting(user: User, data: dict[str, Any]) -> Meeting:
    """Create a draft meeting at a site in the user's scope."""
    site = db.session.get(Site, data["site_id"])
    if site is None:
        raise NotFound("找不到该点位")
    ensure_site_access(user, site, MODERATOR_ROLES)
    online = bool(data.get("online", False))
    meeting = Meeting(
        code=_new_code(), site_id=site.id, title=data["title"],
        description=data.get("description", ""), location=data.get("location", ""),
        starts_at=data["starts_at"], ends_at=data.get("ends_at"), online=online,
        presence_check=data.get("presence_check", not online), quorum=data.get("quorum", 0),
        created_by_id=user.id,
    )
    _set_children(meeting, data)
    db.session.add(meeting)
    db.session.commit()
    return meeting


def _set_children(meeting: Meeting, data: dict[str, Any]) -> None:
    if "participants" in data:
        for item in data["participants"]:
            if item["kind"] not in PARTICIPANT_KINDS:
                raise ValidationFailed(errors={"participants": [f"未知类别：{item['kind']}"]})
        meeting.participants = [MeetingParticipant(kind=p["kind"], name=p["name"],
                                                   organisation=p.get("organisation", ""))
                                for p in data["participants"]]
    if "agenda" in data:
        meeting.agenda = [AgendaItem(position=i, title=a["title"], note=a.get("note", ""))
                          for i, a in enumerate(data["agenda"])]


def update_meeting(user: User, meeting_id: int, data: dict[str, Any]) -> Meeting:
    """Edit a meeting's details, minutes, participants or agenda."""
    meeting = moderated_meeting(user, meeting_id)
    for field in ("title", "description", "location", "starts_at", "ends_at", "online",
                  "presence_check", "quorum", "minutes"):
        if field in data:
            setattr(meeting, field, data[field])
    _set_children(meeting, data)
    db.session.commit()
    publish(meeting.id, "meeting", "meeting", {"id": meeting.id})
    return meeting


TRANSITIONS = {"draft": {"published"}, "published": {"in_session", "draft"},
               "in_session": {"closed"}, "closed": set()}


def set_meeting_status(user: User, meeting_id: int, status: str) -> Meeting:
    """Move a meeting through draft → published → in session → closed."""
    meeting = moderated_meeting(user, meeting_id)
    if status not in TRANSITIONS.get(meeting.status, set()):
        raise Conflict(f"“{MEETING_STATUSES[meeting.status]}”的活动不能改为"
                       f"“{MEETING_STATUSES.get(status, status)}”", code="bad_transition")
    if status == "closed":
        close_expired_in(meeting)  # a poll whose countdown ran out is not "still open"
    if status == "closed" and any(p.status == "open" for p in meeting.polls):
        raise Conflict("还有进行中的表决，请先结束表决", code="poll_still_open")
    meeting.status = status
    notes: list[int] = []
    if status == "published" and meeting.published_at is None:
        meeting.published_at = utcnow()
        # Only the first publication: going back to draft and again would repeat the news.
        notes = _tell_followers(meeting)
    if status == "closed":
        meeting.closed_at = utcnow()
    db.session.commit()
    _deliver(notes)
    publish(meeting.id, "meeting", "meeting", {"id": meeting.id, "status": status})
    return meeting


def add_outcome(user: User, meeting_id: int, text: str, feedback: str = "") -> Outcome:
    """Record an agreement of the meeting (协商成果)."""
    meeting = moderated_meeting(user, meeting_id)
    outcome = Outcome(meeting_id=meeting.id, text=text, feedback=feedback,
                      feedback_at=utcnow() if feedback else None)
    db.session.add(outcome)
    db.session.commit()
    return outcome


def give_feedback(user: User, outcome_id: int, feedback: str) -> Outcome:
    """Record the feedback given on an outcome afterwards (建议都反馈)."""
    outcome = db.session.get(Outcome, outcome_id)
    if outcome is None:
        raise NotFound("找不到该协商成果")
    moderated_meeting(user, outcome.meeting_id)
    outcome.feedback = feedback
    outcome.feedback_at = utcnow()
    db.session.commit()
    return outcome


# ---- presence and check-in ---------------------------------------------------------------


def presence_code(meeting_id: int, window: int) -> str:
    """Return the join code of one 30-second window (HMAC of meeting and window)."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"presence:{meeting_id}:{window}".encode(), hashlib.sha256).digest()
    return "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:6])


def current_window(now: float | None = None) -> int:
    """Return the number of the current 30-second window."""
    return int((time.time() if now is None else now) // PRESENCE_WINDOW_SECONDS)


def join_code(user: User, meeting_id: int, now: float | None = None) -> dict[str, Any]:
    """Return the big screen's rotating join code, its URL, QR SVG and seconds left."""
    from qr.codes import meeting_url, render_svg

    meeting = moderated_meeting(user, meeting_id)
    now = time.time() if now is None else now
    window = current_window(now)
    url = meeting_url(printable_base_url(), meeting.code)
    if meeting.presence_check:
        url += f"?p={presence_code(meeting.id, window)}"
    left = PRESENCE_WINDOW_SECONDS - (now - window * PRESENCE_WINDOW_SECONDS)
    return {"code": presence_code(meeting.id, window) if meeting.presence_check else "",
            "url": url, "svg": render_svg(url), "expires_in": round(left, 2),
            "window_seconds": PRESENCE_WINDOW_SECONDS}


def verify_presence(meeting: Meeting, code: str | None, now: float | None = None) -> None:
    """Accept the code of the current or the previous window only."""
    if not code:
        raise PresenceInvalid("请扫描会场大屏幕上的签到二维码后再签到", code="presence_required")
    window = current_window(now)
    code = code.strip().upper()
    for age in (0, 1):
        if hmac.compare_digest(code, presence_code(meeting.id, window - age)):
            return
    if any(hmac.compare_digest(code, presence_code(meeting.id, window - age))
           for age in range(2, 2 * 60 * 24)):
        raise PresenceExpired()
    raise PresenceInvalid()


def check_in(code: str, resident_id: int, presence: str | None,
             now: float | None = None) -> Attendance:
    """Record a resident's attendance (presence-checked for on-site meetings)."""
    meeting = meeting_by_code(code)
    if meeting.status == "closed":
        raise Conflict("本次协商活动已结束", code="meeting_closed")
    if meeting.status != "in_session" and meeting.status != "published":
        raise Conflict("本次协商活动尚未开始签到", code="meeting_not_started")
    existing = db.session.scalar(select(Attendance).where(
        Attendance.meeting_id == meeting.id, Attendance.resident_id == resident_id))
    if existing is not None:
        return existing
    checkin_guard.admit(meeting, resident_id)  # one per device, attempts limited (issue 15)
    if meeting.presence_check:
        verify_presence(meeting, presence, now)
    attendance = Attendance(meeting_id=meeting.id, resident_id=resident_id,
                            channel="onsite" if meeting.presence_check else "online")
    db.session.add(attendance)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalars(select(Attendance).where(
            Attendance.meeting_id == meeting.id, Attendance.resident_id == resident_id)).one()
    open_polls = [p.id for p in meeting.polls if p.status == "open"]
    _allow_in_redis(open_polls, resident_id)
    publish(meeting.id, "attendance", "attendance", attendance_payload(meeting))
    duty.meeting_check_in(meeting, resident_id)
    return attendance


def _allow_in_redis(poll_ids: list[int], resident_id: int) -> None:
    try:
        client = get_redis()
        for poll_id in poll_ids:
            client.sadd(keys.poll_eligible(poll_id), resident_id)
    except redis.RedisError:
        # Redis will be rebuilt from the attendance table before it takes votes again.
        if poll_ids:
            db.session.execute(update(Poll).where(Poll.id.in_(poll_ids))
                               .values(db_generation=Poll.db_generation + 1))
            db.session.commit()


def attendance_count(meeting_id: int) -> int:
    """Count residents checked in to a meeting."""
    return int(db.session.scalar(select(func.count(Attendance.id))
                                 .where(Attendance.meeting_id == meeting_id)) or 0)


def attendance_payload(meeting: Meeting) -> dict[str, Any]:
    """Describe attendance against the quorum."""
    count = attendance_count(meeting.id)
    return {"checked_in": count, "quorum": meeting.quorum,
            "quorum_met": count >= meeting.quorum if meeting.quorum else True}


# ---- polls -------------------------------------------------------------------------------


def create_poll(user: User, meeting_id: int, data: dict[str, Any]) -> Poll:
    """Add a poll to a meeting (赞成/反对/弃权, single or multiple choice)."""
    meeting = moderated_meeting(user, meeting_id)
    if meeting.status == "closed":
        raise Conflict("活动已结束，不能再添加表决", code="meeting_closed")
    kind = data.get("kind", "yesno")
    if kind not in POLL_KINDS:
        raise ValidationFailed(errors={"kind": ["只能是 yesno、single 或 multiple"]})
    labels = list(YESNO_OPTIONS) if kind == "yesno" else [s.strip() for s in
                                                             data.get("options", []) if s.strip()]
    if len(labels) < 2:
        raise ValidationFailed(errors={"options": ["至少需要两个选项"]})
    if len(set(labels)) != len(labels):
        raise ValidationFailed(errors={"options": ["选项不能重复"]})
    max_choices = int(data.get("max_choices") or 1) if kind == "multiple" else 1
    if not 1 <= max_choices <= len(labels):
        raise ValidationFailed(errors={"max_choices": [f"应在 1 到 {len(labels)} 之间"]})
    poll = Poll(meeting_id=meeting.id, title=data["title"], kind=kind, max_choices=max_choices,
                secret=data.get("secret", True), live_results=data.get("live_results", True),
                duration_seconds=data.get("duration_seconds"),
                options=[PollOption(position=i, label=label) for i, label in enumerate(labels)])
    db.session.add(poll)
    db.session.commit()
    return poll


def open_poll(user: User, poll_id: int) -> Poll:
    """Open a poll for voting and load its state into Redis."""
    poll = moderated_poll(user, poll_id)
    meeting = poll.meeting
    if meeting.status != "in_session":
        raise Conflict("活动开始后才能发起表决", code="meeting_not_in_session")
    if poll.status != "draft":
        raise Conflict("该表决已经发起过了", code="poll_not_draft")
    now = utcnow()
    poll.status = "open"
    poll.opened_at = now
    if poll.duration_seconds:
        poll.closes_at = now + timedelta(seconds=poll.duration_seconds)
    meeting.current_poll_id = poll.id
    db.session.commit()
    forget_poll_row(poll.id)
    try:
        rebuild.rebuild_poll(poll.id)
    except (redis.RedisError, persister.LockBusy):
        # The first vote finds no state in Redis ("stale") and loads it once Redis is back.
        log.warning("poll %s opened while Redis is unavailable; it takes ballots once Redis "
                    "is back", poll.id)
    persister.ensure_background_drain()
    if poll.closes_at is not None:
        schedule_expiry(poll.id, poll.closes_at)
    publish(meeting.id, "poll", f"poll:{poll.id}", poll_public(poll))
    return poll


@dataclass
class VoteAnswer:
    ballot_uid: str
    cast_at_ms: int
    replay: bool
    via: str
    choices: list[int]


def cast_vote(poll_id: int, resident_id: int, choices: list[int],
              idempotency_key: str | None = None, audit: str | None = None) -> VoteAnswer:
    """Accept one ballot through the vote script in Redis, the only place that acknowledges one.

    The rule: a resident never holds two acknowledged ballots in a poll, and the first one
    acknowledged is the one counted. Only the script can tell (atomically) whether this
    resident already has a ballot, including one not yet drained to the database, so while
    Redis is unreachable, or the poll's state there is being reloaded and the wait runs out,
    no new ballot is accepted: VotePending (503) and the page retries with the same key.
    A retry of a ballot already stored is still answered from the database.

    `audit` (packed request facts, see fastpath.ballot_audit) rides on the ballot's stream
    entry so the persister writes the request's audit row along with the ballot.
    """
    row = _poll_row(poll_id)
    if row is None:
        raise NotFound("找不到该表决")
    status, generation, meeting_id, closes_at, max_choices = row
    if not choices:
        raise ValidationFailed("请选择后再投票", errors={"choices": ["请至少选择一项"]})
    key = (idempotency_key or uuid.uuid4().hex)[:80]
    if status != "open" or (closes_at is not None and closes_at <= utcnow()):
        replay = _replay(poll_id, resident_id, key)
        if replay is not None:
            return replay
        raise PollClosed()
    choice_text = _choice_text(choices)
    if len(set(choices)) != len(choices):
        raise ValidationFailed("选项不能重复", errors={"choices": ["选项不能重复"]})
    try:
        result = _run_vote(poll_id, resident_id, choice_text, key, generation, meeting_id,
                           audit)
        if result[0] == "stale":
            # Our cached generation may just be old; if not, Redis must be reloaded first.
            generation = _fresh_generation(poll_id)
            result = _run_vote(poll_id, resident_id, choice_text, key, generation, meeting_id,
                               audit)
        if result[0] == "stale":
            try:
                # Once per generation: requests arriving meanwhile wait for it, then vote.
                rebuild.rebuild_poll(poll_id, generation, wait=REBUILD_WAIT_SECONDS)
            except persister.LockBusy:
                raise VotePending() from None
            generation = _fresh_generation(poll_id)
            result = _run_vote(poll_id, resident_id, choice_text, key, generation, meeting_id,
                               audit)
            if result[0] == "stale":
                raise VotePending()
    except redis.RedisError:
        db.session.rollback()
        return _answer_without_redis(poll_id, resident_id, meeting_id, key)
    if result[0] == "err" and result[1] == "not_checked_in" and _attended(meeting_id,
                                                                        resident_id):
        # Checked in while the poll's Redis state was being rebuilt: repair and retry once.
        _allow_in_redis([poll_id], resident_id)
        result = _run_vote(poll_id, resident_id, choice_text, key, generation, meeting_id,
                           audit)
    return _answer(result, poll_id, resident_id, key, max_choices)


def _fresh_generation(poll_id: int) -> int:
    fresh = _poll_row(poll_id, fresh=True)
    if fresh is None:
        raise NotFound("找不到该表决")
    return int(fresh[1])


def try_vote_in_redis(poll_id: int, resident_id: int, choices: list[int], key: str,
                      audit: str | None = None) -> VoteAnswer | None:
    """Accept a new ballot in the common case only, else return None and write nothing.

    The common case: the poll is open by its cached row, the choices are distinct, and the
    vote script answers "ok". Anything else (a retry, a refusal, a stale generation, Redis
    unreachable) returns None for cast_vote to handle with its full rules and messages;
    the script writes nothing unless it answers "ok", so running cast_vote after this
    counts the ballot at most once. Used by the vote fast path (meetings.fastpath).
    """
    row = _poll_row(poll_id)
    if row is None:
        return None
    status, generation, meeting_id, closes_at, _max_choices = row
    if status != "open" or (closes_at is not None and closes_at <= utcnow()):
        return None
    if not choices or len(set(choices)) != len(choices):
        return None
    try:
        result = _run_vote(poll_id, resident_id, _choice_text(choices), key[:80], generation,
                           meeting_id, audit)
    except redis.RedisError:
        return None
    if result[0] != "ok":
        return None
    return _parse_answer(result[1], replay=False)


def _choice_text(choices: list[int]) -> str:
    return ",".join(str(c) for c in sorted(set(choices)))


POLL_ROW_TTL = 0.5


def _poll_row(poll_id: int, fresh: bool = False) -> tuple[Any, ...] | None:
    """Return (status, generation, meeting, closes_at, max) of a poll, cached for 0.5 s.

    The vote script itself refuses closed polls (Redis is told before the drain), so the
    cache only delays noticing a database-path generation bump by at most POLL_ROW_TTL.
    """
    cache: dict[int, tuple[float, Any]] = current_app.extensions.setdefault(
        "sl_meetings_poll_rows", {})
    hit = cache.get(poll_id)
    now = time.monotonic()
    if hit is not None and not fresh and now - hit[0] < POLL_ROW_TTL:
        return hit[1]
    row = db.session.execute(select(Poll.status, Poll.db_generation, Poll.meeting_id,
                                    Poll.closes_at, Poll.max_choices)
                             .where(Poll.id == poll_id)).first()
    # Release the database connection before talking to Redis: under gevent hundreds of
    # requests wait on Redis at once and the pool is far smaller than that.
    db.session.rollback()
    value = tuple(row) if row is not None else None
    cache[poll_id] = (now, value)
    return value


def forget_poll_row(poll_id: int) -> None:
    """Drop this process's cached row of a poll (after opening or closing it)."""
    current_app.extensions.get("sl_meetings_poll_rows", {}).pop(poll_id, None)


def _attended(meeting_id: int, resident_id: int) -> bool:
    found = db.session.scalar(select(Attendance.id).where(
        Attendance.meeting_id == meeting_id, Attendance.resident_id == resident_id))
    db.session.rollback()
    return found is not None


def ballot_uid(poll_id: int, resident_id: int, key: str) -> str:
    """Derive the ballot id from poll, resident and idempotency key.

    The same request always gets the same id, so a retry after Redis died and came back, or
    one answered from the database, repeats the first answer's ballot id, and a stream entry
    drained twice is one row.
    """
    return hashlib.sha256(f"{poll_id}:{resident_id}:{key}".encode()).hexdigest()[:32]


def _run_vote(poll_id: int, resident_id: int, choice_text: str, key: str, generation: int,
              meeting_id: int, audit: str | None = None) -> list[str]:
    client = get_redis()
    uid = ballot_uid(poll_id, resident_id, key)
    args = [resident_id, key, choice_text, uid, _now_ms(), generation,
            keys.events_channel(meeting_id), keys.POLL_TTL_SECONDS]
    if audit is not None:
        args.append(audit)
    # With a replica to wait for (Sentinel), the answer waits until it holds the ballot.
    return list(run_durably(client, script(client, "vote"), keys.poll_keys(poll_id), args))


def _parse_answer(answer: str, replay: bool) -> VoteAnswer:
    """Read the script's stored answer "uid|ms|choices" (older answers lack the choices)."""
    uid, cast_ms, *rest = answer.split("|")
    choices = [int(c) for c in rest[0].split(",")] if rest and rest[0] else []
    return VoteAnswer(uid, int(cast_ms), replay, "redis", choices)


def _stored_answer(ballot: Any) -> VoteAnswer:
    return VoteAnswer(ballot.ballot_uid, int(ballot.cast_at.timestamp() * 1000), True,
                      ballot.via, [int(c) for c in ballot.choices.split(",")])


def _answer(result: list[str], poll_id: int, resident_id: int, key: str,
            max_choices: int) -> VoteAnswer:
    outcome = result[0]
    if outcome in ("ok", "dup"):
        return _parse_answer(result[1], replay=outcome == "dup")
    code = result[1]
    if code == "poll_closed":
        raise PollClosed()
    if code == "not_checked_in":
        raise NotCheckedIn()
    if code == "already_voted":
        # A retry whose first answer Redis no longer keeps (its idempotency entry expired
        # or was lost) but the database does: repeat that answer.
        ballot = _stored_ballot(poll_id, resident_id)
        if ballot is not None and ballot.idempotency_key == key:
            return _stored_answer(ballot)
        raise AlreadyVoted()
    if code == "too_many_choices":
        raise ValidationFailed(f"本表决最多可选 {max_choices} 项",
                               errors={"choices": [f"最多可选 {max_choices} 项"]})
    raise ValidationFailed("选项无效，请刷新页面后重试", errors={"choices": ["选项无效"]})


def _stored_ballot(poll_id: int, resident_id: int) -> Any:
    """Return the resident's stored ballot (a plain row) in the poll, or None."""
    ballot = db.session.execute(
        select(Ballot.ballot_uid, Ballot.cast_at, Ballot.via, Ballot.choices,
               Ballot.idempotency_key)
        .where(Ballot.poll_id == poll_id, Ballot.resident_id == resident_id)).first()
    db.session.rollback()  # the vote path holds no database connection while it waits
    return ballot


def _answer_without_redis(poll_id: int, resident_id: int, meeting_id: int,
                          key: str) -> VoteAnswer:
    """Answer a vote while Redis is unreachable: only what the database can settle.

    A ballot stored under this key is repeated; a stored ballot under another key means
    this is a second ballot (409). Anything else is VotePending: the resident may hold a
    ballot acknowledged but not yet drained, so accepting one here could count two.
    """
    ballot = _stored_ballot(poll_id, resident_id)
    if ballot is not None:
        if ballot.idempotency_key == key:
            return _stored_answer(ballot)
        raise AlreadyVoted()
    if not _attended(meeting_id, resident_id):
        raise NotCheckedIn()
    raise VotePending()


def _replay(poll_id: int, resident_id: int, key: str) -> VoteAnswer | None:
    """Return the first answer to this key, if a ballot was acknowledged under it."""
    try:
        first = get_redis().hget(keys.poll_idempotency(poll_id), f"{resident_id}:{key}")
        if first:
            return _parse_answer(first, replay=True)
    except redis.RedisError:
        pass
    ballot = _stored_ballot(poll_id, resident_id)
    if ballot is not None and ballot.idempotency_key == key:
        return _stored_answer(ballot)
    return None


def enter_paper_counts(user: User, poll_id: int, counts: dict[int, int], note: str = "") -> Poll:
    """Record paper / show-of-hands counts (channel "paper"); they join the tally."""
    poll = moderated_poll(user, poll_id)
    if poll.status == "draft":
        raise Conflict("表决尚未发起", code="poll_not_open")
    if poll.status == "closed" and poll.result is not None:
        raise Conflict("表决结果已冻结，不能再录入", code="poll_frozen")
    valid = {option.id for option in poll.options}
    for option_id, count in counts.items():
        if option_id not in valid:
            raise ValidationFailed(errors={"counts": [f"选项 {option_id} 不属于该表决"]})
        if count < 0:
            raise ValidationFailed(errors={"counts": ["人数不能为负"]})
    for option_id, count in counts.items():
        db.session.add(PaperCount(poll_id=poll.id, option_id=option_id, count=count,
                                  note=note, entered_by_id=user.id))
    db.session.commit()
    log.info("paper counts for poll %s entered by user %s: %s", poll.id, user.id, counts)
    try:
        args: list[Any] = [keys.events_channel(poll.meeting_id)]
        for option_id, count in counts.items():
            args += [option_id, count]
        script(get_redis(), "paper")(keys=[keys.poll_meta(poll.id), keys.poll_tally(poll.id)],
                                     args=args)
    except redis.RedisError:
        db.session.execute(update(Poll).where(Poll.id == poll.id)
                           .values(db_generation=Poll.db_generation + 1))
        db.session.commit()
    return poll


def close_poll(user: User, poll_id: int) -> Poll:
    """Stop voting, drain the stream, freeze the result and check it against the ballots.

    With Redis unreachable the close still holds (the database refuses every later ballot)
    and the poll comes back closed with `freeze_pending`: ballots Redis acknowledged before
    it went away may still be in its stream, so the result is frozen once it is back (the
    persister's next round, or `flask meetings close-expired`).
    """
    poll = moderated_poll(user, poll_id)
    if poll.status == "draft":
        raise Conflict("表决尚未发起", code="poll_not_open")
    if poll.status == "closed" and poll.result is not None:
        raise Conflict("该表决已经结束", code="poll_closed")
    if poll.status == "open":
        done = db.session.execute(update(Poll).where(Poll.id == poll.id, Poll.status == "open")
                                  .values(status="closed", closed_at=utcnow()))
        db.session.commit()
        forget_poll_row(poll.id)
        if done.rowcount == 0:  # type: ignore[attr-defined]
            # Its countdown closed it meanwhile: that closer freezes the result, once.
            return get_poll(poll.id)
    try:
        return freeze_poll(poll.id)
    except TallyUnavailable:
        log.warning("poll %s closed; its result is frozen once Redis is back", poll.id)
        db.session.expire_all()
        return get_poll(poll.id)


def freeze_poll(poll_id: int, wait: float = 10.0) -> Poll:
    """Drain, compare the live tally with stored ballots, and store the frozen result, once.

    Runs under the poll's lock and returns an already frozen poll untouched, so the
    moderator, the countdown, the persister and the CLI may all try. Raises
    TallyUnavailable while Redis is unreachable (or its lock stays busy for `wait` s).
    """
    client = get_redis()
    meta = keys.poll_meta(poll_id)
    try:
        with persister.poll_lock(client, poll_id, wait):
            db.session.expire_all()
            poll = get_poll(poll_id)
            if poll.result is not None:
                return poll
            status, gen = client.hmget(meta, ["status", "gen"])
            if status is None or gen != str(poll.db_generation):
                # Stale or lost: reload from the database (status closed), noting a loss.
                rebuild.rebuild_locked(client, poll_id)
            else:
                client.hset(meta, "status", "closed")
                persister.drain_locked(client, poll_id)
            live = client.hgetall(keys.poll_tally(poll_id))
            conflicts = int(client.hget(meta, "conflicts") or 0)
            # Committed under the lock: a second freezer waiting for it sees the result.
            poll = _store_result(poll_id, live, conflicts)
    except (redis.RedisError, persister.LockBusy) as exc:
        db.session.rollback()
        raise TallyUnavailable() from exc
    try:
        client.srem(keys.active_polls(), poll_id)
    except redis.RedisError:
        pass
    publish(poll.meeting_id, "poll", f"poll:{poll.id}", poll_public(poll))
    return poll


FREEZE_PENDING_NOTICE = ("表决已结束，不再接受投票。计票服务正在恢复，恢复后几秒内自动完成结算"
                         "并公布结果，已确认的选票都会计入，无需再次操作")
LOST_STATE_ERROR = ("计票服务（Redis）在表决期间丢失过数据（重启时未开启持久化）：丢失前已确认、"
                    "尚未存入数据库的电子票无法找回，电子票数可能偏少，请以现场纸质计票或举手表决核对")


def _store_result(poll_id: int, live: dict[str, str], conflicts: int) -> Poll:
    """Count the stored ballots, compare them with the live tally, commit the result."""
    db.session.expire_all()
    poll = get_poll(poll_id)
    counts, ballots, paper = persister.db_counts(poll_id)
    options = [{"id": o.id, "label": o.label, "online": counts.get(o.id, 0),
                "paper": paper.get(o.id, 0), "total": counts.get(o.id, 0) + paper.get(o.id, 0)}
               for o in poll.options]
    live_ballots = int(live.get("ballots", 0))
    problems = []
    if conflicts:
        problems.append(f"{conflicts} 张选票与数据库中同一人的选票冲突，未计入")
    if live_ballots != ballots:
        problems.append(f"实时计票 {live_ballots} 票，数据库存票 {ballots} 张")
    for o in options:
        if int(live.get(str(o["id"]), 0)) != o["online"]:
            problems.append(f"“{o['label']}”实时 {live.get(str(o['id']), 0)}，"
                            f"存票 {o['online']}")
    errors = [("计票核对不一致：" + "；".join(problems))] if problems else []
    if poll.tally_lost_at is not None:
        errors.append(LOST_STATE_ERROR)
    poll.result = {"options": options, "ballots": ballots,
                   "paper": sum(paper.values()), "total_votes": sum(o["total"] for o in options),
                   "checked_in": attendance_count(poll.meeting_id),
                   "frozen_at": utcnow().isoformat()}
    poll.result_error = "。".join(errors) if errors else None
    if errors:
        log.error("poll %s frozen with a warning: %s", poll_id, poll.result_error)
    db.session.commit()
    return poll


def live_counts(poll: Poll) -> tuple[dict[int, int], dict[int, int], int]:
    """Return (online, paper, ballots) for an open poll: Redis first, else the database."""
    try:
        tally = get_redis().hgetall(keys.poll_tally(poll.id))
        if tally:
            online = {o.id: int(tally.get(str(o.id), 0)) for o in poll.options}
            paper = {o.id: int(tally.get(f"p:{o.id}", 0)) for o in poll.options}
            return online, paper, int(tally.get("ballots", 0))
    except redis.RedisError:
        pass
    counts, ballots, paper = persister.db_counts(poll.id)
    return dict(counts), paper, ballots


def poll_public(poll: Poll, staff: bool = False) -> dict[str, Any]:
    """Describe a poll for screens and phones; hidden polls show counts only after close."""
    data: dict[str, Any] = {
        "id": poll.id, "title": poll.title, "kind": poll.kind,
        "kind_name": POLL_KINDS[poll.kind], "status": poll.status,
        "max_choices": poll.max_choices if poll.kind == "multiple" else 1,
        "secret": poll.secret, "live_results": poll.live_results,
        "closes_at": poll.closes_at.isoformat() if poll.closes_at else None,
        "options": [{"id": o.id, "label": o.label} for o in poll.options],
        "ballots": 0, "counts": None, "result": poll.result, "result_error": poll.result_error,
        "freeze_pending": poll.status == "closed" and poll.result is None, "notice": None,
    }
    if data["freeze_pending"]:
        data["notice"] = FREEZE_PENDING_NOTICE
    if poll.status == "open":
        online, paper, ballots = live_counts(poll)
        data["ballots"] = ballots
        if poll.live_results or staff:
            data["counts"] = {str(o.id): online.get(o.id, 0) + paper.get(o.id, 0)
                              for o in poll.options}
    elif poll.status == "closed" and poll.result:
        data["ballots"] = poll.result["ballots"]
        data["counts"] = {str(o["id"]): o["total"] for o in poll.result["options"]}
    return data


def named_votes(user: User, poll_id: int) -> list[dict[str, Any]]:
    """List who voted what on a named (not secret) poll, for the moderator."""
    poll = moderated_poll(user, poll_id)
    if poll.secret:
        raise Forbidden("无记名表决不公开投票人", code="secret_poll")
    rows = db.session.scalars(select(Ballot).where(Ballot.poll_id == poll.id)
                              .order_by(Ballot.cast_at))
    return [{"resident_id": b.resident_id, "choices": [int(c) for c in b.choices.split(",")],
             "cast_at": b.cast_at.isoformat()} for b in rows]


# ---- snapshots ---------------------------------------------------------------------------


def meeting_public(meeting: Meeting) -> dict[str, Any]:
    """Describe a meeting for its public pages."""
    return {
        "id": meeting.id, "code": meeting.code, "title": meeting.title,
        "description": meeting.description, "location": meeting.location,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat() if meeting.ends_at else None,
        "status": meeting.status, "status_name": MEETING_STATUSES[meeting.status],
        "online": meeting.online, "presence_check": meeting.presence_check,
        "site": {"code": meeting.site.code, "name": meeting.site.name},
        "participants": [{"kind": p.kind, "kind_name": PARTICIPANT_KINDS[p.kind],
                          "name": p.name, "organisation": p.organisation}
                         for p in meeting.participants],
        "agenda": [{"id": a.id, "title": a.title, "note": a.note, "source": a.source}
                   for a in meeting.agenda],
        "outcomes": [{"id": o.id, "text": o.text, "feedback": o.feedback}
                     for o in meeting.outcomes],
        "minutes": meeting.minutes if meeting.status == "closed" else "",
    }


def snapshot(meeting: Meeting, staff: bool = False) -> dict[str, Any]:
    """Return everything a screen or phone needs to draw the meeting now."""
    close_expired_in(meeting)
    current = db.session.get(Poll, meeting.current_poll_id) if meeting.current_poll_id else None
    return {
        "meeting": meeting_public(meeting),
        "attendance": attendance_payload(meeting),
        "current_poll": poll_public(current, staff) if current else None,
        "polls": [poll_public(p, staff) for p in meeting.polls if staff or p.status != "draft"],
    }


def resident_view(code: str, resident_id: int | None) -> dict[str, Any]:
    """Return the meeting snapshot plus the resident's own check-in and votes."""
    meeting = meeting_by_code(code)
    data = snapshot(meeting)
    # votes_confirmed is False while Redis is unreachable: a ballot it acknowledged may not be
    # in the database yet, so "no vote found" must not be read as "not voted".
    me: dict[str, Any] = {"checked_in": False, "votes": {}, "votes_confirmed": True}
    if resident_id is not None:
        me["checked_in"] = db.session.scalar(select(Attendance.id).where(
            Attendance.meeting_id == meeting.id, Attendance.resident_id == resident_id)
        ) is not None
        poll_ids = [p.id for p in meeting.polls]
        votes = {}
        if poll_ids:
            try:
                client = get_redis()
                for poll_id in poll_ids:
                    if client.hexists(keys.poll_voted(poll_id), resident_id):
                        votes[str(poll_id)] = True
            except redis.RedisError:
                me["votes_confirmed"] = False
            for poll_id in db.session.scalars(select(Ballot.poll_id).where(
                    Ballot.poll_id.in_(poll_ids), Ballot.resident_id == resident_id)):
                votes[str(poll_id)] = True
        me["votes"] = votes
    data["me"] = me
    return data


# ---- proposals from the floor ------------------------------------------------------------


def submit_proposal(code: str, resident_id: int, text: str) -> Proposal:
    """Let a checked-in resident propose something from the floor."""
    meeting = meeting_by_code(code)
    if meeting.status != "in_session":
        raise Conflict("活动进行中才能提交现场提议", code="meeting_not_in_session")
    if not _attended(meeting.id, resident_id):
        raise NotCheckedIn("请先签到再提交提议")
    proposal = Proposal(meeting_id=meeting.id, resident_id=resident_id, text=text.strip())
    db.session.add(proposal)
    db.session.commit()
    publish(meeting.id, "proposal", "proposal", {"id": proposal.id})
    return proposal


def list_proposals(user: User, meeting_id: int) -> list[Proposal]:
    """List a meeting's proposals for its moderator."""
    meeting = moderated_meeting(user, meeting_id)
    return list(db.session.scalars(select(Proposal).where(Proposal.meeting_id == meeting.id)
                                   .order_by(Proposal.id)))


def decide_proposal(user: User, proposal_id: int, decision: str, target: str = "agenda",
                    note: str = "") -> Proposal:
    """Approve a proposal onto the agenda or a ballot, or decline it."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound("找不到该提议")
    meeting = moderated_meeting(user, proposal.meeting_id)
    if proposal.status != "pending":
        raise Conflict("该提议已处理", code="proposal_decided")
    proposal.decided_by_id = user.id
    proposal.decided_at = utcnow()
    proposal.decision_note = note
    if decision == "decline":
        proposal.status = "declined"
    else:
        proposal.status = "approved"
        if target == "poll":
            db.session.commit()
            poll = create_poll(user, meeting.id, {"title": proposal.text[:200], "kind": "yesno"})
            proposal.poll_id = poll.id
        else:
            item = AgendaItem(meeting_id=meeting.id, position=len(meeting.agenda),
                              title=proposal.text[:200], source="floor")
            db.session.add(item)
            db.session.flush()
            proposal.agenda_item_id = item.id
    db.session.commit()
    publish(meeting.id, "meeting", "meeting", {"id": meeting.id})
    return proposal


# ---- topic collection (议题征集) -----------------------------------------------------------


def _site_by_code(code: str) -> Site:
    site = db.session.scalar(select(Site).where(Site.code == code))
    if site is None or not site.active:
        raise NotFound("找不到该点位")
    return site


def propose_topic(site_code: str, resident_id: int, title: str, detail: str = "") -> Topic:
    """Let a resident propose a topic for a site's next consultations."""
    site = _site_by_code(site_code)
    topic = Topic(site_id=site.id, title=title.strip(), detail=detail.strip(),
                  resident_id=resident_id, supporters=1)
    db.session.add(topic)
    db.session.flush()
    db.session.add(TopicSupport(topic_id=topic.id, resident_id=resident_id))
    db.session.commit()
    duty.topic_raised(topic)
    return topic


def support_topic(topic_id: int, resident_id: int) -> Topic:
    """Add a resident's support to a topic (once per resident)."""
    topic = db.session.get(Topic, topic_id)
    if topic is None:
        raise NotFound("找不到该议题")
    if topic.status != "open":
        raise Conflict("该议题已不在征集中", code="topic_closed")
    db.session.add(TopicSupport(topic_id=topic.id, resident_id=resident_id))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("您已支持过该议题", code="already_supported") from None
    db.session.execute(update(Topic).where(Topic.id == topic.id)
                       .values(supporters=Topic.supporters + 1))
    db.session.commit()
    db.session.refresh(topic)
    return topic


def list_topics(site_code: str) -> list[Topic]:
    """List a site's topics, most supported first."""
    site = _site_by_code(site_code)
    return list(db.session.scalars(select(Topic).where(Topic.site_id == site.id)
                                   .order_by(Topic.supporters.desc(), Topic.id.desc())
                                   .limit(100)))


def topic_from_opinion(user: User, opinion_id: int) -> Topic:
    """Promote a resident's report to a topic of its site."""
    from server.intake.models import Opinion

    opinion = db.session.get(Opinion, opinion_id)
    if opinion is None:
        raise NotFound("找不到该社情民意")
    site = db.session.get(Site, opinion.site_id)
    assert site is not None
    ensure_site_access(user, site, MODERATOR_ROLES)
    topic = Topic(site_id=site.id, title=opinion.text[:60], detail=opinion.text,
                  opinion_id=opinion.id, supporters=0)
    db.session.add(topic)
    db.session.commit()
    return topic


def pick_topic(user: User, meeting_id: int, topic_id: int) -> Meeting:
    """Put a collected topic on a meeting's agenda."""
    meeting = moderated_meeting(user, meeting_id)
    topic = db.session.get(Topic, topic_id)
    if topic is None or topic.site_id != meeting.site_id:
        raise NotFound("找不到该议题")
    if topic.status != "open":
        raise Conflict("该议题已列入协商", code="topic_picked")
    topic.status = "picked"
    topic.meeting_id = meeting.id
    db.session.add(AgendaItem(meeting_id=meeting.id, position=len(meeting.agenda),
                              title=topic.title, note=topic.detail, source="topic"))
    db.session.commit()
    db.session.refresh(meeting)
    return meeting


# ---- public results ----------------------------------------------------------------------


def site_meetings_public(site_code: str, limit: int = 10) -> list[dict[str, Any]]:
    """Return a site's recent published meetings with frozen results, outcomes and feedback."""
    site = _site_by_code(site_code)
    meetings = db.session.scalars(select(Meeting).where(
        Meeting.site_id == site.id, Meeting.status != "draft")
        .order_by(Meeting.starts_at.desc()).limit(limit))
    out = []
    for meeting in meetings:
        data = meeting_public(meeting)
        data["when"] = when_text(meeting.starts_at)
        data["outcomes"] = [outcome_public(o) for o in meeting.outcomes]
        data["polls"] = [{"id": p.id, "title": p.title, "kind_name": POLL_KINDS[p.kind],
                          "result": p.result, "result_error": p.result_error}
                         for p in meeting.polls if p.status == "closed" and p.result]
        data["attendance"] = attendance_count(meeting.id)
        out.append(data)
    return out


def resident_id_from_token() -> int:
    """Return the calling resident's id from the signed token alone (the hot vote path).

    Voting also needs a check-in, which loaded the resident once; the signature is enough
    here and saves a database read per vote. Other endpoints use require_resident().
    """

    from server.errors import Unauthorized
    from server.people.access import bearer_token
    from server.people.services import RESIDENT_TOKEN_PREFIX, resident_id_for_token

    token = bearer_token() or ""
    if not token.startswith(RESIDENT_TOKEN_PREFIX):
        from server.people.access import require_resident

        return require_resident().id
    resident_id = resident_id_for_token(token)
    if resident_id is None:
        raise Unauthorized("身份已失效，请重新打开页面", code="invalid_token")
    return resident_id


# ---- following a site: residents hear about its meetings ----------------------------------


def _tell_followers(meeting: Meeting) -> list[int]:
    from server.notify.services import notify_meeting_published

    return notify_meeting_published(meeting)


def _deliver(ids: list[int]) -> None:
    if ids:
        from server.notify.services import deliver_soon

        deliver_soon(ids)


def follow_state(site_code: str, resident_id: int) -> dict[str, Any]:
    """Return whether the resident follows the site, and how many residents do."""
    site = _site_by_code(site_code)
    following = db.session.scalar(select(SiteFollow.id).where(
        SiteFollow.site_id == site.id, SiteFollow.resident_id == resident_id)) is not None
    followers = db.session.scalar(select(func.count(SiteFollow.id))
                                  .where(SiteFollow.site_id == site.id)) or 0
    return {"site_code": site.code, "following": following, "followers": int(followers)}


def set_follow(site_code: str, resident_id: int, follow: bool) -> dict[str, Any]:
    """Follow or unfollow a site (both idempotent)."""
    site = _site_by_code(site_code)
    if follow:
        db.session.add(SiteFollow(site_id=site.id, resident_id=resident_id))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # already following: a double tap
    else:
        db.session.execute(delete(SiteFollow).where(SiteFollow.site_id == site.id,
                                                    SiteFollow.resident_id == resident_id))
        db.session.commit()
    return follow_state(site_code, resident_id)


# ---- outcomes followed up as dispatch cases (成果转办) --------------------------------------


def case_public(opinion: Any, staff: bool = False) -> dict[str, Any] | None:
    """Describe the case that follows an outcome up: its number and where it stands."""
    if opinion is None:
        return None
    from server.intake.models import STATES
    from server.intake.resident import RESIDENT_STATUS

    data: dict[str, Any] = {"tracking_no": opinion.tracking_no,
                            "status": RESIDENT_STATUS.get(opinion.state, opinion.state)}
    if staff:
        data.update({"opinion_id": opinion.id, "state": opinion.state,
                     "state_name": STATES.get(opinion.state, opinion.state)})
    return data


def outcome_public(outcome: Outcome) -> dict[str, Any]:
    """Describe an outcome for the site's resident page, with its feedback and case."""
    return {"id": outcome.id, "text": outcome.text, "feedback": outcome.feedback,
            "feedback_at": day_text(outcome.feedback_at) if outcome.feedback_at else None,
            "case": case_public(outcome.case_opinion)}


def when_text(value: Any) -> str:
    """Write a time the way a resident reads it: 11月30日（周日）14:30."""
    from server.common.text import local_time

    local = local_time(value)
    weekday = "一二三四五六日"[local.weekday()]
    return f"{local.month}月{local.day}日（周{weekday}）{local:%H:%M}"


def day_text(value: Any) -> str:
    """Write a date the way a resident reads it: 11月30日."""
    from server.common.text import local_time

    local = local_time(value)
    return f"{local.month}月{local.day}日"


def outcome_to_case(user: User, outcome_id: int, category_id: int | None = None
                    ) -> tuple[Outcome, bool]:
    """Turn an outcome into a dispatch case so the agreement is followed up; once.

    Return (outcome, created). A second call returns the case made the first time.
    """
    outcome = db.session.get(Outcome, outcome_id)
    if outcome is None:
        raise NotFound("找不到该协商成果")
    meeting = moderated_meeting(user, outcome.meeting_id)
    if outcome.case_opinion_id is not None:
        return outcome, False
    lock = keys.outcome_case_lock(outcome.id)
    try:
        client: redis.Redis | None = get_redis()
        deadline = time.monotonic() + 5
        while not client.set(lock, "1", nx=True, ex=30):
            # Someone else is turning it right now (a double click): wait for their case.
            if time.monotonic() >= deadline:
                raise Conflict("正在转办，请稍候", code="outcome_case_in_progress")
            time.sleep(0.05)
    except redis.RedisError:
        client = None  # the row lock below still serialises on PostgreSQL
    try:
        db.session.rollback()
        outcome = db.session.scalars(select(Outcome).where(Outcome.id == outcome_id)
                                     .with_for_update()).one()
        if outcome.case_opinion_id is not None:
            db.session.rollback()
            return outcome, False
        _case_for(user, meeting, outcome, category_id)
        return outcome, True
    finally:
        if client is not None:
            try:
                client.delete(lock)
            except redis.RedisError:
                pass


def _case_for(user: User, meeting: Meeting, outcome: Outcome, category_id: int | None) -> Any:
    from server.dispatch import workflow
    from server.intake.models import Category, Opinion
    from server.intake.settings import setting
    from server.intake.tracking import allocate_tracking_no

    if category_id is not None:
        category = db.session.get(Category, category_id)
        if category is None or not category.active:
            raise ValidationFailed(errors={"category_id": ["问题分类不存在"]})
    else:
        category = db.session.scalar(select(Category).where(Category.code == "other"))
    site = meeting.site
    text = (f"【协商成果转办】{meeting.title}（{when_text(meeting.starts_at)}，{site.name}）"
            f"商定：{outcome.text}")[: setting("INTAKE_TEXT_MAX")]
    opinion = Opinion(
        tracking_no=allocate_tracking_no(), site_id=site.id, unit_id=site.unit_id,
        category_id=category.id if category else None, kind="suggestion", text=text,
        contact_name="协商议事会", anonymous=False, resident_id=None, entered_by_id=user.id,
        state="received", moderation="ok", support_count=0, created_at=utcnow())
    db.session.add(opinion)
    db.session.flush()
    outcome.case_opinion_id = opinion.id
    # Records the timeline's first step and the answer deadline, and commits the link with it.
    workflow.record_submission(opinion, resident_id=None, entered_by_id=user.id)
    db.session.refresh(outcome)
    return opinion


# ---- polls that close themselves when their countdown runs out ----------------------------


def close_expired_poll(poll_id: int, now: Any = None) -> Poll | None:
    """Close a poll whose countdown has run out and freeze its result.

    The conditional UPDATE lets exactly one caller (timer, snapshot, CLI, persister,
    moderator) win; the others get None. If the freeze cannot finish (Redis down) the poll
    stays closed without a result, and close_expired_polls (the persister runs it every
    round) completes it once Redis is back.
    """
    now = now or utcnow()
    claimed = db.session.execute(
        update(Poll).where(Poll.id == poll_id, Poll.status == "open",
                           Poll.closes_at.is_not(None), Poll.closes_at <= now)
        .values(status="closed", closed_at=now))
    db.session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    forget_poll_row(poll_id)
    log.info("poll %s closed by its countdown", poll_id)
    try:
        return freeze_poll(poll_id)
    except TallyUnavailable:
        log.warning("poll %s closed by its countdown but not frozen yet", poll_id)
        return None


def close_expired_in(meeting: Meeting) -> None:
    """Close the meeting's polls whose countdown has run out (called before each snapshot)."""
    now = utcnow()
    expired = [p.id for p in meeting.polls
               if p.status == "open" and p.closes_at is not None and p.closes_at <= now]
    for poll_id in expired:
        close_expired_poll(poll_id, now)
    if expired:
        db.session.refresh(meeting)


def close_expired_polls(now: Any = None, wait: float = 10.0) -> dict[str, int]:
    """Close every poll whose countdown ran out; finish freezes that are still pending.

    A pending freeze is a poll closed while Redis was unreachable (or whose closer died):
    freeze_poll takes the poll's lock and skips a frozen poll, so racing a closer is safe.
    """
    now = now or utcnow()
    due = list(db.session.scalars(select(Poll.id).where(
        Poll.status == "open", Poll.closes_at.is_not(None), Poll.closes_at <= now)))
    closed = sum(1 for poll_id in due if close_expired_poll(poll_id, now) is not None)
    pending = list(db.session.scalars(select(Poll.id).where(
        Poll.status == "closed", Poll.result.is_(None))))
    db.session.rollback()
    frozen = 0
    for poll_id in pending:
        try:
            freeze_poll(poll_id, wait=wait)
            frozen += 1
        except TallyUnavailable:
            log.info("poll %s not frozen yet (Redis away or its lock busy); retrying later",
                     poll_id)
    return {"closed": closed, "frozen": frozen, "waiting": len(due) - closed}


def expiry_timer_enabled() -> bool:
    """Whether this process closes polls with a timer at their countdown's end."""
    value = current_app.config.get("MEETINGS_EXPIRY_TIMER")
    return (not current_app.config.get("TESTING")) if value is None else bool(value)


def schedule_expiry(poll_id: int, closes_at: Any) -> None:
    """Close the poll in this process when its countdown ends (best effort: snapshots and
    `flask meetings close-expired` cover a process that died meanwhile)."""
    import threading

    if not expiry_timer_enabled():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    delay = max(0.0, (closes_at - utcnow()).total_seconds()) + 0.05
    timer = threading.Timer(delay, _close_when_due, args=(app, poll_id))
    timer.daemon = True
    timer.start()


def _close_when_due(app: Any, poll_id: int) -> None:
    with app.app_context():
        try:
            close_expired_poll(poll_id)
        except Exception:  # noqa: BLE001 - the snapshot or the CLI closes it instead
            log.exception("could not close poll %s at the end of its countdown", poll_id)
        finally:
            db.session.remove()


# ---- the staff meetings page (/console/meetings): filtered list and form options ----------


def search_meetings(user: User, site_id: int | None = None, status: str | None = None,
                    starts_from: date | None = None,
                    starts_to: date | None = None) -> list[Meeting]:
    """List meetings the user may run, filtered; each carries `status_name` and `attendance`."""
    from server.common.text import SHANGHAI
    from server.people.access import site_scope_filter

    if starts_from and starts_to and starts_from > starts_to:
        raise ValidationFailed(errors={"starts_to": ["结束日期不能早于开始日期"]})
    query = (select(Meeting).join(Site, Meeting.site_id == Site.id)
             .where(site_scope_filter(user, MODERATOR_ROLES)))
    if site_id is not None:
        query = query.where(Meeting.site_id == site_id)
    if status is not None:
        query = query.where(Meeting.status == status)
    # Dates are Beijing calendar days; the end day is included.
    if starts_from is not None:
        query = query.where(Meeting.starts_at >= datetime.combine(
            starts_from, dt_time.min, SHANGHAI).astimezone(UTC))
    if starts_to is not None:
        query = query.where(Meeting.starts_at < datetime.combine(
            starts_to + timedelta(days=1), dt_time.min, SHANGHAI).astimezone(UTC))
    meetings = list(db.session.scalars(query.order_by(Meeting.starts_at.desc(),
                                                      Meeting.id.desc()).limit(200)))
    counts = dict(db.session.execute(
        select(Attendance.meeting_id, func.count(Attendance.id))
        .where(Attendance.meeting_id.in_([m.id for m in meetings]))
        .group_by(Attendance.meeting_id)).tuples().all()) if meetings else {}
    for meeting in meetings:
        # Read by the list schema like columns; derived, not stored.
        meeting.attendance = counts.get(meeting.id, 0)  # type: ignore[attr-defined]
        meeting.status_name = MEETING_STATUSES[meeting.status]  # type: ignore[attr-defined]
    return meetings


def managed_sites(user: User) -> list[Site]:
    """List the active sites at which the user may organise meetings."""
    from server.people.access import site_scope_filter
    from server.sites.models import Unit

    return list(db.session.scalars(
        select(Site).join(Unit, Site.unit_id == Unit.id)
        .where(Site.active.is_(True), site_scope_filter(user, MODERATOR_ROLES))
        .order_by(Unit.path, Site.name, Site.id)))


def meeting_options(user: User) -> dict[str, Any]:
    """Return what the 新建协商活动 form offers: the user's sites, statuses, participant kinds."""
    return {
        "sites": [{"id": s.id, "code": s.code, "name": s.name, "unit_name": s.unit.name}
                  for s in managed_sites(user)],
        "statuses": [{"value": k, "label": v} for k, v in MEETING_STATUSES.items()],
        "participant_kinds": [{"value": k, "label": v} for k, v in PARTICIPANT_KINDS.items()],
    }
