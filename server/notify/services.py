"""The outbox: write messages with the change that causes them, deliver and retry after."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import insert, or_, select, update

from server.common.models import utcnow
from server.common.text import local_time, mask_phones_in_text
from server.errors import NotFound
from server.extensions import db
from server.intake.models import STATES, Opinion
from server.notify import subscriptions
from server.notify.models import EVENTS, Notification
from server.notify.templates import (  # noqa: F401 - part of this module's interface
    DEFAULT_TEMPLATES,
    FIELD_LIMITS,
    VALUE_NAMES,
    build_message,
    fit_value,
    set_template,
    template_for,
)
from server.people.models import Grant, Resident, User

MAX_ATTEMPTS = 5
# Minutes to wait after the 1st, 2nd, … failed attempt.
BACKOFF_MINUTES = (1, 5, 30, 120)
# WeChat errcodes that no retry can fix (the user refused, template or page invalid).
REFUSED_ERRCODE = 43101
PERMANENT_ERRCODES = {REFUSED_ERRCODE: "用户拒收订阅消息", 40003: "openid 无效",
                      40037: "模板 id 无效", 41030: "跳转页面无效", 47003: "模板参数不合规"}

# Above this many messages a change only queues them; `flask notify-deliver` sends the rest,
# so publishing a meeting to a whole township does not hold the moderator's request.
INLINE_DELIVERY_MAX = 20
# How long a sender keeps a message to itself (a WeChat call times out well before).
CLAIM_LEASE = timedelta(minutes=2)


def opinion_values(opinion: Opinion) -> dict[str, str]:
    """Return the values a message about a resident's report can show."""
    when = local_time(utcnow()).strftime("%Y年%m月%d日 %H:%M")
    return {
        "tracking_no": opinion.tracking_no,
        "category": opinion.category.name if opinion.category else "社情民意",
        "state": STATES.get(opinion.state, opinion.state),
        "time": when,
        "summary": mask_phones_in_text(opinion.text) or "",
        "answer": opinion.answer or "",
        "site": str(opinion.site_id),
    }


def notify_resident(opinion: Opinion, event: str) -> list[int]:
    """Queue the resident's inbox entry and WeChat message; return ids to deliver."""
    if opinion.resident_id is None:
        return []
    resident = db.session.get(Resident, opinion.resident_id)
    title = f"您反映的问题{EVENTS[event]}"
    body = opinion.answer if event == "answered" else "工作人员已受理，将尽快派单办理。"
    db.session.add(Notification(event=event, channel="inbox", opinion_id=opinion.id,
                                resident_id=opinion.resident_id, title=title,
                                body=body or "", status="sent", sent_at=utcnow(), attempts=0))
    ids: list[int] = []
    if resident is not None and resident.kind == "wechat" and resident.openid:
        message = build_message(event, resident.openid, opinion_values(opinion),
                                f"no={opinion.tracking_no}")
        # Only a template the resident accepted in the mini-program, one send per 允许.
        if message is not None and subscriptions.take_credit(resident.id,
                                                              message["template_id"]):
            row = Notification(event=event, channel="wechat", opinion_id=opinion.id,
                               resident_id=resident.id, title=title, body="",
                               payload=message, status="pending", attempts=0,
                               next_attempt_at=utcnow())
            db.session.add(row)
            db.session.flush()
            ids.append(row.id)
    return ids


def notify_assignee(opinion: Opinion, case: Any, redo: bool = False) -> list[int]:
    """Put a new-assignment (or redo) message in the handlers' or member's inbox."""
    if case.member_user_id is not None:
        user_ids = [case.member_user_id]
    elif case.department_id is not None:
        user_ids = list(db.session.scalars(select(Grant.user_id).where(
            Grant.role == "handler", Grant.department_id == case.department_id)).unique())
    else:
        user_ids = []
    event = "redo" if redo else "assigned"
    title = ("案件被退回重办：" if redo else "新派单：") + opinion.tracking_no
    for user_id in user_ids:
        db.session.add(Notification(event=event, channel="inbox", opinion_id=opinion.id,
                                    user_id=user_id, title=title,
                                    body=mask_phones_in_text(opinion.text[:200]),
                                    status="sent", sent_at=utcnow(), attempts=0))
    return []


