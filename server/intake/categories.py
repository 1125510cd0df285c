"""Report categories residents pick from, and the defaults a new district starts with."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.errors import Conflict, NotFound
from server.extensions import db
from server.intake.models import Category

DEFAULT_CATEGORIES: list[tuple[str, str, str]] = [
    ("road", "道路交通", "suggestion"),
    ("sanitation", "环境卫生", "complaint"),
    ("elderly", "养老服务", "help"),
    ("agriculture", "农业农村", "suggestion"),
    ("housing", "住房物业", "complaint"),
    ("other", "其他", "suggestion"),
]


def seed_default_categories() -> list[Category]:
    """Create the default categories that are missing (safe to call again); commit."""
    existing = {c.code: c for c in db.session.scalars(select(Category))}
    for order, (code, name, kind) in enumerate(DEFAULT_CATEGORIES, start=1):
        if code not in existing:
            row = Category(code=code, name=name, default_kind=kind, sort_order=order * 10,
                           active=True)
            db.session.add(row)
            existing[code] = row
    db.session.commit()
    return list_categories(include_inactive=True)


def list_categories(*, include_inactive: bool = False) -> list[Category]:
    """Return categories in display order."""
    query = select(Category).order_by(Category.sort_order, Category.id)
    if not include_inactive:
        query = query.where(Category.active.is_(True))
    return list(db.session.scalars(query))


def create_category(data: dict[str, Any]) -> Category:
    """Add a category staff configured."""
    if db.session.scalar(select(Category).where(Category.code == data["code"])):
        raise Conflict("分类编码已存在", code="category_exists")
    row = Category(code=data["code"], name=data["name"],
                   default_kind=data.get("default_kind", "suggestion"),
                   sort_order=data.get("sort_order", 100), active=data.get("active", True))
    db.session.add(row)
    db.session.commit()
    return row


def update_category(category_id: int, data: dict[str, Any]) -> Category:
    """Rename, reorder or switch off a category (reports keep theirs)."""
    row = db.session.get(Category, category_id)
    if row is None:
        raise NotFound("找不到该分类")
    for field in ("name", "default_kind", "sort_order", "active"):
        if field in data:
            setattr(row, field, data[field])
    db.session.commit()
    return row
