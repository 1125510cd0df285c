"""Deadlines: the answer and sign-for limits per kind and category, set and extended on a case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from server.common.models import utcnow
from server.dispatch.models import Case, DeadlineRule
from server.dispatch.workdays import add_working_days, load_calendar
from server.errors import Forbidden, ValidationFailed
from server.extensions import db
from server.intake.models import KINDS, Category, Opinion
from server.people.models import User

DEFAULT_SIGN_DAYS = 1


DEFAULT_ANSWER_DAYS = {"consult": 3, "help": 5, "complaint": 15, "suggestion": 15}


def _rule(opinion: Opinion) -> DeadlineRule | None:
    if opinion.category_id is not None:
        row = db.session.scalar(select(DeadlineRule).where(
            DeadlineRule.category_id == opinion.category_id, DeadlineRule.kind.is_(None)))
        if row is not None:
            return row
    return db.session.scalar(select(DeadlineRule).where(
        DeadlineRule.category_id.is_(None), DeadlineRule.kind == opinion.kind))


def answer_limit(opinion: Opinion) -> int:
    """Return the working days allowed to answer this opinion."""
    rule = _rule(opinion)
    return rule.answer_days if rule else DEFAULT_ANSWER_DAYS.get(opinion.kind, 15)


def sign_limit(opinion: Opinion) -> int:
    """Return the working days allowed to sign for this opinion."""
    rule = _rule(opinion)
    return rule.sign_days if rule else DEFAULT_SIGN_DAYS


def set_answer_deadline(case: Case, start: datetime) -> None:
    """Set the answer deadline `case.answer_days` working days after `start`."""
    cal = load_calendar()
    case.answer_due_at = add_working_days(start, case.answer_days, cal)
    case.calendar_warning = cal.warning()


def set_sign_deadline(case: Case, start: datetime) -> None:
    """Set the sign-for deadline from the opinion's rule."""
    opinion = db.session.get(Opinion, case.opinion_id)
    assert opinion is not None
    cal = load_calendar()
    case.sign_due_at = add_working_days(start, sign_limit(opinion), cal)
    case.calendar_warning = cal.warning() or case.calendar_warning


def extend_answer_deadline(case: Case, days: int) -> None:
    """Move the answer deadline by `days` working days."""
    cal = load_calendar()
    case.answer_due_at = add_working_days(case.answer_due_at or utcnow(), days, cal)
    case.calendar_warning = cal.warning() or case.calendar_warning


def list_rules() -> list[dict[str, Any]]:
    """Return the effective limits: one row per kind plus every category override."""
    rows = []
    for kind, name in KINDS.items():
        rule = db.session.scalar(select(DeadlineRule).where(
            DeadlineRule.category_id.is_(None), DeadlineRule.kind == kind))
        rows.append({"kind": kind, "kind_name": name, "category_id": None, "category_name": None,
                     "sign_days": rule.sign_days if rule else DEFAULT_SIGN_DAYS,
                     "answer_days": rule.answer_days if rule else DEFAULT_ANSWER_DAYS[kind],
                     "custom": rule is not None})
    for rule in db.session.scalars(select(DeadlineRule).where(
            DeadlineRule.category_id.is_not(None))):
        category = db.session.get(Category, rule.category_id)
        rows.append({"kind": None, "kind_name": None, "category_id": rule.category_id,
                     "category_name": category.name if category else None,
                     "sign_days": rule.sign_days, "answer_days": rule.answer_days,
                     "custom": True})
    return rows


def set_rule(user: User, *, kind: str | None, category_id: int | None, sign_days: int,
             answer_days: int) -> list[dict[str, Any]]:
    """Set the limits of a kind or of a category (admins and district dispatchers)."""
    _require_district(user)
    if (kind is None) == (category_id is None):
        raise ValidationFailed(errors={"kind": ["请选择诉求类型或问题类别之一"]})
    if kind is not None and kind not in KINDS:
        raise ValidationFailed(errors={"kind": ["未知的诉求类型"]})
    if category_id is not None and db.session.get(Category, category_id) is None:
        raise ValidationFailed(errors={"category_id": ["问题类别不存在"]})
    row = db.session.scalar(select(DeadlineRule).where(
        DeadlineRule.kind.is_(None) if kind is None else DeadlineRule.kind == kind,
        DeadlineRule.category_id.is_(None) if category_id is None
        else DeadlineRule.category_id == category_id))
    row = row or DeadlineRule(kind=kind, category_id=category_id)
    row.sign_days, row.answer_days = sign_days, answer_days
    db.session.add(row)
    db.session.commit()
    return list_rules()


def _require_district(user: User) -> None:
    for grant in user.grants:
        if grant.role in {"admin", "dispatcher"} and grant.district_wide:
            return
    raise Forbidden("仅区级管理员或调度员可修改此设置", code="district_only")
