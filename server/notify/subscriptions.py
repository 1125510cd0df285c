"""Residents' one-time WeChat subscriptions: what they accepted, and one credit per send.

The mini-program asks `wx.requestSubscribeMessage` and reports WeChat's answer per template
(accept / reject / ban / filter). Each 允许 of a one-time template lets us send one message
of it, as WeChat counts; a send takes a credit first, so nobody gets a template they did not
accept, and a send WeChat never made (a final failure) gives it back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, update

from server.common.models import utcnow
from server.errors import Conflict, ValidationFailed
from server.extensions import db
from server.notify.models import EVENTS, Subscription
from server.notify.templates import RESIDENT_EVENTS, resident_templates, template_for
from server.people.models import Resident

RESULTS = {"accept": "允许", "reject": "拒绝", "ban": "已被禁用", "filter": "被过滤"}


class WeChatOnly(Conflict):
    code, message = "wechat_only", "只有从微信小程序进入，才能订阅消息提醒"


def _upsert(resident_id: int, template_id: str, result: str) -> None:
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    table = Subscription.__table__
    accepted = 1 if result == "accept" else 0
    now = utcnow()
    statement = insert(table).values(
        resident_id=resident_id, template_id=template_id, credits=accepted,
        accepted_total=accepted, last_result=result, updated_at=now)
    # WeChat stops delivering a template the user banned; a refusal keeps earlier credits.
    credits: Any = 0 if result == "ban" else table.c.credits + accepted
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.resident_id, table.c.template_id],
        set_={"credits": credits, "accepted_total": table.c.accepted_total + accepted,
              "last_result": result, "updated_at": now})
    db.session.execute(statement)


def record_consent(resident: Resident, results: dict[str, str]) -> list[dict[str, Any]]:
    """Record WeChat's answer to a subscribe request; return the resident's subscriptions."""
    if resident.kind != "wechat" or not resident.openid:
        raise WeChatOnly()
    known = resident_templates()
    unknown = {tid: ["不是本系统配置的订阅消息模板"] for tid in results if tid not in known}
    if unknown:
        raise ValidationFailed("订阅消息模板与服务器配置不一致", errors={"results": unknown})
    for template_id, result in sorted(results.items()):
        _upsert(resident.id, template_id, result)
    db.session.commit()
    return resident_subscriptions(resident)


def resident_subscriptions(resident: Resident) -> list[dict[str, Any]]:
    """Return each resident template with the messages the resident may still receive."""
    rows = {s.template_id: s for s in db.session.query(Subscription).filter_by(
        resident_id=resident.id)}
    out = []
    for event in RESIDENT_EVENTS:
        template = template_for(event)
        if template is None:
            continue
        row = rows.get(template["template_id"])
        out.append({"event": event, "event_name": EVENTS[event],
                    "template_id": template["template_id"],
                    "credits": row.credits if row else 0,
                    "last_result": row.last_result if row else ""})
    return out


def _credited(template_id: str) -> ColumnElement[bool]:
    return (Subscription.template_id == template_id) & (Subscription.credits > 0)


def take_credit(resident_id: int, template_id: str) -> bool:
    """Use one of the resident's credits for a template; False when none is left."""
    result = db.session.execute(
        update(Subscription).where(Subscription.resident_id == resident_id,
                                   _credited(template_id))
        .values(credits=Subscription.credits - 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def take_credits(resident_ids: Select[Any], template_id: str) -> set[int]:
    """Use one credit of each listed resident who has one; return who did (one statement)."""
    returned = db.session.execute(
        update(Subscription).where(Subscription.resident_id.in_(resident_ids),
                                   _credited(template_id))
        .values(credits=Subscription.credits - 1, updated_at=utcnow())
        .returning(Subscription.resident_id)
        .execution_options(synchronize_session=False))
    return {row[0] for row in returned}


def give_back(resident_id: int, template_id: str) -> None:
    """Return a credit WeChat did not use (the message finally failed for another reason)."""
    db.session.execute(
        update(Subscription).where(Subscription.resident_id == resident_id,
                                   Subscription.template_id == template_id)
        .values(credits=Subscription.credits + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))


def forget(resident_id: int, template_id: str) -> None:
    """Drop every credit of a template WeChat says the user has not accepted (43101)."""
    db.session.execute(
        update(Subscription).where(Subscription.resident_id == resident_id,
                                   Subscription.template_id == template_id)
        .values(credits=0, last_result="refused", updated_at=utcnow())
        .execution_options(synchronize_session=False))