def notify_meeting_published(meeting: Any) -> list[int]:
    """Queue an inbox entry for each follower of the meeting's site, and a WeChat message for
    those who use the mini program; return the WeChat ids. The caller commits.

    Rows go in with bulk INSERTs in chunks: a township site can have thousands of followers.
    """
    from server.meetings.models import SiteFollow

    site = meeting.site
    starts = local_time(meeting.starts_at)
    when = starts.strftime("%Y年%m月%d日 %H:%M")
    title = f"{site.name}发布了协商活动"[:64]
    place = meeting.location or site.address or site.name
    body = f"“{meeting.title}”将于{when}在{place}举行，欢迎参加。"
    link = f"/m/{meeting.code}"
    values = {"title": meeting.title, "time": when, "site": site.name, "location": place}
    followers = db.session.execute(
        select(Resident.id, Resident.kind, Resident.openid)
        .join(SiteFollow, SiteFollow.resident_id == Resident.id)
        .where(SiteFollow.site_id == site.id).order_by(Resident.id)).all()
    now = utcnow()
    inbox = [{"event": "meeting_published", "channel": "inbox", "resident_id": rid,
              "title": title, "body": body, "payload": {"link": link}, "status": "sent",
              "attempts": 0, "sent_at": now, "created_at": now}
             for rid, _kind, _openid in followers]
    message = build_message("meeting_published", "", values, f"code={meeting.code}")
    wechat = []
    if message is not None and any(kind == "wechat" and openid for _, kind, openid in followers):
        # Only followers who accepted this template in the mini-program, one credit each.
        credited = subscriptions.take_credits(
            select(SiteFollow.resident_id).where(SiteFollow.site_id == site.id),
            message["template_id"])
        wechat = [{"event": "meeting_published", "channel": "wechat", "resident_id": rid,
                   "title": title, "body": "", "payload": {**message, "touser": openid},
                   "status": "pending", "attempts": 0, "next_attempt_at": now,
                   "created_at": now}
                  for rid, kind, openid in followers
                  if rid in credited and kind == "wechat" and openid]
    ids: list[int] = []
    for start in range(0, len(inbox), 1000):
        db.session.execute(insert(Notification), inbox[start:start + 1000])
    for start in range(0, len(wechat), 1000):
        ids += db.session.scalars(insert(Notification).returning(Notification.id),
                                  wechat[start:start + 1000]).all()
    return ids


def deliver_soon(ids: list[int]) -> None:
    """Deliver freshly queued messages now (unless disabled); failures stay for retries.

    Past INLINE_DELIVERY_MAX the rest wait for `flask notify-deliver` (due immediately).
    """
    if not current_app.config.get("NOTIFY_DELIVER_INLINE", True):
        return
    for notification_id in ids[:current_app.config.get("NOTIFY_INLINE_MAX",
                                                       INLINE_DELIVERY_MAX)]:
        try:
            deliver(notification_id)
        except Exception:  # noqa: BLE001 - the outbox keeps the error; the change stands
            current_app.logger.exception("notification %s failed", notification_id)
            db.session.rollback()


def deliver(notification_id: int, now: datetime | None = None) -> Notification:
    """Try to send one WeChat message; record success, a retry time, or a final failure."""
    from server.people.services import wechat_client
    from server.wechat import WeChatError

    now = now or utcnow()
    row = db.session.get(Notification, notification_id)
    if row is None:
        raise NotFound("找不到该通知", code="notification_not_found")
    if row.status != "pending" or row.channel != "wechat":
        return row
    if not _claim(notification_id, now):
        db.session.refresh(row)
        return row  # another process (another host's timer) is sending it
    db.session.refresh(row)
    try:
        wechat_client().post_api("/cgi-bin/message/subscribe/send", row.payload)
    except WeChatError as exc:
        errcode = int(exc.errors.get("errcode", 0) or 0)
        if errcode in PERMANENT_ERRCODES:
            row.status = "failed"
            row.last_error = f"{errcode} {PERMANENT_ERRCODES[errcode]}"
            row.next_attempt_at = None
            _settle_credit(row, refused=errcode == REFUSED_ERRCODE)
        else:
            _retry_later(row, now, f"{exc.code} {exc.message}"[:255])
    except Exception as exc:  # noqa: BLE001 - network trouble: retry later
        _retry_later(row, now, f"{type(exc).__name__}: {exc}"[:255])
    else:
        row.status = "sent"
        row.sent_at = now
        row.last_error = None
        row.next_attempt_at = None
    db.session.commit()
    return row


