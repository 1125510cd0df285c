"""Factories for dispatch tests: categories and opinions submitted through the workflow."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from server.common.models import utcnow
from server.dispatch import workflow
from server.extensions import db
from server.intake.models import Category, Opinion
from server.sites.models import Site

_seq = itertools.count(1)


def make_category(name: str = "道路交通", kind: str = "suggestion") -> Category:
    category = Category(code=f"C{next(_seq)}", name=name, default_kind=kind, sort_order=0,
                        active=True)
    db.session.add(category)
    db.session.commit()
    return category


def make_opinion(site: Site, *, kind: str = "suggestion", category: Category | None = None,
                 resident_id: int | None = None, phone: str | None = "13812345678",
                 text: str = "村东头的路灯坏了三个月，晚上出行不安全",
                 created_at: datetime | None = None, **extra: Any) -> Opinion:
    """Create an opinion the way intake does, then record the submission."""
    opinion = Opinion(tracking_no=f"T{next(_seq):08d}", site_id=site.id, unit_id=site.unit_id,
                      category_id=category.id if category else None, kind=kind, text=text,
                      phone=phone, anonymous=False, resident_id=resident_id, state="received",
                      moderation="ok", support_count=0, created_at=created_at or utcnow(),
                      **extra)
    db.session.add(opinion)
    db.session.flush()
    workflow.record_submission(opinion, resident_id=resident_id, entered_by_id=None)
    return opinion
