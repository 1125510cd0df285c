"""Demo data for assessment: the standard, meetings held at demo sites, some evidence."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from server.common.text import SHANGHAI
from server.extensions import db
from server.people.models import User
from server.sites.models import Site

# A tiny, valid one-page PDF (the demo's "台账" document).
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _photo(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, "PNG")
    return buffer.getvalue()


def seed_assessment_demo(today: date | None = None) -> None:
    """Seed weights and checklist, meetings at demo sites (some short), evidence and sign-offs."""
    from server.assessment import checklist
    from server.assessment.services import seed_default_settings
    from server.meetings.lookup import _new_code
    from server.meetings.models import Meeting

    seed_default_settings()
    checklist.seed_default_items()
    today = today or datetime.now(SHANGHAI).date()
    demo_sites = list(db.session.scalars(select(Site).where(Site.is_demo.is_(True))
                                         .order_by(Site.id)))
    # Held this year: 4, 3, 2, 1, 0 … so the shortfall table has every status.
    for index, site in enumerate(demo_sites):
        for n in range(max(0, 4 - index)):
            day = max(date(today.year, 1, 2), today - timedelta(days=20 + 25 * n))
            starts = datetime.combine(day, time(14, 30), SHANGHAI)
            db.session.add(Meeting(code=_new_code(), site_id=site.id, status="closed",
                                   title=f"{site.name}第{n + 1}次协商议事活动",
                                   starts_at=starts, ends_at=starts + timedelta(hours=2),
                                   closed_at=starts + timedelta(hours=2)))
    db.session.commit()

    admin = db.session.scalar(select(User).where(User.username == "admin"))
    reviewer = db.session.scalar(select(User).where(User.username == "supervisor"))
    if admin is None or not demo_sites:
        return
    items = checklist.list_items()
    colours = [(183, 28, 28), (242, 193, 78), (27, 110, 58), (60, 90, 160), (120, 120, 120)]
    for site, count in zip(demo_sites[:3], (6, 4, 2), strict=False):
        for i, item in enumerate(items[:count]):
            if item.code == "ledger":
                checklist.add_evidence(admin, site.id, item.id, DEMO_PDF, "活动台账.pdf",
                                       "2026 年活动台账")
            else:
                checklist.add_evidence(admin, site.id, item.id,
                                       _photo(colours[i % len(colours)]), f"{item.name}.png",
                                       f"{item.name}现场照片")
            if reviewer is not None and i < count - 1:
                checklist.review_item(reviewer, site.id, item.id, "approved", None)
