"""WeChat subscribe-message templates: which template each event uses and its fields."""

from __future__ import annotations

import re
from typing import Any

from server.errors import ValidationFailed
from server.extensions import db
from server.notify.models import MessageTemplate

# WeChat subscribe-message value types and their length limits (characters).
FIELD_LIMITS = {"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "number": 32,
                "letter": 32, "symbol": 5, "phone_number": 17, "car_number": 8, "amount": 32}

DEFAULT_TEMPLATES: dict[str, dict[str, Any]] = {
    "accepted": {"template_id": "TPL_CASE_ACCEPTED", "page": "pages/mine/index",
                 "fields": {"character_string1": "tracking_no", "thing2": "category",
                            "phrase3": "state", "time4": "time", "thing5": "summary"}},
    "answered": {"template_id": "TPL_CASE_ANSWERED", "page": "pages/mine/index",
                 "fields": {"character_string1": "tracking_no", "phrase2": "state",
                            "thing3": "answer", "time4": "time"}},
    "meeting_published": {"template_id": "TPL_MEETING_PUBLISHED", "page": "pages/meeting/index",
                          "fields": {"thing1": "title", "time2": "time", "thing3": "site",
                                     "thing4": "location"}},
}
VALUE_NAMES = {"tracking_no": "受理编号", "category": "问题类别", "state": "办理状态",
               "time": "时间", "summary": "反映内容", "answer": "答复内容", "site": "点位",
               "title": "活动名称", "location": "活动地点"}
# The events whose messages go to residents, and so the templates they can subscribe to.
RESIDENT_EVENTS = ("accepted", "answered", "meeting_published")


def fit_value(key: str, value: str) -> str:
    """Fit a value to the WeChat field type named by its key (thing ≤ 20, phrase ≤ 5 …)."""
    kind = re.sub(r"\d+$", "", key)
    text = re.sub(r"\s+", " ", value or "").strip() or "-"
    if kind == "character_string":
        text = re.sub(r"[^0-9A-Za-z_\-.:/]", "", text) or "-"
    limit = FIELD_LIMITS.get(kind)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…" if kind in {"thing", "name"} else text[:limit]
    return text


def template_for(event: str) -> dict[str, Any] | None:
    """Return the template (id, page, field mapping) configured for an event."""
    row = db.session.get(MessageTemplate, event)
    if row is not None:
        return {"template_id": row.template_id, "page": row.page, "fields": dict(row.fields)}
    return DEFAULT_TEMPLATES.get(event)


def resident_templates() -> dict[str, str]:
    """Return the configured resident templates: template id -> event."""
    found: dict[str, str] = {}
    for event in RESIDENT_EVENTS:
        template = template_for(event)
        if template is not None:
            found.setdefault(template["template_id"], event)
    return found


def set_template(event: str, template_id: str, page: str, fields: dict[str, str]) -> dict[
        str, Any]:
    """Configure the WeChat template of an event."""
    if event not in DEFAULT_TEMPLATES:
        raise ValidationFailed(errors={"event": [f"只能是 {'、'.join(DEFAULT_TEMPLATES)}"]})
    bad = [v for v in fields.values() if v not in VALUE_NAMES]
    if bad or not fields:
        raise ValidationFailed(errors={"fields": [f"未知的取值：{', '.join(bad) or '（空）'}"]})
    row = db.session.get(MessageTemplate, event) or MessageTemplate(event=event)
    row.template_id, row.page, row.fields = template_id, page, dict(fields)
    db.session.add(row)
    db.session.commit()
    return {"event": event, **(template_for(event) or {})}


def build_message(event: str, openid: str, values: dict[str, str],
                  page_query: str = "") -> dict[str, Any] | None:
    """Build the subscribe/send body for an event, respecting each field's length limit."""
    template = template_for(event)
    if template is None:
        return None
    data = {key: {"value": fit_value(key, values.get(name, ""))}
            for key, name in template["fields"].items()}
    body: dict[str, Any] = {"touser": openid, "template_id": template["template_id"],
                            "data": data, "lang": "zh_CN"}
    if template.get("page"):
        body["page"] = f"{template['page']}?{page_query}" if page_query else template["page"]
    return body
