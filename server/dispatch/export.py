"""Exporting cases to a spreadsheet, masked unless the caller may see phones, and logged."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.audit.capture import flag_personal_data
from server.common.models import utcnow
from server.common.tables import table_file
from server.common.text import local_time, mask_phone, mask_phones_in_text
from server.dispatch.cases import _names, _overdue, case_query, may_see_phone
from server.dispatch.models import ExportLog
from server.errors import ValidationFailed
from server.extensions import db
from server.intake.models import KINDS, STATES, Opinion
from server.people.models import User
from server.sites.models import Site, Unit

EXPORT_COLUMNS = ["受理编号", "状态", "诉求类型", "问题类别", "反映内容", "联系电话", "点位",
                  "所属单元", "承办单位", "答复期限", "是否超期", "重办次数", "提交时间"]


def export_cases(user: User, filters: dict[str, Any], fmt: str) -> tuple[bytes, str, str]:
    """Export the filtered list as CSV or XLSX, masking phones unless the role allows; log it."""
    if fmt not in {"csv", "xlsx"}:
        raise ValidationFailed(errors={"format": ["只能是 csv 或 xlsx"]})
    rows = db.session.execute(case_query(user, filters).order_by(Opinion.id).limit(20000)).all()
    names = _names([c for _o, c in rows])
    sites = {s.id: s.name for s in db.session.scalars(select(Site))}
    units = {u.id: u.name for u in db.session.scalars(select(Unit))}
    now = utcnow()
    table: list[list[Any]] = []
    masked_any = False
    unmasked_any = False
    for opinion, case in rows:
        visible = may_see_phone(user, opinion)
        masked_any = masked_any or (not visible and bool(opinion.phone))
        unmasked_any = unmasked_any or (visible and bool(opinion.phone))
        assignee = (names["departments"].get(case.department_id) if case and case.department_id
                    else names["users"].get(case.member_user_id) if case and case.member_user_id
                    else "")
        table.append([
            opinion.tracking_no, STATES.get(opinion.state, opinion.state),
            KINDS.get(opinion.kind, opinion.kind),
            opinion.category.name if opinion.category else "",
            opinion.text if visible else mask_phones_in_text(opinion.text),
            (opinion.phone if visible else mask_phone(opinion.phone)) or "",
            sites.get(opinion.site_id, ""), units.get(opinion.unit_id, ""), assignee or "",
            local_time(case.answer_due_at).strftime("%Y-%m-%d %H:%M")
            if case and case.answer_due_at else "",
            "是" if _overdue(opinion, case, now) else "否", case.redo_count if case else 0,
            local_time(opinion.created_at).strftime("%Y-%m-%d %H:%M"),
        ])
    if unmasked_any:
        flag_personal_data("unmasked_phones")
    db.session.add(ExportLog(user_id=user.id, fmt=fmt, row_count=len(table),
                             phones_masked=masked_any,
                             filters={k: v for k, v in filters.items()
                                      if k not in {"page", "per_page"}}))
    db.session.commit()
    stamp = local_time(now).strftime("%Y%m%d-%H%M")
    return table_file(EXPORT_COLUMNS, table, fmt, "案件列表", f"cases-{stamp}")


def export_log(limit: int = 100) -> list[ExportLog]:
    """Return recent exports, newest first."""
    return list(db.session.scalars(select(ExportLog).order_by(ExportLog.id.desc()).limit(limit)))