def _claim(notification_id: int, now: datetime) -> bool:
    """Take one due message for sending, atomically: count the attempt and lease it.

    The lease (next_attempt_at moved CLAIM_LEASE ahead) keeps every other deliverer off it
    while this one sends, on any host; if this process dies mid-send the lease runs out and
    the message is tried again (at least once, never twice while a sender is alive).
    """
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "pending",
               or_(Notification.next_attempt_at.is_(None),
                   Notification.next_attempt_at <= now))
        .values(attempts=Notification.attempts + 1, next_attempt_at=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def _retry_later(row: Notification, now: datetime, error: str) -> None:
    row.last_error = error
    if row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
        row.next_attempt_at = None
        _settle_credit(row, refused=False)
        return
    wait = BACKOFF_MINUTES[min(row.attempts - 1, len(BACKOFF_MINUTES) - 1)]
    row.next_attempt_at = now + timedelta(minutes=wait)


def _settle_credit(row: Notification, *, refused: bool) -> None:
    """A message that finally failed used no subscription: give its credit back, or drop
    the template's credits when WeChat says the user has none (43101)."""
    template_id = (row.payload or {}).get("template_id")
    if row.resident_id is None or not template_id:
        return
    if refused:
        subscriptions.forget(row.resident_id, template_id)
    else:
        subscriptions.give_back(row.resident_id, template_id)


def deliver_due(now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Deliver every pending message whose retry time has come; return counts by status."""
    now = now or utcnow()
    ids = list(db.session.scalars(
        select(Notification.id).where(
            Notification.status == "pending", Notification.channel == "wechat",
            or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now))
        .order_by(Notification.id).limit(limit)))
    counts = {"sent": 0, "pending": 0, "failed": 0}
    for notification_id in ids:
        row = deliver(notification_id, now)
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def retry(notification_id: int) -> Notification:
    """Put a failed message back in the queue and try it now."""
    row = db.session.get(Notification, notification_id)
    if row is None:
        raise NotFound("找不到该通知", code="notification_not_found")
    if row.status == "failed" and row.channel == "wechat":
        template_id = (row.payload or {}).get("template_id", "")
        if row.resident_id is not None and not subscriptions.take_credit(row.resident_id,
                                                                         template_id):
            row.last_error = "没有可用的订阅（用户未同意接收该消息或已用完）"
            db.session.commit()
            return row
        row.status = "pending"
        row.attempts = 0
        row.next_attempt_at = utcnow()
        db.session.commit()
        return deliver(row.id)
    return row


def resident_inbox(resident: Resident) -> list[Notification]:
    """Return the resident's messages (what "my reports" shows), newest first."""
    return list(db.session.scalars(
        select(Notification).where(Notification.resident_id == resident.id,
                                   Notification.channel == "inbox")
        .order_by(Notification.id.desc()).limit(100)))


def user_inbox(user: User) -> list[Notification]:
    """Return a staff user's messages, newest first."""
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.id.desc()).limit(100)))


def outbox(status: str | None = None, limit: int = 200) -> list[Notification]:
    """Return WeChat outbox rows (failures visible to admins), newest first."""
    query = select(Notification).where(Notification.channel == "wechat")
    if status:
        query = query.where(Notification.status == status)
    return list(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def mark_read(user: User | None, resident: Resident | None, notification_id: int) -> None:
    """Mark one of the caller's inbox messages read."""
    row = db.session.get(Notification, notification_id)
    mine = row is not None and (
        (user is not None and row.user_id == user.id)
        or (resident is not None and row.resident_id == resident.id))
    if not mine or row is None:
        raise NotFound("找不到该通知", code="notification_not_found")
    row.read_at = row.read_at or utcnow()
    db.session.commit()
