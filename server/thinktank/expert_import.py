"""Bring the district's expert list in from a spreadsheet: all rows or none."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from server.common.models import utcnow
from server.extensions import db
from server.people.models import (
    AVAILABILITY,
    Expert,
)
from server.sites.models import Unit
from server.thinktank.vocabulary import join_codes, specialties

IMPORT_COLUMNS = ("姓名", "专业领域", "关键词", "区域", "职称", "单位", "状态", "电话")


def _split(value: str) -> list[str]:
    for sep in "，,;；/ ":
        value = value.replace(sep, "、")
    return [part for part in value.split("、") if part]


def import_experts(rows: list[dict[str, str]]) -> dict[str, Any]:
    """Add or update experts from spreadsheet rows (columns IMPORT_COLUMNS); all or nothing.

    A row whose 姓名 and 电话 match an expert already in the pool updates that expert.
    """
    by_name = {name: code for code, name in specialties().items()}
    availability = {name: code for code, name in AVAILABILITY.items()}
    areas = {u.name: u for u in db.session.scalars(select(Unit).where(Unit.depth <= 1))}
    district = next((u for u in areas.values() if u.depth == 0), None)
    existing = {(e.name, e.phone or ""): e for e in db.session.scalars(select(Expert))}
    errors: list[str] = []
    parsed: list[dict[str, Any]] = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        name = row.get("姓名", "")
        if not name:
            errors.append(f"第 {line} 行：缺少姓名")
            continue
        fields_ = _split(row.get("专业领域", ""))
        unknown = [f for f in fields_ if f not in by_name and f not in specialties()]
        if not fields_ or unknown:
            errors.append(f"第 {line} 行：专业领域须为固定分类之一，"
                          f"无法识别：{'、'.join(unknown) or '（空）'}")
            continue
        area_name = row.get("区域", "") or "全区"
        area = district if area_name in {"全区", "区级"} else areas.get(area_name)
        if area is None:
            errors.append(f"第 {line} 行：找不到区域“{area_name}”（填镇、街道、园区名或“全区”）")
            continue
        state = row.get("状态", "") or "可邀请"
        if state not in availability and state not in AVAILABILITY:
            errors.append(f"第 {line} 行：状态须为 可邀请、较忙 或 暂不可邀请")
            continue
        parsed.append({
            "name": name[:32],
            "specialties": join_codes([by_name.get(f, f) for f in fields_]),
            "keywords": join_codes([k[:16] for k in _split(row.get("关键词", ""))][:12]),
            "unit_id": area.id if area else None, "title": row.get("职称", "")[:64],
            "organisation": row.get("单位", "")[:128],
            "availability": availability.get(state, state), "phone": row.get("电话") or None,
        })
    if errors:
        return {"added": 0, "updated": 0, "errors": errors}
    added = updated = 0
    fresh = []
    for data in parsed:
        expert = existing.get((data["name"], data["phone"] or ""))
        if expert is None:
            fresh.append({**data, "active": True, "created_at": utcnow(),
                          "updated_at": utcnow()})
            added += 1
        else:
            for key, value in data.items():
                setattr(expert, key, value)
            updated += 1
    if fresh:
        db.session.execute(insert(Expert), fresh)
    db.session.commit()
    return {"added": added, "updated": updated, "errors": []}
